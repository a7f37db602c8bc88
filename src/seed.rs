//! Demo data: realistic events across categories, cities and dates, with ticket types.
//!
//! Deterministic (a fixed random seed), idempotent (slugs carry the event's number, so a
//! second run adds nothing), and batched, so a million events load in minutes.

use crate::Core;
use crate::accounts::{AccountError, password};
use crate::domain::EventStatus;
use crate::domain::{CATEGORIES, EventSlug};
use crate::store;
use crate::store::seed::{SeedEvent, SeedTicketType};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

pub use crate::seed_history::{HistoryReport, seed_history};

/// Demo organizer and attendee accounts (development only; production never seeds).
pub const DEMO_ORGANIZER_EMAIL: &str = "organizer@evently.test";
pub const DEMO_ATTENDEE_EMAIL: &str = "demo@evently.test";
pub const DEMO_PASSWORD: &str = "evently-demo-2026";

/// (city, time zone, currency, venues)
const CITIES: &[(&str, &str, &str, &[&str])] = &[
    (
        "Berlin",
        "Europe/Berlin",
        "EUR",
        &[
            "Tempodrom",
            "Columbiahalle",
            "Kesselhaus",
            "Funkhaus",
            "Astra Kulturhaus",
        ],
    ),
    (
        "London",
        "Europe/London",
        "GBP",
        &[
            "Roundhouse",
            "O2 Forum Kentish Town",
            "Barbican Hall",
            "Union Chapel",
            "Village Underground",
        ],
    ),
    (
        "Paris",
        "Europe/Paris",
        "EUR",
        &[
            "La Cigale",
            "Le Trianon",
            "Philharmonie",
            "Le Bataclan",
            "La Gaîté Lyrique",
        ],
    ),
    (
        "Amsterdam",
        "Europe/Amsterdam",
        "EUR",
        &[
            "Paradiso",
            "Melkweg",
            "Muziekgebouw",
            "Tolhuistuin",
            "De Balie",
        ],
    ),
    (
        "Barcelona",
        "Europe/Madrid",
        "EUR",
        &[
            "Razzmatazz",
            "Palau de la Música",
            "Sala Apolo",
            "Poble Espanyol",
            "CCCB",
        ],
    ),
    (
        "Lisbon",
        "Europe/Lisbon",
        "EUR",
        &[
            "Coliseu dos Recreios",
            "LX Factory",
            "Culturgest",
            "Musicbox",
            "Teatro Tivoli",
        ],
    ),
    (
        "Vienna",
        "Europe/Vienna",
        "EUR",
        &[
            "Konzerthaus",
            "Arena Wien",
            "WUK",
            "Porgy & Bess",
            "MuseumsQuartier",
        ],
    ),
    (
        "Prague",
        "Europe/Prague",
        "CZK",
        &[
            "Lucerna Music Bar",
            "Rudolfinum",
            "Forum Karlín",
            "Roxy",
            "DOX",
        ],
    ),
    (
        "Stockholm",
        "Europe/Stockholm",
        "SEK",
        &[
            "Debaser",
            "Berwaldhallen",
            "Nalen",
            "Fotografiska",
            "Södra Teatern",
        ],
    ),
    (
        "Copenhagen",
        "Europe/Copenhagen",
        "DKK",
        &[
            "Vega",
            "DR Koncerthuset",
            "Pumpehuset",
            "Bremen Teater",
            "Kulturhuset Islands Brygge",
        ],
    ),
    (
        "Dublin",
        "Europe/Dublin",
        "EUR",
        &[
            "Vicar Street",
            "National Concert Hall",
            "The Academy",
            "Whelan's",
            "Project Arts Centre",
        ],
    ),
    (
        "Zurich",
        "Europe/Zurich",
        "CHF",
        &["Tonhalle", "Kaufleuten", "Rote Fabrik", "Moods", "X-Tra"],
    ),
    (
        "New York",
        "America/New_York",
        "USD",
        &[
            "Brooklyn Steel",
            "Carnegie Hall",
            "Blue Note",
            "Webster Hall",
            "The Shed",
        ],
    ),
    (
        "San Francisco",
        "America/Los_Angeles",
        "USD",
        &[
            "The Fillmore",
            "SFJAZZ Center",
            "The Chapel",
            "Moscone West",
            "Fort Mason",
        ],
    ),
    (
        "Chicago",
        "America/Chicago",
        "USD",
        &[
            "Metro",
            "Thalia Hall",
            "Symphony Center",
            "The Green Mill",
            "Navy Pier",
        ],
    ),
    (
        "Toronto",
        "America/Toronto",
        "CAD",
        &[
            "Massey Hall",
            "The Danforth",
            "Lee's Palace",
            "Evergreen Brick Works",
            "Harbourfront Centre",
        ],
    ),
    (
        "Tokyo",
        "Asia/Tokyo",
        "JPY",
        &[
            "Zepp Haneda",
            "Blue Note Tokyo",
            "Suntory Hall",
            "WWW X",
            "Tokyo Big Sight",
        ],
    ),
    (
        "Sydney",
        "Australia/Sydney",
        "AUD",
        &[
            "Enmore Theatre",
            "Sydney Opera House",
            "Metro Theatre",
            "Carriageworks",
            "Oxford Art Factory",
        ],
    ),
];

