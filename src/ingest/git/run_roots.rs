//! What the repository itself builds and runs, at HEAD: compose build contexts
//! and bind mounts, Dockerfile copies, package scripts, Procfiles and workflow
//! steps. Correlate uses it to decide the scope of code under folders that
//! look like documentation or examples but are deployed all the same.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use git2::{ObjectType, Repository, TreeWalkMode, TreeWalkResult};
use regex::Regex;
use saphyr::MarkedYaml;

use super::yaml;
use crate::model::RunRoot;

/// Larger build files are not build files anyone wrote by hand.
const MAX_BUILD_FILE: usize = 512 * 1024;

fn re(pattern: &str) -> Regex {
    #[allow(clippy::expect_used)] // the patterns are constants, tested below
    Regex::new(pattern).expect("valid pattern")
}

static COMPOSE_BUILD: LazyLock<Regex> = LazyLock::new(|| re(r#"^\s*(?:build|context):\s*["']?([^"'\s#{}]+)"#));
static COMPOSE_MOUNT: LazyLock<Regex> = LazyLock::new(|| re(r#"^\s*-\s*["']?(\.{1,2}/[^:"'\s]*):/"#));
static DOCKER_COPY: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)^\s*(?:COPY|ADD)\s+(.+)$"));
/// A path to a source file, as a command line names it.
static CODE_FILE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(?:\./)?[A-Za-z0-9_@][A-Za-z0-9_./@-]*\.(?:py|js|mjs|cjs|ts|mts|tsx|jsx|rb|go|sh)$"));
/// `package.module:app`, as uvicorn, gunicorn and celery take it.
static PY_MODULE: LazyLock<Regex> =
    LazyLock::new(|| re(r"^([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+):\w+$"));
/// Scripts that check or document the code rather than run it.
static NOT_RUNNING: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)test|lint|format|fmt|check|typecheck|doc|storybook|e2e|prettier|eslint"));

/// Everything the HEAD tree says it builds or runs. Nothing (not an error)
/// for an empty or unborn repository.
pub fn read(repo: &Repository) -> Vec<RunRoot> {
    let Ok(tree) = repo.head().and_then(|h| h.peel_to_tree()) else {
        return Vec::new();
    };
    let mut files: BTreeSet<String> = BTreeSet::new();
    let mut build_files = Vec::new();
    tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
        let name = entry.name().unwrap_or("");
        if entry.kind() == Some(ObjectType::Tree) {
            return if matches!(name, "node_modules" | ".git" | "vendor" | "dist" | ".venv") {
                TreeWalkResult::Skip
            } else {
                TreeWalkResult::Ok
            };
        }
        let path = format!("{dir}{name}");
        if kind(&path).is_some() {
            build_files.push((path.clone(), entry.id()));
        }
        files.insert(path);
        TreeWalkResult::Ok
    })
    .ok();
    let mut roots = Vec::new();
    for (path, id) in build_files {
        let Ok(blob) = repo.find_blob(id) else { continue };
        if blob.size() > MAX_BUILD_FILE {
            continue;
        }
        let text = String::from_utf8_lossy(blob.content());
        if let Some(kind) = kind(&path) {
            roots.extend(kind(&path, &text));
        }
    }
    // Only what exists: a context or a script path that names nothing is not evidence.
    roots.retain(|r: &RunRoot| {
        files.contains(&r.path) || files.range(format!("{}/", r.path)..).next().is_some_and(|f| r.covers(f))
    });
    roots.sort_by(|a, b| (&a.path, &a.source).cmp(&(&b.path, &b.source)));
    roots.dedup();
    roots
}

type Reader = fn(&str, &str) -> Vec<RunRoot>;

/// The reader of a build file, by its path.
fn kind(path: &str) -> Option<Reader> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    let yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
    if yaml && (lower.starts_with("docker-compose") || lower.starts_with("compose")) {
        Some(compose)
    } else if lower == "dockerfile" || lower.starts_with("dockerfile.") || lower.ends_with(".dockerfile") {
        Some(dockerfile)
    } else if name == "package.json" {
        Some(package_scripts)
    } else if name == "Procfile" {
        Some(procfile)
    } else if yaml && path.starts_with(".github/workflows/") {
        Some(workflow)
    } else {
        None
    }
}

fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(f, _)| f)
}

