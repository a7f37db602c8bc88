//! Analytics pages: the admin's platform dashboard (`/admin/analytics`) and an event's
//! dashboard for its organizer (`/organizer/events/:id/analytics`), which updates in place
//! during an on-sale (`public/live-dashboard.js`: the live WebSocket says the seats moved,
//! the page's own server-rendered figures are fetched and swapped in). Charts are server
//! SVG (`components::chart`); no island, so the wasm bundle does not grow.

use crate::api::analytics::{load_event_analytics, load_platform_analytics};
use crate::components::chart::{BarChart, FunnelChart, LineChart};
use crate::components::head::PageTitle;
use crate::components::layout::RequireUser;
use evently::ErrorCode;
use evently::dto::analytics::{
    EventAnalytics, Granularity, PlatformAnalytics, RangePreset, Stat, TicketTypeFigures,
};
use leptos::prelude::*;
use leptos_meta::{Link, Meta};
use leptos_router::hooks::{use_params_map, use_query_map};

/// One headline figure, with its change in words and an arrow (not colour alone).
#[component]
fn StatCard(s: Stat, #[prop(optional)] against: Option<String>) -> impl IntoView {
    let change = s.change_pct.map(|c| {
        let (word, arrow) = if c > 0.05 {
            ("up", "▲")
        } else if c < -0.05 {
            ("down", "▼")
        } else {
            ("unchanged", "•")
        };
        let good = (c > 0.05 && s.up_is_good) || (c < -0.05 && !s.up_is_good);
        let bad = (c > 0.05 && !s.up_is_good) || (c < -0.05 && s.up_is_good);
        let class = if good {
            "change good"
        } else if bad {
            "change bad"
        } else {
            "change"
        };
        view! {
            <p class=class>
                <span aria-hidden="true">{arrow} " "</span>
                {format!("{word} {:.1} %", c.abs())}
                <span class="muted">{format!(" from {}", s.previous_display)}</span>
            </p>
        }
    });
    let no_change = (s.change_pct.is_none() && !s.previous_display.is_empty()).then(|| {
        view! { <p class="change muted">{format!("{} before", s.previous_display)}</p> }
    });
    view! {
        <div class="stat card" data-key=s.key.clone()>
            <p class="stat-label">{s.label.clone()}</p>
            <p class="stat-value">{s.display.clone()}</p>
            {change}
            {no_change}
            {against.map(|a| view! { <p class="visually-hidden">{format!("Compared with {a}")}</p> })}
        </div>
    }
}

fn forbidden() -> AnyView {
    view! { <section class="container narrow"><h1>"Admins only"</h1><p>"You need an administrator account to see this page."</p></section> }.into_any()
}

#[component]
pub fn AdminAnalyticsPage() -> impl IntoView {
    view! {
        <PageTitle text="Analytics · Admin · Evently"/>
        <Meta name="robots" content="noindex"/>
        <Link rel="stylesheet" href="/analytics.css"/>
        <RequireUser next="/admin/analytics" children=move |u| if u.role == "admin" { view! { <PlatformDashboard/> }.into_any() } else { forbidden() }/>
    }
}

/// The URL of the dashboard with one parameter changed.
fn with_param(q: &[(String, String)], key: &str, value: &str) -> String {
    let mut parts: Vec<String> = q
        .iter()
        .filter(|(k, _)| k != key && !(key == "range" && (k == "from" || k == "to" || k == "by")))
        .map(|(k, v)| format!("{k}={}", urlencoding(v)))
        .collect();
    parts.push(format!("{key}={}", urlencoding(value)));
    format!("/admin/analytics?{}", parts.join("&"))
}

fn urlencoding(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c.to_string()
            } else {
                format!("%{:02X}", c as u32 & 0xff)
            }
        })
        .collect()
}

