//! `zssh known-hosts check|repair HOST`: fetch the host key the path presents now (through the
//! edge, or `--direct`), compare it with the known_hosts entries ssh checks for the host, and
//! (repair) replace stale entries after asking, with a backup taken before the first change.
//!
//! Which names and files: what `ssh -G [-F FILE] [-p PORT] HOST` says ssh uses — HostName,
//! Port, HostKeyAlias (`HOST.zssh` after `zssh config HOST`), every UserKnownHostsFile (the new
//! entry goes where the stale one was, else to the first, as ssh adds keys there; stale entries
//! leave all of them) and GlobalKnownHostsFile (read and reported, never written), and
//! HashKnownHosts for a new entry. `--known-hosts` and `--host-key-alias` override; without an
//! ssh to ask, ~/.ssh/known_hosts and the host's own name are used.
//!
//! A host whose stanza `zssh config --warp-targets` wrote (HostKeyAlias
//! [`ssh_config::WARP_HOST_KEY_ALIAS`], no ProxyCommand) is on the WARP path: its key is fetched
//! directly from HostName and Port (through the Cloudflare One Client, where the Gateway SSH
//! proxy answers), not through the edge, and the one alias entry it repairs serves every
//! target of the account (a seed rotation is one repair).
//!
//! ssh appends to known_hosts without a lock while repair waits on the network and the person,
//! so the file is edited at write time through [`crate::userfile`]: under zssh's lock on it,
//! re-read, the same edit applied to what is there now, replaced only if nothing changed
//! meanwhile (else again).
//!
//! Before a WARP target's key is taken for the proxy's, the kernel's route to its address must
//! go through the Cloudflare One Client (as `zssh targets` checks); otherwise check and repair
//! refuse (exit 9) and name `zssh doctor IP`. The alias itself is refused as a HOST.
//!
//! The report goes to stdout; the question goes to the terminal (/dev/tty); errors to stderr.
//! Exit status: check → 0 when known_hosts accepts the key, 1 (`Exit::Failure`) when it differs or
//! is missing; repair → 0 when repaired or already correct, 1 when the answer was no.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cli::{KnownHostsArgs, KnownHostsCommand};
use crate::error::UserError;
use crate::exit::Exit;
use crate::fsutil;
use crate::hostkey::{self, FetchError};
use crate::known_hosts::{self, Found, How, Key, KnownHosts, Marker, Repair, SshView, Status};
use crate::paths;
use crate::ssh_config;
use crate::ui::LoginUi;
use crate::userfile::{self, UserFile};
use crate::warp;

/// Appended to the file name for the one-time backup.
const BACKUP_SUFFIX: &str = ".zssh-backup";

/// One known_hosts file ssh reads for the host.
struct Source {
    path: PathBuf,
    /// A UserKnownHostsFile (zssh may change it); false: a GlobalKnownHostsFile (read only).
    user: bool,
    /// The text; empty when the file does not exist or is not a regular file.
    kh: KnownHosts,
    /// Whether it is a regular file or does not exist yet (so zssh may write it).
    writable: bool,
}

pub async fn run(cmd: KnownHostsCommand) -> Result<Exit, UserError> {
    let (repair, args) = match cmd {
        KnownHostsCommand::Check(a) => (false, a),
        KnownHostsCommand::Repair(a) => (true, a),
    };
    refuse_the_alias_itself(&args)?;
    let lookup = Lookup::new(&args)?;
    if lookup.warp {
        through_the_client(&lookup)?;
    }
    let (key, via) = fetch_key(&lookup).await?;
    lookup.report(&key, &via);
    lookup.refuse_revoked(&key)?;
    let again = again_command(&args);
    let Some(status) = lookup.verdict(&key) else {
        return Ok(Exit::Ok);
    };
    if !repair {
        return Err(lookup.check_failed(status, &again));
    }
    repair_entries(&args, &lookup, Fix::new(&lookup, key)?, status, &again)
}

