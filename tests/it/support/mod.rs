//! Test support: a `World` with a temp HOME, the local Access edge (zssh-test-edge), a real
//! OpenSSH sshd behind it, a client key and known_hosts, and helpers to run `zssh` and `ssh`
//! with a scrubbed environment. Everything binds 127.0.0.1:0; readiness is read from the
//! processes themselves (sshd's "Server listening" line), never waited for with sleeps.

#![allow(dead_code)]

pub mod fake_api;
pub mod sshlog_writer;
pub mod warp_cli;

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

pub use zssh_test_edge::{AppConfig, Discovery, Edge, EdgeConfig, Kind, Origin};

pub const SSH_HOST: &str = "ssh.test.example";

pub fn zssh_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_zssh"))
}

/// Run a command and fail the test with its output if it could not start.
pub fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A port that was free a moment ago (for sshd, which cannot be told to pick one itself).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0")
}

pub fn ssh_keygen(args: &[&str]) {
    let out = run(Command::new("ssh-keygen").args(args));
    assert!(
        out.status.success(),
        "ssh-keygen {args:?}: {}",
        text(&out.stderr)
    );
}

/// A real OpenSSH server on loopback, logging to a buffer the test can read.
pub struct Sshd {
    pub addr: SocketAddr,
    pub host_pub: String,
    child: Child,
    pub log: Arc<Mutex<Vec<String>>>,
}

/// Where sshd listens and how it is started: the address, and a command prefix (such as
/// `ip netns exec NAME` for a network namespace the test made).
pub struct Listen {
    pub addr: std::net::IpAddr,
    pub prefix: Vec<String>,
}

impl Listen {
    fn loopback() -> Listen {
        Listen {
            addr: std::net::Ipv4Addr::LOCALHOST.into(),
            prefix: Vec::new(),
        }
    }
}

impl Sshd {
    pub fn start(dir: &Path, user_ca: Option<&Path>, authorized_keys: &Path) -> Sshd {
        Self::start_on_ports(dir, user_ca, authorized_keys, "", free_port)
    }

    /// `start` with more `sshd_config` lines (they come first, so they win over the defaults).
    pub fn start_with(dir: &Path, authorized_keys: &Path, extra: &str) -> Sshd {
        Self::start_on_ports(dir, None, authorized_keys, extra, free_port)
    }

    /// sshd on `port` at `listen` (in a namespace of the test's own, where no other process
    /// can hold the port). Its host key is `dir/host_ed25519`, made if missing.
    pub fn start_at(dir: &Path, authorized_keys: &Path, listen: &Listen, port: u16) -> Sshd {
        Self::launch(dir, None, authorized_keys, "", || port, listen)
    }

    /// `start` with the ports to try coming from `next_port`.
    fn start_on_ports(
        dir: &Path,
        user_ca: Option<&Path>,
        authorized_keys: &Path,
        extra: &str,
        next_port: impl FnMut() -> u16,
    ) -> Sshd {
        Self::launch(
            dir,
            user_ca,
            authorized_keys,
            extra,
            next_port,
            &Listen::loopback(),
        )
    }

