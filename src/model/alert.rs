//! What a forge's secret-scanning alert records about the people around a
//! secret: who pushed past push protection, who reviewed that bypass, who
//! closed the alert and as what. Ingest reads it; correlate judges it.

use super::texts::{Texts, Visit, walk};
use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct AlertFacts {
    /// The alert's number in its repository (`#2`).
    pub number: Option<u64>,
    /// The alert's page on the forge.
    pub url: Option<String>,
    /// `open` or `resolved`.
    pub state: Option<String>,
    /// `revoked`, `false_positive`, `wont_fix`, `used_in_tests`, `pattern_edited`, …
    pub resolution: Option<String>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub bypass: Option<Bypass>,
}

/// A push that went through although push protection blocked the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Bypass {
    /// The login of who pushed past the block.
    pub by: Option<String>,
    pub at: Option<DateTime<Utc>>,
    /// Who approved the bypass request, where delegated bypass asks for one.
    pub reviewer: Option<String>,
    pub request_url: Option<String>,
}

impl AlertFacts {
    /// `alert #2`, or `the alert`.
    pub fn name(&self) -> String {
        self.number.map_or_else(|| "the alert".to_string(), |n| format!("alert #{n}"))
    }

    /// Closed as something other than revoked: the credential stayed valid as far as the alert says.
    pub fn dismissed(&self) -> bool {
        self.state.as_deref() == Some("resolved") && self.resolution.as_deref().is_some_and(|r| r != "revoked")
    }
}

impl Texts for AlertFacts {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let AlertFacts { number, url, state, resolution, resolved_by, resolved_at, bypass } = self;
        walk!(visit; number, url, state, resolved_at, bypass);
        walk!(visit; prose resolution, resolved_by);
    }
}

impl Texts for Bypass {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let Bypass { by, at, reviewer, request_url } = self;
        walk!(visit; by, at, reviewer, request_url);
    }
}
