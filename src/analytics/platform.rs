//! The admin's platform dashboard: headline figures against the previous period, tickets and
//! ticket value over time, sales by category and city, the top events and the funnel, all
//! read from level 2 of the rollups.

use super::figures::{Shown, count, money, percent, stat};
use super::range::{Range, bucket_of};
use crate::dto::analytics::{
    Bar, Bars, Funnel, FunnelStep, Granularity, PlatformAnalytics, Series, Stat, TimeSeries,
};
use crate::store::analytics::{self as q, Dimension, Rank, Sums};
use std::collections::BTreeMap;

/// Sums over all currencies of the counters that have none.
fn total(rows: &[Sums]) -> Sums {
    let mut t = Sums::default();
    for r in rows {
        t.bookings += r.bookings;
        t.tickets += r.tickets;
        t.cancellations += r.cancellations;
        t.tickets_cancelled += r.tickets_cancelled;
        t.checkins += r.checkins;
        t.holds += r.holds;
        t.waitlist_joins += r.waitlist_joins;
        t.offers_accepted += r.offers_accepted;
        t.page_views += r.page_views;
    }
    t
}

fn ratio(a: i64, b: i64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

fn headline(now: &Sums, prev: &Sums) -> Vec<Stat> {
    vec![
        stat(
            "tickets",
            "Tickets sold",
            now.tickets as f64,
            prev.tickets as f64,
            Shown::Count,
            true,
        ),
        stat(
            "bookings",
            "Bookings",
            now.bookings as f64,
            prev.bookings as f64,
            Shown::Count,
            true,
        ),
        stat(
            "average_order",
            "Average tickets per booking",
            ratio(now.tickets, now.bookings),
            ratio(prev.tickets, prev.bookings),
            Shown::Decimal,
            true,
        ),
        stat(
            "cancellations",
            "Cancellations",
            now.cancellations as f64,
            prev.cancellations as f64,
            Shown::Count,
            false,
        ),
        stat(
            "cancellation_rate",
            "Cancellation rate",
            ratio(now.cancellations, now.bookings) * 100.0,
            ratio(prev.cancellations, prev.bookings) * 100.0,
            Shown::Percent,
            false,
        ),
        stat(
            "checkins",
            "Check-ins",
            now.checkins as f64,
            prev.checkins as f64,
            Shown::Count,
            true,
        ),
        stat(
            "page_views",
            "Event page views",
            now.page_views as f64,
            prev.page_views as f64,
            Shown::Count,
            true,
        ),
    ]
}

/// Currencies by value in the period, most first.
fn currencies(rows: &[Sums]) -> Vec<(String, i64)> {
    let mut c: Vec<(String, i64)> = rows
        .iter()
        .filter(|r| !r.currency.is_empty() && (r.value_cents != 0 || r.tickets != 0))
        .map(|r| (r.currency.clone(), r.value_cents))
        .collect();
    c.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    c
}

fn bars(title: &str, description: &str, unit: &str, rows: Vec<Bar>) -> Bars {
    Bars {
        title: title.to_string(),
        description: description.to_string(),
        unit: unit.to_string(),
        rows,
    }
}

/// Tickets per category or city, the top `keep` and the rest as "Other".
fn breakdown(rows: Vec<(String, String, i64, i64)>, keep: usize) -> Vec<Bar> {
    let mut by: BTreeMap<String, i64> = BTreeMap::new();
    for (label, _, tickets, _) in rows {
        *by.entry(label).or_default() += tickets;
    }
    let mut v: Vec<(String, i64)> = by.into_iter().filter(|(_, t)| *t != 0).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let other: i64 = v.iter().skip(keep).map(|(_, t)| t).sum();
    v.truncate(keep);
    if other > 0 {
        v.push(("Other".to_string(), other));
    }
    v.into_iter()
        .map(|(label, t)| Bar {
            display: format!("{} tickets", count(t)),
            label,
            value: t as f64,
            href: None,
        })
        .collect()
}

/// The dashboard for a resolved range; `as_of` is when level 2 was last folded.
pub async fn build(
    db: &crate::db::Db,
    r: Range,
    as_of: (String, String),
) -> Result<PlatformAnalytics, sqlx::Error> {
    let prev = r.previous();
    // The reads are independent: on a pool they run side by side.
    let (now_rows, prev_rows, cap_now, cap_prev, points, by_cat, by_city, top_tickets) = futures::try_join!(
        q::platform_totals(db, r.first, r.last),
        q::platform_totals(db, prev.first, prev.last),
        crate::store::rollup_fold::capacity_between(db, r.first, r.last),
        crate::store::rollup_fold::capacity_between(db, prev.first, prev.last),
        async {
            if r.by == Granularity::Hour {
                q::platform_by_hour(db, r.first * 24, (r.last + 1) * 24).await
            } else {
                q::platform_by_day(db, r.first, r.last).await
            }
        },
        q::platform_by(db, Dimension::Category, r.first, r.last),
        q::platform_by(db, Dimension::City, r.first, r.last),
        q::top_events(db, Rank::Tickets, "", r.first, r.last, 10),
    )?;
    let (now_t, prev_t) = (total(&now_rows), total(&prev_rows));
    let curs = currencies(&now_rows);
    let top_value = futures::future::try_join_all(
        curs.iter()
            .take(3)
            .map(|(cur, _)| q::top_events(db, Rank::Value, cur, r.first, r.last, 10)),
    )
    .await?;
    let value: Vec<Stat> = curs
        .iter()
        .map(|(cur, cents)| {
            let before = prev_rows
                .iter()
                .find(|p| &p.currency == cur)
                .map_or(0, |p| p.value_cents);
            stat(
                &format!("value_{cur}"),
                &format!("Ticket value ({cur})"),
                *cents as f64,
                before as f64,
                Shown::Money(cur),
                true,
            )
        })
        .collect();
    let waitlist = vec![
        stat(
            "waitlist_joins",
            "Waitlist joins",
            now_t.waitlist_joins as f64,
            prev_t.waitlist_joins as f64,
            Shown::Count,
            true,
        ),
        stat(
            "offers_accepted",
            "Waitlist offers booked",
            now_t.offers_accepted as f64,
            prev_t.offers_accepted as f64,
            Shown::Count,
            true,
        ),
    ];

    // Over time.
    let buckets = r.buckets();
    let n = buckets.len();
    let (mut sold, mut cancelled) = (vec![0i64; n], vec![0i64; n]);
    let mut value_by: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (hour, cur, tickets, cents, tc) in points {
        let Some(i) = bucket_of(&buckets, hour) else {
            continue;
        };
        sold[i] += tickets;
        cancelled[i] += tc;
        if !cur.is_empty() {
            value_by.entry(cur).or_insert_with(|| vec![0; n])[i] += cents;
        }
    }
    let labels: Vec<String> = buckets.iter().map(|(_, l)| l.clone()).collect();
    let per = r.by.as_str();
    let series = |name: &str, v: &[i64]| Series {
        name: name.to_string(),
        values: v.iter().map(|x| *x as f64).collect(),
        display: v.iter().map(|x| count(*x)).collect(),
    };
    let tickets_over_time = TimeSeries {
        title: "Tickets over time".to_string(),
        description: format!(
            "Tickets sold and tickets cancelled per {per}, {}: {} sold, {} cancelled.",
            r.label(),
            count(now_t.tickets),
            count(now_t.tickets_cancelled)
        ),
        unit: "tickets".to_string(),
        labels: labels.clone(),
        series: vec![series("Sold", &sold), series("Cancelled", &cancelled)],
        reference: None,
    };
    let value_over_time = curs
        .iter()
        .take(3)
        .filter_map(|(cur, total)| {
            let v = value_by.get(cur)?;
            Some(TimeSeries {
                title: format!("Ticket value over time ({cur})"),
                description: format!(
                    "The sum of ticket prices booked per {per} in {cur}, {}: {} in all.",
                    r.label(),
                    money(*total, cur)
                ),
                unit: cur.clone(),
                labels: labels.clone(),
                series: vec![Series {
                    name: format!("Ticket value ({cur})"),
                    values: v.iter().map(|c| *c as f64 / 100.0).collect(),
                    display: v.iter().map(|c| money(*c, cur)).collect(),
                }],
                reference: None,
            })
        })
        .collect();

    let by_category = bars(
        "Tickets by category",
        &format!("Tickets sold per event category, {}.", r.label()),
        "tickets",
        breakdown(by_cat, 12),
    );
    let by_city = bars(
        "Tickets by city",
        &format!(
            "Tickets sold per city, the ten busiest and the rest, {}.",
            r.label()
        ),
        "tickets",
        breakdown(by_city, 10),
    );
    let link = |id: i64| Some(format!("/organizer/events/{id}/analytics"));
    let top_by_tickets = bars(
        "Top 10 events by tickets",
        &format!("The ten events that sold the most tickets, {}.", r.label()),
        "tickets",
        top_tickets
            .into_iter()
            .map(|(id, title, t)| Bar {
                label: title,
                value: t as f64,
                display: format!("{} tickets", count(t)),
                href: link(id),
            })
            .collect(),
    );
    let mut top_by_value = Vec::new();
    for ((cur, _), rows) in curs.iter().take(3).zip(top_value) {
        top_by_value.push(bars(
            &format!("Top 10 events by ticket value ({cur})"),
            &format!(
                "The ten events with the highest ticket value in {cur}, {}.",
                r.label()
            ),
            cur,
            rows.into_iter()
                .map(|(id, title, c)| Bar {
                    label: title,
                    value: c as f64 / 100.0,
                    display: money(c, cur),
                    href: link(id),
                })
                .collect(),
        ));
    }
    let funnel = funnel(now_t.page_views, now_t.holds, now_t.bookings, &r.label());
    Ok(PlatformAnalytics {
        range: r.view(),
        as_of: as_of.0,
        as_of_label: as_of.1,
        refresh_seconds: super::fold::FOLD_EVERY_SECONDS,
        headline: {
            let mut h = headline(&now_t, &prev_t);
            let mut cap = stat(
                "capacity_sold",
                "Capacity sold (events in the period)",
                ratio(cap_now.2, cap_now.1) * 100.0,
                ratio(cap_prev.2, cap_prev.1) * 100.0,
                Shown::Percent,
                true,
            );
            cap.label = format!("Capacity sold, events in the period ({})", count(cap_now.0));
            h.insert(3, cap);
            h
        },
        value,
        waitlist,
        tickets_over_time,
        value_over_time,
        by_category,
        by_city,
        top_by_tickets,
        top_by_value,
        funnel,
    })
}

/// Page views -> holds -> bookings.
pub fn funnel(views: i64, holds: i64, bookings: i64, period: &str) -> Funnel {
    let step = |label: &str, v: i64, prev: Option<i64>| FunnelStep {
        label: label.to_string(),
        value: v,
        display: count(v),
        // Bookings made straight through the API skip the hold step, so a step can outgrow
        // the one before; a share above 100 % would mislead.
        rate: prev
            .filter(|p| v <= *p)
            .map(|p| percent(v as f64, p as f64)),
    };
    Funnel {
        title: "From page view to booking".to_string(),
        description: format!(
            "{period}: {} event page views, {} holds (checkouts started and waitlist offers), {} bookings (bookings made straight through the API have no hold).",
            count(views),
            count(holds),
            count(bookings)
        ),
        steps: vec![
            step("Event page views", views, None),
            step(
                "Seats held (checkouts and waitlist offers)",
                holds,
                Some(views),
            ),
            step("Bookings", bookings, Some(holds)),
        ],
    }
}
