//! Findings of the same secret become one `Secret`: same fingerprint, same
//! identifier (an AWS access key id), or the same commit, file and line.

use std::collections::{BTreeSet, HashMap};

use crate::model::{Access, CommitInfo, Evidence, Exposure, Finding, Lifecycle, Secret};

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn find(&mut self, i: usize) -> usize {
        let mut root = i;
        while self.0[root] != root {
            root = self.0[root];
        }
        let mut j = i;
        while self.0[j] != root {
            let next = self.0[j];
            self.0[j] = root;
            j = next;
        }
        root
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[ra.max(rb)] = ra.min(rb);
        }
    }
}

/// What says two findings are the same secret: the same value (fingerprint
/// or digest), or the same access key id (the id and the secret key of one
/// AWS key pair are one credential).
fn value_keys(f: &Finding) -> Vec<String> {
    let mut keys: Vec<String> =
        f.identifiers.iter().filter(|i| crate::model::is_access_key_id(i)).map(|i| format!("id:{i}")).collect();
    keys.extend(f.fingerprint.iter().map(|fp| format!("fp:{fp}")));
    // detect-secrets keeps a SHA-1, ggshield a SHA-256: the same value's digests meet.
    keys.extend(f.digests.iter().map(|d| format!("dg:{d}")));
    keys
}

/// Where a finding stands: the same commit, file and line. A place only
/// joins findings whose values do not differ (one line can hold two secrets,
/// and a scanner can name a wrong line).
fn place_keys(f: &Finding) -> Vec<String> {
    let place = f.file.as_deref().map(|p| p.trim_start_matches("./").trim_start_matches('/'));
    let mut keys = Vec::new();
    if let (Some(c), Some(p), Some(l)) = (&f.commit, place, f.line) {
        keys.push(format!("at:{}:{p}:{l}", &c[..c.len().min(12)]));
    }
    if let (Some(p), Some(l)) = (place, f.line) {
        keys.push(format!("loc:{p}:{l}"));
    }
    keys
}

/// The committer time git recorded for a commit id (full or abbreviated).
fn commit_time<'a>(commits: &'a [CommitInfo], id: &str) -> Option<&'a CommitInfo> {
    (id.len() >= 7).then(|| commits.iter().find(|c| c.id.starts_with(id) || id.starts_with(&c.id)))?
}

