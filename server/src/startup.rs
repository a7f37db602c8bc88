//! Building and running the server: database, core, router, workers, graceful shutdown.

use crate::config::Config;
use crate::live::Hub;
use crate::metrics::Metrics;
use crate::redis_link::{self, RedisLink};
use crate::state::AppState;
use crate::{api, assets, auth, cache_policy, health, live, middleware, secrets, seo, workers};
use anyhow::Context;
use app::{App, shell};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::Uri;
use axum::routing::get;
use evently::clock::Clock;
use evently::db::Db;
use evently::live::LiveBus;
use evently::ratelimit::RateLimiter;
use evently::{Core, CoreSettings};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::OnceLock;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Knobs tests turn; production uses the defaults.
#[derive(Clone)]
pub struct BuildOptions {
    pub clock: Clock,
    /// Run background workers (hold sweeper).
    pub workers: bool,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            clock: Clock::System,
            workers: true,
        }
    }
}

/// A server that is bound to its port and ready to run.
pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    options: BuildOptions,
}

/// Opens the configured database (creating the data dir) and applies migrations.
pub async fn open_database(config: &Config) -> anyhow::Result<Db> {
    let db = match &config.database_url {
        Some(url) if url.expose().starts_with("postgres") => {
            Db::connect_postgres(url.expose(), config.db_pool).await?
        }
        Some(url) => Db::connect(Some(url.expose()), &config.data_dir).await?,
        None => Db::connect(None, &config.data_dir).await?,
    };
    db.migrate().await?;
    Ok(db)
}

/// The JWT signing key: `EVENTLY_JWT_SECRET`, or in development a random key generated into
/// the data directory on first start (production refuses to start without one). The file is
/// created private (mode 0600) or start-up fails (see [`secrets::read_or_create_key`]).
fn signing_key(config: &Config) -> anyhow::Result<Vec<u8>> {
    if let Some(s) = &config.jwt_secret {
        return Ok(s.expose().as_bytes().to_vec());
    }
    anyhow::ensure!(
        !config.production(),
        "EVENTLY_JWT_SECRET is required in production"
    );
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating {}", config.data_dir.display()))?;
    let path = config.data_dir.join("jwt-signing.key");
    let (key, created) = secrets::read_or_create_key(&path)?;
    if created {
        tracing::info!(path = %path.display(), "generated a development signing key");
    }
    Ok(key)
}

/// The ticket signing seed: `EVENTLY_TICKET_KEY`, or in development a key generated into
/// the data directory on first start (production refuses to start without one).
fn ticket_keys(config: &Config) -> anyhow::Result<evently::tickets::TicketKeys> {
    let bytes = match &config.ticket_key {
        Some(k) => hex::decode(k.expose()).context("EVENTLY_TICKET_KEY is not hex")?,
        None => {
            anyhow::ensure!(
                !config.production(),
                "EVENTLY_TICKET_KEY is required in production"
            );
            std::fs::create_dir_all(&config.data_dir)
                .with_context(|| format!("creating {}", config.data_dir.display()))?;
            let path = config.data_dir.join("ticket-signing.key");
            let (key, created) = secrets::read_or_create_key(&path)?;
            if created {
                tracing::info!(path = %path.display(), "generated a development ticket signing key");
            }
            key
        }
    };
    evently::tickets::TicketKeys::from_secret(&bytes)
        .context("the ticket signing key must be at least 32 bytes")
}

/// Web push: the VAPID key from `EVENTLY_VAPID_KEY`, or in development one generated into
/// the data directory on first start (production refuses to start without one).
fn push_settings(config: &Config) -> anyhow::Result<evently::notifications::push::PushSettings> {
    let bytes = match &config.vapid_key {
        Some(k) => hex::decode(k.expose()).context("EVENTLY_VAPID_KEY is not hex")?,
        None => {
            anyhow::ensure!(
                !config.production(),
                "EVENTLY_VAPID_KEY is required in production"
            );
            std::fs::create_dir_all(&config.data_dir)
                .with_context(|| format!("creating {}", config.data_dir.display()))?;
            let path = config.data_dir.join("vapid.key");
            let (key, created) = secrets::read_or_create_key(&path)?;
            if created {
                tracing::info!(path = %path.display(), "generated a development web push (VAPID) key");
            }
            key
        }
    };
    let from = config
        .mail_from
        .parse::<lettre::message::Mailbox>()
        .map(|m| m.email.to_string())
        .unwrap_or_else(|_| "tickets@localhost".into());
    evently::notifications::push::PushSettings::new(
        &bytes[..32.min(bytes.len())],
        &format!("mailto:{from}"),
        config.push_hosts.clone(),
    )
    .map_err(|e| anyhow::anyhow!("the web push key: {e}"))
}

