//! Delivering one outbox message: read what it is about, write the letter, send it, and say
//! which channels went out. Called by the worker between `claim` and `settle`.

use super::compose::{Enclosure, Letter, render};
use super::links::AccountLinkParts;
use super::mail::Mailer;
use super::outbox::{Attempt, NotificationService};
use super::push::{Push, PushError, PushPayload, Pusher};
use super::reminders;
use super::{CancelReason, EventPlaceTime, Message};
use crate::context::Ctx;
use crate::domain::{BookingStatus, EventStatus, WaitlistStatus, format_amount, payment_terms};
use crate::local_time::{clock_label, date_label};
use crate::store;
use crate::store::outbox::ClaimedRow;
use crate::store::tickets::BookingDocRow;
use crate::store::waitlist::WaitlistDocRow;
use crate::tickets::TicketService;
use crate::tickets::ics::{CalendarEntry, calendar};

/// The e-mail channel's name in `outbox.done_channels`.
pub const EMAIL: &str = "email";
/// The notification centre's channel name.
pub const INBOX: &str = "inbox";
/// The prefix of a push subscription's channel name (`push:<subscription id>`).
pub const PUSH: &str = "push";

/// What the notification centre lists: everything said to a person about their bookings
/// and waitlist places (account links are not news).
fn inbox_kind(msg: &Message) -> bool {
    !matches!(
        msg,
        Message::AccountLink { .. } | Message::SignupAttempt { .. }
    )
}

/// Turns outbox rows into mail. Cheap to clone.
#[derive(Clone)]
pub struct Deliverer {
    ctx: Ctx,
    tickets: TicketService,
    mailer: Mailer,
    /// Web push, when a VAPID key is configured.
    pusher: Option<Pusher>,
    /// The public address of the site, for links (no trailing slash).
    site: String,
}

impl NotificationService {
    /// A deliverer sending through `mailer`, linking to `site`.
    pub fn deliverer(&self, tickets: TicketService, mailer: Mailer, site: &str) -> Deliverer {
        Deliverer {
            ctx: self.ctx().clone(),
            tickets,
            mailer,
            pusher: self.ctx().settings().push.clone().map(Pusher::new),
            site: site.trim_end_matches('/').to_string(),
        }
    }
}

impl Deliverer {
    pub fn mailer(&self) -> &Mailer {
        &self.mailer
    }

    /// Delivers `row` on every channel it has not reached yet: e-mail, the notification
    /// centre (`inbox`) and each of the person's push subscriptions (`push:<id>`). A channel
    /// that went out is recorded and never repeated; the others are retried.
    pub async fn attempt(&self, row: &ClaimedRow) -> Attempt {
        let mut done: Vec<String> = row
            .done_channels
            .split(',')
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        let msg = match Message::from_row(&row.kind, &row.payload) {
            Ok(m) => m,
            Err(e) => {
                return Attempt {
                    done,
                    error: Some(e.to_string()),
                    failed: vec!["message"],
                };
            }
        };
        let has = |done: &[String], c: &str| done.iter().any(|d| d == c);
        // A confirmed booking's reminder is written before its confirmation goes out (so
        // a confirmation that fails to send still leaves its reminder scheduled).
        if let Message::BookingConfirmed { booking_id, .. } = &msg
            && !has(&done, EMAIL)
            && let Err(e) = self.schedule_reminder(*booking_id).await
        {
            return Attempt {
                done,
                error: Some(e),
                failed: vec!["message"],
            };
        }
        let letter = match self.letter(&msg).await {
            Ok(Some(l)) => l,
            // Nobody to tell any more (an erased account, a deleted subject, an offer that
            // ended before its reminder was due, a reminder overtaken by a move).
            Ok(None) => {
                return Attempt {
                    done,
                    ..Attempt::default()
                };
            }
            Err(e) => {
                return Attempt {
                    done,
                    error: Some(e),
                    failed: vec!["message"],
                };
            }
        };
        let mut errors = Vec::new();
        let mut failed = Vec::new();
        if !has(&done, EMAIL) {
            match self.email(row, &letter).await {
                Ok(()) => done.push(EMAIL.to_string()),
                Err(e) => {
                    errors.push(e);
                    failed.push(EMAIL);
                }
            }
        }
        let notice = self.notice(&msg, &letter);
        if let (Some(user), true) = (msg.user_id(), !has(&done, INBOX) && inbox_kind(&msg)) {
            match self.inbox(row, user, &msg, &notice).await {
                Ok(()) => done.push(INBOX.to_string()),
                Err(e) => {
                    errors.push(e);
                    failed.push(INBOX);
                }
            }
        }
        if let (Some(user), Some(policy)) = (msg.user_id(), self.push_policy(&msg)) {
            let before = errors.len();
            self.push(row, user, &notice, policy, &mut done, &mut errors)
                .await;
            if errors.len() > before {
                failed.push(PUSH);
            }
        }
        Attempt {
            done,
            error: (!errors.is_empty()).then(|| errors.join("; ")),
            failed,
        }
    }

