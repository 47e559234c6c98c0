//! Starting the real binary on port 0 and talking to it over HTTP.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub struct Server {
    pub child: Child,
    pub base: String,
    /// The one-time owner password printed on first start, if this start printed one.
    pub owner_password: Option<String>,
}

impl Server {
    /// Starts `linli serve` on a free port with the given extra arguments.
    pub fn start(data_dir: &Path, extra: &[&str]) -> Server {
        let child = Command::new(env!("CARGO_BIN_EXE_linli"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .env("LINLI_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the linli binary starts");
        // Owned by a Server at once, so its Drop reaps the process on every path.
        let mut server = Server {
            child,
            base: String::new(),
            owner_password: None,
        };
        let stdout = server.child.stdout.take().expect("stdout is piped");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(120))
                .expect("the server prints its address");
            if let Some(rest) = line.split("owner / ").nth(1) {
                server.owner_password = Some(rest.trim().to_string());
            }
            if let Some(rest) = line.split("serving on ").nth(1) {
                let base = rest
                    .split_whitespace()
                    .next()
                    .expect("an address")
                    .trim_end_matches('/')
                    .to_string();
                server.base = base;
                return server;
            }
        }
    }

    pub fn kill9(mut self) {
        // SIGKILL: no shutdown hooks, no flushing beyond what the database already did.
        let _ = Command::new("kill").args(["-9", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
