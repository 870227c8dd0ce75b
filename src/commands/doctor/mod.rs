//! `zssh doctor HOST`: walk the path `ssh HOST` takes, layer by layer — ssh's effective config,
//! OpenSSH version, proxy settings, DNS/TCP/TLS to the edge, the WebSocket upgrade, app discovery,
//! the cached token, login locks, the clock, the certificate, known_hosts — and give one verdict
//! line each, with the fix. `--fix` performs the safe repairs. A layer that fails does not end
//! the walk: the layers it keeps from being checked are listed as skipped, with why, and the ones
//! that do not depend on it (this machine's config, the cached token and locks when the
//! application's identity is remembered, the certificate) are still checked. Exit 0 when nothing
//! failed (warnings and skips allowed), [`Exit::CheckFailed`] when a check failed; `--json` gives
//! the same verdicts and the result.
//! Every failure the carrier can report (spec section 9's catalogue) surfaces here as a verdict,
//! because the checks call the same code `zssh proxy` runs.
//!
//! Doctor changes nothing without `--fix`. Every `ssh -G` and zssh child it runs has
//! `ZSSH_PROBE=doctor` in its environment ([`PROBE_ENV`]): a `Match host … exec "zssh cert …"` line
//! (what `zssh config --short-lived-cert` writes) then succeeds at once without renewing, making
//! a key or starting a login, so the Match still applies and its CertificateFile is checked.
//! `--fix`'s own renewal runs without it.
//!
//! The application checked is the one ssh's ProxyCommand contacts: its host argument
//! (`zssh proxy HOST`, `--hostname`/`-T`/`--tunnel-host`, `cloudflared access ssh --hostname`),
//! `%h` and friends filled in from `ssh -G`; else `ssh -G`'s HostName; else the host as typed.
//! The service token and destination it sends are its flags', else TUNNEL_SERVICE_*.
//! The ProxyCommand is shown with the values of its secrets replaced by `[redacted]`.
//!
//! Nothing in the environment or the host aborts the walk: an unusable proxy variable is the
//! proxy verdict, an unusable ZSSH_CONNECT_TO, TUNNEL_SERVICE_* or ZSSH_TOKEN_STORE the
//! environment verdict, and an application host the ssh config derives that is not a valid
//! hostname (`ProxyCommand zssh proxy ftp://%h`) the host verdict; each fails (exit 12, and
//! `--json` still prints the report), the layers that need it are skipped with why. What was
//! typed is a usage error (exit 2, nothing on stdout, `--json` or not) only when every command
//! would refuse it: empty, or with spaces or control characters (`zssh doctor 'a b'`). A report
//! that cannot be written (stdout on a full disk) is exit 7. Hosts and quoted text are shown with
//! invisible and terminal-controlling characters escaped (`\u{200b}`).
//!
//! A target that ssh reaches without a ProxyCommand (an IP, or a host configured so) takes the
//! WARP path instead when the Cloudflare One Client is installed: `warp.rs` checks that path.
//! Without the client, a hostname gets today's Access-application checks and a bare IP only the
//! local ones (no ProxyCommand advice: an IP is not an Access application).

mod warp;

use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

use serde::Serialize;

use crate::access::app_url::AppUrl;
use crate::access::login_lock::{self as lock, LockState};
use crate::access::token::{self, Lookup};
use crate::access::{AppInfo, discovery, exchange};
use crate::cert_store::{self, Files};
use crate::cli::{CarrierArgs, DoctorArgs};
use crate::commands::cert::{PROBE_ENV, PROBE_VALUE};
use crate::edge::carrier::Carrier;
use crate::edge::dial::{Net, Step};
use crate::edge::pool::{Client, ClientError};
use crate::edge::tunnel::{self, Dialed};
use crate::error::UserError;
use crate::exit::Exit;
use crate::human::{self, shell_word};
use crate::paths;
use crate::token_store::TokenStore;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Ok,
    Warn,
    Fail,
    Skip,
    Fixed,
}

#[derive(Debug, Serialize)]
struct Verdict {
    check: &'static str,
    status: Status,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
}

#[derive(Default)]
struct Report {
    verdicts: Vec<Verdict>,
}

impl Report {
    fn add(
        &mut self,
        check: &'static str,
        status: Status,
        detail: impl Into<String>,
        fix: Option<String>,
    ) {
        self.verdicts.push(Verdict {
            check,
            status,
            detail: detail.into(),
            fix,
        });
    }
    fn ok(&mut self, check: &'static str, detail: impl Into<String>) {
        self.add(check, Status::Ok, detail, None);
    }
    fn fail(&mut self, check: &'static str, detail: impl Into<String>, fix: impl Into<String>) {
        self.add(check, Status::Fail, detail, Some(fix.into()));
    }
    /// A failure as the rest of zssh reports it, without the hint's pointer to `zssh doctor`:
    /// that is where the user is.
    fn failed_with(&mut self, check: &'static str, e: &UserError) {
        self.fail(check, escaped(&e.message), doctor_words(&e.hint));
    }
    /// A layer not checked, and why.
    fn skip(&mut self, check: &'static str, why: impl Into<String>) {
        self.add(check, Status::Skip, why, None);
    }
}

/// How the WebSocket upgrade went: what the checks after it may rely on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Upgrade {
    /// The edge asked for a login, as it should before a token.
    Login,
    /// The edge opened the tunnel without a login (service token, or no Access in front).
    Open,
    /// Refused, or no answer (see the handshake verdict).
    Failed,
    /// Not tried: the edge was reached, but the service token or destination zssh proxy would
    /// send is unusable (see environment).
    Unasked,
    /// Not tried: the edge was not reached (the named layer failed).
    NotTried(&'static str),
}

/// What `ssh -G HOST` says ssh will do.
#[derive(Default)]
struct SshView {
    user: String,
    proxy_command: String,
    identity_files: Vec<String>,
    certificate_files: Vec<String>,
    /// HostName (what ssh connects to).
    hostname: String,
    port: u16,
    /// Forwardings asked for (`localforward 8080 [localhost]:80`, `forwardagent yes`).
    forwards: Vec<String>,
    /// ProxyJump (ssh connects from the jump host, not from here).
    proxy_jump: String,
    /// ssh's whole answer, for the known_hosts view.
    raw: Vec<u8>,
}

impl SshView {
    /// Whether ssh offers the certificate `zssh cert` keeps.
    fn uses_cert(&self) -> bool {
        self.certificate_files
            .iter()
            .any(|c| c.contains("cf_key-cert.pub"))
    }
}

/// `cmd` as one of doctor's probes: `zssh cert` run by a `Match exec` under it does nothing
/// (see [`PROBE_ENV`]).
fn probe(cmd: &mut Command) -> &mut Command {
    cmd.env(PROBE_ENV, PROBE_VALUE)
}

/// Asks about HOST as given: a `user@` in it is the user ssh logs in as, whatever User says.
/// ssh runs the config's `Match exec` commands for this; see [`probe`].
fn ssh_view(args: &DoctorArgs) -> Result<SshView, String> {
    let mut cmd = Command::new("ssh");
    if let Some(f) = &args.ssh_config {
        cmd.arg("-F").arg(f);
    }
    let out = probe(&mut cmd)
        .arg("-G")
        // A host that starts with '-' is a host, not an option.
        .arg("--")
        .arg(&args.host)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run ssh -G: {e}"))?;
    if !out.status.success() {
        return Err(one_line(&String::from_utf8_lossy(&out.stderr)));
    }
    let mut v = SshView {
        port: 22,
        raw: out.stdout.clone(),
        ..SshView::default()
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let (k, val) = line.split_once(' ').unwrap_or((line, ""));
        match k.to_ascii_lowercase().as_str() {
            "user" => v.user = val.to_string(),
            "proxycommand" if !val.eq_ignore_ascii_case("none") => {
                v.proxy_command = val.to_string()
            }
            "identityfile" => v.identity_files.push(val.to_string()),
            "certificatefile" => v.certificate_files.push(val.to_string()),
            "hostname" => v.hostname = val.to_string(),
            "proxyjump" if !val.eq_ignore_ascii_case("none") => v.proxy_jump = val.to_string(),
            "port" => v.port = val.parse().unwrap_or(22),
            "localforward" | "remoteforward" | "dynamicforward" => v.forwards.push(line.into()),
            "forwardagent" | "forwardx11" if !val.eq_ignore_ascii_case("no") => {
                v.forwards.push(line.into())
            }
            _ => {}
        }
    }
    Ok(v)
}

