//! Charts drawn as SVG on the server: a line chart over time, horizontal bars, a funnel. They
//! show in the first paint without JavaScript. Each is a `<figure>` with a caption, an
//! `<svg role="img">` carrying `<title>` and `<desc>`, and a "Show as table" view of the same
//! numbers. Points and bars show their value on hover and on keyboard focus (CSS only);
//! series differ by dash pattern and marker as well as colour, so colour never carries the
//! meaning alone. Scales are computed here; the colours live in the style sheet (`.chart`).

use evently::dto::analytics::{Bars, Funnel, TimeSeries};
use leptos::prelude::*;

/// The drawing's size (it scales to the width of its box).
const W: f64 = 480.0;
const H: f64 = 220.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;
/// Points beyond this many are drawn but not focusable one by one (the table lists them).
const MAX_FOCUSABLE: usize = 60;

/// A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at least `max`.
pub fn nice_max(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let p = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|v| *v >= max)
        .unwrap_or(10.0 * p)
}

/// Short axis numbers: 1200 -> "1.2k".
pub fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1_000_000.0 {
        format!("{:.1}M", v / 1_000_000.0).replace(".0M", "M")
    } else if a >= 1_000.0 {
        format!("{:.1}k", v / 1_000.0).replace(".0k", "k")
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// A line chart of one or more series over the same buckets, with an optional reference
/// line (capacity).
#[component]
pub fn LineChart(data: TimeSeries, #[prop(optional)] id: Option<String>) -> impl IntoView {
    let id = id.unwrap_or_else(|| format!("chart-{}", slug(&data.title)));
    let n = data.labels.len().max(1);
    let max_v = data
        .series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .chain(data.reference.as_ref().map(|r| r.value))
        .fold(0.0, f64::max);
    let top = nice_max(max_v);
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let x = move |i: usize| {
        if n == 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (n - 1) as f64
        }
    };
    let y = move |v: f64| TOP + plot_h * (1.0 - v / top);
    let ticks: Vec<f64> = (0..=4).map(|k| top * k as f64 / 4.0).collect();
    let every = n.div_ceil(6).max(1);
    let focusable = n * data.series.len() <= MAX_FOCUSABLE;
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let grid = ticks
        .iter()
        .map(|t| {
            let yy = y(*t);
            view! {
                <line class="grid" x1=LEFT x2=W - RIGHT y1=yy y2=yy/>
                <text class="axis" x=LEFT - 6.0 y=yy + 4.0 text-anchor="end">{short(*t)}</text>
            }
        })
        .collect_view();
    let xlabels = data
        .labels
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, l)| {
            view! { <text class="axis" x=x(i) y=H - 8.0 text-anchor="middle">{l.clone()}</text> }
        })
        .collect_view();
    let reference = data.reference.clone().map(|r| {
        let yy = y(r.value);
        view! {
            <line class="reference" x1=LEFT x2=W - RIGHT y1=yy y2=yy/>
            <text class="axis reference-label" x=W - RIGHT y=yy - 4.0 text-anchor="end">{r.label}</text>
        }
    });
    let labels = data.labels.clone();
    let lines = data
        .series
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let pts: String = s
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| format!("{:.1},{:.1}", x(i), y(*v)))
                .collect::<Vec<_>>()
                .join(" ");
            let area = (data.series.len() == 1 && !s.values.is_empty()).then(|| {
                let last = s.values.len() - 1;
                format!(
                    "{pts} {:.1},{:.1} {:.1},{:.1}",
                    x(last),
                    y(0.0),
                    x(0),
                    y(0.0)
                )
            });
            let marks = s
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let tip = format!("{}: {} ({})", labels.get(i).cloned().unwrap_or_default(), s.display.get(i).cloned().unwrap_or_default(), s.name);
                    let (cx, cy) = (x(i), y(*v));
                    let tx = cx.clamp(LEFT + 60.0, W - RIGHT - 60.0);
                    view! {
                        <g class="pt" tabindex=focusable.then_some("0")>
                            <title>{tip.clone()}</title>
                            <circle class=format!("mark s{}", k % 5) cx=cx cy=cy r="3"/>
                            <text class="tip" x=tx y=(cy - 10.0).max(12.0) text-anchor="middle">{tip}</text>
                        </g>
                    }
                })
                .collect_view();
            view! {
                {area.map(|a| view! { <polygon class=format!("area s{}", k % 5) points=a/> })}
                <polyline class=format!("line s{}", k % 5) points=pts/>
                {marks}
            }
        })
        .collect_view();
    let legend = data
        .series
        .iter()
        .enumerate()
        .map(|(k, s)| {
            view! {
                <li>
                    <svg class="key" viewBox="0 0 24 8" aria-hidden="true">
                        <line class=format!("line s{}", k % 5) x1="0" x2="24" y1="4" y2="4"/>
                    </svg>
                    {s.name.clone()}
                </li>
            }
        })
        .collect_view();
    let head = data
        .series
        .iter()
        .map(|s| view! { <th scope="col">{s.name.clone()}</th> })
        .collect_view();
    let rows = data
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let cells = data
                .series
                .iter()
                .map(|s| view! { <td class="num">{s.display.get(i).cloned().unwrap_or_default()}</td> })
                .collect_view();
            view! { <tr><th scope="row">{l.clone()}</th>{cells}</tr> }
        })
        .collect_view();
    let labelled_by = format!("{title_id} {desc_id}");
    view! {
        <figure class="chart card" id=id.clone()>
            <figcaption><h3>{data.title.clone()}</h3></figcaption>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-labelledby=labelled_by>
                <title id=title_id>{data.title.clone()}</title>
                <desc id=desc_id>{data.description.clone()}</desc>
                {grid}
                {reference}
                {lines}
                {xlabels}
            </svg>
            {(data.series.len() > 1).then(|| view! { <ul class="legend">{legend}</ul> })}
            <p class="muted small">{data.description.clone()}</p>
            <details class="as-table">
                <summary>"Show as table"</summary>
                <div class="table-scroll">
                    <table>
                        <caption class="visually-hidden">{data.title.clone()}</caption>
                        <thead><tr><th scope="col">"Period"</th>{head}</tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </details>
        </figure>
    }
}