/// Which host key ssh checks, and against which entries: the host as given, the one ssh
/// connects to, the name it looks the key up under, and the files it reads.
struct Lookup {
    host: String,
    /// The HostName (ssh connects to it, and its ProxyCommand's %h is it).
    target: String,
    /// The name the entries are looked up (and written) under.
    name: String,
    /// The port to fetch the key from directly (`--direct`, or a WARP target's Port); `None`:
    /// through the edge.
    direct: Option<u16>,
    /// A WARP target's stanza: the key is the Gateway SSH proxy's, under the shared alias.
    warp: bool,
    /// The UserKnownHostsFiles: `sources[..user_files.len()]`.
    user_files: Vec<PathBuf>,
    /// HashKnownHosts, for a new entry.
    hash: Option<bool>,
    /// Every file ssh reads, user files first.
    sources: Vec<Source>,
    /// The entries for `name`, by index into `sources`.
    found: Vec<(usize, Found)>,
}

impl Lookup {
    fn new(args: &KnownHostsArgs) -> Result<Lookup, UserError> {
        let host = parse_host(&args.host)?;
        let alias = parse_alias(args)?;
        let view = ask_ssh(args)?;
        let home = paths::home()?;
        let target = view
            .as_ref()
            .and_then(|v| v.hostname.as_deref())
            .and_then(|h| parse_host(h).ok())
            .unwrap_or_else(|| host.clone());
        let port = args
            .direct
            .flatten()
            .or(view.as_ref().and_then(|v| v.port))
            .unwrap_or(22);
        let name = alias
            .or_else(|| view.as_ref().and_then(|v| v.host_key_alias.clone()))
            .unwrap_or_else(|| known_hosts::lookup_name(&target, port));
        // ssh connects to a WARP target itself: the key is the one shown on that path.
        let warp =
            name == ssh_config::WARP_HOST_KEY_ALIAS && view.as_ref().is_none_or(|v| !v.proxied);
        let direct = (args.direct.is_some() || warp).then_some(port);
        let (user_files, global_files) = match (&args.known_hosts, &view) {
            (Some(p), _) => (vec![p.clone()], Vec::new()),
            (None, Some(v)) => (expand(&v.user_files, &home), expand(&v.global_files, &home)),
            (None, None) => (vec![paths::known_hosts()?], Vec::new()),
        };
        let mut sources = Vec::new();
        for p in &user_files {
            sources.push(load(p, true)?);
        }
        for p in &global_files {
            sources.push(load(p, false)?);
        }
        let found = sources
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.kh.lookup(&name).into_iter().map(move |f| (i, f)))
            .collect();
        Ok(Lookup {
            host,
            target,
            name,
            direct,
            warp,
            user_files,
            hash: view.as_ref().and_then(|v| v.hash),
            sources,
            found,
        })
    }

    /// The key types the entries hold, for the server to present one of them.
    fn preferred_algorithms(&self) -> Vec<String> {
        self.found
            .iter()
            .filter(|(_, f)| f.marker.is_none())
            .map(|(_, f)| f.key.algo.clone())
            .collect()
    }

    /// The key presented and each entry found, as ssh would judge it.
    fn report(&self, key: &Key, via: &str) {
        let shown = if self.name == self.host {
            self.host.clone()
        } else {
            format!("{} (stored as {})", self.host, self.name)
        };
        crate::outln!("{shown} presents {} ({via})", key.fingerprint());
        for (i, f) in &self.found {
            let s = &self.sources[*i];
            let mut line = describe(&s.path, f, key);
            if !s.user {
                line.push_str(" (a system-wide file; zssh leaves it alone)");
            }
            crate::outln!("  {line}");
        }
    }

    /// A key marked @revoked in any file is an error, whatever else says.
    fn refuse_revoked(&self, key: &Key) -> Result<(), UserError> {
        let revoked: Vec<String> = self
            .sources
            .iter()
            .flat_map(|s| {
                s.kh.revoked(&self.name, key)
                    .into_iter()
                    .map(|line| format!("{} line {line}", s.path.display()))
            })
            .collect();
        if revoked.is_empty() {
            return Ok(());
        }
        Err(UserError::new(
            Exit::Failure,
            format!(
                "the key {} presents is marked @revoked in {}",
                self.host,
                revoked.join(", ")
            ),
            "do not connect: this key was revoked on purpose; ask the server's administrator",
        ))
    }

    /// ssh loads every file and accepts the key when any entry holds it (hostfile.c). Says
    /// which; `None` when it does, else whether the entries differ or are missing.
    fn verdict(&self, key: &Key) -> Option<Status> {
        let statuses: Vec<Status> = self
            .sources
            .iter()
            .map(|s| s.kh.status(&self.name, key))
            .collect();
        let files = self.files();
        if let Some(i) = statuses.iter().position(|s| *s == Status::Matches) {
            crate::outln!(
                "{}: matches; ssh will accept this key",
                self.sources[i].path.display()
            );
            return None;
        }
        if statuses.contains(&Status::Differs) {
            crate::outln!(
                "{files}: differs; ssh will refuse to connect (\"host key has changed\")"
            );
            crate::outln!("  why: {}", self.why_changed());
            crate::outln!(
                "  if you did not expect a change, someone may be intercepting the connection: \
                 compare the new fingerprint with one the server's administrator gives you first"
            );
            return Some(Status::Differs);
        }
        crate::outln!("{files}: missing; ssh has no entry for {}", self.name);
        Some(Status::Missing)
    }

    /// `check` found the key missing or different.
    fn check_failed(&self, status: Status, again: &str) -> UserError {
        let files = self.files();
        let (message, hint) = match status {
            Status::Missing => (
                format!("{files} has no entry for {}", self.name),
                format!("to add the key above, run: zssh known-hosts repair {again}"),
            ),
            _ => (
                format!("{files} does not hold the key {} presents", self.host),
                format!(
                    "if you expected the change (ask the server's administrator if unsure), run: zssh known-hosts repair {again}"
                ),
            ),
        };
        UserError::new(Exit::Failure, message, hint)
    }

    /// The user files, as messages name them.
    fn files(&self) -> String {
        show_files(&self.user_files)
    }

    fn why_changed(&self) -> String {
        let host = &self.host;
        if self.warp {
            format!(
                "{host} is a WARP target: the key is the account's Gateway SSH proxy's, and it changes when an administrator rotates the account's seed (or this device joins another organization); {} serves every WARP target, so one repair covers them all",
                self.name
            )
        } else if self.direct.is_some() {
            format!(
                "{host} was reinstalled, its key was rotated, or the address now reaches a different machine"
            )
        } else {
            format!(
                "the edge now routes {host} to a different server, or the server's key was rotated"
            )
        }
    }
}