/// (category, title stems, subtitles, ticket types with price bands in minor units)
/// Title stems, subtitles, and ticket types with price bands in minor units.
type Catalogue = (
    &'static [&'static str],
    &'static [&'static str],
    &'static [(&'static str, i64, i64)],
);

fn catalogue(category: &str) -> Catalogue {
    match category {
        "music" => (
            &[
                "Jazz Night",
                "Indie Rock Showcase",
                "Symphony Under the Stars",
                "Techno Warehouse",
                "Acoustic Sessions",
                "Soul & Funk Revue",
                "Chamber Music Matinee",
                "Hip-Hop Block Party",
                "Folk Songs by Candlelight",
                "Piano Recital",
            ],
            &[
                "with the House Trio",
                "Spring Tour",
                "Late Edition",
                "Live",
                "Album Release",
                "Season Opener",
                "Encore Night",
            ],
            &[
                ("Standing", 2500, 6500),
                ("Seated", 4500, 12000),
                ("VIP", 9000, 25000),
            ],
        ),
        "tech" => (
            &[
                "RustConf Meetup",
                "AI in Production",
                "Cloud Native Day",
                "Frontend Forward",
                "Data Engineering Summit",
                "Security Unconference",
                "Open Source Hack Night",
                "Product Managers Breakfast",
                "DevOps Days",
                "Startup Demo Night",
            ],
            &[
                "2026",
                "Community Edition",
                "Workshop Day",
                "Talks & Networking",
                "Hands-on Labs",
            ],
            &[
                ("Community", 0, 0),
                ("Standard", 4900, 19900),
                ("Supporter", 14900, 39900),
            ],
        ),
        "sports" => (
            &[
                "City Half Marathon",
                "Basketball Derby",
                "Climbing Open",
                "Padel Tournament",
                "Yoga in the Park",
                "Cycling Grand Fondo",
                "Ice Hockey Classic",
                "Beach Volleyball Cup",
            ],
            &[
                "Finals",
                "Community Day",
                "Open Qualifiers",
                "Season Opener",
            ],
            &[
                ("General Admission", 1500, 4500),
                ("Premium Seat", 5000, 12000),
            ],
        ),
        "arts" => (
            &[
                "Hamlet",
                "Contemporary Dance Evening",
                "Impressionism Late Opening",
                "Puppet Theatre",
                "Street Art Walk",
                "Opera Gala",
                "Photography Biennale Tour",
                "Improv Theatre",
            ],
            &["Premiere", "Guided Tour", "Matinee", "Closing Night"],
            &[
                ("Stalls", 2500, 8000),
                ("Balcony", 1500, 4500),
                ("Box", 9000, 18000),
            ],
        ),
        "food" => (
            &[
                "Natural Wine Tasting",
                "Street Food Market",
                "Sourdough Masterclass",
                "Ramen Pop-up",
                "Craft Beer Festival",
                "Chocolate Pairing Evening",
                "Farm-to-Table Supper Club",
                "Coffee Cupping",
            ],
            &[
                "Autumn Edition",
                "Tasting Flight",
                "Chef's Table",
                "Weekend Market",
            ],
            &[("Entry", 1000, 3000), ("Tasting Pass", 3500, 7500)],
        ),
        "business" => (
            &[
                "Founders Breakfast",
                "Leadership Forum",
                "Sustainable Finance Summit",
                "Women in Tech Leadership",
                "Growth Marketing Day",
                "Remote Work Conference",
            ],
            &[
                "Keynotes & Panels",
                "Executive Briefing",
                "Networking Edition",
            ],
            &[("Standard", 9900, 29900), ("Executive", 29900, 79900)],
        ),
        "comedy" => (
            &[
                "Stand-up Showcase",
                "Late Night Improv",
                "Comedy Open Mic",
                "Sketch Comedy Hour",
                "Roast Battle",
            ],
            &["New Material", "Headliner Special", "Late Show"],
            &[("General", 1200, 3500), ("Front Row", 3000, 6000)],
        ),
        "film" => (
            &[
                "Silent Film with Live Score",
                "Documentary Festival",
                "Midnight Cult Classics",
                "Short Film Night",
                "Animation Showcase",
                "Open Air Cinema",
            ],
            &["Director Q&A", "Double Feature", "Premiere Screening"],
            &[("Screening", 900, 1800), ("Festival Pass", 4500, 9000)],
        ),
        "wellness" => (
            &[
                "Sunrise Yoga",
                "Breathwork Workshop",
                "Sound Bath",
                "Mindful Running Club",
                "Meditation Retreat Day",
                "Pilates in the Park",
            ],
            &["Beginners Welcome", "Weekend Session", "Deep Dive"],
            &[("Drop-in", 0, 2500), ("Day Pass", 3000, 9000)],
        ),
        _ => (
            &[
                "Family Science Fair",
                "Kids Theatre Morning",
                "Puppet Parade",
                "Lego Build Day",
                "Zoo Night Walk",
                "Storytelling Afternoon",
            ],
            &["Holiday Special", "Weekend Edition", "For All Ages"],
            &[
                ("Child", 0, 1200),
                ("Adult", 800, 2500),
                ("Family (4)", 2500, 6000),
            ],
        ),
    }
}

