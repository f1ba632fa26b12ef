//! A report written to a file is whole or not there: it goes to a temporary
//! file beside the target, every write and the flush to disk are checked, and
//! only then does it take the target's name. A full disk leaves the earlier
//! report as it was and says so. A target that is not a regular file (a
//! device, a FIFO: `-o /dev/stdout`) is written to as it is, each write checked.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Write `bytes` to `target` as a whole.
pub fn write_report(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // `-o` names where the user wants the report: a link they made is followed.
    let resolved = std::fs::canonicalize(target).unwrap_or_else(|_| target.to_path_buf());
    match std::fs::metadata(&resolved) {
        Ok(meta) if !meta.is_file() && !meta.is_dir() => {
            let mut file = std::fs::OpenOptions::new().write(true).open(&resolved)?;
            file.write_all(bytes)?;
            file.flush()
        }
        existing => {
            let mut temp = tempfile::Builder::new().prefix(".leakline-report-").tempfile_in(folder_of(&resolved))?;
            if let Ok(meta) = existing {
                // An earlier report keeps its mode; a new one is private, as every file leakline writes.
                temp.as_file().set_permissions(meta.permissions())?;
            }
            temp.write_all(bytes)?;
            temp.flush()?;
            temp.as_file().sync_all()?;
            temp.persist(&resolved).map(|_| ()).map_err(|e| e.error)
        }
    }
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_replaces_the_earlier_one_whole_and_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let target = dir.path().join("review.md");
        write_report(&target, b"first").unwrap_or_else(|e| panic!("{e}"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
            assert_eq!(mode(&target), 0o600);
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap_or_else(|e| panic!("{e}"));
            write_report(&target, b"second").unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(mode(&target), 0o640);
        }
        assert_eq!(std::fs::read(&target).unwrap_or_default(), b"second");
        let left: Vec<_> = std::fs::read_dir(dir.path()).map(|d| d.flatten().count()).into_iter().collect();
        assert_eq!(left, vec![1], "no temporary file is left beside it");
    }

    #[test]
    fn a_device_is_written_to_and_its_errors_are_said() {
        if Path::new("/dev/full").exists() {
            let e = write_report(Path::new("/dev/full"), b"report").err();
            assert_eq!(e.map(|e| e.kind()), Some(std::io::ErrorKind::StorageFull));
        }
        if Path::new("/dev/null").exists() {
            assert!(write_report(Path::new("/dev/null"), b"report").is_ok());
            assert!(std::fs::metadata("/dev/null").is_ok_and(|m| !m.is_file()), "the device is still a device");
        }
    }
}
