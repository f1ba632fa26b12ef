//! A local HTTP server that answers as GitHub's and GitLab's REST APIs do,
//! from scripted replies, and records every request it was sent.
#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
    /// Each byte of the body this long after the last (a forge that trickles).
    pub trickle: Option<Duration>,
    /// No Content-Length: the body runs until the connection closes.
    pub no_length: bool,
}

impl Reply {
    /// A JSON answer with an ETag derived from its body, as GitHub sends.
    pub fn json(body: impl Into<String>) -> Reply {
        let body = body.into();
        let etag = format!("W/\"{:x}\"", body.len() * 7919 + body.bytes().map(usize::from).sum::<usize>());
        Reply {
            status: 200,
            headers: vec![("ETag".into(), etag)],
            body,
            delay: Duration::ZERO,
            trickle: None,
            no_length: false,
        }
    }

    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: "{\"message\":\"scripted\"}".into(),
            delay: Duration::ZERO,
            trickle: None,
            no_length: false,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }

    pub fn trickled(mut self, every: Duration) -> Reply {
        self.trickle = Some(every);
        self
    }

    pub fn without_length(mut self) -> Reply {
        self.no_length = true;
        self
    }
}

#[derive(Clone, Debug)]
pub struct Request {
    pub target: String,
    /// Header names lower-cased.
    pub headers: BTreeMap<String, String>,
}

#[derive(Default)]
struct State {
    /// Per path and query: replies in turn, the last one kept for every later request.
    routes: BTreeMap<String, VecDeque<Reply>>,
    log: Vec<Request>,
}

pub struct Server {
    pub base: String,
    state: Arc<Mutex<State>>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = shared.clone();
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        Server { base, state }
    }

    /// Replies for a path (with its query, as the client sends it), in turn.
    pub fn route(&self, target: &str, replies: Vec<Reply>) {
        self.state.lock().expect("state").routes.insert(target.to_string(), replies.into());
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().expect("state").log.clone()
    }

    pub fn count(&self, target: &str) -> usize {
        self.requests().iter().filter(|r| r.target == target).count()
    }
}

fn serve(mut stream: TcpStream, state: &Mutex<State>) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let length: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0u8; length];
    let _ = reader.read_exact(&mut body);
    let reply = {
        let mut s = state.lock().expect("state");
        s.log.push(Request { target: target.clone(), headers: headers.clone() });
        match s.routes.get_mut(&target) {
            Some(q) if q.len() > 1 => q.pop_front(),
            Some(q) => q.front().cloned(),
            None => None,
        }
    };
    let mut reply = reply.unwrap_or_else(|| Reply::status(404));
    std::thread::sleep(reply.delay);
    let etag = reply.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("etag")).map(|(_, v)| v.clone());
    if reply.status == 200 && etag.is_some() && headers.get("if-none-match") == etag.as_ref() {
        reply = Reply { status: 304, body: String::new(), delay: Duration::ZERO, ..reply.clone() };
    }
    let mut out = format!("HTTP/1.1 {} Scripted\r\nContent-Type: application/json\r\n", reply.status);
    if !reply.no_length {
        out.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
    }
    out.push_str("Connection: close\r\n");
    for (k, v) in &reply.headers {
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("\r\n");
    match reply.trickle {
        None => {
            out.push_str(&reply.body);
            let _ = stream.write_all(out.as_bytes());
        }
        Some(every) => {
            let _ = stream.write_all(out.as_bytes());
            for byte in reply.body.bytes() {
                std::thread::sleep(every);
                if stream.write_all(&[byte]).and_then(|()| stream.flush()).is_err() {
                    return;
                }
            }
        }
    }
    let _ = stream.flush();
}