/// `base` joined with a relative path, `.` and `..` resolved; `None` for
/// absolute paths and paths that leave the repository.
fn join(base: &str, relative: &str) -> Option<String> {
    if relative.starts_with('/') || relative.contains("://") || relative.contains('$') {
        return None;
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn root(base: &str, relative: &str, source: String) -> Option<RunRoot> {
    join(base, relative).map(|path| RunRoot { path, source })
}

/// Compose build contexts (`build: dir` or `build: {context: dir}`) and bind
/// mounts (`./src:/app`, or `{type: bind, source: ./src}`), read as YAML.
fn compose(path: &str, text: &str) -> Vec<RunRoot> {
    let Some(docs) = yaml::read(text) else { return compose_lines(path, text) };
    let base = folder_of(path);
    let mut out = Vec::new();
    for services in docs.iter().filter_map(|d| yaml::get(d, "services")) {
        for (_, service) in yaml::entries(services) {
            if let Some(build) = yaml::get(service, "build") {
                let context = yaml::text(build).or_else(|| yaml::get(build, "context").and_then(yaml::text));
                out.extend(context.and_then(|c| root(base, &c, format!("{path} builds it"))));
            }
            for volume in yaml::get(service, "volumes").map(yaml::items).unwrap_or_default() {
                let source = match yaml::text(volume) {
                    Some(short) => short.split_once(':').map(|(s, _)| s.to_string()),
                    None if yaml::get(volume, "type").and_then(yaml::text).as_deref() == Some("bind") => {
                        yaml::get(volume, "source").and_then(yaml::text)
                    }
                    None => None,
                };
                // Named volumes (`data:/var/lib`) hold no repository code.
                if let Some(source) = source.filter(|s| s.starts_with('.')) {
                    out.extend(root(base, &source, format!("{path} mounts it into a service")));
                }
            }
        }
    }
    out
}

/// Compose files the parser rejects, line by line.
fn compose_lines(path: &str, text: &str) -> Vec<RunRoot> {
    let base = folder_of(path);
    text.lines()
        .filter_map(|line| {
            if let Some(c) = COMPOSE_BUILD.captures(line) {
                root(base, &c[1], format!("{path} builds it"))
            } else {
                COMPOSE_MOUNT.captures(line).and_then(|c| root(base, &c[1], format!("{path} mounts it into a service")))
            }
        })
        .collect()
}

fn dockerfile(path: &str, text: &str) -> Vec<RunRoot> {
    let base = folder_of(path);
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(c) = DOCKER_COPY.captures(line) else { continue };
        let args: Vec<&str> =
            c[1].split_whitespace().filter(|a| !a.starts_with("--chown") && !a.starts_with("--chmod")).collect();
        // `COPY --from=build …` copies from another stage, not from the repository.
        if args.iter().any(|a| a.starts_with("--")) || args.len() < 2 {
            continue;
        }
        for source in &args[..args.len() - 1] {
            let source = source.trim_matches(|c| matches!(c, '[' | ']' | '"' | ',')).trim_end_matches('/');
            // `COPY . .` says nothing about which folder runs.
            if matches!(source, "" | "." | "./") || source.contains('*') {
                continue;
            }
            out.extend(root(base, source, format!("{path} copies it into the image")));
        }
    }
    out
}

/// The source files and Python modules a command line names.
fn command_paths(base: &str, command: &str, source: &str) -> Vec<RunRoot> {
    command
        .split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '&' | ';' | '|' | '(' | ')' | '='))
        .filter_map(|token| {
            if CODE_FILE.is_match(token) {
                root(base, token, source.to_string())
            } else {
                PY_MODULE
                    .captures(token)
                    .and_then(|c| root(base, &format!("{}.py", c[1].replace('.', "/")), source.to_string()))
            }
        })
        .collect()
}

fn package_scripts(path: &str, text: &str) -> Vec<RunRoot> {
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else { return Vec::new() };
    let Some(scripts) = json.get("scripts").and_then(|s| s.as_object()) else { return Vec::new() };
    let base = folder_of(path);
    scripts
        .iter()
        .filter(|(name, _)| !NOT_RUNNING.is_match(name))
        .filter_map(|(name, command)| command.as_str().map(|c| (name, c)))
        .flat_map(|(name, command)| command_paths(base, command, &format!("{path} script `{name}` runs it")))
        .collect()
}

fn procfile(path: &str, text: &str) -> Vec<RunRoot> {
    let base = folder_of(path);
    text.lines()
        .filter_map(|l| l.split_once(':'))
        .flat_map(|(process, command)| {
            command_paths(base, command, &format!("{path} process `{}` runs it", process.trim()))
        })
        .collect()
}

