//! A throwaway PostgreSQL cluster: `initdb` into a temporary directory, then `pg_ctl start` on a
//! free loopback port, with durability switched off because the data is thrown away.
//!
//! Three facts of the machines we run on shape this module. The server binaries live in
//! `/usr/lib/postgresql/<version>/bin`, not on `PATH` (and what `PATH` finds may be something
//! else), so we look there or in `$LINLI_PG_BIN`. `initdb`, `pg_ctl` and `postgres` refuse to
//! run as root while our tests do run as root, so every server-side command goes through
//! `runuser -u postgres` then. And the cluster behind [`crate::shared_pg`] sits in a static,
//! which is never dropped, so each cluster has a watchdog: a small `sh` that blocks reading a
//! pipe whose only writer is this process, and stops the server and removes the data directory
//! when the pipe closes, which the kernel does however this process ends (even by `SIGKILL`).

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};

use anyhow::{Context, bail, ensure};

/// The panic message when no server binaries are found; it names the fix.
pub(crate) const MISSING_BINARIES: &str = "PostgreSQL server binaries not found (looked in \
    /usr/lib/postgresql/*/bin and $LINLI_PG_BIN). Install them with `scripts/setup-test-env.sh` \
    (apt-get install postgresql).";

/// Names a directory holding `initdb`, `pg_ctl` and `postgres`, instead of the newest
/// `/usr/lib/postgresql/<version>/bin`.
const BIN_DIR_ENV: &str = "LINLI_PG_BIN";
const DEBIAN_VERSIONS_DIR: &str = "/usr/lib/postgresql";
const SERVER_BINARIES: [&str; 3] = ["initdb", "pg_ctl", "postgres"];
/// The superuser `initdb` creates; it logs in without a password (`--auth=trust`).
const SUPERUSER: &str = "linli";
/// The system user that runs the server when the tests run as root (Debian's package makes it).
const SERVER_USER: &str = "postgres";
/// Another process may take the port between our probe and the server's bind; try a new one.
const START_ATTEMPTS_MAX: u32 = 5;
const START_TIMEOUT_S: u32 = 60;
/// How much of the server log an error carries.
const LOG_TAIL_BYTES_MAX: u64 = 4096;
/// PostgreSQL's limit on identifiers (NAMEDATALEN - 1).
const DATABASE_NAME_BYTES_MAX: usize = 63;

/// Stops the server and removes its data directory once its standard input reaches end of
/// file. Arguments: the data directory, then the command that runs `pg_ctl`.
const WATCHDOG_SCRIPT: &str = r#"
trap '' HUP INT
dir=$1
shift
read -r line || :
"$@" -D "$dir" -m immediate -w stop >/dev/null 2>&1
rm -rf -- "$dir"
"#;

/// A PostgreSQL server on `127.0.0.1:<port>` with a fresh data directory, where the superuser
/// `linli` needs no password. Dropping it stops the server and removes the directory.
#[derive(Debug)]
pub struct PgCluster {
    data_dir: PathBuf,
    /// Zero until the server has started.
    port: u16,
    bin_dir: PathBuf,
    /// `Some` when this process is root: server-side commands then run as this user.
    server_user: Option<String>,
    watchdog: Option<Watchdog>,
}

#[derive(Debug)]
struct Watchdog {
    child: Child,
    /// The write end of the watchdog's standard input; closing it starts the cleanup.
    stdin: Option<ChildStdin>,
}

impl PgCluster {
    /// Creates a data directory with `initdb` and starts a server on a free port.
    ///
    /// # Panics
    ///
    /// When the PostgreSQL server binaries are not installed: that is a broken test machine,
    /// never a reason to skip a test.
    pub fn start() -> anyhow::Result<PgCluster> {
        let bin_dir = match locate_bin_dir(std::env::var_os(BIN_DIR_ENV).as_deref(), Path::new(DEBIAN_VERSIONS_DIR)) {
            Ok(dir) => dir,
            Err(detail) => panic!("{MISSING_BINARIES}\n{detail}"),
        };
        let server_user = if effective_uid()? == 0 {
            Some(SERVER_USER.to_owned())
        } else {
            None
        };

        let temp_dir = tempfile::Builder::new()
            .prefix("linli-pg-")
            .tempdir()
            .context("could not create a temporary directory for PostgreSQL")?;
        fs::set_permissions(temp_dir.path(), fs::Permissions::from_mode(0o700))
            .context("could not make the PostgreSQL data directory private")?;
        if let Some(user) = &server_user {
            let (uid, gid) = user_ids(user)?;
            std::os::unix::fs::chown(temp_dir.path(), Some(uid), Some(gid))
                .with_context(|| format!("could not give {} to {user}", temp_dir.path().display()))?;
        }

        let mut cluster = PgCluster {
            data_dir: temp_dir.path().to_owned(),
            port: 0,
            bin_dir,
            server_user,
            watchdog: None,
        };
        // From here on the watchdog owns the directory: it removes it when `cluster` is dropped
        // (also on the error paths below) or when this process dies.
        cluster.watchdog = Some(cluster.spawn_watchdog()?);
        let _kept = temp_dir.keep();

        cluster.init()?;
        cluster.start_server()?;
        Ok(cluster)
    }

