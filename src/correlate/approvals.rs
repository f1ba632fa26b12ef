//! Who approved the framework: the watched-package changes, in order.

use crate::model::{DependencyChange, Evidence};

/// Every change to a watched package, oldest first, marked where the same
/// commit or pull request also changed secret wiring.
pub fn framework_changes(evidence: &Evidence) -> Vec<DependencyChange> {
    let mut changes = evidence.dependency_changes.clone();
    for change in &mut changes {
        change.touches_wiring =
            evidence.grants.iter().chain(&evidence.unwirings).filter_map(|g| g.commit.as_ref()).any(|c| {
                c.id == change.commit.id || (c.pull_request.is_some() && c.pull_request == change.commit.pull_request)
            });
    }
    changes.sort_by(|a, b| (a.commit.at, &a.package, &a.manifest).cmp(&(b.commit.at, &b.package, &b.manifest)));
    changes
}

/// Whether anyone other than the author is recorded as approving the change.
pub fn has_approval(change: &DependencyChange) -> bool {
    change.commit.approvers.iter().any(|a| a.email != change.commit.author.email || a.name != change.commit.author.name)
}
