//! Which audit source would show a credential in use, and what the sources
//! read say when none of them does: "unknown" is said only where no source
//! that could answer was given, and then names the one that would.

use crate::model::{InputSummary, Secret, SourceKind};

/// The audit sources that record uses of a kind of credential.
fn use_sources(kind: &str) -> &'static [SourceKind] {
    match kind {
        k if k.starts_with("aws") => &[SourceKind::Cloudtrail],
        k if k.starts_with("vault") => &[SourceKind::Vault],
        k if k.starts_with("gcp") => &[SourceKind::Gcp],
        k if k.starts_with("azure") => &[SourceKind::Azure],
        k if k.starts_with("k8s") || k.starts_with("kubernetes") => &[SourceKind::K8s],
        k if k.starts_with("github") => &[SourceKind::GithubAudit],
        k if k.starts_with("openai") => &[SourceKind::OpenaiUsage, SourceKind::OpenaiAudit, SourceKind::Litellm],
        k if k.starts_with("anthropic") => {
            &[SourceKind::AnthropicUsage, SourceKind::AnthropicActivity, SourceKind::Litellm]
        }
        _ => &[],
    }
}

/// The source a responder would fetch to learn whether a credential was used or revoked.
pub fn answering_source(kind: &str) -> &'static str {
    match kind {
        k if k.starts_with("aws") => "the CloudTrail trail of its account",
        k if k.starts_with("vault") => "the Vault audit device's log",
        k if k.starts_with("gcp") => "the project's Cloud Audit Logs",
        k if k.starts_with("azure") => "the Key Vault's diagnostic logs",
        k if k.starts_with("github") => "the enterprise's GitHub audit log (it names tokens by hashed_token)",
        k if k.starts_with("openai") => {
            "the OpenAI organization's key listing, audit log and usage export grouped by api_key_id"
        }
        k if k.starts_with("anthropic") => {
            "the Anthropic Admin API's key listing and usage report grouped by api_key_id"
        }
        _ => "the audit log of the service that issued it",
    }
}

/// Whether anything ties the value to the ids or digests an LLM provider's logs use.
fn tied_to_provider_logs(s: &Secret) -> bool {
    s.identifiers.iter().any(|i| i.starts_with("key_") || i.starts_with("apikey_") || i.starts_with("sha256:"))
}

/// Why no use of a secret is known, for each secret the audit logs show no use of.
pub fn with_uses_unknown(mut secrets: Vec<Secret>, inputs: &[InputSummary]) -> Vec<Secret> {
    for s in secrets.iter_mut().filter(|s| s.uses == 0) {
        let wanted = use_sources(&s.kind);
        let mut read: Vec<&str> = inputs.iter().filter(|i| wanted.contains(&i.kind)).map(|i| i.kind.name()).collect();
        read.sort_unstable();
        read.dedup();
        let llm = s.kind.starts_with("openai") || s.kind.starts_with("anthropic");
        // Where a source that would show its use was read and can name it, the
        // absence of use is known, not unknown: `uses_unknown` stays empty.
        s.uses_unknown = if read.is_empty() {
            Some(format!("no audit log that would show its use was read ({} would)", answering_source(&s.kind)))
        } else if llm && !tied_to_provider_logs(s) {
            Some(format!(
                "{} read, but nothing ties this value to the key id those logs use (the provider's key listing would, by its redacted hint)",
                read.join(", ")
            ))
        } else {
            None
        };
    }
    secrets
}
