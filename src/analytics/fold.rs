//! The analytics worker's step: folds level 1 into level 2 (see
//! [`store::rollup_fold`](crate::store::rollup_fold)) for the hours since the last fold and the
//! hours marked dirty, in one transaction that holds the fold state's row, so instances take
//! turns.

use crate::context::Ctx;
use crate::store::rollup_fold as fold;
use crate::store::rollups::hour_of;
use std::collections::{BTreeSet, HashMap};

/// How often the worker folds; the dashboard shows the figures' age.
pub const FOLD_EVERY_SECONDS: i64 = 20;

/// Days of one month a fold carries into the month one by one; more, and the month is
/// recounted.
const DAYS_CARRIED: usize = 2;

/// What a fold did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Folded {
    pub hours: usize,
    pub days: usize,
}

/// Folds now; `seen` is what this instance's last fold saw of recent seats (empty on the
/// first). Answers what it did and what it saw, to keep once it has committed.
pub async fn run(ctx: &Ctx, seen: &SeatSums) -> Result<(Folded, SeatSums), sqlx::Error> {
    let now = ctx.clock().now_ms();
    let now_hour = hour_of(now);
    let mut tx = ctx.db().begin().await?;
    fold::tune(&mut tx).await?;
    let state = fold::lock_state(&mut tx).await?;
    let mut hours: BTreeSet<i64> = fold::take_dirty(&mut tx).await?.into_iter().collect();
    // Hours since the last fold (and the one before it, for transactions that straddled
    // it); on the first fold, every hour with figures.
    let from = if state.folded_through < 0 {
        fold::first_hour_from(&mut tx, i64::MIN / 4)
            .await?
            .unwrap_or(now_hour)
    } else {
        state.folded_through - 1
    };
    hours.extend(fold::hours_with_figures(&mut tx, from, now_hour + 1).await?);
    hours.insert(now_hour);
    if from >= now_hour - 1 {
        hours.insert(now_hour - 1);
    }
    let days: BTreeSet<i64> = hours.iter().map(|h| h.div_euclid(24)).collect();
    // A month with a few days to fold carries their changes; one with many (a first fold,
    // seeded history) is recounted once from its days afterwards.
    let mut per_month: std::collections::BTreeMap<i64, usize> = Default::default();
    for d in &days {
        *per_month.entry(fold::month_of_day(*d)).or_default() += 1;
    }
    let recount = |m: &i64| per_month.get(m).is_some_and(|n| *n > DAYS_CARRIED);
    for d in &days {
        let carry = !recount(&fold::month_of_day(*d));
        fold::fold_day(&mut tx, *d, carry).await?;
    }
    for m in per_month.keys().filter(|m| recount(m)) {
        fold::recount_month(&mut tx, *m).await?;
    }
    for h in &hours {
        fold::fold_hour(&mut tx, *h).await?;
    }
    // Capacity: the days marked, and the days of the events whose seats booked or cancelled
    // in the recent hours differ from what this instance saw at its last fold (all of them
    // on its first), so a busy platform refolds the few days whose figures moved.
    let sums = fold::seat_sums(&mut tx, from.min(now_hour - 1), now_hour + 1).await?;
    let mut changed: Vec<i64> = sums
        .iter()
        .filter(|(e, h, t, c)| seen.get(&(*e, *h)) != Some(&(*t, *c)))
        .map(|(e, ..)| *e)
        .collect();
    changed.sort_unstable();
    changed.dedup();
    let mut capacity_days: BTreeSet<i64> = fold::take_capacity_days(&mut tx)
        .await?
        .into_iter()
        .collect();
    capacity_days.extend(fold::event_days(&mut tx, &changed).await?);
    for d in &capacity_days {
        fold::fold_capacity_day(&mut tx, *d).await?;
    }
    fold::set_state(&mut tx, now_hour, now).await?;
    tx.commit().await?;
    Ok((
        Folded {
            hours: hours.len(),
            days: days.len(),
        },
        sums.into_iter()
            .map(|(e, h, t, c)| ((e, h), (t, c)))
            .collect(),
    ))
}

/// Seats booked and cancelled per (event, hour) in the hours a fold looked at: what the next
/// fold compares with.
pub type SeatSums = HashMap<(i64, i64), (i64, i64)>;
