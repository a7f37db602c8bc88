//! Your notifications: what we told you about your bookings and waitlist places, newest
//! first, with mark-read and mark-all-read (plain forms: they work without JavaScript).

use crate::api::notifications::{MarkNotificationsRead, my_notifications};
use crate::components::head::PageTitle;
use crate::components::layout::RequireUser;
use evently::dto::NoticeView;
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::hooks::use_query_map;

#[component]
pub fn NotificationsPage() -> impl IntoView {
    view! {
        <PageTitle text="Notifications · Evently"/>
        <Meta name="robots" content="noindex"/>
        <RequireUser next="/notifications" children=move |_| view! { <NoticeList/> }.into_any()/>
    }
}

#[component]
fn NoticeList() -> impl IntoView {
    let query = use_query_map();
    let before = move || {
        query
            .read()
            .get("before")
            .and_then(|b| b.parse::<i64>().ok())
            .filter(|b| *b > 0)
    };
    let page = Resource::new(before, my_notifications);
    let mark = <MarkNotificationsRead as server_fn::ServerFn>::PATH;
    view! {
        <section class="container narrow stack">
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Err(e) => view! { <p class="error" role="alert">{e.message().to_string()}</p> }.into_any(),
                        Ok(p) => {
                            let unread = p.unread;
                            let next = p.next_before;
                            let empty = p.notifications.is_empty();
                            view! {
                                <header class="page-header with-actions">
                                    <h1>"Notifications"</h1>
                                    {(unread > 0).then(|| view! {
                                        <form method="post" action=mark class="inline-form">
                                            <button type="submit" class="button small secondary">"Mark all as read"</button>
                                        </form>
                                    })}
                                </header>
                                <p class="muted" role="status">{match unread {
                                    0 => "You have no unread notifications.".to_string(),
                                    1 => "1 unread notification.".to_string(),
                                    n => format!("{n} unread notifications."),
                                }}</p>
                                {empty.then(|| view! {
                                    <p>"Nothing here yet. When you book, join a waitlist or an event you booked changes, we tell you here as well as by e-mail."</p>
                                })}
                                <ul class="notice-list" role="list">
                                    {p.notifications.into_iter().map(|n| view! { <NoticeItem n mark/> }).collect_view()}
                                </ul>
                                {next.map(|b| view! {
                                    <p><a class="button secondary" href=format!("/notifications?before={b}")>"Older notifications"</a></p>
                                })}
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
            <p class="hint">"Choose how we reach you (reminder e-mails, notifications on this device) on "<a href="/account#notifications">"your account page"</a>"."</p>
        </section>
    }
}

#[component]
fn NoticeItem(n: NoticeView, mark: &'static str) -> impl IntoView {
    let unread = n.read_at.is_none();
    let when = n.created_at.format("%-d %B %Y, %H:%M UTC").to_string();
    view! {
        <li class=if unread { "notice-item unread" } else { "notice-item" }>
            <p class="notice-title">
                {unread.then(|| view! { <span class="tag">"New"</span> " " })}
                <a href=n.url.clone()><strong>{n.title.clone()}</strong></a>
            </p>
            <p>{n.body.clone()}</p>
            <p class="muted"><time datetime=n.created_at.to_rfc3339()>{when}</time></p>
            {unread.then(|| view! {
                <form method="post" action=mark class="inline-form">
                    <input type="hidden" name="id" value=n.id.to_string()/>
                    <button type="submit" class="link-button">"Mark as read"<span class="visually-hidden">": "{n.title.clone()}</span></button>
                </form>
            })}
        </li>
    }
}
