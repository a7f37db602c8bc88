//! What each notice says: a [`Letter`] per message kind, rendered through one HTML and one
//! plain-text template (`templates/mail.html`, `templates/mail.txt`, checked at build time;
//! the HTML escapes every value) into a MIME message.

use askama::Template;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};

/// A file sent with a letter.
#[derive(Debug, Clone)]
pub struct Enclosure {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// One mail to one person, before rendering.
#[derive(Debug, Clone, Default)]
pub struct Letter {
    pub to_name: String,
    pub to_email: String,
    pub subject: String,
    /// The line mail clients show after the subject.
    pub preheader: String,
    pub heading: String,
    pub paragraphs: Vec<String>,
    /// Label and value rows (event, date, seats...).
    pub facts: Vec<(String, String)>,
    /// The one button: label and absolute URL.
    pub action: Option<(String, String)>,
    pub notes: Vec<String>,
    pub attachments: Vec<Enclosure>,
    /// One-click unsubscribe (RFC 8058) for mail a person may turn off.
    pub unsubscribe: Option<String>,
    /// Not mailed (the person turned this kind of mail off); other channels still carry it.
    pub no_email: bool,
}

#[derive(Template)]
#[template(path = "mail.html", config = "src/notifications/askama.toml")]
struct Html<'a> {
    l: &'a Letter,
    site: &'a str,
}

#[derive(Template)]
#[template(path = "mail.txt", config = "src/notifications/askama.toml")]
struct Text<'a> {
    l: &'a Letter,
    site: &'a str,
    underline: String,
}

/// Why a letter could not be turned into a message.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("the address {0:?} cannot receive mail")]
    BadAddress(String),
    #[error("rendering the mail failed: {0}")]
    Render(String),
}

impl ComposeError {
    /// Retrying will not fix it.
    pub fn permanent(&self) -> bool {
        matches!(self, ComposeError::BadAddress(_))
    }
}

/// The MIME message: `multipart/mixed` of `multipart/alternative` (text, HTML) and the
/// attachments. `message_id` makes a resend recognisable as the same mail.
pub fn render(
    letter: &Letter,
    from: &Mailbox,
    message_id: &str,
    site: &str,
) -> Result<lettre::Message, ComposeError> {
    let to = Mailbox::new(
        Some(letter.to_name.clone()).filter(|n| !n.trim().is_empty()),
        letter
            .to_email
            .parse()
            .map_err(|_| ComposeError::BadAddress(letter.to_email.clone()))?,
    );
    let html = Html { l: letter, site }
        .render()
        .map_err(|e| ComposeError::Render(e.to_string()))?;
    let text = Text {
        l: letter,
        site,
        underline: "=".repeat(letter.heading.chars().count().min(72)),
    }
    .render()
    .map_err(|e| ComposeError::Render(e.to_string()))?;
    let body = MultiPart::alternative()
        .singlepart(SinglePart::plain(text))
        .singlepart(SinglePart::html(html));
    let mut builder = lettre::Message::builder()
        .from(from.clone())
        .to(to)
        .subject(&letter.subject)
        .message_id(Some(message_id.to_string()))
        .header(AutoSubmitted);
    if let Some(u) = &letter.unsubscribe {
        builder = builder
            .header(ListUnsubscribe(format!("<{u}>")))
            .header(ListUnsubscribePost);
    }
    let msg = if letter.attachments.is_empty() {
        builder.multipart(body)
    } else {
        let mut mixed = MultiPart::mixed().multipart(body);
        for a in &letter.attachments {
            let ct = ContentType::parse(&a.content_type)
                .map_err(|e| ComposeError::Render(e.to_string()))?;
            mixed = mixed.singlepart(Attachment::new(a.filename.clone()).body(a.bytes.clone(), ct));
        }
        builder.multipart(mixed)
    };
    msg.map_err(|e| ComposeError::Render(e.to_string()))
}

macro_rules! raw_header {
    ($t:ident, $name:literal) => {
        impl lettre::message::header::Header for $t {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($name)
            }
            fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                Ok($t::from_str(s))
            }
            fn display(&self) -> HeaderValue {
                HeaderValue::new(Self::name(), self.value())
            }
        }
    };
}

/// `List-Unsubscribe: <https://...>`
#[derive(Debug, Clone)]
struct ListUnsubscribe(String);
impl ListUnsubscribe {
    fn from_str(s: &str) -> Self {
        ListUnsubscribe(s.to_string())
    }
    fn value(&self) -> String {
        self.0.clone()
    }
}
raw_header!(ListUnsubscribe, "List-Unsubscribe");

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Debug, Clone)]
struct ListUnsubscribePost;
impl ListUnsubscribePost {
    fn from_str(_: &str) -> Self {
        ListUnsubscribePost
    }
    fn value(&self) -> String {
        "List-Unsubscribe=One-Click".into()
    }
}
raw_header!(ListUnsubscribePost, "List-Unsubscribe-Post");

/// `Auto-Submitted: auto-generated` (RFC 3834): no vacation replies to notices.
#[derive(Debug, Clone)]
struct AutoSubmitted;
impl AutoSubmitted {
    fn from_str(_: &str) -> Self {
        AutoSubmitted
    }
    fn value(&self) -> String {
        "auto-generated".into()
    }
}
raw_header!(AutoSubmitted, "Auto-Submitted");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_is_escaped_in_html_and_both_parts_are_sent() {
        let l = Letter {
            to_name: "Eve <script>".into(),
            to_email: "eve@example.org".into(),
            subject: "Your tickets".into(),
            heading: "Hello <b>Eve</b> & co".into(),
            facts: vec![("Event".into(), "<img src=x onerror=alert(1)>".into())],
            action: Some(("Open".into(), "http://127.0.0.1/bookings/1?a=1&b=2".into())),
            ..Letter::default()
        };
        let from: Mailbox = "Evently <t@example.org>".parse().unwrap();
        let msg = render(&l, &from, "<outbox.1@example.org>", "http://127.0.0.1").unwrap();
        let raw = String::from_utf8(msg.formatted()).unwrap();
        assert!(raw.contains("Message-ID: <outbox.1@example.org>"), "{raw}");
        assert!(raw.contains("text/plain") && raw.contains("text/html"));
        let html = Html {
            l: &l,
            site: "http://127.0.0.1",
        }
        .render()
        .unwrap();
        assert!(
            !html.contains("<img src=x") && html.contains("&#60;img src=x"),
            "{html}"
        );
        assert!(!html.contains("<b>Eve</b>"), "{html}");
        assert!(
            html.contains("href=\"http://127.0.0.1/bookings/1?a=1&#38;b=2\""),
            "{html}"
        );
        assert!(
            render(
                &Letter {
                    to_email: "nope".into(),
                    ..l
                },
                &from,
                "<x@y>",
                "s"
            )
            .is_err()
        );
    }
}
