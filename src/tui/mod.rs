//! The TUI: an Elm-style loop. Sources load on tokio tasks (git2 and file work on
//! blocking threads) and come back as messages; `update` changes the model;
//! `view` draws it, only when something changed. The terminal is restored on
//! quit, on error and on panic.

pub mod app;
pub mod commands;
pub mod disk;
pub mod filter;
pub mod index;
pub mod keymap;
pub mod links;
mod messages;
mod navigate;
mod panes;
pub mod prompt;
pub mod search;
pub mod theme;
pub mod view;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind, MouseEventKind};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::correlate;
use crate::session::Session;
use app::{Cmd, Model, Msg, update};
use theme::Theme;

/// Why the TUI could not run.
#[derive(Debug, thiserror::Error)]
pub enum TuiError {
    #[error("terminal: {0}")]
    Terminal(#[from] std::io::Error),
    #[error("theme: {0}")]
    Theme(#[from] theme::ThemeError),
    #[error("keymap: {0}")]
    Keymap(String),
}

/// Restores the terminal when dropped, whatever path left the loop.
struct RestoreGuard;

impl Drop for RestoreGuard {
    fn drop(&mut self) {
        let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
        let _ = ratatui::try_restore();
    }
}

/// Open the TUI on a session and run until the user quits.
pub fn run(session: Session) -> Result<(), TuiError> {
    let theme = Theme::from_env()?;
    let keymap = keymap::Keymap::from_config().map_err(TuiError::Keymap)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let cancel = session.options.cancel.clone();
    let result = runtime.block_on(run_loop(session, theme, keymap));
    // Loaders still reading stop at their next batch; nothing waits for them,
    // so `q` during a long load ends the process at once.
    cancel.store(true, Ordering::Relaxed);
    runtime.shutdown_background();
    result
}

async fn run_loop(mut session: Session, mut theme: Theme, keymap: keymap::Keymap) -> Result<(), TuiError> {
    let mut terminal = ratatui::try_init()?;
    let _guard = RestoreGuard;
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture);
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let mut labels: Vec<String> = session.sources.iter().map(|s| s.label()).collect();
    // The forge is asked once git is read: its own line among the sources.
    let forge_slot = session.forge.as_ref().map(|f| {
        labels.push(format!("forge {}", f.spec.label()));
        labels.len() - 1
    });
    let mut forge_started = false;
    let mut model = Model::new(labels);
    // Until the forge answers, the gaps say it has not yet, not that it was never asked.
    model.evidence.forge = session.forge.as_ref().map(|f| crate::model::ForgeAnswers {
        forge: f.spec.label(),
        pending: true,
        ..Default::default()
    });
    model.keymap = keymap;
    model.follow = session.follow;
    if let Some(notice) = session.notices.first() {
        model.status = Some(notice.clone());
    }
    // A query engine's rounds show in the Sources pane as they go.
    let paths: Vec<String> = session.sources.iter().map(|s| s.path().display().to_string()).collect();
    let told = tx.clone();
    session.options.progress = crate::ingest::progress::Progress::new(move |path, note| {
        if let Some(index) = paths.iter().position(|p| p == path) {
            let _ = told.send(Msg::SourceCounted { index, note });
        }
    });
    let session = Arc::new(session);
    let owners = match session.load_owners() {
        Ok(o) => o,
        Err(e) => {
            model.status = Some(format!("owners not read: {}", crate::ingest::mask::prose(&e.to_string())));
            Default::default()
        }
    };
    let context = Arc::new(session.context(owners, chrono::Utc::now()));
    let loading = Arc::new(AtomicBool::new(true));
    let masker = Arc::new(std::sync::OnceLock::new());
    start_loading(&session, &tx, &masker);
    spawn_input(tx.clone());
    spawn_signals(tx.clone());
    spawn_suspends(tx.clone());
    spawn_ticks(tx.clone(), loading.clone());
    if session.sources.is_empty() {
        let case = correlate::correlate(&Default::default(), &context);
        let _ = tx.send(Msg::Correlated { case: Box::new(case), index: None, generation: 1 });
    }
    let effects = Effects {
        tx: tx.clone(),
        context: context.clone(),
        export_dir: session.export_dir.clone(),
        provenance: session.provenance(),
        store: session.store.clone(),
        analyst: session.analyst.clone(),
        audit_paths: session
            .sources
            .iter()
            .filter(|s| matches!(s, crate::ingest::SourceSpec::Audit(..)))
            .map(|s| s.path().to_path_buf())
            .collect(),
        masker,
        cancel: session.options.cancel.clone(),
    };
    terminal.draw(|f| view::view(&model, &theme, f))?;
    while let Some(msg) = rx.recv().await {
        let mut changed = handle(&mut model, msg, &effects, &mut theme);
        // Coalesce: apply everything already queued, then draw once.
        while let Ok(more) = rx.try_recv() {
            changed |= handle(&mut model, more, &effects, &mut theme);
        }
        if model.quit {
            break;
        }
        if let (Some(slot), false) = (forge_slot, forge_started)
            && model.sources[..slot].iter().all(|s| !matches!(s.status, app::SourceStatus::Loading))
        {
            forge_started = true;
            ask_forge(&session, &model.evidence, slot, &tx);
        }
        if !model.loading() && model.case.is_some() {
            loading.store(false, Ordering::Relaxed);
        }
        if std::mem::take(&mut model.suspend) {
            suspend(&mut terminal)?;
            changed = true;
        }
        if std::mem::take(&mut model.ring) {
            use std::io::Write;
            let _ = std::io::stdout().write_all(b"\x07").and_then(|()| std::io::stdout().flush());
        }
        if changed {
            terminal.draw(|f| view::view(&model, &theme, f))?;
        }
    }
    // Terminal's drop prints to stderr when it cannot show the cursor, and that
    // print panics once the terminal is gone (SIGHUP): show it here, quietly.
    if terminal.show_cursor().is_err() {
        std::mem::forget(terminal);
    }
    Ok(())
}

/// What carrying out a `Cmd` needs.
struct Effects {
    tx: mpsc::UnboundedSender<Msg>,
    context: Arc<correlate::Context>,
    export_dir: std::path::PathBuf,
    store: std::path::PathBuf,
    analyst: String,
    /// Where `:grep` looks: the audit sources as given.
    audit_paths: Vec<std::path::PathBuf>,
    /// The scanners' values, once read: what `:grep` masks in the lines it shows.
    masker: Arc<std::sync::OnceLock<crate::ingest::mask::Masker>>,
    cancel: crate::ingest::cancel::Cancel,
    /// What exported reports say of where they came from (made at export time).
    provenance: crate::report::Provenance,
}

fn handle(model: &mut Model, msg: Msg, effects: &Effects, theme: &mut Theme) -> bool {
    let (changed, cmd) = update(model, msg);
    let Some(cmd) = cmd else { return changed };
    let tx = effects.tx.clone();
    match cmd {
        Cmd::Correlate { evidence, generation } => {
            let context = effects.context.clone();
            let store = effects.store.clone();
            tokio::task::spawn_blocking(move || {
                // A copy, or the last evidence: masked before anything is shown of it.
                let mut evidence = evidence;
                crate::ingest::keylink::link(&mut evidence);
                crate::ingest::scrub::scrub(&mut evidence, true);
                let case = correlate::correlate(&evidence, &context);
                // Annotations made since the session began are in the store, not the context.
                let case = match crate::store::CaseStore::open(&store).and_then(|s| s.annotations()) {
                    Ok(all) => correlate::annotations::apply(case, &all),
                    Err(_) => case,
                };
                let index = index::CaseIndex::build(&case);
                let _ = tx.send(Msg::Correlated { case: Box::new(case), index: Some(Box::new(index)), generation });
            });
        }
        Cmd::DiskSearch { needle, generation, latest } => {
            let (files, masker, cancel) = (effects.audit_paths.clone(), effects.masker.clone(), effects.cancel.clone());
            tokio::task::spawn_blocking(move || {
                let send = |msg| {
                    let _ = tx.send(msg);
                };
                disk::search(&files, &needle, generation, &latest, masker.get(), &cancel, &send);
            });
        }
        Cmd::Export { case, format, path } => {
            let dir = effects.export_dir.clone();
            let provenance =
                crate::report::Provenance { generated_at: crate::report::now(), ..effects.provenance.clone() };
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(Msg::Reported(export(&case, format, path.as_deref(), &dir, &provenance)));
            });
        }
        Cmd::Theme(name) => match Theme::named(&name) {
            Ok(t) => {
                *theme = t;
                model.status = Some(format!("theme {}", crate::text::clip(&name, 60)));
            }
            Err(e) => model.status = Some(e.to_string()),
        },
        Cmd::Annotate { case, target, verdict, note } => {
            let (store, by) = (effects.store.clone(), effects.analyst.clone());
            tokio::task::spawn_blocking(move || {
                let a = crate::model::Annotation { target, verdict, note, by, at: chrono::Utc::now() };
                let kept = crate::store::CaseStore::open(&store).and_then(|s| s.add(&a).and_then(|()| s.annotations()));
                match kept {
                    Ok(all) => {
                        let before: usize = case.accountability.iter().map(|r| r.gaps.len()).sum();
                        let case = correlate::annotations::apply((*case).clone(), &all);
                        let after: usize = case.accountability.iter().map(|r| r.gaps.len()).sum();
                        let aside = if before > after {
                            format!(" — {} gap(s) set aside", before - after)
                        } else {
                            String::new()
                        };
                        let said = format!(
                            "{} {} by {}, kept in {}{aside}",
                            a.target,
                            a.verdict.name(),
                            a.by,
                            store.display()
                        );
                        let index = index::CaseIndex::build(&case);
                        let _ = tx.send(Msg::Annotated { case: Box::new(case), index: Box::new(index), said });
                    }
                    Err(e) => {
                        let _ = tx.send(Msg::Reported(format!("annotation not kept: {e}")));
                    }
                }
            });
        }
        Cmd::Refilter { case, filter, generation, latest } => {
            tokio::task::spawn_blocking(move || {
                let cancelled = || latest.load(Ordering::Relaxed) != generation;
                if let Some((rows, volume)) = app::filtered(&case, &filter, &cancelled) {
                    let _ = tx.send(Msg::Filtered { generation, rows: Box::new(rows), volume: Box::new(volume) });
                }
            });
        }
        Cmd::Copy(text) => {
            use std::io::Write;
            let sequence = osc52(&text);
            let mut out = std::io::stdout();
            if out.write_all(sequence.as_bytes()).and_then(|()| out.flush()).is_err() {
                model.status = Some("the terminal would not take the copy".into());
            }
        }
    }
    true
}

