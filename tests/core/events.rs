//! Event management rules.

use crate::helpers::{event_request, fixture, organizer, users};
use evently::events::EventError;
use evently::testing::TestDb;

type Mutation = Box<dyn Fn(&mut evently::dto::CreateEventRequest)>;

#[tokio::test]
async fn capacity_goes_up_freely_and_down_only_to_what_is_taken() {
    for db in TestDb::all().await {
        let f = fixture(&db, 10).await;
        let u = users(&f.core, 1, "cap").await.remove(0);
        f.core
            .bookings()
            .book(&u, f.event_id, f.tt_id, 6, "k")
            .await
            .unwrap();
        let up = f
            .core
            .events()
            .set_capacity(&f.organizer, f.tt_id, 20)
            .await
            .unwrap();
        assert_eq!((up.capacity, up.available), (20, 14));
        let down = f
            .core
            .events()
            .set_capacity(&f.organizer, f.tt_id, 6)
            .await
            .unwrap();
        assert_eq!(down.available, 0);
        let err = f
            .core
            .events()
            .set_capacity(&f.organizer, f.tt_id, 5)
            .await
            .unwrap_err();
        let api: evently::ApiError = err.into();
        assert_eq!(api.status(), 409);
        assert!(api.message.contains("6 seats"), "{}", api.message);
        // Another organizer cannot touch it, and learns nothing about it.
        let other = organizer(&f.core, "other").await;
        assert!(matches!(
            f.core
                .events()
                .set_capacity(&other, f.tt_id, 50)
                .await
                .unwrap_err(),
            EventError::NotFound(_)
        ));
        assert!(matches!(
            f.core
                .events()
                .publish_event(&other, f.event_id)
                .await
                .unwrap_err(),
            EventError::NotFound(_)
        ));
        f.assert_invariants().await;
    }
}

#[tokio::test]
async fn only_organizers_create_events_and_input_is_validated_by_field() {
    for db in TestDb::all().await {
        let f = fixture(&db, 1).await;
        let attendee = users(&f.core, 1, "att").await.remove(0);
        assert!(matches!(
            f.core
                .events()
                .create_event(&attendee, &event_request(5))
                .await
                .unwrap_err(),
            EventError::NotOrganizer
        ));
        let cases: Vec<(Mutation, &str)> = vec![
            (Box::new(|r| r.title = "x".into()), "title"),
            (Box::new(|r| r.title = "a".repeat(141)), "title"),
            (Box::new(|r| r.category = "nope".into()), "category"),
            (Box::new(|r| r.ends_at = r.starts_at), "ends_at"),
            (
                Box::new(|r| r.timezone = Some("Mars/Olympus".into())),
                "timezone",
            ),
            (Box::new(|r| r.venue = "bad\u{0}venue".into()), "venue"),
            (Box::new(|r| r.ticket_types.clear()), "ticket_types"),
            (
                Box::new(|r| r.ticket_types[0].capacity = 0),
                "ticket_types[0].capacity",
            ),
            (
                Box::new(|r| r.ticket_types[0].price_cents = -1),
                "ticket_types[0].price_cents",
            ),
            (
                Box::new(|r| r.image_url = Some("javascript:alert(1)".into())),
                "image_url",
            ),
        ];
        for (mutate, field) in cases {
            let mut req = event_request(5);
            mutate(&mut req);
            match f
                .core
                .events()
                .create_event(&f.organizer, &req)
                .await
                .unwrap_err()
            {
                EventError::Invalid(api) => {
                    assert_eq!(api.field.as_deref(), Some(field), "{}", api.message)
                }
                other => panic!("{field}: {other:?}"),
            }
        }
        // Slugs stay unique when titles repeat.
        let a = f
            .core
            .events()
            .create_event(&f.organizer, &event_request(5))
            .await
            .unwrap();
        let b = f
            .core
            .events()
            .create_event(&f.organizer, &event_request(5))
            .await
            .unwrap();
        assert_ne!(a.slug, b.slug);
        assert!(a.slug.starts_with("flash-sale-night"));
    }
}

#[tokio::test]
async fn a_demoted_organizer_manages_nothing_not_even_their_own_drafts() {
    for db in TestDb::all().await {
        let f = fixture(&db, 10).await;
        let draft = f
            .core
            .events()
            .create_event(&f.organizer, &event_request(5))
            .await
            .unwrap();
        // The organizer sees and manages their draft...
        assert!(
            f.core
                .events()
                .event_for(Some(&f.organizer), draft.id)
                .await
                .is_ok()
        );
        // ...until the role is taken away. One copy of the rule used to let the owner see
        // drafts without the role while three others refused; now all refuse.
        let mut demoted = f.organizer.clone();
        demoted.role = evently::domain::Role::Attendee;
        let events = f.core.events();
        assert!(matches!(
            events
                .event_for(Some(&demoted), draft.id)
                .await
                .unwrap_err(),
            EventError::NotFound(_)
        ));
        assert!(matches!(
            events.publish_event(&demoted, draft.id).await.unwrap_err(),
            EventError::NotFound(_)
        ));
        assert!(matches!(
            events
                .set_capacity(&demoted, f.tt_id, 50)
                .await
                .unwrap_err(),
            EventError::NotFound(_)
        ));
        // A booking of their (published) event is not theirs to see or cancel any more.
        let u = users(&f.core, 1, "dm").await.remove(0);
        let (b, _) = f
            .core
            .bookings()
            .book(&u, f.event_id, f.tt_id, 1, "k")
            .await
            .unwrap();
        assert!(
            f.core
                .bookings()
                .booking_for(&f.organizer, b.id)
                .await
                .is_ok()
        );
        assert!(f.core.bookings().booking_for(&demoted, b.id).await.is_err());
        assert!(
            f.core
                .bookings()
                .cancel_booking(&demoted, b.id)
                .await
                .is_err()
        );
    }
}
