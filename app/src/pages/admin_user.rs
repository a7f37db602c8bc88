//! `/admin/users/{id}`: one user for admins: the account (role and status, which can be
//! changed here as on the list), their latest bookings and waitlist entries, and the audit
//! entries by or about them. Server-rendered; the forms work without script.

use crate::api::accounts::{AdminSetDisabled, AdminSetRole, admin_user};
use crate::components::forms::{ErrorNotice, FormError};
use crate::components::head::PageTitle;
use crate::components::layout::RequireUser;
use crate::pages::admin::{AdminDone, RoleForm, StatusForm, forbidden};
use crate::pages::not_found::NotFound;
use chrono::{DateTime, Utc};
use evently::domain::{BookingStatus, format_amount};
use evently::dto::{AdminUserBooking, AdminUserDetail, AdminUserWaitlistEntry, AuditEntryView};
use evently::error::ErrorCode;
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::hooks::use_params_map;

#[component]
pub fn AdminUserPage() -> impl IntoView {
    let params = use_params_map();
    // Anything but a positive number is a user that does not exist (the core says 404).
    let id = params
        .read_untracked()
        .get("id")
        .and_then(|h| h.parse::<i64>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(0);
    view! {
        <PageTitle text="User · Admin · Evently"/>
        <Meta name="robots" content="noindex"/>
        <RequireUser next=format!("/admin/users/{id}") children=move |u| if u.role == "admin" { view! { <UserAdmin id/> }.into_any() } else { forbidden() }/>
    }
}

/// A time as the admin pages show it (UTC), in a `<time>`.
fn when(t: DateTime<Utc>) -> impl IntoView {
    view! { <time datetime=t.to_rfc3339()>{t.format("%Y-%m-%d %H:%M").to_string()}</time> }
}

/// "Showing the latest N …" under a list that was capped.
fn capped(more: bool, shown: i64, what: &'static str) -> impl IntoView {
    more.then(|| view! { <p class="muted">{format!("Showing the latest {shown} {what}; older ones are not listed.")}</p> })
}

#[component]
fn UserAdmin(id: i64) -> impl IntoView {
    let set_role = ServerAction::<AdminSetRole>::new();
    let disable = ServerAction::<AdminSetDisabled>::new();
    let data = Resource::new(
        move || (set_role.version().get(), disable.version().get()),
        move |_| admin_user(id),
    );
    let error: FormError = Signal::derive(move || {
        set_role
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| disable.value().get().and_then(Result::err))
    });
    view! {
        <Suspense fallback=|| view! { <p class="container muted">"Loading the user…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) if e.code() == ErrorCode::NotFound => view! { <NotFound/> }.into_any(),
                    Err(e) => view! { <p class="container error" role="alert">{e.message().to_string()}</p> }.into_any(),
                    Ok(d) => view! { <UserDetail d set_role disable error/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn UserDetail(
    d: AdminUserDetail,
    set_role: ServerAction<AdminSetRole>,
    disable: ServerAction<AdminSetDisabled>,
    error: FormError,
) -> impl IntoView {
    let u = d.user.clone();
    let back = format!("/admin/users/{}", u.id);
    let status = if d.deleted {
        view! { <span class="tag danger">"Deleted"</span> }.into_any()
    } else {
        view! { <StatusForm action=disable user_id=u.id name=u.name.clone() disabled=u.disabled back=back.clone()/> }.into_any()
    };
    let role = if d.deleted {
        view! { {u.role.clone()} }.into_any()
    } else {
        view! { <RoleForm action=set_role user_id=u.id name=u.name.clone() role=u.role.clone() back/> }.into_any()
    };
    view! {
        <section class="container stack">
            <nav class="breadcrumbs" aria-label="Breadcrumb">
                <ol>
                    <li><a href="/admin">"Users"</a></li>
                    <li><span aria-current="page">{u.name.clone()}</span></li>
                </ol>
            </nav>
            <header class="page-header"><h1>{u.name.clone()}</h1></header>
            <ErrorNotice error/>
            <AdminDone/>
            {d.deleted.then(|| view! { <p class="notice" role="note">"This account was deleted: its personal data is erased and it can no longer be changed. Its bookings stay, anonymous."</p> })}
            <section aria-labelledby="account-h">
                <h2 id="account-h">"Account"</h2>
                <dl class="facts">
                    <dt>"E-mail"</dt><dd>{u.email.clone()}</dd>
                    <dt>"Role"</dt><dd>{role}</dd>
                    <dt>"Status"</dt><dd>{status}</dd>
                    <dt>"Joined (UTC)"</dt><dd>{when(u.created_at)}</dd>
                    <dt>"E-mail confirmed (UTC)"</dt><dd>{match u.email_verified_at { Some(t) => when(t).into_any(), None => "Not yet".into_any() }}</dd>
                    <dt>"Marketing e-mail"</dt><dd>{match u.marketing_opt_in_at { Some(t) => view! { "Agreed on " {when(t)} }.into_any(), None => "Not agreed".into_any() }}</dd>
                    <dt>"Event reminders"</dt><dd>{if u.email_reminders { "On" } else { "Off" }}</dd>
                    <dt>"User id"</dt><dd>{u.id}</dd>
                </dl>
            </section>
            <Bookings list=d.bookings more=d.more_bookings shown=d.shown name=u.name.clone()/>
            <Waitlist list=d.waitlist more=d.more_waitlist shown=d.shown name=u.name.clone()/>
            <Audit list=d.audit more=d.more_audit shown=d.shown user_id=u.id name=u.name.clone()/>
        </section>
    }
}

#[component]
fn Bookings(list: Vec<AdminUserBooking>, more: bool, shown: i64, name: String) -> impl IntoView {
    view! {
        <section aria-labelledby="bookings-h">
            <h2 id="bookings-h">"Bookings"</h2>
            {if list.is_empty() {
                view! { <p class="muted">"No bookings."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0" role="region" aria-labelledby="bookings-h">
                        <table class="data">
                            <caption class="visually-hidden">{format!("Bookings of {name}, newest first")}</caption>
                            <thead><tr>
                                <th scope="col">"Booked (UTC)"</th><th scope="col">"Event"</th><th scope="col">"Ticket type"</th>
                                <th scope="col" class="num">"Quantity"</th><th scope="col" class="num">"Total"</th>
                                <th scope="col">"Status"</th><th scope="col">"Code"</th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|b| {
                                    let cancelled = b.status == BookingStatus::Cancelled;
                                    view! {
                                        <tr>
                                            <td>{when(b.created_at)}</td>
                                            <td><a href=format!("/events/{}", b.event_slug)>{b.event_title.clone()}</a></td>
                                            <td>{b.ticket_type_name.clone()}</td>
                                            <td class="num">{b.quantity}</td>
                                            <td class="num">{format_amount(b.total_cents, &b.currency)}</td>
                                            <td>
                                                <span class=if cancelled { "tag danger" } else { "tag" }>{if cancelled { "Cancelled" } else { "Confirmed" }}</span>
                                                {b.cancelled_at.map(|t| view! { " " {when(t)} })}
                                            </td>
                                            <td><code>{b.code.clone()}</code></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            {capped(more, shown, "bookings")}
        </section>
    }
}

#[component]
fn Waitlist(
    list: Vec<AdminUserWaitlistEntry>,
    more: bool,
    shown: i64,
    name: String,
) -> impl IntoView {
    view! {
        <section aria-labelledby="waitlist-h">
            <h2 id="waitlist-h">"Waitlist"</h2>
            {if list.is_empty() {
                view! { <p class="muted">"No waitlist entries."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0" role="region" aria-labelledby="waitlist-h">
                        <table class="data">
                            <caption class="visually-hidden">{format!("Waitlist entries of {name}, those still in a queue first")}</caption>
                            <thead><tr>
                                <th scope="col">"Joined (UTC)"</th><th scope="col">"Event"</th><th scope="col">"Ticket type"</th>
                                <th scope="col" class="num">"Quantity"</th><th scope="col">"Status"</th>
                                <th scope="col" class="num">"Place"</th><th scope="col">"Ended (UTC)"</th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|w| view! {
                                    <tr>
                                        <td>{when(w.created_at)}</td>
                                        <td><a href=format!("/events/{}", w.event_slug)>{w.event_title.clone()}</a></td>
                                        <td>{w.ticket_type_name.clone()}</td>
                                        <td class="num">{w.quantity}</td>
                                        <td><span class="tag">{w.status.as_str()}</span></td>
                                        <td class="num">{if w.status.is_active() { w.position.to_string() } else { "—".to_string() }}</td>
                                        <td>{match w.ended_at { Some(t) => when(t).into_any(), None => "—".into_any() }}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            {capped(more, shown, "waitlist entries")}
        </section>
    }
}

#[component]
fn Audit(
    list: Vec<AuditEntryView>,
    more: bool,
    shown: i64,
    user_id: i64,
    name: String,
) -> impl IntoView {
    view! {
        <section aria-labelledby="audit-h">
            <h2 id="audit-h">"Audit trail"</h2>
            <p class="muted">"What they did, and what was done to their account."</p>
            {if list.is_empty() {
                view! { <p class="muted">"Nothing recorded."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap" tabindex="0" role="region" aria-labelledby="audit-h">
                        <table class="data">
                            <caption class="visually-hidden">{format!("Audit entries by or about {name}, newest first")}</caption>
                            <thead><tr>
                                <th scope="col">"When (UTC)"</th><th scope="col">"Who"</th><th scope="col">"What"</th>
                                <th scope="col">"Target"</th><th scope="col">"Details"</th><th scope="col">"From"</th>
                            </tr></thead>
                            <tbody>
                                {list.into_iter().map(|e| {
                                    let who = match (e.actor_id, e.actor_email.clone()) {
                                        (Some(a), _) if a == user_id => "This user".to_string(),
                                        (_, Some(email)) => email,
                                        _ => "—".to_string(),
                                    };
                                    view! {
                                        <tr>
                                            <td>{when(e.at)}</td>
                                            <td>{who}</td>
                                            <td><code>{e.action.clone()}</code></td>
                                            <td>{format!("{} {}", e.target_type, e.target_id.clone().unwrap_or_default())}</td>
                                            <td class="wrap"><code>{e.detail.clone()}</code></td>
                                            <td>{e.ip.clone().unwrap_or_else(|| "—".into())}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
            {capped(more, shown, "audit entries")}
        </section>
    }
}
