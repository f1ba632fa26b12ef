//! How much leakline reads before it stops and says so: hostile input (a
//! gzip bomb, a sparse file, one endless line) must not take the machine.
//! A file read whole becomes a tree of values about eleven times its size
//! (24 MB of JSON: 265 MB peak), so the default keeps that under 300 MB; the
//! large logs (CloudTrail, Vault, Kubernetes, GCP) are streamed and not bound by it.

/// Limits on what one input may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of one file read whole, after decompression (`--max-input`).
    /// Streamed audit logs are not bound by it.
    pub max_input: u64,
    /// Bytes of one line of a streamed log (`--max-line`).
    pub max_line: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_input: 24 << 20, max_line: 64 << 20 }
    }
}

/// `512M`, `2G`, `64MiB`, `1048576`: a size in bytes.
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let number: u64 = t[..digits].parse().ok()?;
    let shift = match t[digits..].trim().to_ascii_lowercase().trim_end_matches("ib").trim_end_matches('b') {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        _ => return None,
    };
    number.checked_mul(1u64 << shift)
}

/// `256 MiB`, as a person reads a size.
pub fn shown(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(parse_size("512M"), Some(512 << 20));
        assert_eq!(parse_size("2G"), Some(2 << 30));
        assert_eq!(parse_size("64MiB"), Some(64 << 20));
        assert_eq!(parse_size("1048576"), Some(1 << 20));
        assert_eq!(parse_size("10 kb"), Some(10 << 10));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size("99999999999T"), None, "overflow is no size");
        assert_eq!(shown(256 << 20), "256 MiB");
        assert_eq!(shown(2 << 30), "2 GiB");
    }
}