    async fn email(&self, row: &ClaimedRow, letter: &Letter) -> Result<(), String> {
        if letter.no_email {
            return Ok(());
        }
        let id = message_id(row, self.mailer.from().email.domain());
        let mail =
            render(letter, self.mailer.from(), &id, &self.site).map_err(|e| e.to_string())?;
        self.mailer.send(mail).await.map_err(|e| e.text)
    }

    /// What the bell, the notifications page and a push say of a letter.
    /// Title and body are clipped (a push payload must stay under about 4 KB once
    /// encrypted, and a notification shows a few lines anyway).
    fn notice(&self, msg: &Message, letter: &Letter) -> PushPayload {
        let url = letter
            .action
            .as_ref()
            .and_then(|(_, u)| u.strip_prefix(&self.site))
            .filter(|p| p.starts_with('/'))
            .unwrap_or("/notifications")
            .to_string();
        PushPayload {
            title: clip_chars(&letter.heading, 160),
            body: clip_chars(&letter.preheader, 600),
            url,
            tag: msg.dedup_key().chars().take(64).collect(),
        }
    }

    /// Stores the notice for the notification centre and tells the person's open pages.
    async fn inbox(
        &self,
        row: &ClaimedRow,
        user: i64,
        msg: &Message,
        notice: &PushPayload,
    ) -> Result<(), String> {
        let kind = msg.to_row().kind;
        let new = store::inbox::NewNotice {
            user_id: user,
            outbox_id: row.id,
            kind: &kind,
            title: &notice.title,
            body: &notice.body,
            url: &notice.url,
        };
        store::inbox::insert(self.ctx.db(), &new, self.ctx.clock().now_ms())
            .await
            .map_err(|e| {
                crate::db::log_failure("writing a notice failed", &e);
                "the notification centre could not be written".to_string()
            })?;
        self.ctx.live().publish_users(vec![user]);
        Ok(())
    }

    /// How long a push may wait for an offline device, and whether it is urgent; `None`
    /// for what is not pushed.
    fn push_policy(&self, msg: &Message) -> Option<(u32, bool)> {
        self.pusher.as_ref()?;
        let now = self.ctx.clock().now_ms();
        let until = |ms: i64| ((ms - now) / 1000).clamp(60, 7 * 86_400) as u32;
        Some(match msg {
            Message::BookingConfirmed { .. } => (86_400, false),
            Message::BookingCancelled { reason, .. } if *reason != CancelReason::Buyer => {
                (86_400, false)
            }
            Message::EventChanged { .. } | Message::WaitlistClosed { .. } => (3 * 86_400, false),
            Message::WaitlistOffer { expires_at, .. }
            | Message::WaitlistOfferExpiring { expires_at, .. } => (until(*expires_at), true),
            Message::Reminder { starts_at, .. } => (until(*starts_at), false),
            _ => return None,
        })
    }

