//! Lockfiles: the versions actually resolved, direct and transitive. Read by
//! line where the format allows (fast on multi-megabyte files), as JSON where not.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::watchlist::normalise;

/// `(name, version)` pairs; a package locked at several versions appears once
/// per version.
pub type Locked = Vec<(String, String)>;

/// Whether a file name is a lockfile leakline reads.
pub fn is_lockfile(name: &str) -> bool {
    matches!(
        name,
        "poetry.lock"
            | "uv.lock"
            | "Pipfile.lock"
            | "package-lock.json"
            | "npm-shrinkwrap.json"
            | "yarn.lock"
            | "pnpm-lock.yaml"
            | "Cargo.lock"
            | "Gemfile.lock"
    )
}

/// Parse a lockfile by name.
pub fn parse(name: &str, text: &str) -> Result<Locked, String> {
    match name {
        "poetry.lock" | "uv.lock" => Ok(toml_packages(text, true)),
        "Cargo.lock" => Ok(toml_packages(text, false)),
        "Pipfile.lock" => pipfile_lock(text),
        "package-lock.json" | "npm-shrinkwrap.json" => package_lock(text),
        "yarn.lock" => Ok(yarn_lock(text)),
        "pnpm-lock.yaml" => Ok(pnpm_lock(text)),
        "Gemfile.lock" => Ok(gemfile_lock(text)),
        _ => Err(format!("{name} is not a lockfile")),
    }
}

fn unquote(s: &str) -> &str {
    s.trim().trim_matches(|c| c == '"' || c == '\'')
}

/// `[[package]]` blocks with `name = "…"` and `version = "…"` (Cargo, Poetry, uv).
fn toml_packages(text: &str, python: bool) -> Locked {
    let mut out = Vec::new();
    let mut name: Option<String> = None;
    let mut in_package = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.starts_with('[') {
            in_package = line == "[[package]]";
            name = None;
            continue;
        }
        if !in_package {
            continue;
        }
        if let Some(v) = line.strip_prefix("name = ") {
            let n = unquote(v);
            name = Some(if python { normalise(n) } else { n.to_string() });
        } else if let Some(v) = line.strip_prefix("version = ")
            && let Some(n) = name.take()
        {
            out.push((n, unquote(v).to_string()));
        }
    }
    out
}

fn pipfile_lock(text: &str) -> Result<Locked, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("Pipfile.lock: {e}"))?;
    let mut out = Vec::new();
    for section in ["default", "develop"] {
        for (name, spec) in doc.get(section).and_then(Value::as_object).into_iter().flatten() {
            let version = spec.get("version").and_then(Value::as_str).unwrap_or("").trim_start_matches("==");
            out.push((normalise(name), version.to_string()));
        }
    }
    Ok(out)
}

#[derive(Deserialize)]
struct NpmLock {
    #[serde(default)]
    packages: BTreeMap<String, NpmPackage>,
    #[serde(default)]
    dependencies: BTreeMap<String, NpmV1>,
}

#[derive(Deserialize)]
struct NpmPackage {
    version: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct NpmV1 {
    version: Option<String>,
    #[serde(default)]
    dependencies: BTreeMap<String, NpmV1>,
}

fn npm_v1(deps: &BTreeMap<String, NpmV1>, out: &mut Locked) {
    for (name, d) in deps {
        out.push((name.to_ascii_lowercase(), d.version.clone().unwrap_or_default()));
        npm_v1(&d.dependencies, out);
    }
}

/// `package-lock.json` v1 (`dependencies`, nested) and v2/v3 (`packages`, keyed by path).
fn package_lock(text: &str) -> Result<Locked, String> {
    let lock: NpmLock = serde_json::from_str(text).map_err(|e| format!("package-lock.json: {e}"))?;
    let mut out = Vec::new();
    if lock.packages.is_empty() {
        npm_v1(&lock.dependencies, &mut out);
    }
    for (path, p) in &lock.packages {
        let name = match path.rfind("node_modules/") {
            Some(i) => &path[i + "node_modules/".len()..],
            None if path.is_empty() => continue,
            None => p.name.as_deref().unwrap_or(path),
        };
        out.push((name.to_ascii_lowercase(), p.version.clone().unwrap_or_default()));
    }
    Ok(out)
}

/// The package name in a yarn or pnpm spec: `@scope/name@^1.0` → `@scope/name`.
fn spec_name(spec: &str) -> &str {
    let spec = unquote(spec);
    // The first character may be a scope's `@`: the version's `@` comes after it.
    let first = spec.chars().next().map_or(0, char::len_utf8);
    match spec[first..].find('@') {
        Some(i) => &spec[..i + first],
        None => spec,
    }
}

/// yarn classic (`version "1.2.3"`) and berry (`version: 1.2.3`).
fn yarn_lock(text: &str) -> Locked {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if !line.starts_with([' ', '#']) && line.ends_with(':') && !line.is_empty() {
            let first = line.trim_end_matches(':').split(", ").next().unwrap_or("");
            let name = spec_name(first);
            current = (name != "__metadata").then(|| name.to_ascii_lowercase());
        } else if let Some(name) = &current {
            let t = line.trim();
            if let Some(v) = t.strip_prefix("version ").or_else(|| t.strip_prefix("version: "))
                && line.starts_with("  ")
                && !line.starts_with("    ")
            {
                out.push((name.clone(), unquote(v).to_string()));
                current = None;
            }
        }
    }
    out
}

