//! The built-in rules on the shapes real files take.

use super::*;

fn all_lines(content: &str) -> BTreeSet<u32> {
    (1..=content.lines().count() as u32).collect()
}

#[test]
fn code_reads_and_framework_defaults() {
    let py = "import os\nfrom dotenv import load_dotenv\nload_dotenv()\nkey = os.environ[\"OPENAI_API_KEY\"]\n# os.getenv(\"IGNORED\")\nllm = ChatOpenAI(model=\"gpt-4o\")\nc = OpenAI(api_key=key)\n";
    let hits = scan("agent/app.py", py, &all_lines(py), &[]);
    let kinds: Vec<_> = hits.iter().map(|h| (h.kind, h.line)).collect();
    assert_eq!(kinds, vec![(GrantKind::Dotenv, 3), (GrantKind::EnvRead, 4), (GrantKind::FrameworkDefault, 6)]);
    assert_eq!(hits[1].names, vec!["OPENAI_API_KEY"]);
    assert!(scan("docs/setup.md", py, &all_lines(py), &[]).is_empty(), "prose mentions, it does not read");
    for built in ["docs/build/assets/js/c669.js", "web/dist/app.js", "web/vendor.min.js", "node_modules/x/index.js"] {
        assert!(scan(built, py, &all_lines(py), &[]).is_empty(), "{built} is build output");
    }
    let minified = format!("var a=new OpenAI({{}});{}\n", "x".repeat(5_000));
    assert!(scan("web/bundle.js", &minified, &all_lines(&minified), &[]).is_empty());
    assert_eq!(scan("tests/test_app.py", py, &all_lines(py), &[]).len(), 3, "tests are read, and scoped");
}

#[test]
fn credential_names_are_told_from_settings_by_their_words() {
    for name in [
        "OPENAI_API_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "GH_TOKEN",
        "DB_PASSWORD",
        "dbPassword",
        "openaiApiKey",
        "SENTRY_DSN",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "VAULT_TOKEN",
        "JWT_SECRET",
        "OPENAIAPIKEY",
    ] {
        assert!(is_credential_name(name), "{name} is a credential");
    }
    for name in [
        "SMART_TOKEN_LIMIT",
        "AUTH_TYPE",
        "MAX_TOKENS",
        "API_KEY_ENABLED",
        "SECRET_NAME",
        "KEYBOARD_LAYOUT",
        "NEXTAUTH_URL",
        "NEXT_PUBLIC_SUPABASE_ANON_KEY",
        "STRIPE_PUBLISHABLE_KEY",
        "OPENAI_MODEL",
        "MONKEY",
        "TOKENIZER",
        "AWS_REGION",
        "AUTHOR",
    ] {
        assert!(!is_credential_name(name), "{name} is not a credential");
    }
}

#[test]
fn a_client_given_a_key_on_any_line_of_its_call_reads_none_implicitly() {
    let ts = "const openai = new OpenAI({\n  apiKey: profile.openai_api_key || \"\",\n  organization: profile.openai_organization_id\n})\nconst plain = new OpenAI({\n  baseURL: \"https://api.example.com\"\n})\nconst short = new OpenAI({ apiKey })\n";
    let hits = scan("app/api/chat/route.ts", ts, &all_lines(ts), &[]);
    let lines: Vec<u32> = hits.iter().filter(|h| h.kind == GrantKind::FrameworkDefault).map(|h| h.line).collect();
    assert_eq!(lines, [5], "only the client built without a key");
    let py = "llm = ChatOpenAI(\n    model=\"gpt-4\",\n    openai_api_key=os.getenv(\"OTHER_KEY\"),\n)\ns3 = boto3.client(\n  \"s3\",\n  aws_secret_access_key=secret,\n)\nc = Anthropic(**kwargs)\nd = Anthropic(  # the default client\n    max_retries=3)\n";
    let hits = scan("app/llm.py", py, &all_lines(py), &[]);
    let found: Vec<(GrantKind, u32, Vec<String>)> = hits.iter().map(|h| (h.kind, h.line, h.names.clone())).collect();
    assert_eq!(
        found,
        [
            (GrantKind::EnvRead, 3, vec!["OTHER_KEY".to_string()]),
            (GrantKind::FrameworkDefault, 10, vec!["ANTHROPIC_API_KEY".to_string()]),
        ],
        "the key passed is what is read: OTHER_KEY, not OPENAI_API_KEY"
    );
}

