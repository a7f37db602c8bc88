//! The analytics worker's step: folds level 1 into level 2 (see
//! [`store::rollup_fold`](crate::store::rollup_fold)) for the hours since the last fold and the
//! hours marked dirty, in one transaction that holds the fold state's row, so instances take
//! turns.

use crate::context::Ctx;
use crate::store::rollup_fold as fold;
use crate::store::rollups::hour_of;
use std::collections::BTreeSet;

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

/// Folds now.
pub async fn run(ctx: &Ctx) -> Result<Folded, sqlx::Error> {
    let now = ctx.clock().now_ms();
    let now_hour = hour_of(now);
    let mut tx = ctx.db().begin().await?;
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
    let capacity_days =
        fold::take_capacity_days(&mut tx, from.min(now_hour - 1), now_hour + 1).await?;
    for d in &capacity_days {
        fold::fold_capacity_day(&mut tx, *d).await?;
    }
    fold::set_state(&mut tx, now_hour, now).await?;
    tx.commit().await?;
    Ok(Folded {
        hours: hours.len(),
        days: days.len(),
    })
}
