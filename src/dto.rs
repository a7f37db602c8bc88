//! Data transfer objects: what the REST API returns and what pages render.
//!
//! These are plain serde types shared by the server and the browser build. Times are
//! `DateTime<Utc>` (RFC 3339 on the wire); human-readable labels in the event's own time
//! zone are computed on the server so hydration renders exactly what the server did.

use crate::domain::{BookingStatus, EventStatus, HoldStatus};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub mod analytics;

/// One ticket type as buyers see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TicketTypeView {
    pub id: i64,
    pub name: String,
    pub price_cents: i64,
    pub currency: String,
    pub price_label: String,
    pub capacity: i64,
    /// Seats that can be booked right now (capacity minus bookings and unexpired holds).
    pub available: i64,
    pub max_per_booking: i64,
    pub sale_starts_at: Option<DateTime<Utc>>,
    pub sale_ends_at: Option<DateTime<Utc>>,
    /// Whether the sale window is open at the time of the response.
    pub on_sale: bool,
    /// People in this ticket type's waitlist (waiting or holding an offer).
    #[serde(default)]
    pub waiting: i64,
}

/// An event in a list or search result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct EventSummary {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub venue: String,
    pub city: String,
    pub category: String,
    pub category_label: String,
    pub starts_at: DateTime<Utc>,
    pub timezone: String,
    /// "Sat 14 Mar 2026, 20:00" in the event's time zone.
    pub date_label: String,
    pub min_price_cents: i64,
    pub currency: String,
    /// "From €25.00", or "Free".
    pub price_label: String,
    pub available: i64,
    pub capacity: i64,
    pub status: EventStatus,
    pub image_url: Option<String>,
}

/// An event with everything its page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct EventDetail {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub venue: String,
    pub city: String,
    pub category: String,
    pub category_label: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub timezone: String,
    /// Start and end in the event's own zone, RFC 3339 with offset (for `<time>` and JSON-LD).
    pub starts_at_local: String,
    pub ends_at_local: String,
    pub date_label: String,
    pub time_label: String,
    pub status: EventStatus,
    pub image_url: Option<String>,
    pub organizer_id: i64,
    pub organizer_name: String,
    pub hold_minutes: i64,
    pub cancel_cutoff_minutes: i64,
    /// The most seats one person may hold and book for this event.
    pub max_seats_per_user: i64,
    /// What buyers are told about paying, in the organizer's words ("Pay at the door, cash or
    /// card"); empty when the organizer gave none. Evently itself takes no payment.
    #[serde(default)]
    pub payment_note: String,
    /// Whether the event is over at the time of the response (nothing is sold then).
    #[serde(default)]
    pub ended: bool,
    /// How long a waitlist offer lives, in minutes.
    #[serde(default)]
    pub offer_minutes: i64,
    /// How many hours before the start bookers get a reminder e-mail (0: none).
    #[serde(default)]
    pub reminder_hours: i64,
    pub published_at: Option<DateTime<Utc>>,
    pub ticket_types: Vec<TicketTypeView>,
}

/// A confirmed or cancelled booking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BookingView {
    pub id: i64,
    pub code: String,
    pub status: BookingStatus,
    pub event_id: i64,
    pub ticket_type_id: i64,
    pub quantity: i64,
    pub unit_price_cents: i64,
    pub total_cents: i64,
    pub currency: String,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub hold_id: Option<i64>,
}

/// A booking with the event it belongs to, for "My bookings".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct MyBooking {
    pub booking: BookingView,
    pub event_slug: String,
    pub event_title: String,
    pub event_starts_at: DateTime<Utc>,
    pub event_date_label: String,
    pub venue: String,
    pub city: String,
    pub ticket_type_name: String,
    pub tickets: Vec<TicketView>,
    /// Whether the buyer may still cancel (before the organizer's cut-off).
    pub cancellable: bool,
    /// What the buyer was told about paying the total (none for free tickets): the
    /// organizer's note, or that it is due at the door. Evently takes no payment.
    #[serde(default)]
    pub payment_terms: Option<String>,
}

/// One seat of a booking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TicketView {
    pub code: String,
    pub attendee_name: Option<String>,
    pub checked_in_at: Option<DateTime<Utc>>,
}