/// A child's several lines of complaint as one (verdicts are one line each), without controls.
fn one_line(text: &str) -> String {
    let joined = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    escaped(&joined)
}

/// `text` with the characters a terminal acts on or does not show (controls, bidi and
/// zero-width marks, format characters) written as `\u{…}`: what was typed, visibly.
fn escaped(text: &str) -> String {
    let invisible = |c: char| {
        human::acts_on_terminal(c)
            || matches!(c, '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
    };
    text.chars()
        .map(|c| {
            if invisible(c) {
                format!("\\u{{{:04x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The ProxyCommand's words, as the shell ssh runs it with splits them (quotes and backslashes;
/// nothing is expanded).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    let mut chars = line.chars();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => {
                if let Some(n) = chars.next() {
                    cur.get_or_insert_default().push(n);
                }
            }
            (Some(_), c) => cur.get_or_insert_default().push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                cur.get_or_insert_default();
            }
            (None, '\\') => {
                if let Some(n) = chars.next() {
                    cur.get_or_insert_default().push(n);
                }
            }
            // The shell splits on its IFS (space, tab, newline), not on every Unicode space: a
            // no-break space pasted from a web page stays inside the word, as zssh will see it.
            (None, ' ' | '\t' | '\n') => out.extend(cur.take()),
            (None, c) => cur.get_or_insert_default().push(c),
        }
    }
    out.extend(cur);
    out
}

/// Whether a flag (without its dashes, lowercased) names a secret.
fn secret_flag(name: &str) -> bool {
    name.contains("secret") || name.contains("password")
}

/// The ProxyCommand as shown: the value of every secret in it (`--service-token-secret X`,
/// `--secret=X`, `-secret X`, `TUNNEL_SERVICE_TOKEN_SECRET=X`) and of every request header
/// (`-H 'CF-Access-Client-Secret: …'`, `--header=…`, `-HCookie:…`: headers carry service tokens
/// and cookies) replaced by `[redacted]`, also inside a `sh -c '…'` string.
fn redacted(line: &str) -> String {
    let mut out = String::new();
    let mut hide_next = false;
    let mut shell_next = false;
    let mut rest = line;
    while !rest.is_empty() {
        let start = rest.len() - rest.trim_start().len();
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        if rest.is_empty() {
            break;
        }
        // One word, up to unquoted whitespace.
        let mut end = rest.len();
        let mut quote: Option<char> = None;
        let mut prev = ' ';
        for (i, c) in rest.char_indices() {
            match quote {
                Some(q) if c == q && !(q == '"' && prev == '\\') => quote = None,
                Some(_) => {}
                None if (c == '\'' || c == '"') && prev != '\\' => quote = Some(c),
                None if c.is_whitespace() && prev != '\\' => {
                    end = i;
                    break;
                }
                None => {}
            }
            prev = c;
        }
        let word = &rest[..end];
        rest = &rest[end..];
        if hide_next {
            out.push_str("[redacted]");
            hide_next = false;
            continue;
        }
        if shell_next {
            // `sh -c 'zssh proxy --secret X %h'`: the script is a command line of its own.
            shell_next = false;
            let quoted = word.len() >= 2
                && (word.starts_with('\'') && word.ends_with('\'')
                    || word.starts_with('"') && word.ends_with('"'));
            if quoted {
                let q = &word[..1];
                out.push_str(&format!("{q}{}{q}", redacted(&word[1..word.len() - 1])));
            } else {
                out.push_str(&redacted(word));
            }
            continue;
        }
        let bare = word.trim_start_matches('-').to_ascii_lowercase();
        let header = word == "-H" || (word.starts_with('-') && bare == "header");
        match word.split_once('=') {
            Some((key, _))
                if secret_flag(&key.trim_start_matches('-').to_ascii_lowercase())
                    || (key.starts_with('-')
                        && key.trim_start_matches('-').eq_ignore_ascii_case("header")) =>
            {
                out.push_str(key);
                out.push_str("=[redacted]");
            }
            _ if word.starts_with("-H") && word.len() > 2 && !word.starts_with("--") => {
                out.push_str("-H[redacted]");
            }
            None if header || (word.starts_with('-') && secret_flag(&bare)) => {
                out.push_str(word);
                hide_next = true;
            }
            None if word == "-c" => {
                out.push_str(word);
                shell_next = true;
            }
            _ => out.push_str(word),
        }
    }
    out
}

/// What ssh hands zssh (or cloudflared) in its ProxyCommand: the application it contacts, and
/// the service token and destination it sends.
#[derive(Default, Debug, PartialEq)]
struct Proxied {
    /// The host argument, `%h` and the like filled in as ssh fills them.
    app_host: Option<String>,
    service_id: Option<String>,
    service_secret: Option<String>,
    destination: Option<String>,
    /// The program the ProxyCommand runs: "zssh", "cloudflared", or "" (another one, or none).
    program: &'static str,
    /// Why zssh itself would refuse these arguments (its own parser's verdict), if it would.
    refused: Option<String>,
}

/// Read the ProxyCommand the way zssh proxy, zssh access ssh and cloudflared access ssh read
/// their arguments. `typed`: the host as given to ssh (`%n`).
fn proxied(v: &SshView, typed: &str) -> Proxied {
    let w = words(&v.proxy_command);
    let mut p = Proxied::default();
    let is_ours = |word: &str| {
        let base = word.rsplit('/').next().unwrap_or(word).to_ascii_lowercase();
        // `ZSSH_LOG=debug zssh …`: an assignment in front is not the program.
        !word.contains('=') && (base.starts_with("zssh") || base.starts_with("cloudflared"))
    };
    let Some(at) = w.iter().position(|x| is_ours(x)) else {
        return p;
    };
    let zssh = w[at]
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
        .starts_with("zssh");
    p.program = if zssh { "zssh" } else { "cloudflared" };
    let fill = |s: &str| expand(s, v, typed);
    // `VAR=value zssh …` (or `env VAR=value zssh …`) in front of the program.
    for pre in &w[..at] {
        match pre.split_once('=') {
            Some(("TUNNEL_SERVICE_TOKEN_ID", val)) => p.service_id = Some(val.into()),
            Some(("TUNNEL_SERVICE_TOKEN_SECRET", val)) => p.service_secret = Some(val.into()),
            Some(("TUNNEL_SERVICE_DESTINATION", val)) => p.destination = Some(fill(val)),
            _ => {}
        }
    }
    let booleans = [
        "-v",
        "--verbose",
        "-q",
        "--quiet",
        "--debug",
        "-h",
        "--help",
    ];
    let mut positionals: Vec<String> = Vec::new();
    let mut i = at + 1;
    while i < w.len() {
        let word = &w[i];
        i += 1;
        if word == "--" {
            positionals.extend(w[i..].iter().cloned());
            break;
        }
        if !word.starts_with('-') || word == "-" {
            positionals.push(word.clone());
            continue;
        }
        if booleans.contains(&word.as_str()) {
            continue;
        }
        let (name, value) = match word.split_once('=') {
            Some((n, val)) => (n.to_string(), Some(val.to_string())),
            None => {
                let val = w.get(i).cloned();
                i += 1;
                (word.clone(), val)
            }
        };
        let Some(value) = value else { break };
        match name.trim_start_matches('-') {
            "hostname" | "T" | "tunnel-host" => p.app_host = Some(fill(&value)),
            "service-token-id" | "id" => p.service_id = Some(value),
            "service-token-secret" | "secret" => p.service_secret = Some(value),
            "destination" => p.destination = Some(fill(&value)),
            _ => {}
        }
    }
    // (Only when the program is a word of its own: inside `sh -c '…'` the arguments are not
    // words here.)
    if zssh && !w[at].contains([' ', '\t', '\n']) {
        p.refused = refusal(&w[at + 1..], &fill, p.service_secret.as_deref());
    }
    // `zssh proxy HOST`: the positional after the subcommand (`zssh access ssh ADDR` takes a
    // listener there, not a host).
    if zssh
        && p.app_host.is_none()
        && positionals.first().map(String::as_str) == Some("proxy")
        && let Some(h) = positionals.get(1)
    {
        p.app_host = Some(fill(h));
    }
    p
}

/// What zssh's own command line makes of a zssh ProxyCommand's arguments (`%` tokens filled
/// in): None when `zssh proxy` / `zssh access ssh` would accept them, else why not, in one line
/// with the service token's secret never shown.
fn refusal(args: &[String], fill: &dyn Fn(&str) -> String, secret: Option<&str>) -> Option<String> {
    use crate::cli::{AccessCommand, Cli, Command as Sub};
    use clap::Parser;
    let argv = std::iter::once("zssh".to_string())
        .chain(args.iter().map(|a| fill(a)))
        .map(std::ffi::OsString::from);
    let why = match Cli::try_parse_from(crate::cli::normalize_args(argv)) {
        Err(e) if e.use_stderr() => crate::cli::usage_error(&e).message,
        Err(_) => return None,
        Ok(cli) => {
            let resolved = match cli.command {
                Sub::Proxy(a) => a.resolve(false).err(),
                Sub::Access(access) => match access.command {
                    AccessCommand::Ssh(a) => a.resolve(true).err(),
                    _ => None,
                },
                _ => None,
            };
            resolved?.message
        }
    };
    let why = match secret.filter(|s| !s.is_empty()) {
        Some(s) => why.replace(s, "[redacted]"),
        None => why,
    };
    Some(escaped(&why))
}

/// ssh's `%` tokens in a ProxyCommand argument: `%h` HostName, `%p` port, `%r` user, `%n` the
/// host as typed, `%%` a percent sign (others are left as they are).
fn expand(s: &str, v: &SshView, typed: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('h') => out.push_str(if v.hostname.is_empty() {
                typed
            } else {
                &v.hostname
            }),
            Some('p') => out.push_str(&v.port.to_string()),
            Some('r') => out.push_str(&v.user),
            Some('n') => out.push_str(typed),
            Some(o) => {
                out.push('%');
                out.push(o);
            }
            None => out.push('%'),
        }
    }
    out
}

