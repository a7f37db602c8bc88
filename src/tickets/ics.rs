//! An iCalendar (RFC 5545) file for a booked event, attached to the confirmation so the
//! buyer's calendar shows it.

use chrono::{TimeZone, Utc};

/// What the calendar entry says.
#[derive(Debug, Clone)]
pub struct CalendarEntry<'a> {
    /// Stable across resends, so a calendar updates the entry instead of adding another.
    pub uid: String,
    pub title: &'a str,
    pub venue: &'a str,
    pub city: &'a str,
    pub starts_at: i64,
    pub ends_at: i64,
    pub url: &'a str,
    pub description: &'a str,
    /// When this version of the entry was made (UTC ms).
    pub stamp: i64,
    /// `true` when the event was cancelled (`STATUS:CANCELLED`, `METHOD:CANCEL`).
    pub cancelled: bool,
}

/// The `.ics` file's text (CRLF line ends, long lines folded at 75 octets).
pub fn calendar(e: &CalendarEntry<'_>) -> String {
    let method = if e.cancelled { "CANCEL" } else { "PUBLISH" };
    let status = if e.cancelled {
        "CANCELLED"
    } else {
        "CONFIRMED"
    };
    let lines = [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//Evently//Tickets//EN".to_string(),
        format!("METHOD:{method}"),
        "CALSCALE:GREGORIAN".to_string(),
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}", text(&e.uid)),
        format!("DTSTAMP:{}", utc(e.stamp)),
        format!("DTSTART:{}", utc(e.starts_at)),
        format!("DTEND:{}", utc(e.ends_at.max(e.starts_at))),
        format!("SUMMARY:{}", text(e.title)),
        format!("LOCATION:{}", text(&format!("{}, {}", e.venue, e.city))),
        format!("DESCRIPTION:{}", text(e.description)),
        format!("URL:{}", text(e.url)),
        format!("STATUS:{status}"),
        "END:VEVENT".to_string(),
        "END:VCALENDAR".to_string(),
    ];
    let mut out = String::new();
    for l in lines {
        fold(&l, &mut out);
    }
    out
}

fn utc(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or_default()
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}

/// Escapes a TEXT value: backslash, semicolon, comma and line breaks.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` folded to lines of at most 75 octets (never splitting a character).
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_folds_and_marks_cancellation() {
        let long = "Ünïcödé, with; commas\nand a very long description that needs folding because it is long";
        let e = CalendarEntry {
            uid: "booking-7@evently".into(),
            title: "Jazz; night, live",
            venue: "Hall",
            city: "Cork",
            starts_at: 1_800_000_000_000,
            ends_at: 1_800_003_600_000,
            url: "http://x/events/a",
            description: long,
            stamp: 1_700_000_000_000,
            cancelled: false,
        };
        let ics = calendar(&e);
        assert!(ics.contains("SUMMARY:Jazz\\; night\\, live\r\n"), "{ics}");
        assert!(ics.contains("DTSTART:20270115T080000Z\r\n"), "{ics}");
        assert!(ics.lines().all(|l| l.len() <= 75), "{ics}");
        assert!(ics.contains("STATUS:CONFIRMED"));
        let c = calendar(&CalendarEntry {
            cancelled: true,
            ..e
        });
        assert!(c.contains("METHOD:CANCEL") && c.contains("STATUS:CANCELLED"));
    }
}
