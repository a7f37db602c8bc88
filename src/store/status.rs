//! Statuses as database values: each status enum of [`domain`](crate::domain) reads and
//! writes as its text, on both engines. A value no variant spells fails the read loudly.

use crate::domain::{BookingStatus, EventStatus, HoldStatus, OutboxStatus, WaitlistStatus};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::sqlite::{SqliteArgumentValue, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Postgres, Sqlite, Type};

macro_rules! text_column {
    ($($t:ident),+) => {$(
        impl Type<Sqlite> for $t {
            fn type_info() -> SqliteTypeInfo {
                <str as Type<Sqlite>>::type_info()
            }
            fn compatible(ty: &SqliteTypeInfo) -> bool {
                <str as Type<Sqlite>>::compatible(ty)
            }
        }

        impl Type<Postgres> for $t {
            fn type_info() -> PgTypeInfo {
                <str as Type<Postgres>>::type_info()
            }
            fn compatible(ty: &PgTypeInfo) -> bool {
                <str as Type<Postgres>>::compatible(ty)
            }
        }

        impl<'r> Decode<'r, Sqlite> for $t {
            fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
                Ok($t::parse(<&str as Decode<Sqlite>>::decode(value)?)?)
            }
        }

        impl<'r> Decode<'r, Postgres> for $t {
            fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
                Ok($t::parse(<&str as Decode<Postgres>>::decode(value)?)?)
            }
        }

        impl<'q> Encode<'q, Sqlite> for $t {
            fn encode_by_ref(
                &self,
                buf: &mut Vec<SqliteArgumentValue<'q>>,
            ) -> Result<IsNull, BoxDynError> {
                <&str as Encode<'q, Sqlite>>::encode(self.as_str(), buf)
            }
        }

        impl Encode<'_, Postgres> for $t {
            fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
                <&str as Encode<Postgres>>::encode(self.as_str(), buf)
            }
        }
    )+};
}

text_column!(
    EventStatus,
    BookingStatus,
    HoldStatus,
    OutboxStatus,
    WaitlistStatus
);

/// The SQL literals of the statuses that statements name in their text, spelled by the
/// enums themselves (`HOLD_ACTIVE` is `'active'`).
pub(crate) mod lit {
    use crate::domain::{BookingStatus, EventStatus, HoldStatus, OutboxStatus, WaitlistStatus};

    pub const EVENT_PUBLISHED: &str = EventStatus::Published.sql();
    pub const BOOKING_CONFIRMED: &str = BookingStatus::Confirmed.sql();
    pub const BOOKING_CANCELLED: &str = BookingStatus::Cancelled.sql();
    pub const HOLD_ACTIVE: &str = HoldStatus::Active.sql();
    pub const HOLD_CONFIRMED: &str = HoldStatus::Confirmed.sql();
    pub const HOLD_RELEASED: &str = HoldStatus::Released.sql();
    pub const HOLD_EXPIRED: &str = HoldStatus::Expired.sql();
    pub const OUTBOX_PENDING: &str = OutboxStatus::Pending.sql();
    pub const OUTBOX_DELIVERED: &str = OutboxStatus::Delivered.sql();
    pub const OUTBOX_DEAD: &str = OutboxStatus::Dead.sql();
    pub const WL_WAITING: &str = WaitlistStatus::Waiting.sql();
    pub const WL_OFFERED: &str = WaitlistStatus::Offered.sql();
}
