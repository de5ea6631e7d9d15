//! Shared application state: the store, the clock, templates and settings. It holds no
//! per-user state, so any number of servers can run behind one load balancer.

use std::sync::Arc;

use aims_catalog::Catalog;
use aims_ledger::note::Verifier;
use aims_store::Store;

use crate::clock::Clock;
use crate::config::ServerConfig;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    store: Store,
    catalog: Catalog,
    clock: Arc<dyn Clock>,
    config: ServerConfig,
    templates: minijinja::Environment<'static>,
    verifier: Option<Verifier>,
}

impl AppState {
    /// Builds the state, loading and validating the built-in framework libraries.
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        config: ServerConfig,
        verifier: Option<Verifier>,
    ) -> Result<Self, aims_catalog::Error> {
        Ok(Self(Arc::new(Inner {
            catalog: Catalog::builtin()?,
            store,
            clock,
            config,
            templates: crate::ui::templates(),
            verifier,
        })))
    }

    /// The framework libraries and crosswalks.
    pub fn catalog(&self) -> &Catalog {
        &self.0.catalog
    }

    /// The evidence file store.
    pub fn files(&self) -> aims_store::FileStore {
        aims_store::FileStore::new(&self.0.config.evidence_dir)
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    pub fn clock(&self) -> &dyn Clock {
        self.0.clock.as_ref()
    }

    pub fn config(&self) -> &ServerConfig {
        &self.0.config
    }

    pub(crate) fn templates(&self) -> &minijinja::Environment<'static> {
        &self.0.templates
    }

    /// The public key that checks this server's checkpoints.
    pub fn verifier(&self) -> Option<&Verifier> {
        self.0.verifier.as_ref()
    }
}
