//! CSV exports: bookings, an event's attendees and waitlist, and users, streamed page by page.
//!
//! An export is checked (input, who may see it, the rate limit) and written to the audit log
//! before its first byte; then a [`CsvStream`] reads the rows by key, one page at a time on a
//! pooled connection, so a million rows take constant memory and hold no connection between
//! pages. Cells go through a small RFC 4180 writer that also defuses spreadsheet formulas
//! (OWASP "CSV injection"): a cell starting with `=`, `+`, `-`, `@`, tab or CR gets a leading
//! `'`. Money is a decimal with its currency; Evently takes no payment, so nothing is called
//! paid or revenue.

use crate::actor::Actor;
use crate::db::Db;
use crate::domain::Role;
use crate::error::{ApiError, ErrorCode};
use crate::store;
use crate::store::exports::{
    AttendeeExportRow, BookingExportRow, BookingFilter, UserExportRow, WaitlistExportRow,
};
use crate::{Core, ratelimit};
use chrono::{Datelike, NaiveDate, Timelike};
use futures::StreamExt;
use futures::stream::BoxStream;
use std::borrow::Cow;
use std::fmt::Write as _;
use std::future::Future;

/// Rows read per page.
pub const PAGE_SIZE: i64 = 2000;

/// The body of an export: the header row, then one chunk of rows per page. An `Err` ends it
/// (the cause is logged; the client sees a cut-off download, never a half-truth).
pub type CsvStream = BoxStream<'static, Result<String, ExportError>>;

/// Why an export stopped after it started.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("reading the {0} export failed")]
    Read(&'static str),
}

/// What is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Bookings,
    Attendees,
    Waitlist,
    Users,
}

impl ExportKind {
    /// The name in file names and in the audit log (`export.bookings`).
    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::Bookings => "bookings",
            ExportKind::Attendees => "attendees",
            ExportKind::Waitlist => "waitlist",
            ExportKind::Users => "users",
        }
    }

    fn audit_action(self) -> &'static str {
        match self {
            ExportKind::Bookings => "export.bookings",
            ExportKind::Attendees => "export.attendees",
            ExportKind::Waitlist => "export.waitlist",
            ExportKind::Users => "export.users",
        }
    }
}

/// A range of UTC days on `created_at`, both ends included; either may be open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DateRange {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl DateRange {
    /// Reads `from` and `to` (`YYYY-MM-DD`; blank is open). `from` after `to` is refused.
    pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<DateRange, ApiError> {
        let range = DateRange {
            from: parse_date("from", from)?,
            to: parse_date("to", to)?,
        };
        if let (Some(f), Some(t)) = (range.from, range.to)
            && f > t
        {
            return Err(ApiError::invalid("to", "`to` must not be before `from`"));
        }
        Ok(range)
    }

    /// `[start, end)` in UTC milliseconds.
    fn bounds_ms(self) -> (Option<i64>, Option<i64>) {
        let ms = |d: NaiveDate| {
            d.and_time(chrono::NaiveTime::MIN)
                .and_utc()
                .timestamp_millis()
        };
        (
            self.from.map(ms),
            self.to.and_then(|d| d.succ_opt()).map(ms),
        )
    }
}

fn parse_date(field: &str, raw: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let bad = || ApiError::invalid(field, format!("`{field}` must be a date like 2026-12-01"));
    if raw.len() != 10 {
        return Err(bad());
    }
    let d = NaiveDate::parse_from_str(raw, "%Y-%m-%d").map_err(|_| bad())?;
    if !(1970..=9999).contains(&chrono::Datelike::year(&d)) {
        return Err(bad());
    }
    Ok(Some(d))
}

/// Reads an optional event id from a query string (blank: none).
pub fn parse_event_id(field: &str, raw: Option<&str>) -> Result<Option<i64>, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(ApiError::invalid(
                field,
                format!("`{field}` must be a positive number"),
            )),
        },
    }
}