    /// Pushes to each of the person's devices not reached yet. A device the push service
    /// says is gone is forgotten.
    async fn push(
        &self,
        row: &ClaimedRow,
        user: i64,
        notice: &PushPayload,
        (ttl, urgent): (u32, bool),
        done: &mut Vec<String>,
        errors: &mut Vec<String>,
    ) {
        let Some(pusher) = &self.pusher else { return };
        let db = self.ctx.db();
        let subs = match store::inbox::subscriptions(db, user).await {
            Ok(s) => s,
            Err(e) => {
                crate::db::log_failure("reading push subscriptions failed", &e);
                errors.push("the push subscriptions could not be read".into());
                return;
            }
        };
        let topic = format!("evently{}", row.id);
        for sub in subs {
            let channel = format!("{PUSH}:{}", sub.id);
            if done.contains(&channel) {
                continue;
            }
            let push = Push {
                endpoint: &sub.endpoint,
                p256dh: &sub.p256dh,
                auth: &sub.auth,
                payload: notice,
                ttl,
                urgent,
                topic: &topic,
            };
            let now = self.ctx.clock().now_ms();
            match pusher.send(&push).await {
                Ok(()) => {
                    done.push(channel);
                    let _ = store::inbox::delivered(db, sub.id, now).await;
                }
                Err(PushError::Gone) => {
                    tracing::info!(subscription = sub.id, "push subscription gone; forgotten");
                    if store::inbox::forget(db, sub.id).await.is_err() {
                        errors.push("a gone push subscription could not be removed".into());
                    }
                }
                Err(PushError::Failed(e)) => errors.push(format!("push {}: {e}", sub.id)),
            }
        }
    }

