//! Finding events ([`SearchService`]): search pages, the home page with its facets, and the
//! sitemap's reads. Parameters and cursors are parsed in `query`.

mod query;

pub use query::{parse, search_words};

use crate::context::Ctx;
use crate::domain;
use crate::dto::{EventSummary, Facet, HomeData, Page, SearchQuery};
use crate::error::ApiError;
use crate::events::event_summary;
use crate::store;
use crate::store::search::{After, Sort};
use query::encode_cursor;
use std::sync::Mutex;

/// Facets are counted over the whole table, so they are cached briefly (display only).
const FACETS_TTL_MS: i64 = 60_000;

/// Categories and cities, counted at a time (UTC ms).
type Facets = (i64, Vec<Facet>, Vec<Facet>);

/// The cached home page facets.
#[derive(Default)]
pub struct FacetCache(Mutex<Option<Facets>>);

/// The search feature.
pub struct SearchService {
    ctx: Ctx,
    facets: FacetCache,
}

impl SearchService {
    pub(crate) fn new(ctx: Ctx) -> Self {
        SearchService {
            ctx,
            facets: FacetCache::default(),
        }
    }

    /// The highest event id (sitemap files are id ranges).
    pub async fn max_event_id(&self) -> Result<i64, sqlx::Error> {
        store::search::max_event_id(self.ctx.db()).await
    }

    /// Slugs and update times of published events with ids in `from_id..to_id`.
    pub async fn sitemap_page(
        &self,
        from_id: i64,
        to_id: i64,
    ) -> Result<Vec<(String, i64)>, sqlx::Error> {
        store::search::sitemap_page(self.ctx.db(), from_id, to_id).await
    }

    /// One page of search results and the cursor of the next page.
    #[tracing::instrument(skip_all)]
    pub async fn search_events(&self, q: &SearchQuery) -> Result<Page<EventSummary>, ApiError> {
        let mut search = parse(q, self.ctx.clock().now_ms())?;
        let fail = |e: sqlx::Error| {
            tracing::error!(error = %e, "search failed");
            ApiError::internal()
        };
        let mut rows = store::search::search(self.ctx.db(), &search)
            .await
            .map_err(fail)?;
        // Whole words first; when they find nothing and some word is no event's word, it
        // may be unfinished ("sym"): match the words as prefixes, on later pages too.
        if rows.is_empty()
            && !search.prefix
            && search.after.is_none()
            && !search.words.is_empty()
            && store::search::has_unknown_word(self.ctx.db(), &search.words)
                .await
                .map_err(fail)?
        {
            search.prefix = true;
            rows = store::search::search(self.ctx.db(), &search)
                .await
                .map_err(fail)?;
        }
        let more = rows.len() as i64 > search.limit;
        rows.truncate(search.limit as usize);
        let next_cursor = if more {
            rows.last().map(|r| {
                let after = match search.sort {
                    Sort::Soonest => After::Soonest {
                        starts_at: r.starts_at,
                        id: r.id,
                    },
                    Sort::Newest => After::Newest {
                        published_at: r.published_at.unwrap_or(0),
                        id: r.id,
                    },
                    Sort::Cheapest => After::Cheapest {
                        price: r.min_price_cents,
                        starts_at: r.starts_at,
                        id: r.id,
                    },
                };
                encode_cursor(&after, search.prefix)
            })
        } else {
            None
        };
        Ok(Page {
            items: rows.iter().map(event_summary).collect(),
            next_cursor,
        })
    }

    /// The home page: upcoming and popular events, categories and cities.
    #[tracing::instrument(skip_all)]
    pub async fn home(&self) -> Result<HomeData, ApiError> {
        let now = self.ctx.clock().now_ms();
        let fail = |e: sqlx::Error| {
            tracing::error!(error = %e, "home page query failed");
            ApiError::internal()
        };
        let upcoming = store::events::upcoming(self.ctx.db(), now, 24)
            .await
            .map_err(fail)?;
        let popular = store::search::popular(self.ctx.db(), now - 14 * 86_400_000, now, 8)
            .await
            .map_err(fail)?;
        let (categories, cities) = self.facets(now).await.map_err(fail)?;
        Ok(HomeData {
            upcoming: upcoming.iter().map(event_summary).collect(),
            popular: popular.iter().map(event_summary).collect(),
            categories,
            cities,
        })
    }

    async fn facets(&self, now: i64) -> Result<(Vec<Facet>, Vec<Facet>), sqlx::Error> {
        if let Some((at, c, t)) = self
            .facets
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            && now - at < FACETS_TTL_MS
            && now >= at
        {
            return Ok((c, t));
        }
        let categories = store::search::facet_counts(self.ctx.db(), "category", now, 20)
            .await?
            .into_iter()
            .map(|(v, n)| Facet {
                label: domain::category_label(&v).to_string(),
                value: v,
                count: n,
            })
            .collect::<Vec<_>>();
        let cities = store::search::facet_counts(self.ctx.db(), "city", now, 24)
            .await?
            .into_iter()
            .map(|(v, n)| Facet {
                label: v.clone(),
                value: v,
                count: n,
            })
            .collect::<Vec<_>>();
        *self.facets.0.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((now, categories.clone(), cities.clone()));
        Ok((categories, cities))
    }
}