#[test]
fn widening_settings_name_what_they_turn_on_not_a_secret() {
    let py = "load_dotenv(verbose=True)\nagent = initialize_agent(tools, llm, verbose=True)\nrepl = PythonREPLTool()\nobj = loads(text, secrets_from_env=True)\n";
    let hits = scan("app/agent.py", py, &all_lines(py), &[]);
    let found: Vec<(GrantKind, u32, Vec<String>)> = hits.iter().map(|h| (h.kind, h.line, h.names.clone())).collect();
    assert_eq!(
        found,
        [
            (GrantKind::Dotenv, 1, vec![".env".to_string()]),
            (GrantKind::WideningSetting, 3, vec!["python_repl_tool".to_string()]),
            (GrantKind::WideningSetting, 4, vec!["secrets_from_env".to_string()]),
        ]
    );
}

#[test]
fn workflow_secrets_are_claimed_by_where_the_workflow_puts_them() {
    let y = "on: pull_request\njobs:\n  deploy:\n    env:\n      OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY }}\n      WEAVIATE_URL: ${{ secrets.WEAVIATE_URL }}\n      RECORD_MANAGER_DB_URL: ${{ secrets.RECORD_MANAGER_DB_URL }}\n    steps:\n      - uses: docker/login-action@v3\n        with:\n          password: ${{ secrets.DOCKERHUB_TOKEN || secrets.DOCKER_ACCESS_TOKEN }}\n          token: ${{ secrets.GITHUB_TOKEN }}\n      - run: vercel deploy --prod --token=${{ secrets.VERCEL_TOKEN }}\n      - run: |\n          git config url.\"https://${{ secrets.GH_TOKEN }}@github.com/\".insteadOf x\n          echo \"T=${{ secrets.NPM_TOKEN }}\" >> $GITHUB_ENV\n";
    let hits = scan(".github/workflows/deploy.yml", y, &all_lines(y), &[]);
    let found: Vec<(GrantKind, u32, Vec<String>)> = hits.iter().map(|h| (h.kind, h.line, h.names.clone())).collect();
    let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        found,
        [
            (GrantKind::CiSecretEnv, 5, names(&["OPENAI_API_KEY"])),
            (GrantKind::CiSecretEnv, 7, names(&["RECORD_MANAGER_DB_URL"])),
            (GrantKind::CiSecretInput, 11, names(&["DOCKERHUB_TOKEN", "DOCKER_ACCESS_TOKEN"])),
            (GrantKind::CiSecretRun, 13, names(&["VERCEL_TOKEN"])),
            (GrantKind::CiSecretRun, 15, names(&["GH_TOKEN"])),
            (GrantKind::CiSecretRun, 16, names(&["NPM_TOKEN"])),
        ],
        "a host URL is no credential; the job's own GITHUB_TOKEN is not a stored secret"
    );
}

#[test]
fn a_committed_url_with_a_password_is_a_secret_whatever_its_name() {
    let env = "DATABASE_URL=postgres://app:s3cretpass@db.internal/app\nAPI_URL=https://api.example.com\n";
    let hits = scan(".env", env, &all_lines(env), &[]);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].names, ["DATABASE_URL"]);
    assert!(!hits[0].excerpt.contains("s3cretpass"), "{}", hits[0].excerpt);
}

