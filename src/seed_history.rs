//! Demo sales history: bookings spread over the past months, so the analytics pages have
//! something to show.
//!
//! A pool of demo buyers books the published events: popularity is skewed (Zipf-like, plus a
//! little for everyone), so a few events sell out and most sell a little; each booking falls in
//! its ticket type's sales window (from going on sale, at most a year back, to the start or
//! now, whichever is sooner); about 8 % are cancelled later, and about 85 % of the tickets of
//! events that already happened are checked in. Seats are counted as the booking engine
//! counts them (`taken` = confirmed seats, within capacity), every booking has one ticket a
//! seat, and level 1 of the analytics rollups is rebuilt from the raw rows at the end, all in
//! one transaction. A run when the demo buyers already have bookings adds nothing.

use crate::Core;
use crate::seed::{DEMO_PASSWORD, Progress, SeedError};
use crate::store;
use crate::store::seed_history::{SeedBooking, SeedTicket, SellableType};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;

/// How many demo buyers book the history.
pub const BUYERS: usize = 5_000;
/// Demo buyers' addresses are `buyer-<n>@evently.test`.
pub fn buyer_email(n: usize) -> String {
    format!("buyer-{n}@evently.test")
}
const BUYER_PATTERN: &str = "buyer-%@evently.test";

/// Bookings a default run makes per event.
pub const BOOKINGS_PER_EVENT: usize = 20;
/// How far back the history reaches.
pub const HISTORY_DAYS: i64 = 365;
const DAY_MS: i64 = 86_400_000;
const CANCELLED_SHARE: f64 = 0.08;
const CHECKED_IN_SHARE: f64 = 0.85;
/// Share of bookings spread evenly over all events (the rest follows popularity).
const EVEN_SHARE: f64 = 0.3;
/// Bookings planned, written and reported at a time.
const BATCH: usize = 20_000;

/// What a history run wrote.
#[derive(Debug, Clone, Default)]
pub struct HistoryReport {
    pub bookings: u64,
    pub tickets: u64,
    pub cancelled: u64,
    pub checked_in: u64,
    /// Ticket types with every seat taken after the run.
    pub sold_out_types: u64,
    /// Rows in `sales_hourly` after the rebuild.
    pub sales_hourly_rows: i64,
    /// Set (to their number) when the demo buyers had bookings already: nothing was added.
    pub existing: Option<i64>,
}

/// A ticket type that can still sell, compactly (a million events have two million).
struct Kind {
    id: i64,
    remaining: i64,
    price_cents: i64,
    currency: u16,
    max_per_booking: i64,
    /// Sales window `[lo, hi)`.
    lo: i64,
    hi: i64,
}

struct Ev {
    id: i64,
    organizer_id: i64,
    starts_at: i64,
    first: usize,
    n: usize,
    sold_out: bool,
}

/// A booking decided, before its id is known.
struct Planned {
    user_id: i64,
    event: usize,
    kind: usize,
    quantity: i64,
    created_at: i64,
    cancelled_at: Option<i64>,
}