fn openssh_version() -> Option<(u32, u32, String)> {
    let out = Command::new("ssh").arg("-V").output().ok()?;
    let text = String::from_utf8_lossy(&out.stderr).to_string();
    let v = text.split("OpenSSH_").nth(1)?;
    let mut nums = v
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty());
    let major = nums.next()?.parse().ok()?;
    let minor = nums.next()?.parse().ok()?;
    Some((major, minor, text.trim().to_string()))
}

/// The carrier `zssh proxy` would build: the environment, overridden by the ProxyCommand's own
/// service token and destination.
fn carrier_for(app_host: &str, p: &Proxied) -> Result<Carrier, UserError> {
    let mut args = CarrierArgs::from_env_for(app_host, STEP);
    if p.service_id.is_some() {
        args.service_token.service_token_id = p.service_id.clone();
    }
    if p.service_secret.is_some() {
        args.service_token.service_token_secret = p.service_secret.clone();
    }
    if p.destination.is_some() {
        args.destination = p.destination.clone();
    }
    Carrier::from_args(&args)
}

/// How long each of doctor's network steps may take: discovery's own limit, so one stalled edge
/// reads the same number in every verdict it fails.
const STEP: Duration = discovery::TIMEOUT;

/// A hint of zssh's, in doctor's words: doctor has no --service-token-* or --destination flags
/// and its own fixed timeout, so the hint names the variables (or the command) instead.
fn doctor_words(hint: &str) -> String {
    let mut h = crate::error::without_doctor(hint);
    for (from, to) in [
        (" (or --service-token-secret)", ""),
        (" (or --service-token-id)", ""),
        (
            " (--service-token-id/--service-token-secret)",
            " (TUNNEL_SERVICE_TOKEN_ID and TUNNEL_SERVICE_TOKEN_SECRET, or zssh proxy's --service-token-id and --service-token-secret in the ProxyCommand)",
        ),
        (", and try --connect-timeout", ""),
        (
            "pass the bastion target as host:port, e.g. --destination 10.0.0.5:22",
            "set TUNNEL_SERVICE_DESTINATION (or the ProxyCommand's --destination) to the bastion target as host:port, e.g. 10.0.0.5:22",
        ),
    ] {
        h = h.replace(from, to);
    }
    h
}

pub async fn run(args: DoctorArgs) -> Result<Exit, UserError> {
    let host = args
        .host
        .rsplit('@')
        .next()
        .unwrap_or(&args.host)
        .to_string();
    // What was typed is checked as every command checks it: a host with nothing in it, spaces
    // or control characters is a usage error (exit 2), which ssh refuses as well. Anything else
    // is walked: a config that derives an invalid application from it is the host verdict.
    if host.trim().is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        AppUrl::parse(&host)?;
    }
    let shown = escaped(&host);
    let mut r = Report::default();
    // What ssh will do: asked once (its Match exec commands run as probes, see `probe`).
    let asked = ssh_view(&args);
    // No ProxyCommand (or an IP): the WARP path, when there is a client to take it.
    let direct_view = asked
        .as_ref()
        .ok()
        .filter(|v| v.proxy_command.is_empty() && v.proxy_jump.is_empty());
    let is_ip = host.parse::<std::net::IpAddr>().is_ok();
    if let Some(v) = direct_view {
        let client = crate::warp::exec::locate();
        // A warp-cli that is there but cannot run is a client to report on, not an absent one.
        if !matches!(client, Err(crate::warp::Error::NotInstalled)) || is_ip {
            warp::check(&mut r, &args, &host, v, client).await;
            return finish(&args, &shown, r);
        }
        r.add(
            "warp client",
            Status::Skip,
            "no Cloudflare One Client (warp-cli is not on PATH): checking the Access application path",
            None,
        );
    }
    // This machine: what ssh will run, and with what.
    let (view, proxied) = check_ssh_config(&mut r, asked, &host);
    let app = check_host(&mut r, &proxied, view.as_ref(), &host);
    check_openssh(&mut r);
    let proxy_ok = check_proxy(&mut r);
    let env = check_environment(&mut r, app.as_ref(), &proxied);
    // The edge, layer by layer. A layer that fails does not end the walk: the layers above it
    // are listed as skipped, with why, and the ones that do not need it are still checked.
    let not_before = match (&app, proxy_ok, env.net_ok) {
        (None, _, _) => Some("host"),
        (_, false, _) => Some("proxy"),
        (_, _, false) => Some("environment"),
        _ => None,
    };
    let mut edge = app.map(|app| Edge::new(app, env.carrier, not_before.is_none()));
    let upgrade = walk_edge(&mut r, edge.as_mut(), not_before).await;
    let Some(edge) = edge.as_mut() else {
        let why = "the application host is not valid (see host)";
        for check in ["discovery", "token", "locks", "certificate", "known_hosts"] {
            r.skip(check, format!("{why}, so there is no application to check"));
        }
        return finish(&args, &shown, r);
    };
    // The application's identity: from discovery, or (the edge not reached) as remembered.
    let info = match upgrade {
        Upgrade::Login | Upgrade::Failed | Upgrade::Unasked => check_discovery(&mut r, edge).await,
        Upgrade::Open => {
            r.skip(
                "discovery",
                "the edge opened the tunnel without a login, so there is no Access login to discover",
            );
            None
        }
        Upgrade::NotTried(layer) => remembered(&mut r, &edge.app, layer),
    };
    // The login and what it gives ssh.
    let good_token = check_login(&mut r, &args, edge, info.as_ref(), upgrade, env.store).await?;
    let team = info.as_ref().map(|i| i.auth_domain.as_str()).unwrap_or("");
    check_certificates(
        &mut r,
        &args,
        edge,
        view.as_ref(),
        (good_token.as_ref(), team),
        upgrade,
    )
    .await;
    // known_hosts: fetching the key opens a tunnel, which needs a token the edge accepts
    // (and would drop a rejected one: doctor changes nothing without --fix).
    match (upgrade, &good_token) {
        (Upgrade::Unasked, _) => r.skip(
            "known_hosts",
            "the host key is fetched through the tunnel zssh proxy opens, whose service token or destination is unusable (see environment)",
        ),
        (Upgrade::Open, _) | (_, Some(_)) => {
            check_known_hosts(&mut r, &host, args.ssh_config.as_deref(), args.fix)
        }
        (Upgrade::NotTried(layer), None) => r.skip(
            "known_hosts",
            format!(
                "the host key is fetched through the edge, which was not reached ({layer} failed)"
            ),
        ),
        (_, None) => r.skip(
            "known_hosts",
            "fetching the host key needs a token the edge accepts (see token)",
        ),
    }
    finish(&args, &shown, r)
}

