//! `zssh config`: write per-host stanzas into zssh's managed file (`~/.ssh/zssh_config`) and
//! one marked `Include` of it into the user's ssh config; `--uninstall` takes both out again,
//! `--dry-run` shows the change as a unified diff, `--print` shows cloudflared-style snippets.
//! `--warp-targets` writes the stanzas of the WARP path's targets instead (chosen by
//! [`crate::warp::hosts`] from `warp-cli target list`): the list is the truth, so a target gone
//! from it loses its stanza, and `--uninstall --warp-targets` removes only those stanzas.
//!
//! This file decides what changes and what to print; the text edits are in
//! [`crate::ssh_config`], and both files are edited through [`crate::userfile`] (symlinks
//! followed to their target, atomic replacement keeping the file's mode and owner, the change
//! applied again to what the file holds under its lock, nothing written when nothing changes;
//! the user's config is backed up before the first change).

use std::path::{Path, PathBuf};

use crate::cert_store::{OwnKey, cert_path_for};
use crate::cli::ConfigArgs;
use crate::error::UserError;
use crate::exit::Exit;
use crate::fsutil;
use crate::paths;
use crate::ssh_config::{self, Auth, Block, Identity, Stanza};
use crate::userfile::{self, UserFile};
use crate::warp;

pub async fn run(args: ConfigArgs) -> Result<Exit, UserError> {
    let wanted = Wanted::check(&args)?;
    if args.print {
        return print_snippets(&args, &wanted);
    }
    let files = Files::locate(&args, &wanted.home)?;
    // The client is asked before the lock is taken: it may take seconds.
    let warp = if args.warp_targets && !args.uninstall {
        Some(warp_stanzas(&args, &files, &wanted.home)?)
    } else {
        None
    };
    // Read, merge and replace under one lock: two `zssh config` runs at once (a provisioning
    // script looping in parallel) must not drop each other's stanzas.
    let _lock = wait_for_other_runs().await?;
    let plan = Plan::make(&args, &wanted, &files, warp)?;
    if args.dry_run {
        return Ok(show_diff(&files, &plan));
    }
    if !plan.managed_changes() && !plan.config_changes() {
        say_up_to_date(&args, &files);
        return Ok(Exit::Ok);
    }
    if args.uninstall {
        uninstall(&files, &plan)
    } else {
        install(&files, &plan)
    }
}

/// `--warp-targets`: the stanzas of the targets `warp-cli target list` shows (the notes about
/// the choices made go to stderr). No target to write is an error: an empty list would
/// otherwise remove every stanza written before.
fn warp_stanzas(args: &ConfigArgs, files: &Files, home: &Path) -> Result<WarpRun, UserError> {
    let warp::TargetList {
        targets,
        unreadable,
    } = warp::target_list()?;
    for u in &unreadable {
        crate::errln!(
            "zssh: note: a row of warp-cli target list could not be read ({}{}: {}); it gets no stanza",
            u.id.as_deref()
                .map_or_else(|| "no target ID".to_string(), |id| format!("target {id}")),
            u.hostname
                .as_deref()
                .map(|h| format!(", hostname {h}"))
                .unwrap_or_default(),
            u.why
        );
    }
    // Without the virtual networks, a name listed in several gets the first one listed.
    let active = warp::vnets().ok().and_then(|v| v.active_name());
    let mut choice = warp::hosts::choose(&targets, active.as_deref(), args.user.as_deref());
    for note in &choice.notes {
        crate::errln!("zssh: note: {note}");
    }
    // zssh's Include comes first in the user's config, so a stanza of its own would override
    // the user's own `Host` of that name: that target is left to the user's stanza.
    let own = users_own_hosts(files, home);
    choice.stanzas.retain(|s| {
        let Some((file, line, _)) = own.iter().find(|(_, _, n)| *n == s.host) else {
            return true;
        };
        crate::errln!(
            "zssh: note: {} is a Host of your own ({} line {line}); the WARP target ({} port {}) gets no stanza, so ssh {} keeps going where yours says (rename or remove yours to let zssh write one)",
            s.host,
            file.display(),
            s.ip,
            s.port,
            s.host
        );
        false
    });
    if choice.stanzas.is_empty() {
        return Err(UserError::new(
            Exit::Warp,
            format!(
                "warp-cli target list shows no SSH target to write a stanza for ({} listed)",
                targets.len()
            ),
            "check that this device is enrolled and connected (zssh targets), and that a policy gives you a target; nothing was changed",
        ));
    }
    let control_dir = if args.connection_sharing {
        Some(utf8(&paths::ssh_dir()?)?.to_string())
    } else {
        None
    };
    let blocks = choice
        .stanzas
        .into_iter()
        .map(|mut s| {
            s.control_dir = control_dir.clone();
            s.block()
        })
        .collect();
    Ok(WarpRun { blocks, unreadable })
}

