//! Search parameters as people type them, turned into a validated [`Search`], and the
//! opaque keyset cursors that carry a page's position.

use crate::domain;
use crate::dto::SearchQuery;
use crate::error::ApiError;
use crate::store::search::{After, Search, Sort};
use base64::Engine;
use chrono::NaiveDate;

fn parse_day(field: &str, raw: &str) -> Result<i64, ApiError> {
    let d = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| ApiError::invalid(field, "use a date like 2026-12-31"))?;
    Ok(d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or(0))
}

/// Words for full-text matching: letters and digits only, at most 8 of up to 40 characters.
pub fn search_words(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase().chars().take(40).collect())
        .take(8)
        .collect()
}

/// A cursor: where the page ended, and `:p` when the words matched as prefixes.
pub(super) fn encode_cursor(a: &After, prefix: bool) -> String {
    let mut raw = match a {
        After::Soonest { starts_at, id } => format!("s:{starts_at}:{id}"),
        After::Newest { published_at, id } => format!("n:{published_at}:{id}"),
        After::Cheapest {
            price,
            starts_at,
            id,
        } => format!("c:{price}:{starts_at}:{id}"),
    };
    if prefix {
        raw.push_str(":p");
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

fn decode_cursor(raw: &str, sort: Sort) -> Result<(After, bool), ApiError> {
    let bad = || {
        ApiError::invalid(
            "cursor",
            "this page link is no longer valid; start the search again",
        )
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw.trim())
        .map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let mut parts: Vec<&str> = text.split(':').collect();
    let prefix = parts.last() == Some(&"p");
    if prefix {
        parts.pop();
    }
    let n = |i: usize| {
        parts
            .get(i)
            .and_then(|p| p.parse::<i64>().ok())
            .ok_or_else(bad)
    };
    let after = match (parts.first().copied(), sort) {
        (Some("s"), Sort::Soonest) if parts.len() == 3 => After::Soonest {
            starts_at: n(1)?,
            id: n(2)?,
        },
        (Some("n"), Sort::Newest) if parts.len() == 3 => After::Newest {
            published_at: n(1)?,
            id: n(2)?,
        },
        (Some("c"), Sort::Cheapest) if parts.len() == 4 => After::Cheapest {
            price: n(1)?,
            starts_at: n(2)?,
            id: n(3)?,
        },
        _ => return Err(bad()),
    };
    Ok((after, prefix))
}

/// Turns URL parameters into a validated search, or a 422 naming the bad field.
pub fn parse(q: &SearchQuery, now: i64) -> Result<Search, ApiError> {
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let words = match text(&q.q) {
        Some(s) if s.chars().count() > 200 => {
            return Err(ApiError::invalid(
                "q",
                "search text is limited to 200 characters",
            ));
        }
        Some(s) => search_words(&s),
        None => Vec::new(),
    };
    let category = match text(&q.category) {
        Some(c) => Some(domain::category(&c)?),
        None => None,
    };
    let city = match text(&q.city) {
        Some(c) => Some(domain::text("city", &c, 1, 100, false)?),
        None => None,
    };
    let from = text(&q.from).map(|d| parse_day("from", &d)).transpose()?;
    let to = text(&q.to)
        .map(|d| parse_day("to", &d).map(|ms| ms + 86_400_000))
        .transpose()?;
    if let (Some(f), Some(t)) = (from, to)
        && t <= f
    {
        return Err(ApiError::invalid(
            "to",
            "the last day must not be before the first",
        ));
    }
    let min_price = text(&q.min_price)
        .map(|p| domain::parse_money("min_price", &p))
        .transpose()?;
    let max_price = text(&q.max_price)
        .map(|p| domain::parse_money("max_price", &p))
        .transpose()?;
    if let (Some(a), Some(b)) = (min_price, max_price)
        && b < a
    {
        return Err(ApiError::invalid(
            "max_price",
            "the highest price must not be below the lowest",
        ));
    }
    let sort = match text(&q.sort).as_deref() {
        None | Some("soonest") => Sort::Soonest,
        Some("newest") => Sort::Newest,
        Some("cheapest") => Sort::Cheapest,
        Some(_) => {
            return Err(ApiError::invalid(
                "sort",
                "sort by soonest, newest or cheapest",
            ));
        }
    };
    let (after, prefix) = match text(&q.cursor) {
        Some(c) => {
            let (a, p) = decode_cursor(&c, sort)?;
            (Some(a), p)
        }
        None => (None, false),
    };
    let limit = match text(&q.limit) {
        None => 20,
        Some(l) => match l.parse::<i64>() {
            Ok(n) if (1..=50).contains(&n) => n,
            _ => return Err(ApiError::invalid("limit", "limit must be between 1 and 50")),
        },
    };
    Ok(Search {
        words,
        category,
        city,
        from,
        to,
        min_price,
        max_price,
        free_only: SearchQuery::flag(&q.free),
        seats_left: SearchQuery::flag(&q.available),
        sort,
        after,
        limit,
        now,
        prefix,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects_search_parameters_by_field() {
        let ok = SearchQuery {
            q: Some("Jazz, night!".into()),
            min_price: Some("10".into()),
            max_price: Some("25.5".into()),
            ..Default::default()
        };
        let s = parse(&ok, 0).unwrap();
        assert_eq!(s.words, vec!["jazz", "night"]);
        assert_eq!((s.min_price, s.max_price), (Some(1000), Some(2550)));
        for (q, field) in [
            (
                SearchQuery {
                    sort: Some("random".into()),
                    ..Default::default()
                },
                "sort",
            ),
            (
                SearchQuery {
                    category: Some("nope".into()),
                    ..Default::default()
                },
                "category",
            ),
            (
                SearchQuery {
                    from: Some("31/12/2026".into()),
                    ..Default::default()
                },
                "from",
            ),
            (
                SearchQuery {
                    min_price: Some("-5".into()),
                    ..Default::default()
                },
                "min_price",
            ),
            (
                SearchQuery {
                    min_price: Some("20".into()),
                    max_price: Some("10".into()),
                    ..Default::default()
                },
                "max_price",
            ),
            (
                SearchQuery {
                    cursor: Some("garbage!".into()),
                    ..Default::default()
                },
                "cursor",
            ),
            (
                SearchQuery {
                    limit: Some("500".into()),
                    ..Default::default()
                },
                "limit",
            ),
        ] {
            assert_eq!(parse(&q, 0).unwrap_err().field.as_deref(), Some(field));
        }
    }

    #[test]
    fn cursors_round_trip_and_belong_to_their_sort() {
        let a = After::Cheapest {
            price: 1500,
            starts_at: 99,
            id: 7,
        };
        let c = encode_cursor(&a, false);
        assert_eq!(
            decode_cursor(&c, Sort::Cheapest).unwrap(),
            (a.clone(), false)
        );
        assert!(decode_cursor(&c, Sort::Soonest).is_err());
        let p = encode_cursor(&a, true);
        assert_ne!(p, c);
        assert_eq!(decode_cursor(&p, Sort::Cheapest).unwrap(), (a, true));
    }
}