/// The application ssh's ProxyCommand contacts (for an alias: its HostName, or the host the
/// ProxyCommand names), when it is a valid one; a `host` verdict when it is not.
fn check_host(
    r: &mut Report,
    proxied: &Proxied,
    view: Option<&SshView>,
    host: &str,
) -> Option<AppUrl> {
    let app_host = proxied
        .app_host
        .clone()
        .or_else(|| view.map(|v| v.hostname.clone()))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| host.to_string());
    match AppUrl::parse(&app_host) {
        Ok(app) => Some(app),
        Err(e) => {
            r.fail(
                "host",
                format!("{}: it is not a hostname zssh can reach", escaped(&e.message)),
                match &proxied.app_host {
                    Some(named) if named != host => "fix the host the ProxyCommand names in ssh config (zssh config HOST writes a working one)",
                    _ => "give the host as you type it after ssh, e.g. ssh.example.com or user@ssh.example.com",
                },
            );
            None
        }
    }
}

/// DNS, TCP, TLS and the upgrade, as far as they go; `not_before`: the layer (host, proxy,
/// environment) that keeps any connection from being made.
async fn walk_edge(
    r: &mut Report,
    edge: Option<&mut Edge>,
    not_before: Option<&'static str>,
) -> Upgrade {
    match (edge, not_before) {
        (Some(edge), None) => match check_network(r, edge).await {
            Ok(()) if edge.carrier.is_some() => check_handshake(r, edge).await,
            Ok(()) => {
                r.skip(
                    "handshake",
                    "the service token or destination zssh proxy would send is unusable (see environment), so no WebSocket upgrade was tried",
                );
                r.skip("clock", "no WebSocket upgrade was tried (see handshake), so there is no time to compare this machine's clock with");
                Upgrade::Unasked
            }
            Err(layer) => {
                skip_upper(r, layer);
                Upgrade::NotTried(layer)
            }
        },
        (_, layer) => {
            let layer = layer.unwrap_or("host");
            for check in ["dns", "tcp", "tls"] {
                r.skip(check, format!("{layer} failed, so no connection was tried"));
            }
            skip_upper(r, layer);
            Upgrade::NotTried(layer)
        }
    }
}

/// The handshake and the clock, skipped because the edge was not reached (`layer` failed).
fn skip_upper(r: &mut Report, layer: &str) {
    let why = format!("the edge was not reached ({layer} failed)");
    r.skip(
        "handshake",
        format!("{why}, so no WebSocket upgrade was tried"),
    );
    r.skip(
        "clock",
        format!("{why}: the clock is compared with the time the edge's answer carries"),
    );
}

/// The cached token and the login locks, for the application `info` names (none: skipped, with
/// why). The token when the edge accepts it. `store`: none when ZSSH_TOKEN_STORE is unusable.
async fn check_login(
    r: &mut Report,
    args: &DoctorArgs,
    edge: &mut Edge,
    info: Option<&AppInfo>,
    upgrade: Upgrade,
    store: Option<TokenStore>,
) -> Result<Option<crate::secret::Secret>, UserError> {
    let Some(info) = info else {
        let why = if upgrade == Upgrade::Open {
            "the edge opened the tunnel without a login, so no token is needed"
        } else {
            "which application's token to look at comes from discovery (see above)"
        };
        r.skip("token", why);
        r.skip("locks", why);
        return Ok(None);
    };
    let not_at_edge = match upgrade {
        Upgrade::Login | Upgrade::Unasked => None,
        Upgrade::NotTried(layer) => Some(format!(
            "not tried at the edge: it was not reached ({layer} failed)"
        )),
        _ => Some("not tried at the edge: it refused the upgrade (see handshake)".into()),
    };
    let tok = match (&store, edge.client.as_mut()) {
        (None, _) => {
            r.skip(
                "token",
                "the token store cannot be opened (see environment), so the cached token was not read",
            );
            None
        }
        (Some(store), client) => {
            check_token(r, client, store, &edge.app, info, args.fix, not_at_edge).await?
        }
    };
    check_locks(r, info, args.fix)?;
    Ok(tok)
}

/// The certificate ssh offers (if it is set up to offer one): whether the edge signs one (that
/// needs the edge and a token it accepts), and the stored one (checked here).
async fn check_certificates(
    r: &mut Report,
    args: &DoctorArgs,
    edge: &mut Edge,
    view: Option<&SshView>,
    (good_token, team): (Option<&crate::secret::Secret>, &str),
    upgrade: Upgrade,
) {
    let Some(v) = view else {
        return r.skip(
            "certificate",
            "ssh -G failed (see ssh config), so which certificate ssh offers is unknown",
        );
    };
    if v.uses_cert() {
        match (good_token, upgrade, edge.client.as_mut()) {
            (Some(tok), _, Some(client)) => check_signing(r, client, tok, team, &edge.app).await,
            (None, Upgrade::NotTried(layer), _) => r.skip(
                "signing",
                format!(
                    "the edge was not reached ({layer} failed), so no certificate was asked for"
                ),
            ),
            _ => r.skip(
                "signing",
                "asking for a certificate needs a token the edge accepts (see token)",
            ),
        }
    }
    check_certificate(r, &edge.app.host, v, args.fix).await;
}

/// The identity signed metadata proved for `app` before, when the edge cannot be asked now:
/// enough to check the cached token and the locks here.
fn remembered(r: &mut Report, app: &AppUrl, layer: &str) -> Option<AppInfo> {
    let why = format!("the edge was not reached ({layer} failed), so no application was asked for");
    match crate::access::verified_apps::recall(app, cert_store::now_secs() as i64) {
        Some(info) => {
            r.skip(
                "discovery",
                format!(
                    "{why}; checking what is cached for application {} of team {}, as its signed metadata proved it earlier",
                    info.app_hostname, info.auth_domain
                ),
            );
            Some(info)
        }
        None => {
            r.skip("discovery", why);
            None
        }
    }
}

