//! Who approved the framework: the watched-package changes, in order.

use crate::model::{Approver, DependencyChange, Evidence, Person};

/// Every change to a watched package, oldest first, marked where the same
/// commit or pull request also changed secret wiring.
pub fn framework_changes(evidence: &Evidence) -> Vec<DependencyChange> {
    let mut changes = arrived_through_pull_requests(evidence.dependency_changes.clone());
    for change in &mut changes {
        change.touches_wiring =
            evidence.grants.iter().chain(&evidence.unwirings).filter_map(|g| g.commit.as_ref()).any(|c| {
                c.id == change.commit.id || (c.pull_request.is_some() && c.pull_request == change.commit.pull_request)
            });
    }
    for change in &mut changes {
        super::forge::review(&mut change.commit, evidence.forge.as_ref());
        change.approved = approved_by_another(&change.commit.approvers, &change.commit.author);
    }
    changes.sort_by(|a, b| (a.commit.at, &a.package, &a.manifest).cmp(&(b.commit.at, &b.package, &b.manifest)));
    changes
}

/// A branch commit read on its own (`--all-refs`) whose change a pull
/// request's merge brought in belongs to that pull request: it is the same
/// change, reported once, at the merge (with `introduced_by` naming the branch
/// commit), never as pushed directly.
fn arrived_through_pull_requests(changes: Vec<DependencyChange>) -> Vec<DependencyChange> {
    let merged: std::collections::HashSet<(String, String, String)> = changes
        .iter()
        .filter(|c| c.commit.pull_request.is_some())
        .filter_map(|c| {
            let by = c.introduced_by.as_ref().filter(|i| i.commit != c.commit.id)?;
            Some((by.commit.clone(), c.manifest.clone(), c.package.clone()))
        })
        .collect();
    changes
        .into_iter()
        .filter(|c| !merged.contains(&(c.commit.id.clone(), c.manifest.clone(), c.package.clone())))
        .collect()
}

/// Whether anyone other than the author is recorded as approving: a
/// self-review is no approval. The one place this is judged.
pub fn approved_by_another(approvers: &[Approver], author: &Person) -> bool {
    let same = |a: &Approver| {
        (!a.email.is_empty() && a.email.eq_ignore_ascii_case(&author.email))
            || (a.email.is_empty() && a.name == author.name)
    };
    approvers.iter().any(|a| !a.own && !same(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approver(name: &str, email: &str) -> Approver {
        Approver {
            name: name.into(),
            email: email.into(),
            login: None,
            via: "trailer".into(),
            role: "Reviewed-by".into(),
            own: false,
        }
    }

    #[test]
    fn a_self_review_is_no_approval_whatever_name_it_signs() {
        let ana = Person::new("Ana Ruiz", "ana@example.com");
        assert!(!approved_by_another(&[], &ana));
        assert!(!approved_by_another(&[approver("Ana Ruiz", "ana@example.com")], &ana));
        assert!(!approved_by_another(&[approver("A. Ruiz", "ANA@example.com")], &ana), "same address, same person");
        assert!(approved_by_another(
            &[approver("Ana Ruiz", "ana@example.com"), approver("Bo Lind", "bo@example.com")],
            &ana
        ));
        assert!(approved_by_another(&[approver("Bo Lind", "")], &ana));
    }
}