/// What `--warp-targets` found: the blocks to write, and the rows that could not be read (their
/// targets' blocks from an earlier run are kept, not removed as gone).
struct WarpRun {
    blocks: Vec<Block>,
    unreadable: Vec<warp::targets::Unreadable>,
}

/// Of the WARP blocks written before, those whose target's row could not be read this time
/// (by target ID, or by hostname): kept as they are, with a note.
fn kept_unreadable(
    managed: &str,
    before: &[String],
    unreadable: &[warp::targets::Unreadable],
) -> Vec<String> {
    let kept: Vec<String> = before
        .iter()
        .filter(|p| {
            let id = ssh_config::warp_target_id(managed, p);
            unreadable.iter().any(|u| {
                (u.id.is_some() && u.id == id)
                    || u.hostname
                        .as_deref()
                        .is_some_and(|h| h.eq_ignore_ascii_case(p))
            })
        })
        .cloned()
        .collect();
    for p in &kept {
        crate::errln!(
            "zssh: note: {p}: its target's row could not be read this time; its stanza is kept as it was"
        );
    }
    kept
}

/// The literal `Host` names of the user's own config and the files it includes (not zssh's
/// managed file; glob includes are not followed): (file, line, name).
fn users_own_hosts(files: &Files, home: &Path) -> Vec<(PathBuf, usize, String)> {
    let mut out = Vec::new();
    let mut todo = vec![files.config.clone()];
    let mut seen: Vec<PathBuf> = vec![files.managed.clone()];
    while let Some(path) = todo.pop() {
        if seen.contains(&path) || seen.len() > 32 {
            continue;
        }
        seen.push(path.clone());
        let Ok(Some(text)) = read_optional(&path) else {
            continue;
        };
        for (line, names) in ssh_config::host_names(&text) {
            out.extend(names.into_iter().map(|n| (path.clone(), line, n)));
        }
        for inc in ssh_config::include_paths(&text) {
            if ssh_config::is_wildcard(&inc) {
                continue;
            }
            let p = expand_tilde(&inc, home);
            todo.push(if p.is_absolute() {
                p
            } else {
                home.join(".ssh").join(p)
            });
        }
    }
    out
}

/// What the user asked for, checked: the host patterns (each once), how ssh authenticates, and
/// the identity named with `--identity`.
struct Wanted {
    patterns: Vec<String>,
    auth: Auth,
    home: PathBuf,
    identity: Option<Identity>,
}

impl Wanted {
    fn check(args: &ConfigArgs) -> Result<Wanted, UserError> {
        let mut patterns: Vec<String> = Vec::new();
        for h in &args.hosts {
            let p = ssh_config::host_pattern(h)?;
            if !patterns.contains(&p) {
                patterns.push(p);
            }
        }
        if let Some(u) = &args.user {
            check_word(u, "--user", "a user name")?;
        }
        if let Some(d) = &args.destination {
            check_word(d, "--destination", "a HOST:PORT")?;
        }
        let auth = if args.short_lived_cert {
            Auth::ShortLivedCert
        } else if args.agent {
            Auth::Agent
        } else {
            Auth::Keys
        };
        let home = paths::home()?;
        let identity = match &args.identity {
            Some(file) => Some(identity(file, &home)?),
            None => None,
        };
        Ok(Wanted {
            patterns,
            auth,
            home,
            identity,
        })
    }
}

/// `--print`: cloudflared-style snippets on stdout; nothing is written.
fn print_snippets(args: &ConfigArgs, wanted: &Wanted) -> Result<Exit, UserError> {
    let zssh = zssh_word()?;
    let home_str = utf8(&wanted.home)?;
    let mut out = String::new();
    for p in &wanted.patterns {
        out.push_str(&ssh_config::cloudflared_snippet(
            home_str,
            p,
            &zssh,
            wanted.auth,
            args.user.as_deref(),
            args.destination.as_deref(),
            wanted.identity.as_ref(),
        ));
    }
    print_stdout(&out);
    Ok(Exit::Ok)
}