    /// The URL of database `db`, as sqlx and `psql` accept it.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates an empty database and returns its URL.
    ///
    /// `name` is lower-case ASCII letters, digits and `_`, starting with a letter or `_`, at
    /// most 63 bytes: the names PostgreSQL takes without quoting.
    pub fn create_database(&self, name: &str) -> anyhow::Result<String> {
        ensure!(
            is_plain_identifier(name),
            "database name {name:?} is not a plain identifier \
             ([a-z_][a-z0-9_]*, at most {DATABASE_NAME_BYTES_MAX} bytes)"
        );
        let mut psql = self.client_command("psql");
        psql.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(self.url("postgres"))
            .arg("-c")
            .arg(format!("CREATE DATABASE {name}"));
        let output = run(&mut psql)?;
        ensure!(
            output.status.success(),
            "CREATE DATABASE {name} failed: {}",
            describe(&output)
        );
        Ok(self.url(name))
    }

    /// The TCP port the server listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The data directory; the server log is `server.log` inside it.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    fn init(&self) -> anyhow::Result<()> {
        let first = self.initdb("--locale=C.UTF-8")?;
        if first.status.success() {
            return Ok(());
        }
        // A machine without the C.UTF-8 locale still has C, which is all the tests need.
        clear_dir(&self.data_dir)?;
        let second = self.initdb("--no-locale")?;
        if second.status.success() {
            return Ok(());
        }
        bail!(
            "initdb failed with --locale=C.UTF-8: {}\nand with --no-locale: {}",
            describe(&first),
            describe(&second)
        )
    }

    fn initdb(&self, locale: &str) -> anyhow::Result<Output> {
        let mut initdb = self.server_command("initdb");
        initdb
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync"])
            .arg(locale);
        run(&mut initdb)
    }

    fn start_server(&mut self) -> anyhow::Result<()> {
        let dir = self
            .data_dir
            .to_str()
            .with_context(|| format!("{} is not valid UTF-8", self.data_dir.display()))?;
        // pg_ctl hands the options to a shell, so the directory goes in single quotes.
        ensure!(!dir.contains('\''), "{dir} contains a single quote");
        let log = self.data_dir.join("server.log");
        let mut failures = String::new();
        for attempt in 1..=START_ATTEMPTS_MAX {
            let port = free_port()?;
            let options = format!(
                "-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories='{dir}' \
                 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
                 -c max_connections=200"
            );
            let log_start = fs::metadata(&log).map_or(0, |m| m.len());
            let mut pg_ctl = self.server_command("pg_ctl");
            pg_ctl.arg("-D").arg(&self.data_dir).arg("-l").arg(&log).args([
                "-w",
                "-t",
                &START_TIMEOUT_S.to_string(),
                "-o",
                &options,
                "start",
            ]);
            let output = run(&mut pg_ctl)?;
            if output.status.success() {
                self.port = port;
                return Ok(());
            }
            let log_tail = read_tail(&log, log_start);
            let _ = writeln!(
                failures,
                "attempt {attempt} on port {port}: {}\nserver log:\n{log_tail}",
                describe(&output)
            );
            // A server that came up too slowly must not linger while we try another port.
            self.stop_server();
            let port_taken = log_tail.contains("could not bind")
                || log_tail.contains("already in use")
                || TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_err();
            if !port_taken {
                break;
            }
        }
        bail!("pg_ctl could not start the server:\n{failures}")
    }

    fn stop_server(&self) {
        let mut pg_ctl = self.server_command("pg_ctl");
        pg_ctl
            .arg("-D")
            .arg(&self.data_dir)
            .args(["-m", "immediate", "-w", "stop"]);
        let _ = run(&mut pg_ctl);
    }

    fn spawn_watchdog(&self) -> anyhow::Result<Watchdog> {
        // Only its program and arguments are used: the watchdog runs it from `sh`.
        let pg_ctl = self.server_command("pg_ctl");
        let mut sh = Command::new("sh");
        sh.arg("-c")
            .arg(WATCHDOG_SCRIPT)
            .arg("linli-pg-watchdog")
            .arg(&self.data_dir)
            .arg(pg_ctl.get_program())
            .args(pg_ctl.get_args())
            .current_dir("/")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group: a Ctrl-C, or a test runner killing the test's group,
            // must not take the watchdog down before it has cleaned up.
            .process_group(0);
        scrub_env(&mut sh);
        let mut child = sh.spawn().context("could not start the PostgreSQL watchdog (sh)")?;
        let stdin = child.stdin.take();
        Ok(Watchdog { child, stdin })
    }

    /// A command that runs a server-side program as the server's user.
    fn server_command(&self, program: &str) -> Command {
        let exe = self.bin_dir.join(program);
        let mut command = match &self.server_user {
            Some(user) => {
                let mut runuser = Command::new("runuser");
                runuser.args(["-u", user, "--"]).arg(exe);
                runuser
            }
            None => Command::new(exe),
        };
        // The server user may not be allowed into the test's working directory.
        command.current_dir("/");
        // Server messages in English, so that the bind-failure check above can read them.
        command.env("LC_ALL", "C");
        scrub_env(&mut command);
        command
    }

    /// A command that runs a client program (`psql`) as this process's user.
    fn client_command(&self, program: &str) -> Command {
        let exe = self.bin_dir.join(program);
        let mut command = if exe.is_file() {
            Command::new(exe)
        } else {
            Command::new(program)
        };
        scrub_env(&mut command);
        command
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if let Some(mut watchdog) = self.watchdog.take() {
            // End of file on its standard input: the watchdog stops the server and removes the
            // directory, exactly as it would if this process had died.
            drop(watchdog.stdin.take());
            let _ = watchdog.child.wait();
        }
    }
}

