//! Admin: the user list (search, roles, disabling), the audit log and the deliveries.
//! One user's page is [`super::admin_user`].

use crate::api::accounts::{
    AdminRetryOutbox, AdminSetDisabled, AdminSetRole, admin_audit, admin_outbox, admin_users,
};
use crate::components::forms::{ErrorNotice, FormError};
use crate::components::head::PageTitle;
use crate::components::layout::RequireUser;
use leptos::prelude::*;
use leptos_meta::Meta;
use leptos_router::components::{A, Form};
use leptos_router::hooks::use_query_map;

#[component]
fn AdminTabs() -> impl IntoView {
    view! {
        <nav class="tabs" aria-label="Admin sections">
            <A href="/admin" exact=true>"Users"</A>
            <A href="/admin/analytics">"Analytics"</A>
            <A href="/admin/audit">"Audit log"</A>
            <A href="/admin/outbox">"Deliveries"</A>
        </nav>
    }
}

/// What a non-admin gets on an admin page (with a 403 on the server).
pub(crate) fn forbidden() -> AnyView {
    #[cfg(feature = "ssr")]
    {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(http::StatusCode::FORBIDDEN);
        }
    }
    view! { <section class="container narrow"><h1>"Admins only"</h1><p>"You need an administrator account to see this page."</p></section> }.into_any()
}

/// The notice after a role change or (dis)enabling posted without script (`?done=`).
#[component]
pub(crate) fn AdminDone() -> impl IntoView {
    let query = use_query_map();
    move || {
        let q = query.read();
        let what = match q.get("done").as_deref() {
            Some("role") => "Role saved.",
            Some("disabled") => "The account is disabled and signed out everywhere.",
            Some("enabled") => "The account is enabled again.",
            _ => return None,
        };
        Some(view! { <div class="notice success" role="status"><p>{what}</p></div> })
    }
}

/// The role picker of one user; `back` is the page to come back to.
#[component]
pub(crate) fn RoleForm(
    action: ServerAction<AdminSetRole>,
    user_id: i64,
    name: String,
    role: String,
    back: String,
) -> impl IntoView {
    view! {
        <ActionForm action attr:class="inline-form">
            <input type="hidden" name="user_id" value=user_id/>
            <input type="hidden" name="back" value=back/>
            <label class="visually-hidden" for=format!("role-{user_id}")>{format!("Role of {name}")}</label>
            <select id=format!("role-{user_id}") name="role">
                {["attendee", "organizer", "admin"].into_iter().map(|r| view! {
                    <option value=r selected=role == r>{r}</option>
                }).collect_view()}
            </select>
            <button type="submit" class="button small secondary" aria-label=format!("Save the role of {name}")>"Save"</button>
        </ActionForm>
    }
}

/// The status of one user with the button that flips it; `back` is the page to come back to.
#[component]
pub(crate) fn StatusForm(
    action: ServerAction<AdminSetDisabled>,
    user_id: i64,
    name: String,
    disabled: bool,
    back: String,
) -> impl IntoView {
    let (verb, class) = if disabled {
        ("Enable", "button small secondary")
    } else {
        ("Disable", "button small danger")
    };
    view! {
        <ActionForm action attr:class="inline-form">
            <input type="hidden" name="user_id" value=user_id/>
            <input type="hidden" name="disabled" value=(!disabled).to_string()/>
            <input type="hidden" name="back" value=back/>
            <span class=if disabled { "tag danger" } else { "tag" }>{if disabled { "Disabled" } else { "Active" }}</span>
            <button type="submit" class=class aria-label=format!("{verb} the account of {name}")>{verb}</button>
        </ActionForm>
    }
}

#[component]
pub fn AdminUsersPage() -> impl IntoView {
    view! {
        <PageTitle text="Users · Admin · Evently"/>
        <Meta name="robots" content="noindex"/>
        <RequireUser next="/admin" children=move |u| if u.role == "admin" { view! { <UsersAdmin/> }.into_any() } else { forbidden() }/>
    }
}

/// `/admin` with its query (`q`, `before`, `after`): the link to another page of the list.
fn list_href(q: &Option<String>, cursor: Option<(&str, i64)>) -> String {
    let mut parts = Vec::new();
    if let Some(q) = q {
        parts.push(format!("q={}", evently::dto::url_encode(q)));
    }
    if let Some((k, id)) = cursor {
        parts.push(format!("{k}={id}"));
    }
    if parts.is_empty() {
        "/admin".to_string()
    } else {
        format!("/admin?{}", parts.join("&"))
    }
}

