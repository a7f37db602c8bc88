//! Events and ticket types: creating, publishing, cancelling, resizing and reading them.

use crate::Core;
use crate::accounts::Actor;
use crate::bookings::BookingError;
use crate::clock::to_datetime;
use crate::domain::{self, EventSlug, Role, format_price};
use crate::dto::{CreateEventRequest, EventDetail, EventSummary, TicketTypeView};
use crate::error::{ApiError, ErrorCode};
use crate::store;
use crate::store::events::{EventListRow, EventRow, NewEvent, NewTicketType, TicketTypeRow};
use chrono::TimeZone;

/// What can go wrong managing events.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EventError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("invalid input: {0}")]
    Invalid(ApiError),
    #[error("only organizers can do that")]
    NotOrganizer,
    #[error("event is {0}")]
    WrongState(String),
    #[error(transparent)]
    Booking(#[from] BookingError),
    #[error("internal error")]
    Internal,
}

impl EventError {
    pub(crate) fn db(context: &str, e: sqlx::Error) -> Self {
        tracing::error!(error = %e, error.debug = ?e, "{context}");
        EventError::Internal
    }
}

impl From<ApiError> for EventError {
    fn from(e: ApiError) -> Self {
        EventError::Invalid(e)
    }
}

impl From<EventError> for ApiError {
    fn from(e: EventError) -> Self {
        match e {
            EventError::NotFound(what) => {
                ApiError::new(ErrorCode::NotFound, format!("{what} not found"))
            }
            EventError::Invalid(api) => api,
            EventError::NotOrganizer => ApiError::new(
                ErrorCode::Forbidden,
                "only organizers can create and manage events",
            ),
            EventError::WrongState(s) => {
                ApiError::new(ErrorCode::Conflict, format!("the event is {s}"))
            }
            EventError::Booking(b) => b.into(),
            EventError::Internal => ApiError::internal(),
        }
    }
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

/// A validated new event.
pub(crate) struct Validated {
    pub(crate) event: NewEvent,
    pub(crate) ticket_types: Vec<NewTicketType>,
}

pub(crate) fn validate(
    actor: &Actor,
    req: &CreateEventRequest,
    now: i64,
) -> Result<Validated, ApiError> {
    let title = domain::text("title", &req.title, 3, 140, false)?;
    let description = domain::text("description", &req.description, 1, 10_000, true)?;
    let venue = domain::text("venue", &req.venue, 1, 140, false)?;
    let city = domain::text("city", &req.city, 1, 100, false)?;
    let category = domain::category(&req.category)?;
    let starts_at = req.starts_at.timestamp_millis();
    let ends_at = req.ends_at.timestamp_millis();
    if starts_at < now {
        return Err(ApiError::invalid(
            "starts_at",
            "the event must start in the future",
        ));
    }
    if ends_at <= starts_at {
        return Err(ApiError::invalid(
            "ends_at",
            "the event must end after it starts",
        ));
    }
    // Times near the end of chrono's range cannot be shown in every zone (showing one panics).
    if ends_at >= 253_402_300_800_000 {
        return Err(ApiError::invalid(
            "ends_at",
            "the event must end before the year 10000",
        ));
    }
    if ends_at - starts_at > 31 * 24 * 3_600_000 {
        return Err(ApiError::invalid(
            "ends_at",
            "an event can last at most 31 days",
        ));
    }
    let timezone = req.timezone.clone().unwrap_or_else(|| "UTC".to_string());
    if !valid_timezone(&timezone) {
        return Err(ApiError::invalid(
            "timezone",
            "use an IANA time zone name such as Europe/Berlin",
        ));
    }
    let image_url = match req
        .image_url
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(u) => {
            let ok = (u.starts_with("https://") || u.starts_with("http://") || u.starts_with('/'))
                && u.len() <= 500
                && !u.chars().any(|c| {
                    c.is_whitespace() || c.is_control() || c == '"' || c == '<' || c == '>'
                });
            if !ok {
                return Err(ApiError::invalid(
                    "image_url",
                    "image URL must be an http(s) address of at most 500 characters",
                ));
            }
            Some(u.to_string())
        }
    };
    let hold_minutes = req.hold_minutes.unwrap_or(10);
    if !(1..=60).contains(&hold_minutes) {
        return Err(ApiError::invalid(
            "hold_minutes",
            "hold time must be between 1 and 60 minutes",
        ));
    }
    let cancel_cutoff_minutes = req.cancel_cutoff_minutes.unwrap_or(24 * 60);
    if !(0..=365 * 24 * 60).contains(&cancel_cutoff_minutes) {
        return Err(ApiError::invalid(
            "cancel_cutoff_minutes",
            "cancellation cut-off must be between 0 and 525600 minutes",
        ));
    }
    if req.ticket_types.is_empty() {
        return Err(ApiError::invalid(
            "ticket_types",
            "add at least one ticket type",
        ));
    }
    if req.ticket_types.len() > 20 {
        return Err(ApiError::invalid(
            "ticket_types",
            "an event can have at most 20 ticket types",
        ));
    }
    let mut ticket_types = Vec::with_capacity(req.ticket_types.len());
    for (i, t) in req.ticket_types.iter().enumerate() {
        let f = |name: &str| format!("ticket_types[{i}].{name}");
        let name = domain::text(&f("name"), &t.name, 1, 80, false)?;
        if !(0..=10_000_000).contains(&t.price_cents) {
            return Err(ApiError::invalid(
                f("price_cents"),
                "price must be between 0 and 100000.00",
            ));
        }
        if !(1..=1_000_000).contains(&t.capacity) {
            return Err(ApiError::invalid(
                f("capacity"),
                "capacity must be between 1 and 1000000",
            ));
        }
        let currency = domain::currency(t.currency.as_deref().unwrap_or("EUR"))
            .map_err(|e| e.with_field(f("currency")))?;
        let max_per_booking = t.max_per_booking.unwrap_or(domain::DEFAULT_MAX_PER_BOOKING);
        if !(1..=domain::MAX_PER_BOOKING_CEILING).contains(&max_per_booking) {
            return Err(ApiError::invalid(
                f("max_per_booking"),
                "per-booking maximum must be between 1 and 50",
            ));
        }
        let sale_starts_at = t.sale_starts_at.map(|d| d.timestamp_millis());
        let sale_ends_at = t.sale_ends_at.map(|d| d.timestamp_millis());
        if let (Some(s), Some(e)) = (sale_starts_at, sale_ends_at)
            && e <= s
        {
            return Err(ApiError::invalid(
                f("sale_ends_at"),
                "the sale must end after it starts",
            ));
        }
        if sale_ends_at.is_some_and(|e| e > ends_at) {
            return Err(ApiError::invalid(
                f("sale_ends_at"),
                "the sale cannot end after the event",
            ));
        }
        ticket_types.push(NewTicketType {
            name,
            price_cents: t.price_cents,
            currency,
            capacity: t.capacity,
            sale_starts_at,
            sale_ends_at,
            max_per_booking,
            position: i as i64,
        });
    }
    let min_price_cents = ticket_types
        .iter()
        .map(|t| t.price_cents)
        .min()
        .unwrap_or(0);
    Ok(Validated {
        event: NewEvent {
            organizer_id: actor.user_id,
            slug: EventSlug::from_title(&title).as_str().to_string(),
            title,
            description,
            venue,
            city,
            category,
            starts_at,
            ends_at,
            timezone,
            status: "draft".into(),
            image_url,
            hold_minutes,
            cancel_cutoff_minutes,
            min_price_cents,
            now,
        },
        ticket_types,
    })
}

