//! Date ranges and time buckets of the analytics views: whole UTC days, a preset or a custom
//! span, a granularity that follows the span, and the previous period of the same length.

use crate::dto::analytics::{Granularity, RangePreset, RangeView};
use crate::error::ApiError;
use chrono::{Datelike, Duration, NaiveDate};

/// The longest custom range, in days.
pub const MAX_DAYS: i64 = 1100;

/// What a request asks for (query parameters `range`, `from`, `to`, `by`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
pub struct RangeQuery {
    /// `today`, `7d`, `30d`, `12m` or `custom` (default `30d`).
    pub range: Option<String>,
    /// First day of a custom range, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Last day of a custom range, `YYYY-MM-DD` (included).
    pub to: Option<String>,
    /// `hour`, `day`, `week` or `month`; one the range allows, else the range's default.
    pub by: Option<String>,
}

/// A resolved range: UTC day numbers since the epoch, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub preset: RangePreset,
    pub first: i64,
    pub last: i64,
    pub by: Granularity,
}

/// The date of a UTC day number.
pub fn date_of(day: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default() + Duration::days(day)
}

/// The UTC day number of a date.
pub fn day_of(d: NaiveDate) -> i64 {
    (d - date_of(0)).num_days()
}

fn parse_day(field: &str, s: Option<&str>) -> Result<i64, ApiError> {
    let s = s.map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| {
        ApiError::invalid(
            field,
            format!("a custom range needs `{field}` (YYYY-MM-DD)"),
        )
    })?;
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(day_of)
        .map_err(|_| ApiError::invalid(field, format!("`{field}` must be a date as YYYY-MM-DD")))
}

impl Range {
    /// Resolves a request against today (a UTC day number).
    pub fn parse(q: &RangeQuery, today: i64) -> Result<Range, ApiError> {
        let preset = match q.range.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => RangePreset::Days30,
            Some(s) => RangePreset::parse(s).ok_or_else(|| {
                ApiError::invalid("range", "`range` must be today, 7d, 30d, 12m or custom")
            })?,
        };
        let (first, last) = match preset {
            RangePreset::Today => (today, today),
            RangePreset::Days7 => (today - 6, today),
            RangePreset::Days30 => (today - 29, today),
            RangePreset::Months12 => {
                let t = date_of(today);
                let start = NaiveDate::from_ymd_opt(t.year() - 1, t.month(), 1)
                    .unwrap_or(t)
                    .checked_add_months(chrono::Months::new(1))
                    .unwrap_or(t);
                (day_of(start), today)
            }
            RangePreset::Custom => {
                let first = parse_day("from", q.from.as_deref())?;
                let last = parse_day("to", q.to.as_deref())?;
                if first > last {
                    return Err(ApiError::invalid("from", "`from` must not be after `to`"));
                }
                if last - first + 1 > MAX_DAYS {
                    return Err(ApiError::invalid(
                        "to",
                        format!("a range may span at most {MAX_DAYS} days"),
                    ));
                }
                (first, last)
            }
        };
        let mut r = Range {
            preset,
            first,
            last,
            by: Granularity::Day,
        };
        let allowed = r.granularities();
        r.by = match q.by.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => r.default_granularity(),
            Some(s) => {
                let g = Granularity::parse(s).ok_or_else(|| {
                    ApiError::invalid("by", "`by` must be hour, day, week or month")
                })?;
                if allowed.contains(&g) {
                    g
                } else {
                    r.default_granularity()
                }
            }
        };
        Ok(r)
    }

    pub fn days(&self) -> i64 {
        self.last - self.first + 1
    }

    /// The period of the same length just before.
    pub fn previous(&self) -> Range {
        Range {
            first: self.first - self.days(),
            last: self.first - 1,
            ..*self
        }
    }

    /// The granularities that give between one and about 400 buckets.
    pub fn granularities(&self) -> Vec<Granularity> {
        let d = self.days();
        let mut g = Vec::new();
        if d <= 7 {
            g.push(Granularity::Hour);
        }
        if d <= 400 {
            g.push(Granularity::Day);
        }
        if d >= 14 {
            g.push(Granularity::Week);
        }
        if d >= 60 {
            g.push(Granularity::Month);
        }
        g
    }

    fn default_granularity(&self) -> Granularity {
        match self.days() {
            ..=2 => Granularity::Hour,
            3..=92 => Granularity::Day,
            93..=400 => Granularity::Week,
            _ => Granularity::Month,
        }
    }

    /// The buckets: (first UTC hour of the bucket, label). The last bucket ends with the
    /// range.
    pub fn buckets(&self) -> Vec<(i64, String)> {
        let mut out = Vec::new();
        let end = (self.last + 1) * 24;
        match self.by {
            Granularity::Hour => {
                let multi = self.days() > 1;
                for h in self.first * 24..end {
                    let d = date_of(h.div_euclid(24));
                    let label = if multi && h % 24 == 0 {
                        format!("{} {:02}:00", d.format("%-d %b"), h % 24)
                    } else {
                        format!("{:02}:00", h % 24)
                    };
                    out.push((h, label));
                }
            }
            Granularity::Day => {
                for d in self.first..=self.last {
                    out.push((d * 24, date_of(d).format("%-d %b").to_string()));
                }
            }
            Granularity::Week => {
                // Weeks start on Monday; the first bucket starts with the range.
                let mut d = self.first;
                while d <= self.last {
                    out.push((d * 24, format!("w/c {}", date_of(d).format("%-d %b"))));
                    let wd = date_of(d).weekday().num_days_from_monday() as i64;
                    d += 7 - wd;
                }
            }
            Granularity::Month => {
                let mut d = self.first;
                while d <= self.last {
                    let date = date_of(d);
                    out.push((d * 24, date.format("%b %Y").to_string()));
                    let next = NaiveDate::from_ymd_opt(date.year(), date.month(), 1)
                        .and_then(|m| m.checked_add_months(chrono::Months::new(1)))
                        .unwrap_or(date);
                    d = day_of(next);
                }
            }
        }
        out
    }

    /// "1 Nov – 30 Nov 2026" (or one day).
    pub fn label(&self) -> String {
        let (a, b) = (date_of(self.first), date_of(self.last));
        if a == b {
            b.format("%-d %b %Y").to_string()
        } else if a.year() == b.year() {
            format!("{} – {}", a.format("%-d %b"), b.format("%-d %b %Y"))
        } else {
            format!("{} – {}", a.format("%-d %b %Y"), b.format("%-d %b %Y"))
        }
    }

    pub fn view(&self) -> RangeView {
        RangeView {
            preset: self.preset,
            from: date_of(self.first).format("%Y-%m-%d").to_string(),
            to: date_of(self.last).format("%Y-%m-%d").to_string(),
            granularity: self.by,
            granularities: self.granularities(),
            label: self.label(),
            previous_label: self.previous().label(),
        }
    }
}