/// The two files: the user's ssh config and zssh's managed file it includes.
struct Files {
    /// The user's config as zssh edits it.
    user: UserFile,
    /// Its path, symlinks followed (as messages name it).
    config: PathBuf,
    managed: PathBuf,
    /// zssh's managed file as zssh edits it (its lock, not only the one under the state dir,
    /// serialises runs: two runs may not share a state dir).
    managed_file: UserFile,
    /// The `Include` line naming the managed file.
    include: String,
}

impl Files {
    fn locate(args: &ConfigArgs, home: &Path) -> Result<Files, UserError> {
        let given = expand_tilde(&args.ssh_config, home);
        let user = users_config(&given)?;
        let config = user.path().to_path_buf();
        let managed = paths::managed_ssh_config()?;
        let include = ssh_config::include_line(utf8(&managed)?);
        let managed_file = UserFile::at(&managed).map_err(|e| {
            UserError::local(
                format!("cannot read {}: {e}", managed.display()),
                "point the link at a file, or remove it",
            )
        })?;
        Ok(Files {
            user,
            config,
            managed,
            managed_file,
            include,
        })
    }
}

/// Wait (up to a minute, saying so after two seconds) for another `zssh config` run to finish;
/// the returned guard holds the lock until it is dropped.
async fn wait_for_other_runs() -> Result<impl Sized, UserError> {
    let mut told = false;
    crate::flock::acquire(
        &paths::lock_dir()?,
        "ssh-config",
        &crate::flock::Wait {
            what: "another zssh config run",
            // No login happens under this lock: a holder this slow is stuck on a local file.
            exit: Exit::Local,
            busy_with: None,
        },
        std::time::Duration::from_secs(60),
        &mut |pid, waited| {
            if !told && waited >= std::time::Duration::from_secs(2) {
                told = true;
                let pid = pid.map(|p| format!(" (pid {p})")).unwrap_or_default();
                crate::errln!(
                    "zssh: another zssh config run{pid} is editing the ssh config; waiting for it"
                );
            }
        },
    )
    .await
}

/// Both files as they are and as they will be (`None`: the file does not exist, or goes).
struct Plan {
    /// The stanzas to write (none for `--uninstall`).
    stanzas: Vec<Block>,
    /// The patterns written, or removed by `--uninstall` (none: all of zssh's).
    patterns: Vec<String>,
    /// WARP targets' stanzas whose target is gone from the list: removed when writing.
    stale: Vec<String>,
    old_config: Option<Vec<u8>>,
    new_config: Vec<u8>,
    old_managed: Option<String>,
    new_managed: Option<String>,
}

impl Plan {
    fn make(
        args: &ConfigArgs,
        wanted: &Wanted,
        files: &Files,
        warp: Option<WarpRun>,
    ) -> Result<Plan, UserError> {
        let old_config = read_optional(&files.config)?;
        let old_managed =
            read_optional(&files.managed)?.map(|b| String::from_utf8_lossy(&b).into_owned());
        markers_pair_up(&files.managed, old_managed.as_deref())?;
        let config = old_config.as_deref().unwrap_or_default();
        let warp_before = ssh_config::warp_patterns(old_managed.as_deref().unwrap_or_default());
        let (stanzas, unreadable) = match warp {
            _ if args.uninstall => (Vec::new(), Vec::new()),
            Some(run) => (run.blocks, run.unreadable),
            None => (stanzas(args, wanted)?, Vec::new()),
        };
        let (patterns, stale) = if !args.warp_targets {
            (wanted.patterns.clone(), Vec::new())
        } else if args.uninstall {
            (warp_before, Vec::new())
        } else {
            let written: Vec<String> = stanzas.iter().map(|b| b.pattern.clone()).collect();
            say_replaced(old_managed.as_deref(), &written, &warp_before);
            let gone: Vec<String> = warp_before
                .into_iter()
                .filter(|p| !written.contains(p))
                .collect();
            let kept = kept_unreadable(
                old_managed.as_deref().unwrap_or_default(),
                &gone,
                &unreadable,
            );
            let stale = gone.into_iter().filter(|p| !kept.contains(p)).collect();
            (written, stale)
        };
        let (new_managed, new_config) =
            if args.uninstall && args.warp_targets && patterns.is_empty() {
                // No WARP target's stanza: nothing of this run's to remove.
                (old_managed.clone(), config.to_vec())
            } else if args.uninstall {
                without(&patterns, old_managed.clone(), config)
            } else {
                let managed = edited(old_managed.clone().unwrap_or_default(), &stanzas, &stale);
                (
                    Some(managed),
                    ssh_config::add_include(config, &files.include),
                )
            };
        Ok(Plan {
            stanzas,
            patterns,
            stale,
            old_config,
            new_config,
            old_managed,
            new_managed,
        })
    }

