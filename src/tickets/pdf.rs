//! The PDF tickets of a booking: one A4 page per ticket, with the event, the attendee, the
//! booking reference, a QR code to scan at the door and the short code for manual entry.
//!
//! Everything is drawn directly with `pdf-writer`: text in DejaVu Sans (embedded, subsetted
//! once per document and shared by all pages, see `pdf_font`), the QR code as vector
//! rectangles. Streams are deflate-compressed, so a three-ticket PDF stays around 40 KB.

use pdf_writer::types::LineCapStyle;
use pdf_writer::{Content, Filter, Name, Pdf, Rect, Ref, Str, TextStr};
use qrcode::types::QrError;
use qrcode::{Color, EcLevel, QrCode};

use super::pdf_font::{Font, deflate};

/// One ticket's page.
#[derive(Debug, Clone)]
pub struct TicketPage {
    /// The event's title.
    pub event_title: String,
    /// Local date and time in the event's time zone, already formatted, e.g. "Saturday 12 December 2026, 19:30 (Europe/Dublin)".
    pub when: String,
    /// The venue, e.g. "Vicar Street, Dublin".
    pub venue: String,
    /// The ticket type, e.g. "General admission".
    pub ticket_type: String,
    /// The attendee's name, in any script; `None` prints "Name not given".
    pub attendee: Option<String>,
    /// The booking reference, e.g. "EV-000123".
    pub booking_ref: String,
    /// e.g. "Ticket 2 of 3".
    pub ticket_label: String,
    /// Short human code, printed under the QR code for manual entry, e.g. "K7Q2-9XPD".
    pub ticket_code: String,
    /// The text the QR code encodes.
    pub qr_payload: String,
}