/// The mail transport from `SMTP_URL` (or `.eml` files in the data dir) and the DKIM key.
fn mailer(config: &Config) -> anyhow::Result<evently::notifications::Mailer> {
    let dkim = match &config.dkim {
        None => None,
        Some(d) => Some(evently::notifications::mail::DkimSettings {
            selector: d.selector.clone(),
            domain: d.domain.clone(),
            private_key_pem: std::fs::read_to_string(&d.key_file).with_context(|| {
                format!(
                    "EVENTLY_DKIM_KEY_FILE: cannot read {}",
                    d.key_file.display()
                )
            })?,
        }),
    };
    let mailer = evently::notifications::Mailer::new(
        config.smtp_url.as_ref().map(|s| s.expose()),
        &config.data_dir,
        &config.mail_from,
        dkim,
    )?;
    tracing::info!(transport = %mailer.describe(), "mail");
    Ok(mailer)
}

/// Builds the core services. `redis` shares rate limits across instances.
pub async fn build_core(
    config: &Config,
    clock: Clock,
    redis: Option<redis::aio::ConnectionManager>,
) -> anyhow::Result<Core> {
    let db = open_database(config).await?;
    let keys = evently::accounts::tokens::TokenKeys::new(&signing_key(config)?, 15 * 60)
        .map_err(|e| anyhow::anyhow!("EVENTLY_JWT_SECRET: {e}"))?;
    let limiter = RateLimiter::with_namespace(config.rate_limits, redis, &config.redis_namespace);
    Ok(Core::new(
        db,
        clock,
        CoreSettings {
            max_hold_renewals: 2,
            token_keys: keys,
            ticket_keys: ticket_keys(config)?,
            outbox: config.outbox.clone(),
            require_verified_email: config.require_verified_email,
            push: Some(push_settings(config)?),
        },
        LiveBus::new(),
        limiter,
    ))
}

impl Application {
    /// Connects, migrates and binds. Fails with a clear message on any problem.
    pub async fn build(config: Config, options: BuildOptions) -> anyhow::Result<Application> {
        // Redis is optional at every moment: connect now if we can, keep trying later if not.
        let redis = match &config.redis_url {
            None => None,
            Some(url) => {
                let link = RedisLink::default();
                match redis_link::connect(url.expose()).await {
                    Ok(c) => link.set(Some(c)),
                    Err(e) => {
                        tracing::warn!(error = %e, "Redis is not reachable yet; running on in-process fan-out and limits meanwhile")
                    }
                }
                Some(link)
            }
        };
        let core = build_core(
            &config,
            options.clock.clone(),
            redis.as_ref().and_then(RedisLink::get),
        )
        .await?;
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let addr = listener.local_addr()?;
        let mut config = config;
        if !config.public_url_explicit {
            // Follow the port actually bound (port 0 picks one).
            config.public_url = format!("http://{addr}");
        }
        let leptos = LeptosOptions::builder()
            .output_name("evently")
            .site_root(config.site_root.display().to_string())
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .build();
        let hashes = assets::read_hashes(&config.site_root);
        match &hashes {
            Some(h) => tracing::info!(
                js = %h.js, wasm = %h.wasm, css = %h.css, boot = %h.boot,
                "linking content-hashed assets"
            ),
            None => tracing::warn!(
                site_root = %config.site_root.display(),
                "no hash.txt in the site root (run scripts/build-site.sh); linking unhashed asset names"
            ),
        }
        let mut site_assets = app::AssetPaths::new(hashes.as_ref().map(|h| {
            (
                h.css.as_str(),
                h.js.as_str(),
                h.wasm.as_str(),
                h.boot.as_str(),
            )
        }));
        site_assets.inline_css = assets::inline_css(&config.site_root, &site_assets.css);
        let mailer = mailer(&config)?;
        let metrics = Metrics::new();
        // With rate limits off (local benchmarks: one client, thousands of connections) only
        // the total cap applies.
        let per_client = if config.rate_limits {
            config.ws_max_per_client
        } else {
            config.ws_max_total
        };
        let hub = Hub::with_limits(
            core.clone(),
            live::limits::ConnLimits::new(per_client, config.ws_max_total),
        );
        let state = AppState::new(crate::state::Shared {
            core,
            leptos,
            assets: site_assets,
            config: Arc::new(config),
            metrics,
            redis,
            hub,
            pages: crate::page_cache::PageCache::new(),
            mailer,
            in_flight: Default::default(),
        });
        let router = router(state.clone());
        Ok(Application {
            listener,
            router,
            state,
            options,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn core(&self) -> Core {
        self.state.core.clone()
    }

    /// This server's metrics recorder.
    pub fn metrics(&self) -> Metrics {
        self.state.metrics.clone()
    }

    /// Serves until `shutdown` resolves, then drains requests, stops workers and closes the
    /// database.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        // Every task runs in this server's metrics scope (see `crate::metrics`).
        let metrics = self.state.metrics.clone();
        let mut tasks = vec![metrics.spawn(metrics.clone().run_upkeep(stop_rx.clone()))];
        if self.options.workers {
            tasks.push(metrics.spawn(workers::hold_sweeper(
                self.state.core.clone(),
                stop_rx.clone(),
            )));
        }
        if self.options.workers {
            tasks.push(metrics.spawn(workers::analytics(self.state.core.clone(), stop_rx.clone())));
        }
        if self.options.workers && self.state.config.delivery {
            let core = &self.state.core;
            let deliverer = core.notifications().deliverer(
                core.tickets().clone(),
                self.state.mailer.clone(),
                &self.state.config.public_url,
            );
            tasks.push(metrics.spawn(workers::outbox_worker(
                core.clone(),
                deliverer,
                self.state.in_flight.clone(),
                stop_rx.clone(),
            )));
        } else if self.options.workers {
            tracing::info!("EVENTLY_DELIVERY=off: this instance delivers no mail; others must");
        }
        // Live availability: local changes into the hub (and out to Redis), the flusher,
        // and the Redis bridge when configured.
        let hub = self.state.hub.clone();
        tasks.push(metrics.spawn(hub.clone().run_flusher(stop_rx.clone())));
        let forward = match (&self.state.redis, &self.state.config.redis_url) {
            (Some(link), Some(url)) => {
                let channel = format!("{}:live", self.state.config.redis_namespace);
                let (tx, rx) = tokio::sync::mpsc::channel(8192);
                tasks.push(metrics.spawn(live::redis_bridge::publisher(
                    hub.clone(),
                    link.clone(),
                    channel.clone(),
                    rx,
                    stop_rx.clone(),
                )));
                tasks.push(metrics.spawn(live::redis_bridge::subscriber(
                    hub.clone(),
                    url.expose().to_string(),
                    channel,
                    stop_rx.clone(),
                )));
                if link.get().is_none() {
                    tasks.push(metrics.spawn(redis_link_retry(
                        link.clone(),
                        url.expose().to_string(),
                        self.state.core.clone(),
                        stop_rx.clone(),
                    )));
                }
                Some(tx)
            }
            _ => None,
        };
        tasks.push(metrics.spawn(hub.run_local_listener(forward, stop_rx.clone())));
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let result = axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown)
            .await;
        let _ = stop_tx.send(true);
        for t in tasks {
            let _ = t.await;
        }
        self.state.core.db().close().await;
        result.context("server error")
    }
}

/// Keeps trying to reach Redis that was down at start-up; once it answers, limits are shared.
async fn redis_link_retry(
    link: RedisLink,
    url: String,
    core: Core,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(2)) => {}
            _ = stop.changed() => return,
        }
        if let Ok(c) = redis_link::connect(&url).await {
            core.limiter().set_redis(Some(c.clone()));
            link.set(Some(c));
            tracing::info!("Redis reachable; sharing rate limits and live changes");
            return;
        }
    }
}

