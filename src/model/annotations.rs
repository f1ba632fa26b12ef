//! An analyst's word on a row of the case: a verdict and a note, who and when.

use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Confirmed,
    FalsePositive,
    Benign,
    NeedsReview,
}

impl Verdict {
    pub const ALL: [Verdict; 4] = [Verdict::Confirmed, Verdict::FalsePositive, Verdict::Benign, Verdict::NeedsReview];

    /// As the report writes it: `false_positive`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Confirmed => "confirmed",
            Verdict::FalsePositive => "false_positive",
            Verdict::Benign => "benign",
            Verdict::NeedsReview => "needs_review",
        }
    }

    /// `false-positive`, `false_positive`, `fp`, `needs-review`, …
    pub fn parse(word: &str) -> Option<Verdict> {
        match word.to_ascii_lowercase().replace('-', "_").as_str() {
            "confirmed" | "confirm" => Some(Verdict::Confirmed),
            "false_positive" | "fp" => Some(Verdict::FalsePositive),
            "benign" => Some(Verdict::Benign),
            "needs_review" | "review" => Some(Verdict::NeedsReview),
            _ => None,
        }
    }
}

/// `target` names what the verdict is about: `secret:s1`, `replay:<event id>`,
/// `address:<ip>`, `commit:<sha>`, `grant:<record>`, `role:<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Annotation {
    pub target: String,
    pub verdict: Verdict,
    pub note: String,
    pub by: String,
    pub at: DateTime<Utc>,
}