/// What ssh will run: zssh, cloudflared, another command, a jump host, or nothing (a direct
/// connection). The ProxyCommand is shown with its secrets redacted.
fn check_ssh_config(
    r: &mut Report,
    asked: Result<SshView, String>,
    host: &str,
) -> (Option<SshView>, Proxied) {
    let shown = escaped(host);
    let v = match asked {
        Ok(v) => v,
        Err(why) => {
            r.fail(
                "ssh config",
                format!("ssh -G {shown} failed: {why}"),
                "fix the ssh config error shown",
            );
            return (None, Proxied::default());
        }
    };
    let p = proxied(&v, host);
    let pc = escaped(&redacted(&v.proxy_command));
    let app = match &p.app_host {
        Some(a) if a != host => format!("; the application checked below is {}", escaped(a)),
        None if !v.hostname.is_empty() && v.hostname != host => {
            format!(
                "; the host checked below is its HostName {}",
                escaped(&v.hostname)
            )
        }
        _ => String::new(),
    };
    if let (true, Some(why)) = (p.program == "zssh", &p.refused) {
        r.fail(
            "ssh config",
            format!("ssh {shown} runs: {pc}, and zssh refuses those arguments: {why}"),
            "fix the ProxyCommand's arguments (zssh help proxy lists them)",
        );
    } else if p.program == "zssh" {
        r.ok("ssh config", format!("ssh {shown} runs: {pc}{app}"));
    } else if p.program == "cloudflared" {
        r.add(
            "ssh config",
            Status::Warn,
            format!("ssh {shown} runs cloudflared: {pc}{app}"),
            Some(format!(
                "zssh is a drop-in: zssh config {}",
                shell_word(host)
            )),
        );
    } else if !v.proxy_command.is_empty() {
        r.add(
            "ssh config",
            Status::Warn,
            format!("ssh {shown} runs a ProxyCommand that is neither zssh nor cloudflared: {pc}; the checks below assume it reaches {} through the edge{app}", escaped(&v.hostname)),
            Some("if that command does not go through Cloudflare Access, zssh config writes one that does".into()),
        );
    } else if !v.proxy_jump.is_empty() {
        r.add(
            "ssh config",
            Status::Warn,
            format!(
                "ssh {shown} connects through the jump host {} (ProxyJump), not through a ProxyCommand here; the checks below are for {}",
                escaped(&v.proxy_jump),
                escaped(&v.hostname)
            ),
            Some("the jump host's own ssh config decides how the last hop goes; zssh doctor there, or zssh config here for a ProxyCommand instead".into()),
        );
    } else {
        r.fail(
            "ssh config",
            format!("ssh {shown} connects directly, not through the edge (no ProxyCommand)"),
            format!("zssh config {}", shell_word(host)),
        );
    }
    (Some(v), p)
}

/// The OpenSSH version, and what it means for scp and certificates.
fn check_openssh(r: &mut Report) {
    match openssh_version() {
        Some((major, _, text)) if major >= 9 => r.ok("openssh", format!("{text}; scp uses the SFTP protocol (the server needs an sftp Subsystem; scp -O for the old protocol)")),
        Some((major, minor, text)) if (major, minor) >= (7, 8) => r.ok("openssh", format!("{text}; scp uses the legacy protocol")),
        Some((_, _, text)) => r.add("openssh", Status::Warn, format!("{text} is old: certificates and Include need OpenSSH 7.8 or newer"), Some("upgrade OpenSSH".into())),
        None => r.add("openssh", Status::Warn, "ssh -V gave no OpenSSH version", None),
    }
}

/// The proxy environment, as every connection reads it (credentials never shown). False when
/// it is unusable (no connection can be made then).
fn check_proxy(r: &mut Report) -> bool {
    match crate::edge::dial::proxy_in_use() {
        Ok(Some(p)) => r.ok(
            "proxy",
            format!("connections to the edge go through the proxy {p}, except NO_PROXY hosts"),
        ),
        Ok(None) => r.ok(
            "proxy",
            "no HTTPS_PROXY or ALL_PROXY (http://): the edge is reached directly",
        ),
        Err(e) => {
            r.fail(
                "proxy",
                escaped(&e),
                "fix or unset the variable named above (only http:// proxies, as http://host:port)",
            );
            return false;
        }
    }
    true
}

/// What the environment gives the checks after it.
struct Env {
    /// ZSSH_CONNECT_TO is usable.
    net_ok: bool,
    /// The carrier zssh proxy would build (none: its service token or destination is unusable,
    /// or the application host is).
    carrier: Option<Carrier>,
    /// The token store ZSSH_TOKEN_STORE names.
    store: Option<TokenStore>,
}

/// The variables zssh proxy reads besides the proxy's: ZSSH_CONNECT_TO, the service token and
/// destination (TUNNEL_SERVICE_*, or the ProxyCommand's flags), ZSSH_TOKEN_STORE. One verdict,
/// naming every unusable one.
fn check_environment(r: &mut Report, app: Option<&AppUrl>, p: &Proxied) -> Env {
    let mut problems: Vec<(String, String)> = Vec::new();
    let net_ok = match crate::edge::dial::connect_to_in_env() {
        Ok(()) => true,
        Err(e) => {
            problems.push((
                e,
                "fix ZSSH_CONNECT_TO (HOST:PORT:HOST2:PORT2, comma separated) or unset it".into(),
            ));
            false
        }
    };
    // The application host is checked on its own (see host): a stand-in lets the service token
    // and destination be checked anyway.
    let carrier = match carrier_for(&app.map_or("example.com".into(), AppUrl::shown), p) {
        Ok(c) => app.is_some().then_some(c),
        Err(e) => {
            problems.push((e.message.clone(), doctor_words(&e.hint)));
            None
        }
    };
    let store = match TokenStore::open() {
        Ok(s) => Some(s),
        Err(e) => {
            problems.push((e.message.clone(), doctor_words(&e.hint)));
            None
        }
    };
    if problems.is_empty() {
        let set: Vec<&str> = [
            "ZSSH_CONNECT_TO",
            "TUNNEL_SERVICE_TOKEN_ID",
            "TUNNEL_SERVICE_DESTINATION",
            "ZSSH_TOKEN_STORE",
        ]
        .into_iter()
        .filter(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()))
        .collect();
        let service = match &p.service_id {
            Some(id) => format!("; the ProxyCommand sends the service token {}", escaped(id)),
            None => String::new(),
        };
        r.ok(
            "environment",
            match set.is_empty() {
                true => format!("none of the variables zssh proxy reads is set{service}"),
                false => format!("{} usable{service}", set.join(", ")),
            },
        );
    } else {
        let (details, fixes): (Vec<String>, Vec<String>) = problems.into_iter().unzip();
        r.fail(
            "environment",
            escaped(&details.join("; ")),
            fixes.join("; "),
        );
    }
    Env {
        net_ok,
        carrier,
        store,
    }
}

/// The way to the edge `zssh proxy` would take: the same environment and the same carrier.
struct Edge {
    app: AppUrl,
    /// None when the environment allows no connection (see proxy, environment).
    client: Option<Client>,
    carrier: Option<Carrier>,
}

impl Edge {
    fn new(app: AppUrl, carrier: Option<Carrier>, connect: bool) -> Edge {
        let client = connect
            .then(|| Net::from_env(STEP).ok())
            .flatten()
            .map(Client::new);
        Edge {
            app,
            client,
            carrier,
        }
    }
}