/// The OSC 52 sequence that puts `text` on the clipboard of the terminal (and of
/// the terminal over SSH or tmux with `set-clipboard on`).
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    format!("\x1b]52;c;{}\x07", base64::engine::general_purpose::STANDARD.encode(text))
}

/// Write a report as `leakline report` would; the answer is one line for the status line.
pub fn export(
    case: &crate::model::Case,
    format: crate::report::Format,
    path: Option<&str>,
    dir: &std::path::Path,
    provenance: &crate::report::Provenance,
) -> String {
    let extension = match format {
        crate::report::Format::Md => "md",
        crate::report::Format::Json => "json",
        crate::report::Format::Html => "html",
        crate::report::Format::Csv => "csv",
    };
    let target = match path {
        Some(p) => std::path::PathBuf::from(p),
        None => dir.join(format!("leakline-report-{}.{extension}", chrono::Utc::now().format("%Y%m%dT%H%M%SZ"))),
    };
    let text = crate::report::render_with(case, format, provenance);
    match crate::report::write_report(&target, text.as_bytes()) {
        Ok(()) => {
            format!("report written to {} ({} bytes)", crate::text::clean(&target.display().to_string()), text.len())
        }
        Err(e) => format!("could not write {}: {e}", crate::text::clean(&target.display().to_string())),
    }
}

