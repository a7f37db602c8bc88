//! Event page views, counted without cookies or trackers: each instance counts views per
//! event page and hour in memory (a map under a short lock, nothing on the page's path
//! touches the database) and adds them to `page_views_hourly` in one batch every few seconds.

use crate::store::rollups::hour_of;
use std::collections::HashMap;
use std::sync::Mutex;

/// Views counted since the last flush: (event slug, hour) -> views.
#[derive(Debug, Default)]
pub struct PageViews {
    counts: Mutex<HashMap<(String, i64), i64>>,
}

/// At most this many distinct (page, hour) pairs wait in memory; more are dropped until the
/// next flush (a flood of made-up slugs cannot grow memory).
const MAX_PENDING: usize = 100_000;

impl PageViews {
    /// Counts one view of the event page `slug` at `now` (UTC ms).
    pub fn count(&self, slug: &str, now: i64) {
        let Ok(mut m) = self.counts.lock() else {
            return;
        };
        let key = (slug.to_string(), hour_of(now));
        if let Some(n) = m.get_mut(&key) {
            *n += 1;
        } else if m.len() < MAX_PENDING {
            m.insert(key, 1);
        }
    }

    /// Takes what was counted.
    pub fn take(&self) -> Vec<(String, i64, i64)> {
        let Ok(mut m) = self.counts.lock() else {
            return Vec::new();
        };
        std::mem::take(&mut *m)
            .into_iter()
            .map(|((slug, hour), n)| (slug, hour, n))
            .collect()
    }

    /// Puts views back after a failed flush.
    pub fn restore(&self, rows: Vec<(String, i64, i64)>) {
        let Ok(mut m) = self.counts.lock() else {
            return;
        };
        for (slug, hour, n) in rows {
            *m.entry((slug, hour)).or_insert(0) += n;
        }
    }
}

/// Whether a user agent is a crawler, a preview fetcher or a script rather than a person's
/// browser (such views are not counted).
pub fn is_bot(user_agent: Option<&str>) -> bool {
    let Some(ua) = user_agent.map(str::to_ascii_lowercase) else {
        return true;
    };
    if !ua.starts_with("mozilla/") {
        return true;
    }
    const MARKERS: [&str; 16] = [
        "bot",
        "crawl",
        "spider",
        "slurp",
        "preview",
        "facebookexternalhit",
        "embedly",
        "headless",
        "lighthouse",
        "curl",
        "wget",
        "python",
        "http-client",
        "monitor",
        "pingdom",
        "scan",
    ];
    MARKERS.iter().any(|m| ua.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_page_and_hour_and_leaves_bots_out() {
        let v = PageViews::default();
        v.count("a", 0);
        v.count("a", 10);
        v.count("a", 3_600_000);
        v.count("b", 0);
        let mut rows = v.take();
        rows.sort();
        assert_eq!(
            rows,
            vec![("a".into(), 0, 2), ("a".into(), 1, 1), ("b".into(), 0, 1)]
        );
        assert!(v.take().is_empty());
        assert!(is_bot(Some(
            "Googlebot/2.1 (+http://www.google.com/bot.html)"
        )));
        assert!(is_bot(Some(
            "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
        )));
        assert!(is_bot(Some("curl/8.5.0")));
        assert!(is_bot(None));
        assert!(is_bot(Some(
            "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0"
        )));
        assert!(!is_bot(Some(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
        )));
    }
}
