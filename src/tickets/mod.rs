//! Tickets: every seat of a booking is a ticket with its own code; its QR code carries a
//! token signed with Ed25519 ([`token`]) that a door scanner verifies offline. The PDF
//! ([`pdf`]) is attached to the confirmation and downloadable by the buyer and the event's
//! organizer; the calendar file ([`ics`]) goes with it.

pub mod ics;
pub mod pdf;
mod pdf_font;
pub mod token;

use crate::actor::Actor;
use crate::context::Ctx;
use crate::domain::BookingStatus;
use crate::dto::{ScannerList, ScannerTicket, TicketPublicKey};
use crate::error::{ApiError, ErrorCode};
use crate::local_time::date_label;
use crate::store;
use crate::store::bookings::TicketRow;
use crate::store::tickets::BookingDocRow;
use pdf::{TicketPage, render_tickets};
pub use token::{TicketClaim, TicketKeys, TokenError};

/// What can go wrong with tickets.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TicketError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("the booking was cancelled")]
    Cancelled,
    #[error("internal error: {0}")]
    Internal(String),
}

impl TicketError {
    fn db(context: &str, e: sqlx::Error) -> Self {
        crate::db::log_failure(context, &e);
        TicketError::Internal(context.to_string())
    }
}

impl From<TicketError> for ApiError {
    fn from(e: TicketError) -> Self {
        match e {
            TicketError::NotFound(what) => ApiError::not_found(what),
            TicketError::Cancelled => ApiError::new(
                ErrorCode::TicketRevoked,
                "this booking was cancelled, so its tickets are no longer valid",
            ),
            TicketError::Internal(_) => ApiError::internal(),
        }
    }
}

/// A booking's tickets as a PDF file.
#[derive(Debug, Clone)]
pub struct TicketPdf {
    /// `tickets-EV-XXXXXXXX.pdf`
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// Tickets, their PDF and what door scanners need.
#[derive(Clone)]
pub struct TicketService {
    ctx: Ctx,
}

impl TicketService {
    pub fn new(ctx: Ctx) -> Self {
        TicketService { ctx }
    }

    fn keys(&self) -> &TicketKeys {
        &self.ctx.settings().ticket_keys
    }

    /// The secret that signs links in mail (derived from the ticket key).
    pub fn link_key(&self) -> crate::notifications::links::LinkKey {
        self.keys().link_key()
    }

    /// The public key scanners verify tokens with.
    pub fn public_key(&self) -> TicketPublicKey {
        let keys = self.keys();
        TicketPublicKey {
            alg: "EdDSA".into(),
            crv: "Ed25519".into(),
            kid: keys.key_id(),
            x: keys.public_key_b64(),
            format: token::FORMAT_DOC.into(),
        }
    }

    /// The token of ticket `code` of event `event_id` (what its QR code carries).
    pub fn token(&self, event_id: i64, code: &str) -> String {
        self.keys().sign(event_id, code)
    }

    /// What a scanned or pasted token says, if this Evently signed it.
    pub fn verify(&self, token: &str) -> Result<TicketClaim, TokenError> {
        self.keys().verify(token)
    }

    /// The PDF of a booking's tickets, for its buyer or the event's organizer (anyone else
    /// gets "not found"). A cancelled booking has no valid tickets.
    #[tracing::instrument(skip_all, fields(booking = booking_id))]
    pub async fn pdf_for(&self, actor: &Actor, booking_id: i64) -> Result<TicketPdf, TicketError> {
        let doc = store::tickets::booking_doc(self.ctx.db(), booking_id)
            .await
            .map_err(|e| TicketError::db("reading the booking failed", e))?
            .ok_or(TicketError::NotFound("booking"))?;
        if doc.user_id != actor.user_id && !actor.may_manage(doc.organizer_id) {
            return Err(TicketError::NotFound("booking"));
        }
        self.pdf_of(&doc).await
    }

    /// The PDF of the booking `doc` describes (no access check: the mailer's use).
    pub async fn pdf_of(&self, doc: &BookingDocRow) -> Result<TicketPdf, TicketError> {
        if doc.status != BookingStatus::Confirmed {
            return Err(TicketError::Cancelled);
        }
        let tickets = store::bookings::tickets_for(self.ctx.db(), &[doc.booking_id])
            .await
            .map_err(|e| TicketError::db("reading tickets failed", e))?;
        let pages = self.pages(doc, &tickets);
        if pages.is_empty() {
            return Err(TicketError::NotFound("ticket"));
        }
        // Rendering is CPU work (layout, QR codes, font subsets, compression): on a blocking
        // thread, so that a burst of confirmations never stalls the runtime that answers
        // requests (an on-sale's bookings among them).
        let booking = doc.booking_id;
        let bytes = tokio::task::spawn_blocking(move || render_tickets(&pages))
            .await
            .map_err(|e| {
                tracing::error!(error = %e, booking, "the ticket PDF task failed");
                TicketError::Internal("rendering the tickets failed".into())
            })?
            .map_err(|e| {
                tracing::error!(error = %e, booking, "rendering the ticket PDF failed");
                TicketError::Internal("rendering the tickets failed".into())
            })?;
        Ok(TicketPdf {
            filename: format!("tickets-{}.pdf", doc.booking_code),
            bytes,
        })
    }

    fn pages(&self, doc: &BookingDocRow, tickets: &[TicketRow]) -> Vec<TicketPage> {
        let when = format!(
            "{} ({})",
            date_label(doc.starts_at, &doc.timezone),
            doc.timezone
        );
        let n = tickets.len();
        tickets
            .iter()
            .enumerate()
            .map(|(i, t)| TicketPage {
                event_title: doc.event_title.clone(),
                when: when.clone(),
                venue: format!("{}, {}", doc.venue, doc.city),
                ticket_type: doc.ticket_type_name.clone(),
                attendee: t.attendee_name.clone(),
                booking_ref: doc.booking_code.clone(),
                ticket_label: format!("Ticket {} of {n}", i + 1),
                ticket_code: t.code.clone(),
                qr_payload: self.token(doc.event_id, &t.code),
            })
            .collect()
    }

    /// Everything a door scanner keeps for offline use: the public key, every ticket of the
    /// event with its attendee, and the codes that are revoked (cancelled bookings).
    #[tracing::instrument(skip_all, fields(event = event_id))]
    pub async fn scanner_list(
        &self,
        actor: &Actor,
        event_id: i64,
    ) -> Result<ScannerList, TicketError> {
        let db = self.ctx.db();
        let event = store::events::event_by_id(db, event_id)
            .await
            .map_err(|e| TicketError::db("event lookup failed", e))?
            .ok_or(TicketError::NotFound("event"))?;
        if !actor.may_manage(event.event.organizer_id) {
            return Err(TicketError::NotFound("event"));
        }
        let rows = store::tickets::scanner_list(db, event_id)
            .await
            .map_err(|e| TicketError::db("reading tickets failed", e))?;
        let mut tickets = Vec::new();
        let mut revoked = Vec::new();
        for r in rows {
            if r.confirmed {
                tickets.push(ScannerTicket {
                    code: r.code,
                    attendee_name: r.attendee_name,
                    buyer_name: r.buyer_name,
                    ticket_type: r.ticket_type,
                    booking_code: r.booking_code,
                    checked_in_at: r.checked_in_at.map(crate::clock::to_datetime),
                });
            } else {
                revoked.push(r.code);
            }
        }
        Ok(ScannerList {
            event_id,
            generated_at: crate::clock::to_datetime(self.ctx.clock().now_ms()),
            public_key: self.public_key(),
            tickets,
            revoked,
        })
    }
}