/// DNS, TCP and TLS to the edge, one verdict each, over the connection `zssh proxy` would open.
/// A step that fails leaves the ones after it untried: each is marked skipped, with why. The
/// name of the failed layer when one failed.
async fn check_network(r: &mut Report, edge: &mut Edge) -> Result<(), &'static str> {
    let app = &edge.app;
    let (host, port) = (app.host.as_str(), app.port_or_default());
    let shown = app.authority();
    let Some(client) = edge.client.as_ref() else {
        return Err("environment");
    };
    let net = &client.net;
    let via = net.proxy_for(host, port);
    let dial_error = |e| match &edge.carrier {
        Some(c) => c.dial_error(&ClientError::Net(e)),
        None => UserError::new(
            Exit::Unreachable,
            format!("cannot reach {}: {e}", app.shown()),
            "",
        ),
    };
    let failed = match net.connect_stepped(host, port).await {
        Ok(_) => None,
        Err((step, e)) => Some((step, dial_error(e))),
    };
    for (step, check) in [(Step::Dns, "dns"), (Step::Tcp, "tcp"), (Step::Tls, "tls")] {
        match &failed {
            Some((at, e)) if *at == step => r.failed_with(check, e),
            Some((at, _)) if (*at as u8) < (step as u8) => r.skip(
                check,
                match (at, step) {
                    (Step::Dns, Step::Tcp) => "DNS failed, so no TCP connection was tried",
                    _ => "no TCP connection, so no TLS handshake was tried",
                },
            ),
            // The proxy resolves the name: whether it could is in its answer (see tcp).
            Some(_) if step == Step::Dns && via.is_some() => r.skip(
                check,
                format!(
                    "the proxy {} resolves {host}; its answer is under tcp",
                    via.as_deref().unwrap_or("")
                ),
            ),
            _ => r.ok(
                check,
                match (step, &via) {
                    (Step::Dns, None) => format!("{host} resolves"),
                    (Step::Dns, Some(p)) => format!("{host} is resolved by the proxy {p}"),
                    (Step::Tcp, None) => format!("{shown} accepts TCP on port {port}"),
                    (Step::Tcp, Some(p)) => {
                        format!("the proxy {p} opened a tunnel to {host} port {port}")
                    }
                    (Step::Tls, _) => format!("{shown} presents a valid TLS certificate"),
                },
            ),
        }
    }
    match failed {
        None => Ok(()),
        Some((Step::Dns, _)) => Err("dns"),
        Some((Step::Tcp, _)) => Err("tcp"),
        Some((Step::Tls, _)) => Err("tls"),
    }
}

/// The WebSocket upgrade (with the service token zssh proxy would send, when one is set), and
/// the clock against the time the edge's answer carries.
async fn check_handshake(r: &mut Report, edge: &mut Edge) -> Upgrade {
    let (Some(carrier), Some(client)) = (&edge.carrier, edge.client.as_mut()) else {
        return Upgrade::Unasked;
    };
    let resp = match tunnel::dial(client, carrier.app(), carrier.headers(), None).await {
        Ok(Dialed::Refused(resp)) => resp,
        Ok(Dialed::Open(_)) => {
            r.ok(
                "handshake",
                "the edge opened the tunnel without a login (service token, or no Access in front)",
            );
            r.skip(
                "clock",
                "the opened tunnel carries no time to compare this machine's clock with",
            );
            return Upgrade::Open;
        }
        Err(e) => {
            r.failed_with("handshake", &carrier.dial_error(&e));
            r.skip(
                "clock",
                "the upgrade got no answer (see handshake), so there is no time to compare this machine's clock with",
            );
            return Upgrade::Failed;
        }
    };
    check_clock(r, resp.header("date"));
    if !carrier.is_access_redirect(&resp) {
        r.failed_with("handshake", &carrier.refused(&resp));
        return Upgrade::Failed;
    }
    // With a service token, the login redirect is the edge refusing it: zssh proxy stops there.
    if let Some(e) = carrier.service_token_refused() {
        r.failed_with("handshake", &e);
        return Upgrade::Failed;
    }
    r.ok(
        "handshake",
        "the edge answers the upgrade with the Access login redirect, as expected before a token",
    );
    Upgrade::Login
}

/// This machine's clock against the edge's `Date` header (when it sent one).
fn check_clock(r: &mut Report, date: Option<&str>) {
    let Some(edge) = date.and_then(|d| httpdate::parse_http_date(d).ok()) else {
        return r.skip(
            "clock",
            "the edge's answer had no Date header to compare this machine's clock with",
        );
    };
    let edge = edge
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let skew = cert_store::now_secs() as i64 - edge;
    if skew.abs() > 60 {
        r.fail(
            "clock",
            format!(
                "this machine's clock is {} {} the edge's: certificates will be refused",
                human::span(skew),
                if skew > 0 { "ahead of" } else { "behind" }
            ),
            "enable time synchronisation (timedatectl set-ntp true)",
        );
    } else {
        r.ok("clock", format!("within {} s of the edge's", skew.abs()));
    }
}

/// Discovery: the application and its team, as the login page names them.
async fn check_discovery(r: &mut Report, edge: &mut Edge) -> Option<AppInfo> {
    let Some(client) = edge.client.as_mut() else {
        r.skip(
            "discovery",
            "no connection can be made (see proxy and environment)",
        );
        return None;
    };
    match discovery::discover(client, &edge.app).await {
        Ok(i) => {
            r.ok(
                "discovery",
                format!(
                    "application {} of team {} (aud {}…)",
                    i.app_hostname,
                    i.auth_domain,
                    i.aud.chars().take(12).collect::<String>()
                ),
            );
            Some(i)
        }
        Err(e) => {
            r.failed_with("discovery", &e);
            None
        }
    }
}

/// The cached token, and whether the edge still accepts it (a rejected one is removed with
/// --fix). Returns the token when the edge accepts it. `not_at_edge`: why the edge is not asked
/// (it was not reached, or refused the upgrade): the token is checked here only.
async fn check_token(
    r: &mut Report,
    client: Option<&mut Client>,
    store: &TokenStore,
    app: &AppUrl,
    info: &AppInfo,
    fix: bool,
    not_at_edge: Option<String>,
) -> Result<Option<crate::secret::Secret>, UserError> {
    let login = format!("zssh login {}", shell_word(&app.authority()));
    let lookup = match token::app_token(store, info) {
        Ok(l) => l,
        Err(e) => {
            r.failed_with("token", &e);
            return Ok(None);
        }
    };
    match lookup {
        Lookup::Missing => r.fail(
            "token",
            "no cached token for this application (or the cached file is not a token)",
            login,
        ),
        Lookup::Expired { exp } => r.fail(
            "token",
            format!(
                "the cached token expired {} (it has been removed)",
                human::ago(exp)
            ),
            login,
        ),
        Lookup::WrongAudience => r.fail(
            "token",
            "the cached token was for another application (it has been removed)",
            login,
        ),
        Lookup::OtherTeam { iss } => r.fail(
            "token",
            format!(
                "the cached token was issued by {iss}, not by this application's team {}; it is never sent here",
                info.auth_domain
            ),
            login,
        ),
        Lookup::Usable(tok, location) => {
            let (who, exp, _) = token::identity(&tok);
            let (None, Some(client)) = (&not_at_edge, client) else {
                let why = not_at_edge.unwrap_or_else(|| "not tried at the edge: it was not reached".into());
                r.ok(
                    "token",
                    format!(
                        "a cached token for {who}, expires {}, stored in {}; {why}",
                        exp.map(human::ago).unwrap_or_default(),
                        location.describe()
                    ),
                );
                return Ok(None);
            };
            match exchange::token_accepted(client, app, &tok).await {
                Ok(true) => {
                    r.ok("token", format!("logged in as {who}, expires {}, stored in {}", exp.map(human::ago).unwrap_or_default(), location.describe()));
                    return Ok(Some(tok));
                }
                Ok(false) if fix => {
                    store.delete_at(&token::app_name(info), location)?;
                    r.add("token", Status::Fixed, format!("the edge rejected the cached token for {who}; removed it"), Some(login));
                }
                Ok(false) => r.fail("token", format!("the edge rejects the cached token for {who} (revoked, a binding cookie, or a policy change)"), format!("add --fix to remove it, then {login}")),
                Err(why) => r.add("token", Status::Warn, format!("could not check the token at the edge: {why}"), None),
            }
        }
    }
    Ok(None)
}

