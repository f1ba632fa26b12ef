//! Manifests and lockfiles of every ecosystem, and the version rules that
//! compare what they declare. The first byte picks the file name.
#![no_main]

use leakline::ingest::git::{constraint, lockfiles, manifests};
use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "requirements.txt", "pyproject.toml", "Pipfile", "setup.cfg", "poetry.lock", "uv.lock", "Pipfile.lock",
    "package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "Cargo.toml",
    "Cargo.lock", "go.mod", "Gemfile", "Gemfile.lock", "pom.xml", "build.gradle", "build.gradle.kts",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let name = NAMES[usize::from(pick) % NAMES.len()];
    let _ = manifests::packages(name, text);
    if lockfiles::is_lockfile(name) {
        let _ = lockfiles::parse(name, text);
    }
    let (a, b) = text.split_at(text.char_indices().nth(text.chars().count() / 2).map_or(0, |(i, _)| i));
    let _ = manifests::compare_versions(a, b);
    if let Some(kind) = manifests::ecosystem(name) {
        let rules = constraint::rules(kind.ecosystem, kind.lockfile);
        let _ = constraint::change_kind(rules, Some(a), Some(b));
        let _ = constraint::shown(a);
    }
});
