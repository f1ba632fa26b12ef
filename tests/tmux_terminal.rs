//! The real terminal path, in tmux: the demo starts, a search selects a replay,
//! `:export` writes the report, `q` quits and the terminal is restored; `q`
//! during a load that never ends (a FIFO no one writes) still ends the process;
//! a stop from outside (SIGTSTP) gives the terminal back until SIGCONT.
//! tmux is a test dependency (`.ci/run` installs it).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Session {
    socket: String,
}

impl Session {
    /// A tmux server of its own (`-L`), so tests never touch the user's.
    fn start(name: &str, cwd: &Path, command: &str) -> Self {
        let socket = format!("leakline-test-{name}-{}", std::process::id());
        let status = Command::new("tmux")
            .args(["-L", &socket, "new-session", "-d", "-x", "140", "-y", "45", "-c"])
            .arg(cwd)
            .arg(command)
            .status()
            .expect("tmux runs (install it: apt-get install tmux)");
        assert!(status.success());
        Self { socket }
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let status = Command::new("tmux").args(["-L", &self.socket, "send-keys", "-t", "0"]).arg(k).status();
            assert!(status.is_ok_and(|s| s.success()), "send-keys {k}");
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    /// Copy what the program writes to the terminal into `file` (until `pipe_off`).
    fn pipe(&self, file: &Path) {
        let to = format!("cat >> '{}'", file.display());
        let status = Command::new("tmux").args(["-L", &self.socket, "pipe-pane", "-o", "-t", "0", &to]).status();
        assert!(status.is_ok_and(|s| s.success()), "pipe-pane");
        std::fs::OpenOptions::new().create(true).append(true).open(file).expect("idle file");
    }

    fn pipe_off(&self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "pipe-pane", "-t", "0"]).status();
    }

    /// A tmux format of the pane (`#{alternate_on}`).
    fn format(&self, what: &str) -> String {
        let out = Command::new("tmux").args(["-L", &self.socket, "display-message", "-p", "-t", "0", what]).output();
        out.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default()
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux").args(["-L", &self.socket, "capture-pane", "-p", "-t", "0"]).output();
        out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default()
    }

    /// Wait up to `secs` for the screen to satisfy `test`.
    fn wait(&self, secs: u64, what: &str, test: impl Fn(&str) -> bool) -> String {
        let until = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if test(&s) {
                return s;
            }
            assert!(Instant::now() < until, "waited {secs} s for {what}:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).status();
    }
}

fn leakline() -> &'static str {
    env!("CARGO_BIN_EXE_leakline")
}

#[test]
fn search_export_and_quit_in_a_real_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("from-tui.md");
    let done = dir.path().join("stty.txt");
    let command = format!("{} demo; stty -a > {}; sleep 30", leakline(), done.display());
    let tmux = Session::start("flow", dir.path(), &command);
    tmux.wait(30, "the demo", |s| s.contains("Leaked secrets") && s.contains("Where it was replayed"));
    // Once loaded and left alone, nothing is drawn: not one byte reaches the terminal in a second.
    std::thread::sleep(Duration::from_millis(700));
    let idle = dir.path().join("idle.bytes");
    tmux.pipe(&idle);
    std::thread::sleep(Duration::from_millis(1200));
    tmux.pipe_off();
    let drawn = std::fs::metadata(&idle).map(|m| m.len()).unwrap_or(0);
    assert_eq!(drawn, 0, "an idle second drew {drawn} bytes");
    tmux.keys(&["5", "/45.148", "Enter"]);
    let replay = |s: &str| s.lines().any(|l| l.contains('▶') && l.contains("45.148.10.62"));
    let shown = tmux.wait(5, "the search", |s| s.contains("matches") && replay(s));
    let selected = shown.lines().find(|l| l.contains('▶')).unwrap_or_default();
    assert!(selected.contains("45.148.10.62"), "{shown}");
    tmux.keys(&[&format!(":export md {}", report.display()), "Enter"]);
    tmux.wait(10, "the export's answer", |s| s.contains("report written to"));
    let written = std::fs::read_to_string(&report).unwrap();
    assert!(written.starts_with("# ticket-agent"), "{}", &written[..written.len().min(200)]);
    tmux.keys(&["q"]);
    let until = Instant::now() + Duration::from_secs(10);
    while !done.exists() {
        assert!(Instant::now() < until, "leakline did not quit:\n{}", tmux.screen());
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(200));
    // The terminal is back in cooked mode, echoing.
    let stty = std::fs::read_to_string(&done).unwrap();
    for word in stty.split_whitespace() {
        assert!(word != "-icanon" && word != "-echo", "terminal left raw: {stty}");
    }
}