    fn launch(
        dir: &Path,
        user_ca: Option<&Path>,
        authorized_keys: &Path,
        extra: &str,
        mut next_port: impl FnMut() -> u16,
        listen: &Listen,
    ) -> Sshd {
        std::fs::create_dir_all(dir).unwrap();
        let hk = dir.join("host_ed25519");
        if !hk.exists() {
            ssh_keygen(&["-q", "-t", "ed25519", "-N", "", "-f", hk.to_str().unwrap()]);
        }
        let sshd = which("sshd").expect("sshd is installed (.ci/run installs openssh-server)");
        let conf_path = dir.join("sshd_config");
        // sshd cannot be told to pick a port itself, so another process can take the one
        // free_port() found before sshd binds it: then sshd says so and exits, and we try again
        // with another port.
        let mut attempts = 0;
        loop {
            attempts += 1;
            let port = next_port();
            let mut conf = format!(
                "{extra}Port {port}\nListenAddress {listen}\nHostKey {hk}\nPidFile {pid}\nAuthorizedKeysFile {ak}\n\
                 PubkeyAuthentication yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 UsePAM no\nStrictModes no\nLogLevel VERBOSE\nSubsystem sftp internal-sftp\nPermitRootLogin prohibit-password\nMaxStartups 200\nMaxSessions 200\n",
                hk = hk.display(),
                pid = dir.join("sshd.pid").display(),
                ak = authorized_keys.display(),
                listen = listen.addr,
            );
            if let Some(ca) = user_ca {
                conf.push_str(&format!("TrustedUserCAKeys {}\n", ca.display()));
            }
            std::fs::write(&conf_path, conf).unwrap();
            let mut cmd = match listen.prefix.split_first() {
                Some((first, rest)) => {
                    let mut c = Command::new(first);
                    c.args(rest).arg(&sshd);
                    c
                }
                None => Command::new(&sshd),
            };
            let mut child = cmd
                .args(["-D", "-e", "-f"])
                .arg(&conf_path)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start sshd");
            let log = Arc::new(Mutex::new(Vec::new()));
            let (ready_tx, ready_rx) = mpsc::channel();
            let stderr = child.stderr.take().unwrap();
            let sink = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if line.contains("Server listening on") {
                        let _ = ready_tx.send(true);
                    }
                    sink.lock().unwrap().push(line);
                }
                let _ = ready_tx.send(false);
            });
            let ready = ready_rx
                .recv_timeout(Duration::from_secs(20))
                .unwrap_or(false);
            if !ready {
                let _ = child.kill();
                let _ = child.wait();
                let port_taken = log.lock().unwrap().iter().any(|l| {
                    l.contains("Address already in use") || l.contains("Cannot bind any address")
                });
                if port_taken && attempts < 5 {
                    continue;
                }
                panic!(
                    "sshd did not start (attempt {attempts}): {:?}",
                    log.lock().unwrap()
                );
            }
            let host_pub = std::fs::read_to_string(dir.join("host_ed25519.pub")).unwrap();
            return Sshd {
                addr: SocketAddr::new(listen.addr, port),
                host_pub: host_pub.trim().to_string(),
                child,
                log,
            };
        }
    }

    pub fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A real ssh-agent on a socket in `dir`, ready when returned (`ssh-agent -D` prints its
/// SSH_AUTH_SOCK line once it listens); stopped on drop.
pub struct SshAgent {
    pub sock: PathBuf,
    child: Child,
}

impl SshAgent {
    pub fn start(dir: &Path) -> SshAgent {
        let sock = dir.join("agent.sock");
        let mut child = Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&sock)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ssh-agent");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.contains("SSH_AUTH_SOCK"), "{line}");
        SshAgent { sock, child }
    }
}

impl Drop for SshAgent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One test's world: temp HOME, edge, sshd, client key.
pub struct World {
    pub tmp: tempfile::TempDir,
    pub home: PathBuf,
    pub edge: Edge,
    pub sshd: Sshd,
    pub key: PathBuf,
    pub known_hosts: PathBuf,
}