/// A hold on seats while the buyer checks out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct HoldView {
    pub id: i64,
    pub event_id: i64,
    pub ticket_type_id: i64,
    pub quantity: i64,
    pub status: HoldStatus,
    pub expires_at: DateTime<Utc>,
    pub renewals: i64,
    pub renewals_left: i64,
}

/// Ticket type fields when creating or editing an event.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TicketTypeInput {
    /// An existing ticket type (when editing); absent for a new one.
    #[serde(default)]
    pub id: Option<i64>,
    pub name: String,
    pub price_cents: i64,
    pub capacity: i64,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub max_per_booking: Option<i64>,
    #[serde(default)]
    pub sale_starts_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub sale_ends_at: Option<DateTime<Utc>>,
}

/// `POST /api/v1/events`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CreateEventRequest {
    pub title: String,
    pub description: String,
    pub venue: String,
    pub city: String,
    pub category: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub image_url: Option<String>,
    #[serde(default)]
    pub hold_minutes: Option<i64>,
    #[serde(default)]
    pub cancel_cutoff_minutes: Option<i64>,
    /// The most seats one person may hold and book for the event, across its ticket types.
    /// Defaults to 10, or the largest per-booking maximum if that is higher; never below it.
    #[serde(default)]
    pub max_seats_per_user: Option<i64>,
    /// What buyers are told about paying (at most 300 characters); Evently takes no payment.
    /// Empty or missing: pages say the total is due at the door.
    #[serde(default)]
    pub payment_note: Option<String>,
    /// How long a waitlist offer for this event lives, in minutes (5 to 1440; default 30).
    #[serde(default)]
    pub offer_minutes: Option<i64>,
    /// How many hours before the start each booking gets a reminder e-mail (0 to 336;
    /// default 24; 0: no reminders). Changing it, or the start, moves pending reminders.
    #[serde(default)]
    #[cfg_attr(feature = "server", schema(minimum = 0, maximum = 336))]
    pub reminder_hours: Option<i64>,
    pub ticket_types: Vec<TicketTypeInput>,
}

/// `POST /api/v1/events/{id}/bookings` and `/holds`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct BookRequest {
    pub ticket_type_id: i64,
    #[cfg_attr(feature = "server", schema(minimum = 1, maximum = 50))]
    pub quantity: i64,
}

/// `PATCH /api/v1/ticket-types/{id}/capacity`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CapacityRequest {
    pub capacity: i64,
}

/// The answer to a cancellation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CancelOutcome {
    pub booking: BookingView,
    /// True when the booking had already been cancelled before this request.
    pub already_cancelled: bool,
}

/// A page of results with an opaque cursor for the next one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// One of the signed-in user's sessions (a browser or app that is signed in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct SessionView {
    /// Opaque id, for signing this session out.
    pub id: String,
    /// The session making this request.
    pub current: bool,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The signed-in user as the browser and the API see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct UserView {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub marketing_opt_in_at: Option<DateTime<Utc>>,
    /// Whether you get a reminder e-mail before events you booked (the event's organizer
    /// sets how long before; 24 hours unless they changed it).
    #[serde(default = "reminders_default")]
    pub email_reminders: bool,
    /// When you confirmed your e-mail address (with the link we sent, or by setting a new
    /// password through one); null until then. Unconfirmed accounts can book.
    #[serde(default)]
    pub email_verified_at: Option<DateTime<Utc>>,
}

fn reminders_default() -> bool {
    true
}

/// One audit log entry, for admins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AuditEntryView {
    pub id: i64,
    pub actor_id: Option<i64>,
    pub actor_email: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub subject_id: Option<i64>,
    /// JSON text with the specifics of the change.
    pub detail: String,
    pub ip: Option<String>,
    pub at: DateTime<Utc>,
}