#[test]
fn q_during_a_load_that_never_ends_quits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let demo = Command::new(leakline()).arg("demo").arg("--no-tui").arg("--out").arg(dir.path().join("d")).output();
    assert!(demo.unwrap().status.success());
    let fifo = dir.path().join("trail.fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let done = dir.path().join("exited.txt");
    let command = format!(
        "{} open --case {} --audit {}; date +%s.%N > {}; sleep 30",
        leakline(),
        dir.path().join("d/leakline.toml").display(),
        fifo.display(),
        done.display()
    );
    let tmux = Session::start("load", dir.path(), &command);
    tmux.wait(30, "the sources loading", |s| s.contains("reading") || s.contains("loading"));
    std::thread::sleep(Duration::from_millis(500));
    let pressed = Instant::now();
    tmux.keys(&["q"]);
    while !done.exists() {
        assert!(pressed.elapsed() < Duration::from_secs(2), "q did not end the process within 2 s:\n{}", tmux.screen());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The process state letter from /proc (`T`: stopped).
fn state(pid: &str) -> char {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    stat.rsplit(')').next().and_then(|rest| rest.trim_start().chars().next()).unwrap_or('?')
}

#[test]
fn a_stop_from_outside_gives_the_terminal_back_and_a_continue_takes_it_again() {
    if !Path::new("/proc/self/stat").exists() {
        eprintln!("skipped: no /proc to read the process state from");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Under a shell, as a user runs it (a session leader that stops is another matter to tmux).
    let tmux = Session::start("stop", dir.path(), &format!("{} demo; sleep 30", leakline()));
    tmux.wait(30, "the demo", |s| s.contains("Leaked secrets") && s.contains("Where it was replayed"));
    let shell = tmux.format("#{pane_pid}");
    let children = Command::new("pgrep").args(["-P", &shell]).output().unwrap();
    let pid = String::from_utf8_lossy(&children.stdout).lines().next().unwrap_or_default().to_string();
    assert!(!pid.is_empty(), "leakline's process under the pane's shell {shell}");
    assert_eq!((tmux.format("#{alternate_on}"), tmux.format("#{mouse_any_flag}")), ("1".into(), "1".into()));
    assert!(Command::new("kill").args(["-TSTP", &pid]).status().unwrap().success());
    let until = Instant::now() + Duration::from_secs(5);
    while state(&pid) != 'T' {
        assert!(Instant::now() < until, "not stopped: state {}", state(&pid));
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(tmux.format("#{alternate_on}"), "0", "the alternate screen was left before stopping");
    assert_eq!(tmux.format("#{mouse_any_flag}"), "0", "mouse reporting was turned off before stopping");
    assert!(Command::new("kill").args(["-CONT", &pid]).status().unwrap().success());
    let until = Instant::now() + Duration::from_secs(5);
    while tmux.format("#{alternate_on}") != "1" {
        assert!(Instant::now() < until, "the alternate screen was not taken again:\n{}", tmux.screen());
        std::thread::sleep(Duration::from_millis(50));
    }
    tmux.wait(5, "the demo drawn again", |s| s.contains("Leaked secrets"));
    assert_eq!(tmux.format("#{mouse_any_flag}"), "1");
    tmux.keys(&["q"]);
}
