//! For search engines: `/robots.txt`, and `/sitemap.xml`, a sitemap index over pages of
//! published events (id ranges, so a million events need no OFFSET) plus the static pages.

use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::fmt::Write;

/// Events per sitemap page (the protocol allows 50,000 URLs per file).
pub const PER_PAGE: i64 = 40_000;

fn xml(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// `GET /robots.txt`.
pub async fn robots(State(s): State<AppState>) -> Response {
    let body = format!(
        "User-agent: *\nAllow: /\nDisallow: /api/\nDisallow: /account\nDisallow: /bookings\nDisallow: /checkout/\n\
         Disallow: /organizer\nDisallow: /admin\nDisallow: /signin\nDisallow: /signup\n\nSitemap: {}/sitemap.xml\n",
        s.config.public_url
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}

/// `GET /sitemap.xml`: the index.
pub async fn index(State(s): State<AppState>) -> Response {
    let max = match s.core.search().max_event_id().await {
        Ok(m) => m,
        Err(e) => {
            tracing::error!(error = %e, "sitemap index failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let base = &s.config.public_url;
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let _ = writeln!(
        out,
        "  <sitemap><loc>{}/sitemaps/pages.xml</loc></sitemap>",
        esc(base)
    );
    let pages = (max + PER_PAGE - 1) / PER_PAGE;
    for n in 1..=pages.max(1) {
        let _ = writeln!(
            out,
            "  <sitemap><loc>{}/sitemaps/events-{n}.xml</loc></sitemap>",
            esc(base)
        );
    }
    out.push_str("</sitemapindex>\n");
    xml(out)
}

/// `GET /sitemaps/pages.xml`: home, search, and a page per category.
pub async fn pages(State(s): State<AppState>) -> Response {
    let base = esc(&s.config.public_url);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let _ = writeln!(
        out,
        "  <url><loc>{base}/</loc><changefreq>hourly</changefreq></url>"
    );
    let _ = writeln!(
        out,
        "  <url><loc>{base}/search</loc><changefreq>hourly</changefreq></url>"
    );
    for (id, _) in evently::domain::CATEGORIES {
        let _ = writeln!(
            out,
            "  <url><loc>{base}/search?category={id}</loc><changefreq>daily</changefreq></url>"
        );
    }
    out.push_str("</urlset>\n");
    xml(out)
}

/// `GET /sitemaps/events-{n}.xml`: published events with ids in the n-th range.
pub async fn events(State(s): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(n) = file
        .strip_prefix("events-")
        .and_then(|f| f.strip_suffix(".xml"))
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n >= 1 && *n <= 100_000)
    else {
        return (StatusCode::NOT_FOUND, "no such sitemap").into_response();
    };
    let from = (n - 1) * PER_PAGE + 1;
    let rows = match s.core.search().sitemap_page(from, from + PER_PAGE).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "sitemap page failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let base = esc(&s.config.public_url);
    let mut out = String::with_capacity(rows.len() * 120 + 200);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (slug, updated) in rows {
        let lastmod = evently::clock::to_datetime(updated).format("%Y-%m-%d");
        let _ = writeln!(
            out,
            "  <url><loc>{base}/events/{}</loc><lastmod>{lastmod}</lastmod></url>",
            esc(&slug)
        );
    }
    out.push_str("</urlset>\n");
    xml(out)
}
