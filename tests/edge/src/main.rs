//! `zssh-test-edge serve`: run the emulated Access edge as a process, for manual sandboxes and for
//! tests written in other languages.
//!
//! Prints exactly one JSON line on stdout once listening
//! (`{"addr","ca_pem","ssh_ca_pub","team","apps":[{"host","aud"}]}`), then serves until stdin
//! reaches EOF or SIGTERM/SIGINT arrives. Diagnostics go to stderr. The edge itself is the library.

// Test code reports on a captured stderr: zssh's rule (no eprintln!, which panics on a
// broken stderr) is for the binary people run.
#![allow(clippy::disallowed_macros)]
#![forbid(unsafe_code)]

use std::io::Write as _;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::{Parser, Subcommand};
use serde_json::json;
use tokio::io::AsyncReadExt;
use zssh_test_edge::{AppConfig, Discovery, Edge, EdgeConfig, Origin};

/// A local emulation of the Cloudflare Access edge (TLS on loopback), for zssh's tests.
#[derive(Parser, Debug)]
#[command(name = "zssh-test-edge", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve until stdin reaches EOF or SIGTERM/SIGINT.
    Serve(ServeArgs),
}

#[derive(clap::Args, Debug)]
struct ServeArgs {
    /// Existing directory that receives ca.pem and ssh_user_ca.pub.
    #[arg(long)]
    dir: PathBuf,
    /// Listen address.
    #[arg(long, default_value = "127.0.0.1:0")]
    bind: SocketAddr,
    /// Team (auth) domain.
    #[arg(long, default_value = "zssh-test.cloudflareaccess.com")]
    team: String,
    /// An application: HOST=ORIGIN[,legacy][,token=ID:SECRET][,aud=AUD][,impostor-of=APP]; ORIGIN is host:port or
    /// `bastion`. Repeatable.
    #[arg(long = "app", value_name = "SPEC")]
    apps: Vec<String>,
    /// Server WebSocket ping period in seconds (0 disables pings).
    #[arg(long, value_name = "N")]
    ping_secs: Option<u64>,
    /// Drop carriers idle for this many seconds (0: never).
    #[arg(long, value_name = "N")]
    idle_drop_secs: Option<u64>,
    /// Log a user in: write an app token (1 h) for every app into DIR/.cloudflared, as
    /// `cloudflared access login` would, so clients run with HOME=DIR find it cached. Also
    /// (re)writes `<team>-jwks` with this run's keys, as a current client's discovery would: a
    /// cache left by an earlier run (other keys) would make discovery fail for a minute.
    #[arg(long, value_name = "DIR")]
    seed_home: Option<PathBuf>,
    /// Append one JSON line per request to FILE once it is answered
    /// (`{"seq","method","host","target","kind","status","ua"}`; still unanswered requests are
    /// written at exit with status 0), to watch a client's wire behaviour from outside.
    #[arg(long, value_name = "FILE")]
    request_log: Option<PathBuf>,
}