/// Adds about `bookings` bookings of sales history (fewer only if the events run out of
/// seats). `progress` gets (bookings written, bookings asked for).
pub async fn seed_history(
    core: &Core,
    bookings: usize,
    progress: Progress<'_>,
) -> Result<HistoryReport, SeedError> {
    let db = core.db();
    let now = core.clock().now_ms();
    let mut report = HistoryReport::default();
    if bookings == 0 {
        return Ok(report);
    }
    let existing = store::seed_history::bookings_of_users_like(db, BUYER_PATTERN)
        .await
        .map_err(SeedError::Db)?;
    if existing > 0 {
        report.existing = Some(existing);
        return Ok(report);
    }
    let buyers = ensure_buyers(core).await?;
    let (mut events, mut kinds, currencies) = load_sellable(core, now).await?;
    tracing::info!(
        events = events.len(),
        ticket_types = kinds.len(),
        "planning sales history"
    );
    let mut rng = StdRng::seed_from_u64(2017);
    // Popularity by rank, the ranks shuffled so popularity has nothing to do with ids.
    let mut by_rank: Vec<usize> = (0..events.len()).collect();
    by_rank.shuffle(&mut rng);

    let fail = SeedError::Db;
    let mut tx = db.begin().await.map_err(fail)?;
    store::seed_history::widen_work_mem(&mut tx)
        .await
        .map_err(fail)?;
    let mut attempts: usize = 0;
    let max_attempts = bookings.saturating_mul(20).saturating_add(100_000);
    let mut plan: Vec<Planned> = Vec::with_capacity(BATCH.min(bookings));
    let mut done = 0usize;
    while done < bookings && !events.is_empty() && attempts < max_attempts {
        plan.clear();
        let want = BATCH.min(bookings - done);
        while plan.len() < want && attempts < max_attempts {
            attempts += 1;
            if let Some(p) = plan_one(&mut rng, &mut events, &mut kinds, &by_rank, &buyers, now) {
                plan.push(p);
            }
        }
        if plan.is_empty() {
            break;
        }
        write_batch(
            &mut tx,
            &plan,
            &events,
            &kinds,
            &currencies,
            now,
            &mut rng,
            &mut report,
        )
        .await
        .map_err(fail)?;
        done += plan.len();
        progress(done, bookings);
    }
    tracing::info!(
        bookings = done,
        "sales history written; rebuilding level 1 of the rollups"
    );
    store::rollups::rebuild_level1_in(&mut tx)
        .await
        .map_err(fail)?;
    tx.commit().await.map_err(fail)?;
    store::seed_history::refresh_statistics(db)
        .await
        .map_err(fail)?;
    report.sold_out_types = kinds.iter().filter(|k| k.remaining == 0).count() as u64;
    report.sales_hourly_rows = store::seed_history::sales_hourly_rows(db)
        .await
        .map_err(fail)?;
    Ok(report)
}