/// One bar's track and fill, `pct` per cent long. Drawn as SVG with the length in an
/// attribute: the page's Content-Security-Policy blocks inline `style` attributes.
#[component]
fn BarTrack(pct: f64) -> impl IntoView {
    view! {
        <svg class="bar-track" aria-hidden="true" focusable="false">
            <rect class="bar-fill" width=format!("{pct:.1}%") height="100%"/>
        </svg>
    }
}

/// Horizontal bars, longest first as given; labels may link.
#[component]
pub fn BarChart(data: Bars) -> impl IntoView {
    let id = format!("chart-{}", slug(&data.title));
    let max_v = data.rows.iter().map(|b| b.value).fold(0.0, f64::max);
    let empty = data.rows.is_empty();
    let bars = data
        .rows
        .iter()
        .map(|b| {
            let pct = if max_v > 0.0 {
                (b.value / max_v * 100.0).max(0.5)
            } else {
                0.0
            };
            let label = match &b.href {
                Some(h) => view! { <a href=h.clone()>{b.label.clone()}</a> }.into_any(),
                None => view! { <span>{b.label.clone()}</span> }.into_any(),
            };
            view! {
                <li class="bar-row">
                    <span class="bar-label">{label}</span>
                    <BarTrack pct/>
                    <span class="bar-value num">{b.display.clone()}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <figure class="chart card" id=id>
            <figcaption><h3>{data.title.clone()}</h3></figcaption>
            <p class="visually-hidden">{data.description.clone()}</p>
            {if empty {
                view! { <p class="muted">"Nothing in this period yet."</p> }.into_any()
            } else {
                view! { <ol class="bars">{bars}</ol> }.into_any()
            }}
        </figure>
    }
}

/// Steps from page view to booking, each with its share of the step before.
#[component]
pub fn FunnelChart(data: Funnel) -> impl IntoView {
    let first = data.steps.first().map(|s| s.value).unwrap_or(0).max(1) as f64;
    let steps = data
        .steps
        .iter()
        .map(|s| {
            let pct = (s.value as f64 / first * 100.0).clamp(0.5, 100.0);
            view! {
                <li class="funnel-step">
                    <span class="bar-label">{s.label.clone()}</span>
                    <BarTrack pct/>
                    <span class="bar-value num">
                        {s.display.clone()}
                        {s.rate.clone().map(|r| view! { <span class="muted small">" · " {r} " of the step before"</span> })}
                    </span>
                </li>
            }
        })
        .collect_view();
    view! {
        <figure class="chart card" id="chart-funnel">
            <figcaption><h3>{data.title.clone()}</h3></figcaption>
            <p class="visually-hidden">{data.description.clone()}</p>
            <ol class="bars funnel">{steps}</ol>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_are_round() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(120.0), 200.0);
        assert_eq!(nice_max(4_500.0), 5_000.0);
        assert_eq!(short(1_200.0), "1.2k");
        assert_eq!(short(2_000_000.0), "2M");
        assert_eq!(short(15.0), "15");
    }
}