impl Core {
    /// Creates a draft event with its ticket types (organizers and admins).
    pub async fn create_event(
        &self,
        actor: &Actor,
        req: &CreateEventRequest,
    ) -> Result<EventDetail, EventError> {
        if !actor.role.can_organize() {
            return Err(EventError::NotOrganizer);
        }
        let now = self.clock().now_ms();
        let mut v = validate(actor, req, now)?;
        let db = self.db();
        let fail = |e| EventError::db("creating an event failed", e);
        // A readable slug; on a clash, a short random suffix.
        if store::events::slug_exists(db, &v.event.slug)
            .await
            .map_err(fail)?
        {
            v.event.slug = format!("{}-{}", v.event.slug, store::random_code(5).to_lowercase());
        }
        let mut tx = db.begin().await.map_err(fail)?;
        let id = store::events::insert_event(&mut tx, &v.event)
            .await
            .map_err(fail)?;
        for t in &v.ticket_types {
            store::events::insert_ticket_type(&mut tx, id, t, now)
                .await
                .map_err(fail)?;
        }
        let entry = store::audit::NewEntry {
            actor_id: Some(actor.user_id),
            action: "event.create",
            target_type: "event",
            target_id: Some(id.to_string()),
            subject_id: None,
            detail: serde_json::json!({ "title": v.event.title }).to_string(),
            ip: actor.ip.clone(),
        };
        store::audit::record_tx(&mut tx, &entry, now)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        self.event_for(Some(actor), id).await
    }

