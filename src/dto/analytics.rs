//! What the analytics views show: the admin's platform dashboard and an organizer's event
//! dashboard. Every figure is computed and labelled on the server; charts are drawn from
//! these types by the app's chart components (SVG, no JavaScript needed).

use serde::{Deserialize, Serialize};

/// How finely a time series is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Hour,
    Day,
    Week,
    Month,
}

impl Granularity {
    pub const ALL: [Granularity; 4] = [
        Granularity::Hour,
        Granularity::Day,
        Granularity::Week,
        Granularity::Month,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Hour => "hour",
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        }
    }

    pub fn parse(s: &str) -> Option<Granularity> {
        Granularity::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// A preset date range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RangePreset {
    Today,
    #[serde(rename = "7d")]
    Days7,
    #[serde(rename = "30d")]
    Days30,
    #[serde(rename = "12m")]
    Months12,
    Custom,
}

impl RangePreset {
    pub const ALL: [RangePreset; 5] = [
        RangePreset::Today,
        RangePreset::Days7,
        RangePreset::Days30,
        RangePreset::Months12,
        RangePreset::Custom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RangePreset::Today => "today",
            RangePreset::Days7 => "7d",
            RangePreset::Days30 => "30d",
            RangePreset::Months12 => "12m",
            RangePreset::Custom => "custom",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RangePreset::Today => "Today",
            RangePreset::Days7 => "7 days",
            RangePreset::Days30 => "30 days",
            RangePreset::Months12 => "12 months",
            RangePreset::Custom => "Custom",
        }
    }

    pub fn parse(s: &str) -> Option<RangePreset> {
        RangePreset::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// The period a view covers: whole UTC days, both ends included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RangeView {
    pub preset: RangePreset,
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day, `YYYY-MM-DD`.
    pub to: String,
    pub granularity: Granularity,
    /// The granularities this range can be shown in.
    pub granularities: Vec<Granularity>,
    /// "1 Nov – 30 Nov 2026".
    pub label: String,
    /// The period compared against, e.g. "2 Oct – 31 Oct 2026".
    pub previous_label: String,
}

/// One headline figure and its change against the previous period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Stat {
    /// Stable name (`tickets`, `bookings`, `value_EUR`, ...).
    pub key: String,
    pub label: String,
    pub value: f64,
    /// The value as shown ("1,204", "€3,120.00", "4.2 %").
    pub display: String,
    pub previous: f64,
    pub previous_display: String,
    /// Change in per cent against the previous period; none when it was zero.
    pub change_pct: Option<f64>,
    /// Whether a rise is good news (cancellations: no).
    pub up_is_good: bool,
}

/// A line (or area) chart over time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TimeSeries {
    pub title: String,
    /// One sentence saying what the chart shows, for screen readers.
    pub description: String,
    /// What the values count ("tickets", "EUR").
    pub unit: String,
    /// Bucket labels ("1 Nov", "14:00"), one per point.
    pub labels: Vec<String>,
    pub series: Vec<Series>,
    /// A horizontal reference line (capacity), if any.
    pub reference: Option<Reference>,
}

/// One line of a [`TimeSeries`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
    /// Each value as shown.
    pub display: Vec<String>,
}

/// A labelled horizontal line on a chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Reference {
    pub label: String,
    pub value: f64,
}

/// A horizontal bar chart (a ranking or a breakdown).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Bars {
    pub title: String,
    pub description: String,
    pub unit: String,
    pub rows: Vec<Bar>,
}

/// One bar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub display: String,
    /// Where the label links to (an event's dashboard), if anywhere.
    pub href: Option<String>,
}

/// Steps from seeing an event to booking it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Funnel {
    pub title: String,
    pub description: String,
    pub steps: Vec<FunnelStep>,
}

/// One step of a [`Funnel`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct FunnelStep {
    pub label: String,
    pub value: i64,
    pub display: String,
    /// This step as a share of the previous one ("38.0 %"), none for the first.
    pub rate: Option<String>,
}

/// The admin's platform dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PlatformAnalytics {
    pub range: RangeView,
    /// When the figures were last brought up to date (RFC 3339), and how often they are.
    pub as_of: String,
    pub as_of_label: String,
    pub refresh_seconds: i64,
    pub headline: Vec<Stat>,
    /// Ticket value per currency (the sum of ticket prices booked; never summed across
    /// currencies, and not money received: Evently takes no payments).
    pub value: Vec<Stat>,
    pub waitlist: Vec<Stat>,
    pub tickets_over_time: TimeSeries,
    /// One chart per currency.
    pub value_over_time: Vec<TimeSeries>,
    pub by_category: Bars,
    pub by_city: Bars,
    pub top_by_tickets: Bars,
    /// One ranking per currency, the currency with the most value first.
    pub top_by_value: Vec<Bars>,
    pub funnel: Funnel,
}

/// One ticket type on an event dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct TicketTypeFigures {
    pub id: i64,
    pub name: String,
    pub currency: String,
    pub capacity: i64,
    pub sold: i64,
    pub held: i64,
    pub left: i64,
    /// Seats of confirmed bookings at their prices, e.g. "€1,250.00".
    pub value_display: String,
    pub cancellations: i64,
    pub checked_in: i64,
}

/// An organizer's dashboard of one event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct EventAnalytics {
    pub event_id: i64,
    pub title: String,
    pub slug: String,
    pub status: crate::domain::EventStatus,
    pub starts_label: String,
    /// When these figures were read (RFC 3339).
    pub at: String,
    pub headline: Vec<Stat>,
    pub value: Vec<Stat>,
    pub ticket_types: Vec<TicketTypeFigures>,
    pub sales_curve: TimeSeries,
    pub checkins: TimeSeries,
    pub waitlist: Vec<Stat>,
    pub funnel: Funnel,
}
