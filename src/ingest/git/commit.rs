//! What a commit says about who wrote, merged and approved it.

use chrono::{TimeZone, Utc};
use git2::Oid;
#[cfg(test)]
use git2::{Commit, Repository};

use super::trailers;
use crate::model::{CommitInfo, Person};

#[cfg(test)]
fn person(sig: &git2::Signature) -> Person {
    Person::new(String::from_utf8_lossy(sig.name_bytes()), String::from_utf8_lossy(sig.email_bytes()))
}

/// What `info` reads of a commit, from git2's object or from its raw bytes.
pub struct Parts {
    pub author: Person,
    pub committer: Person,
    /// The committer's time, in seconds since the epoch.
    pub time: i64,
    /// The committer's time could not be read (shown as the epoch, and said).
    pub odd_time: bool,
    pub message: String,
    pub parents: Vec<Oid>,
}

impl Parts {
    #[cfg(test)]
    pub fn of(commit: &Commit) -> Self {
        Self {
            author: person(&commit.author()),
            committer: person(&commit.committer()),
            time: commit.time().seconds(),
            odd_time: false,
            message: String::from_utf8_lossy(commit.message_bytes()).into_owned(),
            parents: commit.parent_ids().collect(),
        }
    }

    /// A raw commit object as git writes it: headers (continued on lines that
    /// start with a space, as a signature is), a blank line, the message.
    pub fn parse(data: &[u8]) -> Self {
        let (headers, message) = match data.windows(2).position(|w| w == b"\n\n") {
            Some(at) => (&data[..at], &data[at + 2..]),
            None => (data, &[][..]),
        };
        let mut parts = Parts {
            author: Person::new("", ""),
            committer: Person::new("", ""),
            time: 0,
            odd_time: true,
            message: String::from_utf8_lossy(message).into_owned(),
            parents: Vec::new(),
        };
        for line in headers.split(|b| *b == b'\n') {
            if let Some(hex) = line.strip_prefix(b"parent ") {
                parts.parents.extend(std::str::from_utf8(hex).ok().and_then(|h| Oid::from_str(h.trim()).ok()));
            } else if let Some(sig) = line.strip_prefix(b"author ") {
                parts.author = signature(sig).0;
            } else if let Some(sig) = line.strip_prefix(b"committer ") {
                let (committer, time) = signature(sig);
                parts.committer = committer;
                // An overflowing or missing date: the epoch stands in, and the reader says so.
                let readable = time.filter(|t| Utc.timestamp_opt(*t, 0).single().is_some());
                (parts.time, parts.odd_time) = (readable.unwrap_or(0), readable.is_none());
            }
        }
        parts
    }
}

/// `Name <email> 1700000000 +0100`, read as libgit2 does (the last `<` and
/// `>` delimit the email); a malformed line gives what it can.
fn signature(line: &[u8]) -> (Person, Option<i64>) {
    let text = String::from_utf8_lossy(line);
    let (Some(open), Some(close)) = (text.rfind('<'), text.rfind('>')) else {
        return (Person::new(text.trim(), ""), None);
    };
    if close < open {
        return (Person::new(text.trim(), ""), None);
    }
    let time = text[close + 1..].split_whitespace().next().and_then(|t| t.parse().ok());
    (Person::new(text[..open].trim(), text[open + 1..close].trim()), time)
}

/// Authorship, merge and approval facts of a commit, as the commit itself
/// records them. Who wrote what a merge brought in is decided per line and
/// per package (`merged`), never from the merge or its branch tip.
#[cfg(test)]
pub fn info(commit: &Commit) -> CommitInfo {
    info_from(commit.id(), Parts::of(commit))
}

pub fn info_from(id: Oid, parts: Parts) -> CommitInfo {
    let message = parts.message.trim_start_matches('\n');
    let author = parts.author.clone();
    let committer = parts.committer;
    let (approvers, other_trailers) = trailers::people(message);
    // A merge made locally is committed by whoever merged; one made with the
    // forge's button is committed by the forge and authored by whoever pressed it.
    let merger = if trailers::is_platform_identity(&committer) { parts.author } else { committer.clone() };
    let merged_by = (parts.parents.len() > 1 && !trailers::is_platform_identity(&merger)).then_some(merger);
    let at = Utc.timestamp_opt(parts.time, 0).single().unwrap_or_default();
    CommitInfo {
        id: id.to_string(),
        at,
        summary: message.lines().next().unwrap_or("").to_string(),
        bot: trailers::is_bot(&author),
        author,
        committer,
        merged_by,
        pull_request: trailers::pull_request(message),
        approvers,
        other_trailers,
        forge: crate::model::ForgeCheck::NotConsulted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_commits_read_as_git2_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let tree = repo.treebuilder(None).unwrap().write().unwrap();
        let tree = repo.find_tree(tree).unwrap();
        let author = git2::Signature::new("Ana Smith", "ana@example.com", &git2::Time::new(1_700_000_000, 60)).unwrap();
        let committer =
            git2::Signature::new("GitHub", "noreply@github.com", &git2::Time::new(1_700_000_500, 0)).unwrap();
        let first = repo.commit(None, &author, &author, "base", &tree, &[]).unwrap();
        let first = repo.find_commit(first).unwrap();
        let message = "Merge pull request #7 from x/y\n\nBody\n\nReviewed-by: Bo <bo@example.com>\n";
        let merge = repo.commit(None, &author, &committer, message, &tree, &[&first, &first]).unwrap();
        let commit = repo.find_commit(merge).unwrap();
        let odb = repo.odb().unwrap();
        let raw = odb.read(merge).unwrap();
        let parsed = Parts::parse(raw.data());
        assert_eq!(parsed.parents, vec![first.id(), first.id()]);
        assert_eq!(info_from(merge, parsed), info(&commit));
        assert_eq!(info(&commit).pull_request, Some(7));
        assert_eq!(info(&commit).at.timestamp(), 1_700_000_500);
        // A signed commit: the signature's continuation lines are not headers.
        let signed = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 5 +0000\ncommitter C <c@x> 9 +0000\ngpgsig -----BEGIN PGP SIGNATURE-----\n parent 0000000000000000000000000000000000000000\n -----END PGP SIGNATURE-----\n\nSubject\n";
        let parts = Parts::parse(signed);
        assert!(parts.parents.is_empty());
        assert_eq!((parts.committer.email.as_str(), parts.time, parts.message.as_str()), ("c@x", 9, "Subject\n"));
        // Malformed identities give what they can and never panic.
        assert_eq!(signature(b"no email here").0.name, "no email here");
        assert_eq!(signature(b"odd > order < here").1, None);
        // A date past what a date holds stands as the epoch, and is said to.
        let odd = Parts::parse(
            b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\ncommitter C <c@x> 99999999999999999999 +0000\n\nx\n",
        );
        assert_eq!((odd.time, odd.odd_time), (0, true));
        assert!(!parts.odd_time);
    }
}
