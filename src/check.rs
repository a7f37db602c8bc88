//! The invariant checker: proves, from the database alone, that nothing was oversold,
//! lost or booked twice. Run after every concurrency test and as `server check`.

use crate::context::Ctx;
use crate::domain::EventStatus;
use crate::store;

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    pub rule: &'static str,
    pub detail: String,
}

/// What the checker looked at and what it found.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Report {
    pub ticket_types_checked: i64,
    pub violations: Vec<Violation>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.violations.is_empty()
    }
}

impl InvariantCheck {
    async fn check_waitlists(&self, violations: &mut Vec<Violation>) -> Result<(), sqlx::Error> {
        let db = self.ctx.db();
        for (tt, counted, actual) in store::waitlist::counter_mismatches(db).await? {
            violations.push(Violation {
                rule: "waitlist_places_ordered",
                detail: format!(
                    "ticket type {tt}: queue counter says {counted} active entries, {actual} found, or a place beyond the last handed out"
                ),
            });
        }
        for (entry, offered, status, quantity, expires, owner) in
            store::waitlist::offers_with_holds(db).await?
        {
            let live = status.as_deref() == Some(crate::domain::HoldStatus::Active.as_str())
                && quantity == Some(offered)
                && owner == Some(entry);
            if !live {
                violations.push(Violation {
                    rule: "offers_are_live_holds",
                    detail: format!(
                        "waitlist entry {entry}: offered {offered} but its hold is {status:?} with {quantity:?} seats, expiring {expires:?}, owned by entry {owner:?}"
                    ),
                });
            }
        }
        for (booking, entry) in store::waitlist::bookings_past_the_queue(db).await? {
            violations.push(Violation {
                rule: "queue_first",
                detail: format!(
                    "booking {booking} took seats outside the queue while waitlist entry {entry} was waiting for as many"
                ),
            });
        }
        Ok(())
    }
}

impl InvariantCheck {
    /// Level 1 of the analytics rollups equals a recount of the raw rows; level 2 equals a
    /// fold of level 1 for every hour folded (before the last fold's previous hour).
    async fn check_rollups(
        &self,
        violations: &mut Vec<Violation>,
        now: i64,
    ) -> Result<(), sqlx::Error> {
        let db = self.ctx.db();
        for (side, tt, hour, currency) in store::rollups::mismatches(db).await? {
            violations.push(Violation {
                rule: "rollups_match_bookings",
                detail: format!(
                    "sales_hourly of ticket type {tt}, hour {hour}, currency {currency:?}: the {side} row has no equal on the other side"
                ),
            });
        }
        let state = store::rollup_fold::state(db).await?;
        if state.folded_through >= 0 {
            let before = (state.folded_through - 1).min(store::rollups::hour_of(now) - 1);
            for (table, at) in store::rollup_fold::mismatches(db, before).await? {
                violations.push(Violation {
                    rule: "rollups_folded",
                    detail: format!("{table} at {at} differs from a fold of sales_hourly"),
                });
            }
        }
        for (table, at) in store::rollup_fold::month_mismatches(db).await? {
            violations.push(Violation {
                rule: "rollups_folded",
                detail: format!("{table} at {at} differs from the sum of its daily rows"),
            });
        }
        Ok(())
    }
}

/// The checker, as a service of the core.
pub struct InvariantCheck {
    ctx: Ctx,
}

impl InvariantCheck {
    pub(crate) fn new(ctx: Ctx) -> Self {
        InvariantCheck { ctx }
    }

    /// Checks every ticket type (or one event's): `taken` = confirmed seats + seats in
    /// active holds; confirmed + unexpired holds <= capacity; a cancelled event holds nothing;
    /// no idempotency key maps to two bookings or holds; every booking has one ticket a seat;
    /// waitlists: places unique and ordered (the queue counters match the entries), every
    /// offer is a live hold of the entry's own, and no seat was booked outside a queue while
    /// someone in it was waiting for as many seats (offers are holds, so they count in
    /// `taken` above like every hold).
    #[tracing::instrument(skip_all)]
    pub async fn check(&self, event_id: Option<i64>) -> Result<Report, sqlx::Error> {
        let now = self.ctx.clock().now_ms();
        let mut violations = Vec::new();
        let checked = store::check::seat_accounts(self.ctx.db(), now, event_id, |a| {
            if a.taken != a.confirmed + a.held {
                violations.push(Violation {
                    rule: "taken_matches_bookings_and_holds",
                    detail: format!(
                        "ticket type {}: taken {} but confirmed {} + held {} = {}",
                        a.id, a.taken, a.confirmed, a.held, a.confirmed + a.held
                    ),
                });
            }
            if a.confirmed + a.held_live > a.capacity || a.taken > a.capacity || a.taken < 0 {
                violations.push(Violation {
                    rule: "within_capacity",
                    detail: format!(
                        "ticket type {}: confirmed {} + unexpired holds {} (taken {}) vs capacity {}",
                        a.id, a.confirmed, a.held_live, a.taken, a.capacity
                    ),
                });
            }
            if a.event_status == EventStatus::Cancelled && (a.confirmed > 0 || a.held > 0) {
                violations.push(Violation {
                    rule: "cancelled_event_is_empty",
                    detail: format!("ticket type {} of cancelled event {} still has seats taken", a.id, a.event_id),
                });
            }
        })
        .await?;
        for (what, user, key, n) in store::check::duplicate_keys(self.ctx.db()).await? {
            violations.push(Violation {
                rule: "idempotency_key_unique",
                detail: format!("{what}: user {user} key {key:?} maps to {n} rows"),
            });
        }
        for (id, quantity, tickets) in store::check::ticket_count_mismatches(self.ctx.db()).await? {
            violations.push(Violation {
                rule: "one_ticket_per_seat",
                detail: format!("booking {id}: quantity {quantity} but {tickets} tickets"),
            });
        }
        self.check_waitlists(&mut violations).await?;
        self.check_rollups(&mut violations, now).await?;
        Ok(Report {
            ticket_types_checked: checked,
            violations,
        })
    }
}
