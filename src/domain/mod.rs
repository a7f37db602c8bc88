//! Parse, don't validate: the newtypes that input becomes at the boundary.
//!
//! Every constructor returns an [`ApiError`] naming the field, so a bad request is answered
//! with a clear 422 before anything touches the database. These types compile for the
//! browser too, so forms can check input with the very same rules.

mod money;
mod status;

pub use money::{
    DEFAULT_PAYMENT_TERMS, Scarcity, format_amount, format_price, parse_money, payment_terms,
};
pub use status::{
    BookingStatus, EventStatus, HoldStatus, OutboxStatus, UnknownStatus, WaitlistStatus,
};

use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Largest number of seats one booking may take unless a ticket type says otherwise.
pub const DEFAULT_MAX_PER_BOOKING: i64 = 10;
/// Hard ceiling on any ticket type's per-booking maximum.
pub const MAX_PER_BOOKING_CEILING: i64 = 50;
/// Seats one person may hold and book for an event unless its organizer says otherwise
/// (raised to the largest per-booking maximum when that is higher).
pub const DEFAULT_MAX_SEATS_PER_USER: i64 = 10;
/// Hard ceiling on the per-person seat limit of an event.
pub const MAX_SEATS_PER_USER_CEILING: i64 = 1_000;

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
    ACCENT_FOLDS
        .iter()
        .find(|(a, _)| *a == c)
        .and_then(|(_, plain)| plain.chars().next())
        .unwrap_or(c)
}

/// Lower-case accented letters and their plain forms, for matching what people type
/// ("zoe" finds "Zoë", "angstrom" finds "Ångström").
pub const ACCENT_FOLDS: &[(char, &str)] = &[
    ('à', "a"),
    ('á', "a"),
    ('â', "a"),
    ('ã', "a"),
    ('ä', "a"),
    ('å', "a"),
    ('ā', "a"),
    ('ą', "a"),
    ('æ', "ae"),
    ('ç', "c"),
    ('ć', "c"),
    ('č', "c"),
    ('ď', "d"),
    ('đ', "d"),
    ('è', "e"),
    ('é', "e"),
    ('ê', "e"),
    ('ë', "e"),
    ('ē', "e"),
    ('ę', "e"),
    ('ě', "e"),
    ('ì', "i"),
    ('í', "i"),
    ('î', "i"),
    ('ï', "i"),
    ('ī', "i"),
    ('ł', "l"),
    ('ñ', "n"),
    ('ń', "n"),
    ('ň', "n"),
    ('ò', "o"),
    ('ó', "o"),
    ('ô', "o"),
    ('õ', "o"),
    ('ö', "o"),
    ('ø', "o"),
    ('ő', "o"),
    ('œ', "oe"),
    ('ř', "r"),
    ('ś', "s"),
    ('š', "s"),
    ('ß', "ss"),
    ('ť', "t"),
    ('ù', "u"),
    ('ú', "u"),
    ('û', "u"),
    ('ü', "u"),
    ('ū', "u"),
    ('ů', "u"),
    ('ű', "u"),
    ('ý', "y"),
    ('ÿ', "y"),
    ('ź', "z"),
    ('ż', "z"),
    ('ž', "z"),
];

/// `s` lower-cased with accents folded: `"Zoë Ångström"` -> `"zoe angstrom"`.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match ACCENT_FOLDS.iter().find(|(a, _)| *a == c) {
            Some((_, plain)) => out.push_str(plain),
            None => out.push(c),
        }
    }
    out
}

/// SQL for [`fold`] of the text expression `expr`, the same in SQLite and PostgreSQL:
/// `LOWER` and then one `REPLACE` per accented letter, upper-case ones included (SQLite's
/// `LOWER` only knows ASCII).
pub fn fold_sql(expr: &str) -> String {
    let mut sql = format!("LOWER({expr})");
    for (accented, plain) in ACCENT_FOLDS {
        sql = format!("REPLACE({sql}, '{accented}', '{plain}')");
        for upper in accented.to_uppercase().filter(|u| u != accented) {
            sql = format!("REPLACE({sql}, '{upper}', '{plain}')");
        }
    }
    sql
}

#[cfg(test)]
mod fold_tests {
    use super::*;

    #[test]
    fn names_fold_to_what_people_type() {
        assert_eq!(fold("Zoë"), "zoe");
        assert_eq!(fold("Ångström"), "angstrom");
        assert_eq!(fold("STRAẞE Łódź"), "straße lodz".replace('ß', "ss"));
        assert!(fold_sql("u.name").starts_with("REPLACE("));
        assert!(!fold_sql("u.name").contains('"'));
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
    } else if s.is_empty() {
        Err(ApiError::invalid("category", "choose a category"))
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
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
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
}