/// Repositories stream on threads of their own. Scanner output is read first,
/// then the audit logs keep only the records of the credentials it found (as
/// `report` does), so a large trail costs memory only for what the case needs.
fn start_loading(
    session: &Arc<Session>,
    tx: &mpsc::UnboundedSender<Msg>,
    masker: &Arc<std::sync::OnceLock<crate::ingest::mask::Masker>>,
) {
    use crate::ingest::SourceSpec;
    let (mut scans, mut others) = (Vec::new(), Vec::new());
    for (index, spec) in session.sources.iter().enumerate() {
        match spec {
            SourceSpec::Repo(_) => {
                let tx = tx.clone();
                let session = session.clone();
                tokio::task::spawn_blocking(move || {
                    let progress = |evidence| {
                        let _ = tx.send(Msg::SourceProgressed { index, evidence: Box::new(evidence) });
                    };
                    let result = crate::ingest::load_streaming(&session.sources[index], &session.options, &progress)
                        .map(Box::new)
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::SourceLoaded { index, result });
                });
            }
            SourceSpec::Scan(..) | SourceSpec::Advisories(_) => scans.push(index),
            _ => others.push(index),
        }
    }
    let tx = tx.clone();
    let session = session.clone();
    let masker = masker.clone();
    tokio::task::spawn_blocking(move || {
        let mut found = crate::model::Evidence::default();
        for index in scans {
            let result = crate::ingest::load(&session.sources[index], &session.options);
            if let Ok(evidence) = &result {
                found.findings.extend(evidence.findings.iter().cloned());
            }
            let _ = tx.send(Msg::SourceLoaded { index, result: result.map(Box::new).map_err(|e| e.to_string()) });
        }
        let _ = masker.set(crate::ingest::scrub::masker(&found));
        let specs: Vec<&SourceSpec> = others.iter().map(|&i| &session.sources[i]).collect();
        let mut followed = Vec::new();
        let reads = session.read_following(&specs, &found);
        let reused = session.reused.lock().map(|r| r.clone()).unwrap_or_default();
        for &index in &others {
            if reused.contains(&session.sources[index].label()) {
                let note = "unchanged since an earlier run: taken from the case store".to_string();
                let _ = tx.send(Msg::SourceCounted { index, note });
            }
        }
        for (index, result) in others.iter().zip(reads) {
            if let Ok(evidence) = &result {
                // Each JSON-lines log file read, to follow from where it ends now.
                followed.extend(
                    evidence
                        .inputs
                        .iter()
                        .filter(|i| i.rejected == 0 || i.records > 0)
                        .map(|i| (*index, i.kind, i.path.clone())),
                );
            }
            let result = result.map(Box::new).map_err(|e| e.to_string());
            let _ = tx.send(Msg::SourceLoaded { index: *index, result });
        }
        if session.follow.is_some() {
            follow(&session, &found, followed, &tx);
        }
    });
}