/// Why the PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// No tickets were given.
    #[error("no tickets to render")]
    NoPages,
    /// An embedded font could not be read or subsetted.
    #[error("font error: {0}")]
    Font(String),
    /// The subsetter failed.
    #[error("font subsetting failed: {0}")]
    Subset(#[from] subsetter::Error),
    /// The QR payload cannot be encoded (e.g. too long).
    #[error("QR code: {0}")]
    Qr(#[from] QrError),
    /// Compressing a stream failed.
    #[error("compression failed: {0}")]
    Compress(#[from] std::io::Error),
}

const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
/// The border box, and the text column inside it.
const BOX: f32 = 36.0;
const LEFT: f32 = 64.0;
const RIGHT: f32 = PAGE_W - 64.0;
const VALUE_X: f32 = 170.0;
/// 60 mm, quiet zone included.
const QR_SIZE: f32 = 170.08;
const FOOTER_RULE: f32 = BOX + 40.0;
const FOOTER: &str = "Show this code at the entrance. Each code admits one person once.";
const F_REGULAR: Name<'static> = Name(b"F1");
const F_BOLD: Name<'static> = Name(b"F2");

/// The PDF bytes: one page per ticket, in order. `pages` is not empty.
pub fn render_tickets(pages: &[TicketPage]) -> Result<Vec<u8>, PdfError> {
    let first = pages.first().ok_or(PdfError::NoPages)?;
    // Lay out every page first: encoding the text tells which glyphs the subsets need.
    let mut canvas = Canvas {
        regular: Font::regular()?,
        bold: Font::bold()?,
        content: Content::new(),
    };
    let mut contents = Vec::with_capacity(pages.len());
    for page in pages {
        canvas.draw_ticket(page)?;
        let content = std::mem::replace(&mut canvas.content, Content::new());
        contents.push(deflate(&content.finish())?);
    }

    let mut pdf = Pdf::new();
    let mut next = Ref::new(1);
    let (catalog_id, tree_id, info_id) = (next.bump(), next.bump(), next.bump());
    let (regular_id, bold_id) = (next.bump(), next.bump());
    let page_ids: Vec<(Ref, Ref)> = contents
        .iter()
        .map(|_| (next.bump(), next.bump()))
        .collect();

    pdf.catalog(catalog_id).pages(tree_id);
    pdf.pages(tree_id)
        .kids(page_ids.iter().map(|(page, _)| *page))
        .count(i32::try_from(page_ids.len()).unwrap_or(i32::MAX));
    for ((page_id, content_id), content) in page_ids.iter().zip(&contents) {
        let mut page = pdf.page(*page_id);
        page.parent(tree_id)
            .media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .contents(*content_id);
        page.resources()
            .fonts()
            .pair(F_REGULAR, regular_id)
            .pair(F_BOLD, bold_id);
        drop(page);
        pdf.stream(*content_id, content).filter(Filter::FlateDecode);
    }
    canvas.regular.write(&mut pdf, regular_id, &mut next)?;
    canvas.bold.write(&mut pdf, bold_id, &mut next)?;
    pdf.document_info(info_id)
        .title(TextStr(&first.event_title))
        .producer(TextStr("Evently"))
        .creator(TextStr("Evently"));
    Ok(pdf.finish())
}

/// The page being drawn, with the document's fonts.
struct Canvas {
    regular: Font,
    bold: Font,
    content: Content,
}

impl Canvas {
    fn draw_ticket(&mut self, t: &TicketPage) -> Result<(), PdfError> {
        let c = &mut self.content;
        c.set_stroke_gray(0.0).set_line_width(0.8);
        c.rect(BOX, BOX, PAGE_W - 2.0 * BOX, PAGE_H - 2.0 * BOX)
            .stroke();
        c.set_fill_gray(0.0);

        // Header: brand on the left, "admit one" on the right, a rule under them.
        let mut y = PAGE_H - BOX - 30.0;
        self.text(true, 11.0, LEFT, y, "EVENTLY  ·  E-TICKET", 0.0);
        let w = self.bold.width("ADMIT ONE", 11.0) + 8.0; // 8 gaps of 1 pt tracking
        self.text(true, 11.0, RIGHT - w, y, "ADMIT ONE", 1.0);
        y -= 12.0;
        self.rule(y, 0.5);

        // The title, big and bold, at most three lines.
        y -= 36.0;
        for line in wrap(&self.bold, &t.event_title, 26.0, RIGHT - LEFT, 3) {
            self.text(true, 26.0, LEFT, y, &line, 0.0);
            y -= 32.0;
        }
        y += 6.0;
        self.rule(y, 0.5);

        // Labelled lines.
        y -= 30.0;
        let attendee = t
            .attendee
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty());
        let rows = [
            ("WHEN", t.when.as_str()),
            ("WHERE", t.venue.as_str()),
            ("TICKET TYPE", t.ticket_type.as_str()),
            ("ATTENDEE", attendee.unwrap_or("Name not given")),
            ("BOOKING", t.booking_ref.as_str()),
        ];
        for (label, value) in rows {
            self.text(true, 8.5, LEFT, y + 1.5, label, 0.6);
            for line in wrap(&self.regular, value, 13.0, RIGHT - VALUE_X, 2) {
                self.text(false, 13.0, VALUE_X, y, &line, 0.0);
                y -= 17.0;
            }
            y -= 9.0;
        }

        // A dashed cut line, then the QR code with the manual-entry code and label under it,
        // centred in the space left above the footer. The code stays out of the quiet zone.
        y -= 4.0;
        self.content.set_dash_pattern([4.0, 3.0], 0.0);
        self.rule(y, 0.5);
        self.content.set_dash_pattern([], 0.0);
        let block = QR_SIZE + 60.0;
        let top = y - ((y - FOOTER_RULE - block) / 2.0).max(12.0);
        draw_qr(
            &mut self.content,
            &t.qr_payload,
            (PAGE_W - QR_SIZE) / 2.0,
            top,
            QR_SIZE,
        )?;
        y = top - QR_SIZE - 24.0;
        self.centered(true, 24.0, y, &t.ticket_code, 3.0);
        self.centered(false, 12.0, y - 22.0, &t.ticket_label, 0.0);

        // Footer.
        self.rule(FOOTER_RULE, 0.5);
        self.centered(false, 10.0, BOX + 22.0, FOOTER, 0.0);
        Ok(())
    }

    fn rule(&mut self, y: f32, width: f32) {
        let c = &mut self.content;
        c.set_line_width(width).set_line_cap(LineCapStyle::ButtCap);
        c.move_to(LEFT, y).line_to(RIGHT, y).stroke();
    }

    fn centered(&mut self, bold: bool, size: f32, y: f32, text: &str, tracking: f32) {
        let font = if bold { &self.bold } else { &self.regular };
        let gaps = text.chars().count().saturating_sub(1) as f32;
        let width = font.width(text, size) + tracking * gaps;
        self.text(bold, size, (PAGE_W - width) / 2.0, y, text, tracking);
    }

    /// One line of text at baseline `y`. Right-to-left runs are put in visual order (text
    /// extraction reads them back in logical order); if the font lacks a glyph, `/ActualText`
    /// keeps the real text extractable.
    fn text(&mut self, bold: bool, size: f32, x: f32, y: f32, text: &str, tracking: f32) {
        let (font, name) = if bold {
            (&mut self.bold, F_BOLD)
        } else {
            (&mut self.regular, F_REGULAR)
        };
        let visual = visual_order(text);
        let (bytes, complete) = font.encode(&visual);
        let c = &mut self.content;
        if !complete {
            c.begin_marked_content_with_properties(Name(b"Span"))
                .properties()
                .actual_text(TextStr(text));
        }
        c.begin_text()
            .set_font(name, size)
            .set_char_spacing(tracking);
        c.next_line(x, y).show(Str(&bytes));
        c.set_char_spacing(0.0).end_text();
        if !complete {
            c.end_marked_content();
        }
    }
}

/// Draws the QR code for `payload` as black rectangles on a white square (4-module quiet
/// zone included) of side `size`, top-left corner at (`x`, `top`).
fn draw_qr(c: &mut Content, payload: &str, x: f32, top: f32, size: f32) -> Result<(), PdfError> {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)?;
    let width = code.width().max(1);
    let module = size / (width + 8) as f32;
    c.set_fill_gray(1.0)
        .rect(x, top - size, size, size)
        .fill_nonzero();
    c.set_fill_gray(0.0);
    // One path with a rectangle per horizontal run of dark modules, filled once (no seams).
    for (row, cells) in code.to_colors().chunks(width).enumerate() {
        let y = top - (row + 5) as f32 * module;
        let mut col = 0;
        while col < cells.len() {
            let run = cells[col..]
                .iter()
                .take_while(|m| **m == Color::Dark)
                .count();
            if run > 0 {
                c.rect(
                    x + (col + 4) as f32 * module,
                    y,
                    run as f32 * module,
                    module,
                );
            }
            col += run.max(1);
        }
    }
    c.fill_nonzero();
    Ok(())
}

