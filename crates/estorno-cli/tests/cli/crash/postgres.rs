//! A throwaway PostgreSQL server for the shared-run tests: a cluster of its own in a
//! temporary directory, on a free loopback port, with a password (so the tests go through
//! `PGPASSWORD` as an operator would), stopped when the test ends.
//!
//! `ESTORNO_TEST_POSTGRES` (a URL, with the password in `PGPASSWORD`) uses a server that is
//! already running instead. Without either, the tests say so and skip; with
//! `ESTORNO_REQUIRE_POSTGRES=1` (as `.ci/run` sets), they fail instead.

use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The password of the test clusters' user.
const PASSWORD: &str = "estorno-test-secret";

pub struct Server {
    /// `postgres://estorno@127.0.0.1:PORT/estorno`, with no password.
    pub url: String,
    pub password: String,
    stop: Option<(PathBuf, PathBuf, Option<String>)>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some((pg_ctl, data, user)) = &self.stop {
            let _ = as_user(user.as_deref(), pg_ctl)
                .args(["stop", "-m", "immediate", "-D"])
                .arg(data)
                .output();
        }
    }
}

/// The directory of PostgreSQL's server programs: on the `PATH`, or Debian's.
fn binaries() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>());
    let debian = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"));
    on_path
        .chain(debian)
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

/// `program`, run as `user` when the tests run as root (PostgreSQL refuses to run as root).
fn as_user(user: Option<&str>, program: &Path) -> Command {
    match user {
        Some(user) => {
            let mut command = Command::new("runuser");
            command.args(["-u", user, "--"]).arg(program);
            command
        }
        None => Command::new(program),
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn unavailable(why: &str) -> Option<Server> {
    if std::env::var_os("ESTORNO_REQUIRE_POSTGRES").is_some_and(|value| value == "1") {
        panic!("ESTORNO_REQUIRE_POSTGRES=1, and no PostgreSQL server could be started: {why}");
    }
    eprintln!(
        "SKIPPED: no PostgreSQL server for the shared-run tests ({why}); install Debian's `postgresql` or set ESTORNO_TEST_POSTGRES"
    );
    None
}

/// A server for one test, or `None` (with a message) where none can be had.
pub fn server() -> Option<Server> {
    if let Ok(url) = std::env::var("ESTORNO_TEST_POSTGRES") {
        return Some(Server {
            url,
            password: std::env::var("PGPASSWORD").unwrap_or_default(),
            stop: None,
            _dir: None,
        });
    }
    let Some(bin) = binaries() else {
        return unavailable("initdb and pg_ctl are not installed");
    };
    let root = unsafe { libc::geteuid() } == 0;
    let user = root.then(|| String::from("postgres"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let data = dir.path().join("data");
    let password_file = dir.path().join("password");
    std::fs::write(&password_file, PASSWORD).unwrap();
    std::fs::set_permissions(&password_file, std::fs::Permissions::from_mode(0o644)).unwrap();
    if let Some(user) = &user {
        // The server writes its data, log and socket here.
        let chown = Command::new("chown")
            .args(["-R", user.as_str()])
            .arg(dir.path())
            .output()
            .unwrap();
        if !chown.status.success() {
            return unavailable(&format!(
                "cannot give the server's directory to `{user}`: {}",
                String::from_utf8_lossy(&chown.stderr)
            ));
        }
    }
    let init = as_user(user.as_deref(), &bin.join("initdb"))
        .args([
            "--no-sync",
            "-U",
            "estorno",
            "-A",
            "scram-sha-256",
            "-E",
            "UTF8",
            "--pwfile",
        ])
        .arg(&password_file)
        .arg("-D")
        .arg(&data)
        .output()
        .unwrap();
    if !init.status.success() {
        return unavailable(&format!(
            "initdb failed: {}",
            String::from_utf8_lossy(&init.stderr)
        ));
    }
    let port = free_port();
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=60",
        dir.path().display()
    );
    let start = as_user(user.as_deref(), &bin.join("pg_ctl"))
        .args(["start", "-w", "-t", "60", "-l"])
        .arg(dir.path().join("log"))
        .args(["-o", &options, "-D"])
        .arg(&data)
        .output()
        .unwrap();
    if !start.status.success() {
        let log = std::fs::read_to_string(dir.path().join("log")).unwrap_or_default();
        return unavailable(&format!("pg_ctl start failed: {log}"));
    }
    let server = Server {
        url: format!("postgres://estorno@127.0.0.1:{port}/postgres"),
        password: PASSWORD.to_owned(),
        stop: Some((bin.join("pg_ctl"), data, user)),
        _dir: Some(dir),
    };
    Some(server)
}