/// `zssh known-hosts repair zssh-warp-proxy`: the shared alias is no host; whatever answers at
/// that name (a DNS search domain, a hosts entry) must not become the key of every WARP target.
fn refuse_the_alias_itself(args: &KnownHostsArgs) -> Result<(), UserError> {
    let host = args.host.rsplit_once('@').map_or(&*args.host, |(_, h)| h);
    if !host.eq_ignore_ascii_case(ssh_config::WARP_HOST_KEY_ALIAS) {
        return Ok(());
    }
    Err(UserError::usage(
        format!(
            "{host} is the name the Gateway SSH proxy's key is stored under, not a host to fetch a key from"
        ),
        "name one of your WARP targets instead (zssh targets lists them), e.g. zssh known-hosts repair web.example",
    ))
}

/// A WARP target's key is the Gateway SSH proxy's only when the kernel sends its address through
/// the Cloudflare One Client; out the LAN, whatever answers there would become the key pinned
/// for every target. Says where the address goes and refuses (check: a failing verdict).
fn through_the_client(lookup: &Lookup) -> Result<(), UserError> {
    let target = &lookup.target;
    let port = lookup.direct.unwrap_or(22);
    let ip = match target.parse::<std::net::IpAddr>() {
        Ok(ip) => Some(ip),
        Err(_) => std::net::ToSocketAddrs::to_socket_addrs(&(target.as_str(), port))
            .ok()
            .and_then(|mut a| a.next())
            .map(|a| a.ip()),
    };
    let route = match ip {
        Some(ip) => warp::route::lookup(ip).map(|r| (ip, r)),
        None => Err(format!("{target} does not resolve")),
    };
    let why = match &route {
        Ok((_, r)) if r.tunnelled => return Ok(()),
        // No route lookup there (`ip`/`route` are Linux and macOS tools): as before, with a note.
        Err(e) if cfg!(windows) => {
            crate::errln!(
                "zssh: note: cannot tell whether {target} goes through the Cloudflare One Client ({e}); zssh doctor {target} checks the client"
            );
            return Ok(());
        }
        Ok((ip, r)) => format!(
            "{ip} ({}) goes out {}, not through the Cloudflare One Client: the key there is not the Gateway SSH proxy's",
            lookup.host,
            crate::human::shown(&r.describe(), usize::MAX)
        ),
        Err(e) => format!(
            "cannot tell whether {target} ({}) goes through the Cloudflare One Client: {}",
            lookup.host,
            crate::human::shown(e, usize::MAX)
        ),
    };
    crate::outln!("{} (stored as {}): {why}", lookup.host, lookup.name);
    let doctor = ip.map_or_else(|| target.clone(), |ip| ip.to_string());
    Err(UserError::new(
        Exit::Warp,
        format!("{why}; {} was not changed", lookup.files()),
        format!(
            "see why the address is not routed through the client and how to fix it: zssh doctor {doctor}"
        ),
    ))
}

