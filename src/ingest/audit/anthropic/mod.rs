//! Anthropic's Admin API and Compliance API, as their answers are saved: the
//! key listing (which key id a leaked `sk-ant-…` is, who made it, whether it is
//! still active), the usage report grouped by key, and the activity feed.

pub mod activity;
pub mod keys;
pub mod usage;