const DESCRIPTIONS: &[&str] = &[
    "A date that regulars plan their month around: doors open an hour before the start, there is a bar, and the line-up is announced on the day.",
    "Expect a warm, welcoming crowd, great sound and a programme put together by people who care. Arrive early for the best spots.",
    "Step-free access throughout, with accessible toilets and a quiet area. Companion tickets are available on request at the box office.",
    "Hosted by local organizers who have been running this series for years. All proceeds above costs go to the venue's community programme.",
    "Bring friends: there is room to move, good food nearby and plenty of time to talk between sessions.",
];

/// How many demo events a default run creates.
/// The words the demo data is made of, for benchmarks that search it as people would.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// Words of titles and descriptions (lower case, each once).
    pub words: Vec<String>,
    /// Venue names.
    pub venues: Vec<String>,
    /// City names.
    pub cities: Vec<String>,
    /// Category slugs.
    pub categories: Vec<String>,
}

/// The demo data's vocabulary.
pub fn vocabulary() -> Vocabulary {
    let mut words: Vec<String> = Vec::new();
    let mut add = |text: &str| {
        for w in text.split(|c: char| !c.is_alphanumeric()) {
            if w.chars().count() >= 2 {
                words.push(w.to_lowercase());
            }
        }
    };
    for (category, _) in CATEGORIES {
        let (stems, subtitles, _) = catalogue(category);
        stems.iter().chain(subtitles.iter()).for_each(|t| add(t));
    }
    DESCRIPTIONS.iter().for_each(|d| add(d));
    words.sort_unstable();
    words.dedup();
    let mut venues: Vec<String> = CITIES
        .iter()
        .flat_map(|(_, _, _, v)| v.iter().map(|s| s.to_string()))
        .collect();
    venues.sort_unstable();
    venues.dedup();
    Vocabulary {
        words,
        venues,
        cities: CITIES.iter().map(|(c, ..)| c.to_string()).collect(),
        categories: CATEGORIES.iter().map(|(c, _)| c.to_string()).collect(),
    }
}

pub const DEFAULT_EVENTS: usize = 240;

/// Progress callback: (events done, events total).
pub type Progress<'a> = &'a mut dyn FnMut(usize, usize);

