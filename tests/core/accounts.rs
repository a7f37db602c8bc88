//! Accounts: registration, sign-in, token rotation.

use crate::helpers::start_ms;
use evently::accounts::{AccountError, ClientInfo};
use evently::domain::Role;
use evently::testing::{TestDb, core_with_clock};

#[tokio::test]
async fn register_sign_in_and_rotate_refresh_tokens_with_reuse_detection() {
    for db in TestDb::all().await {
        let core = core_with_clock(&db.db, start_ms());
        let user = core
            .accounts()
            .register(
                "  Ada@Example.com ",
                "correct horse battery",
                "Ada",
                Role::Attendee,
                false,
            )
            .await
            .unwrap();
        assert_eq!(user.email, "ada@example.com");
        assert!(matches!(
            core.accounts()
                .register(
                    "ADA@example.com",
                    "another good password",
                    "Ada 2",
                    Role::Attendee,
                    false
                )
                .await
                .unwrap_err(),
            AccountError::EmailTaken
        ));
        assert!(matches!(
            core.accounts()
                .login("ada@example.com", "wrong password!", &ClientInfo::default())
                .await
                .unwrap_err(),
            AccountError::InvalidCredentials
        ));
        assert!(matches!(
            core.accounts()
                .login(
                    "nobody@example.com",
                    "whatever12345",
                    &ClientInfo::default()
                )
                .await
                .unwrap_err(),
            AccountError::InvalidCredentials
        ));
        let pair = core
            .accounts()
            .login(
                "ADA@example.com",
                "correct horse battery",
                &ClientInfo::default(),
            )
            .await
            .unwrap();
        let actor = core
            .accounts()
            .authenticate(
                &pair.access_token,
                &evently::accounts::ClientInfo::default(),
            )
            .await
            .unwrap();
        assert_eq!(actor.user_id, user.id);
        let rotated = core.accounts().refresh(&pair.refresh_token).await.unwrap();
        assert_ne!(rotated.refresh_token, pair.refresh_token);
        // Reusing the spent token (after the grace window for concurrent refreshes) revokes
        // the whole session, including the new tokens.
        core.clock()
            .advance_ms(evently::accounts::REFRESH_GRACE_MS + 1);
        assert!(core.accounts().refresh(&pair.refresh_token).await.is_err());
        assert!(
            core.accounts()
                .refresh(&rotated.refresh_token)
                .await
                .is_err()
        );
        assert!(
            core.accounts()
                .authenticate(
                    &rotated.access_token,
                    &evently::accounts::ClientInfo::default()
                )
                .await
                .is_err()
        );
        // Access tokens expire after 15 minutes.
        let fresh = core
            .accounts()
            .login(
                "ada@example.com",
                "correct horse battery",
                &ClientInfo::default(),
            )
            .await
            .unwrap();
        core.clock().advance_ms(15 * 60_000 + 1000);
        assert!(
            core.accounts()
                .authenticate(
                    &fresh.access_token,
                    &evently::accounts::ClientInfo::default()
                )
                .await
                .is_err()
        );
        // Sign-out revokes.
        let again = core
            .accounts()
            .login(
                "ada@example.com",
                "correct horse battery",
                &ClientInfo::default(),
            )
            .await
            .unwrap();
        let a = core
            .accounts()
            .authenticate(
                &again.access_token,
                &evently::accounts::ClientInfo::default(),
            )
            .await
            .unwrap();
        core.accounts().logout(&a).await.unwrap();
        assert!(
            core.accounts()
                .authenticate(
                    &again.access_token,
                    &evently::accounts::ClientInfo::default()
                )
                .await
                .is_err()
        );
        assert!(core.accounts().refresh(&again.refresh_token).await.is_err());
    }
}