/// `--follow`: each log file is looked at every second for complete new lines,
/// read as the file itself was, until the TUI quits.
fn follow(
    session: &Session,
    found: &crate::model::Evidence,
    files: Vec<(usize, crate::model::SourceKind, String)>,
    tx: &mpsc::UnboundedSender<Msg>,
) {
    let options = session.follow_options(found);
    for (index, kind, path) in files {
        if crate::ingest::clickhouse::is_address(&path) {
            let _ = tx.send(Msg::Reported(format!("{path}: read once; a query engine's table is not followed")));
            continue;
        }
        if crate::ingest::audit::line_parser(kind).is_none() || path.ends_with(".gz") {
            continue;
        }
        let max_line = options.limits.max_line;
        let Ok(mut tail) = crate::ingest::tail::Tail::at_end(std::path::Path::new(&path), max_line) else { continue };
        let (tx, options) = (tx.clone(), options.clone());
        std::thread::spawn(move || {
            while !options.cancel.requested() {
                std::thread::sleep(Duration::from_secs(1));
                let appended = match tail.poll() {
                    Ok(a) => a,
                    Err(e) => {
                        let _ = tx.send(Msg::Reported(format!("{path}: stopped following: {e}")));
                        break;
                    }
                };
                let overlong = (appended.overlong > 0).then(|| {
                    let most = crate::ingest::limits::shown(max_line as u64);
                    format!("{path}: a line longer than {most} (--max-line) was skipped to its end")
                });
                let note = match (appended.restarted.map(|r| format!("{path}: {r}")), overlong) {
                    (Some(a), Some(b)) => Some(format!("{a}; {b}")),
                    (a, b) => a.or(b),
                };
                if appended.lines.is_empty() && note.is_none() {
                    continue;
                }
                let Some((evidence, records, rejected)) =
                    crate::ingest::parse_appended(kind, &path, &appended.lines, &options)
                else {
                    break;
                };
                let rejected = rejected + appended.overlong;
                let msg = Msg::Appended { index, evidence: Box::new(evidence), records, rejected, note };
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
    }
}

/// Ask the forge about what git found, off the event loop; the answers
/// arrive as one more source, and a failure shows on its line.
fn ask_forge(session: &Arc<Session>, evidence: &crate::model::Evidence, slot: usize, tx: &mpsc::UnboundedSender<Msg>) {
    let Some(settings) = session.forge.clone() else { return };
    // Only what the forge is asked about: not the audit records.
    let asked = crate::model::Evidence {
        dependency_changes: evidence.dependency_changes.clone(),
        grants: evidence.grants.clone(),
        ..Default::default()
    };
    let tx = tx.clone();
    tokio::task::spawn_blocking(move || {
        // Each pull request's answer fills the panes as it arrives.
        let progress = |step: crate::ingest::forge::ForgeStep| {
            let note = format!("{}/{} pull requests read", step.done, step.total);
            let _ = tx.send(Msg::SourceCounted { index: slot, note });
            let evidence = crate::model::Evidence { forge: Some(step.answers), ..Default::default() };
            let _ = tx.send(Msg::SourceProgressed { index: slot, evidence: Box::new(evidence) });
        };
        let evidence = crate::ingest::forge::consult(&settings, &asked, &progress);
        let _ = tx.send(Msg::SourceLoaded { index: slot, result: Ok(Box::new(evidence)) });
    });
}

fn spawn_input(tx: mpsc::UnboundedSender<Msg>) {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(Ok(event)) = events.next().await {
            let msg = match event {
                Event::Key(key) if key.kind == KeyEventKind::Press => Msg::KeyPressed(key),
                Event::Mouse(m) if !matches!(m.kind, MouseEventKind::Moved | MouseEventKind::Drag(_)) => Msg::Mouse(m),
                Event::Resize(w, h) => Msg::Resized(w, h),
                _ => continue,
            };
            if tx.send(msg).is_err() {
                break;
            }
        }
    });
}

/// A closed terminal (SIGHUP), a `kill` (SIGTERM), `kill -INT` and SIGQUIT
/// quit the way `q` does, so the terminal is restored and the demo's temporary
/// folder removed. (In raw mode Ctrl-C is a key; these come from outside.)
fn spawn_signals(tx: mpsc::UnboundedSender<Msg>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let kinds = [SignalKind::terminate(), SignalKind::hangup(), SignalKind::interrupt(), SignalKind::quit()];
        let mut streams = Vec::new();
        for kind in kinds {
            if let Ok(stream) = signal(kind) {
                streams.push(stream);
            }
        }
        let (mut term, mut hup, mut int, mut quit) = match <[_; 4]>::try_from(streams) {
            Ok(all) => {
                let [a, b, c, d] = all;
                (a, b, c, d)
            }
            Err(_) => return,
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
            _ = int.recv() => {}
            _ = quit.recv() => {}
        }
        let _ = tx.send(Msg::Terminated);
    });
    #[cfg(not(unix))]
    drop(tx);
}