#[component]
fn PlatformDashboard() -> impl IntoView {
    let query = use_query_map();
    let get = move |k: &str| query.read().get(k).filter(|s| !s.trim().is_empty());
    let data = Resource::new(
        move || (get("range"), get("from"), get("to"), get("by")),
        |(range, from, to, by)| load_platform_analytics(range, from, to, by),
    );
    view! {
        <section class="container stack analytics">
            <header class="page-header">
                <h1>"Analytics"</h1>
            </header>
            <nav class="tabs" aria-label="Admin sections">
                <a href="/admin">"Users"</a>
                <a href="/admin/analytics" aria-current="page">"Analytics"</a>
                <a href="/admin/audit">"Audit log"</a>
                <a href="/admin/outbox">"Deliveries"</a>
            </nav>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(p) => {
                            let q: Vec<(String, String)> = query
                                .read_untracked()
                                .clone()
                                .into_iter()
                                .map(|(k, v)| (k.to_string(), v.to_string()))
                                .collect();
                            view! { <PlatformView p q/> }.into_any()
                        }
                        Err(e) => view! { <p class="error" role="alert">{e.message().to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn PlatformView(p: PlatformAnalytics, q: Vec<(String, String)>) -> impl IntoView {
    let r = p.range.clone();
    let presets = RangePreset::ALL
        .into_iter()
        .filter(|x| *x != RangePreset::Custom)
        .map(|x| {
            let current = (x == r.preset).then_some("page");
            view! { <a class="chip" href=with_param(&q, "range", x.as_str()) aria-current=current>{x.label()}</a> }
        })
        .collect_view();
    let grains = r
        .granularities
        .iter()
        .map(|g| {
            let current = (*g == r.granularity).then_some("page");
            let mut qq = q.clone();
            if !qq.iter().any(|(k, _)| k == "range") {
                qq.push(("range".into(), r.preset.as_str().into()));
            }
            if r.preset == RangePreset::Custom {
                qq.retain(|(k, _)| k != "from" && k != "to");
                qq.push(("from".into(), r.from.clone()));
                qq.push(("to".into(), r.to.clone()));
            }
            view! { <a class="chip" href=with_param(&qq, "by", g.as_str()) aria-current=current>{by_label(*g)}</a> }
        })
        .collect_view();
    let against = r.previous_label.clone();
    let headline = p
        .headline
        .into_iter()
        .map(|s| view! { <StatCard s against=against.clone()/> })
        .collect_view();
    let value = if p.value.is_empty() {
        view! { <p class="muted">"No tickets booked in this period."</p> }.into_any()
    } else {
        p.value
            .into_iter()
            .map(|s| view! { <StatCard s/> })
            .collect_view()
            .into_any()
    };
    let waitlist = p
        .waitlist
        .into_iter()
        .map(|s| view! { <StatCard s/> })
        .collect_view();
    let value_charts = p
        .value_over_time
        .into_iter()
        .map(|t| view! { <LineChart data=t/> })
        .collect_view();
    let top_value = p
        .top_by_value
        .into_iter()
        .map(|b| view! { <BarChart data=b/> })
        .collect_view();
    let export = format!(
        "/api/v1/admin/bookings/export.csv?from={}&to={}",
        r.from, r.to
    );
    view! {
        <div class="range-bar card">
            <nav aria-label="Date range" class="chips">{presets}</nav>
            <form method="GET" action="/admin/analytics" class="custom-range">
                <input type="hidden" name="range" value="custom"/>
                <label>"From" <input type="date" name="from" value=r.from.clone() required/></label>
                <label>"To" <input type="date" name="to" value=r.to.clone() required/></label>
                <button type="submit" class="button secondary">"Show"</button>
            </form>
            <nav aria-label="Granularity" class="chips">{grains}</nav>
        </div>
        <p class="muted small" role="status">
            {format!("{} (UTC days), compared with {}. Figures as of {}; brought up to date every {} seconds.", r.label, r.previous_label, p.as_of_label, p.refresh_seconds)}
        </p>
        <h2 class="visually-hidden">"Headline figures"</h2>
        <div class="stat-grid">{headline}</div>
        <h2>"Ticket value"</h2>
        <p class="muted small">"The sum of ticket prices booked, per currency. Evently takes no payments: this is not money received."</p>
        <div class="stat-grid">{value}</div>
        <div class="chart-grid">
            <LineChart data=p.tickets_over_time/>
            {value_charts}
            <BarChart data=p.by_category/>
            <BarChart data=p.by_city/>
            <BarChart data=p.top_by_tickets/>
            {top_value}
            <FunnelChart data=p.funnel/>
        </div>
        <h2>"Waitlists"</h2>
        <div class="stat-grid">{waitlist}</div>
        <h2>"Exports"</h2>
        <p class="button-row">
            <a class="button secondary" href=export download>"Bookings in this period (CSV)"</a>
            <a class="button secondary" href="/api/v1/admin/users/export.csv" download>"All users (CSV)"</a>
        </p>
    }
}

fn by_label(g: Granularity) -> &'static str {
    match g {
        Granularity::Hour => "Hourly",
        Granularity::Day => "Daily",
        Granularity::Week => "Weekly",
        Granularity::Month => "Monthly",
    }
}

#[component]
pub fn EventAnalyticsPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let data = Resource::new(id, load_event_analytics);
    view! {
        <PageTitle text="Sales dashboard · Organizer · Evently"/>
        <Meta name="robots" content="noindex"/>
        <Link rel="stylesheet" href="/analytics.css"/>
        <RequireUser next="/organizer" children=move |_| view! {
            <section class="container stack analytics">
                <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match data.await {
                            Ok(e) => view! { <EventView e/> }.into_any(),
                            Err(e) if e.code() == ErrorCode::NotFound => view! { <crate::pages::not_found::NotFound/> }.into_any(),
                            Err(e) => view! { <p class="error" role="alert">{e.message().to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        }.into_any()/>
    }
}

#[component]
fn EventView(e: EventAnalytics) -> impl IntoView {
    let id = e.event_id;
    view! {
        <header class="page-header">
            <p class="muted"><a href=format!("/organizer/events/{id}")>"← Back to the event"</a></p>
            <h1>{format!("Sales: {}", e.title)}</h1>
            <p class="muted">{e.starts_label.clone()}</p>
        </header>
        <div id="live-sales" data-event-id=id.to_string()>
            <LiveFigures e/>
        </div>
        <h2>"Exports"</h2>
        <p class="button-row">
            <a class="button secondary" href=format!("/api/v1/events/{id}/bookings/export.csv") download>"Bookings (CSV)"</a>
            <a class="button secondary" href=format!("/api/v1/events/{id}/attendees/export.csv") download>"Attendees with check-in (CSV)"</a>
            <a class="button secondary" href=format!("/api/v1/events/{id}/waitlist/export.csv") download>"Waitlist (CSV)"</a>
        </p>
        <script type="module" src="/live-dashboard.js"></script>
    }
}

/// The part of the event dashboard that the live view swaps in place.
#[component]
fn LiveFigures(e: EventAnalytics) -> impl IntoView {
    let headline = e
        .headline
        .into_iter()
        .map(|s| view! { <StatCard s/> })
        .collect_view();
    let value = e
        .value
        .into_iter()
        .map(|s| view! { <StatCard s/> })
        .collect_view();
    let waitlist = e
        .waitlist
        .into_iter()
        .map(|s| view! { <StatCard s/> })
        .collect_view();
    let rows = e
        .ticket_types
        .into_iter()
        .map(|t: TicketTypeFigures| {
            view! {
                <tr data-ticket-type=t.id.to_string()>
                    <th scope="row">{t.name}</th>
                    <td class="num">{t.capacity}</td>
                    <td class="num" data-field="sold">{t.sold}</td>
                    <td class="num" data-field="held">{t.held}</td>
                    <td class="num" data-field="left">{t.left}</td>
                    <td class="num">{t.value_display}</td>
                    <td class="num">{t.cancellations}</td>
                    <td class="num">{t.checked_in}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="live-status muted small" aria-live="polite">
            <span class="live-dot" aria-hidden="true"></span>
            <span data-live-label>{format!("Figures as of {}.", e.at.get(11..19).unwrap_or(""))}</span>
            " "<span class="visually-hidden">"(times in UTC)"</span>
        </p>
        <div class="stat-grid">{headline}</div>
        <div class="table-scroll card">
            <table>
                <caption>"Per ticket type"</caption>
                <thead><tr>
                    <th scope="col">"Ticket type"</th><th scope="col">"Capacity"</th><th scope="col">"Sold"</th>
                    <th scope="col">"In checkout"</th><th scope="col">"Left"</th><th scope="col">"Ticket value"</th>
                    <th scope="col">"Cancellations"</th><th scope="col">"Checked in"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <h2>"Ticket value"</h2>
        <p class="muted small">"Seats of confirmed bookings at their prices, per currency. Evently takes no payments: this is not money received."</p>
        <div class="stat-grid">{value}</div>
        <div class="chart-grid">
            <LineChart data=e.sales_curve id="chart-sales-curve".to_string()/>
            <LineChart data=e.checkins id="chart-checkins".to_string()/>
            <FunnelChart data=e.funnel/>
        </div>
        <h2>"Waitlist"</h2>
        <div class="stat-grid">{waitlist}</div>
    }
}
