//! Names the commit the binary was built from (`LEAKLINE_COMMIT`), for the
//! reports' provenance. Read from `.git` directly: no git process, and a
//! build outside a checkout (a packaged crate) says `unknown`.

use std::path::Path;

fn main() {
    let git = Path::new(".git");
    println!("cargo:rerun-if-changed=.git/HEAD");
    let commit = std::fs::read_to_string(git.join("HEAD")).ok().and_then(|head| {
        let head = head.trim();
        match head.strip_prefix("ref: ") {
            None => Some(head.to_string()),
            Some(name) => {
                println!("cargo:rerun-if-changed=.git/{name}");
                println!("cargo:rerun-if-changed=.git/packed-refs");
                std::fs::read_to_string(git.join(name)).ok().map(|s| s.trim().to_string()).or_else(|| {
                    let packed = std::fs::read_to_string(git.join("packed-refs")).ok()?;
                    packed.lines().find(|l| l.ends_with(name)).and_then(|l| l.split(' ').next()).map(str::to_string)
                })
            }
        }
    });
    let commit = commit.filter(|c| c.len() >= 7 && c.bytes().all(|b| b.is_ascii_hexdigit()));
    println!("cargo:rustc-env=LEAKLINE_COMMIT={}", commit.as_deref().map_or("unknown", |c| &c[..7]));
}