#[component]
fn UsersAdmin() -> impl IntoView {
    let query = use_query_map();
    let q = move || {
        query
            .read()
            .get("q")
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    let id_param = move |k: &str| query.read().get(k).and_then(|b| b.parse::<i64>().ok());
    let before = move || id_param("before");
    let after = move || id_param("after");
    let set_role = ServerAction::<AdminSetRole>::new();
    let disable = ServerAction::<AdminSetDisabled>::new();
    let users = Resource::new(
        move || {
            (
                q(),
                before(),
                after(),
                set_role.version().get(),
                disable.version().get(),
            )
        },
        |(q, b, a, _, _)| admin_users(q, b, a),
    );
    let error: FormError = Signal::derive(move || {
        set_role
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| disable.value().get().and_then(Result::err))
    });
    view! {
        <section class="container stack">
            <header class="page-header"><h1>"Users"</h1></header>
            <AdminTabs/>
            <Form method="GET" action="" attr:class="search-bar" attr:role="search">
                <label class="visually-hidden" for="user-search">"Search users by e-mail or name"</label>
                <input id="user-search" type="search" name="q" maxlength="100" placeholder="Search by e-mail or name" value=move || q().unwrap_or_default()/>
                <button type="submit" class="button">"Search"</button>
            </Form>
            <ErrorNotice error/>
            <AdminDone/>
            <Suspense fallback=|| view! { <p class="muted">"Loading users…"</p> }>
                {move || Suspend::new(async move {
                    let q = q();
                    match users.await {
                        Err(e) => view! { <p class="error" role="alert">{e.message().to_string()}</p> }.into_any(),
                        Ok(page) if page.users.is_empty() => {
                            let text = match &q {
                                Some(q) => format!("No users match “{q}”. Search for part of an e-mail address or name."),
                                None => "No users on this page.".to_string(),
                            };
                            view! {
                                <div class="empty-state" role="status">
                                    <p>{text}</p>
                                    {(q.is_some() || before().is_some() || after().is_some()).then(|| view! { <p><a href="/admin">"Show all users"</a></p> })}
                                </div>
                            }.into_any()
                        }
                        Ok(page) => {
                            let back = list_href(&q, before().map(|b| ("before", b)).or_else(|| after().map(|a| ("after", a))));
                            let caption = match &q {
                                Some(q) => format!("Users matching “{q}”, newest first"),
                                None => "Users, newest first".to_string(),
                            };
                            let newer = page.newer.map(|id| list_href(&q, Some(("after", id))));
                            let older = page.older.map(|id| list_href(&q, Some(("before", id))));
                            view! {
                                <div class="table-wrap" tabindex="0" role="region" aria-label="Users">
                                    <table class="data">
                                        <caption class="visually-hidden">{caption}</caption>
                                        <thead><tr><th scope="col">"Name"</th><th scope="col">"E-mail"</th><th scope="col">"Role"</th><th scope="col">"Status"</th><th scope="col">"Joined"</th></tr></thead>
                                        <tbody>
                                            {page.users.into_iter().map(|u| {
                                                let back = back.clone();
                                                view! {
                                                    <tr>
                                                        <th scope="row"><a href=format!("/admin/users/{}", u.id)>{u.name.clone()}</a></th>
                                                        <td>{u.email.clone()}</td>
                                                        <td><RoleForm action=set_role user_id=u.id name=u.name.clone() role=u.role.clone() back=back.clone()/></td>
                                                        <td><StatusForm action=disable user_id=u.id name=u.name.clone() disabled=u.disabled back/></td>
                                                        <td><time datetime=u.created_at.to_rfc3339()>{u.created_at.format("%Y-%m-%d").to_string()}</time></td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                <nav class="pagination" aria-label="User pages">
                                    {newer.map(|href| view! { <a rel="prev" href=href>"Newer users"</a> })}
                                    {older.map(|href| view! { <a rel="next" href=href>"Older users"</a> })}
                                </nav>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn AdminAuditPage() -> impl IntoView {
    view! {
        <PageTitle text="Audit log · Admin · Evently"/>
        <Meta name="robots" content="noindex"/>
        <RequireUser next="/admin/audit" children=move |u| if u.role == "admin" { view! { <AuditAdmin/> }.into_any() } else { forbidden() }/>
    }
}

#[component]
fn AuditAdmin() -> impl IntoView {
    let query = use_query_map();
    let action = move || query.read().get("action").filter(|s| !s.is_empty());
    let before = move || {
        query
            .read()
            .get("before")
            .and_then(|b| b.parse::<i64>().ok())
    };
    let entries = Resource::new(move || (action(), before()), |(a, b)| admin_audit(a, b));
    view! {
        <section class="container stack">
            <header class="page-header"><h1>"Audit log"</h1></header>
            <AdminTabs/>
            <Form method="GET" action="" attr:class="search-bar" attr:role="search">
                <label class="visually-hidden" for="audit-action">"Filter by action"</label>
                <select id="audit-action" name="action">
                    {[("", "All actions"), ("auth.", "Sign-ins"), ("user.", "Account changes"), ("event.", "Event changes"), ("booking.", "Booking changes"), ("ticket_type.", "Capacity changes")]
                        .into_iter().map(|(v, l)| view! { <option value=v selected=move || action().as_deref().unwrap_or("") == v>{l}</option> }).collect_view()}
                </select>
                <button type="submit" class="button">"Filter"</button>
            </Form>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match entries.await {
                        Err(e) => view! { <p class="error" role="alert">{e.message().to_string()}</p> }.into_any(),
                        Ok(list) if list.is_empty() => view! { <p class="empty-state">"Nothing recorded yet."</p> }.into_any(),
                        Ok(list) => {
                            let older = list.last().map(|e| e.id);
                            let filter = action().map(|a| format!("&action={a}")).unwrap_or_default();
                            view! {
                                <div class="table-wrap" tabindex="0" role="region" aria-label="Audit entries">
                                    <table class="data">
                                        <thead><tr><th scope="col">"When (UTC)"</th><th scope="col">"Who"</th><th scope="col">"What"</th><th scope="col">"Target"</th><th scope="col">"Details"</th><th scope="col">"From"</th></tr></thead>
                                        <tbody>
                                            {list.into_iter().map(|e| view! {
                                                <tr>
                                                    <td><time datetime=e.at.to_rfc3339()>{e.at.format("%Y-%m-%d %H:%M:%S").to_string()}</time></td>
                                                    <td>{e.actor_email.clone().unwrap_or_else(|| "—".into())}</td>
                                                    <td><code>{e.action.clone()}</code></td>
                                                    <td>{format!("{} {}", e.target_type, e.target_id.clone().unwrap_or_default())}</td>
                                                    <td><code>{e.detail.clone()}</code></td>
                                                    <td>{e.ip.clone().unwrap_or_else(|| "—".into())}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                                <nav class="pagination" aria-label="Audit pages">
                                    {older.map(|id| view! { <a rel="next" href=format!("/admin/audit?before={id}{filter}")>"Older entries"</a> })}
                                </nav>
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn AdminOutboxPage() -> impl IntoView {
    view! {
        <PageTitle text="Deliveries · Admin · Evently"/>
        <Meta name="robots" content="noindex"/>
        <RequireUser next="/admin/outbox" children=move |u| if u.role == "admin" { view! { <OutboxAdmin/> }.into_any() } else { forbidden() }/>
    }
}

/// The states of the outbox as the page names them: query value, tab label, what it means.
const OUTBOX_STATES: [(&str, &str, &str); 5] = [
    (
        "dead",
        "Dead",
        "Given up after the maximum attempts. Nothing else waits behind them; send one again once its cause is fixed.",
    ),
    (
        "retrying",
        "Retrying",
        "Failed at least once; tried again after a growing wait.",
    ),
    ("queued", "Due now", "Waiting for their first attempt."),
    (
        "scheduled",
        "Scheduled",
        "Written for later: reminders before events, and offer-expiry notices.",
    ),
    (
        "delivered",
        "Delivered",
        "Accepted by the mail server (or skipped because nobody is left to tell).",
    ),
];

#[component]
fn OutboxAdmin() -> impl IntoView {
    let query = use_query_map();
    let state = move || {
        query
            .read()
            .get("state")
            .filter(|s| OUTBOX_STATES.iter().any(|(v, _, _)| v == s))
            .unwrap_or_else(|| "dead".to_string())
    };
    let before = move || {
        query
            .read()
            .get("before")
            .and_then(|b| b.parse::<i64>().ok())
    };
    let retry = ServerAction::<AdminRetryOutbox>::new();
    let overview = Resource::new(
        move || (state(), before(), retry.version().get()),
        |(s, b, _)| admin_outbox(Some(s), b),
    );
    let error: FormError = Signal::derive(move || retry.value().get().and_then(Result::err));
    view! {
        <section class="container stack">
            <header class="page-header"><h1>"Deliveries"</h1></header>
            <AdminTabs/>
            <p class="muted">"Every e-mail starts as a message in the outbox, written in the same transaction as the change it tells about, and is sent at least once. A failed send is tried again after a growing wait; after the maximum number of attempts the message is dead until you send it again."</p>
            <ErrorNotice error/>
            {move || (query.read().get("done").as_deref() == Some("retried")).then(|| view! {
                <div class="notice success" role="status"><p>"The message is queued again and goes out in a moment."</p></div>
            })}
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match overview.await {
                        Err(e) => view! { <p class="error" role="alert">{e.message().to_string()}</p> }.into_any(),
                        Ok(o) => {
                            let current = state();
                            let counts = [
                                ("dead", o.dead), ("retrying", o.retrying), ("queued", o.queued),
                                ("scheduled", o.scheduled), ("delivered", o.delivered),
                            ];
                            let meaning = OUTBOX_STATES.iter().find(|(v, _, _)| *v == current).map(|(_, _, m)| *m).unwrap_or_default();
                            let older = (o.rows.len() >= 50).then(|| o.rows.last().map(|r| r.id)).flatten();
                            let max = o.max_attempts;
                            let waited = o.oldest_due_age_seconds.map(|s| format!("The oldest message due now has waited {s} s."));
                            let sending = (o.in_flight > 0).then(|| format!("{} being sent right now.", o.in_flight));
                            view! {
                                <ul class="stats" aria-label="Messages by state">
                                    {counts.into_iter().map(|(v, n)| {
                                        let label = OUTBOX_STATES.iter().find(|(s, _, _)| *s == v).map(|(_, l, _)| *l).unwrap_or(v);
                                        let here = v == current;
                                        view! {
                                            <li class=if here { "stat current" } else { "stat" }>
                                                <a href=format!("/admin/outbox?state={v}") aria-current=here.then_some("page")>
                                                    <span class="stat-value">{n}</span>
                                                    <span class="stat-label">{label}</span>
                                                </a>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                                {(waited.is_some() || sending.is_some()).then(|| view! { <p class="hint" role="status">{sending} " " {waited}</p> })}
                                <p class="muted">{meaning}</p>
                                {if o.rows.is_empty() {
                                    view! { <p class="empty-state">"No messages in this state."</p> }.into_any()
                                } else {
                                    view! {
                                        <div class="table-wrap" tabindex="0" role="region" aria-label="Messages">
                                            <table class="data">
                                                <thead><tr>
                                                    <th scope="col">"#"</th><th scope="col">"What"</th><th scope="col">"About"</th>
                                                    <th scope="col">"Attempts"</th><th scope="col">"Last error"</th>
                                                    <th scope="col">"Written (UTC)"</th><th scope="col">"Next / done (UTC)"</th><th scope="col"><span class="visually-hidden">"Action"</span></th>
                                                </tr></thead>
                                                <tbody>
                                                    {o.rows.into_iter().map(|r| {
                                                        let dead = r.status == evently::domain::OutboxStatus::Dead;
                                                        let when = match (r.delivered_at, dead) {
                                                            (Some(d), _) => format!("delivered {}", d.format("%Y-%m-%d %H:%M:%S")),
                                                            (None, true) => "—".to_string(),
                                                            (None, false) => r.next_attempt_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                                                        };
                                                        let id = r.id;
                                                        view! {
                                                            <tr>
                                                                <td>{id}</td>
                                                                <td><code>{r.kind.clone()}</code></td>
                                                                <td><code>{r.subject.clone()}</code></td>
                                                                <td>{format!("{} of {max}", r.attempts)}</td>
                                                                <td class="wrap">{r.last_error.clone().unwrap_or_else(|| "—".into())}</td>
                                                                <td><time datetime=r.created_at.to_rfc3339()>{r.created_at.format("%Y-%m-%d %H:%M:%S").to_string()}</time></td>
                                                                <td>{when}</td>
                                                                <td>{dead.then(|| view! {
                                                                    <ActionForm action=retry attr:class="inline-form">
                                                                        <input type="hidden" name="id" value=id/>
                                                                        <button type="submit" class="button small secondary" aria-label=format!("Send message {id} again")>"Send again"</button>
                                                                    </ActionForm>
                                                                })}</td>
                                                            </tr>
                                                        }
                                                    }).collect_view()}
                                                </tbody>
                                            </table>
                                        </div>
                                        <nav class="pagination" aria-label="Message pages">
                                            {older.map(|id| view! { <a rel="next" href=format!("/admin/outbox?state={current}&before={id}")>"Older messages"</a> })}
                                        </nav>
                                    }.into_any()
                                }}
                            }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}