/// Search parameters as they appear in the URL (`/search?q=...&category=...`). Every field is
/// optional text so a shared link always parses; values are validated by the server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "server", into_params(parameter_in = Query))]
pub struct SearchQuery {
    /// Words in the title, description, venue or city, all of them, as whole words, stemmed
    /// ("concerts" finds "concert"); when some word is no event's word at all, the words
    /// match as beginnings instead ("symph" finds "symphony") and the page cursor carries
    /// that choice to the next pages. At most 200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// A category slug, e.g. `music`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Exact city name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// First day, `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Last day (inclusive), `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Lowest "from" price, in major units (`25` or `25.50`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_price: Option<String>,
    /// Highest "from" price, in major units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_price: Option<String>,
    /// `1`/`true`/`on`: only free events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub free: Option<String>,
    /// `1`/`true`/`on`: only events with seats left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<String>,
    /// `soonest` (default), `newest` or `cheapest`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    /// `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    /// Page size, 1 to 50 (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
}

impl SearchQuery {
    /// The query string for these parameters (empty ones left out), without `?`.
    pub fn to_query_string(&self) -> String {
        let pairs = [
            ("q", &self.q),
            ("category", &self.category),
            ("city", &self.city),
            ("from", &self.from),
            ("to", &self.to),
            ("min_price", &self.min_price),
            ("max_price", &self.max_price),
            ("free", &self.free),
            ("available", &self.available),
            ("sort", &self.sort),
            ("cursor", &self.cursor),
            ("limit", &self.limit),
        ];
        pairs
            .iter()
            .filter_map(|(k, v)| {
                v.as_deref()
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| format!("{k}={}", url_encode(v)))
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Whether a flag parameter is set.
    pub fn flag(v: &Option<String>) -> bool {
        matches!(
            v.as_deref().map(str::trim),
            Some("1" | "true" | "on" | "yes")
        )
    }
}

/// Percent-encodes a query-string value.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A filter value with how many upcoming events have it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facet {
    pub value: String,
    pub label: String,
    pub count: i64,
}

/// Everything the home page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomeData {
    pub upcoming: Vec<EventSummary>,
    pub popular: Vec<EventSummary>,
    pub categories: Vec<Facet>,
    pub cities: Vec<Facet>,
}

/// Sales of one ticket type, for its organizer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketTypeSales {
    pub id: i64,
    pub name: String,
    pub price_cents: i64,
    pub currency: String,
    pub price_label: String,
    pub capacity: i64,
    /// Seats in confirmed bookings.
    pub sold: i64,
    /// Seats in unexpired holds (people checking out now).
    pub held: i64,
    pub available: i64,
    pub revenue_cents: i64,
    pub checked_in: i64,
    pub max_per_booking: i64,
}

/// An event's sales at a glance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventSales {
    pub event: EventDetail,
    pub ticket_types: Vec<TicketTypeSales>,
    pub bookings: i64,
}

/// One ticket holder, for the organizer's attendee list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AttendeeView {
    pub ticket_id: i64,
    pub ticket_code: String,
    pub attendee_name: Option<String>,
    pub buyer_name: String,
    pub buyer_email: String,
    pub ticket_type: String,
    pub booking_code: String,
    pub booked_at: DateTime<Utc>,
    pub checked_in_at: Option<DateTime<Utc>>,
    /// When it was checked in, in the event's own time zone ("Sat 14 Mar 2026, 20:03").
    #[serde(default)]
    pub checked_in_label: Option<String>,
}

/// The key door scanners verify ticket tokens with (`GET /api/v1/tickets/public-key`), as
/// the members of an Ed25519 JWK plus the token format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TicketPublicKey {
    /// `EdDSA`
    pub alg: String,
    /// `Ed25519`
    pub crv: String,
    /// Identifies the key (first 8 bytes of the SHA-256 of the public key, hex).
    pub kid: String,
    /// The 32-byte public key, unpadded base64url.
    pub x: String,
    /// How a token is built.
    pub format: String,
}

/// One ticket on a scanner's offline list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ScannerTicket {
    pub code: String,
    pub attendee_name: Option<String>,
    pub buyer_name: String,
    pub ticket_type: String,
    pub booking_code: String,
    pub checked_in_at: Option<DateTime<Utc>>,
}

/// What a door scanner downloads while online, to check tickets in offline
/// (`GET /api/v1/events/{id}/scanner-list`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ScannerList {
    pub event_id: i64,
    pub generated_at: DateTime<Utc>,
    pub public_key: TicketPublicKey,
    /// Valid tickets.
    pub tickets: Vec<ScannerTicket>,
    /// Codes of cancelled bookings' tickets: refuse them even though their signature is valid.
    pub revoked: Vec<String>,
}