/// One export asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportRequest {
    /// One event's bookings, for whoever manages it.
    EventBookings {
        event_id: i64,
        range: DateRange,
    },
    /// Bookings of every event, or of one (admins).
    AllBookings {
        event_id: Option<i64>,
        range: DateRange,
    },
    /// One ticket per row, with check-in state.
    Attendees {
        event_id: i64,
    },
    Waitlist {
        event_id: i64,
    },
    /// Accounts, optionally those whose e-mail or name contains `q` (admins).
    Users {
        q: Option<String>,
    },
}

impl ExportRequest {
    pub fn kind(&self) -> ExportKind {
        match self {
            ExportRequest::EventBookings { .. } | ExportRequest::AllBookings { .. } => {
                ExportKind::Bookings
            }
            ExportRequest::Attendees { .. } => ExportKind::Attendees,
            ExportRequest::Waitlist { .. } => ExportKind::Waitlist,
            ExportRequest::Users { .. } => ExportKind::Users,
        }
    }

    /// Reads a users export's search (blank: all; at most 100 characters).
    pub fn users(q: Option<&str>) -> Result<ExportRequest, ApiError> {
        let q = q.map(str::trim).filter(|q| !q.is_empty());
        if q.is_some_and(|q| q.chars().count() > 100) {
            return Err(ApiError::invalid(
                "q",
                "search is limited to 100 characters",
            ));
        }
        Ok(ExportRequest::Users {
            q: q.map(str::to_string),
        })
    }
}

/// An export ready to send.
pub struct CsvExport {
    /// `bookings-jazz-night-2026-12-01.csv`: what, which event, the day (UTC) it was made.
    pub filename: String,
    pub rows: CsvStream,
}

/// Starts an export for `actor`: see [`start_paged`]; pages of [`PAGE_SIZE`] rows.
pub async fn start(core: &Core, actor: &Actor, req: &ExportRequest) -> Result<CsvExport, ApiError> {
    start_paged(core, actor, req, PAGE_SIZE).await
}

