//! HTTP tests of the API and the web UI, driven in-process, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

mod auth;
mod bad_input;
mod checks;
mod conformance;
mod evidence;
mod governance;
mod interchange;
mod outage;
mod pages;
mod risk;
mod roles;
mod systems;