/// SIGTSTP from outside (`kill -TSTP`, a job control stop; in raw mode
/// Ctrl-Z is a key) gives the terminal back before the process stops.
fn spawn_suspends(tx: mpsc::UnboundedSender<Msg>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut stops) = signal(SignalKind::from_raw(libc::SIGTSTP)) else { return };
        while stops.recv().await.is_some() {
            if tx.send(Msg::Suspended).is_err() {
                break;
            }
        }
    });
    #[cfg(not(unix))]
    drop(tx);
}

/// Leave the alternate screen, mouse reporting and raw mode, stop until
/// continued (SIGCONT), then take the terminal again and draw all of it.
fn suspend(terminal: &mut ratatui::DefaultTerminal) -> std::io::Result<()> {
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture);
    ratatui::try_restore()?;
    #[cfg(unix)]
    // SAFETY: raise takes a valid signal number; SIGSTOP cannot be caught, so this stops here.
    unsafe {
        libc::raise(libc::SIGSTOP);
    }
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(
        std::io::stdout(),
        crossterm::terminal::EnterAlternateScreen,
        crossterm::terminal::Clear(crossterm::terminal::ClearType::All),
        crossterm::event::EnableMouseCapture
    )?;
    // The screen is blank, not what was last drawn: an empty frame tells ratatui
    // so, and the next draw writes every cell. (`Terminal::clear` would ask the
    // terminal where its cursor is, and the input reader takes the answer.)
    terminal.draw(|_| {}).map(|_| ())
}

/// Ticks only while something animates (the loading spinner).
fn spawn_ticks(tx: mpsc::UnboundedSender<Msg>, loading: Arc<AtomicBool>) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_millis(120));
        while loading.load(Ordering::Relaxed) {
            interval.tick().await;
            if tx.send(Msg::Ticked).is_err() {
                break;
            }
        }
    });
}
