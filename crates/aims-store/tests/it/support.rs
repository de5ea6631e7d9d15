//! Runs each contract test once per backend.

pub use aims_store::Backend;
pub use aims_store::testing::{TestDb, fresh};
use time::OffsetDateTime;
use time::macros::datetime;

/// A fixed instant: tests never read the clock.
pub const T0: OffsetDateTime = datetime!(2026-12-01 09:00:00 UTC);

/// Declares `async fn $name(backend: Backend)` and one test per backend that runs it.
#[macro_export]
macro_rules! contract {
    ($(async fn $name:ident($backend:ident: Backend) $body:block)+) => {
        $(
            mod $name {
                #[allow(unused_imports)]
                use super::*;
                async fn run($backend: $crate::support::Backend) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    run($crate::support::Backend::Sqlite).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    run($crate::support::Backend::Postgres).await
                }
            }
        )+
    };
}

pub async fn db(backend: Backend) -> TestDb {
    fresh(backend)
        .await
        .expect("test database (is PostgreSQL running?)")
}
