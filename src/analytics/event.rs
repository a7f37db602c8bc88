//! An organizer's dashboard of one event: the sales curve since sales opened (cumulative
//! tickets per ticket type against capacity), sold / held / left per ticket type, ticket
//! value per currency, cancellations, check-ins over the event's day, the waitlist and the
//! funnel. Read from the event's level-1 rows (its own index) and the live seat counters, so
//! it is exact at every moment of an on-sale.

use super::figures::{Shown, count, money, percent, plain};
use super::platform::funnel;
use crate::dto::EventSales;
use crate::dto::analytics::{
    EventAnalytics, Reference, Series, Stat, TicketTypeFigures, TimeSeries,
};
use crate::store::analytics::EventHour;
use crate::store::rollups::HOUR_MS;
use std::collections::BTreeMap;

/// The curve's buckets for hours `[first, last]`: hours up to three days, then days, then
/// weeks. Answers (bucket size in hours, first hour of each bucket).
fn curve_buckets(first: i64, last: i64) -> (i64, Vec<i64>) {
    let span = (last - first + 1).max(1);
    let size = if span <= 72 {
        1
    } else if span <= 24 * 120 {
        24
    } else {
        24 * 7
    };
    let start = first - first.rem_euclid(size);
    let mut v = Vec::new();
    let mut h = start;
    while h <= last {
        v.push(h);
        h += size;
    }
    (size, v)
}

fn label(hour: i64, size: i64, tz: &str) -> String {
    let ms = hour * HOUR_MS;
    if size == 1 {
        format!(
            "{} {}",
            crate::local_time::date_label(ms, tz),
            crate::local_time::clock_label(ms, tz)
        )
    } else {
        crate::local_time::date_label(ms, tz)
    }
}