    /// Writes the reminder of a confirmed booking, if its event has one still to come.
    /// Idempotent: the reminder's key is its booking and start time.
    async fn schedule_reminder(&self, booking_id: i64) -> Result<(), String> {
        let db = self.ctx.db();
        let fail = |e: sqlx::Error| {
            crate::db::log_failure("scheduling a reminder failed", &e);
            "the database could not be written".to_string()
        };
        let Some(doc) = store::tickets::booking_doc(db, booking_id)
            .await
            .map_err(fail)?
        else {
            return Ok(());
        };
        if doc.status != BookingStatus::Confirmed || doc.event_status == EventStatus::Cancelled {
            return Ok(());
        }
        let now = self.ctx.clock().now_ms();
        let Some((msg, due)) = reminders::reminder_for(
            doc.booking_id,
            doc.user_id,
            doc.event_id,
            doc.starts_at,
            doc.reminder_hours,
            now,
        ) else {
            return Ok(());
        };
        let mut tx = db.begin().await.map_err(fail)?;
        store::outbox::enqueue_due(&mut tx, &msg, due, now)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)
    }

    /// The letter a message becomes, or `None` when it goes to nobody.
    async fn letter(&self, msg: &Message) -> Result<Option<Letter>, String> {
        let db = self.ctx.db();
        let fail = |e: sqlx::Error| {
            crate::db::log_failure("reading a notice's subject failed", &e);
            "the database could not be read".to_string()
        };
        match msg {
            Message::BookingConfirmed { booking_id, .. }
            | Message::BookingCancelled { booking_id, .. } => {
                let Some(doc) = store::tickets::booking_doc(db, *booking_id)
                    .await
                    .map_err(fail)?
                else {
                    return Ok(None);
                };
                if doc.user_deleted_at.is_some() {
                    return Ok(None);
                }
                Ok(Some(match msg {
                    Message::BookingCancelled { reason, .. } => self.cancelled(&doc, *reason),
                    _ => self.confirmed(&doc).await?,
                }))
            }
            Message::AccountLink { link_id, .. } => {
                let Some(link) = store::account_links::by_id(db, *link_id)
                    .await
                    .map_err(fail)?
                else {
                    return Ok(None);
                };
                let Some(user) = store::users::by_id(db, link.user_id).await.map_err(fail)? else {
                    return Ok(None);
                };
                let now = self.ctx.clock().now_ms();
                // A link spent or expired before it went out, or for an address the account
                // no longer has: nothing to send.
                if user.deleted_at.is_some()
                    || user.email != link.email
                    || link.used_at.is_some()
                    || link.expires_at <= now
                {
                    return Ok(None);
                }
                Ok(Some(self.account_link(&link, &user.name)))
            }
            Message::SignupAttempt { user_id, .. } => {
                let Some(user) = store::users::by_id(db, *user_id).await.map_err(fail)? else {
                    return Ok(None);
                };
                if user.deleted_at.is_some() {
                    return Ok(None);
                }
                Ok(Some(self.signup_attempt(&user)))
            }
            Message::Reminder {
                booking_id,
                starts_at,
                ..
            } => {
                let Some(doc) = self.live_booking(*booking_id).await? else {
                    return Ok(None);
                };
                let now = self.ctx.clock().now_ms();
                // Also skipped, not sent: an event that moved (its new reminder is on its
                // way) or has begun. A person who turned e-mail reminders off still gets
                // the other channels.
                if doc.starts_at != *starts_at || doc.starts_at <= now {
                    return Ok(None);
                }
                let mut l = self.reminder(&doc, now);
                l.no_email = !doc.email_reminders;
                Ok(Some(l))
            }
            Message::EventChanged {
                booking_id, before, ..
            } => match self.live_booking(*booking_id).await? {
                Some(doc) => Ok(self.changed(&doc, before)),
                None => Ok(None),
            },
            Message::WaitlistJoined { entry_id, .. }
            | Message::WaitlistOffer { entry_id, .. }
            | Message::WaitlistOfferExpiring { entry_id, .. }
            | Message::WaitlistOfferExpired { entry_id, .. }
            | Message::WaitlistClosed { entry_id, .. } => {
                let Some(doc) = store::waitlist::waitlist_doc(db, *entry_id)
                    .await
                    .map_err(fail)?
                else {
                    return Ok(None);
                };
                if doc.user_deleted_at.is_some() {
                    return Ok(None);
                }
                Ok(self.waitlist(&doc, msg))
            }
        }
    }

    async fn confirmed(&self, doc: &BookingDocRow) -> Result<Letter, String> {
        let mut l = booking_letter(doc);
        l.subject = format!("Your tickets for {}", doc.event_title);
        l.preheader = format!("Booking {} is confirmed.", doc.booking_code);
        l.heading = format!("You're going to {}", doc.event_title);
        l.action = Some((
            "View your booking".into(),
            format!("{}/bookings/{}", self.site, doc.booking_id),
        ));
        match self.tickets.pdf_of(doc).await {
            Ok(pdf) => {
                l.paragraphs.push(format!(
                    "Hi {}, your booking {} is confirmed. Your {} attached as a PDF: show the QR code at the entrance, on your phone or on paper.",
                    doc.user_name,
                    doc.booking_code,
                    if doc.quantity == 1 { "ticket is" } else { "tickets are" }
                ));
                l.attachments.push(Enclosure {
                    filename: pdf.filename,
                    content_type: "application/pdf".into(),
                    bytes: pdf.bytes,
                });
            }
            // Cancelled since: the cancellation notice follows; no tickets to send.
            Err(crate::tickets::TicketError::Cancelled) => l.paragraphs.push(format!(
                "Hi {}, your booking {} was confirmed, but it has been cancelled since, so no tickets are attached.",
                doc.user_name, doc.booking_code
            )),
            Err(e) => return Err(e.to_string()),
        }
        l.attachments.push(self.ics(doc, false));
        Ok(l)
    }

    fn cancelled(&self, doc: &BookingDocRow, reason: CancelReason) -> Letter {
        let mut l = booking_letter(doc);
        let (subject, heading, why) = match reason {
            CancelReason::Buyer => (
                format!("Booking cancelled: {}", doc.event_title),
                "Your booking is cancelled".to_string(),
                "You cancelled this booking. Its tickets are no longer valid.".to_string(),
            ),
            CancelReason::Staff => (
                format!("Booking cancelled by the organizer: {}", doc.event_title),
                "The organizer cancelled your booking".to_string(),
                "The organizer of this event cancelled your booking. Its tickets are no longer valid. Reply to the organizer if you think this is a mistake.".to_string(),
            ),
            CancelReason::EventCancelled => (
                format!("Cancelled: {}", doc.event_title),
                format!("{} is cancelled", doc.event_title),
                "The organizer cancelled this event, so your booking is cancelled and its tickets are no longer valid.".to_string(),
            ),
        };
        l.subject = subject;
        l.preheader = why.clone();
        l.heading = heading;
        l.paragraphs
            .push(format!("Hi {}, {}", doc.user_name, lower_first(&why)));
        if doc.total_cents > 0 {
            l.notes.push("Evently took no payment for this booking. If you paid the organizer, contact them about a refund.".into());
        }
        l.action = Some(("Find other events".into(), format!("{}/search", self.site)));
        if reason == CancelReason::EventCancelled {
            l.attachments.push(self.ics(doc, true));
        }
        l
    }

    fn reminder(&self, doc: &BookingDocRow, now: i64) -> Letter {
        let mut l = booking_letter(doc);
        let when = format!(
            "{} ({})",
            date_label(doc.starts_at, &doc.timezone),
            doc.timezone
        );
        let hours = (doc.starts_at - now) / 3_600_000;
        let soon = match hours {
            0 => "within the hour".to_string(),
            1 => "in about an hour".to_string(),
            h if h < 36 => format!("in about {h} hours"),
            h => format!("in about {} days", (h + 12) / 24),
        };
        l.subject = format!("Reminder: {} starts {soon}", doc.event_title);
        l.heading = format!("{} starts {soon}", doc.event_title);
        l.preheader = format!("{when} · {}, {}", doc.venue, doc.city);
        l.paragraphs.push(format!(
            "Hi {}, this is your reminder: {} starts on {when} at {}, {}. Your {} in your booking {}: show the QR code at the entrance, on your phone or on paper.",
            doc.user_name,
            doc.event_title,
            doc.venue,
            doc.city,
            if doc.quantity == 1 { "ticket is" } else { "tickets are" },
            doc.booking_code
        ));
        l.action = Some((
            "View your tickets".into(),
            format!("{}/bookings/{}", self.site, doc.booking_id),
        ));
        l.notes.push(
            "You get reminders because they are on in your account. You can turn them off there, or with the link below."
                .into(),
        );
        l.unsubscribe = Some(format!(
            "{}/unsubscribe/{}",
            self.site,
            self.tickets.link_key().unsubscribe_token(doc.user_id)
        ));
        l
    }

    /// A booking still worth writing about: confirmed, its event not cancelled, its buyer's
    /// account not erased.
    async fn live_booking(&self, booking_id: i64) -> Result<Option<BookingDocRow>, String> {
        let doc = store::tickets::booking_doc(self.ctx.db(), booking_id)
            .await
            .map_err(|e| {
                crate::db::log_failure("reading a notice's subject failed", &e);
                "the database could not be read".to_string()
            })?;
        Ok(doc.filter(|d| {
            d.user_deleted_at.is_none()
                && d.status == BookingStatus::Confirmed
                && d.event_status != EventStatus::Cancelled
        }))
    }

    fn account_link(&self, link: &store::account_links::LinkRow, name: &str) -> Letter {
        let token = self.tickets.link_key().account_token(&AccountLinkParts {
            id: link.id,
            purpose: &link.purpose,
            user_id: link.user_id,
            email: &link.email,
            nonce: &link.nonce,
        });
        let until = format!(
            "{} UTC",
            crate::clock::to_datetime(link.expires_at).format("%-d %B %Y, %H:%M")
        );
        let mut l = Letter {
            to_name: name.to_string(),
            to_email: link.email.clone(),
            ..Letter::default()
        };
        if link.purpose == crate::accounts::recovery::RESET {
            l.subject = "Set a new password for Evently".into();
            l.heading = "Set a new password".into();
            l.paragraphs.push(format!(
                "Hi {name}, someone (we hope you) asked to set a new password for the Evently account of {}. The button below works once, until {until}. Setting a new password signs you out on every device.",
                link.email
            ));
            l.action = Some((
                "Set a new password".into(),
                format!("{}/reset-password/{token}", self.site),
            ));
            l.notes.push(
                "Didn't ask for this? Ignore this e-mail: your password stays as it is.".into(),
            );
        } else {
            l.subject = "Confirm your e-mail address for Evently".into();
            l.heading = "Confirm your e-mail address".into();
            l.paragraphs.push(format!(
                "Hi {name}, welcome to Evently. Please confirm that {} is your address, so that your tickets and notices reach you. The button works until {until}.",
                link.email
            ));
            l.action = Some((
                "Confirm my address".into(),
                format!("{}/verify-email/{token}", self.site),
            ));
            l.notes.push(
                "Didn't sign up? Ignore this e-mail; nothing happens without the button.".into(),
            );
        }
        l.preheader = l.heading.clone();
        l
    }

    fn signup_attempt(&self, user: &store::users::UserRow) -> Letter {
        let mut l = Letter {
            to_name: user.name.clone(),
            to_email: user.email.clone(),
            subject: "Someone tried to sign up with your address".into(),
            heading: "You already have an Evently account".into(),
            ..Letter::default()
        };
        l.preheader = l.heading.clone();
        l.paragraphs.push(format!(
            "Hi {}, someone just tried to create a new Evently account with {}. You already have an account with this address, so nothing was created and nothing about your account changed.",
            user.name, user.email
        ));
        l.paragraphs.push(
            "Was it you? Sign in with your password instead. Forgot it? Use \"Forgot your password?\" on the sign-in page to set a new one."
                .into(),
        );
        l.action = Some(("Sign in".into(), format!("{}/signin", self.site)));
        l.notes.push(
            "Wasn't you? You can ignore this e-mail. Someone may have mistyped their address."
                .into(),
        );
        l
    }

    fn changed(&self, doc: &BookingDocRow, before: &EventPlaceTime) -> Option<Letter> {
        let tz = &doc.timezone;
        let mut changes = Vec::new();
        if before.starts_at != doc.starts_at || before.ends_at != doc.ends_at {
            changes.push(format!(
                "The time: it was {} to {}, it is now {} to {} ({tz}).",
                date_label(before.starts_at, tz),
                clock_label(before.ends_at, tz),
                date_label(doc.starts_at, tz),
                clock_label(doc.ends_at, tz)
            ));
        }
        if before.venue != doc.venue || before.city != doc.city {
            changes.push(format!(
                "The place: it was {}, {}; it is now {}, {}.",
                before.venue, before.city, doc.venue, doc.city
            ));
        }
        // Changed back since: nothing to tell.
        if changes.is_empty() {
            return None;
        }
        let mut l = booking_letter(doc);
        l.subject = format!("Changed: {}", doc.event_title);
        l.heading = format!("{} has changed", doc.event_title);
        l.preheader = changes.join(" ");
        l.paragraphs.push(format!(
            "Hi {}, the organizer changed {} your booking {} is for. Your booking and tickets stay valid.",
            doc.user_name, doc.event_title, doc.booking_code
        ));
        l.paragraphs.extend(changes);
        l.paragraphs.push(
            "If you can no longer go, you can cancel the booking from My bookings (until the organizer's cancellation deadline), so the seats go to someone else."
                .into(),
        );
        l.action = Some((
            "View your booking".into(),
            format!("{}/bookings/{}", self.site, doc.booking_id),
        ));
        l.attachments.push(self.ics(doc, false));
        Some(l)
    }

    fn ics(&self, doc: &BookingDocRow, cancelled: bool) -> Enclosure {
        let url = format!("{}/events/{}", self.site, doc.event_slug);
        let description = format!(
            "Booking {} · {} × {}",
            doc.booking_code, doc.quantity, doc.ticket_type_name
        );
        let text = calendar(&CalendarEntry {
            uid: format!("booking-{}@evently", doc.booking_id),
            title: &doc.event_title,
            venue: &doc.venue,
            city: &doc.city,
            starts_at: doc.starts_at,
            ends_at: doc.ends_at,
            url: &url,
            description: &description,
            stamp: self.ctx.clock().now_ms(),
            cancelled,
        });
        Enclosure {
            filename: "event.ics".into(),
            content_type: format!(
                "text/calendar; charset=utf-8; method={}",
                if cancelled { "CANCEL" } else { "PUBLISH" }
            ),
            bytes: text.into_bytes(),
        }
    }

    fn waitlist(&self, doc: &WaitlistDocRow, msg: &Message) -> Option<Letter> {
        let mut l = Letter {
            to_name: doc.user_name.clone(),
            to_email: doc.user_email.clone(),
            facts: event_facts(
                &doc.event_title,
                doc.starts_at,
                &doc.timezone,
                &format!("{}, {}", doc.venue, doc.city),
                &format!("{} × {}", doc.quantity, doc.ticket_type_name),
            ),
            ..Letter::default()
        };
        let mine = format!("{}/bookings#waitlist", self.site);
        let event = format!("{}/events/{}", self.site, doc.event_slug);
        let at = |ms: i64| format!("{} ({})", clock_label(ms, &doc.timezone), doc.timezone);
        let hi = format!("Hi {},", doc.user_name);
        match msg {
            Message::WaitlistJoined { .. } => {
                l.subject = format!("You're on the waitlist for {}", doc.event_title);
                l.heading = "You're on the waitlist".into();
                l.paragraphs.push(format!("{hi} you're in the queue for {} × {}. When seats come back, they are offered in queue order and we write to you at once; the offer is held for you for a limited time.", doc.quantity, doc.ticket_type_name));
                l.action = Some(("See your place in the queue".into(), mine));
            }
            Message::WaitlistOffer {
                seats,
                complete,
                expires_at,
                ..
            } => {
                l.subject = format!("Seats are held for you: {}", doc.event_title);
                l.heading = format!(
                    "{} {} held for you until {}",
                    seats,
                    if *seats == 1 { "seat is" } else { "seats are" },
                    at(*expires_at)
                );
                l.paragraphs.push(if *complete {
                    format!("{hi} seats came back for {}. Book them before {} or they go to the next person in the queue.", doc.event_title, at(*expires_at))
                } else {
                    format!("{hi} {seats} of the {} seats you asked for came back and are set aside for you until {}. You can book these now, or wait: more seats that come back before then are added.", doc.quantity, at(*expires_at))
                });
                l.action = Some(("Book the held seats".into(), mine));
            }
            Message::WaitlistOfferExpiring { expires_at, .. } => {
                if doc.status != WaitlistStatus::Offered {
                    return None;
                }
                l.subject = format!("Your held seats expire soon: {}", doc.event_title);
                l.heading = format!("Your seats are held until {}", at(*expires_at));
                l.paragraphs.push(format!("{hi} the seats held for you expire in a few minutes. After that they go to the next person in the queue."));
                l.action = Some(("Book the held seats".into(), mine));
            }
            Message::WaitlistOfferExpired { .. } => {
                l.subject = format!("Your held seats have gone: {}", doc.event_title);
                l.heading = "The offer has expired".into();
                l.paragraphs.push(format!("{hi} the seats held for you were not booked in time, so they went to the next person in the queue."));
                l.action = Some(("See the event".into(), event));
            }
            Message::WaitlistClosed { .. } => {
                l.subject = format!("Cancelled: {}", doc.event_title);
                l.heading = format!("{} is cancelled", doc.event_title);
                l.paragraphs.push(format!("{hi} the organizer cancelled this event, so its waitlist is closed and you are no longer in the queue."));
                l.action = Some(("Find other events".into(), format!("{}/search", self.site)));
            }
            _ => return None,
        }
        l.preheader = l.heading.clone();
        Some(l)
    }
}

