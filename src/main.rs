//! The command line: `demo`, `open`, `report`, `check`. Exit 0 on success, 1 on
//! bad input (one line naming the file and line), 2 on a usage error.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use leakline::report::{self, Format};
use leakline::session::{Session, SourceArgs};

#[derive(Parser)]
#[command(
    name = "leakline",
    version,
    about = "Who approved the framework, who made the secret reachable, and where it was replayed."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the demo incident and open it in the TUI.
    Demo {
        /// Write the demo here (repo/, logs/, scans/, leakline.toml) instead of a temporary folder.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Only write the demo; do not open the TUI.
        #[arg(long)]
        no_tui: bool,
    },
    /// Open the TUI on your own evidence.
    Open {
        #[command(flatten)]
        sources: Sources,
        /// Keep reading the audit logs as they grow (appends, rotation, truncation); new
        /// records are correlated as they come, and a new replay shows and rings the bell.
        #[arg(long)]
        follow: bool,
        /// With --follow: show new replays without ringing the terminal bell.
        #[arg(long)]
        no_bell: bool,
    },
    /// Print the accountability report.
    Report {
        #[command(flatten)]
        sources: Sources,
        #[arg(long, value_enum, default_value = "md")]
        format: Format,
        /// Write to this file instead of standard output.
        #[arg(short = 'o', long)]
        output: Option<PathBuf>,
    },
    /// Parse everything and print what was read and rejected.
    Check {
        #[command(flatten)]
        sources: Sources,
        #[arg(long, value_enum, default_value = "text")]
        format: CheckFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    Text,
    Json,
}

#[derive(Args)]
struct Sources {
    /// A git repository (repeatable).
    #[arg(long, value_name = "PATH")]
    repo: Vec<PathBuf>,
    /// An audit log file or folder; KIND:PATH forces the kind (vault, cloudtrail, gcp, azure, k8s, github-audit, openai-audit, openai-usage, openai-keys, anthropic-keys, anthropic-usage, anthropic-activity, litellm).
    #[arg(long, value_name = "[KIND:]PATH")]
    audit: Vec<String>,
    /// Scanner output, file or folder; KIND:PATH forces the kind (gitleaks, trufflehog, …).
    #[arg(long, value_name = "[KIND:]PATH")]
    scan: Vec<String>,
    /// Security advisories in the OSV schema: a record, a folder of them or an
    /// ecosystem's all.zip from osv.dev (repeatable; read offline).
    #[arg(long, value_name = "PATH")]
    advisories: Vec<PathBuf>,
    /// A package to treat as the framework (repeatable, globs allowed).
    #[arg(long, value_name = "NAME")]
    framework: Vec<String>,
    /// Who owns which role (TOML).
    #[arg(long, value_name = "FILE")]
    owners: Option<PathBuf>,
    /// A case file (TOML) naming any of the above.
    #[arg(long = "case", value_name = "FILE")]
    case_file: Option<PathBuf>,
    /// Walk every branch and tag, not only HEAD's first-parent history.
    #[arg(long)]
    all_refs: bool,
    /// Report every dependency change, not only the watched frameworks.
    #[arg(long)]
    all_deps: bool,
    /// Reachability rules of your own (TOML: [[rule]] kind, files, regex).
    #[arg(long, value_name = "FILE")]
    rules: Option<PathBuf>,
    /// A known Vault value's HMAC as the audit device logs it (repeatable).
    #[arg(long, value_name = "LABEL=hmac-sha256:…")]
    vault_hash: Vec<String>,
    /// Ask this Vault for HMACs (sys/audit-hash), with VAULT_TOKEN from the environment.
    #[arg(long, value_name = "URL")]
    vault_addr: Option<String>,
    /// The audit device to hash for (default: file).
    #[arg(long, value_name = "PATH")]
    vault_device: Option<String>,
    /// Hash the value of an environment variable with --vault-addr, labelled NAME.
    #[arg(long, value_name = "NAME[=ENVVAR]")]
    vault_hash_env: Vec<String>,
    /// Ask the forge for pull-request reviews: github:OWNER/REPO or gitlab:GROUP/PROJECT
    /// (bare: from the repository's origin). Tokens from GITHUB_TOKEN/GH_TOKEN or GITLAB_TOKEN.
    #[arg(long, value_name = "FORGE", num_args = 0..=1, default_missing_value = "")]
    forge: Option<String>,
    /// The forge's API address (GitHub Enterprise Server, self-managed GitLab).
    #[arg(long, value_name = "URL")]
    forge_api: Option<String>,
    /// Answer from the forge cache only: no request is made.
    #[arg(long)]
    offline: bool,
    /// The most one file read whole may inflate to (default 24M; CloudTrail, Vault, Kubernetes and GCP logs are streamed).
    #[arg(long, value_name = "SIZE", value_parser = size)]
    max_input: Option<u64>,
    /// The longest line of a streamed log (default 64M).
    #[arg(long, value_name = "SIZE", value_parser = size)]
    max_line: Option<u64>,
    /// Who annotations made in the TUI are recorded as made by (default: the OS user).
    #[arg(long, value_name = "NAME")]
    analyst: Option<String>,
    /// Parse every audit record, not only those naming the case's credentials or a grant.
    #[arg(long)]
    full_parse: bool,
}

