//! Who approved the framework: the watched-package changes, in order.

use crate::model::{DependencyChange, Evidence};

/// Every change to a watched package, oldest first.
pub fn framework_changes(evidence: &Evidence) -> Vec<DependencyChange> {
    let mut changes = evidence.dependency_changes.clone();
    changes.sort_by(|a, b| {
        (a.commit.at, &a.package, &a.manifest).cmp(&(b.commit.at, &b.package, &b.manifest))
    });
    changes
}

/// Whether anyone other than the author is recorded as approving the change.
pub fn has_approval(change: &DependencyChange) -> bool {
    change
        .commit
        .approvers
        .iter()
        .any(|a| a.email != change.commit.author.email || a.name != change.commit.author.name)
}
