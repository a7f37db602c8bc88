//! [`Core`]: the one handle adapters hold. It owns the feature services and hands them out;
//! it has no rules of its own. Adapters call `core.bookings().hold(..)`,
//! `core.events().publish(..)` and so on.

use crate::accounts::AccountService;
use crate::analytics::AnalyticsService;
use crate::bookings::BookingService;
use crate::check::InvariantCheck;
use crate::clock::Clock;
use crate::context::{CoreSettings, Ctx};
use crate::db::Db;
use crate::events::EventService;
use crate::live::LiveBus;
use crate::notifications::NotificationService;
use crate::ratelimit::RateLimiter;
use crate::search::SearchService;
use crate::tickets::TicketService;
use crate::waitlist::WaitlistService;
use std::sync::Arc;

/// The core services; cheap to clone (one `Arc`).
#[derive(Clone)]
pub struct Core {
    inner: Arc<Inner>,
}

struct Inner {
    ctx: Ctx,
    accounts: AccountService,
    events: EventService,
    bookings: BookingService,
    search: SearchService,
    waitlist: WaitlistService,
    tickets: TicketService,
    notifications: NotificationService,
    invariants: InvariantCheck,
    analytics: AnalyticsService,
}

impl Core {
    pub fn new(
        db: Db,
        clock: Clock,
        settings: CoreSettings,
        live: LiveBus,
        limiter: RateLimiter,
    ) -> Core {
        let ctx = Ctx::new(db, clock, settings, live, limiter);
        Core {
            inner: Arc::new(Inner {
                accounts: AccountService::new(ctx.clone()),
                events: EventService::new(ctx.clone()),
                bookings: BookingService::new(ctx.clone()),
                search: SearchService::new(ctx.clone()),
                waitlist: WaitlistService::new(ctx.clone()),
                tickets: TicketService::new(ctx.clone()),
                notifications: NotificationService::new(ctx.clone()),
                invariants: InvariantCheck::new(ctx.clone()),
                analytics: AnalyticsService::new(ctx.clone()),
                ctx,
            }),
        }
    }

    /// Tickets: their PDF, signed QR tokens, the scanner's offline list.
    pub fn tickets(&self) -> &TicketService {
        &self.inner.tickets
    }

    /// The outbox and its delivery (mail), for the worker and the admin view.
    pub fn notifications(&self) -> &NotificationService {
        &self.inner.notifications
    }

    /// Rung after every commit that wrote to the outbox (the delivery worker waits on it).
    pub fn outbox_bell(&self) -> std::sync::Arc<crate::context::OutboxBell> {
        self.inner.ctx.outbox_bell().clone()
    }

    /// Sign-up, sign-in, sessions, account settings, GDPR, user administration.
    pub fn accounts(&self) -> &AccountService {
        &self.inner.accounts
    }

    /// Creating, publishing, editing, cancelling and reading events; organizer tools.
    pub fn events(&self) -> &EventService {
        &self.inner.events
    }

    /// Booking, holds, checkout, cancellation, my bookings.
    pub fn bookings(&self) -> &BookingService {
        &self.inner.bookings
    }

    /// Search, the home page, sitemaps and live availability reads.
    pub fn search(&self) -> &SearchService {
        &self.inner.search
    }

    /// Waitlists: joining, leaving, offers, and the organizer's queue controls.
    pub fn waitlist(&self) -> &WaitlistService {
        &self.inner.waitlist
    }

    /// The booking invariants, checked from the database alone.
    pub fn invariants(&self) -> &InvariantCheck {
        &self.inner.invariants
    }

    /// Analytics: the dashboards, page views, the rollups' fold.
    pub fn analytics(&self) -> &AnalyticsService {
        &self.inner.analytics
    }

    pub fn db(&self) -> &Db {
        self.inner.ctx.db()
    }

    pub fn clock(&self) -> &Clock {
        self.inner.ctx.clock()
    }

    pub fn live(&self) -> &LiveBus {
        self.inner.ctx.live()
    }

    pub fn limiter(&self) -> &RateLimiter {
        self.inner.ctx.limiter()
    }

    pub fn settings(&self) -> &CoreSettings {
        self.inner.ctx.settings()
    }

    /// See [`Ctx::pages_version`].
    pub fn pages_version(&self) -> u64 {
        self.inner.ctx.pages_version()
    }
}