impl World {
    /// The default world: app `ssh.test.example` in front of sshd.
    pub fn new() -> World {
        Self::build(|cfg, sshd| cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd))))
    }

    /// A world whose edge is configured by `f` (given the sshd address).
    pub fn build(f: impl FnOnce(EdgeConfig, SocketAddr) -> EdgeConfig) -> World {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let key = tmp.path().join("id_ed25519");
        ssh_keygen(&["-q", "-t", "ed25519", "-N", "", "-f", key.to_str().unwrap()]);
        let ak = tmp.path().join("authorized_keys");
        std::fs::copy(key.with_extension("pub"), &ak).unwrap();
        let edge_dir = tmp.path().join("edge");
        std::fs::create_dir_all(&edge_dir).unwrap();
        // The edge writes its SSH CA before sshd needs it, so start the edge first; sshd's
        // address is only known after, so the edge config takes a closure over a started sshd.
        let sshd_dir = tmp.path().join("sshd");
        let ca_path = edge_dir.join("ssh_user_ca.pub");
        // sshd reads TrustedUserCAKeys at each login, so it can start before the file exists.
        let sshd = Sshd::start(&sshd_dir, Some(&ca_path), &ak);
        let edge =
            Edge::start(f(EdgeConfig::new(&edge_dir), sshd.addr)).expect("start the test edge");
        let known_hosts = tmp.path().join("known_hosts");
        std::fs::write(&known_hosts, "").unwrap();
        World {
            tmp,
            home,
            edge,
            sshd,
            key,
            known_hosts,
        }
    }

    /// Pin sshd's host key under `name` in known_hosts.
    pub fn trust_host(&self, name: &str) {
        let mut kh = std::fs::read_to_string(&self.known_hosts).unwrap();
        kh.push_str(&format!("{name} {}\n", self.sshd.host_pub));
        std::fs::write(&self.known_hosts, kh).unwrap();
    }

    /// `HOST:443:127.0.0.1:EDGEPORT` for every name the edge serves.
    pub fn connect_to(&self) -> String {
        self.edge
            .hosts()
            .iter()
            .filter(|h| h.parse::<std::net::IpAddr>().is_err() && *h != "localhost")
            .map(|h| format!("{h}:443:127.0.0.1:{}", self.edge.addr.port()))
            .collect::<Vec<_>>()
            .join(",")
    }

    fn scrub(&self, cmd: &mut Command) {
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &self.home)
            .env("SSL_CERT_FILE", &self.edge.ca_pem)
            .env("ZSSH_CONNECT_TO", self.connect_to())
            // Tests are not people: a login that needs a browser fails fast unless a test
            // provides one (see `browser`).
            .env("ZSSH_NONINTERACTIVE", "1")
            .env("ZSSH_TOKEN_STORE", "file")
            .env("XDG_STATE_HOME", self.tmp.path().join("state"));
    }

    /// A stand-in for a person with a browser: a `BROWSER` script that records each launch in
    /// `launches` and fetches the login URL (which completes the login at the edge), unless
    /// `complete` is false. Returns (env to add, launches file).
    pub fn browser(&self, complete: bool) -> (Vec<(String, String)>, PathBuf) {
        let dir = self
            .tmp
            .path()
            .join(if complete { "browser" } else { "browser-idle" });
        std::fs::create_dir_all(&dir).unwrap();
        let launches = dir.join("launches");
        let script = dir.join("open.sh");
        let fetch = if complete {
            // curl's --connect-to has the same HOST:PORT:HOST2:PORT2 form as ZSSH_CONNECT_TO.
            format!(
                "args=\"\"; for m in $(echo \"$ZSSH_CONNECT_TO\" | tr ',' ' '); do args=\"$args --connect-to $m\"; done\n\
                 curl -fsS --max-time 20 --cacert {ca} $args \"$1\" >/dev/null 2>>{dir}/curl.err\n",
                ca = self.edge.ca_pem.display(),
                dir = dir.display()
            )
        } else {
            String::new()
        };
        std::fs::write(
            &script,
            format!("#!/bin/sh\necho \"$1\" >> {}\n{fetch}", launches.display()),
        )
        .unwrap();
        set_mode(&script, 0o755);
        let env = vec![
            ("BROWSER".to_string(), format!("{} %s", script.display())),
            ("ZSSH_NONINTERACTIVE".to_string(), "0".to_string()),
        ];
        (env, launches)
    }

    /// `program` (ssh, scp, …) with the world's environment.
    pub fn tool(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        self.scrub(&mut cmd);
        cmd
    }

    /// `zssh ARGS` with the world's environment.
    pub fn zssh(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(zssh_bin());
        self.scrub(&mut cmd);
        cmd.args(args);
        cmd
    }

    /// `ssh` through `zssh proxy EXTRA` to `host`, running `remote`.
    pub fn ssh(&self, host: &str, proxy_extra: &str, remote: &str) -> Command {
        self.trust_host(host);
        let mut cmd = Command::new("ssh");
        self.scrub(&mut cmd);
        cmd.args(self.ssh_opts(&format!(
            "{} proxy --hostname %h {proxy_extra}",
            zssh_bin().display()
        )))
        .arg(format!("{}@{host}", whoami()))
        .arg(remote);
        cmd
    }

    /// The ssh options every test uses: only our key, only our known_hosts, strict checking.
    pub fn ssh_opts(&self, proxy_command: &str) -> Vec<String> {
        [
            "-F",
            "none",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "LogLevel=ERROR",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([
            "-o".into(),
            format!("UserKnownHostsFile={}", self.known_hosts.display()),
            "-i".into(),
            self.key.display().to_string(),
            "-o".into(),
            format!("ProxyCommand={proxy_command}"),
        ])
        .collect()
    }

    pub fn cloudflared_dir(&self) -> PathBuf {
        self.home.join(".cloudflared")
    }

    /// Forget the application identities zssh remembered (so the next connection runs
    /// discovery again, as the first one did).
    pub fn forget_verified_apps(&self) {
        let dir = self.tmp.path().join("state/zssh/apps");
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => panic!("{}: {e}", dir.display()),
        }
    }

    /// Write a cached app token where cloudflared (and zssh) keep it; returns the file.
    pub fn seed_token(&self, host: &str, ttl_secs: i64) -> PathBuf {
        let dir = self.cloudflared_dir();
        std::fs::create_dir_all(&dir).unwrap();
        set_mode(&dir, 0o700);
        let file = dir.join(format!("{host}-{}-token", self.edge.aud(host)));
        std::fs::write(&file, self.edge.mint_app_token(host, ttl_secs)).unwrap();
        set_mode(&file, 0o600);
        file
    }
}