/// The app's page routes, walked once per process. Walking them raises a process-wide Leptos
/// flag under which a resource first polled meanwhile, by any server in the process, stays
/// pending forever (leptos-rs/leptos#4773): a page rendering on one instance while another
/// instance in the same process started (the tests, two-instance benchmarks) hung for good.
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The full router: health, metrics, REST API, pages and server functions, static files.
pub fn router(state: AppState) -> Router {
    let routes = route_list();
    let core = state.core.clone();
    let site = app::session::SiteConfig {
        public_url: state.config.public_url.clone(),
        secure_cookies: state.config.secure_cookies(),
    };
    let files = assets::SiteFiles::new(&state.config.site_root);
    let page_assets = state.assets.clone();
    let not_found = {
        let assets = state.assets.clone();
        leptos_axum::file_and_error_handler::<AppState, _>(move |_| shell(assets.clone()))
    };
    Router::new()
        .route("/health", get(health::health))
        .route("/metrics", get(health::metrics))
        .route("/api/v1/live", get(live::ws::live))
        .route("/api/live.md", get(live::docs::doc))
        .route("/robots.txt", get(seo::robots))
        .route("/sitemap.xml", get(seo::index))
        .route("/sitemaps/pages.xml", get(seo::pages))
        .route("/sitemaps/{file}", get(seo::events))
        .route(
            "/unsubscribe/{token}",
            axum::routing::post(api::account::unsubscribe),
        )
        .merge(api::router())
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(core.clone());
                provide_context(site.clone());
            },
            move || shell(page_assets.clone()),
        )
        // Files of the built site, else the not-found page.
        .fallback(
            move |uri: Uri, State(state): State<AppState>, req: Request| {
                let (files, not_found) = (files.clone(), not_found.clone());
                async move {
                    match files.serve(&req).await {
                        Some(res) => res,
                        None => not_found(uri, State(state), req).await,
                    }
                }
            },
        )
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(axum::middleware::from_fn(middleware::json_bodies_only))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::general_rate_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::middleware,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cache_policy::page_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::count_event_views,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::track_metrics,
        ))
        .layer(assets::dynamic_compression())
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            middleware::panic_response,
        ))
        .layer(middleware::trace_layer())
        .layer(tower_http::request_id::PropagateRequestIdLayer::x_request_id())
        .layer(tower_http::request_id::SetRequestIdLayer::x_request_id(
            tower_http::request_id::MakeRequestUuid,
        ))
        .layer(axum::middleware::from_fn(middleware::checked_request_id))
        .with_state(state)
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown signal received; draining requests");
}