/// Merge findings into secrets, ordered by exposure time, with ids `s1`, `s2`, …
pub fn merge(evidence: &Evidence) -> Vec<Secret> {
    let findings = &evidence.findings;
    let mut uf = UnionFind((0..findings.len()).collect());
    let mut first_with: HashMap<String, usize> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        for key in value_keys(f) {
            match first_with.get(&key) {
                Some(&j) => uf.union(i, j),
                None => {
                    first_with.insert(key, i);
                }
            }
        }
    }
    // The values each group holds, to keep a place from joining two of them.
    let mut values: HashMap<usize, BTreeSet<&str>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        let root = uf.find(i);
        values.entry(root).or_default().extend(f.digests.iter().map(String::as_str));
    }
    // The same commit, file and line first; then the same file and line.
    for exact in [true, false] {
        let mut at_place: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, f) in findings.iter().enumerate() {
            for key in place_keys(f).into_iter().filter(|k| k.starts_with("at:") == exact) {
                at_place.entry(key).or_default().push(i);
            }
        }
        for members in at_place.values() {
            let mut roots: Vec<usize> = members.iter().map(|&i| uf.find(i)).collect();
            roots.sort_unstable();
            roots.dedup();
            let valued: Vec<usize> =
                roots.iter().copied().filter(|r| values.get(r).is_some_and(|v| !v.is_empty())).collect();
            // Two secrets at one place (or a scanner's wrong line) stay two, and a
            // finding without a value beside them could be either: it joins neither.
            if valued.len() > 1 {
                continue;
            }
            let merged: BTreeSet<&str> = valued.iter().filter_map(|r| values.get(r)).flatten().copied().collect();
            for pair in roots.windows(2) {
                uf.union(pair[0], pair[1]);
            }
            if let Some(&first) = roots.first() {
                values.insert(uf.find(first), merged);
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut index: HashMap<usize, usize> = HashMap::new();
    for i in 0..findings.len() {
        let root = uf.find(i);
        let g = *index.entry(root).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
    }
    let mut secrets: Vec<Secret> =
        groups.into_iter().map(|g| secret(g.iter().map(|&i| &findings[i]).collect(), evidence)).collect();
    // Known exposures first, oldest first; secrets no source dates go last.
    secrets.sort_by(|a, b| {
        let at = |s: &Secret| s.exposed.as_ref().map(|e| e.at);
        (at(a).is_none(), at(a)).cmp(&(at(b).is_none(), at(b))).then_with(|| a.label.cmp(&b.label))
    });
    for (i, s) in secrets.iter_mut().enumerate() {
        s.id = format!("s{}", i + 1);
    }
    secrets
}

fn secret(findings: Vec<&Finding>, evidence: &Evidence) -> Secret {
    let kind = findings.iter().map(|f| f.kind.as_str()).find(|k| *k != "generic").unwrap_or("generic").to_string();
    let with_value = findings.iter().find(|f| f.fingerprint.is_some());
    let label = with_value.or(findings.first()).map(|f| f.label.clone()).unwrap_or_default();
    let set = |get: &dyn Fn(&Finding) -> Vec<String>| -> Vec<String> {
        findings.iter().flat_map(|f| get(f)).collect::<BTreeSet<_>>().into_iter().collect()
    };
    let identifiers = set(&|f| f.identifiers.clone());
    let env_names = set(&|f| f.env_names.clone());
    let detected_by = set(&|f| vec![f.scanner.name().to_string()]);
    // Exposure: the earliest commit that holds the secret, timed by git where git was read.
    let exposed = findings
        .iter()
        .filter_map(|f| {
            let c = f.commit.as_deref();
            let git = c.and_then(|c| commit_time(&evidence.commits, c));
            let at = git.map(|g| g.at).or(f.commit_time).or(f.detected_at)?;
            Some((at, f, git))
        })
        .min_by_key(|(at, _, _)| *at)
        .map(|(at, f, git)| Exposure {
            at,
            commit: git.map(|g| g.id.clone()).or_else(|| f.commit.clone()),
            path: f.file.clone(),
            line: f.line,
            author: git.map(|g| g.author.clone()).or_else(|| f.author.clone()),
            detected_by: detected_by.clone(),
        });
    let detected_at = findings.iter().filter_map(|f| f.detected_at).min();
    let alert_revoked = findings.iter().filter_map(|f| f.revoked_at).min();
    let lifecycle = |kind: &[Lifecycle]| -> Vec<&Access> {
        evidence
            .accesses
            .iter()
            .filter(|a| a.lifecycle.as_ref().is_some_and(|(l, cred)| kind.contains(l) && identifiers.contains(cred)))
            .collect()
    };
    let issuance = lifecycle(&[Lifecycle::Issued]).into_iter().min_by_key(|a| a.at);
    let listed = evidence.keys.iter().find(|k| identifiers.contains(&k.id));
    // Anthropic's listing names who created the key; OpenAI's names its owner, who
    // need not be who made it, so only its audit log's `api_key.created` says that.
    let listed_issuance = listed
        .filter(|k| k.source == crate::model::SourceKind::AnthropicKeys)
        .and_then(|k| Some((k.created_at?, format!("{} (per the key listing)", k.owner.as_deref()?))));
    let issued = issuance.map(|a| (a.at, a.principal.clone())).or(listed_issuance);
    // The compromised-key quarantine policy names the key's user, known from its issuance.
    let user = issuance.and_then(|a| a.resource.as_ref()).map(|u| format!("user:{u}"));
    let quarantine = evidence
        .accesses
        .iter()
        .filter(|a| matches!(&a.lifecycle, Some((Lifecycle::Quarantined, cred)) if Some(cred) == user.as_ref()));
    let revocation =
        lifecycle(&[Lifecycle::Deactivated, Lifecycle::Deleted]).into_iter().chain(quarantine).min_by_key(|a| a.at);
    let revoked_at = revocation.map(|a| a.at).or(alert_revoked);
    Secret {
        id: String::new(),
        kind,
        label,
        fingerprint: with_value.and_then(|f| f.fingerprint.clone()),
        env_names,
        exposed,
        detected_at,
        revoked_at,
        issued,
        revoked_by: revocation.map(|a| a.principal.clone()),
        last_used: None,
        baseline_uses: 0,
        uses: 0,
        first_replay_at: None,
        replays_before_detection: 0,
        replays_after_detection: 0,
        findings: findings.into_iter().cloned().collect(),
        identifiers,
        triage: Default::default(),
        triage_reason: String::new(),
        revocation: Default::default(),
        window_s: None,
        window_open: false,
        provider_key: listed.cloned(),
        uses_unknown: None,
    }
}

/// Each secret's uses: the accesses made with one of its credentials (not its
/// own issuance or revocation), in input order, indexed like `secrets`. One
/// pass over the accesses, which can number millions, for every secret at once.
pub fn uses_of<'a>(secrets: &[Secret], accesses: &'a [Access]) -> Vec<Vec<&'a Access>> {
    let mut by_identifier: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, s) in secrets.iter().enumerate() {
        for id in &s.identifiers {
            let owners = by_identifier.entry(id.as_str()).or_default();
            if !owners.contains(&i) {
                owners.push(i);
            }
        }
    }
    let mut uses: Vec<Vec<&Access>> = vec![Vec::new(); secrets.len()];
    for access in accesses.iter().filter(|a| a.lifecycle.is_none()) {
        for credential in access.credential.iter().chain(&access.other_credentials) {
            for &i in by_identifier.get(credential.as_str()).into_iter().flatten() {
                // An access that names two of a secret's credentials is one use.
                if !uses[i].last().is_some_and(|last| std::ptr::eq(*last, access)) {
                    uses[i].push(access);
                }
            }
        }
    }
    uses
}