/// Decides one booking, or nothing when the event drawn has sold out.
fn plan_one(
    rng: &mut StdRng,
    events: &mut [Ev],
    kinds: &mut [Kind],
    by_rank: &[usize],
    buyers: &[i64],
    now: i64,
) -> Option<Planned> {
    let n = events.len();
    let event = if rng.gen_bool(EVEN_SHARE) {
        rng.gen_range(0..n)
    } else {
        // Zipf with exponent 1: P(rank = r) is about 1 / (r ln(n + 1)).
        let r = ((n as f64 + 1.0).powf(rng.r#gen::<f64>())).floor() as usize;
        by_rank[r.clamp(1, n) - 1]
    };
    let e = &mut events[event];
    if e.sold_out {
        return None;
    }
    // The first ticket types (the cheaper ones) sell more.
    let roll: f64 = rng.r#gen();
    let wanted = if roll < 0.55 {
        0
    } else if roll < 0.85 {
        1
    } else {
        2
    };
    let kind = if wanted < e.n && kinds[e.first + wanted].remaining > 0 {
        e.first + wanted
    } else if let Some(k) = (e.first..e.first + e.n).find(|k| kinds[*k].remaining > 0) {
        k
    } else {
        e.sold_out = true;
        return None;
    };
    let k = &mut kinds[kind];
    let roll: f64 = rng.r#gen();
    let quantity = [0.42, 0.80, 0.88, 0.97, 0.99, 1.0]
        .iter()
        .position(|p| roll < *p)
        .unwrap_or(0) as i64
        + 1;
    let quantity = quantity.min(k.max_per_booking).min(k.remaining).max(1);
    // An on-sale rush, a steady middle and some last-minute buyers.
    let roll: f64 = rng.r#gen();
    let frac = if roll < 0.3 {
        rng.gen_range(0.0..0.08)
    } else if roll < 0.8 {
        rng.gen_range(0.0..1.0)
    } else {
        rng.gen_range(0.85..1.0)
    };
    let created_at = k.lo + ((k.hi - k.lo - 1) as f64 * frac) as i64;
    let cancelled_at = rng.gen_bool(CANCELLED_SHARE).then(|| {
        let until = e.starts_at.min(now);
        created_at + 1 + ((until - created_at - 1).max(0) as f64 * rng.r#gen::<f64>()) as i64
    });
    if cancelled_at.is_none() {
        k.remaining -= quantity;
    }
    Some(Planned {
        user_id: buyers[rng.gen_range(0..buyers.len())],
        event,
        kind,
        quantity,
        created_at,
        cancelled_at,
    })
}

/// Writes one batch: ids and codes, the bookings, their tickets (checked in where the event
/// has happened), and the seats they take.
#[allow(clippy::too_many_arguments)]
async fn write_batch(
    tx: &mut crate::db::Tx,
    plan: &[Planned],
    events: &[Ev],
    kinds: &[Kind],
    currencies: &[String],
    now: i64,
    rng: &mut StdRng,
    report: &mut HistoryReport,
) -> Result<(), sqlx::Error> {
    let ids = store::seed_history::reserve_booking_ids(tx, plan.len()).await?;
    let mut rows = Vec::with_capacity(plan.len());
    let mut tickets = Vec::with_capacity(plan.len() * 2);
    let mut taken: HashMap<i64, i64> = HashMap::new();
    for (p, id) in plan.iter().zip(ids) {
        let e = &events[p.event];
        let k = &kinds[p.kind];
        rows.push(SeedBooking {
            id,
            code: booking_code(id),
            user_id: p.user_id,
            event_id: e.id,
            ticket_type_id: k.id,
            quantity: p.quantity,
            unit_price_cents: k.price_cents,
            currency: currencies[k.currency as usize].clone(),
            created_at: p.created_at,
            cancelled_at: p.cancelled_at,
        });
        let attended = p.cancelled_at.is_none() && e.starts_at <= now;
        for seat in 0..p.quantity {
            let checked_in_at = (attended && rng.gen_bool(CHECKED_IN_SHARE)).then(|| {
                // Doors open 45 minutes before the start; some come late.
                let at = e.starts_at - 45 * 60_000 + rng.gen_range(0..75 * 60_000);
                at.clamp(p.created_at + 1, now)
            });
            report.checked_in += u64::from(checked_in_at.is_some());
            tickets.push(SeedTicket {
                booking_id: id,
                code: ticket_code(id, seat),
                checked_in_at,
                checked_in_by: checked_in_at.map(|_| e.organizer_id),
            });
        }
        if p.cancelled_at.is_none() {
            *taken.entry(k.id).or_default() += p.quantity;
        } else {
            report.cancelled += 1;
        }
    }
    report.bookings += rows.len() as u64;
    report.tickets += tickets.len() as u64;
    store::seed_history::insert_bookings(tx, &rows).await?;
    store::seed_history::insert_tickets(tx, &tickets).await?;
    let mut taken: Vec<(i64, i64)> = taken.into_iter().collect();
    // In id order, like every other writer of ticket types.
    taken.sort_unstable();
    store::seed_history::add_taken(tx, &taken).await
}

/// Loads the ticket types that can still sell, grouped by event; currencies are interned.
async fn load_sellable(
    core: &Core,
    now: i64,
) -> Result<(Vec<Ev>, Vec<Kind>, Vec<String>), SeedError> {
    let mut events: Vec<Ev> = Vec::new();
    let mut kinds: Vec<Kind> = Vec::new();
    let mut currencies: Vec<String> = Vec::new();
    let earliest = now - HISTORY_DAYS * DAY_MS;
    store::seed_history::sellable_types(core.db(), |t: SellableType| {
        let lo = t
            .on_sale_at
            .max(t.sale_starts_at.unwrap_or(i64::MIN))
            .max(earliest);
        let hi = t.starts_at.min(t.sale_ends_at.unwrap_or(i64::MAX)).min(now);
        // Upcoming events keep at least 30 % of each ticket type for people trying the demo
        // (past events may have sold out).
        let remaining = if t.starts_at > now {
            (t.capacity * 7 / 10 - t.taken).max(0)
        } else {
            t.capacity - t.taken
        };
        // At least an hour to sell in, and a seat left.
        if hi - lo < 3_600_000 || remaining <= 0 || t.max_per_booking < 1 {
            return;
        }
        let currency = match currencies.iter().position(|c| *c == t.currency) {
            Some(i) => i,
            None => {
                currencies.push(t.currency.clone());
                currencies.len() - 1
            }
        } as u16;
        if events.last().is_none_or(|e| e.id != t.event_id) {
            events.push(Ev {
                id: t.event_id,
                organizer_id: t.organizer_id,
                starts_at: t.starts_at,
                first: kinds.len(),
                n: 0,
                sold_out: false,
            });
        }
        if let Some(e) = events.last_mut() {
            e.n += 1;
        }
        kinds.push(Kind {
            id: t.id,
            remaining,
            price_cents: t.price_cents,
            currency,
            max_per_booking: t.max_per_booking,
            lo,
            hi,
        });
    })
    .await
    .map_err(SeedError::Db)?;
    Ok((events, kinds, currencies))
}

/// Creates the demo buyers that are missing (one password hash for all) and returns their ids.
async fn ensure_buyers(core: &Core) -> Result<Vec<i64>, SeedError> {
    let db = core.db();
    let ids = store::seed_history::user_ids_like(db, BUYER_PATTERN)
        .await
        .map_err(SeedError::Db)?;
    if ids.len() >= BUYERS {
        return Ok(ids);
    }
    const FIRST: &[&str] = &[
        "Ana", "Ben", "Chloé", "David", "Elif", "Felix", "Grace", "Hiro", "Ines", "Jonas", "Kemal",
        "Lena", "Mateo", "Nora", "Oskar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera",
        "Wen", "Yusuf", "Zoe",
    ];
    const LAST: &[&str] = &[
        "Novak", "Schmidt", "Dubois", "García", "Rossi", "Jansen", "Silva", "Kowalski", "Berg",
        "Murphy", "Tanaka", "Nguyen", "Okafor", "Larsen", "Horvat", "Costa", "Fischer", "Moreau",
        "Walsh", "Khan",
    ];
    let hash = crate::accounts::password::hash(DEMO_PASSWORD.to_string())
        .await
        .map_err(SeedError::Accounts)?;
    let now = core.clock().now_ms();
    let users: Vec<(String, String, String, String)> = (0..BUYERS)
        .map(|i| {
            (
                buyer_email(i),
                format!(
                    "{} {}",
                    FIRST[i % FIRST.len()],
                    LAST[(i / FIRST.len()) % LAST.len()]
                ),
                hash.clone(),
                crate::domain::Role::Attendee.as_str().to_string(),
            )
        })
        .collect();
    for chunk in users.chunks(1_000) {
        let mut tx = db.begin().await.map_err(SeedError::Db)?;
        store::users::insert_many(&mut tx, chunk, now)
            .await
            .map_err(SeedError::Db)?;
        tx.commit().await.map_err(SeedError::Db)?;
    }
    store::seed_history::user_ids_like(db, BUYER_PATTERN)
        .await
        .map_err(SeedError::Db)
}

const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// `x` scrambled into `len` characters of the booking-code alphabet: x -> (x * mult + add)
/// mod 31^len is one-to-one (`mult` is no multiple of 31), so distinct inputs below 31^len
/// give distinct codes; they look as random as [`random_code`](crate::store::random_code)'s.
fn scrambled(x: u64, len: u32, mult: u128, add: u128) -> String {
    let n = 31u128.pow(len);
    let mut v = (u128::from(x) * mult + add) % n;
    let mut out = vec![b'2'; len as usize];
    for c in out.iter_mut().rev() {
        *c = ALPHABET[(v % 31) as usize];
        v /= 31;
    }
    out.into_iter().map(char::from).collect()
}

/// The code of a history booking: unique by its id, in the shape of
/// [`NewBooking::new_code`](crate::store::bookings::NewBooking::new_code).
pub fn booking_code(id: i64) -> String {
    format!(
        "EV-{}",
        scrambled(id.unsigned_abs(), 8, 527_086_661_137, 31_337)
    )
}

/// The code of seat `seat` (below 64) of a history booking: unique by (booking, seat), ten
/// characters like a ticket's random code.
pub fn ticket_code(booking_id: i64, seat: i64) -> String {
    scrambled(
        booking_id.unsigned_abs() * 64 + seat.unsigned_abs() % 64,
        10,
        506_530_281_354_133,
        4_242_424_242,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_shaped_like_random_ones() {
        assert_ne!(527_086_661_137u128 % 31, 0);
        assert_ne!(506_530_281_354_133u128 % 31, 0);
        let mut seen = std::collections::HashSet::new();
        for id in 1..20_000 {
            let c = booking_code(id);
            assert_eq!(c.len(), 11);
            assert!(c[3..].bytes().all(|b| ALPHABET.contains(&b)));
            assert!(seen.insert(c));
            for seat in 0..3 {
                let t = ticket_code(id, seat);
                assert_eq!(t.len(), 10);
                assert!(seen.insert(t));
            }
        }
    }
}
