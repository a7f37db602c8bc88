//! Numbers as people read them: counts with separators, money per currency, shares, and
//! headline figures with their change against the previous period.

use crate::dto::analytics::Stat;

/// `1234567` -> `"1,234,567"`.
pub fn count(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// An amount in minor units with its currency: `(123456, "EUR")` -> `"€1,234.56"`,
/// `(5000, "SEK")` -> `"50.00 SEK"`.
pub fn money(cents: i64, currency: &str) -> String {
    let symbol = match currency {
        "EUR" => "€",
        "USD" => "$",
        "GBP" => "£",
        "JPY" => "¥",
        _ => "",
    };
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    let amount = if currency == "JPY" {
        count(c as i64)
    } else {
        format!("{}.{:02}", count((c / 100) as i64), c % 100)
    };
    if symbol.is_empty() {
        format!("{sign}{amount} {currency}")
    } else {
        format!("{sign}{symbol}{amount}")
    }
}

/// A share as a percentage with one decimal, or "–" when there is nothing to share.
pub fn percent(part: f64, whole: f64) -> String {
    if whole <= 0.0 {
        "–".to_string()
    } else {
        format!("{:.1} %", part * 100.0 / whole)
    }
}

/// How a headline figure is shown.
#[derive(Debug, Clone, Copy)]
pub enum Shown<'a> {
    Count,
    Money(&'a str),
    Percent,
    Decimal,
}

fn show(v: f64, how: Shown) -> String {
    match how {
        Shown::Count => count(v.round() as i64),
        Shown::Money(cur) => money(v.round() as i64, cur),
        Shown::Percent => format!("{v:.1} %"),
        Shown::Decimal => format!("{v:.2}"),
    }
}

/// A headline figure with its previous value and change.
pub fn stat(
    key: &str,
    label: &str,
    value: f64,
    previous: f64,
    how: Shown,
    up_is_good: bool,
) -> Stat {
    let change_pct = (previous.abs() > f64::EPSILON).then(|| (value - previous) * 100.0 / previous);
    Stat {
        key: key.to_string(),
        label: label.to_string(),
        value,
        display: show(value, how),
        previous,
        previous_display: show(previous, how),
        change_pct,
        up_is_good,
    }
}

/// A figure with nothing to compare against.
pub fn plain(key: &str, label: &str, value: f64, how: Shown) -> Stat {
    Stat {
        key: key.to_string(),
        label: label.to_string(),
        value,
        display: show(value, how),
        previous: 0.0,
        previous_display: String::new(),
        change_pct: None,
        up_is_good: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(-1234567), "-1,234,567");
        assert_eq!(money(123456, "EUR"), "€1,234.56");
        assert_eq!(money(5, "SEK"), "0.05 SEK");
        assert_eq!(money(1500, "JPY"), "¥1,500");
        assert_eq!(percent(1.0, 0.0), "–");
        assert_eq!(percent(1.0, 8.0), "12.5 %");
        let s = stat("t", "Tickets", 150.0, 100.0, Shown::Count, true);
        assert_eq!(s.change_pct, Some(50.0));
        assert_eq!(
            stat("t", "T", 5.0, 0.0, Shown::Count, true).change_pct,
            None
        );
    }
}