/// Login locks: one in progress, or a dead cloudflared one (removed with --fix).
fn check_locks(r: &mut Report, info: &AppInfo, fix: bool) -> Result<(), UserError> {
    let token_file = paths::cloudflared_dir()?.join(token::app_name(info));
    match lock::state(&token_file)? {
        LockState::Free => r.ok("locks", "no login in progress, no stale lock files"),
        LockState::Zssh { pid } => r.add(
            "locks",
            Status::Warn,
            format!(
                "a zssh login is in progress{}",
                pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
            ),
            Some("finish it in the browser; it releases by itself if that process dies".into()),
        ),
        LockState::Cloudflared { pid } => r.add(
            "locks",
            Status::Warn,
            format!("a cloudflared login is in progress (pid {pid})"),
            Some("finish it in the browser, or stop that cloudflared".into()),
        ),
        LockState::Dead { reason } if fix && lock::clear_dead(&token_file) => r.add(
            "locks",
            Status::Fixed,
            format!("removed a dead cloudflared lock ({reason})"),
            None,
        ),
        LockState::Dead { reason } => r.fail(
            "locks",
            format!(
                "a dead cloudflared lock file ({reason}) makes cloudflared wait minutes: {}.lock",
                token_file.display()
            ),
            "add --fix to remove it (zssh itself is not blocked by it)",
        ),
    }
    Ok(())
}

/// Ask the edge to sign a throwaway key: proves certificates can be renewed (and explains
/// cert_sign's refusals and non-JSON answers) without touching the stored ones.
async fn check_signing(
    r: &mut Report,
    client: &mut Client,
    tok: &crate::secret::Secret,
    team: &str,
    app: &AppUrl,
) {
    let host = app.authority();
    if let Err(e) = crate::access::cert_sign::check_issuer(tok, team, &host) {
        r.failed_with("signing", &e);
        return;
    }
    let Ok(key) = cert_store::generate(cert_store::KeyType::Ecdsa) else {
        return;
    };
    match crate::access::cert_sign::sign(client, tok, &cert_store::public_line(&key), &host).await {
        Ok(signed) => match cert_store::check(
            &signed.certificate,
            key.public_key().key_data(),
            cert_store::now_secs(),
        ) {
            Ok(cert) => r.ok(
                "signing",
                format!(
                    "the edge signs certificates for principal(s) {}",
                    cert.valid_principals().join(", ")
                ),
            ),
            Err(why) => r.fail(
                "signing",
                format!("the edge signed an unusable certificate: {why}"),
                "tell the administrator; zssh refuses to store it",
            ),
        },
        Err(e) => r.failed_with("signing", &e),
    }
}

async fn check_certificate(r: &mut Report, host: &str, view: &SshView, fix: bool) {
    let files = match Files::for_host(host) {
        Ok(f) => f,
        Err(_) => return,
    };
    if !view.uses_cert() {
        let stored = if files.cert.exists() {
            format!(
                " ({} exists, but ssh does not offer it)",
                files.cert.display()
            )
        } else {
            String::new()
        };
        return r.skip(
            "certificate",
            format!("ssh is not set up for short-lived certificates: ssh -G shows no CertificateFile …-cf_key-cert.pub for this host{stored}"),
        );
    }
    // The certificate ssh offers may be another file than the one zssh cert keeps (a key of
    // the user's own, certified with --public-key, or a copy elsewhere): judge only zssh's.
    let home = paths::home().ok();
    let offered: Vec<std::path::PathBuf> = view
        .certificate_files
        .iter()
        .map(|c| {
            let c = match (c.strip_prefix("~/"), &home) {
                (Some(rest), Some(h)) => h.join(rest).display().to_string(),
                _ => c.clone(),
            };
            let c = match &home {
                Some(h) => c.replace("%d", &h.display().to_string()),
                None => c,
            };
            std::path::PathBuf::from(expand(&c, view, host))
        })
        .collect();
    if !offered.is_empty() && !offered.contains(&files.cert) {
        let shown: Vec<String> = offered
            .iter()
            .map(|p| escaped(&p.display().to_string()))
            .collect();
        return r.skip(
            "certificate",
            format!(
                "ssh offers {}, not the certificate zssh cert keeps ({}): not judged here",
                shown.join(", "),
                escaped(&files.cert.display().to_string())
            ),
        );
    }
    let renew = format!("zssh cert --hostname {} --force", shell_word(host));
    let Some(current) = cert_store::load(&files) else {
        r.fail("certificate", format!("no usable key and certificate pair in {} (missing, or the certificate is for another key)", files.cert.display()), renew);
        return;
    };
    let left = cert_store::remaining(&current.cert, cert_store::now_secs());
    let principals = current.cert.valid_principals().join(", ");
    if left <= 0 {
        if fix {
            let status = Command::new(std::env::current_exe().unwrap_or_else(|_| "zssh".into()))
                .args(["cert", "--hostname", host, "--force"])
                // The repair itself, not a probe.
                .env_remove(PROBE_ENV)
                .stdout(to_stderr())
                .status();
            if status.is_ok_and(|s| s.success()) {
                r.add(
                    "certificate",
                    Status::Fixed,
                    "renewed the expired certificate",
                    None,
                );
                return;
            }
        }
        r.fail(
            "certificate",
            format!(
                "the certificate expired {}",
                human::ago(current.cert.valid_before() as i64)
            ),
            renew,
        );
    } else if !view.user.is_empty()
        && !current
            .cert
            .valid_principals()
            .iter()
            .any(|p| p == &view.user)
    {
        r.fail("certificate", format!("the certificate is for principal(s) {principals}, but ssh logs in as {}", view.user), format!("ssh as one of {principals} (User in ssh config), or have the server map it with AuthorizedPrincipalsFile"));
    } else {
        r.ok(
            "certificate",
            format!("principal(s) {principals}, {} left", human::span(left)),
        );
    }
}

/// `zssh known-hosts check` (and with --fix, repair) against the same ssh config: it asks
/// `ssh -G` for the alias, port, every known_hosts file and the hashing ssh uses. Both run as
/// probes (see [`probe`]). The verdict carries what the check said, its reason included; the fix
/// is the repair only when the check says the entry is missing or differs, else the check's own
/// hint (a fetch that timed out is no known_hosts problem).
fn check_known_hosts(r: &mut Report, host: &str, ssh_config: Option<&std::path::Path>, fix: bool) {
    let me = std::env::current_exe().unwrap_or_else(|_| "zssh".into());
    let mut args: Vec<std::ffi::OsString> = vec!["known-hosts".into(), "check".into()];
    if let Some(file) = ssh_config {
        args.push("--ssh-config".into());
        args.push(file.into());
    }
    // A host that starts with '-' is a host, not an option.
    args.push("--".into());
    args.push(host.into());
    let out = probe(&mut Command::new(&me))
        .args(&args)
        .stdin(std::process::Stdio::null())
        .output();
    let Ok(out) = out else {
        r.add(
            "known_hosts",
            Status::Warn,
            "could not run the known_hosts check",
            None,
        );
        return;
    };
    let stdout = one_line(&String::from_utf8_lossy(&out.stdout));
    if out.status.success() {
        r.ok("known_hosts", stdout);
        return;
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let error = stderr
        .lines()
        .find_map(|l| l.strip_prefix("zssh: error: "))
        .unwrap_or("");
    let hint = stderr
        .lines()
        .find_map(|l| l.strip_prefix("zssh: hint: "))
        .unwrap_or("");
    let said = [stdout.as_str(), &one_line(error)]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    let said = if said.is_empty() {
        format!(
            "zssh known-hosts check failed (exit {})",
            out.status.code().unwrap_or(-1)
        )
    } else {
        said
    };
    if !hint.contains("known-hosts repair") {
        let fix = match doctor_words(hint) {
            h if h.is_empty() => "see the reason above".to_string(),
            h => h,
        };
        r.fail("known_hosts", said, fix);
        return;
    }
    let dashes = if host.starts_with('-') { "-- " } else { "" };
    let repair = match ssh_config {
        Some(f) => format!(
            "zssh known-hosts repair --ssh-config {} {dashes}{}",
            shell_word(&f.display().to_string()),
            shell_word(host)
        ),
        None => format!("zssh known-hosts repair {dashes}{}", shell_word(host)),
    };
    if fix {
        // Repair asks the person first (it reads the terminal); without one it refuses.
        let mut rep = args.clone();
        rep[1] = "repair".into();
        if probe(&mut Command::new(&me))
            .args(&rep)
            .stdout(to_stderr())
            .status()
            .is_ok_and(|s| s.success())
        {
            r.add(
                "known_hosts",
                Status::Fixed,
                "known_hosts now holds the key the edge presents",
                None,
            );
            return;
        }
    }
    r.fail("known_hosts", said, repair);
}

/// A child's stdout sent to our stderr: the report (or its JSON) owns stdout.
fn to_stderr() -> std::process::Stdio {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Ok(fd) = std::io::stderr().as_fd().try_clone_to_owned() {
            return std::process::Stdio::from(fd);
        }
    }
    std::process::Stdio::null()
}