/// `pnpm-lock.yaml` v5 (`/name/1.2.3:`), v6 (`/name@1.2.3:`) and v9 (`name@1.2.3:`).
fn pnpm_lock(text: &str) -> Locked {
    let mut out = Vec::new();
    let mut in_packages = false;
    for line in text.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            in_packages = line.trim_end() == "packages:";
            continue;
        }
        if !in_packages || !line.starts_with("  ") || line.starts_with("   ") || !line.trim_end().ends_with(':') {
            continue;
        }
        let key = unquote(line.trim().trim_end_matches(':'));
        let key = key.strip_prefix('/').unwrap_or(key);
        let key = key.split('(').next().unwrap_or(key);
        let (name, version) = match key[1.min(key.len())..].rfind('@') {
            Some(i) => (&key[..i + 1], &key[i + 2..]),
            None => match key.rsplit_once('/') {
                Some((n, v)) => (n, v),
                None => continue,
            },
        };
        out.push((name.to_ascii_lowercase(), version.to_string()));
    }
    out
}

/// `Gemfile.lock`: the `specs:` of each source, `    name (version)`.
fn gemfile_lock(text: &str) -> Locked {
    text.lines()
        .filter(|l| l.starts_with("    ") && !l.starts_with("     "))
        .filter_map(|l| {
            let (name, rest) = l.trim().split_once(" (")?;
            Some((normalise(name), rest.trim_end_matches(')').to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(locked: &Locked, name: &str, version: &str) -> bool {
        locked.iter().any(|(n, v)| n == name && v == version)
    }

    #[test]
    fn toml_lockfiles() {
        let poetry = "[[package]]\nname = \"LangChain-Core\"\nversion = \"0.2.5\"\ndescription = \"x\"\n\n[package.dependencies]\nname = \"not-a-package\"\n\n[[package]]\nname = \"openai\"\nversion = \"1.30.1\"\n";
        let p = parse("poetry.lock", poetry).unwrap();
        assert!(has(&p, "langchain-core", "0.2.5") && has(&p, "openai", "1.30.1"));
        assert_eq!(p.len(), 2);
        let cargo =
            "version = 3\n\n[[package]]\nname = \"async-openai\"\nversion = \"0.23.4\"\nsource = \"registry\"\n";
        assert!(has(&parse("Cargo.lock", cargo).unwrap(), "async-openai", "0.23.4"));
    }

    #[test]
    fn npm_lockfiles_v1_to_v3() {
        let v3 = r#"{"lockfileVersion":3,"packages":{"":{"name":"app"},"node_modules/@langchain/core":{"version":"0.2.3"},"node_modules/a/node_modules/openai":{"version":"4.1.0"}}}"#;
        let l = parse("package-lock.json", v3).unwrap();
        assert!(has(&l, "@langchain/core", "0.2.3") && has(&l, "openai", "4.1.0"));
        let v1 = r#"{"lockfileVersion":1,"dependencies":{"ai":{"version":"3.1.0","dependencies":{"openai":{"version":"4.0.0"}}}}}"#;
        let l = parse("package-lock.json", v1).unwrap();
        assert!(has(&l, "ai", "3.1.0") && has(&l, "openai", "4.0.0"));
        assert!(parse("package-lock.json", "{not json").is_err());
    }

    #[test]
    fn yarn_and_pnpm() {
        let classic = "# yarn lockfile v1\n\n\"@langchain/core@^0.2.0\", \"@langchain/core@^0.2.1\":\n  version \"0.2.5\"\n  resolved \"x\"\n  dependencies:\n    openai \"^4\"\n\nopenai@^4:\n  version \"4.47.1\"\n";
        let y = parse("yarn.lock", classic).unwrap();
        assert!(has(&y, "@langchain/core", "0.2.5") && has(&y, "openai", "4.47.1"));
        assert_eq!(y.len(), 2);
        let berry =
            "__metadata:\n  version: 6\n\n\"ai@npm:^3.1.0\":\n  version: 3.1.12\n  resolution: \"ai@npm:3.1.12\"\n";
        assert!(has(&parse("yarn.lock", berry).unwrap(), "ai", "3.1.12"));
        let v9 = "lockfileVersion: '9.0'\n\npackages:\n\n  '@langchain/core@0.2.5':\n    resolution: {integrity: x}\n\n  openai@4.47.1(zod@3.23.8):\n    resolution: {}\n";
        let p = parse("pnpm-lock.yaml", v9).unwrap();
        assert!(has(&p, "@langchain/core", "0.2.5") && has(&p, "openai", "4.47.1"));
        let v5 = "lockfileVersion: 5.4\n\npackages:\n\n  /openai/3.3.0:\n    resolution: {}\n  /@anthropic-ai/sdk/0.20.1:\n    dev: false\n";
        let p = parse("pnpm-lock.yaml", v5).unwrap();
        assert!(has(&p, "openai", "3.3.0") && has(&p, "@anthropic-ai/sdk", "0.20.1"));
        // Found by fuzzing (fuzz/run, manifests): a spec that starts with a multi-byte character.
        let odd = "\u{e5f} x@1:\n  version \"1\"\n\u{e5f}@2:\n  version \"2\"\n";
        let y = parse("yarn.lock", odd).unwrap();
        assert!(has(&y, "\u{e5f}", "2"), "{y:?}");
    }

    #[test]
    fn pipfile_and_gemfile_locks() {
        let pip = r#"{"_meta":{},"default":{"LangChain":{"version":"==0.2.1"}},"develop":{}}"#;
        assert!(has(&parse("Pipfile.lock", pip).unwrap(), "langchain", "0.2.1"));
        let gem = "GEM\n  remote: https://rubygems.org/\n  specs:\n    ruby-openai (7.0.1)\n      faraday (>= 1)\n    faraday (2.9.0)\n\nPLATFORMS\n  ruby\n";
        let g = parse("Gemfile.lock", gem).unwrap();
        assert!(has(&g, "ruby-openai", "7.0.1") && has(&g, "faraday", "2.9.0"));
        assert_eq!(g.len(), 2);
    }
}