/// Workflow steps' `run` scripts, each from its `working-directory` (the
/// step's, else the job's or the workflow's `defaults.run`), read as YAML.
fn workflow(path: &str, text: &str) -> Vec<RunRoot> {
    let Some(docs) = yaml::read(text) else { return workflow_lines(path, text) };
    let source = format!("{path} runs it");
    let directory = |node: Option<&MarkedYaml<'_>>| {
        node.and_then(|n| yaml::get(n, "defaults"))
            .and_then(|d| yaml::get(d, "run"))
            .and_then(|r| yaml::get(r, "working-directory"))
            .and_then(yaml::text)
    };
    let mut out = Vec::new();
    for doc in &docs {
        let workflow_dir = directory(Some(doc));
        for (_, job) in doc_jobs(doc) {
            let job_dir = directory(Some(job)).or_else(|| workflow_dir.clone());
            for step in yaml::get(job, "steps").map(yaml::items).unwrap_or_default() {
                let Some(script) = yaml::get(step, "run").and_then(yaml::text) else { continue };
                let dir = yaml::get(step, "working-directory").and_then(yaml::text).or_else(|| job_dir.clone());
                let base = dir.as_deref().unwrap_or("").trim_start_matches("./").trim_end_matches('/');
                for line in script.lines().filter(|l| !NOT_RUNNING.is_match(l)) {
                    out.extend(command_paths(base, line, &source));
                }
            }
        }
    }
    out
}

fn doc_jobs<'n, 'a>(doc: &'n MarkedYaml<'a>) -> Vec<(&'n MarkedYaml<'a>, &'n MarkedYaml<'a>)> {
    yaml::get(doc, "jobs").map(yaml::entries).unwrap_or_default()
}

/// Workflows the parser rejects, line by line from the repository root.
fn workflow_lines(path: &str, text: &str) -> Vec<RunRoot> {
    text.lines()
        .filter(|l| !NOT_RUNNING.is_match(l))
        .flat_map(|l| {
            command_paths(
                "",
                l.trim_start().trim_start_matches("- ").trim_start_matches("run:"),
                &format!("{path} runs it"),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(roots: Vec<RunRoot>) -> Vec<String> {
        roots.into_iter().map(|r| r.path).collect()
    }

    #[test]
    fn compose_contexts_and_mounts_resolve_from_the_compose_folder() {
        let c = "services:\n  docs:\n    build: ./docs/server\n  api:\n    build:\n      context: ../backend\n      dockerfile: Dockerfile\n    volumes:\n      - ./examples/agent:/app/agent\n      - data:/var/lib\n  web:\n    image: nginx\n";
        assert_eq!(
            paths(compose("deploy/docker-compose.yml", c)),
            ["deploy/docs/server", "backend", "deploy/examples/agent"]
        );
        assert!(compose("docker-compose.yml", "services:\n  a:\n    build: ../../outside\n").is_empty());
    }

    #[test]
    fn dockerfile_copies_but_not_from_other_stages_or_the_whole_context() {
        let d = "FROM node:20\nCOPY package.json ./\nCOPY --chown=node docs/server/ /app/\nCOPY --from=build /out /app\nCOPY . .\nADD [\"examples/bot\", \"/bot\"]\n";
        assert_eq!(paths(dockerfile("Dockerfile", d)), ["package.json", "docs/server", "examples/bot"]);
    }

    #[test]
    fn scripts_procfiles_and_workflows_name_what_they_run() {
        let p = r#"{"scripts": {"start": "node docs/server/index.js", "test": "jest examples/x.test.js", "worker": "tsx ./examples/worker.ts --watch"}}"#;
        assert_eq!(
            paths(package_scripts("web/package.json", p)),
            ["web/docs/server/index.js", "web/examples/worker.ts"]
        );
        assert_eq!(paths(procfile("Procfile", "web: uvicorn docs.api.main:app --port $PORT\n")), ["docs/api/main.py"]);
        let w =
            "jobs:\n  run:\n    steps:\n      - run: python examples/nightly.py\n      - run: pytest tests/test_x.py\n";
        assert_eq!(paths(workflow(".github/workflows/nightly.yml", w)), ["examples/nightly.py"]);
    }

    #[test]
    fn long_and_flow_syntax_read_as_compose_and_actions_read_them() {
        let c = "services:\n  bot:\n    build: {context: ./docs/bot}\n    volumes:\n      - type: bind\n        source: ./cookbook/tools\n        target: /tools\n      - {type: volume, source: cache, target: /cache}\n";
        assert_eq!(paths(compose("docker-compose.yml", c)), ["docs/bot", "cookbook/tools"]);
        let w = "defaults:\n  run:\n    working-directory: ./site\njobs:\n  a:\n    steps:\n      - run: |\n          pip install -r requirements.txt\n          python examples/serve.py\n      - working-directory: docs\n        run: node server/index.js\n";
        assert_eq!(
            paths(workflow(".github/workflows/site.yml", w)),
            ["site/examples/serve.py", "docs/server/index.js"],
            "each script from its working directory"
        );
    }
}