/// Lines in a file (0 if it does not exist).
pub fn line_count(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

/// A TCP origin that sends a banner, then echoes what it gets; runs until the test ends.
pub fn echo_origin() -> SocketAddr {
    use std::io::{Read, Write};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut c) = conn else { break };
            std::thread::spawn(move || {
                let _ = c.write_all(b"ECHO-ORIGIN\n");
                let mut buf = [0u8; 16384];
                while let Ok(n) = c.read(&mut buf) {
                    if n == 0 || c.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Fails the test at once, with one line saying so, unless it runs as root (CI runs the suite as
/// root). `why` names what needs root, e.g. "it creates network namespaces". A test never skips
/// itself: without root it fails with this line instead of `unshare: Operation not permitted`.
#[track_caller]
pub fn needs_root(why: &str) {
    if effective_uid() != 0 {
        panic!("this test needs root ({why}): run the suite as root, as CI does");
    }
}

/// The effective user id, from /proc/self/status (`Uid: real effective saved fs`).
pub fn effective_uid() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .and_then(|euid| euid.parse().ok())
        .unwrap_or_else(|| panic!("no effective uid in /proc/self/status:\n{status}"))
}

pub fn whoami() -> String {
    let out = run(Command::new("id").arg("-un"));
    text(&out.stdout).trim().to_string()
}

/// Assert a process succeeded, showing its output if not.
pub fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// `cmd` with extra environment variables.
pub fn with_env(mut cmd: Command, env: &[(String, String)]) -> Command {
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Assert a process failed with exit `code`, one `zssh: error:` line containing `want`, and a hint.
pub fn assert_zssh_error(out: &Output, code: i32, want: &str) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "exit code; stderr:\n{err}");
    let errors: Vec<_> = err
        .lines()
        .filter(|l| l.starts_with("zssh: error: "))
        .collect();
    assert_eq!(errors.len(), 1, "exactly one error line:\n{err}");
    assert!(
        errors[0].contains(want),
        "error line should contain {want:?}:\n{err}"
    );
    assert!(
        err.lines()
            .any(|l| l.starts_with("zssh: hint: ") && l.len() > 14),
        "a hint line:\n{err}"
    );
}

/// A minimal HTTP CONNECT proxy on loopback that counts the tunnels it made. Dropping one that
/// made none fails the test (traffic that bypassed it proves nothing), unless `allow_unused`.
pub struct ConnectProxy {
    pub addr: SocketAddr,
    count: Arc<Mutex<usize>>,
    allow_unused: bool,
}

impl ConnectProxy {
    pub fn start() -> ConnectProxy {
        Self::start_with(None, b"HTTP/1.1 200 Connection established\r\n\r\n")
    }

    /// A proxy that wants `Proxy-Authorization: Basic base64(auth)` (else 407), and answers a
    /// CONNECT it accepts with `answer` before relaying.
    pub fn start_with(auth: Option<&str>, answer: &'static [u8]) -> ConnectProxy {
        use base64::Engine;
        use std::io::{Read, Write};
        let want = auth.map(|a| {
            format!(
                "proxy-authorization: basic {}\r\n",
                base64::engine::general_purpose::STANDARD.encode(a)
            )
        });
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let count = Arc::new(Mutex::new(0));
        let seen = count.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(mut client) = conn else { break };
                let seen = seen.clone();
                let want = want.clone();
                std::thread::spawn(move || {
                    let mut head = Vec::new();
                    let mut b = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        if client.read(&mut b).unwrap_or(0) == 0 {
                            return;
                        }
                        head.push(b[0]);
                    }
                    let line = String::from_utf8_lossy(&head).into_owned();
                    // Header names are case-insensitive; the credentials (base64) are not.
                    let authorized = want.as_ref().is_none_or(|w| {
                        line.lines().any(|l| {
                            let l = format!("{l}\r\n");
                            l.len() == w.len()
                                && l[..21].eq_ignore_ascii_case(&w[..21])
                                && l[21..27].eq_ignore_ascii_case(&w[21..27])
                                && l[27..] == w[27..]
                        })
                    });
                    if !authorized {
                        let _ = client.write_all(
                            b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"t\"\r\n\r\n",
                        );
                        return;
                    }
                    let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
                    let Ok(mut upstream) = std::net::TcpStream::connect(&target) else {
                        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                        return;
                    };
                    *seen.lock().unwrap() += 1;
                    client.write_all(answer).unwrap();
                    if !answer.starts_with(b"HTTP/1.1 200") {
                        return;
                    }
                    let (mut c2, mut u2) =
                        (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                    let t = std::thread::spawn(move || {
                        let _ = std::io::copy(&mut c2, &mut u2);
                        let _ = u2.shutdown(std::net::Shutdown::Write);
                    });
                    let _ = std::io::copy(&mut upstream, &mut client);
                    let _ = client.shutdown(std::net::Shutdown::Write);
                    let _ = t.join();
                });
            }
        });
        ConnectProxy {
            addr,
            count,
            allow_unused: false,
        }
    }

    /// For a test that checks nothing goes through the proxy: no failure on drop for zero tunnels.
    pub fn allow_unused(mut self) -> ConnectProxy {
        self.allow_unused = true;
        self
    }

    pub fn connects(&self) -> usize {
        *self.count.lock().unwrap()
    }
}