/// The directory with the server binaries: `override_dir` when given, else the highest
/// version under `versions_dir`. The error says what was looked at.
fn locate_bin_dir(override_dir: Option<&OsStr>, versions_dir: &Path) -> Result<PathBuf, String> {
    if let Some(dir) = override_dir {
        let dir = PathBuf::from(dir);
        return if has_server_binaries(&dir) {
            Ok(dir)
        } else {
            Err(format!(
                "${BIN_DIR_ENV} is {} but that directory lacks one of {SERVER_BINARIES:?}",
                dir.display()
            ))
        };
    }
    let entries = fs::read_dir(versions_dir).map_err(|e| format!("could not read {}: {e}", versions_dir.display()))?;
    entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = parse_version(entry.file_name().to_str()?)?;
            let bin = entry.path().join("bin");
            has_server_binaries(&bin).then_some((version, bin))
        })
        .max()
        .map(|(_, bin)| bin)
        .ok_or_else(|| {
            format!(
                "no {}/<version>/bin holds all of {SERVER_BINARIES:?}",
                versions_dir.display()
            )
        })
}

fn has_server_binaries(dir: &Path) -> bool {
    SERVER_BINARIES.iter().all(|name| dir.join(name).is_file())
}

/// `"15"` → `[15]`, `"9.6"` → `[9, 6]`; anything else is not a version directory.
fn parse_version(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
}

fn is_plain_identifier(name: &str) -> bool {
    let mut bytes = name.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_lowercase() || b == b'_');
    first_ok
        && name.len() <= DATABASE_NAME_BYTES_MAX
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A port nobody listens on right now; the server may still lose a race for it.
fn free_port() -> anyhow::Result<u16> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("could not bind 127.0.0.1:0 to find a free port")?;
    Ok(listener.local_addr()?.port())
}

/// The effective user id, from `/proc` (std has no `geteuid`, and we allow no `unsafe`).
fn effective_uid() -> anyhow::Result<u32> {
    let status = fs::read_to_string("/proc/self/status").context("could not read /proc/self/status")?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .and_then(|euid| euid.parse().ok())
        .context("/proc/self/status has no effective Uid")
}