/// Seeds demo accounts and `n` events. Returns how many events were newly inserted.
pub async fn seed_demo(core: &Core, n: usize, progress: Progress<'_>) -> Result<usize, SeedError> {
    let organizers = ensure_demo_accounts(core).await?;
    let now = core.clock().now_ms();
    // Midnight UTC today: demo events start on whole local hours.
    let base = now - now.rem_euclid(86_400_000);
    let mut rng = StdRng::seed_from_u64(2026);
    let batch = 5_000;
    let mut inserted = 0;
    let mut done = 0;
    while done < n {
        let size = batch.min(n - done);
        let mut events = Vec::with_capacity(size);
        let mut tts: Vec<SeedTicketType> = Vec::with_capacity(size * 2);
        for i in done..done + size {
            let (e, t) = demo_event(&mut rng, i, base, &organizers);
            events.push(e);
            tts.extend(t);
        }
        let fail = |e| SeedError::Db(e);
        let mut tx = core.db().begin().await.map_err(fail)?;
        let ids = store::seed::insert_events(&mut tx, &events, now)
            .await
            .map_err(fail)?;
        let by_slug: std::collections::HashMap<&str, i64> =
            ids.iter().map(|(s, id)| (s.as_str(), *id)).collect();
        let rows: Vec<(i64, SeedTicketType)> = tts
            .into_iter()
            .filter_map(|t| by_slug.get(t.event_slug.as_str()).map(|id| (*id, t)))
            .collect();
        store::seed::insert_ticket_types(&mut tx, &rows, now)
            .await
            .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        inserted += ids.len();
        done += size;
        progress(done, n);
    }
    if inserted > 0 {
        store::seed::refresh_statistics(core.db())
            .await
            .map_err(SeedError::Db)?;
    }
    Ok(inserted)
}

/// Failure while seeding.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("database error: {0}")]
    Db(sqlx::Error),
    #[error("could not create demo accounts: {0}")]
    Accounts(String),
}

async fn ensure_demo_accounts(core: &Core) -> Result<Vec<i64>, SeedError> {
    let db = core.db();
    let now = core.clock().now_ms();
    let hash = password::hash(DEMO_PASSWORD.to_string())
        .await
        .map_err(SeedError::Accounts)?;
    let mut users = vec![
        (
            DEMO_ORGANIZER_EMAIL.to_string(),
            "Evently Demo Organizer".to_string(),
            hash.clone(),
            "organizer".to_string(),
        ),
        (
            DEMO_ATTENDEE_EMAIL.to_string(),
            "Demo Attendee".to_string(),
            hash.clone(),
            "attendee".to_string(),
        ),
    ];
    for (i, name) in [
        "Northern Lights Productions",
        "Open Stage Collective",
        "Harbour Events",
        "Citywide Sports Club",
        "Table & Vine",
    ]
    .iter()
    .enumerate()
    {
        users.push((
            format!("organizer{}@evently.test", i + 1),
            name.to_string(),
            hash.clone(),
            "organizer".to_string(),
        ));
    }
    let mut tx = db.begin().await.map_err(SeedError::Db)?;
    store::users::insert_many(&mut tx, &users, now)
        .await
        .map_err(SeedError::Db)?;
    tx.commit().await.map_err(SeedError::Db)?;
    let ids = store::users::ids_with_role(db, "organizer", 10)
        .await
        .map_err(SeedError::Db)?;
    if ids.is_empty() {
        return Err(SeedError::Accounts(AccountError::NotFound.to_string()));
    }
    Ok(ids)
}