/// `POST /api/v1/events/{id}/check-ins`: a scanned token (or a typed ticket code).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct CheckInRequest {
    /// The QR code's text (`T1....`) or the ticket code printed under it.
    pub token: String,
}

/// What happened at the door.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub enum CheckInOutcome {
    CheckedIn {
        attendee: AttendeeView,
    },
    AlreadyCheckedIn {
        attendee: AttendeeView,
        /// Who checked it in (their name).
        #[serde(default)]
        by: Option<String>,
    },
    Cancelled {
        code: String,
    },
    NotFound {
        code: String,
    },
}

/// `POST /api/v1/events/{id}/waitlist`: join (or change) a ticket type's waitlist.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct JoinWaitlistRequest {
    pub ticket_type_id: i64,
    #[cfg_attr(feature = "server", schema(minimum = 1, maximum = 50))]
    pub quantity: i64,
}

/// A person's place in a ticket type's waitlist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct WaitlistEntryView {
    pub id: i64,
    pub event_id: i64,
    pub ticket_type_id: i64,
    /// Seats wanted.
    pub quantity: i64,
    /// Rank among the people in the queue (1 is next), while `waiting` or `offered`.
    pub position: Option<i64>,
    pub status: crate::domain::WaitlistStatus,
    /// Seats held for this entry: all of `quantity` for a complete offer, fewer while seats
    /// are set aside (then they may be accepted as they are, or the entry waits for the rest).
    pub offered_quantity: i64,
    /// When the offer (or the set-aside seats) ends.
    pub offer_expires_at: Option<DateTime<Utc>>,
    /// That time of day in the event's time zone ("21:30"), for pages.
    #[serde(default)]
    pub offer_expires_label: Option<String>,
    /// The offer's hold (it can also be confirmed at `POST /api/v1/holds/{id}/confirm`).
    pub hold_id: Option<i64>,
    /// The booking an accepted offer became.
    pub booking_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub event_slug: String,
    pub event_title: String,
    /// "Sat 14 Mar 2026, 20:00" in the event's time zone.
    pub event_date_label: String,
    pub ticket_type_name: String,
}

impl WaitlistEntryView {
    /// Whether the offer is complete (every seat asked for is held).
    pub fn offer_complete(&self) -> bool {
        self.offered_quantity >= self.quantity
    }
}

/// A ticket type's waitlist as its organizer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct WaitlistQueueView {
    pub ticket_type_id: i64,
    pub ticket_type_name: String,
    /// No offers are made while paused (returned seats go on public sale).
    pub paused: bool,
    /// `queue` (strict queue order, seats set aside for the head) or `first_fit`.
    pub order: String,
    /// People waiting for an offer.
    pub waiting: i64,
    /// Offers out (complete or with seats set aside).
    pub offers_out: i64,
    /// Seats held for entries that want more than has come back yet.
    pub set_aside: i64,
    /// Seats in complete offers not yet answered.
    pub offered_seats: i64,
    pub accepted: i64,
    pub expired: i64,
    /// Left the queue, declined, or removed by the organizer.
    pub left: i64,
}

/// An entry in the organizer's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OrganizerWaitlistEntry {
    pub id: i64,
    pub ticket_type_id: i64,
    pub ticket_type_name: String,
    pub name: String,
    pub email: String,
    pub quantity: i64,
    pub place: i64,
    pub status: crate::domain::WaitlistStatus,
    pub offered_quantity: i64,
    pub offer_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// Pausing, resuming or ordering a ticket type's waitlist.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct WaitlistControl {
    pub ticket_type_id: i64,
    /// For `/order`: `queue` or `first_fit`.
    #[serde(default)]
    pub order: Option<String>,
}

/// `POST /api/v1/waitlist/{id}/accept`: optional attendee names, one per seat.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AcceptOfferRequest {
    #[serde(default)]
    pub attendee_names: Vec<String>,
}