/// The uid and gid of a system user, by `getent passwd` (so NSS sources count too).
fn user_ids(user: &str) -> anyhow::Result<(u32, u32)> {
    let output = run(Command::new("getent").args(["passwd", user]))?;
    if !output.status.success() {
        panic!(
            "{MISSING_BINARIES}\nThe system user {user:?}, which runs the server when the tests \
             run as root, does not exist."
        );
    }
    let line = String::from_utf8_lossy(&output.stdout);
    let mut fields = line.trim_end().split(':').skip(2);
    let uid = fields.next().and_then(|f| f.parse().ok());
    let gid = fields.next().and_then(|f| f.parse().ok());
    uid.zip(gid)
        .with_context(|| format!("getent passwd {user} printed {line:?}"))
}

/// Removes what is inside `dir`, keeping `dir` itself (with its owner and mode).
fn clear_dir(dir: &Path) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("could not read {}", dir.display()))? {
        let path = entry?.path();
        let removed = if path.is_dir() {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
        removed.with_context(|| format!("could not remove {}", path.display()))?;
    }
    Ok(())
}

/// The end of the server log from byte `start` on, or why it could not be read.
fn read_tail(log: &Path, start: u64) -> String {
    let read = || -> std::io::Result<String> {
        let mut file = fs::File::open(log)?;
        let len = file.metadata()?.len();
        file.seek(SeekFrom::Start(start.max(len.saturating_sub(LOG_TAIL_BYTES_MAX))))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    };
    read().unwrap_or_else(|e| format!("(could not read {}: {e})", log.display()))
}

/// Keeps the caller's `PG*` variables (PGHOST, PGOPTIONS, PGDATA...) away from our commands,
/// which name everything they need on their command line.
fn scrub_env(command: &mut Command) {
    for (key, _) in std::env::vars_os() {
        if key.to_str().is_some_and(|k| k.starts_with("PG")) {
            command.env_remove(key);
        }
    }
}

fn run(command: &mut Command) -> anyhow::Result<Output> {
    command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("could not run {}", command_line(command)))
}

fn command_line(command: &Command) -> String {
    let mut line = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    line
}

fn describe(output: &Output) -> String {
    format!(
        "{}\nstderr:\n{}\nstdout:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr).trim_end(),
        String::from_utf8_lossy(&output.stdout).trim_end()
    )
}

#[cfg(test)]
mod tests {
    use std::io::BufRead;
    use std::net::TcpStream;
    use std::time::{Duration, Instant};

    use super::*;
    use crate::{fresh_pg_url, shared_pg};

    /// Set in a copy of this test binary that a test starts, to play a part in that test.
    const CHILD_ENV: &str = "LINLI_TESTKIT_CHILD";
    const CLEANUP_WAIT_MAX: Duration = Duration::from_secs(30);

    fn select_1(url: &str) -> String {
        let output = Command::new(shared_pg().bin_dir.join("psql"))
            .args(["-X", "-A", "-t", "-d", url, "-c", "select 1"])
            .output()
            .expect("psql runs");
        assert!(output.status.success(), "psql {url}: {}", describe(&output));
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }

    fn accepts_tcp(port: u16) -> bool {
        TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok()
    }