/// Starts an export reading `page_size` rows at a time. An event's exports are for those who
/// may manage it ([`Actor::may_manage`]); anyone else, and a missing event, gets 404. All
/// bookings and users are for admins (403). Then the export counts against the user's
/// [`EXPORT`](ratelimit::tiers::EXPORT) limit (429) and is written to the audit log.
pub async fn start_paged(
    core: &Core,
    actor: &Actor,
    req: &ExportRequest,
    page_size: i64,
) -> Result<CsvExport, ApiError> {
    let kind = req.kind();
    let (event, filter) = match req {
        ExportRequest::EventBookings { event_id, range } => (
            Some(managed_event(core, actor, *event_id).await?),
            Some(*range),
        ),
        ExportRequest::AllBookings { event_id, range } => {
            require_admin(actor)?;
            let event = match event_id {
                Some(id) => Some(managed_event(core, actor, *id).await?),
                None => None,
            };
            (event, Some(*range))
        }
        ExportRequest::Attendees { event_id } | ExportRequest::Waitlist { event_id } => {
            (Some(managed_event(core, actor, *event_id).await?), None)
        }
        ExportRequest::Users { .. } => {
            require_admin(actor)?;
            (None, None)
        }
    };
    if let ratelimit::Verdict::Limited { retry_after_secs } = core
        .limiter()
        .hit(ratelimit::tiers::EXPORT, &actor.user_id.to_string())
        .await
    {
        return Err(ratelimit::too_many(retry_after_secs, "exports"));
    }

    let now = core.clock().now_ms();
    let day = crate::clock::to_datetime(now)
        .format("%Y-%m-%d")
        .to_string();
    let filename = match (&event, kind) {
        (Some(e), _) => format!("{}-{}-{day}.csv", kind.as_str(), file_safe(&e.slug)),
        (None, ExportKind::Bookings) => format!("bookings-all-events-{day}.csv"),
        (None, _) => format!("{}-{day}.csv", kind.as_str()),
    };
    let q = match req {
        ExportRequest::Users { q } => q.clone(),
        _ => None,
    };
    let detail = serde_json::json!({
        "kind": kind.as_str(),
        "event_id": event.as_ref().map(|e| e.id),
        "from": filter.and_then(|r| r.from).map(|d| d.to_string()),
        "to": filter.and_then(|r| r.to).map(|d| d.to_string()),
        "q": q,
        "filename": filename,
    });
    let entry = store::audit::NewEntry {
        actor_id: Some(actor.user_id),
        action: kind.audit_action(),
        target_type: if event.is_some() {
            "event"
        } else {
            kind.as_str()
        },
        target_id: event.as_ref().map(|e| e.id.to_string()),
        subject_id: None,
        detail: detail.to_string(),
        ip: actor.ip.clone(),
    };
    // An export of personal data that cannot be recorded is not made.
    store::audit::record(core.db(), &entry, now)
        .await
        .map_err(|e| db_failure("recording an export failed", &e))?;

    let db = core.db().clone();
    let page = page_size.max(1);
    let rows = match req {
        ExportRequest::EventBookings { event_id, range } => {
            bookings_stream(db, Some(*event_id), *range, page)
        }
        ExportRequest::AllBookings { event_id, range } => {
            bookings_stream(db, *event_id, *range, page)
        }
        ExportRequest::Attendees { event_id } => {
            let event_id = *event_id;
            paged(
                db,
                kind,
                ATTENDEE_HEADER,
                page,
                move |db, after, n| async move {
                    store::exports::attendees(&db, event_id, after, n).await
                },
            )
        }
        ExportRequest::Waitlist { event_id } => {
            let event_id = *event_id;
            paged(
                db,
                kind,
                WAITLIST_HEADER,
                page,
                move |db, after, n| async move {
                    store::exports::waitlist(&db, event_id, after, n).await
                },
            )
        }
        ExportRequest::Users { q } => {
            let q = q.clone();
            paged(db, kind, USER_HEADER, page, move |db, after, n| {
                let q = q.clone();
                async move { store::exports::users(&db, q.as_deref(), after, n).await }
            })
        }
    };
    Ok(CsvExport { filename, rows })
}

fn bookings_stream(db: Db, event_id: Option<i64>, range: DateRange, page: i64) -> CsvStream {
    let (from_ms, until_ms) = range.bounds_ms();
    let filter = BookingFilter {
        event_id,
        from_ms,
        until_ms,
    };
    paged(
        db,
        ExportKind::Bookings,
        BOOKING_HEADER,
        page,
        move |db, after, n| {
            let filter = filter.clone();
            async move { store::exports::bookings(&db, &filter, after, n).await }
        },
    )
}

fn require_admin(actor: &Actor) -> Result<(), ApiError> {
    if actor.role == Role::Admin {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::Forbidden,
            "only admins can export this",
        ))
    }
}

/// The event, if `actor` may manage it; otherwise it does not exist for them.
async fn managed_event(
    core: &Core,
    actor: &Actor,
    event_id: i64,
) -> Result<store::events::EventRow, ApiError> {
    match store::events::event_by_id(core.db(), event_id)
        .await
        .map_err(|e| db_failure("event lookup for an export failed", &e))?
    {
        Some(e) if actor.may_manage(e.event.organizer_id) => Ok(e.event),
        _ => Err(ApiError::not_found("event")),
    }
}

fn db_failure(context: &str, e: &sqlx::Error) -> ApiError {
    crate::db::log_failure(context, e);
    ApiError::internal()
}

/// Keeps `[a-z0-9-]` (slugs already are), so a file name never needs escaping.
fn file_safe(s: &str) -> String {
    let s: String = s
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
        .take(80)
        .collect();
    if s.is_empty() { "event".to_string() } else { s }
}

