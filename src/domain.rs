//! Parse, don't validate: the newtypes that input becomes at the boundary.
//!
//! Every constructor returns an [`ApiError`] naming the field, so a bad request is answered
//! with a clear 422 before anything touches the database. These types compile for the
//! browser too, so forms can check input with the very same rules.

use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Largest number of seats one booking may take unless a ticket type says otherwise.
pub const DEFAULT_MAX_PER_BOOKING: i64 = 10;
/// Hard ceiling on any ticket type's per-booking maximum.
pub const MAX_PER_BOOKING_CEILING: i64 = 50;

/// A normalised (trimmed, lower-cased) e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, raw: &str) -> Result<Self, ApiError> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err(ApiError::invalid(field, "enter your e-mail address"));
        }
        if s.len() > 254 {
            return Err(ApiError::invalid(field, "e-mail address is too long"));
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(ApiError::invalid(
                field,
                "enter a valid e-mail address, like name@example.com",
            ));
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '@' || c == '<' || c == '>');
        if !domain_ok || !local_ok {
            return Err(ApiError::invalid(
                field,
                "enter a valid e-mail address, like name@example.com",
            ));
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Trims `raw` and checks it is between `min` and `max` characters with no control
/// characters (newlines allowed only when `multiline`).
pub fn text(
    field: &str,
    raw: &str,
    min: usize,
    max: usize,
    multiline: bool,
) -> Result<String, ApiError> {
    let s = raw.trim();
    let n = s.chars().count();
    if n < min {
        return Err(if min <= 1 {
            ApiError::invalid(field, format!("{} is required", human(field)))
        } else {
            ApiError::invalid(
                field,
                format!("{} must be at least {min} characters", human(field)),
            )
        });
    }
    if n > max {
        return Err(ApiError::invalid(
            field,
            format!("{} must be at most {max} characters", human(field)),
        ));
    }
    let bad = s
        .chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t')));
    if bad {
        return Err(ApiError::invalid(
            field,
            format!("{} contains characters that are not allowed", human(field)),
        ));
    }
    Ok(s.to_string())
}

/// A person's display name.
pub fn person_name(field: &str, raw: &str) -> Result<String, ApiError> {
    text(field, raw, 1, 100, false)
}

fn human(field: &str) -> String {
    let last = field.rsplit('.').next().unwrap_or(field);
    let mut s = last.replace('_', " ");
    if let Some(first) = s.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    s
}

/// A number of seats in one booking or hold: 1 ..= the ticket type's maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Quantity(i64);

impl Quantity {
    pub fn parse(raw: i64, max: i64) -> Result<Self, ApiError> {
        if raw < 1 {
            return Err(ApiError::invalid("quantity", "choose at least 1 ticket"));
        }
        if raw > max {
            return Err(ApiError::invalid(
                "quantity",
                format!("you can book at most {max} tickets at once"),
            ));
        }
        Ok(Quantity(raw))
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// A URL slug: lower-case letters, digits and single hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EventSlug(String);

impl EventSlug {
    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        let ok = !raw.is_empty()
            && raw.len() <= 120
            && raw
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !raw.starts_with('-')
            && !raw.ends_with('-')
            && !raw.contains("--");
        if ok {
            Ok(EventSlug(raw.to_string()))
        } else {
            Err(ApiError::invalid("slug", "not a valid event address"))
        }
    }

    /// Builds a slug from a title: `"Jazz Night!"` -> `"jazz-night"`.
    pub fn from_title(title: &str) -> Self {
        let mut out = String::with_capacity(title.len());
        for c in title.chars().flat_map(char::to_lowercase) {
            let c = fold_accent(c);
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
            if out.len() >= 80 {
                break;
            }
        }
        let trimmed = out.trim_matches('-').to_string();
        EventSlug(if trimmed.is_empty() {
            "event".to_string()
        } else {
            trimmed
        })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'ß' => 's',
        other => other,
    }
}

/// The categories events are filed under.
pub const CATEGORIES: &[(&str, &str)] = &[
    ("music", "Music"),
    ("tech", "Tech"),
    ("sports", "Sports"),
    ("arts", "Arts & Theatre"),
    ("food", "Food & Drink"),
    ("business", "Business"),
    ("comedy", "Comedy"),
    ("film", "Film"),
    ("wellness", "Wellness"),
    ("family", "Family"),
];

/// A category id from [`CATEGORIES`].
pub fn category(raw: &str) -> Result<String, ApiError> {
    let s = raw.trim().to_lowercase();
    if CATEGORIES.iter().any(|(id, _)| *id == s) {
        Ok(s)
    } else {
        let list: Vec<&str> = CATEGORIES.iter().map(|(id, _)| *id).collect();
        Err(ApiError::invalid(
            "category",
            format!("choose one of: {}", list.join(", ")),
        ))
    }
}

/// The display label of a category id.
pub fn category_label(id: &str) -> &'static str {
    CATEGORIES
        .iter()
        .find(|(c, _)| *c == id)
        .map(|(_, l)| *l)
        .unwrap_or("Other")
}

/// An ISO 4217 currency code we accept.
pub fn currency(raw: &str) -> Result<String, ApiError> {
    let s = raw.trim().to_uppercase();
    const KNOWN: &[&str] = &[
        "EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "CAD", "AUD", "JPY",
    ];
    if KNOWN.contains(&s.as_str()) {
        Ok(s)
    } else {
        Err(ApiError::invalid(
            "currency",
            format!("currency must be one of {}", KNOWN.join(", ")),
        ))
    }
}

/// Who a user is to the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Attendee,
    Organizer,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Attendee => "attendee",
            Role::Organizer => "organizer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, ApiError> {
        match raw {
            "attendee" => Ok(Role::Attendee),
            "organizer" => Ok(Role::Organizer),
            "admin" => Ok(Role::Admin),
            _ => Err(ApiError::invalid(
                "role",
                "role must be attendee, organizer or admin",
            )),
        }
    }

    /// Organizers and admins may create events.
    pub fn can_organize(self) -> bool {
        matches!(self, Role::Organizer | Role::Admin)
    }
}