#[test]
fn scope_by_the_conventions_of_test_runners_and_repositories() {
    let scope = |p: &str| scope_of(p).0;
    assert_eq!(scope("backend/app/llms.py"), Scope::Runtime);
    assert_eq!(scope("tests/unit/test_llm.py"), Scope::Test);
    assert_eq!(scope("backend/test_agent.py"), Scope::Test);
    assert_eq!(scope("web/components/chat.spec.tsx"), Scope::Test);
    assert_eq!(scope("multi_agents_example/main.py"), Scope::Example);
    assert_eq!(scope("cookbook/rag.py"), Scope::Example);
    assert_eq!(scope("docs/server/index.js"), Scope::Docs);
    assert_eq!(scope_of("examples/a.py").1, "under examples/, example code");
    assert_eq!(scope("contest/app.py"), Scope::Runtime, "a folder named like, not as, a test folder");
}

#[test]
fn reads_chosen_at_run_time_name_the_keys_the_file_lists() {
    let ts = "const KEYS = { openai: \"OPENAI_API_KEY\", groq: 'GROQ_API_KEY', url: \"OLLAMA_BASE_URL\" };\nexport const key = (p: string) => process.env[KEYS[p]];\nconst k = process.env[`${p.toUpperCase()}_API_KEY`];\nconst m = process.env[`MISTRAL_API_KEY`];\n";
    let hits = scan("lib/keys.ts", ts, &all_lines(ts), &[]);
    let found: Vec<(GrantKind, u32, Vec<String>)> = hits.iter().map(|h| (h.kind, h.line, h.names.clone())).collect();
    let v = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        found,
        [
            (GrantKind::EnvReadDynamic, 2, v(&["GROQ_API_KEY", "MISTRAL_API_KEY", "OPENAI_API_KEY"])),
            (GrantKind::EnvReadDynamic, 3, v(&["GROQ_API_KEY", "MISTRAL_API_KEY", "OPENAI_API_KEY"])),
            (GrantKind::EnvReadDynamic, 4, v(&["MISTRAL_API_KEY"])),
        ],
        "settings (OLLAMA_BASE_URL) are not secrets; a template narrows the table"
    );
    let py = "PROVIDERS = [\"ANTHROPIC_API_KEY\", \"OPENAI_API_KEY\"]\nfor name in PROVIDERS:\n    value = os.environ.get(name, \"\")\ntoken = os.getenv(f\"{svc.upper()}_TOKEN\")\n";
    let hits = scan("app/keys.py", py, &all_lines(py), &[]);
    let found: Vec<(u32, Vec<String>)> = hits.iter().map(|h| (h.line, h.names.clone())).collect();
    assert_eq!(found, [(3, v(&["ANTHROPIC_API_KEY", "OPENAI_API_KEY"]))], "no listed name ends in _TOKEN");
    let alone = "def env(name):\n    return os.environ[name]\n";
    assert!(scan("app/env.py", alone, &all_lines(alone), &[]).is_empty(), "nothing names what it reads");
}

#[test]
fn environment_writes_and_settings_classes() {
    let py = "os.environ[\"OPENAI_API_KEY\"] = api_key\nif os.environ[\"OPENAI_API_KEY\"] == \"\":\n    pass\nclass Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_prefix=\"agent_\")\n    openai_api_key: SecretStr\n    max_tokens: int = 100\n    db_password: str | None = None\n\nclass Plain:\n    api_key: str\n";
    let hits = scan("app/settings.py", py, &all_lines(py), &[]);
    let found: Vec<(GrantKind, u32, Vec<String>)> = hits.iter().map(|h| (h.kind, h.line, h.names.clone())).collect();
    let one = |n: &str| vec![n.to_string()];
    assert_eq!(
        found,
        [
            (GrantKind::EnvWrite, 1, one("OPENAI_API_KEY")),
            (GrantKind::EnvRead, 2, one("OPENAI_API_KEY")),
            (GrantKind::EnvRead, 6, one("AGENT_OPENAI_API_KEY")),
            (GrantKind::EnvRead, 8, one("AGENT_DB_PASSWORD")),
        ],
        "a comparison reads, an assignment writes; only BaseSettings fields read the environment"
    );
}

