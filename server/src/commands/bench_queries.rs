//! Searches composed at random, as new visitors type them: words from the demo data's own
//! vocabulary (titles, descriptions, venues, cities), common English words, misspellings,
//! and any mix of city, category, date window, price band, free, seats left and sort order;
//! some followed through their next pages by cursor. Seeded, so a run can be repeated.
//! `bench search-sweep --generated N` and `bench reads --generated` draw from it; the fixed
//! list of shapes stays the regression check.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Common words people type around the ones that matter (stop words included on purpose).
const COMMON: &[&str] = &[
    "the", "a", "of", "and", "in", "at", "on", "for", "with", "to", "night", "live", "show", "day",
    "new", "best", "city", "music", "open", "free", "tour", "party", "weekend", "summer", "winter",
    "evening", "morning", "club", "world", "big", "little", "old", "young", "great", "festival",
    "concert", "event", "tickets", "special", "classic",
];

/// One composed search: its query string (without `?`) and how many pages to follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Composed {
    pub query: String,
    /// 1 = the first page only; up to 5.
    pub pages: usize,
}

/// Composes searches from a seed.
pub struct QueryGen {
    rng: StdRng,
    words: Words,
}

impl QueryGen {
    pub fn new(seed: u64, today: i64) -> QueryGen {
        QueryGen {
            rng: StdRng::seed_from_u64(seed),
            words: Words::new(today),
        }
    }

    /// The next search.
    pub fn next_search(&mut self) -> Composed {
        self.words.compose(&mut self.rng)
    }
}

/// What searches are made of; composes one from any random source.
pub struct Words {
    vocab: evently::seed::Vocabulary,
    /// The first day of date windows (UTC day number; today on the server).
    today: i64,
}

fn pick<'a>(rng: &mut impl Rng, list: &'a [String]) -> &'a str {
    list.get(rng.gen_range(0..list.len().max(1)))
        .map_or("", String::as_str)
}

impl Words {
    pub fn new(today: i64) -> Words {
        Words {
            vocab: evently::seed::vocabulary(),
            today,
        }
    }

    /// One word: mostly the data's own, sometimes common, a venue's or a city's; now and then
    /// misspelt by one or two edits.
    fn word(&self, rng: &mut impl Rng) -> String {
        let roll: f64 = rng.r#gen();
        let mut w = if roll < 0.6 {
            pick(rng, &self.vocab.words).to_string()
        } else if roll < 0.8 {
            COMMON[rng.gen_range(0..COMMON.len())].to_string()
        } else if roll < 0.9 {
            let venue = pick(rng, &self.vocab.venues).to_lowercase();
            let parts: Vec<&str> = venue.split_whitespace().collect();
            parts
                .get(rng.gen_range(0..parts.len().max(1)))
                .map_or(String::new(), |s| s.to_string())
        } else {
            pick(rng, &self.vocab.cities).to_lowercase()
        };
        if w.chars().count() >= 4 && rng.gen_bool(0.15) {
            let edits = if rng.gen_bool(0.7) { 1 } else { 2 };
            for _ in 0..edits {
                w = misspell(rng, &w);
            }
        }
        w
    }

    /// One search.
    pub fn compose(&self, rng: &mut impl Rng) -> Composed {
        let mut parts: Vec<String> = Vec::new();
        let n_words = [0, 1, 1, 1, 2, 2, 3][rng.gen_range(0..7)];
        if n_words > 0 {
            let words: Vec<String> = (0..n_words).map(|_| self.word(rng)).collect();
            parts.push(format!("q={}", encode(&words.join(" "))));
        }
        if rng.gen_bool(0.3) {
            parts.push(format!("city={}", encode(pick(rng, &self.vocab.cities))));
        }
        if rng.gen_bool(0.3) {
            parts.push(format!("category={}", pick(rng, &self.vocab.categories)));
        }
        if rng.gen_bool(0.3) {
            let start = self.today + rng.gen_range(0..240);
            let len = [0, 1, 6, 29, 89][rng.gen_range(0..5)];
            parts.push(format!("from={}", date(start)));
            parts.push(format!("to={}", date(start + len)));
        }
        if rng.gen_bool(0.25) {
            let lo = rng.gen_range(0..60);
            if rng.gen_bool(0.5) {
                parts.push(format!("min_price={lo}"));
            }
            parts.push(format!("max_price={}", lo + rng.gen_range(5..80)));
        } else if rng.gen_bool(0.05) {
            parts.push("free=1".into());
        }
        if rng.gen_bool(0.15) {
            parts.push("available=1".into());
        }
        match rng.gen_range(0..4) {
            0 => parts.push("sort=cheapest".into()),
            1 => parts.push("sort=newest".into()),
            _ => {}
        }
        let pages = if rng.gen_bool(0.3) {
            rng.gen_range(2..=5)
        } else {
            1
        };
        Composed {
            query: parts.join("&"),
            pages,
        }
    }
}

/// One random edit: a letter dropped, doubled, swapped with the next or replaced.
fn misspell(rng: &mut impl Rng, w: &str) -> String {
    let mut c: Vec<char> = w.chars().collect();
    if c.len() < 3 {
        return w.to_string();
    }
    let i = rng.gen_range(1..c.len() - 1);
    match rng.gen_range(0..4) {
        0 => {
            c.remove(i);
        }
        1 => c.insert(i, c[i]),
        2 => c.swap(i, i + 1),
        _ => c[i] = (b'a' + rng.gen_range(0..26u8)) as char,
    }
    c.into_iter().collect()
}

/// `YYYY-MM-DD` of a UTC day number.
fn date(day: i64) -> String {
    evently::analytics::range::date_of(day)
        .format("%Y-%m-%d")
        .to_string()
}

/// Percent-encodes a query value.
pub use evently::dto::url_encode as encode;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_vary_repeat_from_a_seed_and_mix_everything() {
        let mut a = QueryGen::new(7, 20_000);
        let mut b = QueryGen::new(7, 20_000);
        let xs: Vec<Composed> = (0..2000).map(|_| a.next_search()).collect();
        let ys: Vec<Composed> = (0..2000).map(|_| b.next_search()).collect();
        assert_eq!(xs, ys, "the same seed gives the same searches");
        let distinct: std::collections::HashSet<&str> =
            xs.iter().map(|c| c.query.as_str()).collect();
        assert!(distinct.len() > 1500, "{} distinct", distinct.len());
        for key in [
            "q=",
            "city=",
            "category=",
            "from=",
            "max_price=",
            "min_price=",
            "free=1",
            "available=1",
            "sort=cheapest",
            "sort=newest",
        ] {
            assert!(
                xs.iter().any(|c| c.query.contains(key)),
                "{key} never drawn"
            );
        }
        assert!(xs.iter().any(|c| c.pages == 5) && xs.iter().any(|c| c.pages == 1));
        // Some words are not the data's: misspelt ones.
        let vocab = evently::seed::vocabulary();
        let misspelt = xs
            .iter()
            .filter_map(|c| c.query.strip_prefix("q="))
            .flat_map(|q| q.split('&').next().unwrap_or("").split('+'))
            .filter(|w| w.len() >= 4)
            .filter(|w| !vocab.words.iter().any(|v| v == w) && !COMMON.contains(w))
            .count();
        assert!(misspelt > 50, "{misspelt} misspelt words");
    }

    #[test]
    fn values_are_encoded() {
        assert_eq!(encode("new york"), "new+york");
        assert_eq!(encode("a&b=ü"), "a%26b%3D%C3%BC");
        assert_eq!(date(0), "1970-01-01");
    }
}