    fn managed_changes(&self) -> bool {
        self.new_managed != self.old_managed
    }

    /// A config that does not exist and would stay empty is not created.
    fn config_changes(&self) -> bool {
        changes(self.old_config.as_deref(), &self.new_config)
    }
}

/// Refuse to edit a managed file whose block markers do not pair up (a hand edit removed an end
/// line): which block an edit replaces would be a guess, and a wrong one deletes other stanzas.
fn markers_pair_up(path: &Path, managed: Option<&str>) -> Result<(), UserError> {
    let Err(bad) = ssh_config::check_markers(managed.unwrap_or_default()) else {
        return Ok(());
    };
    Err(UserError::local(
        format!(
            "{} line {}: {}; nothing was written",
            path.display(),
            bad.line,
            crate::human::shown(&bad.why, usize::MAX)
        ),
        "restore the `# zssh: end NAME` line of that block, or delete the block from its `# zssh: begin NAME` line, then run again",
    ))
}

/// A target's name that already had a stanza of another kind (an Access application's, from
/// `zssh config HOST`): the WARP target's replaces it, and the person is told.
fn say_replaced(old_managed: Option<&str>, written: &[String], warp_before: &[String]) {
    let before = ssh_config::managed_patterns(old_managed.unwrap_or_default());
    for p in written {
        if before.contains(p) && !warp_before.contains(p) {
            crate::errln!(
                "zssh: note: {p} had a stanza of zssh config {p}; the WARP target's replaces it"
            );
        }
    }
}

/// The managed file with `stanzas` written and the `stale` ones removed.
fn edited(mut managed: String, stanzas: &[Block], stale: &[String]) -> String {
    for stanza in stanzas {
        managed = ssh_config::set_block(&managed, stanza);
    }
    for p in stale {
        managed = ssh_config::remove_stanza(&managed, p);
    }
    managed
}

/// `--uninstall`: the managed file without the stanzas of `patterns`, and the config as it is;
/// or, when no pattern is given or no stanza is left, no managed file and no Include.
fn without(
    patterns: &[String],
    old_managed: Option<String>,
    config: &[u8],
) -> (Option<String>, Vec<u8>) {
    let mut managed = old_managed;
    if !patterns.is_empty()
        && let Some(text) = &managed
    {
        let mut t = text.clone();
        for p in patterns {
            t = ssh_config::remove_stanza(&t, p);
        }
        managed = Some(t);
    }
    let remove_all = patterns.is_empty()
        || managed
            .as_deref()
            .is_none_or(|t| ssh_config::managed_patterns(t).is_empty());
    if remove_all {
        (None, ssh_config::remove_include(config))
    } else {
        (managed, config.to_vec())
    }
}

/// A stanza for each pattern (added to the managed file, or replacing one in place).
fn stanzas(args: &ConfigArgs, wanted: &Wanted) -> Result<Vec<Block>, UserError> {
    let zssh = zssh_word()?;
    let cloudflared_dir = utf8(&paths::cloudflared_dir()?)?.to_string();
    let control_dir = if args.connection_sharing {
        Some(utf8(&paths::ssh_dir()?)?.to_string())
    } else {
        None
    };
    let mut stanzas = Vec::new();
    for p in &wanted.patterns {
        stanzas.push(Stanza {
            pattern: p.clone(),
            zssh: zssh.clone(),
            auth: wanted.auth,
            user: args.user.clone(),
            destination: args.destination.clone(),
            cloudflared_dir: cloudflared_dir.clone(),
            control_dir: control_dir.clone(),
            identity: wanted.identity.clone(),
        });
    }
    Ok(stanzas.iter().map(Stanza::block).collect())
}