/// `--host-key-alias`, checked.
fn parse_alias(args: &KnownHostsArgs) -> Result<Option<String>, UserError> {
    match &args.host_key_alias {
        Some(alias) if !alias.is_empty() && !alias.contains([' ', '\t', ',', '\n']) => {
            Ok(Some(alias.clone()))
        }
        Some(alias) => Err(UserError::usage(
            format!("invalid host key alias {alias:?}"),
            "pass the HostKeyAlias value from your ssh config, e.g. --host-key-alias myserver",
        )),
        None => Ok(None),
    }
}

/// The host key the path presents now (directly with `--direct`, else through the edge), and
/// how it was fetched.
async fn fetch_key(lookup: &Lookup) -> Result<(Key, String), UserError> {
    let target = &lookup.target;
    let prefer = lookup.preferred_algorithms();
    match lookup.direct {
        Some(port) => {
            let key = hostkey::fetch_direct(target, port, &prefer)
                .await
                .map_err(|e| {
                    let mut err = direct_error(target, port, e);
                    if lookup.warp {
                        err.hint = format!("check that the Cloudflare One Client is connected and routes {target}: zssh doctor {}", lookup.host);
                    }
                    err
                })?;
            let via = if lookup.warp {
                format!(
                    "from {target} port {port}: the Gateway SSH proxy's key, one for every WARP target"
                )
            } else {
                format!("directly from {target} port {port}")
            };
            Ok((key, via))
        }
        None => Ok((
            hostkey::fetch_via_edge(target, &prefer, Box::new(LoginUi::new(target, false))).await?,
            "through the edge".to_string(),
        )),
    }
}

/// The repair: the new entry goes where a stale one was (ssh would find it there), else to
/// the first user file (where ssh adds keys); stale entries leave every user file.
struct Fix {
    name: String,
    key: Key,
    salt: [u8; 20],
    hash: Option<bool>,
    /// The user file the new entry goes to.
    target_file: usize,
}

