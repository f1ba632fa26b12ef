//! Where a claim's code runs, from what the repository builds: code under a
//! folder that looks like documentation or examples is runtime when a compose
//! file, a Dockerfile, a package script, a Procfile or a workflow builds or
//! runs that very folder. Tests stay tests: running them is not deploying them.

use crate::model::{Grant, RunRoot, Scope};

/// The grants with their scope settled against the build evidence.
pub fn settle(grants: &[Grant], roots: &[RunRoot]) -> Vec<Grant> {
    grants
        .iter()
        .map(|g| {
            let mut g = g.clone();
            if matches!(g.scope, Scope::Example | Scope::Docs)
                && let Some(root) = roots.iter().find(|r| r.covers(&g.path) && points_into(r, g.scope))
            {
                g.scope_reason = format!("{} ({}), so it runs although {}", root.source, root.path, g.scope_reason);
                g.scope = Scope::Runtime;
            }
            g
        })
        .collect()
}

/// The evidence names the example or documentation folder itself (or
/// something inside it), not the whole tree it happens to contain.
fn points_into(root: &RunRoot, scope: Scope) -> bool {
    !root.path.is_empty() && Scope::of(&format!("{}/x", root.path)).0 == scope || Scope::of(&root.path).0 == scope
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(path: &str) -> Grant {
        let (scope, scope_reason) = Scope::of(path);
        Grant { path: path.to_string(), scope, scope_reason, ..Grant::default() }
    }

    fn root(path: &str, source: &str) -> RunRoot {
        RunRoot { path: path.to_string(), source: source.to_string() }
    }

    #[test]
    fn built_documentation_and_examples_run_tests_and_unbuilt_ones_do_not() {
        let roots = [
            root("docs/server", "docker-compose.yml builds it"),
            root("", "Dockerfile copies it into the image"),
            root("tests", "Dockerfile copies it into the image"),
            root("examples/bot/main.py", "Procfile process `web` runs it"),
        ];
        let settled = settle(
            &[
                grant("docs/server/index.js"),
                grant("docs/guide/snippet.js"),
                grant("examples/bot/main.py"),
                grant("examples/other.py"),
                grant("tests/test_keys.py"),
                grant("app/main.py"),
            ],
            &roots,
        );
        let scopes: Vec<Scope> = settled.iter().map(|g| g.scope).collect();
        use Scope::*;
        assert_eq!(scopes, [Runtime, Docs, Runtime, Example, Test, Runtime]);
        assert_eq!(
            settled[0].scope_reason,
            "docker-compose.yml builds it (docs/server), so it runs although under docs/, documentation"
        );
        assert_eq!(settled[5].scope_reason, "not under a test, example or documentation folder");
    }
}