/// Fill in the last use and the size of the baseline.
pub fn with_usage(mut secrets: Vec<Secret>, uses: &[Vec<&Access>]) -> Vec<Secret> {
    for (s, uses) in secrets.iter_mut().zip(uses) {
        s.last_used = uses.iter().map(|a| a.at).max();
        s.uses = uses.len();
        let exposed = s.exposed.as_ref().map(|e| e.at);
        s.baseline_uses = uses.iter().filter(|a| exposed.is_some_and(|e| a.at < e)).count();
    }
    secrets
}

/// A label the user matched to a Vault HMAC names a secret (by variable,
/// identifier, label or id): the HMAC becomes one of its identifiers, so the
/// audit records that carry it are that secret's uses.
pub fn with_vault_hashes(mut secrets: Vec<Secret>, hashes: &[(String, String)]) -> Vec<Secret> {
    for (label, hmac) in hashes {
        for s in secrets.iter_mut().filter(|s| {
            s.env_names.contains(label) || s.identifiers.contains(label) || s.label == *label || s.id == *label
        }) {
            if !s.identifiers.contains(hmac) {
                s.identifiers.push(hmac.clone());
            }
        }
    }
    secrets
}

/// Keys the leaked credential made (`CreateAccessKey` called with it) are the
/// leak's reach too: their ids join the secret's identifiers, to a fixpoint.
pub fn with_derived_credentials(mut secrets: Vec<Secret>, accesses: &[Access]) -> Vec<Secret> {
    for s in &mut secrets {
        loop {
            let derived: Vec<String> = accesses
                .iter()
                .filter(|a| a.credential.as_ref().is_some_and(|c| s.identifiers.contains(c)))
                .filter_map(|a| match &a.lifecycle {
                    Some((Lifecycle::Issued, key)) if !s.identifiers.contains(key) => Some(key.clone()),
                    _ => None,
                })
                .collect();
            if derived.is_empty() {
                break;
            }
            s.identifiers.extend(derived);
            s.identifiers.sort();
            s.identifiers.dedup();
        }
    }
    secrets
}

/// Per-secret replay figures: the first replay, and how many came before and
/// after detection.
pub fn with_replay_figures(mut secrets: Vec<Secret>, replays: &[crate::model::Replay]) -> Vec<Secret> {
    for s in &mut secrets {
        let mine: Vec<&crate::model::Replay> = replays.iter().filter(|r| r.secret == s.id).collect();
        s.first_replay_at = mine.iter().map(|r| r.access.at).min();
        let after = |r: &&&crate::model::Replay| s.detected_at.is_some_and(|d| r.access.at >= d);
        s.replays_after_detection = mine.iter().filter(after).count();
        s.replays_before_detection = mine.len() - s.replays_after_detection;
    }
    secrets
}