impl Fix {
    fn new(lookup: &Lookup, key: Key) -> Result<Fix, UserError> {
        if lookup.user_files.is_empty() {
            return Err(UserError::local(
                format!(
                    "ssh keeps no known_hosts file of its own for {} (UserKnownHostsFile none)",
                    lookup.host
                ),
                "set UserKnownHostsFile in your ssh config, or pass --known-hosts FILE",
            ));
        }
        let mut salt = [0u8; 20];
        ssh_key::getrandom::fill(&mut salt).map_err(|e| {
            UserError::new(
                Exit::Failure,
                format!("cannot get random bytes for a hashed entry: {e}"),
                "this system's random source is unavailable; try again",
            )
        })?;
        let removable = |i: usize| {
            lookup.found.iter().any(|(j, f)| {
                *j == i && f.marker.is_none() && f.key != key && f.how != How::Pattern
            })
        };
        let target_file = (0..lookup.user_files.len())
            .find(|&i| removable(i))
            .unwrap_or(0);
        Ok(Fix {
            name: lookup.name.clone(),
            key,
            salt,
            hash: lookup.hash,
            target_file,
        })
    }

    /// The change to user file `i`, which holds `kh`.
    fn apply(&self, i: usize, kh: &KnownHosts) -> Repair {
        if i == self.target_file {
            kh.repair(&self.name, &self.key, &self.salt, self.hash)
        } else {
            kh.remove_stale(&self.name, &self.key)
        }
    }
}

/// `repair`: plan the change to each user file, ask (unless `--yes`), then make it on what the
/// files hold by then.
fn repair_entries(
    args: &KnownHostsArgs,
    lookup: &Lookup,
    fix: Fix,
    status: Status,
    again: &str,
) -> Result<Exit, UserError> {
    let plans: Vec<(usize, Repair)> = (0..lookup.user_files.len())
        .map(|i| (i, fix.apply(i, &lookup.sources[i].kh)))
        .filter(|(_, r)| r.changed())
        .collect();
    if plans.is_empty() {
        crate::outln!("{}: nothing to change", lookup.files());
        return Ok(Exit::Ok);
    }
    for (i, plan) in &plans {
        let s = &lookup.sources[*i];
        if !s.writable {
            return Err(UserError::local(
                format!(
                    "cannot repair {}: {}; zssh replaces only regular files",
                    s.path.display(),
                    fsutil::NOT_REGULAR
                ),
                "point UserKnownHostsFile (or --known-hosts) at a regular file",
            ));
        }
        for line in &plan.kept_patterns {
            crate::outln!(
                "  {} line {line} names {} only through a wildcard; it stays (the new entry takes precedence)",
                s.path.display(),
                lookup.name
            );
        }
    }
    if !args.yes {
        ask(lookup, &fix, &plans, status, again)?;
    }
    // Edit what the files hold now, not what they held before the network and the question.
    for (i, _) in &plans {
        let path = &lookup.sources[*i].path;
        match rewrite(path, |kh| fix.apply(*i, kh))? {
            Some((plan, backed_up)) => report_repair(path, &lookup.name, &plan, backed_up),
            None => crate::outln!("{}: nothing to change any more", path.display()),
        }
    }
    Ok(Exit::Ok)
}

/// Ask before changing the files, naming the backups that will be taken; no is an error.
fn ask(
    lookup: &Lookup,
    fix: &Fix,
    plans: &[(usize, Repair)],
    status: Status,
    again: &str,
) -> Result<(), UserError> {
    let name = &lookup.name;
    let changed: Vec<PathBuf> = plans
        .iter()
        .map(|(i, _)| lookup.sources[*i].path.clone())
        .collect();
    let what = match status {
        Status::Missing => format!(
            "Add {name} with this key to {}",
            lookup.sources[fix.target_file].path.display()
        ),
        _ => format!(
            "Replace the entries for {name} in {} with this key",
            show_files(&changed)
        ),
    };
    let backups: Vec<String> = changed
        .iter()
        .map(|p| backup_path(p))
        .filter(|b| !b.exists())
        .map(|b| b.display().to_string())
        .collect();
    let question = if backups.is_empty() {
        format!("{what}?")
    } else {
        format!("{what} (backup: {})?", backups.join(", "))
    };
    if confirm(&question, again)? {
        return Ok(());
    }
    Err(UserError::new(
        Exit::Failure,
        format!("{} was not changed", lookup.files()),
        format!("to change it, run again and answer y, or: zssh known-hosts repair --yes {again}"),
    ))
}