#[test]
fn tracing_counts_when_turned_on_not_when_named() {
    let on = "os.environ[\"LANGCHAIN_TRACING_V2\"] = \"true\"\n";
    assert_eq!(scan("app/main.py", on, &all_lines(on), &[]).len(), 1);
    let named = "TRACING_FLAGS = [\"LANGCHAIN_TRACING_V2\"]\n";
    assert!(scan("app/main.py", named, &all_lines(named), &[]).is_empty());
}

#[test]
fn k8s_secret_key_ref_names_the_variable_and_key() {
    let y = "env:\n  - name: OPENAI_API_KEY\n    valueFrom:\n      secretKeyRef:\n        name: agent-secrets\n        key: openai-api-key\n";
    let hits = scan("deploy/agent.yaml", y, &BTreeSet::from([4]), &[]);
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].names, vec!["OPENAI_API_KEY", "openai-api-key", "secret:agent-secrets"]);
}

#[test]
fn flow_style_secret_key_refs_name_their_own_secret() {
    let y = "env:\n  - name: OPENAI_API_KEY\n    valueFrom:\n      secretKeyRef: {name: agent-secrets, key: openai}\n  - name: NEXT\n    value: x\n  - {name: AWS_SECRET_ACCESS_KEY, valueFrom: {secretKeyRef: {name: aws, key: secret}}}\n";
    let hits = scan("deploy/agent.yaml", y, &all_lines(y), &[]);
    let names: Vec<Vec<String>> = hits.iter().map(|h| h.names.clone()).collect();
    let v = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        names,
        [
            v(&["OPENAI_API_KEY", "openai", "secret:agent-secrets"]),
            v(&["AWS_SECRET_ACCESS_KEY", "secret", "secret:aws"])
        ],
        "the next entry's name is not the secret's"
    );
}

#[test]
fn dotenv_values_are_redacted() {
    let env = "AWS_ACCESS_KEY_ID=AKIAZ3MPLEKEY0000042\nOPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwx\n";
    let hits = scan(".env", env, &all_lines(env), &[]);
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].excerpt, "AWS_ACCESS_KEY_ID=AKIA…0042");
    assert!(scan(".env", "AWS_REGION=eu-west-1\n", &all_lines("x"), &[]).is_empty(), "not a secret");
    assert!(!hits[1].excerpt.contains("abcdefghijkl"));
}