fn demo_event(
    rng: &mut StdRng,
    i: usize,
    base: i64,
    organizers: &[i64],
) -> (SeedEvent, Vec<SeedTicketType>) {
    let (category, _) = CATEGORIES[rng.gen_range(0..CATEGORIES.len())];
    let (city, tz, currency, venues) = CITIES[rng.gen_range(0..CITIES.len())];
    let (stems, subtitles, bands) = catalogue(category);
    let stem = stems[rng.gen_range(0..stems.len())];
    let subtitle = subtitles[rng.gen_range(0..subtitles.len())];
    let title = format!("{stem}: {subtitle}");
    let venue = venues[rng.gen_range(0..venues.len())].to_string();
    // Mostly upcoming (the next 9 months), some in the recent past.
    let day = if rng.gen_bool(0.1) {
        -rng.gen_range(1..60_i64)
    } else {
        rng.gen_range(1..270_i64)
    };
    let hours = start_hours(category, &title);
    let hour = hours[rng.gen_range(0..hours.len())];
    let starts_at = base + day * 86_400_000 + (hour - tz_offset_hours(tz)) * 3_600_000;
    let duration_h = match category {
        _ if hour >= 19 => rng.gen_range(2..4_i64),
        "business" | "tech" => rng.gen_range(4..9_i64),
        "food" | "family" => rng.gen_range(2..5_i64),
        _ => rng.gen_range(2..4_i64),
    };
    let slug = format!(
        "{}-{}-{}",
        EventSlug::from_title(&title).as_str(),
        EventSlug::from_title(city).as_str(),
        i + 1
    );
    let n_types = rng.gen_range(1..=bands.len());
    let mut tts = Vec::with_capacity(n_types);
    for (pos, (name, lo, hi)) in bands.iter().take(n_types).enumerate() {
        let price = if hi <= lo {
            *lo
        } else {
            (rng.gen_range(*lo..=*hi) / 100) * 100
        };
        let price = if currency == "JPY" {
            price / 100 * 15
        } else {
            price
        };
        tts.push(SeedTicketType {
            event_slug: slug.clone(),
            name: name.to_string(),
            price_cents: price,
            currency: currency.to_string(),
            capacity: [20_i64, 50, 80, 120, 200, 350, 500, 1000][rng.gen_range(0..8)],
            position: pos as i64,
        });
    }
    let min_price_cents = tts.iter().map(|t| t.price_cents).min().unwrap_or(0);
    let description = format!(
        "{title} at {venue}, {city}.\n\n{}\n\n{}",
        DESCRIPTIONS[rng.gen_range(0..DESCRIPTIONS.len())],
        DESCRIPTIONS[rng.gen_range(0..DESCRIPTIONS.len())]
    );
    // Put on sale over the four months before it starts (or before now, if that is sooner).
    let published_at = starts_at.min(base) - rng.gen_range(1..120_i64) * 86_400_000;
    let status = if rng.gen_bool(0.03) {
        EventStatus::Draft
    } else {
        EventStatus::Published
    };
    (
        SeedEvent {
            organizer_id: organizers[i % organizers.len()],
            slug,
            title,
            description,
            venue,
            city: city.to_string(),
            category: category.to_string(),
            starts_at,
            ends_at: starts_at + duration_h * 3_600_000,
            timezone: tz.to_string(),
            status,
            image_url: Some(format!("/img/categories/{category}.svg")),
            min_price_cents,
            published_at,
        },
        tts,
    )
}

/// Local start hours that agree with the title: a "Midnight" screening at midnight, a
/// "Breakfast" in the morning, a "Night" in the evening; talks and conferences by day.
fn start_hours(category: &str, title: &str) -> &'static [i64] {
    let has = |w: &str| title.contains(w);
    if has("Midnight") {
        &[24]
    } else if has("Late Night") {
        &[22, 23]
    } else if has("Breakfast") || has("Morning") {
        &[8, 9]
    } else if has("Brunch") {
        &[11]
    } else if has("Afternoon") || has("Matinee") {
        &[14, 15]
    } else if has("Night") || has("Evening") {
        &[19, 20, 21]
    } else if matches!(category, "business" | "tech") {
        &[9, 10, 13]
    } else if category == "family" {
        &[10, 11, 14]
    } else {
        &[12, 14, 18, 19, 20, 21]
    }
}

/// A rough standard offset, so demo events start at plausible local hours.
fn tz_offset_hours(tz: &str) -> i64 {
    match tz {
        "Europe/London" | "Europe/Lisbon" | "Europe/Dublin" => 0,
        t if t.starts_with("Europe/") => 1,
        "America/New_York" | "America/Toronto" => -5,
        "America/Chicago" => -6,
        "America/Los_Angeles" => -8,
        "Asia/Tokyo" => 9,
        "Australia/Sydney" => 10,
        _ => 0,
    }
}

#[cfg(test)]
mod start_hour_tests {
    use super::start_hours;

    #[test]
    fn titles_agree_with_their_times() {
        assert_eq!(
            start_hours("film", "Midnight Cult Classics: Premiere"),
            &[24]
        );
        assert_eq!(
            start_hours("business", "Founders Breakfast: Panel"),
            &[8, 9]
        );
        assert!(
            start_hours("music", "Jazz Night: Live")
                .iter()
                .all(|h| *h >= 19)
        );
        assert!(
            start_hours("film", "Short Film Night: Matinee")
                .iter()
                .all(|h| *h < 19)
        );
        assert!(
            start_hours("tech", "Cloud Summit: Keynote")
                .iter()
                .all(|h| *h < 14)
        );
    }
}