/// What the repair did to one file.
fn report_repair(path: &Path, name: &str, plan: &Repair, backed_up: bool) {
    if backed_up {
        crate::outln!(
            "backed up {} to {}",
            path.display(),
            backup_path(path).display()
        );
    }
    let form = if plan.hashed { "a hashed" } else { "an" };
    let mut done = Vec::new();
    if !plan.removed.is_empty() {
        done.push(format!("removed line {}", join(&plan.removed)));
    }
    if !plan.edited.is_empty() {
        done.push(format!("took {name} out of line {}", join(&plan.edited)));
    }
    if plan.added {
        done.push(format!("added {form} entry for {name}"));
    }
    crate::outln!("{}: {}", path.display(), done.join(", "));
}

/// What `ssh -G` says ssh does for the host (`None`: there is no ssh to ask, or it failed and
/// both the file and the alias were given).
fn ask_ssh(args: &KnownHostsArgs) -> Result<Option<SshView>, UserError> {
    let mut cmd = Command::new("ssh");
    if let Some(f) = &args.ssh_config {
        cmd.arg("-F").arg(f);
    }
    if let Some(Some(p)) = args.direct {
        cmd.arg("-p").arg(p.to_string());
    }
    let out = cmd
        .arg("-G")
        // A host that starts with '-' is a host, not an option.
        .arg("--")
        .arg(&args.host)
        .stdin(std::process::Stdio::null())
        .output();
    let overridden = args.known_hosts.is_some() && args.host_key_alias.is_some();
    match out {
        Ok(o) if o.status.success() => Ok(Some(known_hosts::parse_ssh_g(&o.stdout))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        _ if overridden => Ok(None),
        Err(e) => Err(UserError::local(
            format!("cannot run ssh -G to learn which known_hosts files ssh reads: {e}"),
            "pass --known-hosts FILE and --host-key-alias ALIAS to name them yourself",
        )),
        Ok(o) => {
            let said = String::from_utf8_lossy(&o.stderr);
            let first = said.lines().map(str::trim).find(|l| !l.is_empty());
            Err(UserError::local(
                format!(
                    "ssh -G {} failed: {}",
                    args.host,
                    first.unwrap_or("no reason given")
                ),
                "fix the ssh config error shown (ssh itself fails the same way), or pass --ssh-config FILE",
            ))
        }
    }
}

/// File names as ssh prints them, `~` expanded (older ssh printed them unexpanded).
fn expand(files: &[String], home: &Path) -> Vec<PathBuf> {
    files
        .iter()
        .map(|f| match f.strip_prefix("~/") {
            Some(rest) => home.join(rest),
            None if f == "~" => home.to_path_buf(),
            None => PathBuf::from(f),
        })
        .collect()
}

fn show_files(files: &[PathBuf]) -> String {
    if files.is_empty() {
        return "known_hosts (none configured)".into();
    }
    files
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Read one file ssh reads. A user file that cannot be read is an error; a system-wide one is
/// skipped (ssh cannot read it either, or it is not zssh's to judge).
fn load(path: &Path, user: bool) -> Result<Source, UserError> {
    // Edit the file a symlink points to, not the link (dotfile managers link known_hosts).
    let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let (bytes, writable) = match read(&path) {
        Ok(b) => (b.unwrap_or_default(), true),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => (Vec::new(), false),
        Err(_) if !user => (Vec::new(), false),
        Err(e) => return Err(read_error(&path, &e)),
    };
    Ok(Source {
        kh: KnownHosts::parse(&bytes),
        path,
        user,
        writable,
    })
}

fn read(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    fsutil::read_regular(path, userfile::MAX_FILE)
}

fn read_error(path: &Path, e: &std::io::Error) -> UserError {
    UserError::local(
        format!("cannot read {}: {e}", path.display()),
        "check that the file is readable by you, or pass another with --known-hosts",
    )
}

/// Apply `edit` to what `file` holds at write time (see [`UserFile::edit`]: under zssh's lock on
/// it, re-read, backed up once, replaced only if nothing appended meanwhile, else again).
/// Returns the edit made and whether the backup was taken now (`None`: nothing to change any
/// more, e.g. another repair did it).
fn rewrite(
    file: &Path,
    edit: impl Fn(&KnownHosts) -> Repair,
) -> Result<Option<(Repair, bool)>, UserError> {
    let user_file = UserFile::at(file)
        .map_err(|e| read_error(file, &e))?
        .backup_to(backup_path(file));
    let edited = user_file
        .edit(|now| {
            let plan = edit(&KnownHosts::parse(now.unwrap_or_default()));
            let changed = plan.changed();
            if changed {
                test_hook_after_read();
            }
            changed.then_some(plan)
        })
        .map_err(|e| match e {
            userfile::Error::KeptChanging { file } => UserError::local(
                format!(
                    "{} kept changing while zssh rewrote it; it was not changed",
                    file.display()
                ),
                "run the repair again when the ssh sessions adding keys to it are done",
            ),
            e => e.into(),
        })?;
    Ok(edited.map(|e| (e.content, e.backed_up)))
}

/// Test-only: with `ZSSH_TEST_KNOWN_HOSTS_HOOK` set to a shell command, it runs after each
/// re-read, before the replacement (the integration tests append to the file there, as ssh
/// may, to show the rewrite starts over instead of losing the lines). Only in debug builds,
/// which the tests use: a release binary never runs a command from its environment.
#[cfg(not(debug_assertions))]
fn test_hook_after_read() {}

#[cfg(debug_assertions)]
fn test_hook_after_read() {
    if let Some(cmd) = std::env::var_os("ZSSH_TEST_KNOWN_HOSTS_HOOK").filter(|c| !c.is_empty()) {
        let _ = Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .stdin(std::process::Stdio::null())
            .status();
    }
}

/// `HOST` or `user@HOST` → the host, validated.
fn parse_host(raw: &str) -> Result<String, UserError> {
    let host = raw.rsplit_once('@').map_or(raw, |(_, h)| h);
    // `raw` goes to `ssh -G` as an argument: it must not read as an option.
    if raw.starts_with('-')
        || host.is_empty()
        || host.starts_with('-')
        || host.contains(|c: char| c.is_whitespace() || c == ',' || c == '/' || c.is_control())
    {
        return Err(UserError::usage(
            format!("invalid host {raw:?}"),
            "give the host as you type it after ssh, e.g. ssh.example.com or alice@ssh.example.com",
        ));
    }
    Ok(host.to_ascii_lowercase())
}

/// The arguments to run the same lookup again (for hints).
fn again_command(args: &KnownHostsArgs) -> String {
    let mut out = Vec::new();
    match args.direct {
        Some(Some(port)) => out.push(format!("--direct {port}")),
        Some(None) => out.push("--direct".into()),
        None => {}
    }
    if let Some(alias) = &args.host_key_alias {
        out.push(format!("--host-key-alias {alias}"));
    }
    if let Some(file) = &args.known_hosts {
        out.push(format!("--known-hosts {}", file.display()));
    }
    if let Some(file) = &args.ssh_config {
        out.push(format!("--ssh-config {}", file.display()));
    }
    out.push(args.host.clone());
    out.join(" ")
}

fn describe(file: &Path, f: &Found, key: &Key) -> String {
    let verdict = match f.marker {
        Some(_) => "left alone",
        None if &f.key == key => "same key",
        None => "different key",
    };
    let how = match (f.marker, f.how) {
        (Some(Marker::CertAuthority), _) => "@cert-authority",
        (Some(Marker::Revoked), _) => "@revoked",
        (None, How::Hashed) => "hashed entry",
        (None, How::Exact) => "entry",
        (None, How::InList) => "entry in a host list",
        (None, How::Pattern) => "wildcard entry",
    };
    format!(
        "{} line {}: {how} {}: {verdict}",
        file.display(),
        f.line,
        f.key.fingerprint()
    )
}

fn join(lines: &[usize]) -> String {
    lines
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn direct_error(host: &str, port: u16, e: FetchError) -> UserError {
    match e {
        FetchError::Connect(e) => UserError::new(
            Exit::Unreachable,
            format!("cannot connect to {host} port {port}: {e}"),
            "check that the host is reachable directly (with WARP: that WARP is connected and routes it), or drop --direct to go through the edge",
        ),
        FetchError::Timeout => UserError::new(
            Exit::Unreachable,
            format!(
                "{host} port {port} did not show its host key within {}s",
                hostkey::TIMEOUT.as_secs()
            ),
            "check that an SSH server listens there and that nothing in between drops the connection",
        ),
        FetchError::Handshake(why) => UserError::new(
            Exit::Protocol,
            format!("cannot get the host key of {host} port {port}: {why}"),
            "check that an SSH server listens on that port",
        ),
    }
}

fn backup_path(file: &Path) -> PathBuf {
    userfile::with_suffix(file, BACKUP_SUFFIX)
}

/// Ask before changing known_hosts; no terminal (or `ZSSH_NONINTERACTIVE=1`) is an error that
/// says to pass --yes.
fn confirm(question: &str, again: &str) -> Result<bool, UserError> {
    crate::ui::ask_yes_no(question).ok_or_else(|| {
        UserError::usage(
            "zssh asks before changing known_hosts, and there is no terminal to ask on",
            format!(
                "check the fingerprints above, then run: zssh known-hosts repair --yes {again}"
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            parse_host("alice@SSH.Example.com").unwrap(),
            "ssh.example.com"
        );
        assert_eq!(parse_host("10.0.0.1").unwrap(), "10.0.0.1");
        for bad in ["", "a b", "-oProxyCommand=x", "-o@x", "a,b", "user@"] {
            assert!(parse_host(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn backup_is_next_to_the_file() {
        assert_eq!(
            backup_path(Path::new("/h/.ssh/known_hosts")),
            PathBuf::from("/h/.ssh/known_hosts.zssh-backup")
        );
    }

    fn key(seed: u8) -> Key {
        let mut blob = Vec::new();
        blob.extend_from_slice(&11u32.to_be_bytes());
        blob.extend_from_slice(b"ssh-ed25519");
        blob.extend_from_slice(&32u32.to_be_bytes());
        blob.extend_from_slice(&[seed; 32]);
        Key::from_blob(blob).unwrap()
    }

    #[cfg(unix)]
    #[test]
    fn rewrite_edits_the_current_text_keeps_mode_and_backs_up_once() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("known_hosts");
        let old = format!("host {}\n", key(1).to_field());
        std::fs::write(&f, &old).unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        let edit = |kh: &KnownHosts| kh.repair("host", &key(2), &[0; 20], Some(false));
        let (plan, backed_up) = rewrite(&f, edit).unwrap().unwrap();
        assert!(backed_up && plan.added);
        let new = format!("host {}\n", key(2).to_field());
        assert_eq!(std::fs::read_to_string(&f).unwrap(), new);
        let mode = std::fs::metadata(&f).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
        assert_eq!(std::fs::read_to_string(backup_path(&f)).unwrap(), old);
        // Nothing left to do; the backup stays the first one.
        assert!(rewrite(&f, edit).unwrap().is_none());
        std::fs::write(&f, format!("other x\n{old}")).unwrap();
        let (_, backed_up) = rewrite(&f, edit).unwrap().unwrap();
        assert!(!backed_up);
        assert_eq!(std::fs::read_to_string(backup_path(&f)).unwrap(), old);
        assert_eq!(
            std::fs::read_to_string(&f).unwrap(),
            format!("other x\n{new}")
        );
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "known_hosts",
                "known_hosts.zssh-backup",
                "known_hosts.zssh.lock"
            ]
        );
    }

    #[test]
    fn home_is_expanded() {
        let home = Path::new("/h");
        assert_eq!(
            expand(&["~/.ssh/kh".into(), "/etc/x".into(), "~".into()], home),
            [
                PathBuf::from("/h/.ssh/kh"),
                PathBuf::from("/etc/x"),
                PathBuf::from("/h")
            ]
        );
    }
}
