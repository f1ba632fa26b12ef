//! leakline: who approved the framework, who made the secret reachable, and
//! where it was replayed — from git history, audit logs and scanner output.

pub mod correlate;
pub mod demo;
pub mod ingest;
pub mod model;
pub mod report;
pub mod session;
pub mod store;
pub mod text;
pub mod tui;
