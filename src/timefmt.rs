//! Times as people read them: RFC 3339 for files, "in 2 hours" and HH:MM for screens.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// A time as xconnect keeps it in a profile: UTC, whole seconds (written
/// `2026-11-28T13:05:00Z`).
pub fn whole_utc(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.checked_to_offset(UtcOffset::UTC).unwrap_or(t);
    t.replace_nanosecond(0).unwrap_or(t)
}

/// A time as RFC 3339 text, as a profile file writes it (for messages and JSON).
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// A Unix time as "HH:MM UTC" (no time-zone database is read: UTC is unambiguous over SSH).
pub fn local_hm(unix: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => format!("{:02}:{:02} UTC", t.hour(), t.minute()),
        Err(_) => "a few minutes".into(),
    }
}

/// "in 2 hours", "in 5 minutes", "3 days ago".
pub fn relative(seconds: i64) -> String {
    let a = seconds.unsigned_abs();
    let (n, unit) = if a < 90 {
        (a, "second")
    } else if a < 90 * 60 {
        ((a + 30) / 60, "minute")
    } else if a < 36 * 3600 {
        ((a + 1800) / 3600, "hour")
    } else {
        ((a + 43_200) / 86_400, "day")
    };
    let plural = if n == 1 { "" } else { "s" };
    if seconds >= 0 {
        format!("in {n} {unit}{plural}")
    } else {
        format!("{n} {unit}{plural} ago")
    }
}

/// "61 seconds", "15 minutes": a length of time in the words of [`relative`].
pub fn duration_words(d: std::time::Duration) -> String {
    let seconds = i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    relative(seconds).trim_start_matches("in ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(relative(7200), "in 2 hours");
        assert_eq!(relative(-300), "5 minutes ago");
        assert_eq!(relative(1), "in 1 second");
        assert_eq!(relative(3 * 86_400), "in 3 days");
        assert_eq!(local_hm(0), "00:00 UTC");
        let t = OffsetDateTime::from_unix_timestamp(1_800_000_000).expect("time");
        assert_eq!(rfc3339(t), "2027-01-15T08:00:00Z");
        let later = time::macros::datetime!(2027-01-15 10:00:00.75 +02:00);
        assert_eq!(whole_utc(later), t);
        assert_eq!(rfc3339(whole_utc(later)), "2027-01-15T08:00:00Z");
    }
}
