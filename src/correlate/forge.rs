//! The forge's answers joined to the commits git read: the pull request a
//! commit arrived in, its standing approvals as approvers (`via: forge`), its
//! merger where git has none, and what the forge said (`ForgeCheck`).

use crate::model::{Approver, CommitInfo, ForgeAnswer, ForgeAnswers, ForgeCheck, Person};

/// Complete a commit with what the forge said about it; without answers
/// (no `--forge`) it stays as git read it.
pub fn review(commit: &mut CommitInfo, answers: Option<&ForgeAnswers>) {
    let Some(answers) = answers else { return };
    commit.forge = match answers.answer(&commit.id, commit.pull_request) {
        ForgeAnswer::Pull(pull) => {
            commit.pull_request.get_or_insert(pull.number);
            // A squash or a merge on the forge's page leaves no merger in git.
            if commit.merged_by.is_none()
                && let Some(login) = &pull.merged_by
            {
                commit.merged_by = Some(Person::new(login.clone(), ""));
            }
            for approval in &pull.approvals {
                if commit.approvers.iter().any(|a| a.login.as_deref() == Some(approval.login.as_str())) {
                    continue;
                }
                let own = pull.author.as_deref() == Some(approval.login.as_str())
                    || noreply_login(&commit.author.email).is_some_and(|l| l.eq_ignore_ascii_case(&approval.login));
                commit.approvers.push(Approver {
                    name: approval.name.clone().unwrap_or_else(|| approval.login.clone()),
                    email: String::new(),
                    login: Some(approval.login.clone()),
                    via: "forge".into(),
                    role: "review".into(),
                    own,
                });
            }
            ForgeCheck::Pull {
                number: pull.number,
                url: pull.url.clone(),
                author: pull.author.clone(),
                merged_by: pull.merged_by.clone(),
                stale: pull.stale().into_iter().map(|a| a.login.clone()).collect(),
            }
        }
        ForgeAnswer::NoPull => ForgeCheck::NoPull,
        ForgeAnswer::Unanswered(why) => ForgeCheck::Unanswered { why: why.to_string() },
        ForgeAnswer::NotAsked => ForgeCheck::Unanswered { why: "not asked".into() },
    };
}

/// The login in a GitHub no-reply address: `123+octocat@users.noreply.github.com`.
fn noreply_login(email: &str) -> Option<&str> {
    let local = email.strip_suffix("@users.noreply.github.com")?;
    Some(local.split_once('+').map_or(local, |(_, l)| l))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ForgeApproval, PullReview};

    fn commit(pr: Option<u64>) -> CommitInfo {
        CommitInfo {
            id: "a".repeat(40),
            at: chrono::DateTime::default(),
            summary: "Bump langchain".into(),
            author: Person::new("Ana Ruiz", "7+ana@users.noreply.github.com"),
            committer: Person::new("GitHub", "noreply@github.com"),
            merged_by: None,
            pull_request: pr,
            approvers: Vec::new(),
            other_trailers: Vec::new(),
            bot: false,
            forge: ForgeCheck::NotConsulted,
        }
    }

    fn answers() -> ForgeAnswers {
        let approval = |login: &str, at: &str| ForgeApproval {
            login: login.into(),
            name: None,
            at: None,
            commit: Some(at.into()),
        };
        let pull = PullReview {
            number: 27,
            url: "https://github.com/o/r/pull/27".into(),
            author: Some("ana".into()),
            merged_by: Some("marcus".into()),
            merged_at: None,
            head: Some("h2".into()),
            merge_commit: Some("a".repeat(40)),
            approvals: vec![approval("bo", "h1"), approval("ana", "h2")],
            reviews_read: 3,
        };
        let mut a = ForgeAnswers { forge: "github:o/r".into(), ..ForgeAnswers::default() };
        a.pulls.insert(27, pull);
        a.commit_pulls.insert("b".repeat(40), Vec::new());
        a
    }

    #[test]
    fn the_forge_names_approvers_the_merger_and_stale_approvals() {
        let mut c = commit(None);
        c.forge = ForgeCheck::NotConsulted;
        let mut a = answers();
        a.commit_pulls.insert("a".repeat(40), vec![27]);
        review(&mut c, Some(&a));
        assert_eq!(c.pull_request, Some(27), "placed by the forge");
        assert_eq!(c.merged_by.as_ref().map(|m| m.name.as_str()), Some("marcus"));
        let who: Vec<(&str, bool)> = c.approvers.iter().map(|x| (x.name.as_str(), x.own)).collect();
        assert_eq!(who, [("bo", false), ("ana", true)], "the author's own review is marked");
        assert!(matches!(&c.forge, ForgeCheck::Pull { stale, .. } if stale == &["bo".to_string()]));
        let mut direct = commit(None);
        direct.id = "b".repeat(40);
        review(&mut direct, Some(&a));
        assert_eq!(direct.forge, ForgeCheck::NoPull);
        let mut untouched = commit(Some(27));
        review(&mut untouched, None);
        assert_eq!(untouched.forge, ForgeCheck::NotConsulted);
        assert!(untouched.approvers.is_empty());
    }
}