/// The index of the bucket an hour falls in (buckets sorted by start hour).
pub fn bucket_of(buckets: &[(i64, String)], hour: i64) -> Option<usize> {
    match buckets.binary_search_by(|(start, _)| start.cmp(&hour)) {
        Ok(i) => Some(i),
        Err(0) => None,
        Err(i) => Some(i - 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(range: &str, from: &str, to: &str, by: &str) -> RangeQuery {
        let o = |s: &str| (!s.is_empty()).then(|| s.to_string());
        RangeQuery {
            range: o(range),
            from: o(from),
            to: o(to),
            by: o(by),
        }
    }

    #[test]
    fn presets_and_granularities_follow_the_range() {
        let today = day_of(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        let r = Range::parse(&q("today", "", "", ""), today).unwrap();
        assert_eq!((r.first, r.last, r.by), (today, today, Granularity::Hour));
        assert_eq!(r.buckets().len(), 24);
        let r = Range::parse(&q("7d", "", "", "hour"), today).unwrap();
        assert_eq!((r.days(), r.by), (7, Granularity::Hour));
        let r = Range::parse(&q("30d", "", "", "hour"), today).unwrap();
        assert_eq!(
            r.by,
            Granularity::Day,
            "hours over 30 days fall back to days"
        );
        let r = Range::parse(&q("12m", "", "", ""), today).unwrap();
        assert_eq!(
            date_of(r.first),
            NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
        );
        let r = Range::parse(&q("12m", "", "", "month"), today).unwrap();
        let b = r.buckets();
        assert_eq!(b.len(), 12);
        assert_eq!(b[0].1, "Jan 2026");
        assert_eq!(r.previous().days(), r.days());
        assert_eq!(r.previous().last, r.first - 1);
    }

    #[test]
    fn custom_ranges_are_checked() {
        let today = 20_000;
        let e = Range::parse(&q("custom", "2026-12-05", "2026-12-01", ""), today).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("from"));
        let e = Range::parse(&q("custom", "2026-13-05", "2026-12-01", ""), today).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("from"));
        let e = Range::parse(&q("custom", "", "2026-12-01", ""), today).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("from"));
        let e = Range::parse(&q("custom", "2020-01-01", "2026-12-01", ""), today).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("to"));
        assert!(Range::parse(&q("fortnight", "", "", ""), today).is_err());
        assert!(Range::parse(&q("7d", "", "", "minute"), today).is_err());
        let r = Range::parse(&q("custom", "2026-11-02", "2026-11-29", "week"), today).unwrap();
        let b = r.buckets();
        assert_eq!(b.len(), 4, "{b:?}");
        assert_eq!(bucket_of(&b, b[1].0 + 30), Some(1));
        assert_eq!(bucket_of(&b, b[0].0 - 1), None);
    }
}