/// A row that can be written as CSV and paged by its key.
trait CsvRow: Send + 'static {
    /// The key pages continue after (the order of the export).
    type Key: Copy + Default + Send + 'static;
    fn key(&self) -> Self::Key;
    fn write(&self, w: &mut CsvWriter);
}

/// Pages through rows by key: a task reads one page at a time with `fetch(db, after, limit)`
/// (which takes a connection from the pool and gives it back) and writes it as one chunk,
/// while the chunk before is on its way to the client: at most [`PAGES_AHEAD`] chunks wait,
/// so memory stays constant, and the task ends when the download is dropped.
fn paged<R, F, Fut>(
    db: Db,
    kind: ExportKind,
    header: &'static [&'static str],
    page_size: i64,
    mut fetch: F,
) -> CsvStream
where
    R: CsvRow,
    F: FnMut(Db, R::Key, i64) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Vec<R>, sqlx::Error>> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<String, ExportError>>(PAGES_AHEAD);
    tokio::spawn(async move {
        let mut w = CsvWriter::new();
        w.row(header.iter().copied());
        if tx.send(Ok(w.into_string())).await.is_err() {
            return;
        }
        let mut after = R::Key::default();
        loop {
            match fetch(db.clone(), after, page_size).await {
                Err(e) => {
                    crate::db::log_failure("reading a page of an export failed", &e);
                    let _ = tx.send(Err(ExportError::Read(kind.as_str()))).await;
                    return;
                }
                Ok(rows) => {
                    let Some(last) = rows.last().map(CsvRow::key) else {
                        return;
                    };
                    let full = rows.len() as i64 >= page_size;
                    let mut w = CsvWriter::with_capacity(rows.len() * 160);
                    for r in &rows {
                        r.write(&mut w);
                    }
                    drop(rows);
                    if tx.send(Ok(w.into_string())).await.is_err() || !full {
                        return;
                    }
                    after = last;
                }
            }
        }
    });
    // Ends once the task has ended and every chunk is out; polling again after the end
    // answers `None` again (the compression layer polls once more).
    futures::stream::unfold(rx, |mut rx| async move {
        let chunk = rx.recv().await?;
        Some((chunk, rx))
    })
    .fuse()
    .boxed()
}

/// Chunks read ahead of the client.
const PAGES_AHEAD: usize = 2;

const BOOKING_HEADER: &[&str] = &[
    "booking_id",
    "booking_code",
    "event_id",
    "event_slug",
    "event_title",
    "ticket_type",
    "quantity",
    "unit_price",
    "ticket_value",
    "currency",
    "status",
    "booker_name",
    "booker_email",
    "created_at",
    "cancelled_at",
    "cancel_reason",
];

impl CsvRow for BookingExportRow {
    type Key = (i64, i64);
    fn key(&self) -> (i64, i64) {
        (self.event_id, self.id)
    }
    fn write(&self, w: &mut CsvWriter) {
        w.int(self.id);
        w.cell(&self.code);
        w.int(self.event_id);
        w.cell(&self.event_slug);
        w.cell(&self.event_title);
        w.cell(&self.ticket_type);
        w.int(self.quantity);
        w.money(self.unit_price_cents, &self.currency);
        w.money(self.total_cents, &self.currency);
        w.cell(&self.currency);
        w.cell(self.status.as_str());
        w.cell(&self.booker_name);
        w.cell(&self.booker_email);
        w.time(Some(self.created_at));
        w.time(self.cancelled_at);
        w.cell(self.cancel_reason.as_deref().unwrap_or(""));
        w.end_row();
    }
}

const ATTENDEE_HEADER: &[&str] = &[
    "ticket_id",
    "ticket_code",
    "booking_code",
    "ticket_type",
    "attendee_name",
    "booker_name",
    "booker_email",
    "ticket_value",
    "currency",
    "booked_at",
    "checked_in",
    "checked_in_at",
    "checked_in_by",
];

