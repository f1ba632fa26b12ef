//! The demo repository: an agent service over seven weeks, by seven authors.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};
use git2::{Commit, Oid, Repository, RepositoryInitOptions, Signature, Time};

use super::{AWS_KEY_ID, AWS_SECRET, DemoError, OPENAI_KEY, at};

/// Where the leak landed, for the scanner reports.
pub struct Leak {
    pub commit: String,
    pub at: DateTime<Utc>,
}

const WEI: (&str, &str) = ("Wei Chen", "wei@northwind.dev");
const PRIYA: (&str, &str) = ("Priya Raman", "priya@northwind.dev");
const MARCUS: (&str, &str) = ("Marcus Lee", "marcus@northwind.dev");
const DANA: (&str, &str) = ("Dana Kowalski", "dana@northwind.dev");
const TOM: (&str, &str) = ("Tom Okafor", "tom@northwind.dev");
const SOFIA: (&str, &str) = ("Sofia Alvarez", "sofia@northwind.dev");
const BOT: (&str, &str) = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com");
const GITHUB: (&str, &str) = ("GitHub", "noreply@github.com");

struct Builder<'r> {
    repo: &'r Repository,
    files: BTreeMap<String, String>,
    head: Option<Oid>,
}

impl Builder<'_> {
    fn put(&mut self, path: &str, text: &str) -> &mut Self {
        self.files.insert(path.to_string(), text.to_string());
        self
    }

    fn edit(&mut self, path: &str, from: &str, to: &str) -> &mut Self {
        if let Some(text) = self.files.get_mut(path) {
            *text = text.replacen(from, to, 1);
        }
        self
    }

    fn delete(&mut self, path: &str) -> &mut Self {
        self.files.remove(path);
        self
    }

    fn tree(&self) -> Result<Oid, git2::Error> {
        let files: Vec<(&str, &str)> = self.files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
        write_tree(self.repo, &files)
    }

    fn commit_with(
        &mut self,
        author: (&str, &str),
        committer: (&str, &str),
        when: DateTime<Utc>,
        message: &str,
        extra_parent: Option<Oid>,
    ) -> Result<Oid, git2::Error> {
        let time = Time::new(when.timestamp(), 0);
        let a = Signature::new(author.0, author.1, &time)?;
        let c = Signature::new(committer.0, committer.1, &time)?;
        let tree = self.repo.find_tree(self.tree()?)?;
        let mut parents: Vec<Commit> = Vec::new();
        if let Some(h) = self.head {
            parents.push(self.repo.find_commit(h)?);
        }
        if let Some(p) = extra_parent {
            parents.push(self.repo.find_commit(p)?);
        }
        let refs: Vec<&Commit> = parents.iter().collect();
        let oid = self.repo.commit(None, &a, &c, message, &tree, &refs)?;
        self.head = Some(oid);
        Ok(oid)
    }

    /// A commit pushed by its author.
    fn commit(&mut self, who: (&str, &str), when: DateTime<Utc>, message: &str) -> Result<Oid, git2::Error> {
        self.commit_with(who, who, when, message, None)
    }

    /// A pull request squash-merged with the forge's button.
    fn squash(&mut self, who: (&str, &str), when: DateTime<Utc>, message: &str) -> Result<Oid, git2::Error> {
        self.commit_with(who, GITHUB, when, message, None)
    }
}

const REQUIREMENTS: &str = "fastapi==0.110.0\nuvicorn==0.29.0\npydantic==2.6.4\n";

const MAIN_PY: &str = r#"from fastapi import FastAPI

app = FastAPI(title="ticket-agent")


@app.get("/healthz")
def healthz():
    return {"ok": True}
"#;

const AGENT_PY: &str = r#"from langchain_openai import ChatOpenAI
from langchain.agents import AgentExecutor, create_tool_calling_agent

from app.prompts import TRIAGE_PROMPT

llm = ChatOpenAI(model="gpt-4o-mini", temperature=0)


def build_agent(tools):
    agent = create_tool_calling_agent(llm, tools, TRIAGE_PROMPT)
    return AgentExecutor(agent=agent, tools=tools)
"#;

const CONFIG_PY: &str = r#"import os

import boto3
from dotenv import load_dotenv

load_dotenv()

OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]
AWS_REGION = os.getenv("AWS_REGION", "eu-west-1")
ATTACHMENTS_BUCKET = os.getenv("ATTACHMENTS_BUCKET", "northwind-ticket-attachments")

s3 = boto3.client("s3", region_name=AWS_REGION)
"#;

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: ticket-agent
  namespace: agents
spec:
  replicas: 2
  selector:
    matchLabels:
      app: ticket-agent
  template:
    metadata:
      labels:
        app: ticket-agent
    spec:
      serviceAccountName: ticket-agent
      containers:
        - name: agent
          image: ghcr.io/northwind/ticket-agent:1.4.0
          env:
            - name: OPENAI_API_KEY
              valueFrom:
                secretKeyRef:
                  name: agent-secrets
                  key: openai-api-key
            - name: AWS_ACCESS_KEY_ID
              valueFrom:
                secretKeyRef:
                  name: agent-secrets
                  key: aws-access-key-id
            - name: AWS_SECRET_ACCESS_KEY
              valueFrom:
                secretKeyRef:
                  name: agent-secrets
                  key: aws-secret-access-key
"#;

/// Build the repository and check out `main`.
pub fn build(path: &Path) -> Result<Leak, DemoError> {
    let mut opts = RepositoryInitOptions::new();
    opts.initial_head("main");
    let repo = Repository::init_opts(path, &opts)?;
    let mut b = Builder { repo: &repo, files: BTreeMap::new(), head: None };

    b.put("README.md", "# ticket-agent\n\nTriage support tickets with an LLM agent.\n")
        .put("requirements.txt", REQUIREMENTS)
        .put("app/__init__.py", "")
        .put("app/main.py", MAIN_PY)
        .put(".gitignore", "__pycache__/\n*.pyc\n.venv/\n")
        .put(".github/CODEOWNERS", "* @northwind/agents\nrequirements*.txt @northwind/appsec\n");
    b.commit(WEI, at(2026, 3, 2, 9, 14, 0), "Initial ticket-agent service skeleton")?;
    b.edit("app/main.py", "    return {\"ok\": True}\n", "    return {\"ok\": True, \"version\": \"0.1.0\"}\n");
    b.commit(WEI, at(2026, 3, 3, 11, 2, 0), "Report version in health check")?;
    b.put(
        "app/models.py",
        "from pydantic import BaseModel\n\n\nclass Ticket(BaseModel):\n    id: str\n    subject: str\n    body: str\n",
    );
    b.commit(WEI, at(2026, 3, 5, 15, 40, 0), "Add ticket model")?;
    b.edit("requirements.txt", "uvicorn==0.29.0", "uvicorn==0.30.1");
    b.commit(BOT, at(2026, 3, 6, 4, 11, 0), "Bump uvicorn from 0.29.0 to 0.30.1\n\nBumps [uvicorn](https://github.com/encode/uvicorn) from 0.29.0 to 0.30.1.\n\nSigned-off-by: dependabot[bot] <support@github.com>\n")?;

    b.edit("requirements.txt", "pydantic==2.6.4\n", "pydantic==2.6.4\nlangchain==0.1.16\nlangchain-openai==0.1.3\nopenai==1.14.3\n")
        .put("app/agent.py", AGENT_PY)
        .put("app/prompts.py", "from langchain_core.prompts import ChatPromptTemplate\n\nTRIAGE_PROMPT = ChatPromptTemplate.from_messages([\n    (\"system\", \"You triage support tickets.\"),\n    (\"human\", \"{input}\"),\n    (\"placeholder\", \"{agent_scratchpad}\"),\n])\n");
    b.squash(PRIYA, at(2026, 3, 9, 16, 25, 0), "Add LangChain agent for ticket triage (#14)\n\nUses ChatOpenAI with tool calling to route tickets.\n\nReviewed-by: Marcus Lee <marcus@northwind.dev>\n")?;
    b.put("app/tools.py", "from langchain_core.tools import tool\n\n\n@tool\ndef lookup_ticket(ticket_id: str) -> str:\n    \"\"\"Fetch a ticket by id.\"\"\"\n    return ticket_id\n");
    b.squash(
        PRIYA,
        at(2026, 3, 12, 10, 5, 0),
        "Add ticket lookup tool (#17)\n\nReviewed-by: Marcus Lee <marcus@northwind.dev>\n",
    )?;
    b.edit("requirements.txt", "openai==1.14.3\n", "openai==1.14.3\npython-dotenv==1.0.1\nboto3==1.34.84\n")
        .put("app/config.py", CONFIG_PY);
    b.squash(TOM, at(2026, 3, 16, 14, 48, 0), "Load provider keys and S3 client from the environment (#19)\n\nReviewed-by: Priya Raman <priya@northwind.dev>\n")?;
    b.put("app/storage.py", "from app.config import ATTACHMENTS_BUCKET, s3\n\n\ndef save_attachment(key: str, data: bytes) -> None:\n    s3.put_object(Bucket=ATTACHMENTS_BUCKET, Key=key, Body=data)\n");
    b.commit(WEI, at(2026, 3, 18, 9, 30, 0), "Store ticket attachments in S3")?;
    b.put("deploy/k8s/deployment.yaml", DEPLOYMENT)
        .put("deploy/k8s/service.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: ticket-agent\n  namespace: agents\nspec:\n  selector:\n    app: ticket-agent\n  ports:\n    - port: 80\n      targetPort: 8000\n");
    b.squash(DANA, at(2026, 3, 20, 13, 15, 0), "Deploy ticket-agent to the agents namespace (#22)\n")?;
    b.edit("requirements.txt", "pydantic==2.6.4", "pydantic==2.7.1");
    b.commit(
        BOT,
        at(2026, 3, 23, 4, 9, 0),
        "Bump pydantic from 2.6.4 to 2.7.1\n\nSigned-off-by: dependabot[bot] <support@github.com>\n",
    )?;
    b.put(".github/workflows/eval.yml", "name: agent-eval\non: [push]\nenv:\n  OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY }}\njobs:\n  eval:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: pip install -r requirements.txt && python -m evals.run\n");
    b.commit(WEI, at(2026, 3, 24, 17, 20, 0), "Run the agent eval suite in CI")?;
    b.put("deploy/k8s/hpa.yaml", "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: ticket-agent\n  namespace: agents\nspec:\n  minReplicas: 2\n  maxReplicas: 6\n");
    b.squash(
        DANA,
        at(2026, 3, 26, 11, 0, 0),
        "Autoscale ticket-agent (#24)\n\nReviewed-by: Marcus Lee <marcus@northwind.dev>\n",
    )?;
    b.edit(".github/CODEOWNERS", "requirements*.txt", "/deploy/ @northwind/platform\nrequirements*.txt");
    b.squash(
        SOFIA,
        at(2026, 3, 27, 15, 33, 0),
        "CODEOWNERS: platform owns deploy/ (#25)\n\nReviewed-by: Dana Kowalski <dana@northwind.dev>\n",
    )?;
    b.put(
        "app/logging.py",
        "import logging\n\nlogging.basicConfig(level=logging.INFO, format=\"%(asctime)s %(levelname)s %(message)s\")\n",
    );
    b.commit(WEI, at(2026, 3, 30, 10, 12, 0), "Structured logging")?;

    // A branch merged with a merge commit: the upgrade nobody recorded approving.
    let main_tip = b.head;
    b.edit("requirements.txt", "langchain==0.1.16", "langchain==0.2.5").edit(
        "requirements.txt",
        "langchain-openai==0.1.3",
        "langchain-openai==0.1.9",
    );
    let branch = b.commit(PRIYA, at(2026, 3, 31, 18, 2, 0), "Upgrade LangChain to 0.2")?;
    b.head = main_tip;
    b.commit_with(
        MARCUS,
        MARCUS,
        at(2026, 4, 1, 9, 45, 0),
        "Merge pull request #27 from northwind/priya/langchain-0.2\n\nUpgrade LangChain to 0.2\n",
        Some(branch),
    )?;

    b.edit("requirements.txt", "openai==1.14.3", "openai==1.30.1");
    b.commit(
        BOT,
        at(2026, 4, 3, 4, 15, 0),
        "Bump openai from 1.14.3 to 1.30.1\n\nSigned-off-by: dependabot[bot] <support@github.com>\n",
    )?;
    b.edit("app/main.py", "app = FastAPI(title=\"ticket-agent\")\n", "app = FastAPI(title=\"ticket-agent\")\n\n\n@app.get(\"/metrics\")\ndef metrics():\n    return {\"tickets_triaged\": 0}\n");
    b.commit(WEI, at(2026, 4, 6, 14, 30, 0), "Expose triage metrics")?;
    b.put(
        "docker-compose.yml",
        "services:\n  agent:\n    build: .\n    env_file: .env\n    ports:\n      - \"8000:8000\"\n",
    );
    b.commit(TOM, at(2026, 4, 8, 16, 5, 0), "docker-compose for local development")?;

    let dotenv = format!(
        "AWS_ACCESS_KEY_ID={AWS_KEY_ID}\nAWS_SECRET_ACCESS_KEY={AWS_SECRET}\nAWS_REGION=eu-west-1\nOPENAI_API_KEY={OPENAI_KEY}\n"
    );
    b.put(".env", &dotenv);
    let leak_at = at(2026, 4, 13, 16, 42, 10);
    let leak = b.commit(TOM, leak_at, "Local dev: add env config")?;

    b.edit("app/tools.py", "    return ticket_id\n", "    return str(ticket_id)\n");
    b.commit(WEI, at(2026, 4, 14, 8, 55, 0), "Coerce ticket ids to str")?;
    b.delete(".env")
        .edit(".gitignore", ".venv/\n", ".venv/\n.env\n")
        .put(".env.example", "AWS_REGION=eu-west-1\nOPENAI_API_KEY=\n");
    b.squash(SOFIA, at(2026, 4, 14, 11, 20, 0), "Remove committed .env and ignore it (#31)\n\nThe keys in it are being revoked separately.\n\nReviewed-by: Marcus Lee <marcus@northwind.dev>\n")?;
    b.edit(
        "README.md",
        "LLM agent.\n",
        "LLM agent.\n\nCopy `.env.example` to `.env` for local runs; never commit it.\n",
    );
    b.commit(WEI, at(2026, 4, 16, 9, 0, 0), "Document local setup")?;
    b.put("app/guardrails.py", "BLOCKED = (\"password\", \"api key\")\n\n\ndef allowed(text: str) -> bool:\n    return not any(b in text.lower() for b in BLOCKED)\n");
    b.squash(
        PRIYA,
        at(2026, 4, 20, 13, 40, 0),
        "Guardrails on agent output (#33)\n\nReviewed-by: Marcus Lee <marcus@northwind.dev>\n",
    )?;
    let irsa = DEPLOYMENT.split("            - name: AWS_ACCESS_KEY_ID").next().unwrap_or(DEPLOYMENT).to_string();
    b.put("deploy/k8s/deployment.yaml", &irsa);
    b.squash(
        DANA,
        at(2026, 4, 22, 10, 10, 0),
        "Use IRSA for S3 instead of static keys (#35)\n\nReviewed-by: Sofia Alvarez <sofia@northwind.dev>\n",
    )?;
    b.edit(
        "app/agent.py",
        "from app.prompts import TRIAGE_PROMPT\n",
        "from app.prompts import TRIAGE_PROMPT  # noqa: F401\n",
    );
    b.commit(WEI, at(2026, 4, 24, 15, 0, 0), "Tidy imports")?;

    if let Some(head) = b.head {
        repo.reference("refs/heads/main", head, true, "demo")?;
        repo.set_head("refs/heads/main")?;
        repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))?;
    }
    Ok(Leak { commit: leak.to_string(), at: leak_at })
}

/// Write a tree of `(path relative to it, content)` pairs, folders first-class.
fn write_tree(repo: &Repository, files: &[(&str, &str)]) -> Result<Oid, git2::Error> {
    let mut builder = repo.treebuilder(None)?;
    let mut folders: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for (path, text) in files {
        match path.split_once('/') {
            Some((dir, rest)) => folders.entry(dir).or_default().push((rest, text)),
            None => {
                let blob = repo.blob(text.as_bytes())?;
                builder.insert(path, blob, 0o100644)?;
            }
        }
    }
    for (dir, inner) in folders {
        let sub = write_tree(repo, &inner)?;
        builder.insert(dir, sub, 0o040000)?;
    }
    builder.write()
}