/// Splits `text` into lines no wider than `max_width`, at most `max_lines`; cut text ends in "…".
fn wrap(font: &Font, text: &str, size: f32, max_width: f32, max_lines: usize) -> Vec<String> {
    let fits = |s: &str| font.width(s, size) <= max_width;
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let joined = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if fits(&joined) {
            line = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        for ch in word.chars() {
            line.push(ch);
            if !fits(&line) && line.chars().count() > 1 {
                line.pop();
                lines.push(std::mem::replace(&mut line, ch.to_string()));
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(last) = lines.last_mut() {
            while !last.is_empty() && !fits(&format!("{last}…")) {
                last.pop();
            }
            *last = format!("{}…", last.trim_end());
        }
    }
    lines
}

/// Hebrew, Arabic, Syriac, Thaana, NKo and their presentation forms.
fn is_rtl(c: char) -> bool {
    matches!(c, '\u{0590}'..='\u{08FF}' | '\u{FB1D}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
}

/// A minimal bidi reordering for a left-to-right line: each run of right-to-left letters
/// (with the spaces and punctuation between them) is reversed. No shaping.
fn visual_order(text: &str) -> String {
    let chars: Vec<char> = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_rtl(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut end = i;
        for (j, &c) in chars.iter().enumerate().skip(i) {
            if is_rtl(c) {
                end = j;
            } else if c.is_alphanumeric() {
                break;
            }
        }
        out.extend(chars[i..=end].iter().rev());
        i = end + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(n: usize, name: Option<&str>) -> TicketPage {
        TicketPage {
            event_title: "The Extraordinarily Long Winter Gala of Chamber Music, Poetry and \
                          Late-Night Dancing at the Old Harbour Warehouse, Second Edition"
                .into(),
            when: "Saturday 12 December 2026, 19:30 (Europe/Dublin)".into(),
            venue: "Vicar Street, Dublin".into(),
            ticket_type: "General admission".into(),
            attendee: name.map(Into::into),
            booking_ref: "EV-000123".into(),
            ticket_label: format!("Ticket {n} of 2"),
            ticket_code: "K7Q2-9XPD".into(),
            qr_payload: format!(
                "v1.{}.{}",
                "eyJ0IjoiMTIzIn0".repeat(6),
                "c2lnbmF0dXJl".repeat(4)
            ),
        }
    }

    #[test]
    fn renders_two_pages_small() {
        let pdf =
            render_tickets(&[ticket(1, Some("Дмитрий")), ticket(2, Some("Αλέξανδρος"))]).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() < 150 * 1024, "{} bytes", pdf.len());
        assert_eq!(
            pdf.windows(9).filter(|w| w == b"/Type /Pa").count(),
            3,
            "2 pages + tree"
        );
    }

    #[test]
    fn odd_input_does_not_panic() {
        assert!(matches!(render_tickets(&[]), Err(PdfError::NoPages)));
        let mut t = ticket(1, Some("李小龙 שרה\u{7} محمد"));
        t.event_title = "x".repeat(500);
        assert!(render_tickets(&[t.clone()]).is_ok());
        t.qr_payload = "A".repeat(5000);
        assert!(matches!(render_tickets(&[t]), Err(PdfError::Qr(_))));
    }

    #[test]
    fn wraps_and_reorders() {
        let font = Font::regular().unwrap();
        let lines = wrap(&font, &"word ".repeat(200), 26.0, 470.0, 3);
        assert_eq!(lines.len(), 3);
        assert!(lines[2].ends_with('…') && font.width(&lines[2], 26.0) <= 470.0);
        assert_eq!(visual_order("Dana שרה כהן!"), "Dana ןהכ הרש!");
    }
}