impl CsvRow for AttendeeExportRow {
    type Key = i64;
    fn key(&self) -> i64 {
        self.ticket_id
    }
    fn write(&self, w: &mut CsvWriter) {
        w.int(self.ticket_id);
        w.cell(&self.ticket_code);
        w.cell(&self.booking_code);
        w.cell(&self.ticket_type);
        w.cell(self.attendee_name.as_deref().unwrap_or(""));
        w.cell(&self.booker_name);
        w.cell(&self.booker_email);
        w.money(self.unit_price_cents, &self.currency);
        w.cell(&self.currency);
        w.time(Some(self.booked_at));
        w.cell(if self.checked_in_at.is_some() {
            "true"
        } else {
            "false"
        });
        w.time(self.checked_in_at);
        w.cell(
            &self
                .checked_in_by
                .map(|id| id.to_string())
                .unwrap_or_default(),
        );
        w.end_row();
    }
}

const WAITLIST_HEADER: &[&str] = &[
    "entry_id",
    "ticket_type",
    "place",
    "quantity",
    "status",
    "name",
    "email",
    "offered_quantity",
    "offer_expires_at",
    "offers_made",
    "booking_code",
    "joined_at",
    "ended_at",
];

impl CsvRow for WaitlistExportRow {
    type Key = i64;
    fn key(&self) -> i64 {
        self.id
    }
    fn write(&self, w: &mut CsvWriter) {
        w.int(self.id);
        w.cell(&self.ticket_type);
        w.int(self.place);
        w.int(self.quantity);
        w.cell(self.status.as_str());
        w.cell(&self.user_name);
        w.cell(&self.user_email);
        w.int(self.offered_quantity);
        w.time(self.offer_expires_at);
        w.int(self.offers_made);
        w.cell(self.booking_code.as_deref().unwrap_or(""));
        w.time(Some(self.created_at));
        w.time(self.ended_at);
        w.end_row();
    }
}

const USER_HEADER: &[&str] = &[
    "user_id",
    "email",
    "name",
    "role",
    "disabled",
    "email_verified_at",
    "marketing_opt_in_at",
    "created_at",
];

impl CsvRow for UserExportRow {
    type Key = i64;
    fn key(&self) -> i64 {
        self.id
    }
    fn write(&self, w: &mut CsvWriter) {
        w.int(self.id);
        w.cell(&self.email);
        w.cell(&self.name);
        w.cell(&self.role);
        w.cell(if self.disabled { "true" } else { "false" });
        w.time(self.email_verified_at);
        w.time(self.marketing_opt_in_at);
        w.time(Some(self.created_at));
        w.end_row();
    }
}

/// Writes CSV (RFC 4180: `,` between cells, CRLF after rows) with formulas defused.
#[derive(Debug, Default)]
pub struct CsvWriter {
    out: String,
    cells_in_row: usize,
}

impl CsvWriter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_capacity(bytes: usize) -> Self {
        CsvWriter {
            out: String::with_capacity(bytes),
            cells_in_row: 0,
        }
    }

    /// One text cell, defused and quoted as needed.
    pub fn cell(&mut self, value: &str) {
        self.sep();
        let value = defuse(value);
        if value.contains([',', '"', '\r', '\n']) {
            self.out.push('"');
            self.out.push_str(&value.replace('"', "\"\""));
            self.out.push('"');
        } else {
            self.out.push_str(&value);
        }
    }

    pub fn int(&mut self, n: i64) {
        if n < 0 {
            // A leading `-` is defused like any other cell's.
            return self.cell(&n.to_string());
        }
        self.sep();
        let _ = write!(self.out, "{n}");
    }

    /// A moment as ISO 8601 UTC (`2026-12-01T10:00:00Z`); `None` is an empty cell.
    pub fn time(&mut self, ms: Option<i64>) {
        let Some(ms) = ms else {
            return self.cell("");
        };
        let t = crate::clock::to_datetime(ms);
        if !(0..=9999).contains(&t.year()) {
            return self.cell(&t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
        }
        self.sep();
        let _ = write!(
            self.out,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        );
    }

    /// The comma before a cell that is not the row's first.
    fn sep(&mut self) {
        if self.cells_in_row > 0 {
            self.out.push(',');
        }
        self.cells_in_row += 1;
    }

    /// Minor units as a plain decimal (`1250` -> `12.50`; yen have no minor unit).
    pub fn money(&mut self, minor: i64, currency: &str) {
        self.cell(&decimal(minor, currency));
    }

    /// Ends the row.
    pub fn end_row(&mut self) {
        self.out.push_str("\r\n");
        self.cells_in_row = 0;
    }

    /// A whole row of text cells.
    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) {
        for c in cells {
            self.cell(c);
        }
        self.end_row();
    }

    pub fn into_string(self) -> String {
        self.out
    }
}

