//! Persistence: every SQL statement in Evently lives in this module.
//!
//! Each function takes a [`Db`](crate::db::Db) (reads, autocommit writes) or a
//! [`Tx`](crate::db::Tx) (writes that must commit together) and works on both engines.
//! Row types mirror tables; services in the feature modules turn them into DTOs.

pub mod account_links;
pub mod analytics;
pub mod audit;
pub mod bookings;
pub mod check;
pub mod events;
pub mod exports;
pub mod holds;
pub mod inbox;
pub mod inventory;
pub mod live;
pub mod organizer;
pub mod outbox;
pub mod rollup_fold;
pub mod rollups;
pub mod search;
pub mod search_keys;
pub mod search_query;
pub(crate) mod search_sql;
pub mod seed;
pub mod seed_history;
pub mod sessions;
pub mod status;
pub mod tickets;
pub mod users;
pub mod waitlist;

use rand::Rng;

/// A random code from an unambiguous alphabet (no 0/O, 1/I/L), for booking and ticket codes.
pub fn random_code(len: usize) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// `$start, $start+1, ...` placeholders for a multi-row insert of `rows` rows of `cols` columns.
/// `suffix` is appended inside every row (for constants shared by all rows, such as `, $1`).
pub(crate) fn values_placeholders(rows: usize, cols: usize, start: usize, suffix: &str) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            s.push('$');
            s.push_str(&(start + r * cols + c).to_string());
        }
        s.push_str(suffix);
        s.push(')');
    }
    s
}

/// `$start, ..., $start+n-1` for an `IN (...)` list.
pub(crate) fn list_placeholders(n: usize, start: usize) -> String {
    (0..n)
        .map(|i| format!("${}", start + i))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_number_from_start() {
        assert_eq!(
            super::values_placeholders(2, 2, 3, ", $1"),
            "($3, $4, $1), ($5, $6, $1)"
        );
        assert_eq!(super::list_placeholders(3, 1), "$1, $2, $3");
        let code = super::random_code(8);
        assert_eq!(code.len(), 8);
        assert!(
            code.chars()
                .all(|c| c.is_ascii_alphanumeric() && c != '0' && c != 'O')
        );
    }
}
