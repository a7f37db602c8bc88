//! Money and scarcity as people read them: amounts typed into forms, prices shown, and how
//! few seats are left.

use crate::error::ApiError;

/// How scarce a ticket type's seats are: the one rule behind badges, labels, live updates
/// and the JSON-LD availability. Few means at most 10 seats, or at most a tenth of capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scarcity {
    SoldOut,
    FewLeft,
    Plenty,
}

impl Scarcity {
    pub fn of(available: i64, capacity: i64) -> Scarcity {
        if available <= 0 {
            Scarcity::SoldOut
        } else if available <= 10 || available.saturating_mul(10) <= capacity {
            Scarcity::FewLeft
        } else {
            Scarcity::Plenty
        }
    }

    /// The badge's CSS class.
    pub fn css_class(self) -> &'static str {
        match self {
            Scarcity::SoldOut => "sold-out",
            Scarcity::FewLeft => "few-left",
            Scarcity::Plenty => "on-sale",
        }
    }

    /// "Sold out", "Only 1 seat left", "Only 4 seats left", "120 seats left".
    pub fn label(available: i64, capacity: i64) -> String {
        match (Scarcity::of(available, capacity), available) {
            (Scarcity::SoldOut, _) => "Sold out".to_string(),
            (_, 1) => "Only 1 seat left".to_string(),
            (Scarcity::FewLeft, n) => format!("Only {n} seats left"),
            (Scarcity::Plenty, n) => format!("{n} seats left"),
        }
    }
}

/// Reads an amount typed by a person ("25", "25.5", "25,50") as minor units (2550). At most
/// 7 whole digits and 2 decimals. Whether a blank field means free is the caller's choice.
pub fn parse_money(field: &str, raw: &str) -> Result<i64, ApiError> {
    let s = raw.trim().replace(',', ".");
    let bad = || ApiError::invalid(field, "use an amount like 25 or 25.50");
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty()
        || whole.len() > 7
        || frac.len() > 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let w: i64 = whole.parse().map_err(|_| bad())?;
    let f: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().map_err(|_| bad())?
    };
    Ok(w * 100 + f)
}

/// Formats minor units as a price: `(2500, "EUR")` -> `"€25.00"`, `0` -> `"Free"`.
pub fn format_price(cents: i64, currency: &str) -> String {
    if cents == 0 {
        return "Free".to_string();
    }
    format_amount(cents, currency)
}

/// Formats an amount of money (a total, revenue): `(0, "USD")` -> `"$0.00"`. A sum is never
/// "Free": a paid event that sold nothing has taken $0.00.
pub fn format_amount(cents: i64, currency: &str) -> String {
    let symbol = match currency {
        "EUR" => "€",
        "USD" => "$",
        "GBP" => "£",
        "JPY" => "¥",
        _ => "",
    };
    let amount = if currency == "JPY" {
        format!("{cents}")
    } else {
        format!("{}.{:02}", cents / 100, cents % 100)
    };
    if symbol.is_empty() {
        format!("{amount} {currency}")
    } else {
        format!("{symbol}{amount}")
    }
}

/// The organizer's default wording when they gave no payment note.
pub const DEFAULT_PAYMENT_TERMS: &str =
    "Evently takes no payment: the total is due at the door, to the organizer.";

/// What a buyer is told about paying a total of `total_cents`: nothing for free tickets, else
/// the organizer's payment note, or [`DEFAULT_PAYMENT_TERMS`]. Evently takes no payment, so
/// no page may say a booking was paid.
pub fn payment_terms(total_cents: i64, note: &str) -> Option<String> {
    if total_cents <= 0 {
        return None;
    }
    let note = note.trim();
    Some(if note.is_empty() {
        DEFAULT_PAYMENT_TERMS.to_string()
    } else {
        note.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_never_free_and_terms_only_for_money() {
        assert_eq!(format_amount(0, "USD"), "$0.00");
        assert_eq!(format_price(0, "USD"), "Free");
        assert_eq!(format_amount(10_600, "USD"), "$106.00");
        assert_eq!(payment_terms(0, "Cash only"), None);
        assert_eq!(
            payment_terms(500, "  "),
            Some(DEFAULT_PAYMENT_TERMS.to_string())
        );
        assert_eq!(
            payment_terms(500, " Cash only "),
            Some("Cash only".to_string())
        );
    }

    #[test]
    fn scarcity_is_one_rule() {
        assert_eq!(Scarcity::of(0, 100), Scarcity::SoldOut);
        assert_eq!(Scarcity::of(-2, 100), Scarcity::SoldOut);
        // The card said "plenty" here and the event page "few": now both say few.
        assert_eq!(Scarcity::of(10, 50), Scarcity::FewLeft);
        assert_eq!(Scarcity::of(11, 50), Scarcity::Plenty);
        // A tenth of a large capacity is few even above 10 seats.
        assert_eq!(Scarcity::of(50, 500), Scarcity::FewLeft);
        assert_eq!(Scarcity::of(51, 500), Scarcity::Plenty);
        assert_eq!(Scarcity::label(1, 5), "Only 1 seat left");
        assert_eq!(Scarcity::label(4, 100), "Only 4 seats left");
        assert_eq!(Scarcity::label(120, 200), "120 seats left");
        assert_eq!(Scarcity::label(0, 200), "Sold out");
    }

    #[test]
    fn money_parses_one_way() {
        assert_eq!(parse_money("price", "25"), Ok(2500));
        assert_eq!(parse_money("price", " 25,5 "), Ok(2550));
        assert_eq!(parse_money("price", "0.07"), Ok(7));
        for bad in ["", " ", "-1", "1.234", "12345678", "1e3", "ten"] {
            assert!(parse_money("price", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn prices_read_naturally() {
        assert_eq!(format_price(0, "EUR"), "Free");
        assert_eq!(format_price(2550, "EUR"), "€25.50");
        assert_eq!(format_price(999, "SEK"), "9.99 SEK");
    }
}