    /// Loads an event the actor may manage: its organizer or an admin. Others get 404.
    pub(crate) async fn managed_event(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<EventRow, EventError> {
        let e = store::events::event_by_id(self.db(), id)
            .await
            .map_err(|e| EventError::db("event lookup failed", e))?
            .ok_or(EventError::NotFound("event"))?;
        if actor.role == Role::Admin
            || (actor.role == Role::Organizer && e.event.organizer_id == actor.user_id)
        {
            Ok(e.event)
        } else {
            Err(EventError::NotFound("event"))
        }
    }

    /// Publishes a draft event. Publishing twice is harmless; a cancelled event stays cancelled.
    pub async fn publish_event(&self, actor: &Actor, id: i64) -> Result<EventDetail, EventError> {
        let event = self.managed_event(actor, id).await?;
        match event.status.as_str() {
            "published" => return self.event_for(Some(actor), id).await,
            "cancelled" => {
                return Err(EventError::WrongState(
                    "cancelled and cannot be published".into(),
                ));
            }
            _ => {}
        }
        let now = self.clock().now_ms();
        let fail = |e| EventError::db("publishing an event failed", e);
        let mut tx = self.db().begin().await.map_err(fail)?;
        store::events::set_status(&mut tx, id, "published", now)
            .await
            .map_err(fail)?;
        self.audit_event(
            &mut tx,
            actor,
            "event.publish",
            id,
            serde_json::json!({}),
            now,
        )
        .await?;
        tx.commit().await.map_err(fail)?;
        self.event_for(Some(actor), id).await
    }

    /// Cancels an event: every booking is cancelled, every hold released, nothing more can be
    /// booked. Cancelling twice is harmless.
    pub async fn cancel_event(&self, actor: &Actor, id: i64) -> Result<EventDetail, EventError> {
        let event = self.managed_event(actor, id).await?;
        if event.status == "cancelled" {
            return self.event_for(Some(actor), id).await;
        }
        let now = self.clock().now_ms();
        let fail = |e| EventError::db("cancelling an event failed", e);
        let mut tx = self.db().begin().await.map_err(fail)?;
        // Lock order: ticket types first, then bookings and holds, then the event.
        let tts = store::events::lock_ticket_types_of_event(&mut tx, id)
            .await
            .map_err(fail)?;
        let cancelled = store::bookings::cancel_all_for_event(&mut tx, id, now)
            .await
            .map_err(fail)?;
        store::holds::release_all_for_event(&mut tx, id, now)
            .await
            .map_err(fail)?;
        store::events::clear_taken_for_event(&mut tx, id)
            .await
            .map_err(fail)?;
        store::events::set_status(&mut tx, id, "cancelled", now)
            .await
            .map_err(fail)?;
        let msgs: Vec<store::outbox::NewMessage> = cancelled
            .iter()
            .map(|b| store::outbox::NewMessage {
                kind: "booking.cancelled".into(),
                payload: serde_json::json!({ "booking_id": b.id, "user_id": b.user_id, "event_id": b.event_id, "reason": "event_cancelled" }).to_string(),
                dedup_key: format!("booking.cancelled:{}", b.id),
            })
            .collect();
        store::outbox::enqueue(&mut tx, &msgs, now)
            .await
            .map_err(fail)?;
        self.audit_event(
            &mut tx,
            actor,
            "event.cancel",
            id,
            serde_json::json!({ "bookings_cancelled": cancelled.len() }),
            now,
        )
        .await?;
        tx.commit().await.map_err(fail)?;
        self.live().publish(id, tts.iter().map(|t| t.id).collect());
        self.event_for(Some(actor), id).await
    }

    /// Changes a ticket type's capacity: up freely, down only to what is taken.
    pub async fn set_capacity(
        &self,
        actor: &Actor,
        ticket_type_id: i64,
        capacity: i64,
    ) -> Result<TicketTypeView, EventError> {
        if !(0..=1_000_000).contains(&capacity) {
            return Err(
                ApiError::invalid("capacity", "capacity must be between 0 and 1000000").into(),
            );
        }
        let now = self.clock().now_ms();
        let db = self.db();
        let fail = |e| EventError::db("changing capacity failed", e);
        let tt = store::events::ticket_type(db, ticket_type_id, now)
            .await
            .map_err(fail)?
            .ok_or(EventError::NotFound("ticket type"))?;
        let event = self
            .managed_event(actor, tt.event_id)
            .await
            .map_err(|_| EventError::NotFound("ticket type"))?;
        if event.status == "cancelled" {
            return Err(EventError::WrongState("cancelled".into()));
        }
        let mut tx = db.begin().await.map_err(fail)?;
        store::events::lock_ticket_type(&mut tx, ticket_type_id)
            .await
            .map_err(fail)?;
        let expired = store::holds::expire_for_ticket_type(&mut tx, ticket_type_id, now)
            .await
            .map_err(fail)?;
        let freed: i64 = expired.iter().map(|h| h.quantity).sum();
        if freed > 0 {
            store::events::free_seats(&mut tx, ticket_type_id, freed)
                .await
                .map_err(fail)?;
        }
        if !store::events::set_capacity(&mut tx, ticket_type_id, capacity)
            .await
            .map_err(fail)?
        {
            let locked = store::events::lock_ticket_type(&mut tx, ticket_type_id)
                .await
                .map_err(fail)?;
            let _ = tx.rollback().await;
            let taken = locked.map(|t| t.taken).unwrap_or(0);
            return Err(BookingError::CapacityBelowTaken { taken }.into());
        }
        self.audit_event(
            &mut tx,
            actor,
            "ticket_type.capacity",
            tt.event_id,
            serde_json::json!({ "ticket_type_id": ticket_type_id, "from": tt.capacity, "to": capacity }),
            now,
        )
        .await?;
        tx.commit().await.map_err(fail)?;
        self.live().publish(tt.event_id, vec![ticket_type_id]);
        let row = store::events::ticket_type(db, ticket_type_id, now)
            .await
            .map_err(fail)?
            .ok_or(EventError::NotFound("ticket type"))?;
        Ok(ticket_type_view(&row, now))
    }

    pub(crate) async fn audit_event(
        &self,
        tx: &mut crate::db::Tx,
        actor: &Actor,
        action: &str,
        event_id: i64,
        detail: serde_json::Value,
        now: i64,
    ) -> Result<(), EventError> {
        let entry = store::audit::NewEntry {
            actor_id: Some(actor.user_id),
            action,
            target_type: "event",
            target_id: Some(event_id.to_string()),
            subject_id: None,
            detail: detail.to_string(),
            ip: actor.ip.clone(),
        };
        store::audit::record_tx(tx, &entry, now)
            .await
            .map_err(|e| EventError::db("audit write failed", e))
    }

    /// An event by id. Drafts are visible only to their organizer and admins.
    pub async fn event_for(
        &self,
        actor: Option<&Actor>,
        id: i64,
    ) -> Result<EventDetail, EventError> {
        let e = store::events::event_by_id(self.db(), id)
            .await
            .map_err(|e| EventError::db("event lookup failed", e))?
            .ok_or(EventError::NotFound("event"))?;
        self.detail(actor, e).await
    }

    /// An event by slug. Drafts are visible only to their organizer and admins.
    pub async fn event_by_slug(
        &self,
        actor: Option<&Actor>,
        slug: &str,
    ) -> Result<EventDetail, EventError> {
        let e = store::events::event_by_slug(self.db(), slug)
            .await
            .map_err(|e| EventError::db("event lookup failed", e))?
            .ok_or(EventError::NotFound("event"))?;
        self.detail(actor, e).await
    }

    async fn detail(
        &self,
        actor: Option<&Actor>,
        e: store::events::EventWithOrganizer,
    ) -> Result<EventDetail, EventError> {
        if e.event.status == "draft" {
            let allowed =
                actor.is_some_and(|a| a.role == Role::Admin || a.user_id == e.event.organizer_id);
            if !allowed {
                return Err(EventError::NotFound("event"));
            }
        }
        let now = self.clock().now_ms();
        let tts = store::events::ticket_types_for_event(self.db(), e.event.id, now)
            .await
            .map_err(|e| EventError::db("ticket type lookup failed", e))?;
        Ok(event_detail(e, &tts, now))
    }

    /// Upcoming published events, soonest first.
    pub async fn upcoming_events(&self, limit: i64) -> Result<Vec<EventSummary>, EventError> {
        let now = self.clock().now_ms();
        let rows = store::events::upcoming(self.db(), now, limit.clamp(1, 100))
            .await
            .map_err(|e| EventError::db("listing events failed", e))?;
        Ok(rows.iter().map(event_summary).collect())
    }
}

/// The list view of an event row.
pub fn event_summary(r: &EventListRow) -> EventSummary {
    EventSummary {
        id: r.id,
        slug: r.slug.clone(),
        title: r.title.clone(),
        venue: r.venue.clone(),
        city: r.city.clone(),
        category: r.category.clone(),
        category_label: domain::category_label(&r.category).to_string(),
        starts_at: to_datetime(r.starts_at),
        timezone: r.timezone.clone(),
        date_label: date_label(r.starts_at, &r.timezone),
        min_price_cents: r.min_price_cents,
        currency: r.currency.clone(),
        price_label: if r.min_price_cents == 0 {
            "Free".to_string()
        } else {
            format!("From {}", format_price(r.min_price_cents, &r.currency))
        },
        available: r.available.max(0),
        capacity: r.capacity,
        status: r.status.clone(),
        image_url: r.image_url.clone(),
    }
}

/// The API view of a ticket type as of `now`.
pub fn ticket_type_view(t: &TicketTypeRow, now: i64) -> TicketTypeView {
    TicketTypeView {
        id: t.id,
        name: t.name.clone(),
        price_cents: t.price_cents,
        currency: t.currency.clone(),
        price_label: format_price(t.price_cents, &t.currency),
        capacity: t.capacity,
        available: t.available(),
        max_per_booking: t.max_per_booking,
        sale_starts_at: t.sale_starts_at.map(to_datetime),
        sale_ends_at: t.sale_ends_at.map(to_datetime),
        on_sale: t.sale_starts_at.is_none_or(|s| now >= s)
            && t.sale_ends_at.is_none_or(|e| now < e),
    }
}

fn event_detail(
    e: store::events::EventWithOrganizer,
    tts: &[TicketTypeRow],
    now: i64,
) -> EventDetail {
    let ev = e.event;
    let ended = now >= ev.ends_at;
    EventDetail {
        id: ev.id,
        date_label: date_label(ev.starts_at, &ev.timezone),
        time_label: time_range_label(ev.starts_at, ev.ends_at, &ev.timezone),
        starts_at_local: local_rfc3339(ev.starts_at, &ev.timezone),
        ends_at_local: local_rfc3339(ev.ends_at, &ev.timezone),
        category_label: domain::category_label(&ev.category).to_string(),
        slug: ev.slug,
        title: ev.title,
        description: ev.description,
        venue: ev.venue,
        city: ev.city,
        category: ev.category,
        starts_at: to_datetime(ev.starts_at),
        ends_at: to_datetime(ev.ends_at),
        timezone: ev.timezone,
        status: ev.status,
        image_url: ev.image_url,
        organizer_id: ev.organizer_id,
        organizer_name: e.organizer_name,
        hold_minutes: ev.hold_minutes,
        cancel_cutoff_minutes: ev.cancel_cutoff_minutes,
        published_at: ev.published_at.map(to_datetime),
        ticket_types: tts
            .iter()
            .map(|t| {
                let mut v = ticket_type_view(t, now);
                v.on_sale = v.on_sale && !ended;
                v
            })
            .collect(),
    }
}