#[test]
fn excerpts_hide_values_never_identifiers_or_indentation() {
    for kept in [
        r#"llm = ChatOpenAI(model="gpt-4-1106-preview", temperature=0)"#,
        "model = ChatAnthropic(temperature=0, max_tokens_to_sample=2000)",
        "embedding=OpenAIEmbeddings(),",
        "        name: agent-secrets",
        r#"    api_key=os.environ.get("ROBOCORP_ACTION_SERVER_KEY"),"#,
        "      OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY }}",
        "    password: ${DB_PASSWORD}",
        "client = OpenAI(api_key=api_key)",
        "AWS_REGION=us-east-1",
        r#"import { ChatOpenAI } from "@langchain/openai/chat_models/universal";"#,
    ] {
        assert_eq!(redact_line(kept), kept);
    }
    for (line, secret) in [
        ("OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwx", "abcdefghijkl"),
        ("    password: hunter2hunter", "hunter2"),
        (r#"API_KEY = "plainpassphrase""#, "plainpassphrase"),
        (r#"  "token": "dGhpc2lzbm90YXJlYWx0b2tlbg""#, "dGhpc2lz"),
        ("aws_secret = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"),
        ("headers = {'Authorization': 'Bearer ghp_abcdefghijklmnopqrstuvwxyz0123456789'}", "abcdefghijklmnop"),
        ("DATABASE_URL=postgres://app:s3cretpass@db/app", "s3cretpass"),
    ] {
        let shown = redact_line(line);
        assert!(!shown.contains(secret), "{line} -> {shown}");
    }
    assert!(redact_line("    password: hunter2hunter").starts_with("    password: "), "indentation kept");
}

#[test]
fn names_that_code_reads_are_shown_and_values_are_not() {
    let read = r#"BUCKET = os.getenv("ATTACHMENTS_BUCKET", "prod-attachments-2f9a8c7e")"#;
    assert_eq!(redact_line(read), read, "a bucket's name is no secret");
    let js = r#"const key = process.env["OPENAI_API_KEY"] || "sk-proj-abcdefghijklmnopqrstuvwx";"#;
    assert!(!redact_line(js).contains("abcdefghijkl"), "{}", redact_line(js));
    // A quoted upper-case value that nothing reads as a name stays hidden.
    let literal = r#"TOKEN = "ABCDEFGHIJKLMNOP_1234""#;
    assert!(!redact_line(literal).contains("ABCDEFGHIJKLMNOP"), "{}", redact_line(literal));
}

fn found(path: &str, text: &str, lines: &BTreeSet<u32>) -> Vec<(GrantKind, u32, Vec<String>)> {
    scan(path, text, lines, &[]).into_iter().map(|h| (h.kind, h.line, h.names)).collect()
}

fn v(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn compose_in_every_syntax_the_compose_spec_allows() {
    let c = "x-llm: &llm\n  ANTHROPIC_API_KEY: ${ANTHROPIC_API_KEY}\nservices:\n  api:\n    environment:\n      - OPENAI_API_KEY=${OPENAI_API_KEY}\n      - LOG_LEVEL=debug\n    env_file:\n      - .env.shared\n      - path: ./secrets.env\n        required: false\n  worker:\n    environment: {TAVILY_API_KEY: \"${TAVILY_API_KEY}\", db_password: x}\n    env_file: worker.env\n    secrets:\n      - openai_key\n      - source: vault_token\n        target: token\n  proxy:\n    environment:\n      GITHUB_TOKEN:\n";
    assert_eq!(
        found("docker-compose.yml", c, &all_lines(c)),
        [
            (GrantKind::ComposeEnv, 2, v(&["ANTHROPIC_API_KEY"])),
            (GrantKind::ComposeEnv, 6, v(&["OPENAI_API_KEY"])),
            (GrantKind::ComposeEnv, 9, v(&[".env.shared"])),
            (GrantKind::ComposeEnv, 10, v(&["./secrets.env"])),
            (GrantKind::ComposeEnv, 13, v(&["TAVILY_API_KEY"])),
            (GrantKind::ComposeEnv, 13, v(&["db_password"])),
            (GrantKind::ComposeEnv, 14, v(&["worker.env"])),
            (GrantKind::ComposeEnv, 16, v(&["secret:openai_key"])),
            (GrantKind::ComposeEnv, 17, v(&["secret:vault_token"])),
            (GrantKind::ComposeEnv, 21, v(&["GITHUB_TOKEN"])),
        ],
        "a list names its files; `KEY:` with no value passes the host's variable"
    );
    let changed = found("docker-compose.yml", c, &BTreeSet::from([11]));
    assert_eq!(changed, [(GrantKind::ComposeEnv, 11, v(&["./secrets.env"]))], "an entry's own line changed");
}

#[test]
fn kubernetes_references_as_the_kubernetes_docs_write_them() {
    let y = "apiVersion: v1\nkind: Pod\nspec:\n  automountServiceAccountToken: true\n  containers:\n    - name: agent\n      env:\n        - name: OPENAI_API_KEY\n          valueFrom:\n            secretKeyRef:\n              name: llm\n              key: openai\n              optional: false\n      envFrom:\n        - secretRef:\n            name: agent-env\n        - configMapRef: {name: agent-config}\n  volumes:\n    - name: creds\n      secret:\n        secretName: gcp-sa\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nspec:\n  tls:\n    - secretName: tls-cert\n";
    assert_eq!(
        found("deploy/agent.yaml", y, &all_lines(y)),
        [
            (GrantKind::K8sSecretRef, 4, v(&["serviceaccount-token"])),
            (GrantKind::K8sSecretRef, 8, v(&["OPENAI_API_KEY", "openai", "secret:llm"])),
            (GrantKind::K8sSecretRef, 15, v(&["secret:agent-env"])),
            (GrantKind::K8sSecretRef, 21, v(&["secret:gcp-sa"])),
        ],
        "an Ingress's TLS certificate is no secret the code reads"
    );
    assert_eq!(
        found("deploy/agent.yaml", y, &BTreeSet::from([12])),
        [(GrantKind::K8sSecretRef, 12, v(&["OPENAI_API_KEY", "openai", "secret:llm"]))],
        "changing which key the variable takes is a change to the grant"
    );
    assert!(found("deploy/agent.yaml", y, &BTreeSet::from([17])).is_empty(), "a config map holds no secret");
}

#[test]
fn helm_templates_keep_the_line_rules_and_values_files_are_yaml() {
    let t = "env:\n  {{- range .Values.env }}\n  - name: OPENAI_API_KEY\n    valueFrom:\n      secretKeyRef:\n        name: {{ .Values.secretName }}\n        key: openai\n  {{- end }}\n";
    let hits = found("chart/templates/deployment.yaml", t, &all_lines(t));
    assert_eq!(hits.len(), 1);
    assert_eq!((hits[0].1, &hits[0].2[..2]), (5, &v(&["OPENAI_API_KEY", "openai"])[..]));
    let ingress = "spec:\n  tls:\n    {{- range .Values.ingress.tls }}\n    - hosts:\n        - {{ .host }}\n      secretName: {{ .secretName }}\n    {{- end }}\n  volumes:\n    - name: creds\n      secret:\n        secretName: {{ .Values.credsSecret }}\n";
    let hits = found("chart/templates/ingress.yaml", ingress, &all_lines(ingress));
    assert_eq!(hits.iter().map(|h| h.1).collect::<Vec<_>>(), [11], "a TLS certificate is no secret the code reads");
    let quoted = "spec:\n  tls:\n    - hosts:\n        - \"{{ namespace }}-chat.example.com\"\n      secretName: letsencrypt-prod\n";
    assert!(found("deploy/manifest.yaml", quoted, &all_lines(quoted)).is_empty(), "read as YAML: a quoted template");
    let values = "image: agent\nopenaiApiKey: sk-live-abcdefgh\nauth:\n  existingSecretKey: ${KEY}\n";
    assert_eq!(
        found("chart/values.yaml", values, &all_lines(values)),
        [(GrantKind::K8sSecretRef, 2, v(&["openaiApiKey"]))]
    );
}

#[test]
fn workflows_placed_by_the_keys_github_reads() {
    let y = "# runs on pull_request_target? no.\non:\n  push:\n  workflow_call:\njobs:\n  test:\n    if: ${{ secrets.OPENAI_API_KEY != '' }}\n    env: {OPENAI_API_KEY: \"${{ secrets.OPENAI_API_KEY }}\"}\n    steps:\n      - uses: actions/github-script@v7\n        with:\n          script: |\n            const t = \"${{ secrets.SLACK_TOKEN }}\"\n  call:\n    uses: ./.github/workflows/deploy.yml\n    secrets:\n      token: ${{ secrets.DEPLOY_TOKEN }}\n";
    assert_eq!(
        found(".github/workflows/ci.yml", y, &all_lines(y)),
        [
            (GrantKind::CiSecretEnv, 8, v(&["OPENAI_API_KEY"])),
            (GrantKind::CiSecretRun, 13, v(&["SLACK_TOKEN"])),
            (GrantKind::CiSecretInput, 17, v(&["DEPLOY_TOKEN"])),
        ],
        "an `if:` only tests the secret; a comment is no trigger"
    );
    let forks = "on: [pull_request_target]\njobs:\n  a:\n    steps:\n      - run: echo ${{ secrets.NPM_TOKEN }}\n";
    assert_eq!(
        found(".github/workflows/f.yml", forks, &all_lines(forks))[0].2,
        v(&["NPM_TOKEN", "trigger:pull_request_target"])
    );
}