/// The outbox at a glance, for admins (`GET /api/v1/admin/outbox`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OutboxOverview {
    /// Due now, waiting for their first attempt.
    pub queued: i64,
    /// Written for later (reminders), not due yet.
    #[serde(default)]
    pub scheduled: i64,
    /// Waiting to be tried again after a failure.
    pub retrying: i64,
    /// Being delivered by a worker now.
    pub in_flight: i64,
    /// Given up after the maximum attempts; an admin may send them again.
    pub dead: i64,
    pub delivered: i64,
    /// How long the oldest message that is due now has waited, in seconds.
    pub oldest_due_age_seconds: Option<i64>,
    pub max_attempts: i64,
    /// The newest messages of the state asked for.
    pub rows: Vec<OutboxRowView>,
}

/// One outbox message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct OutboxRowView {
    pub id: i64,
    /// `booking.confirmed`, `waitlist.offer`, ...
    pub kind: String,
    /// What it is about (its deduplication key, e.g. `booking.confirmed:42`).
    pub subject: String,
    pub status: crate::domain::OutboxStatus,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// One entry of your notification centre: what we told you about your bookings and
/// waitlist places (the same notices go by e-mail and web push).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct NoticeView {
    pub id: i64,
    /// `booking.confirmed`, `waitlist.offer`, `booking.reminder`, ...
    pub kind: String,
    pub title: String,
    pub body: String,
    /// The page it is about (a path on this site).
    pub url: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// A page of your notifications, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct NoticePage {
    pub notifications: Vec<NoticeView>,
    pub unread: i64,
    /// Pass as `before` for the next (older) page; null on the last page.
    pub next_before: Option<i64>,
}

/// A browser of yours that gets web push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PushDeviceView {
    pub id: i64,
    /// What the device is called (from its browser, or what you named it).
    pub label: String,
    /// The push service it goes through (its host name).
    pub service: String,
    pub created_at: DateTime<Utc>,
    /// When a push last reached the push service for it.
    pub last_delivered_at: Option<DateTime<Utc>>,
}

/// A browser's push subscription, as `PushSubscription.toJSON()` gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PushSubscriptionInput {
    pub endpoint: String,
    pub keys: PushKeysInput,
    /// What to call the device (default: from the browser's user agent).
    #[serde(default)]
    pub label: Option<String>,
}

/// The keys of a push subscription (base64url).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PushKeysInput {
    pub p256dh: String,
    pub auth: String,
}

/// What a page needs to offer web push.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PushSettingsView {
    /// The application server key to subscribe with (VAPID, base64url); null when this
    /// server has web push turned off.
    pub public_key: Option<String>,
    pub devices: Vec<PushDeviceView>,
}

/// One page of the admin's user list (newest first).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AdminUserPage {
    pub users: Vec<UserView>,
    /// Pass as `before` (the REST API's `cursor`) for the next, older page; null on the last.
    pub older: Option<i64>,
    /// Pass as `after` for the previous, newer page; null on the first.
    pub newer: Option<i64>,
}

/// One of a user's bookings on the admin's page of that user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AdminUserBooking {
    pub id: i64,
    pub code: String,
    pub event_id: i64,
    pub event_slug: String,
    pub event_title: String,
    pub ticket_type_name: String,
    pub quantity: i64,
    pub total_cents: i64,
    pub currency: String,
    pub status: BookingStatus,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

/// One of a user's waitlist entries on the admin's page of that user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AdminUserWaitlistEntry {
    pub id: i64,
    pub event_slug: String,
    pub event_title: String,
    pub ticket_type_name: String,
    pub quantity: i64,
    pub status: crate::domain::WaitlistStatus,
    /// Place in the queue while waiting or offered; 0 otherwise.
    pub position: i64,
    pub created_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// Everything the admin's page of one user shows. Each list holds the latest `shown` at
/// most; its `more_*` flag says whether there are older ones not included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct AdminUserDetail {
    pub user: UserView,
    /// The account was deleted (its personal data erased); it can no longer be changed.
    pub deleted: bool,
    pub bookings: Vec<AdminUserBooking>,
    pub more_bookings: bool,
    pub waitlist: Vec<AdminUserWaitlistEntry>,
    pub more_waitlist: bool,
    /// Audit entries where the user is the actor or the subject, newest first.
    pub audit: Vec<AuditEntryView>,
    pub more_audit: bool,
    /// The cap on each list.
    pub shown: i64,
}