/// `--dry-run`: the change as a unified diff of each file it touches.
fn show_diff(files: &Files, plan: &Plan) -> Exit {
    let mut out = String::new();
    if plan.managed_changes() {
        out.push_str(&diff(
            &files.managed,
            plan.old_managed.as_deref().map(str::as_bytes),
            plan.new_managed.as_deref().map(str::as_bytes),
        ));
    }
    if plan.config_changes() {
        out.push_str(&diff(
            &files.config,
            plan.old_config.as_deref(),
            Some(&plan.new_config),
        ));
    }
    if out.is_empty() {
        crate::errln!("zssh: nothing to change");
    }
    print_stdout(&out);
    Exit::Ok
}

fn say_up_to_date(args: &ConfigArgs, files: &Files) {
    if args.uninstall {
        crate::errln!(
            "zssh: nothing of zssh's to remove from {}; nothing changed",
            files.config.display()
        );
    } else {
        crate::errln!(
            "zssh: {} and {} are up to date; nothing changed",
            files.config.display(),
            files.managed.display()
        );
    }
}

/// Take the Include out first, so the config never names a missing file, then the stanzas
/// (or the whole managed file).
fn uninstall(files: &Files, plan: &Plan) -> Result<Exit, UserError> {
    let patterns = &plan.patterns;
    if plan.config_changes() {
        write_config(&files.user, ssh_config::remove_include)?;
    }
    match &plan.new_managed {
        Some(_) if plan.managed_changes() => {
            write_managed(&files.managed_file, |mut now| {
                for p in patterns {
                    now = ssh_config::remove_stanza(&now, p);
                }
                now
            })?;
        }
        Some(_) => {}
        None => remove_file(&files.managed)?,
    }
    if patterns.is_empty() || plan.new_managed.is_none() {
        crate::errln!(
            "zssh: removed zssh's Include from {} and deleted {}",
            files.config.display(),
            files.managed.display()
        );
    } else {
        crate::errln!(
            "zssh: removed {} from {}",
            patterns.join(", "),
            files.managed.display()
        );
    }
    Ok(Exit::Ok)
}

/// Check that ssh reads the result, then write the managed file before the Include that names it.
fn install(files: &Files, plan: &Plan) -> Result<Exit, UserError> {
    let patterns = &plan.patterns;
    check_ssh_reads(files, plan)?;
    if plan.managed_changes() {
        write_managed(&files.managed_file, |now| {
            edited(now, &plan.stanzas, &plan.stale)
        })?;
    }
    if plan.config_changes() {
        write_config(&files.user, |now| {
            ssh_config::add_include(now, &files.include)
        })?;
    }
    crate::errln!(
        "zssh: wrote {} to {} (included from {})",
        patterns.join(", "),
        files.managed.display(),
        files.config.display()
    );
    if !plan.stale.is_empty() {
        crate::errln!(
            "zssh: removed {} (no longer in warp-cli target list)",
            plan.stale.join(", ")
        );
    }
    Ok(Exit::Ok)
}

/// ssh reads this config on every run: a change it cannot parse would break every ssh, so it is
/// tried on copies first (unless ssh already rejects the current files).
fn check_ssh_reads(files: &Files, plan: &Plan) -> Result<(), UserError> {
    let new_managed = plan.new_managed.as_deref().unwrap_or_default();
    let old_config = plan.old_config.as_deref().unwrap_or_default();
    let old_managed = plan.old_managed.as_deref().unwrap_or_default();
    if let Err(why) = ssh_reads(&plan.new_config, new_managed)
        && ssh_reads(old_config, old_managed).is_ok()
    {
        return Err(UserError::local(
            format!(
                "ssh would reject {} with this change, so nothing was changed: {why}",
                files.config.display()
            ),
            "check the hosts and options given; zssh config --dry-run shows the change",
        ));
    }
    Ok(())
}

fn print_stdout(text: &str) {
    // A closed stdout (`| head`) is not an error.
    crate::ui::print(text);
}

/// The running zssh, as ProxyCommand and Match exec run it.
fn zssh_word() -> Result<String, UserError> {
    let exe = std::env::current_exe().map_err(|e| {
        UserError::local(
            format!("cannot find the path of the running zssh: {e}"),
            "run zssh by its full path",
        )
    })?;
    ssh_config::command_word(utf8(&exe)?, cfg!(windows))
}

fn utf8(path: &Path) -> Result<&str, UserError> {
    path.to_str().ok_or_else(|| {
        UserError::local(
            format!(
                "cannot write the path {} into an ssh config: it is not UTF-8",
                path.display()
            ),
            "use paths (HOME, the zssh executable) made of UTF-8 characters",
        )
    })
}