/// A cell a spreadsheet would run as a formula gets a leading `'` (OWASP).
pub fn defuse(value: &str) -> Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

fn decimal(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if currency == "JPY" {
        format!("{sign}{abs}")
    } else {
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_row(cells: &[&str]) -> String {
        let mut w = CsvWriter::new();
        w.row(cells.iter().copied());
        w.into_string()
    }

    #[test]
    fn formulas_are_defused_then_quoted() {
        assert_eq!(
            one_row(&["=HYPERLINK(\"http://x\",\"y\")"]),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n"
        );
        assert_eq!(one_row(&["-1"]), "'-1\r\n");
        assert_eq!(one_row(&["+1"]), "'+1\r\n");
        assert_eq!(one_row(&["@SUM(A1:A2)"]), "'@SUM(A1:A2)\r\n");
        assert_eq!(one_row(&["\tx"]), "'\tx\r\n");
        assert_eq!(one_row(&["\rx"]), "\"'\rx\"\r\n");
        // Only the first character counts: inner signs are data.
        assert_eq!(one_row(&["a=b", "1-2", "x@y.z"]), "a=b,1-2,x@y.z\r\n");
    }

    #[test]
    fn quoting_follows_rfc_4180() {
        assert_eq!(
            one_row(&["plain", "a,b", "say \"hi\"", "two\nlines", "cr\rx", ""]),
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rx\",\r\n"
        );
        assert_eq!(one_row(&["Zoë", "東京", "€"]), "Zoë,東京,€\r\n");
        let mut w = CsvWriter::new();
        w.row(["a", "b"]);
        w.row(["c", "d"]);
        assert_eq!(w.into_string(), "a,b\r\nc,d\r\n");
    }

    #[test]
    fn numbers_times_and_money() {
        let mut w = CsvWriter::new();
        w.int(42);
        w.int(-1);
        w.money(1250, "EUR");
        w.money(5, "USD");
        w.money(0, "GBP");
        w.money(1500, "JPY");
        w.time(Some(1_796_119_200_000));
        w.time(None);
        w.end_row();
        assert_eq!(
            w.into_string(),
            "42,'-1,12.50,0.05,0.00,1500,2026-12-01T10:00:00Z,\r\n"
        );
    }

    #[test]
    fn input_is_read_strictly() {
        let r = DateRange::parse(Some("2026-12-01"), Some("2026-12-01")).unwrap();
        let (from, until) = r.bounds_ms();
        assert_eq!(until.unwrap() - from.unwrap(), 86_400_000);
        assert_eq!(
            DateRange::parse(Some(" "), None).unwrap(),
            DateRange::default()
        );
        for (from, to, field) in [
            (Some("2026-13-01"), None, "from"),
            (Some("yesterday"), None, "from"),
            (Some("2026-1-1"), None, "from"),
            (None, Some("2026-02-30"), "to"),
            (Some("2026-12-02"), Some("2026-12-01"), "to"),
        ] {
            let e = DateRange::parse(from, to).unwrap_err();
            assert_eq!(e.field.as_deref(), Some(field), "{from:?} {to:?}");
            assert_eq!(e.status(), 422);
        }
        assert_eq!(parse_event_id("event_id", Some("7")).unwrap(), Some(7));
        assert_eq!(parse_event_id("event_id", Some("")).unwrap(), None);
        for bad in ["-1", "0", "x", "1.5"] {
            let e = parse_event_id("event_id", Some(bad)).unwrap_err();
            assert_eq!(e.field.as_deref(), Some("event_id"));
        }
        assert!(ExportRequest::users(Some(&"x".repeat(101))).is_err());
        assert_eq!(file_safe("jazz-night-2"), "jazz-night-2");
        assert_eq!(file_safe("\"; rm"), "rm");
    }

    #[cfg(feature = "testing")]
    mod paging {
        use super::super::*;
        use crate::dto::{CreateEventRequest, TicketTypeInput};
        use crate::testing::{TestDb, core_with_clock};

        const START: i64 = 1_893_456_000_000; // 2030-01-01T00:00:00Z

        fn actor(user_id: i64, role: Role) -> Actor {
            Actor {
                user_id,
                role,
                session_id: String::new(),
                ip: None,
                rate_key: None,
            }
        }

        async fn users(core: &Core, n: usize, prefix: &str) -> Vec<i64> {
            let rows: Vec<_> = (0..n)
                .map(|i| {
                    (
                        format!("{prefix}{i}@example.com"),
                        format!("=User {i}"),
                        "x".to_string(),
                        "attendee".to_string(),
                    )
                })
                .collect();
            let mut tx = core.db().begin().await.unwrap();
            let ids = store::users::insert_many(&mut tx, &rows, START)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            ids
        }

        async fn collect(core: &Core, who: &Actor, req: &ExportRequest) -> Vec<String> {
            let export = start_paged(core, who, req, 2).await.unwrap();
            let chunks: Vec<String> = export.rows.map(|c| c.unwrap()).collect::<Vec<_>>().await;
            chunks
                .concat()
                .split("\r\n")
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        }

        /// Pages of 2 rows: every row comes out once, in key order, whatever the remainder.
        #[tokio::test]
        async fn every_row_comes_out_once_across_pages() {
            for db in TestDb::all().await {
                let core = core_with_clock(&db.db, START);
                let org_id = users(&core, 1, "org").await[0];
                store::users::set_role(core.db(), org_id, "organizer", START)
                    .await
                    .unwrap();
                let org = actor(org_id, Role::Organizer);
                let starts = crate::clock::to_datetime(START + 30 * 86_400_000);
                let req = CreateEventRequest {
                    title: "Paging Night".into(),
                    description: "A test event.".into(),
                    venue: "Test Hall".into(),
                    city: "Berlin".into(),
                    category: "music".into(),
                    starts_at: starts,
                    ends_at: starts + chrono::Duration::hours(3),
                    timezone: Some("Europe/Berlin".into()),
                    image_url: None,
                    hold_minutes: None,
                    cancel_cutoff_minutes: None,
                    max_seats_per_user: None,
                    payment_note: None,
                    offer_minutes: None,
                    reminder_hours: None,
                    ticket_types: vec![TicketTypeInput {
                        name: "General".into(),
                        price_cents: 1250,
                        capacity: 10,
                        ..Default::default()
                    }],
                };
                // An earlier event, booked only after the next one.
                let ev0 = core.events().create_event(&org, &req).await.unwrap();
                core.events().publish_event(&org, ev0.id).await.unwrap();
                let ev = core.events().create_event(&org, &req).await.unwrap();
                core.events().publish_event(&org, ev.id).await.unwrap();
                let tt = ev.ticket_types[0].id;
                let buyers = users(&core, 5, "buyer").await;
                for (i, b) in buyers.iter().enumerate() {
                    core.bookings()
                        .book(&actor(*b, Role::Attendee), ev.id, tt, 2, &format!("k{i}"))
                        .await
                        .unwrap();
                }
                let waiting = users(&core, 3, "wait").await;
                for w in &waiting {
                    core.waitlist()
                        .join(&actor(*w, Role::Attendee), ev.id, tt, 1)
                        .await
                        .unwrap();
                }

                let e = db.engine();
                let range = DateRange::default();
                let b = collect(
                    &core,
                    &org,
                    &ExportRequest::EventBookings {
                        event_id: ev.id,
                        range,
                    },
                )
                .await;
                assert_eq!(b.len(), 1 + 5, "[{e}] {b:?}");
                assert!(b[0].starts_with("booking_id,booking_code,event_id"));
                assert!(
                    b[1..]
                        .iter()
                        .all(|l| l.contains(",2,12.50,25.00,EUR,confirmed,'=User ")),
                    "[{e}] {b:?}"
                );
                let ids: Vec<i64> = b[1..]
                    .iter()
                    .map(|l| l.split(',').next().unwrap().parse().unwrap())
                    .collect();
                assert!(ids.windows(2).all(|w| w[0] < w[1]), "[{e}] {ids:?}");

                let a = collect(&core, &org, &ExportRequest::Attendees { event_id: ev.id }).await;
                assert_eq!(a.len(), 1 + 10, "[{e}] {a:?}");
                let w = collect(&core, &org, &ExportRequest::Waitlist { event_id: ev.id }).await;
                assert_eq!(w.len(), 1 + 3, "[{e}] {w:?}");
                let admin = actor(org_id, Role::Admin);
                let u = collect(&core, &admin, &ExportRequest::Users { q: None }).await;
                assert_eq!(u.len(), 1 + 1 + 5 + 3, "[{e}] {u:?}");
                let q = collect(&core, &admin, &ExportRequest::users(Some("WAIT")).unwrap()).await;
                assert_eq!(q.len(), 1 + 3, "[{e}] {q:?}");

                // All bookings, across events: by event, then booking, each once (the
                // earlier event's come first, though they were made later).
                for (i, b) in buyers.iter().take(3).enumerate() {
                    core.bookings()
                        .book(
                            &actor(*b, Role::Attendee),
                            ev0.id,
                            ev0.ticket_types[0].id,
                            1,
                            &format!("earlier{i}"),
                        )
                        .await
                        .unwrap();
                }
                let all = collect(
                    &core,
                    &admin,
                    &ExportRequest::AllBookings {
                        event_id: None,
                        range: DateRange::default(),
                    },
                )
                .await;
                let keys: Vec<(i64, i64)> = all[1..]
                    .iter()
                    .map(|l| {
                        let mut c = l.split(',');
                        let id = c.next().unwrap().parse().unwrap();
                        c.next();
                        (c.next().unwrap().parse().unwrap(), id)
                    })
                    .collect();
                assert_eq!(keys.len(), 3 + 5, "[{e}] {all:?}");
                assert!(keys.windows(2).all(|w| w[0] < w[1]), "[{e}] {keys:?}");
                assert!(keys[..3].iter().all(|k| k.0 == ev0.id), "[{e}] {keys:?}");
                assert!(keys[2].1 > keys[3].1, "[{e}] made later, listed first");

                // A day with no bookings: the header alone.
                let day = NaiveDate::from_ymd_opt(2029, 12, 31);
                let range = DateRange { from: day, to: day };
                let none = collect(
                    &core,
                    &admin,
                    &ExportRequest::AllBookings {
                        event_id: None,
                        range,
                    },
                )
                .await;
                assert_eq!(none.len(), 1, "[{e}] {none:?}");

                // Another organizer's event does not exist for them; users need an admin.
                let other = actor(buyers[0], Role::Organizer);
                let r = start(&core, &other, &ExportRequest::Attendees { event_id: ev.id }).await;
                assert_eq!(r.err().map(|e| e.status()), Some(404));
                let r = start(&core, &org, &ExportRequest::Users { q: None }).await;
                assert_eq!(r.err().map(|e| e.status()), Some(403));
            }
        }
    }
}
