//! A real SMTP server on loopback, for the delivery tests and `server bench notify`: it
//! speaks enough of RFC 5321 for
//! lettre (EHLO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT), keeps every message
//! it accepted, and can be told to misbehave: a temporary 451 for the next N messages, a
//! permanent 550 for one recipient, a connection that drops mid-message, or one that drops
//! after the whole message arrived but before the reply (so the sender resends it).

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Default)]
struct State {
    accepted: Vec<Vec<u8>>,
    /// When each accepted message arrived.
    arrived: Vec<Instant>,
    /// DATA commands answered so far (accepted or refused).
    data_seen: usize,
    /// Answer `451` to DATA commands while fewer than this many were seen.
    fail_first: usize,
    /// Refuse RCPT to addresses containing this with `550`.
    reject_rcpt: Option<String>,
    /// Faults for the next messages, in order.
    faults: std::collections::VecDeque<Fault>,
}

/// What goes wrong with one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The connection drops halfway through the message: nothing is accepted.
    DropMidMessage,
    /// The whole message arrives and is kept, then the connection drops before the `250`:
    /// the sender cannot know, sends it again, and the sink holds a duplicate.
    LoseReply,
}

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl SmtpSink {
    /// A sink on a free loopback port.
    ///
    /// # Panics
    /// When no loopback port can be had (tests only).
    pub async fn start() -> SmtpSink {
        match SmtpSink::start_on(0).await {
            Ok(s) => s,
            Err(e) => panic!("the SMTP sink cannot listen: {e}"),
        }
    }

    /// A sink on `127.0.0.1:port` (0: any free port).
    pub async fn start_on(port: u16) -> std::io::Result<SmtpSink> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let port = listener.local_addr()?.port();
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let st = st.clone();
                tokio::spawn(async move {
                    let _ = session(sock, st).await;
                });
            }
        });
        Ok(SmtpSink { port, state })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The messages accepted from the `start`-th on, with when each arrived.
    pub fn arrivals_from(&self, start: usize) -> Vec<(Instant, Vec<u8>)> {
        let s = self.lock();
        s.arrived
            .iter()
            .copied()
            .zip(s.accepted.iter().cloned())
            .skip(start)
            .collect()
    }

    /// How many messages were accepted so far.
    pub fn count(&self) -> usize {
        self.lock().accepted.len()
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Answers the next `n` messages with `451` (try again later).
    pub fn fail_first(&self, n: usize) {
        let mut s = self.lock();
        s.fail_first = s.data_seen + n;
    }

    /// Lets the next messages meet these faults, one each, in order.
    pub fn faults(&self, faults: &[Fault]) {
        self.lock().faults.extend(faults.iter().copied());
    }

    pub fn reject_recipient(&self, part: &str) {
        self.lock().reject_rcpt = Some(part.to_string());
    }

    /// Every message accepted so far (raw RFC 5322 bytes).
    pub fn messages(&self) -> Vec<Vec<u8>> {
        self.lock().accepted.clone()
    }

    /// Waits (at most `secs`) until `pred` holds for the accepted messages.
    ///
    /// # Panics
    /// When it does not (a failed test).
    pub async fn wait_for(&self, secs: u64, pred: impl Fn(&[Vec<u8>]) -> bool) -> Vec<Vec<u8>> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let msgs = self.messages();
            if pred(&msgs) {
                return msgs;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the SMTP sink did not get the expected mail in {secs} s (it has {})",
                msgs.len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

fn lock(st: &Mutex<State>) -> MutexGuard<'_, State> {
    st.lock().unwrap_or_else(|p| p.into_inner())
}

async fn session(sock: tokio::net::TcpStream, st: Arc<Mutex<State>>) -> std::io::Result<()> {
    let (r, mut w) = sock.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    let mut line = String::new();
    let mut rcpt_refused = false;
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if cmd.starts_with("EHLO") {
            b"250-sink.test\r\n250-8BITMIME\r\n250 SIZE 20000000\r\n"
        } else if cmd.starts_with("HELO") {
            b"250 sink.test\r\n"
        } else if cmd.starts_with("MAIL FROM") {
            rcpt_refused = false;
            b"250 OK\r\n"
        } else if cmd.starts_with("RCPT TO") {
            let reject = lock(&st).reject_rcpt.clone();
            if reject.is_some_and(|p| cmd.contains(&p.to_ascii_uppercase())) {
                rcpt_refused = true;
                b"550 5.1.1 no such mailbox here\r\n"
            } else {
                b"250 OK\r\n"
            }
        } else if cmd == "DATA" {
            if rcpt_refused {
                b"554 5.5.1 no valid recipients\r\n"
            } else {
                w.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let fault = lock(&st).faults.pop_front();
                let mut body = Vec::new();
                loop {
                    if fault == Some(Fault::DropMidMessage) && body.len() > 512 {
                        // Hang up mid-message.
                        return Ok(());
                    }
                    let mut l = Vec::new();
                    if r.read_until(b'\n', &mut l).await? == 0 {
                        return Ok(());
                    }
                    if l == b".\r\n" || l == b".\n" {
                        break;
                    }
                    if l.starts_with(b"..") {
                        l.remove(0);
                    }
                    body.extend_from_slice(&l);
                }
                let mut s = lock(&st);
                s.data_seen += 1;
                if fault == Some(Fault::LoseReply) {
                    // Kept, but the sender never hears so.
                    s.accepted.push(body);
                    s.arrived.push(Instant::now());
                    return Ok(());
                }
                if s.data_seen <= s.fail_first {
                    b"451 4.3.0 try again later\r\n"
                } else {
                    s.accepted.push(body);
                    s.arrived.push(Instant::now());
                    b"250 OK queued\r\n"
                }
            }
        } else if cmd == "QUIT" {
            w.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else if cmd.starts_with("RSET") || cmd.starts_with("NOOP") {
            b"250 OK\r\n"
        } else {
            b"502 command not implemented\r\n"
        };
        w.write_all(reply).await?;
    }
}
