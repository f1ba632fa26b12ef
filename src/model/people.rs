//! People and principals as records name them, and how they approved.

use super::texts::{Texts, Visit, walk};
use serde::Serialize;

/// A person or principal as a record names them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize, Default)]
pub struct Person {
    pub name: String,
    pub email: String,
}

impl Person {
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Self {
        Self { name: name.into(), email: email.into() }
    }

    /// The name, or the email when there is no name: for narrow columns.
    pub fn short(&self) -> String {
        if self.name.is_empty() { self.display() } else { self.name.clone() }
    }

    /// `Name <email>`, or whichever part is known.
    pub fn display(&self) -> String {
        match (self.name.is_empty(), self.email.is_empty()) {
            (false, false) => format!("{} <{}>", self.name, self.email),
            (false, true) => self.name.clone(),
            (true, false) => self.email.clone(),
            (true, true) => "(unknown)".to_string(),
        }
    }
}

/// How a person is recorded as having approved a change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
pub struct Approver {
    pub name: String,
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    /// `trailer` or `forge`.
    pub via: String,
    /// The trailer key (`Reviewed-by`, `Approved-by`, `Acked-by`) when via a
    /// trailer; `review` via the forge.
    #[serde(skip)]
    pub role: String,
    /// The forge says this approver opened the pull request: their own review.
    #[serde(skip)]
    pub own: bool,
}

impl Approver {
    /// `Marcus Lee (Reviewed-by)`: the name (else the address) and the record that names them.
    pub fn label(&self) -> String {
        format!("{} ({})", if self.name.is_empty() { &self.email } else { &self.name }, self.role)
    }
}

/// What the "approved by" column says, from the judged `approved` and the
/// approvers on record: nobody, the approvers, or a self-review that is none.
pub fn approval_text(approved: bool, approvers: &[Approver]) -> Option<String> {
    let names: Vec<&str> = approvers.iter().map(|a| a.name.as_str()).collect();
    match (approvers.is_empty(), approved) {
        (true, _) => None,
        (false, true) => Some(names.join(", ")),
        (false, false) => Some(format!("{} (own review: no approval)", names.join(", "))),
    }
}

impl Texts for Person {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let Person { name, email } = self;
        walk!(visit; name, email);
    }
}

impl Texts for Approver {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let Approver { name, email, login, via, role, own } = self;
        walk!(visit; name, email, login, via, role, own);
    }
}