/// Declares a status enum stored as text: its variants, their database and JSON spelling
/// (one place), a strict parser and the SQL literal that queries embed.
macro_rules! text_status {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored (and JSON) spelling.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// The value as an SQL string literal (`'published'`), for the few statements
            /// that must name a status in their text (partial indexes only match literals).
            pub const fn sql(self) -> &'static str {
                match self {
                    $($name::$variant => concat!("'", $text, "'")),+
                }
            }

            /// Reads a stored value; anything else is an error, never a silent default.
            pub fn parse(raw: &str) -> Result<Self, UnknownStatus> {
                match raw {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownStatus {
                        kind: stringify!($name),
                        value: raw.to_string(),
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// A stored status that no variant spells.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} value {value:?}")]
pub struct UnknownStatus {
    pub kind: &'static str,
    pub value: String,
}

text_status! {
    /// The life of an event.
    EventStatus {
        Draft => "draft",
        Published => "published",
        Cancelled => "cancelled",
    }
}

text_status! {
    /// A booking is confirmed until it is cancelled.
    BookingStatus {
        Confirmed => "confirmed",
        Cancelled => "cancelled",
    }
}

text_status! {
    /// A hold is active until it is confirmed (became a booking), released by its owner, or
    /// expired. An active hold past its expiry time no longer counts and shows as expired.
    HoldStatus {
        Active => "active",
        Confirmed => "confirmed",
        Released => "released",
        Expired => "expired",
    }
}

text_status! {
    /// Delivery state of an outbox message.
    OutboxStatus {
        Pending => "pending",
        Delivered => "delivered",
        Dead => "dead",
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("email", "  Ada@Example.COM ")
                .unwrap()
                .as_str(),
            "ada@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "a b@example.com",
            "ada@example",
            "ada@exa..mple.com",
        ] {
            assert!(
                Email::parse("email", bad).is_err(),
                "{bad} should be rejected"
            );
        }
    }

    #[test]
    fn quantities_are_bounded() {
        assert!(Quantity::parse(0, 10).is_err());
        assert!(Quantity::parse(-3, 10).is_err());
        assert!(Quantity::parse(11, 10).is_err());
        assert_eq!(Quantity::parse(10, 10).unwrap().get(), 10);
    }

    #[test]
    fn slugs_come_from_titles() {
        assert_eq!(
            EventSlug::from_title("Jazz Night: Café Live!").as_str(),
            "jazz-night-cafe-live"
        );
        assert_eq!(EventSlug::from_title("!!!").as_str(), "event");
        assert!(EventSlug::parse("jazz-night-3").is_ok());
        assert!(EventSlug::parse("Jazz").is_err());
    }

    #[test]
    fn text_rejects_control_characters_and_overlong_input() {
        assert!(text("name", "Ada\u{0007}", 1, 10, false).is_err());
        assert!(text("name", "a\nb", 1, 10, false).is_err());
        assert!(text("description", "a\nb", 1, 10, true).is_ok());
        assert!(text("name", &"x".repeat(11), 1, 10, false).is_err());
        assert_eq!(text("name", "  Ada ", 1, 10, false).unwrap(), "Ada");
    }

    #[test]
    fn statuses_spell_one_way_and_refuse_unknown_values() {
        for s in EventStatus::ALL {
            assert_eq!(EventStatus::parse(s.as_str()), Ok(*s));
            assert_eq!(s.sql(), format!("'{}'", s.as_str()));
            assert_eq!(
                serde_json::to_string(s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        for s in HoldStatus::ALL {
            assert_eq!(HoldStatus::parse(s.as_str()), Ok(*s));
            assert_eq!(s.sql(), format!("'{}'", s.as_str()));
        }
        for s in BookingStatus::ALL {
            assert_eq!(BookingStatus::parse(s.as_str()), Ok(*s));
        }
        for s in OutboxStatus::ALL {
            assert_eq!(OutboxStatus::parse(s.as_str()), Ok(*s));
        }
        assert!(EventStatus::parse("archived").is_err());
        assert!(EventStatus::parse("").is_err());
        assert!(HoldStatus::parse("Active").is_err());
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
