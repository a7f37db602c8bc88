//! Times in an event's own time zone: labels for pages and mail, `datetime-local` form values.

use crate::clock::to_datetime;
use crate::error::ApiError;
use chrono::TimeZone;

/// "21:30": the time of day in `tz`.
pub fn clock_label(ms: i64, tz: &str) -> String {
    local(ms, tz).format("%H:%M").to_string()
}

/// "Sat 14 Mar 2026, 20:00" in the event's time zone.
pub fn date_label(ms: i64, tz: &str) -> String {
    local(ms, tz).format("%a %-d %b %Y, %H:%M").to_string()
}

/// "20:00 – 23:00 CET" (with the end date when it is another day).
pub fn time_range_label(start_ms: i64, end_ms: i64, tz: &str) -> String {
    let s = local(start_ms, tz);
    let e = local(end_ms, tz);
    if s.date_naive() == e.date_naive() {
        format!(
            "{} – {} {}",
            s.format("%H:%M"),
            e.format("%H:%M"),
            e.format("%Z")
        )
    } else {
        format!(
            "{} – {} {}",
            s.format("%H:%M"),
            e.format("%a %-d %b, %H:%M"),
            e.format("%Z")
        )
    }
}

fn local(ms: i64, tz: &str) -> chrono::DateTime<chrono_tz::Tz> {
    let zone: chrono_tz::Tz = tz.parse().unwrap_or(chrono_tz::UTC);
    zone.from_utc_datetime(&to_datetime(ms).naive_utc())
}

/// RFC 3339 with the event zone's offset: `2026-03-14T20:00:00+01:00`.
pub fn local_rfc3339(ms: i64, tz: &str) -> String {
    local(ms, tz).to_rfc3339()
}

/// `2026-03-14T20:00` (as a `datetime-local` input shows it) in the event's zone.
pub fn local_input_value(ms: i64, tz: &str) -> String {
    local(ms, tz).format("%Y-%m-%dT%H:%M").to_string()
}

/// Reads a `datetime-local` value (`2026-03-14T20:00`) as a time in zone `tz`.
pub fn parse_local(
    field: &str,
    raw: &str,
    tz: &str,
) -> Result<chrono::DateTime<chrono::Utc>, ApiError> {
    let zone: chrono_tz::Tz = tz.parse().map_err(|_| {
        ApiError::invalid(
            "timezone",
            "use an IANA time zone name such as Europe/Berlin",
        )
    })?;
    let naive = chrono::NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| ApiError::invalid(field, "enter a date and time"))?;
    match zone.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(t.with_timezone(&chrono::Utc)),
        chrono::LocalResult::Ambiguous(t, _) => Ok(t.with_timezone(&chrono::Utc)),
        chrono::LocalResult::None => Err(ApiError::invalid(
            field,
            "that time does not exist in this time zone (a daylight-saving jump); pick another",
        )),
    }
}

/// Whether `tz` is a known IANA time zone name.
pub fn valid_timezone(tz: &str) -> bool {
    tz.parse::<chrono_tz::Tz>().is_ok()
}