impl Drop for ConnectProxy {
    fn drop(&mut self) {
        if !self.allow_unused && !std::thread::panicking() && self.connects() == 0 {
            panic!(
                "the CONNECT proxy made no tunnel: route the traffic through it, or allow_unused()"
            );
        }
    }
}

/// The port free_port() found is taken before sshd binds it: sshd is started again on another.
#[test]
fn sshd_retries_when_its_port_was_taken() {
    let tmp = tempfile::tempdir().unwrap();
    let ak = tmp.path().join("authorized_keys");
    std::fs::write(&ak, "").unwrap();
    let squatter = TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = squatter.local_addr().unwrap().port();
    let mut tried = Vec::new();
    let sshd = Sshd::start_on_ports(&tmp.path().join("sshd"), None, &ak, "", || {
        let port = if tried.is_empty() { taken } else { free_port() };
        tried.push(port);
        port
    });
    assert_eq!(tried.len(), 2, "{tried:?}");
    assert_eq!(tried[0], taken);
    assert_eq!(sshd.addr.port(), tried[1]);
    // It is sshd that answers there.
    let mut banner = String::new();
    let conn = std::net::TcpStream::connect(sshd.addr).unwrap();
    BufReader::new(conn).read_line(&mut banner).unwrap();
    assert!(banner.starts_with("SSH-2.0-OpenSSH"), "{banner:?}");
}

/// Send SIG`sig` (`"TERM"`, ...) to `child`.
pub fn send_signal(child: &std::process::Child, sig: &str) {
    let st = Command::new("kill")
        .args([format!("-{sig}"), child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success(), "kill -{sig}");
}

/// The exit status zssh documents for a stop signal.
pub fn stop_code(sig: &str) -> i32 {
    match sig {
        "INT" => 130,
        "TERM" => 143,
        "HUP" => 129,
        other => panic!("no documented status for SIG{other}"),
    }
}

/// Replace the stored certificate of SSH_HOST by one of its key signed by another CA and
/// expired in 2020 (what `zssh cert` run for real would renew).
pub fn expire_the_certificate(w: &World) {
    let ca = w.tmp.path().join("old_ca");
    ssh_keygen(&["-q", "-t", "ed25519", "-N", "", "-f", ca.to_str().unwrap()]);
    let pubkey = w.cloudflared_dir().join(format!("{SSH_HOST}-cf_key.pub"));
    ssh_keygen(&[
        "-q",
        "-s",
        ca.to_str().unwrap(),
        "-I",
        "old",
        "-n",
        &whoami(),
        "-V",
        "20200101:20200102",
        pubkey.to_str().unwrap(),
    ]);
}
