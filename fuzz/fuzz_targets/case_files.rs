//! Case, owners and rules files (TOML) as a user or a shared folder gives them.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("case.toml");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let _ = leakline::ingest::case_file::load(&path);
    let _ = leakline::ingest::case_file::load_owners(&path);
    let _ = leakline::ingest::case_file::load_rules(&path);
});
