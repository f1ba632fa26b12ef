//! The rows a session has fetched, one JSON record a line, kept in a file that
//! has no name: it holds the raw records (a leaked key among them), and a file
//! with no name cannot outlive the process, however it ends (a signal, a
//! panic elsewhere, a power cut). The rows are read as a log of their kind is
//! read, by the same readers, so a table gives what a file gives.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};

use super::{IngestError, bad};
use crate::ingest::{ReadOptions, audit, cancel, framing, limits};
use crate::model::{Evidence, InputSummary, SourceKind};

pub(super) struct Rows {
    file: File,
}

impl std::fmt::Debug for Rows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rows(unnamed file)")
    }
}

impl Rows {
    pub fn new(address: &str) -> Result<Self, IngestError> {
        // Linux opens it O_TMPFILE: it never has a name in the temporary folder.
        let file = tempfile::tempfile().map_err(|e| bad(address, format!("no temporary file: {e}")))?;
        Ok(Rows { file })
    }

    /// Append what `write` writes; when it fails, the rows are as they were.
    pub fn append<T>(
        &mut self,
        address: &str,
        write: impl FnOnce(&mut dyn Write) -> Result<T, IngestError>,
    ) -> Result<T, IngestError> {
        let io = |e: std::io::Error| bad(address, format!("temporary file: {e}"));
        let before = self.file.seek(SeekFrom::End(0)).map_err(io)?;
        let written = {
            let mut out = std::io::BufWriter::with_capacity(1 << 20, &mut self.file);
            write(&mut out).and_then(|answer| out.flush().map(|()| answer).map_err(io))
        };
        if written.is_err() {
            let _ = self.file.set_len(before);
        }
        written
    }

    /// Every row kept, read as a log of `kind`, named by the table's `address`.
    pub fn read(&self, kind: SourceKind, address: &str, options: &ReadOptions) -> Result<Evidence, IngestError> {
        let io = |e: std::io::Error| bad(address, format!("temporary file: {e}"));
        let mut file = self.file.try_clone().map_err(io)?;
        let len = file.seek(SeekFrom::End(0)).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        let mut summary = InputSummary::new(kind, address);
        let mut evidence = Evidence::default();
        let parser = if options.drop_accesses { audit::counting_parser } else { audit::line_parser };
        match parser(kind) {
            Some(parse) => {
                let chunk =
                    usize::try_from(len).unwrap_or(usize::MAX).saturating_add(1).clamp(64 << 10, audit::stream::CHUNK);
                let threads = if chunk < audit::stream::CHUNK {
                    1
                } else {
                    std::thread::available_parallelism().map_or(1, usize::from).min(4)
                };
                let job = audit::stream::Job {
                    path: address,
                    parse,
                    framing: audit::stream::Framing::Lines,
                    threads,
                    max_line: options.limits.max_line,
                    chunk,
                    keep: &|a| options.keeps(a),
                    prefilter: options.searcher(kind),
                };
                let mut input = cancel::Cancellable::new(file.take(len), options.cancel.clone());
                audit::stream::read(&mut input, &job, &mut summary, &mut evidence);
            }
            // A kind read whole (Azure's): bound as a file read whole is.
            None if len > options.limits.max_input => summary.reject(
                0,
                format!(
                    "{} of rows, more than the {} leakline reads whole (--max-input); nothing from them was used",
                    limits::shown(len),
                    limits::shown(options.limits.max_input)
                ),
            ),
            None => {
                let mut bytes = Vec::new();
                file.take(len).read_to_end(&mut bytes).map_err(io)?;
                let framed = framing::records(&bytes);
                for r in framed.rejected {
                    summary.reject(r.line, r.message);
                }
                audit::parse(kind, address, framed.records, &mut summary, &mut evidence);
                evidence.accesses.retain(|a| options.keeps(a));
            }
        }
        crate::ingest::dedupe_vault_devices(&mut evidence);
        evidence.inputs.push(summary);
        Ok(evidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_append_leaves_the_rows_as_they_were_and_the_file_has_no_name() {
        let mut rows = Rows::new("t").unwrap_or_else(|e| panic!("{e}"));
        let ok: Result<(), IngestError> =
            rows.append("t", |out| out.write_all(b"{\"a\":1}\n").map_err(|e| bad("t", e.to_string())));
        assert!(ok.is_ok());
        let failed: Result<(), IngestError> = rows.append("t", |out| {
            let _ = out.write_all(b"{\"half");
            Err(bad("t", "the connection dropped"))
        });
        assert!(failed.is_err());
        let mut text = String::new();
        let mut file = rows.file.try_clone().unwrap_or_else(|e| panic!("{e}"));
        file.seek(SeekFrom::Start(0)).unwrap_or_else(|e| panic!("{e}"));
        file.read_to_string(&mut text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(text, "{\"a\":1}\n");
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let link = std::fs::read_link(format!("/proc/self/fd/{}", rows.file.as_raw_fd()))
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(link.to_string_lossy().ends_with("(deleted)"), "{}", link.display());
        }
    }
}
