//! Either store behind one handle, for the domains that run on the team server's PostgreSQL as well as on the local
//! SQLite file: `Db::Sqlite` or `Db::Pg`, and `on_db!`, which expands one query expression once per backend so the
//! SQL text and its bindings are written once. The SQL such a domain writes must mean the same on both engines:
//! `$1`-style placeholders (SQLite reads `$N` as parameter N), standard `ON CONFLICT`, no engine-only functions.

use super::Store;
use super::postgres::PgStore;

/// A store of either engine (cheap to clone).
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(Store),
    Pg(PgStore),
}

/// `on_db!(db, |pool| expr)`: evaluate `expr` with `pool` bound to the SQLite or the PostgreSQL pool of `db`.
#[macro_export]
macro_rules! on_db {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::store::db::Db::Sqlite(store) => {
                let $pool = store.pool();
                $body
            }
            $crate::store::db::Db::Pg(store) => {
                let $pool = store.pool();
                $body
            }
        }
    };
}