fn size(text: &str) -> Result<u64, String> {
    leakline::ingest::limits::parse_size(text).ok_or_else(|| "expected a size such as 512M or 2G".to_string())
}

impl Sources {
    fn args(&self) -> SourceArgs {
        SourceArgs {
            repo: self.repo.clone(),
            audit: self.audit.clone(),
            scan: self.scan.clone(),
            advisories: self.advisories.clone(),
            framework: self.framework.clone(),
            owners: self.owners.clone(),
            case: self.case_file.clone(),
            all_refs: self.all_refs,
            all_deps: self.all_deps,
            rules: self.rules.clone(),
            vault_hash: self.vault_hash.clone(),
            vault_addr: self.vault_addr.clone(),
            vault_device: self.vault_device.clone(),
            vault_hash_env: self.vault_hash_env.clone(),
            forge: self.forge.clone(),
            forge_api: self.forge_api.clone(),
            offline: self.offline,
            max_input: self.max_input,
            max_line: self.max_line,
            analyst: self.analyst.clone(),
            full_parse: self.full_parse,
        }
    }
}

enum Failure {
    Input(String),
    Usage(String),
}

/// How much of the inputs a finished command could use.
enum Read {
    Whole,
    /// The inputs, some of which (or some of whose records) were rejected.
    WithRejections(Vec<leakline::model::InputSummary>),
}

impl Read {
    fn of(inputs: &[leakline::model::InputSummary]) -> Read {
        if inputs.iter().any(|i| i.rejected > 0) { Read::WithRejections(inputs.to_vec()) } else { Read::Whole }
    }
}

/// One line for stderr: what was rejected, and where the detail is.
fn rejections_line(inputs: &[leakline::model::InputSummary]) -> String {
    let hit: Vec<_> = inputs.iter().filter(|i| i.rejected > 0).collect();
    let total: usize = hit.iter().map(|i| i.rejected).sum();
    let nothing = hit.iter().filter(|i| i.records == 0).count();
    let wholly = if nothing > 0 { format!(", {nothing} of which gave nothing") } else { String::new() };
    format!(
        "{total} rejection(s) in {} input(s){wholly}; `leakline check` lists each with its file and line (exit status 3)",
        hit.len()
    )
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // clap quotes the argument it refused: an argument can be a pasted secret.
            eprint!("{}", leakline::text::clean_lines(&leakline::ingest::mask::prose(&e.to_string())));
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(Read::Whole) => ExitCode::SUCCESS,
        Ok(Read::WithRejections(inputs)) => {
            // The output is complete for what could be read; the status says not all could.
            eprintln!("leakline: {}", rejections_line(&inputs));
            ExitCode::from(3)
        }
        Err(Failure::Input(msg)) => {
            // The line may quote the input (a TOML error shows the line): nothing that looks secret.
            eprintln!("leakline: {}", leakline::text::clean(&leakline::ingest::mask::prose(&msg)));
            ExitCode::from(1)
        }
        Err(Failure::Usage(msg)) => {
            eprintln!("leakline: {}", leakline::text::clean(&leakline::ingest::mask::prose(&msg)));
            ExitCode::from(2)
        }
    }
}

/// Standard output, every write and the flush checked: a full disk or a
/// closed device is a failure (exit 1), while a reader that went away
/// (`leakline check | head`) just ends the output.
fn emit(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::Input(format!("standard output: {e}; the output is incomplete")))
        }
        _ => Ok(()),
    }
}