#[tokio::test]
async fn the_data_export_lists_every_booking_however_many() {
    for db in TestDb::all().await {
        let f =
            crate::helpers::fixture_with(&db, 1_000, |r| r.max_seats_per_user = Some(1_000)).await;
        let u = crate::helpers::users(&f.core, 1, "many").await.remove(0);
        // More than one page of the export's reads (and more than "My bookings" lists).
        for i in 0..520 {
            f.core
                .bookings()
                .book(&u, f.event_id, f.tt_id, 1, &format!("k{i}"))
                .await
                .unwrap();
        }
        let export = f.core.accounts().export_my_data(&u).await.unwrap();
        let listed = export["bookings"].as_array().map(Vec::len);
        assert_eq!(listed, Some(520), "[{}]", f.engine);
        assert_eq!(f.core.bookings().my_bookings(&u).await.unwrap().len(), 500);
    }
}

#[tokio::test]
async fn two_refreshes_at_once_keep_the_session_and_an_older_token_still_revokes_it() {
    for db in TestDb::all().await {
        let core = core_with_clock(&db.db, start_ms());
        core.accounts()
            .register(
                "grace@example.com",
                "correct horse battery",
                "G",
                Role::Attendee,
                false,
            )
            .await
            .unwrap();
        let pair = core
            .accounts()
            .login(
                "grace@example.com",
                "correct horse battery",
                &ClientInfo::default(),
            )
            .await
            .unwrap();
        // Two tabs refresh with the same token at once: both get a working pair.
        let a = core.accounts().refresh(&pair.refresh_token).await.unwrap();
        core.clock().advance_ms(2_000);
        let b = core.accounts().refresh(&pair.refresh_token).await.unwrap();
        for p in [&a, &b] {
            assert!(
                core.accounts()
                    .authenticate(&p.access_token, &evently::accounts::ClientInfo::default())
                    .await
                    .is_ok()
            );
        }
        // Later, a token older than the newest one used is theft: the session ends.
        let c = core.accounts().refresh(&b.refresh_token).await.unwrap();
        assert!(core.accounts().refresh(&pair.refresh_token).await.is_err());
        assert!(
            core.accounts()
                .authenticate(&c.access_token, &evently::accounts::ClientInfo::default())
                .await
                .is_err()
        );
    }
}

#[tokio::test]
async fn an_idle_session_ends_and_a_used_one_lives() {
    for db in TestDb::all().await {
        let core = core_with_clock(&db.db, start_ms());
        core.accounts()
            .register(
                "idle@example.com",
                "correct horse battery",
                "I",
                Role::Attendee,
                false,
            )
            .await
            .unwrap();
        let pair = core
            .accounts()
            .login(
                "idle@example.com",
                "correct horse battery",
                &ClientInfo::default(),
            )
            .await
            .unwrap();
        let day = 24 * 3_600_000;
        // Used every five days: still signed in after fifteen, more than the idle limit.
        let mut current = pair;
        for _ in 0..3 {
            core.clock().advance_ms(5 * day);
            current = core
                .accounts()
                .refresh(&current.refresh_token)
                .await
                .unwrap();
        }
        // Then unused for fourteen days and an hour: gone, although neither the refresh token
        // nor the session's 30 days have run out.
        core.clock().advance_ms(14 * day + 3_600_000);
        assert!(
            core.accounts()
                .refresh(&current.refresh_token)
                .await
                .is_err()
        );
    }
}

#[tokio::test]
async fn weak_and_personal_passwords_are_refused_with_a_reason() {
    for db in TestDb::all().await {
        let core = core_with_clock(&db.db, start_ms());
        for (email, pw) in [
            ("weak@example.com", "Password123"),
            ("weak@example.com", "qwertyuiop12"),
            ("ada.byron@example.com", "ada.byron@example.com"),
        ] {
            match core
                .accounts()
                .register(email, pw, "Ada Byron", Role::Attendee, false)
                .await
                .unwrap_err()
            {
                AccountError::Invalid(api) => {
                    assert_eq!(api.field.as_deref(), Some("password"));
                    assert!(api.message.contains("too easy to guess"), "{}", api.message);
                }
                other => panic!("{pw}: {other:?}"),
            }
        }
    }
}
