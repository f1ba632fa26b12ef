//! What a repository's files and commits say: trailers and pull-request
//! numbers in messages, CODEOWNERS, timestamps, and the reachability rules
//! over source, CI YAML, Dockerfiles, compose and env files.
#![no_main]

use leakline::ingest::git::{codeowners::CodeOwners, reachability, trailers};
use libfuzzer_sys::fuzz_target;

const PATHS: &[&str] = &[
    "app/main.py", "src/index.ts", "src/app.js", ".github/workflows/ci.yml", ".gitlab-ci.yml", "Dockerfile",
    "docker-compose.yml", ".env", "deploy/k8s/deployment.yaml", "config/settings.toml", "main.go", "README.md",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let _ = trailers::people(text);
    let _ = trailers::pull_request(text);
    let owners = CodeOwners::parse(text);
    let _ = owners.owners_of("src/app.py");
    let _ = leakline::ingest::time::parse(text);
    let path = PATHS[usize::from(pick) % PATHS.len()];
    let lines = (1..=text.lines().count() as u32).collect();
    let _ = reachability::scan(path, text, &lines, &[]);
    let _ = reachability::redact_line(text);
});