fn session(sources: &Sources) -> Result<Session, Failure> {
    let session = Session::resolve(&sources.args()).map_err(|e| Failure::Input(e.to_string()))?;
    for notice in &session.notices {
        eprintln!("leakline: note: {}", leakline::text::clean(notice));
    }
    if session.sources.is_empty() {
        return Err(Failure::Usage("no sources: give --repo, --audit, --scan or --case (see --help)".into()));
    }
    Ok(session)
}

fn run(cli: Cli) -> Result<Read, Failure> {
    let input = |e: leakline::ingest::IngestError| Failure::Input(e.to_string());
    match cli.command {
        Command::Demo { out, no_tui } => demo(out, no_tui).map(|()| Read::Whole),
        Command::Open { sources, follow, no_bell } => {
            let mut s = session(&sources)?;
            s.follow = follow.then_some(leakline::session::Follow { bell: !no_bell });
            // The TUI shows its own rejections, in the Inputs pane.
            leakline::tui::run(s).map(|()| Read::Whole).map_err(|e| Failure::Input(e.to_string()))
        }
        Command::Report { sources, format, output } => {
            let s = session(&sources)?;
            let provenance = s.provenance();
            let case = s.case(provenance.generated_at).map_err(input)?;
            let reused = s.reused.lock().map(|r| r.len()).unwrap_or(0);
            if reused > 0 {
                // Said where the responder looks, not in the report: a run from the store reads the same.
                eprintln!(
                    "leakline: note: {reused} audit source(s) unchanged since an earlier run: their evidence was taken from the case store"
                );
            }
            let text = report::render_with(&case, format, &provenance);
            match output {
                Some(path) => leakline::report::write_report(&path, text.as_bytes()).map_err(|e| {
                    Failure::Input(format!(
                        "{}: {e}; no report was written, an earlier one is as it was",
                        path.display()
                    ))
                })?,
                None => emit(&text)?,
            }
            Ok(Read::of(&case.inputs))
        }
        Command::Check { sources, format } => {
            let mut s = session(&sources)?;
            // `check` counts; it keeps no audit record, so any size reads in flat memory.
            s.options.drop_accesses = true;
            // The text shows no digest: the bytes are not hashed (the JSON names them by it).
            s.options.skip_digest = matches!(format, CheckFormat::Text);
            s.load_owners().map_err(input)?;
            let evidence = s.evidence().map_err(input)?;
            match format {
                CheckFormat::Json => emit(&report::inputs_document(&evidence.inputs))?,
                CheckFormat::Text => emit(&leakline::report::check_text(&evidence))?,
            }
            Ok(Read::of(&evidence.inputs))
        }
    }
}

fn demo(out: Option<PathBuf>, no_tui: bool) -> Result<(), Failure> {
    let temp;
    let out_is_temporary = out.is_none() && !no_tui;
    let dir = match out {
        Some(dir) => dir,
        None if no_tui => PathBuf::from("leakline-demo"),
        None => {
            temp = tempfile::Builder::new()
                .prefix("leakline-demo-")
                .tempdir()
                .map_err(|e| Failure::Input(format!("temporary folder: {e}")))?;
            temp.path().to_path_buf()
        }
    };
    if dir.join("repo").exists() {
        return Err(Failure::Usage(format!("{} already holds a demo; choose another --out", dir.display())));
    }
    let paths = leakline::demo::write(&dir).map_err(|e| Failure::Input(e.to_string()))?;
    if no_tui {
        emit(&format!("demo incident written to {}\n", paths.root.display()))?;
        emit(&format!(
            "  repository  {}\n  audit logs  {}\n  scans       {}\n  case file   {}\n",
            paths.repo.display(),
            paths.logs.display(),
            paths.scans.display(),
            paths.case_file.display()
        ))?;
        emit(&format!("next: leakline open --case {}\n", paths.case_file.display()))?;
        return Ok(());
    }
    let args = SourceArgs { case: Some(paths.case_file.clone()), ..SourceArgs::default() };
    let mut s = Session::resolve(&args).map_err(|e| Failure::Input(e.to_string()))?;
    if out_is_temporary {
        // The demo's folder goes when the TUI closes: reports go where the user is.
        s.export_dir = PathBuf::from(".");
    }
    leakline::tui::run(s).map_err(|e| Failure::Input(e.to_string()))
}
