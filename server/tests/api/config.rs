//! Bad configuration stops the real binary with one clear line and a non-zero exit.

use std::process::Command;

pub(crate) fn run(envs: &[(&str, &str)], args: &[&str]) -> (i32, String) {
    let dir = std::env::temp_dir().join(format!("evently-cfg-{}", uuid::Uuid::new_v4().simple()));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.args(args)
        .env_clear()
        .env("EVENTLY_DATA_DIR", &dir)
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("binary runs");
    let _ = std::fs::remove_dir_all(&dir);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

pub(crate) fn assert_one_clear_line(stderr: &str, needle: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "expected one line, got: {stderr}");
    assert!(lines[0].contains(needle), "{needle:?} not in {stderr:?}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
}

#[test]
fn an_unparsable_database_url_is_one_clear_line() {
    let (code, err) = run(&[("DATABASE_URL", "mysql://nope")], &["migrate"]);
    assert_ne!(code, 0);
    assert_one_clear_line(&err, "DATABASE_URL");
}

#[test]
fn an_unreachable_database_is_one_clear_line() {
    let (code, err) = run(
        &[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/evently")],
        &["migrate"],
    );
    assert_ne!(code, 0);
    assert_one_clear_line(&err, "could not connect to the database");
}

#[test]
fn bad_values_name_their_variable() {
    for (var, value) in [
        ("EVENTLY_ADDR", "not-an-address"),
        ("EVENTLY_ENV", "staging"),
        ("REDIS_URL", "http://x"),
    ] {
        let (code, err) = run(&[(var, value)], &["migrate"]);
        assert_eq!(code, 2, "{var}");
        assert_one_clear_line(&err, var);
    }
}

#[test]
fn production_refuses_to_start_without_a_signing_key() {
    let (code, err) = run(
        &[
            ("EVENTLY_ENV", "production"),
            ("EVENTLY_PUBLIC_URL", "https://tickets.example"),
        ],
        &["serve"],
    );
    assert_eq!(code, 2);
    assert_one_clear_line(&err, "EVENTLY_JWT_SECRET");
}

#[test]
fn production_never_seeds_demo_data() {
    let (code, err) = run(
        &[
            ("EVENTLY_ENV", "production"),
            ("EVENTLY_PUBLIC_URL", "https://tickets.example"),
            (
                "EVENTLY_JWT_SECRET",
                "0123456789abcdef0123456789abcdef-prod",
            ),
            ("SMTP_URL", "smtp://127.0.0.1:9"),
            (
                "EVENTLY_TICKET_KEY",
                "5c1e9a0b7d3f28e4a6c1b9d0e7f3a2c5b8d1e4f7a0c3b6d9e2f5a8c1b4d7e0f3",
            ),
            (
                "EVENTLY_VAPID_KEY",
                "7a3f1c9e5b2d8a4f6c0e3b7d9f1a5c2e8b4d6f0a3c7e9b1d5f2a8c4e6b0d3f7a",
            ),
        ],
        &["seed-demo"],
    );
    assert_ne!(code, 0);
    assert_one_clear_line(&err, "never runs in production");
}
