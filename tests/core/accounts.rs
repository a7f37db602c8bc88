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
            .authenticate(&pair.access_token, None)
            .await
            .unwrap();
        assert_eq!(actor.user_id, user.id);
        let rotated = core.accounts().refresh(&pair.refresh_token).await.unwrap();
        assert_ne!(rotated.refresh_token, pair.refresh_token);
        // Reusing the spent token revokes the whole session, including the new tokens.
        assert!(core.accounts().refresh(&pair.refresh_token).await.is_err());
        assert!(
            core.accounts()
                .refresh(&rotated.refresh_token)
                .await
                .is_err()
        );
        assert!(
            core.accounts()
                .authenticate(&rotated.access_token, None)
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
                .authenticate(&fresh.access_token, None)
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
            .authenticate(&again.access_token, None)
            .await
            .unwrap();
        core.accounts().logout(&a).await.unwrap();
        assert!(
            core.accounts()
                .authenticate(&again.access_token, None)
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