/// Refuse values that would need quoting ssh cannot do in every place they go.
fn check_word(value: &str, flag: &str, what: &str) -> Result<(), UserError> {
    let bad = value.is_empty()
        || value
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"'\\#$`;&|<>()*?!{}".contains(c));
    if bad {
        return Err(UserError::usage(
            format!(
                "invalid {flag} {value:?}: expected {what} without spaces, quotes or shell characters"
            ),
            format!(
                "pass {what}, e.g. {flag} {}",
                if flag == "--user" {
                    "alice"
                } else {
                    "10.0.0.5:22"
                }
            ),
        ));
    }
    Ok(())
}

/// `--identity FILE`: ssh's IdentityFile (absolute), its public key (FILE.pub, or FILE if it ends
/// in .pub), which must be readable now, and the certificate beside it.
fn identity(file: &Path, home: &Path) -> Result<Identity, UserError> {
    let file = expand_tilde(&file.to_string_lossy(), home);
    let file = if file.is_absolute() {
        file
    } else {
        std::env::current_dir()
            .map_err(|e| {
                UserError::local(
                    format!("cannot resolve {}: {e}", file.display()),
                    "pass --identity as an absolute path",
                )
            })?
            .join(file)
    };
    let public = if file.extension().is_some_and(|e| e == "pub") {
        file.clone()
    } else {
        let mut p = file.clone().into_os_string();
        p.push(".pub");
        PathBuf::from(p)
    };
    OwnKey::read(&public)?;
    Ok(Identity {
        identity_file: utf8(&file)?.to_string(),
        public_key_word: ssh_config::command_word(utf8(&public)?, cfg!(windows))?,
        certificate: utf8(&cert_path_for(&public))?.to_string(),
    })
}

fn expand_tilde(path: &str, home: &Path) -> PathBuf {
    if path == "~" {
        home.to_path_buf()
    } else if let Some(rest) = path.strip_prefix("~/") {
        home.join(rest)
    } else {
        PathBuf::from(path)
    }
}

fn read_error(path: &Path, e: &std::io::Error) -> UserError {
    UserError::local(
        format!("cannot read {}: {e}", path.display()),
        format!(
            "check that {} is a file you can read and write",
            path.display()
        ),
    )
}

/// The file's bytes, `None` if it does not exist; directories and other non-files are refused.
fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, UserError> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(UserError::local(
            format!("cannot edit {}: it is a directory", path.display()),
            "pass the ssh config file itself with --ssh-config FILE",
        )),
        Ok(m) if !m.is_file() => Err(UserError::local(
            format!("cannot edit {}: it is not a regular file", path.display()),
            "pass a regular ssh config file with --ssh-config FILE",
        )),
        // Bounded as the edit is: a file the edit would refuse is refused before anything is
        // written (the managed file is written first).
        Ok(_) => fsutil::read_regular(path, userfile::MAX_FILE).map_err(|e| read_error(path, &e)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(read_error(path, &e)),
    }
}

fn remove_file(path: &Path) -> Result<(), UserError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(UserError::local(
            format!("cannot delete {}: {e}", path.display()),
            format!(
                "delete it by hand, or check that {} is writable by you",
                path.parent().unwrap_or(Path::new(".")).display()
            ),
        )),
    }
}

/// A host name no stanza can match, so `ssh -G` evaluates no `Match exec` of zssh's.
const CHECK_HOST: &str = "zssh-config-check.invalid";

/// Whether ssh parses `config` with `managed` as zssh's included file: both are written to a
/// private temp directory, the config's Include pointed at the copy, and `ssh -G -F` run on it.
/// `Ok` too when ssh cannot be run at all (there is nothing to break then).
fn ssh_reads(config: &[u8], managed: &str) -> Result<(), String> {
    let Ok(dir) = tempfile::tempdir() else {
        return Ok(());
    };
    let copy = dir.path().join("zssh_config");
    let Some(copy_str) = copy.to_str() else {
        return Ok(());
    };
    let text = if ssh_config::has_marker(config) {
        ssh_config::add_include(config, &ssh_config::include_line(copy_str))
    } else {
        config.to_vec()
    };
    let cfg = dir.path().join("config");
    if std::fs::write(&copy, managed).is_err() || std::fs::write(&cfg, text).is_err() {
        return Ok(());
    }
    let out = std::process::Command::new("ssh")
        .arg("-G")
        .arg("-F")
        .arg(&cfg)
        .arg(CHECK_HOST)
        .stdin(std::process::Stdio::null())
        .output();
    match out {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => {
            let said = String::from_utf8_lossy(&o.stderr);
            let dir_str = dir.path().display().to_string();
            let first = said
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("ssh -G failed")
                .replace(&dir_str, "…");
            Err(first)
        }
        Err(_) => Ok(()),
    }
}

