//! Which packages count as "the framework": the built-in AI/agent watchlist, or
//! the user's own names and globs.

use globset::{Glob, GlobSet, GlobSetBuilder};

/// AI and agent frameworks and SDKs, as normalised names or globs.
pub const BUILT_IN: &[&str] = &[
    "langchain",
    "langchain-*",
    "@langchain/*",
    "langgraph",
    "langgraph-*",
    "langsmith",
    "llama-index",
    "llama-index-*",
    "llamaindex",
    "openai",
    "@openai/*",
    "anthropic",
    "@anthropic-ai/sdk",
    "crewai",
    "crewai-*",
    "autogen",
    "autogen-*",
    "pyautogen",
    "ag2",
    "semantic-kernel",
    "microsoft.semantickernel",
    "haystack-ai",
    "farm-haystack",
    "litellm",
    "dspy",
    "dspy-ai",
    "transformers",
    "huggingface-hub",
    "mcp",
    "@modelcontextprotocol/sdk",
    "google-genai",
    "google-generativeai",
    "@google/genai",
    "ai",
    "@ai-sdk/*",
    "async-openai",
    "rig-core",
    "instructor",
    "guidance",
    "smolagents",
    "pydantic-ai",
    "pydantic-ai-*",
    "github.com/sashabaranov/go-openai",
    "github.com/tmc/langchaingo",
    "ruby-openai",
    "langchainrb",
    "dev.langchain4j:*",
    "com.openai:*",
    // The JavaScript and Python kin of the SDKs above, and the providers'
    // own SDKs that agent code calls with a key.
    "@google/generative-ai",
    "@google-cloud/vertexai",
    "google-cloud-aiplatform",
    "@mistralai/mistralai",
    "mistralai",
    "@azure/openai",
    "azure-ai-inference",
    "@azure-rest/ai-inference",
    "@xenova/transformers",
    "@huggingface/transformers",
    "@huggingface/inference",
    "cohere",
    "cohere-ai",
    "groq-sdk",
    "groq",
    "together",
    "together-ai",
    "@aws-sdk/client-bedrock-runtime",
    "llamaindex-*",
    "@llamaindex/*",
    "@mastra/*",
    "@openai/agents",
    "openai-agents",
    "ollama",
];

pub struct Watchlist {
    set: GlobSet,
}

impl Watchlist {
    /// The user's patterns, or the built-in list when there are none.
    pub fn new(patterns: &[String]) -> Self {
        let mut builder = GlobSetBuilder::new();
        let built_in: Vec<String> = BUILT_IN.iter().map(|s| s.to_string()).collect();
        let chosen = if patterns.is_empty() { &built_in } else { patterns };
        for p in chosen {
            if let Ok(g) = Glob::new(&normalise(p)) {
                builder.add(g);
            }
        }
        Self { set: builder.build().unwrap_or_else(|_| GlobSet::empty()) }
    }

    pub fn watches(&self, package: &str) -> bool {
        self.set.is_match(normalise(package))
    }
}

/// PEP 503 normalisation (also harmless for npm, crates and Go paths): lower
/// case, runs of `-`, `_` and `.` become one `-`, except in scoped or path names.
pub fn normalise(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    if lower.contains('/') || lower.contains(':') {
        return lower;
    }
    let mut out = String::with_capacity(lower.len());
    let mut last_sep = false;
    for c in lower.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !last_sep {
                out.push('-');
            }
            last_sep = true;
        } else {
            out.push(c);
            last_sep = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_list_normalises_names() {
        let w = Watchlist::new(&[]);
        assert!(w.watches("LangChain_OpenAI"));
        assert!(w.watches("@langchain/core"));
        assert!(!w.watches("requests"));
        for kin in
            ["@google/generative-ai", "@mistralai/mistralai", "@azure/openai", "@xenova/transformers", "groq-sdk"]
        {
            assert!(w.watches(kin), "{kin}");
        }
        assert!(!w.watches("boto3"), "the AWS SDK is not an AI framework by itself");
        let custom = Watchlist::new(&["my-agent*".to_string()]);
        assert!(custom.watches("my_agent_sdk"));
        assert!(!custom.watches("langchain"));
    }
}
