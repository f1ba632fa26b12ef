//! Timestamps as the sources write them.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Parse RFC 3339 (any precision), Go's `2006-01-02 15:04:05 -0700 MST`,
/// `YYYY-MM-DD HH:MM:SS`, a bare date, or Unix seconds.
pub fn parse(raw: &str) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    if let Some(t) = parse_zulu_seconds(s) {
        return Some(t);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    // Go's time.String(): "2022-06-16 10:17:40 -0700 PDT" (zone name ignored).
    let mut parts = s.split_whitespace();
    if let (Some(d), Some(t), Some(z)) = (parts.next(), parts.next(), parts.next()) {
        let joined = format!("{d} {t} {z}");
        if let Ok(v) = DateTime::<FixedOffset>::parse_from_str(&joined, "%Y-%m-%d %H:%M:%S%.f %z") {
            return Some(v.with_timezone(&Utc));
        }
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"] {
        if let Ok(v) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(Utc.from_utc_datetime(&v));
        }
    }
    for fmt in ["%Y-%m-%d", "%m-%d-%Y"] {
        if let Ok(d) = NaiveDate::parse_from_str(s, fmt) {
            return d.and_hms_opt(0, 0, 0).map(|v| Utc.from_utc_datetime(&v));
        }
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<i64>().ok().and_then(|n| Utc.timestamp_opt(n, 0).single());
    }
    None
}

/// `2026-04-13T17:05:41Z`, the form almost every CloudTrail record uses, without
/// the general parser (it is a noticeable share of reading a large trail).
fn parse_zulu_seconds(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |acc, d| d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0')))
    };
    let date = NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)?;
    let time = date.and_hms_opt(num(11..13)?, num(14..16)?, num(17..19)?)?;
    Some(Utc.from_utc_datetime(&time))
}

/// RFC 3339 in UTC with second precision, as the report writes times.
pub fn format(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_formats_sources_write() {
        let want = "2022-06-16T17:17:40Z";
        for raw in [
            "2022-06-16T17:17:40Z",
            "2022-06-16T10:17:40-07:00",
            "2022-06-16 10:17:40 -0700 PDT",
            "2022-06-16 10:17:40 -0700 -0700",
            "1655399860",
        ] {
            assert_eq!(parse(raw).map(|t| format(&t)).as_deref(), Some(want), "{raw}");
        }
        assert!(parse("2024-08-15T13:15:03.448238519Z").is_some());
        assert!(parse("yesterday").is_none());
        assert!(parse("2026-02-30T10:00:00Z").is_none(), "not a date");
        assert_eq!(parse("2026-04-13T17:05:41Z").map(|t| format(&t)).as_deref(), Some("2026-04-13T17:05:41Z"));
    }
}