/// The user's config as zssh edits it: the target of `given`'s symlinks, backed up next to the
/// name they use (once: the first backup is the one worth keeping).
fn users_config(given: &Path) -> Result<UserFile, UserError> {
    let file = UserFile::at(given).map_err(|e| {
        UserError::local(
            format!("cannot read {}: {e}", given.display()),
            "point the link at a file, or pass the file with --ssh-config FILE",
        )
    })?;
    Ok(file.backup_to(userfile::with_suffix(given, ".zssh-backup")))
}

/// Write the config's change again onto what it holds now (see [`UserFile::edit`]): `edit`
/// applied to the current text, written if that changes it.
fn write_config(file: &UserFile, edit: impl Fn(&[u8]) -> Vec<u8>) -> Result<(), UserError> {
    file.edit(|now| {
        let new = edit(now.unwrap_or_default());
        changes(now, &new).then_some(new)
    })?;
    Ok(())
}

/// Write the managed file's change again onto what it holds now (another run may have added
/// its stanzas since the plan was made): `edit` applied to the current text, written if that
/// changes it.
fn write_managed(file: &UserFile, edit: impl Fn(String) -> String) -> Result<(), UserError> {
    file.edit(|now| {
        let old = now.map(|b| String::from_utf8_lossy(b).into_owned());
        let new = edit(old.clone().unwrap_or_default());
        (Some(&new) != old.as_ref()).then_some(new)
    })?;
    Ok(())
}

/// Whether `new` changes a config that holds `old` (`None`: it does not exist, and is not
/// created to stay empty).
fn changes(old: Option<&[u8]>, new: &[u8]) -> bool {
    match old {
        Some(old) => old != new,
        None => !new.is_empty(),
    }
}

/// A unified diff of one file (`None`: the file does not exist).
fn diff(path: &Path, old: Option<&[u8]>, new: Option<&[u8]>) -> String {
    let name = path.display().to_string();
    let old_text = String::from_utf8_lossy(old.unwrap_or_default());
    let new_text = String::from_utf8_lossy(new.unwrap_or_default());
    crate::textdiff::unified(
        &old_text,
        &new_text,
        if old.is_some() { &name } else { "/dev/null" },
        if new.is_some() { &name } else { "/dev/null" },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tilde_expands_to_home() {
        let home = Path::new("/h");
        assert_eq!(
            expand_tilde("~/.ssh/config", home),
            PathBuf::from("/h/.ssh/config")
        );
        assert_eq!(expand_tilde("/etc/x", home), PathBuf::from("/etc/x"));
        assert_eq!(expand_tilde("rel", home), PathBuf::from("rel"));
    }

    #[test]
    fn ssh_rejects_what_it_cannot_parse() {
        if std::process::Command::new("ssh")
            .arg("-V")
            .output()
            .is_err()
        {
            panic!("these tests need OpenSSH's ssh");
        }
        let include = ssh_config::add_include(b"User me\n", "Include /nonexistent/zssh_config");
        assert_eq!(ssh_reads(&include, "Host a.example\n  User x\n"), Ok(()));
        // An unbalanced quote in the included file breaks every ssh run.
        let why = ssh_reads(&include, "Host \"a.example\n  User x\n").unwrap_err();
        assert!(why.contains("zssh_config"), "{why}");
        assert!(!why.contains("/tmp"), "{why}");
        assert!(ssh_reads(b"Bogus yes\n", "").is_err());
    }

    #[test]
    fn words_with_shell_characters_are_refused() {
        assert!(check_word("alice", "--user", "a user name").is_ok());
        assert!(check_word("10.0.0.5:22", "--destination", "x").is_ok());
        assert!(check_word("[::1]:22", "--destination", "x").is_ok());
        for bad in ["", "a b", "a;b", "a\"b", "$(x)"] {
            assert!(check_word(bad, "--user", "a user name").is_err(), "{bad:?}");
        }
    }
}