    /// Runs test `name` of this binary again, in a child process with `CHILD_ENV` set.
    fn spawn_self(name: &str, envs: &[(&str, &OsStr)]) -> Command {
        let exe = std::env::current_exe().expect("the test binary knows its path");
        let mut command = Command::new(exe);
        command
            .args([name, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, "1")
            .envs(envs.iter().copied());
        command
    }

    fn is_child() -> bool {
        std::env::var_os(CHILD_ENV).is_some()
    }

    #[test]
    fn a_fresh_database_answers_a_query() {
        let url = fresh_pg_url();
        assert_eq!(select_1(&url), "1");
    }

    #[test]
    fn two_fresh_databases_are_different_databases() {
        let a = fresh_pg_url();
        let b = fresh_pg_url();
        assert_ne!(a, b);
        assert_eq!(select_1(&a), "1");
        assert_eq!(select_1(&b), "1");
    }

    #[test]
    fn the_shared_cluster_accepts_tcp_on_its_port() {
        let cluster = shared_pg();
        assert_ne!(cluster.port(), 0);
        assert!(accepts_tcp(cluster.port()));
        assert_eq!(
            cluster.url("x"),
            format!("postgres://linli@127.0.0.1:{}/x", cluster.port())
        );
    }

    #[test]
    fn the_data_directory_is_private_to_the_server_user() {
        let cluster = shared_pg();
        let meta = fs::metadata(cluster.data_dir()).expect("the data directory exists");
        assert_eq!(meta.permissions().mode() & 0o777, 0o700);
        if effective_uid().expect("uid") == 0 {
            let (uid, _) = user_ids(SERVER_USER).expect("postgres user");
            assert_eq!(std::os::unix::fs::MetadataExt::uid(&meta), uid);
        }
    }

    #[test]
    fn create_database_refuses_names_that_need_quoting() {
        let cluster = shared_pg();
        for name in ["", "Shop", "1shop", "shop; drop", "a-b", &"a".repeat(64)] {
            assert!(cluster.create_database(name).is_err(), "{name:?}");
        }
    }

    #[test]
    fn creating_the_same_database_twice_fails() {
        let cluster = shared_pg();
        let name = format!("linli_twice_{}", std::process::id());
        cluster.create_database(&name).expect("first time");
        let e = cluster.create_database(&name).expect_err("second time");
        assert!(format!("{e:#}").contains("already exists"), "{e:#}");
    }

    #[test]
    fn dropping_a_cluster_stops_its_server_and_removes_its_directory() {
        let cluster = PgCluster::start().expect("cluster starts");
        let (port, dir) = (cluster.port(), cluster.data_dir().to_owned());
        assert!(accepts_tcp(port));
        assert!(dir.join("server.log").is_file());
        drop(cluster);
        assert!(!dir.exists(), "{} is left behind", dir.display());
        assert!(!accepts_tcp(port), "the server on {port} still runs");
    }

    #[test]
    fn the_watchdog_cleans_up_after_a_killed_test_process() {
        const NAME: &str = "pg::tests::the_watchdog_cleans_up_after_a_killed_test_process";
        const MARKER: &str = "LINLI_TESTKIT_CLUSTER";
        if is_child() {
            let cluster = shared_pg();
            println!("{MARKER} {} {}", cluster.port(), cluster.data_dir().display());
            // Wait to be killed; should the parent die first, its end of our stdin closes.
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
            panic!("the parent test went away without killing this process");
        }
        let mut child = spawn_self(NAME, &[])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the test binary starts");
        let stdout = std::io::BufReader::new(child.stdout.take().expect("piped"));
        // libtest prints `test <name> ... ` without a newline before the test runs, so the
        // marker lands in the middle of a line.
        let line = stdout
            .lines()
            .map_while(Result::ok)
            .find_map(|line| Some(line.split_once(MARKER)?.1.to_owned()))
            .expect("the child reports its cluster");
        let mut fields = line.split_whitespace();
        let port: u16 = fields.next().and_then(|p| p.parse().ok()).expect("port");
        let dir = PathBuf::from(fields.next().expect("data directory"));
        assert!(accepts_tcp(port));
        assert!(dir.is_dir());

        child.kill().expect("SIGKILL the child");
        child.wait().expect("reap the child");

        let deadline = Instant::now() + CLEANUP_WAIT_MAX;
        while (accepts_tcp(port) || dir.exists()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(!accepts_tcp(port), "the orphaned server on {port} still runs");
        assert!(!dir.exists(), "{} is left behind", dir.display());
    }

    #[test]
    fn missing_server_binaries_panic_with_the_install_command() {
        const NAME: &str = "pg::tests::missing_server_binaries_panic_with_the_install_command";
        if is_child() {
            let _ = fresh_pg_url();
            return;
        }
        let empty = tempfile::tempdir().expect("temp dir");
        let output = spawn_self(NAME, &[(BIN_DIR_ENV, empty.path().as_os_str())])
            .output()
            .expect("the test binary runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!output.status.success(), "the child passed:\n{text}");
        assert!(text.contains(MISSING_BINARIES), "{text}");
    }

    #[test]
    fn the_highest_installed_version_is_chosen() {
        let root = tempfile::tempdir().expect("temp dir");
        for version in ["9.6", "13", "15", "not-a-version"] {
            let bin = root.path().join(version).join("bin");
            fs::create_dir_all(&bin).expect("mkdir");
            for name in SERVER_BINARIES {
                fs::write(bin.join(name), b"").expect("touch");
            }
        }
        // Newer, but without a server: only the client package is installed.
        fs::create_dir_all(root.path().join("16/bin")).expect("mkdir");
        assert_eq!(locate_bin_dir(None, root.path()), Ok(root.path().join("15/bin")));
        let chosen = root.path().join("13/bin");
        assert_eq!(locate_bin_dir(Some(chosen.as_os_str()), root.path()), Ok(chosen));
        let client_only = root.path().join("16/bin");
        assert!(locate_bin_dir(Some(client_only.as_os_str()), root.path()).is_err());
        assert!(locate_bin_dir(None, &root.path().join("absent")).is_err());
    }
}
