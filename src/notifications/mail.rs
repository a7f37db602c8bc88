//! The mail transport: real SMTP when `SMTP_URL` is set, otherwise `.eml` files in the data
//! directory (the embedded default, so nothing is lost and a developer can open them).

use lettre::message::Mailbox;
use lettre::message::dkim::{DkimConfig, DkimSigningAlgorithm, DkimSigningKey};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How mail leaves the process.
#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files(AsyncFileTransport<Tokio1Executor>, PathBuf),
}

/// Sends mail; cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    dkim: Option<std::sync::Arc<DkimConfig>>,
    /// Where mail goes, without credentials (for logs and `/health`).
    describe: String,
}

/// Why mail could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    #[error("SMTP_URL: {0}")]
    Url(String),
    #[error("EVENTLY_MAIL_FROM: {0}")]
    From(String),
    #[error("the mail directory {0}: {1}")]
    Dir(String, String),
    #[error("DKIM: {0}")]
    Dkim(String),
}

/// A DKIM key to sign with.
#[derive(Debug, Clone)]
pub struct DkimSettings {
    pub selector: String,
    /// The signing domain (`d=`); defaults to the sender's domain.
    pub domain: Option<String>,
    /// PEM: an RSA key (PKCS#1) or an Ed25519 key.
    pub private_key_pem: String,
}

/// Why one message was not accepted.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{text}")]
pub struct SendError {
    /// The server refused for good (5xx); retrying the same message will not help.
    pub permanent: bool,
    pub text: String,
}

impl Mailer {
    /// SMTP from `url` (`smtp://`, `smtps://`, `smtp+starttls://`, with `user:password@`),
    /// or files under `data_dir/mail` when `url` is `None`.
    pub fn new(
        url: Option<&str>,
        data_dir: &Path,
        from: &str,
        dkim: Option<DkimSettings>,
    ) -> Result<Mailer, MailConfigError> {
        let from: Mailbox = from.parse().map_err(|e| {
            MailConfigError::From(format!("{e} (write it as `Evently <tickets@example.org>`)"))
        })?;
        let dkim = match dkim {
            Some(d) => Some(std::sync::Arc::new(dkim_config(d, &from)?)),
            None => None,
        };
        let (transport, describe) = match url {
            Some(url) => smtp(url)?,
            None => {
                let dir = data_dir.join("mail");
                std::fs::create_dir_all(&dir)
                    .map_err(|e| MailConfigError::Dir(dir.display().to_string(), e.to_string()))?;
                let d = format!("files in {}", dir.display());
                (Transport::Files(AsyncFileTransport::new(&dir), dir), d)
            }
        };
        Ok(Mailer {
            transport,
            from,
            dkim,
            describe,
        })
    }

    /// The sender.
    pub fn from(&self) -> &Mailbox {
        &self.from
    }

    /// Where mail goes (no credentials).
    pub fn describe(&self) -> &str {
        &self.describe
    }

    /// Whether mail is written to files rather than sent.
    pub fn is_files(&self) -> bool {
        matches!(self.transport, Transport::Files(..))
    }

    /// Sends one message (DKIM-signed when a key is configured).
    pub async fn send(&self, mut msg: lettre::Message) -> Result<(), SendError> {
        if let Some(d) = &self.dkim {
            msg.sign(d);
        }
        match &self.transport {
            Transport::Smtp(t) => t.send(msg).await.map(|_| ()).map_err(|e| SendError {
                permanent: e.is_permanent(),
                text: e.to_string(),
            }),
            Transport::Files(t, _) => t.send(msg).await.map(|_| ()).map_err(|e| SendError {
                permanent: false,
                text: e.to_string(),
            }),
        }
    }

    /// Whether the transport works now: an SMTP server answers, or the mail directory is
    /// writable.
    pub async fn check(&self) -> Result<(), String> {
        match &self.transport {
            Transport::Smtp(t) => match t.test_connection().await {
                Ok(true) => Ok(()),
                Ok(false) => Err("the SMTP server did not answer".into()),
                Err(e) => Err(e.to_string()),
            },
            Transport::Files(_, dir) => {
                let meta = tokio::fs::metadata(dir).await.map_err(|e| e.to_string())?;
                if meta.is_dir() && !meta.permissions().readonly() {
                    Ok(())
                } else {
                    Err(format!("{} is not a writable directory", dir.display()))
                }
            }
        }
    }
}

fn smtp(url: &str) -> Result<(Transport, String), MailConfigError> {
    let bad = |m: &str| MailConfigError::Url(m.to_string());
    // `smtp+starttls://` is our spelling of lettre's `smtp://...?tls=required`.
    let url = match url.strip_prefix("smtp+starttls://") {
        Some(rest) if rest.contains('?') => format!("smtp://{rest}&tls=required"),
        Some(rest) => format!("smtp://{rest}?tls=required"),
        None => url.to_string(),
    };
    if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
        return Err(bad("use smtp://, smtps:// or smtp+starttls://"));
    }
    let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
        .map_err(|e| MailConfigError::Url(e.to_string()))?;
    let t = builder.timeout(Some(Duration::from_secs(30))).build();
    Ok((Transport::Smtp(t), redact(&url)))
}

/// The URL without its user and password.
fn redact(url: &str) -> String {
    match (url.split_once("://"), url.rfind('@')) {
        (Some((scheme, _)), Some(at)) => format!("{scheme}://{}", &url[at + 1..]),
        _ => url.to_string(),
    }
}

fn dkim_config(d: DkimSettings, from: &Mailbox) -> Result<DkimConfig, MailConfigError> {
    let algorithm = if d.private_key_pem.contains("RSA PRIVATE KEY") {
        DkimSigningAlgorithm::Rsa
    } else {
        DkimSigningAlgorithm::Ed25519
    };
    let key = DkimSigningKey::new(&d.private_key_pem, algorithm)
        .map_err(|e| MailConfigError::Dkim(format!("the private key cannot be read: {e}")))?;
    let domain = d.domain.unwrap_or_else(|| from.email.domain().to_string());
    Ok(DkimConfig::default_config(d.selector, domain, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Building an SMTP transport starts its connection pool, which needs a runtime.
    #[tokio::test]
    async fn urls_are_understood_and_never_shown_with_their_password() {
        assert_eq!(
            redact("smtps://me:s3cret@mail.example.org:465"),
            "smtps://mail.example.org:465"
        );
        let dir = std::env::temp_dir();
        let m = Mailer::new(
            Some("smtp+starttls://me:pw@localhost:2525"),
            &dir,
            "Evently <t@example.org>",
            None,
        )
        .unwrap();
        assert!(!m.describe().contains("pw"), "{}", m.describe());
        assert!(Mailer::new(Some("http://x"), &dir, "t@example.org", None).is_err());
        assert!(Mailer::new(None, &dir, "not an address", None).is_err());
    }
}