/// What `--json` prints: the verdicts, and the result they add up to.
#[derive(Serialize)]
struct Summary<'a> {
    host: &'a str,
    /// `ok`, `warn` (warnings, nothing failed) or `fail`.
    result: &'static str,
    /// The exit status: 0, or [`Exit::CheckFailed`]'s when a check failed.
    exit: u8,
    checks: &'a [Verdict],
}

fn finish(args: &DoctorArgs, host: &str, mut r: Report) -> Result<Exit, UserError> {
    // Whatever a verdict quotes (a host, ssh's or warp-cli's words), nothing in it acts on the
    // terminal or hides: such characters are shown escaped.
    for v in &mut r.verdicts {
        v.detail = escaped(&v.detail);
        v.fix = v.fix.as_deref().map(escaped);
    }
    let has = |s: Status| r.verdicts.iter().any(|v| v.status == s);
    let (result, exit) = if has(Status::Fail) {
        ("fail", Exit::CheckFailed)
    } else if has(Status::Warn) {
        ("warn", Exit::Ok)
    } else {
        ("ok", Exit::Ok)
    };
    let text = if args.json {
        let summary = Summary {
            host,
            result,
            exit: exit.code(),
            checks: &r.verdicts,
        };
        serde_json::to_string_pretty(&summary).unwrap_or_default() + "\n"
    } else {
        let mut t = String::new();
        for v in &r.verdicts {
            let mark = match v.status {
                Status::Ok => "ok  ",
                Status::Warn => "warn",
                Status::Fail => "FAIL",
                Status::Skip => "skip",
                Status::Fixed => "FIXED",
            };
            t.push_str(&format!("{mark:<5} {:<12} {}\n", v.check, v.detail));
            if let Some(f) = &v.fix
                && v.status != Status::Ok
            {
                t.push_str(&format!("{:<5} {:<12} fix: {f}\n", "", ""));
            }
        }
        t
    };
    // A report nobody can read is no report: a full disk is an error (a reader that went away,
    // `| head`, is not).
    crate::ui::write_result("the report", text.as_bytes())?;
    Ok(exit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(pc: &str, hostname: &str) -> SshView {
        SshView {
            proxy_command: pc.into(),
            hostname: hostname.into(),
            port: 2222,
            user: "u".into(),
            ..SshView::default()
        }
    }

    #[test]
    fn secrets_in_a_proxy_command_are_redacted_in_every_spelling() {
        for (pc, shown) in [
            (
                "zssh proxy --service-token-id a.access --service-token-secret S1 %h",
                "zssh proxy --service-token-id a.access --service-token-secret [redacted] %h",
            ),
            (
                "zssh proxy --secret=S2 %h",
                "zssh proxy --secret=[redacted] %h",
            ),
            (
                "cloudflared access ssh -secret S3 --hostname %h",
                "cloudflared access ssh -secret [redacted] --hostname %h",
            ),
            (
                "TUNNEL_SERVICE_TOKEN_SECRET=S4 zssh proxy %h",
                "TUNNEL_SERVICE_TOKEN_SECRET=[redacted] zssh proxy %h",
            ),
            (
                "zssh proxy --secret 'S5 with space' %h",
                "zssh proxy --secret [redacted] %h",
            ),
            ("zssh proxy --secret", "zssh proxy --secret"),
            // Headers carry service tokens and cookies; `sh -c` scripts are command lines too.
            (
                "zssh proxy -H 'CF-Access-Client-Secret: S6' -H 'CF-Access-Client-Id: i' %h",
                "zssh proxy -H [redacted] -H [redacted] %h",
            ),
            (
                "zssh proxy --header='cookie: CF_Authorization=S7' %h",
                "zssh proxy --header=[redacted] %h",
            ),
            (
                "zssh proxy -HAuthorization:S8 %h",
                "zssh proxy -H[redacted] %h",
            ),
            (
                "sh -c 'zssh proxy --service-token-secret S9 %h'",
                "sh -c 'zssh proxy --service-token-secret [redacted] %h'",
            ),
            (
                "bash -c \"exec zssh proxy --secret S10 -H 'X: S11' %h\"",
                "bash -c \"exec zssh proxy --secret [redacted] -H [redacted] %h\"",
            ),
        ] {
            assert_eq!(redacted(pc), shown, "{pc}");
        }
    }

    /// What zssh itself would refuse is not "ok": a no-break space pasted into the ProxyCommand
    /// (the shell does not split there), two hosts, a misspelt flag. Assignments in front are
    /// not the program, and a `sh -c` script is not judged word by word.
    #[test]
    fn a_proxy_command_zssh_would_refuse_is_named() {
        for pc in [
            "zssh proxy --hostname\u{a0}%h",
            "zssh proxy --hostname other.example %h",
            "zssh proxy --SERVICE-TOKEN-SECRET x %h",
        ] {
            let p = proxied(&view(pc, "app.example"), "alias");
            assert!(p.refused.is_some(), "{pc}: {p:?}");
        }
        for pc in [
            "zssh proxy %h",
            "zssh proxy --hostname %h",
            "ZSSH_LOG=debug zssh proxy %h",
            "zssh access ssh --hostname %h",
            "sh -c 'exec zssh proxy %h'",
        ] {
            let p = proxied(&view(pc, "app.example"), "alias");
            assert_eq!(p.refused, None, "{pc}");
        }
        let p = proxied(
            &view("ZSSH_LOG=debug zssh proxy tok.example", "app.example"),
            "a",
        );
        assert_eq!(p.app_host.as_deref(), Some("tok.example"));
    }

    #[test]
    fn the_application_is_the_host_the_proxy_command_names() {
        let cases = [
            ("zssh proxy --hostname %h", Some("app.example")),
            ("/usr/bin/zssh proxy %h", Some("app.example")),
            ("zssh proxy -T other.example", Some("other.example")),
            (
                "zssh --debug proxy --keepalive 5s x%%y.%n",
                Some("x%y.alias"),
            ),
            ("zssh access ssh --hostname=%h:%p", Some("app.example:2222")),
            ("zssh access ssh 127.0.0.1:2000", None),
            (
                "cloudflared access ssh --tunnel-host %h",
                Some("app.example"),
            ),
            ("'/opt/my tools/zssh' proxy \"%h\"", Some("app.example")),
            ("nc %h %p", None),
        ];
        for (pc, want) in cases {
            let p = proxied(&view(pc, "app.example"), "alias");
            assert_eq!(p.app_host.as_deref(), want, "{pc}");
        }
        let p = proxied(
            &view(
                "env TUNNEL_SERVICE_TOKEN_SECRET=s zssh proxy --id i --destination %h:22 %h",
                "d.example",
            ),
            "d",
        );
        assert_eq!(
            (p.service_id.as_deref(), p.service_secret.as_deref()),
            (Some("i"), Some("s"))
        );
        assert_eq!(p.destination.as_deref(), Some("d.example:22"));
    }

    #[test]
    fn invisible_characters_are_shown_escaped() {
        assert_eq!(
            escaped("a\u{200b}b\u{202e}c\u{7}"),
            "a\\u{200b}b\\u{202e}c\\u{0007}"
        );
        assert_eq!(one_line("a\r\n\n  b\n"), "a; b");
    }
}