/// Builds the dashboard from the event's live sales, its rollup rows and counts.
pub fn build(
    sales: EventSales,
    hours: Vec<EventHour>,
    page_views: i64,
    waiting: i64,
    now: i64,
) -> EventAnalytics {
    let e = &sales.event;
    let tz = e.timezone.as_str();
    let now_hour = now.div_euclid(HOUR_MS);
    let mut per_tt: BTreeMap<i64, (i64, i64)> = BTreeMap::new(); // cancellations, checkins
    let mut t = crate::store::rollups::Tally::default();
    for h in &hours {
        let e = per_tt.entry(h.ticket_type_id).or_default();
        e.0 += h.cancellations;
        e.1 += h.checkins;
        t.bookings += h.bookings;
        t.tickets += h.tickets;
        t.cancellations += h.cancellations;
        t.tickets_cancelled += h.tickets_cancelled;
        t.checkins += h.checkins;
        t.holds += h.holds;
        t.waitlist_joins += h.waitlist_joins;
        t.offers_accepted += h.offers_accepted;
    }

    // Value per currency of the seats booked and not cancelled.
    let mut value: BTreeMap<String, i64> = BTreeMap::new();
    for tt in &sales.ticket_types {
        *value.entry(tt.currency.clone()).or_default() += tt.revenue_cents;
    }
    let ticket_types: Vec<TicketTypeFigures> = sales
        .ticket_types
        .iter()
        .map(|tt| {
            let (cancellations, _) = per_tt.get(&tt.id).copied().unwrap_or_default();
            TicketTypeFigures {
                id: tt.id,
                name: tt.name.clone(),
                currency: tt.currency.clone(),
                capacity: tt.capacity,
                sold: tt.sold,
                held: tt.held,
                left: tt.available,
                value_display: money(tt.revenue_cents, &tt.currency),
                cancellations,
                checked_in: tt.checked_in,
            }
        })
        .collect();

    // The sales curve: seats sold less cancelled, cumulative, per ticket type.
    let sold_hours: Vec<i64> = hours
        .iter()
        .filter(|h| h.tickets != 0 || h.tickets_cancelled != 0)
        .map(|h| h.hour)
        .collect();
    let opened = e
        .published_at
        .map(|p| p.timestamp_millis().div_euclid(HOUR_MS))
        .into_iter()
        .chain(sold_hours.first().copied())
        .min()
        .unwrap_or(now_hour);
    let end = e.ends_at.timestamp_millis().div_euclid(HOUR_MS);
    let last = now_hour.min(end).max(opened);
    let (size, buckets) = curve_buckets(opened, last);
    let idx = |hour: i64| -> usize {
        (((hour - buckets[0]).max(0)) / size).min(buckets.len() as i64 - 1) as usize
    };
    let n = buckets.len();
    let mut series: Vec<Series> = Vec::new();
    for tt in &sales.ticket_types {
        let mut v = vec![0i64; n];
        for h in hours.iter().filter(|h| h.ticket_type_id == tt.id) {
            v[idx(h.hour)] += h.tickets - h.tickets_cancelled;
        }
        let mut acc = 0;
        for x in v.iter_mut() {
            acc += *x;
            *x = acc;
        }
        series.push(Series {
            name: tt.name.clone(),
            values: v.iter().map(|x| *x as f64).collect(),
            display: v
                .iter()
                .map(|x| format!("{} of {}", count(*x), count(tt.capacity)))
                .collect(),
        });
    }
    let capacity: i64 = sales.ticket_types.iter().map(|t| t.capacity).sum();
    let sold: i64 = sales.ticket_types.iter().map(|t| t.sold).sum();
    let held: i64 = sales.ticket_types.iter().map(|t| t.held).sum();
    let left: i64 = sales.ticket_types.iter().map(|t| t.available).sum();
    let sales_curve = TimeSeries {
        title: "Sales since sales opened".to_string(),
        description: format!(
            "Tickets sold (less cancellations) over time, per ticket type, against a capacity of {}: {} sold so far.",
            count(capacity),
            count(sold)
        ),
        unit: "tickets".to_string(),
        labels: buckets.iter().map(|h| label(*h, size, tz)).collect(),
        series,
        reference: (sales.ticket_types.len() == 1).then(|| Reference {
            label: format!("Capacity {}", count(capacity)),
            value: capacity as f64,
        }),
    };

    // Check-ins over the event's day: from three hours before the doors to the end.
    let start = e.starts_at.timestamp_millis().div_euclid(HOUR_MS);
    let (from, to) = (start - 3, end.max(start).min(start + 45));
    let mut per_hour = vec![0i64; (to - from + 1) as usize];
    for h in hours.iter().filter(|h| h.hour >= from && h.hour <= to) {
        per_hour[(h.hour - from) as usize] += h.checkins;
    }
    let outside: i64 = hours
        .iter()
        .filter(|h| h.hour < from || h.hour > to)
        .map(|h| h.checkins)
        .sum();
    let checkins = TimeSeries {
        title: "Check-ins over the event's day".to_string(),
        description: format!(
            "Tickets checked in per hour around the event ({} in all{}).",
            count(t.checkins),
            if outside > 0 {
                format!(", {} of them outside these hours", count(outside))
            } else {
                String::new()
            }
        ),
        unit: "check-ins".to_string(),
        labels: (from..=to)
            .map(|h| crate::local_time::clock_label(h * HOUR_MS, tz))
            .collect(),
        series: vec![Series {
            name: "Check-ins".to_string(),
            values: per_hour.iter().map(|x| *x as f64).collect(),
            display: per_hour.iter().map(|x| count(*x)).collect(),
        }],
        reference: None,
    };

    let headline: Vec<Stat> = vec![
        plain("sold", "Tickets sold", sold as f64, Shown::Count),
        plain("held", "In checkout now", held as f64, Shown::Count),
        plain("left", "Left", left as f64, Shown::Count),
        plain(
            "capacity_sold",
            "Capacity sold",
            ratio_pct(sold, capacity),
            Shown::Percent,
        ),
        plain("bookings", "Bookings", sales.bookings as f64, Shown::Count),
        plain(
            "cancellations",
            "Cancellations",
            t.cancellations as f64,
            Shown::Count,
        ),
        plain("checkins", "Checked in", t.checkins as f64, Shown::Count),
        plain("page_views", "Page views", page_views as f64, Shown::Count),
    ];
    let value = value
        .iter()
        .map(|(cur, c)| {
            plain(
                &format!("value_{cur}"),
                &format!("Ticket value ({cur})"),
                *c as f64,
                Shown::Money(cur),
            )
        })
        .collect();
    let mut waitlist = vec![
        plain("waiting", "Waiting now", waiting as f64, Shown::Count),
        plain(
            "waitlist_joins",
            "Joined the waitlist",
            t.waitlist_joins as f64,
            Shown::Count,
        ),
        plain(
            "offers_accepted",
            "Offers booked",
            t.offers_accepted as f64,
            Shown::Count,
        ),
    ];
    let mut conv = plain(
        "waitlist_conversion",
        "Waitlist conversion",
        ratio_pct(t.offers_accepted, t.waitlist_joins),
        Shown::Percent,
    );
    conv.display = percent(t.offers_accepted as f64, t.waitlist_joins as f64);
    waitlist.push(conv);
    EventAnalytics {
        event_id: e.id,
        title: e.title.clone(),
        slug: e.slug.clone(),
        status: e.status,
        starts_label: format!("{} · {}", e.date_label, e.time_label),
        at: crate::clock::to_datetime(now).to_rfc3339(),
        headline,
        value,
        ticket_types,
        sales_curve,
        checkins,
        waitlist,
        funnel: funnel(page_views, t.holds, t.bookings, "Since sales opened"),
    }
}

fn ratio_pct(a: i64, b: i64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 * 100.0 / b as f64
    }
}
