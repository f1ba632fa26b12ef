//! Which secrets each reachability grant reaches: by the variable names the
//! grant carries, the names the secret was assigned to, and the well-known
//! variables each kind of secret is read from.

use crate::model::{Grant, Reach, Secret};

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

/// Link each grant to the secrets it reaches, oldest grant first.
pub fn link(grants: &[Grant], secrets: &[Secret]) -> Vec<Reach> {
    let mut out: Vec<Reach> = grants
        .iter()
        .map(|g| Reach {
            approvers: g.commit.as_ref().map(|c| c.approvers.clone()).unwrap_or_default(),
            secrets: secrets.iter().filter(|s| reaches(g, s)).map(|s| s.id.clone()).collect(),
            grant: g.clone(),
        })
        .collect();
    out.sort_by(|a, b| (a.grant.at, &a.grant.path, a.grant.line).cmp(&(b.grant.at, &b.grant.path, b.grant.line)));
    out
}