/// Writes the edge's request records to `out` as they get a status, until `stop` is set; then
/// writes the rest.
fn log_requests(edge: &Edge, mut out: std::fs::File, stop: &AtomicBool) {
    let mut written = 0usize; // records before this index are all written
    let mut done = std::collections::HashSet::new();
    loop {
        let last_round = stop.load(Ordering::SeqCst);
        let records = edge.requests();
        for (seq, r) in records.iter().enumerate().skip(written) {
            if done.contains(&seq) || (r.status == 0 && !last_round) {
                continue;
            }
            let line = json!({
                "seq": seq,
                "method": r.method,
                "host": r.host,
                "target": r.path,
                "kind": format!("{:?}", r.kind),
                "status": r.status,
                "ua": r.header("user-agent"),
            });
            if writeln!(out, "{line}").is_err() {
                return;
            }
            done.insert(seq);
        }
        while done.remove(&written) {
            written += 1;
        }
        if last_round {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Write `<host>-<aud>-token` files for every app and the `<team>-jwks` cache (0600 in a 0700
/// directory).
fn seed_home(edge: &Edge, home: &std::path::Path, hosts: &[String]) -> Result<(), String> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let dir = home.join(".cloudflared");
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let write = |name: String, content: String| {
        let file = dir.join(name);
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&file)
            .and_then(|mut f| f.write_all(content.as_bytes()))
            .map_err(|e| format!("cannot write {}: {e}", file.display()))
    };
    for host in hosts {
        write(
            format!("{host}-{}-token", edge.aud(host)),
            edge.mint_app_token(host, 3600),
        )?;
    }
    // Keys change on every run: replace any cache an earlier run left (see --seed-home).
    write(format!("{}-jwks", edge.team()), edge.jwks_cache_json())
}

fn parse_app(spec: &str) -> Result<AppConfig, String> {
    let mut parts = spec.split(',');
    let first = parts.next().unwrap_or("");
    let (host, origin) = first
        .split_once('=')
        .ok_or_else(|| format!("--app {spec:?}: expected HOST=ORIGIN"))?;
    let origin = if origin.eq_ignore_ascii_case("bastion") {
        Origin::Bastion
    } else {
        let addr = origin
            .to_socket_addrs()
            .map_err(|e| format!("--app {spec:?}: origin {origin:?}: {e}"))?
            .next()
            .ok_or_else(|| format!("--app {spec:?}: origin {origin:?} has no address"))?;
        Origin::Tcp(addr)
    };
    let mut app = AppConfig::new(host, origin);
    for opt in parts {
        if opt == "legacy" {
            app.discovery = Discovery::Legacy;
        } else if let Some(tok) = opt.strip_prefix("token=") {
            let (id, secret) = tok
                .split_once(':')
                .ok_or_else(|| format!("--app {spec:?}: expected token=ID:SECRET"))?;
            app.service_tokens.push((id.to_owned(), secret.to_owned()));
        } else if let Some(victim) = opt.strip_prefix("impostor-of=") {
            app.impostor_of = Some(victim.to_owned());
        } else if let Some(aud) = opt.strip_prefix("aud=") {
            app.aud = aud.to_owned();
        } else {
            return Err(format!("--app {spec:?}: unknown option {opt:?}"));
        }
    }
    Ok(app)
}

fn serve(args: ServeArgs) -> Result<(), String> {
    let mut cfg = EdgeConfig::new(&args.dir);
    cfg.bind = args.bind;
    cfg.team = args.team;
    if let Some(s) = args.ping_secs {
        cfg.ping_interval = (s > 0).then(|| Duration::from_secs(s));
    }
    for spec in &args.apps {
        cfg.apps.push(parse_app(spec)?);
    }
    let edge = Edge::start(cfg).map_err(|e| format!("cannot start the edge: {e}"))?;
    if let Some(s) = args.idle_drop_secs {
        edge.knobs
            .idle_drop_ms
            .store(s.saturating_mul(1000), Ordering::SeqCst);
    }
    let hosts: Vec<String> = args
        .apps
        .iter()
        .filter_map(|spec| spec.split_once('=').map(|(h, _)| h.to_ascii_lowercase()))
        .collect();
    if let Some(home) = &args.seed_home {
        seed_home(&edge, home, &hosts)?;
    }
    let request_log = match &args.request_log {
        Some(path) => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("cannot open {}: {e}", path.display()))?,
        ),
        None => None,
    };

    let apps: Vec<_> = hosts
        .iter()
        .map(|host| json!({"host": host, "aud": edge.aud(host)}))
        .collect();
    let line = json!({
        "addr": edge.addr.to_string(),
        "ca_pem": edge.ca_pem,
        "ssh_ca_pub": edge.ssh_ca_pub,
        "team": edge.team(),
        "apps": apps,
    });
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write to stdout: {e}"))?;
    drop(out);

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let stop_log = AtomicBool::new(false);
    std::thread::scope(|scope| {
        if let Some(file) = request_log {
            scope.spawn(|| log_requests(&edge, file, &stop_log));
        }
        wait_for_shutdown(&rt);
        stop_log.store(true, Ordering::SeqCst);
    });
    // The stdin reader may still sit in a blocking read: do not wait for it.
    rt.shutdown_background();
    drop(edge);
    Ok(())
}

/// Blocks until stdin reaches EOF or SIGTERM/SIGINT arrives.
fn wait_for_shutdown(rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        let stdin_eof = async {
            let mut stdin = tokio::io::stdin();
            let mut buf = [0u8; 4096];
            while matches!(stdin.read(&mut buf).await, Ok(n) if n > 0) {}
        };
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = stdin_eof => {}
            _ = term => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    });
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zssh-test-edge: error: {e}");
            ExitCode::from(2)
        }
    }
}