/// Event, when (in the event's time zone), where and which tickets: the facts every mail
/// about a booking or a waitlist place starts with.
fn event_facts(
    title: &str,
    starts_at: i64,
    tz: &str,
    place: &str,
    tickets: &str,
) -> Vec<(String, String)> {
    vec![
        ("Event".into(), title.to_string()),
        (
            "When".into(),
            format!("{} ({tz})", date_label(starts_at, tz)),
        ),
        ("Where".into(), place.to_string()),
        ("Tickets".into(), tickets.to_string()),
    ]
}

/// The facts every booking mail shows.
fn booking_letter(doc: &BookingDocRow) -> Letter {
    let mut facts = event_facts(
        &doc.event_title,
        doc.starts_at,
        &doc.timezone,
        &format!("{}, {}", doc.venue, doc.city),
        &format!("{} × {}", doc.quantity, doc.ticket_type_name),
    );
    facts.push(("Booking".into(), doc.booking_code.clone()));
    if doc.total_cents > 0 {
        // A total, never "paid": Evently takes no payment.
        facts.push((
            "Total".into(),
            format_amount(doc.total_cents, &doc.currency),
        ));
    }
    let mut notes = Vec::new();
    if let Some(terms) = payment_terms(doc.total_cents, &doc.payment_note) {
        notes.push(terms);
    }
    Letter {
        to_name: doc.user_name.clone(),
        to_email: doc.user_email.clone(),
        facts,
        notes,
        ..Letter::default()
    }
}

/// At most `max` characters, with "…" when something was cut.
fn clip_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// The Message-ID of a row's mail: the same for every attempt, so a resend after a crash is
/// recognisable downstream as the same message.
pub fn message_id(row: &ClaimedRow, domain: &str) -> String {
    let subject: String = row
        .dedup_key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("<evently.{}.{subject}@{domain}>", row.id)
}

#[cfg(test)]
mod tests {
    use super::clip_chars;

    #[test]
    fn long_text_is_clipped_by_characters_with_an_ellipsis() {
        assert_eq!(clip_chars("short", 10), "short");
        assert_eq!(clip_chars("Köln Köln Köln", 6), "Köln …");
        assert_eq!(clip_chars(&"é".repeat(700), 600).chars().count(), 600);
    }
}
