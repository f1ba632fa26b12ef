//! Which secrets each reachability grant reaches: by the variable names the
//! grant carries, the names the secret was assigned to, and the well-known
//! variables each kind of secret is read from.

use std::collections::BTreeSet;

use crate::model::{Grant, Reach, Secret, SecretMapping};

/// Variables a kind of secret is conventionally read from.
pub fn conventional_names(kind: &str) -> &'static [&'static str] {
    match kind {
        "aws_access_key" => &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"],
        "openai_key" => &["OPENAI_API_KEY"],
        "anthropic_key" => &["ANTHROPIC_API_KEY"],
        "github_token" => &["GITHUB_TOKEN", "GH_TOKEN"],
        "gitlab_token" => &["GITLAB_TOKEN"],
        "vault_token" => &["VAULT_TOKEN"],
        "huggingface_token" => &["HUGGINGFACEHUB_API_TOKEN", "HF_TOKEN"],
        "google_api_key" => &["GOOGLE_API_KEY"],
        "gcp_service_account_key" => &["GOOGLE_APPLICATION_CREDENTIALS"],
        "slack_token" => &["SLACK_BOT_TOKEN", "SLACK_TOKEN"],
        _ => &[],
    }
}

fn reaches(grant: &Grant, secret: &Secret) -> bool {
    let names_match = grant
        .secret_names
        .iter()
        .any(|n| secret.env_names.iter().any(|e| e == n) || conventional_names(&secret.kind).contains(&n.as_str()));
    // Loading `.env` reaches what a committed `.env` file held.
    let dotenv = grant.secret_names.iter().any(|n| n == ".env")
        && secret.exposed.as_ref().and_then(|e| e.path.as_deref()).is_some_and(|p| {
            let name = p.rsplit('/').next().unwrap_or(p);
            name == ".env" || name.starts_with(".env.")
        });
    names_match || dotenv
}

/// Whether a grant's typed store names meet the stores known to hold a secret:
/// `secret:agent-secrets`, `role:secret-reader`, `secretsmanager:prod/openai`,
/// `policy:ticket-agent`; `secret:*` and `secretsmanager:*` meet any of their kind.
fn meets_store(grant: &Grant, stores: &BTreeSet<String>) -> bool {
    grant.secret_names.iter().any(|n| {
        stores.contains(n)
            || n.strip_suffix('*')
                .is_some_and(|prefix| prefix.ends_with(':') && stores.iter().any(|s| s.starts_with(prefix)))
    })
}

/// Link each grant to the secrets it reaches, oldest grant first: directly by
/// variable names, then through the stores that hold the secret (a Kubernetes
/// secret its manifests reference, the roles that read that secret, the names
/// the case file maps to it). An unlinked grant keeps an empty list.
pub fn link(grants: &[Grant], secrets: &[Secret], mappings: &[SecretMapping]) -> Vec<Reach> {
    let mut linked: Vec<BTreeSet<usize>> = grants.iter().map(|_| BTreeSet::new()).collect();
    for (s, secret) in secrets.iter().enumerate() {
        let mut stores: BTreeSet<String> = mappings
            .iter()
            .filter(|m| {
                m.known_as
                    .iter()
                    .any(|k| secret.env_names.contains(k) || secret.identifiers.contains(k) || *k == secret.label)
            })
            .flat_map(|m| m.names.iter().cloned())
            .collect();
        for (g, grant) in grants.iter().enumerate() {
            if reaches(grant, secret) {
                linked[g].insert(s);
                stores.extend(grant.secret_names.iter().filter(|n| n.starts_with("secret:")).cloned());
            }
        }
        // A role that reads the secret's store makes its bindings reach it too.
        for _ in 0..3 {
            let before = stores.len();
            for (g, grant) in grants.iter().enumerate() {
                if !linked[g].contains(&s) && meets_store(grant, &stores) {
                    linked[g].insert(s);
                    stores.extend(grant.secret_names.iter().filter(|n| n.starts_with("role:")).cloned());
                }
            }
            if stores.len() == before {
                break;
            }
        }
    }
    let mut out: Vec<Reach> = grants
        .iter()
        .zip(linked)
        .map(|(g, ids)| Reach {
            approvers: g.commit.as_ref().map(|c| c.approvers.clone()).unwrap_or_default(),
            approved: g.commit.as_ref().is_some_and(|c| super::approvals::approved_by_another(&c.approvers, &g.actor)),
            secrets: ids.into_iter().map(|i| secrets[i].id.clone()).collect(),
            grant: g.clone(),
        })
        .collect();
    out.sort_by(|a, b| (a.grant.at, &a.grant.path, a.grant.line).cmp(&(b.grant.at, &b.grant.path, b.grant.line)));
    out
}
