//! `zssh server trust-ca`: make sshd trust the Access SSH CA. The key goes into the CA file and
//! sshd_config gets `PubkeyAuthentication yes` and `TrustedUserCAKeys FILE` where sshd does not
//! have them in effect yet; without `--apply` the change is only shown (with a diff). The edited
//! sshd_config is validated with `sshd -t` on a copy before anything changes, both files are
//! edited through [`crate::userfile`] (sshd_config backed up once), then sshd is reloaded.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ssh_key::HashAlg;

use super::{effective, find_sshd, read_key_input, sshd_run};
use crate::cli::TrustCaArgs;
use crate::error::UserError;
use crate::exit::Exit;
use crate::sshd_config::{self, Effective, Refusal};
use crate::userfile::{self, UserFile};

/// Said when the files cannot be read or written: sshd's files are root's.
const ROOT_HINT: &str = "run zssh server trust-ca --apply as root (sudo)";

/// A failure to edit one of sshd's files, with [`ROOT_HINT`].
fn edit_error(e: userfile::Error) -> UserError {
    UserError::local(e.to_string(), ROOT_HINT)
}

fn write_error(path: &Path, e: std::io::Error) -> UserError {
    UserError::local(format!("cannot write {}: {e}", path.display()), ROOT_HINT)
}

/// `bytes` in a temp file for `sshd -t` to read (removed when dropped).
fn staged_copy(bytes: &[u8]) -> std::io::Result<tempfile::NamedTempFile> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".zssh-")
        .suffix(".tmp")
        .tempfile()?;
    tmp.write_all(bytes)?;
    tmp.flush()?;
    Ok(tmp)
}

/// sshd's file `path` as zssh edits it (symlinks followed, mode and owner kept), 0644 if new.
fn sshd_file(path: &Path) -> Result<UserFile, UserError> {
    UserFile::at(path)
        .map(|f| f.new_file_mode(0o644))
        .map_err(|e| UserError::local(format!("cannot read {}: {e}", path.display()), ROOT_HINT))
}

pub(super) fn run(args: TrustCaArgs) -> Result<Exit, UserError> {
    let ca = CaKey::read(&args.ca_key)?;
    let ca_file = ca_file_path(&args)?;
    let sshd = find_sshd()?;
    let plan = TrustPlan::make(&args, &sshd, &ca, ca_file)?;
    // Validate the new sshd_config on a copy before anything changes.
    let after = match &plan.edit {
        Some(edit) => Some(plan.validate(&sshd, edit)?),
        None => None,
    };
    let mut out = plan.describe(&ca, args.apply);
    if !args.apply {
        out.push_str(if plan.changes_anything() {
            "dry run: nothing was changed; rerun with --apply (as root) to make these changes\n"
        } else {
            "nothing to do\n"
        });
        crate::out!("{out}");
        return Ok(Exit::Ok);
    }
    // Apply: the CA file first (harmless on its own), then the config, then reload.
    if plan.ca_new.is_some() {
        add_to_ca_file(&plan.ca_file, &ca)?;
    }
    match (&plan.edit, after) {
        (Some(edit), Some(after)) => {
            if replace_sshd_config(&plan, edit)? {
                out.push_str(&format!(
                    "{}: backup of the original\n",
                    sshd_config_backup(&plan.config).display()
                ));
            }
            crate::out!("{out}");
            crate::outln!("{}", reload(&after)?);
        }
        _ => {
            out.push_str(if plan.ca_new.is_some() {
                "sshd reads the CA file at each login; no reload needed\n"
            } else {
                "nothing to do\n"
            });
            crate::out!("{out}");
        }
    }
    Ok(Exit::Ok)
}

/// The CA key to trust (`--ca-key`).
struct CaKey {
    /// The key as one public key line.
    line: String,
    key: ssh_key::PublicKey,
}

impl CaKey {
    fn read(arg: &str) -> Result<CaKey, UserError> {
        let input = read_key_input(arg)?;
        let (line, key) = sshd_config::parse_ca_key(&input).map_err(|e| {
            UserError::usage(
                format!("--ca-key {arg}: {e}"),
                "pass the CA public key: one line like `ecdsa-sha2-nistp256 AAAA... comment` (zssh server fetch-ca prints it)",
            )
        })?;
        Ok(CaKey { line, key })
    }
}

/// `--ca-file`, absolute, as it can be written into sshd_config.
fn ca_file_path(args: &TrustCaArgs) -> Result<(PathBuf, String), UserError> {
    let ca_file = std::path::absolute(&args.ca_file).unwrap_or_else(|_| args.ca_file.clone());
    let Some(ca_str) = ca_file.to_str().map(str::to_string) else {
        return Err(UserError::usage(
            format!("--ca-file {} is not valid UTF-8", ca_file.display()),
            "choose a plain path such as /etc/ssh/ca.pub",
        ));
    };
    if ca_str.contains(['"', '\n', '\r']) {
        return Err(UserError::usage(
            format!("--ca-file {ca_str:?} cannot be written into sshd_config"),
            "choose a plain path such as /etc/ssh/ca.pub",
        ));
    }
    Ok((ca_file, ca_str))
}

/// What trust-ca changes: the CA file, and sshd_config where sshd does not yet have
/// `PubkeyAuthentication yes` and `TrustedUserCAKeys` naming the CA file in effect.
struct TrustPlan {
    config: PathBuf,
    /// sshd_config as read (the edit applies to it, and only to it), as text.
    original: String,
    /// The same, as bytes.
    original_bytes: Vec<u8>,
    /// `original` holds sshd_config's bytes one char each (it is not UTF-8: a comment in
    /// Latin-1, say); see [`as_text`].
    latin1: bool,
    /// `None`: sshd already has both in effect.
    edit: Option<sshd_config::Edit>,
    ca_file: PathBuf,
    /// The CA file's path as sshd_config names it.
    ca_str: String,
    /// The CA file's text (`None`: it does not exist yet).
    ca_old: Option<String>,
    /// Its new text (`None`: it holds the key already).
    ca_new: Option<String>,
}

impl TrustPlan {
    fn make(
        args: &TrustCaArgs,
        sshd: &Path,
        ca: &CaKey,
        (ca_file, ca_str): (PathBuf, String),
    ) -> Result<TrustPlan, UserError> {
        let config = args.sshd_config.clone();
        let original_bytes = std::fs::read(&config).map_err(|e| {
            UserError::local(
                format!("cannot read {}: {e}", config.display()),
                "pass the sshd configuration with --sshd-config FILE (run as root)",
            )
        })?;
        let (original, latin1) = as_text(&original_bytes);
        if latin1 && !ca_str.is_ascii() {
            return Err(UserError::usage(
                format!(
                    "--ca-file {ca_str:?} cannot be written into {}: the file is not UTF-8, the path is not ASCII",
                    config.display()
                ),
                "choose a plain path such as /etc/ssh/ca.pub",
            ));
        }
        let now = effective(sshd, &config)?;
        let edit = sshd_config::plan(&original, &ca_str, &now).map_err(|r| match r {
            Refusal::OtherCaFile(other) => UserError::usage(
                format!(
                    "{} already trusts the user CA keys in {other}; zssh will not replace that file",
                    config.display()
                ),
                format!(
                    "add the key there instead: zssh server trust-ca --ca-key {} --ca-file {other}",
                    args.ca_key
                ),
            ),
        })?;
        let ca_old = match std::fs::read(&ca_file) {
            Ok(bytes) => Some(as_text(&bytes).0),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(UserError::local(
                    format!("cannot read {}: {e}", ca_file.display()),
                    "run as root (sudo)",
                ));
            }
        };
        let ca_new = sshd_config::add_ca_key(ca_old.as_deref().unwrap_or(""), &ca.line, &ca.key);
        Ok(TrustPlan {
            config,
            original,
            original_bytes,
            latin1,
            edit,
            ca_file,
            ca_str,
            ca_old,
            ca_new,
        })
    }

    /// The bytes of a text made from `original` (see [`as_text`]).
    fn bytes(&self, text: &str) -> Vec<u8> {
        if self.latin1 {
            // Every char is one of the file's bytes or ASCII zssh added.
            text.chars().map(|c| c as u32 as u8).collect()
        } else {
            text.as_bytes().to_vec()
        }
    }

    fn changes_anything(&self) -> bool {
        self.ca_new.is_some() || self.edit.is_some()
    }

    /// `sshd -t` accepts the edited config, and `sshd -T` says it gives what was asked: the
    /// effective configuration it gives, else an error (nothing changed yet).
    fn validate(&self, sshd: &Path, edit: &sshd_config::Edit) -> Result<Effective, UserError> {
        let config = self.config.display();
        let tmp = staged_copy(&self.bytes(&edit.text))
            .map_err(|e| write_error(&std::env::temp_dir(), e))?;
        if let Err(msg) = sshd_run(
            sshd,
            &["-t".as_ref(), "-f".as_ref(), tmp.path().as_os_str()],
        ) {
            return Err(UserError::new(
                Exit::Failure,
                format!("sshd rejects the edited {config}: {msg}; nothing was changed"),
                format!("fix {config} until `sshd -t -f {config}` passes, then rerun"),
            ));
        }
        let after = effective(sshd, tmp.path())?;
        if !after.pubkey_auth().eq_ignore_ascii_case("yes") || after.trusted_ca() != self.ca_str {
            return Err(UserError::new(
                Exit::Failure,
                format!(
                    "the edited {config} would still give pubkeyauthentication {} and trustedusercakeys {}; nothing was changed",
                    after.pubkey_auth(),
                    after.trusted_ca()
                ),
                format!(
                    "add `PubkeyAuthentication yes` and `TrustedUserCAKeys {}` at the top of {config} by hand",
                    self.ca_str
                ),
            ));
        }
        Ok(after)
    }

    /// What changes (or, without `--apply`, would, with the diff of sshd_config).
    fn describe(&self, ca: &CaKey, apply: bool) -> String {
        let verb = |done: &str, would: &str| {
            if apply {
                done.to_string()
            } else {
                would.to_string()
            }
        };
        let fingerprint = ca.key.fingerprint(HashAlg::Sha256);
        let mut out = String::new();
        match &self.ca_new {
            Some(_) => out.push_str(&format!(
                "{}: {} {fingerprint}\n  {}\n",
                self.ca_file.display(),
                if self.ca_old.is_some() {
                    verb("added", "would add")
                } else {
                    verb("created with", "would create with")
                },
                ca.line
            )),
            None => out.push_str(&format!(
                "{}: already holds {fingerprint}; unchanged\n",
                self.ca_file.display()
            )),
        }
        let config = self.config.display();
        match &self.edit {
            Some(edit) => {
                out.push_str(&format!(
                    "{config}: {} {}\n",
                    verb("added", "would add"),
                    edit.added.join(", ")
                ));
                for note in &edit.notes {
                    out.push_str(&format!("  note: {note}\n"));
                }
                if !apply {
                    let name = config.to_string();
                    out.push_str(&crate::textdiff::unified(
                        &self.original,
                        &edit.text,
                        &name,
                        &format!("{name} (zssh)"),
                    ));
                }
            }
            None => out.push_str(&format!(
                "{config}: PubkeyAuthentication yes and TrustedUserCAKeys {} are already in effect; unchanged\n",
                self.ca_str
            )),
        }
        out
    }
}

/// Add the key to the CA file as it is now (another run may have added it meanwhile).
fn add_to_ca_file(ca_file: &Path, ca: &CaKey) -> Result<(), UserError> {
    sshd_file(ca_file)?
        .edit(|now| {
            let now = now.unwrap_or_default();
            let (text, _) = as_text(now);
            let new = sshd_config::add_ca_key(&text, &ca.line, &ca.key)?;
            // Only appended to: the file's bytes as they are, then the new line.
            let mut bytes = now.to_vec();
            bytes.extend_from_slice(&new.as_bytes()[text.len()..]);
            Some(bytes)
        })
        .map_err(edit_error)?;
    Ok(())
}

/// sshd_config's bytes as text to edit: UTF-8 as it is; anything else (a comment in Latin-1)
/// one char per byte, so every byte comes back unchanged (sshd's keywords are ASCII, and the
/// edit adds only ASCII then). True in the second case.
fn as_text(bytes: &[u8]) -> (String, bool) {
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), false),
        Err(_) => (bytes.iter().map(|&b| char::from(b)).collect(), true),
    }
}

/// Where sshd_config is backed up before zssh first changes it.
fn sshd_config_backup(config: &Path) -> PathBuf {
    userfile::with_suffix(config, ".zssh-backup")
}

/// Replace sshd_config with the validated edit, if it still holds what the edit was made from.
/// Returns whether the backup was taken now.
fn replace_sshd_config(plan: &TrustPlan, edit: &sshd_config::Edit) -> Result<bool, UserError> {
    let file = sshd_file(&plan.config)?.backup_to(sshd_config_backup(&plan.config));
    let new = plan.bytes(&edit.text);
    let edited = file
        .edit(|now| (now == Some(plan.original_bytes.as_slice())).then_some(new.as_slice()))
        .map_err(edit_error)?;
    match edited {
        Some(edited) => Ok(edited.backed_up),
        None => Err(UserError::local(
            format!(
                "{} changed while zssh edited it; nothing was changed",
                plan.config.display()
            ),
            "run zssh server trust-ca again",
        )),
    }
}

/// Make a running sshd read its configuration again.
fn reload(eff: &Effective) -> Result<String, UserError> {
    if std::env::var("ZSSH_SSHD_RELOAD").is_ok_and(|v| v == "none") {
        return Ok(
            "sshd not reloaded (ZSSH_SSHD_RELOAD=none); reload it to apply the change".into(),
        );
    }
    let pidfile = eff.get("pidfile").filter(|p| *p != "none");
    let system_pidfile = pidfile.is_none_or(|p| p == "/run/sshd.pid" || p == "/var/run/sshd.pid");
    // The system's sshd is reloaded through its service manager when there is one.
    if system_pidfile && Path::new("/run/systemd/system").is_dir() {
        for unit in ["ssh", "sshd"] {
            let active = Command::new("systemctl")
                .args(["is-active", "--quiet", unit])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if active {
                let out = Command::new("systemctl")
                    .args(["reload", unit])
                    .stdin(Stdio::null())
                    .output();
                return match out {
                    Ok(o) if o.status.success() => {
                        Ok(format!("reloaded sshd (systemctl reload {unit})"))
                    }
                    Ok(o) => Err(reload_failed(&format!(
                        "systemctl reload {unit}: {}",
                        String::from_utf8_lossy(&o.stderr).trim()
                    ))),
                    Err(e) => Err(reload_failed(&format!("systemctl reload {unit}: {e}"))),
                };
            }
        }
    }
    let pidfile = pidfile.unwrap_or("/run/sshd.pid");
    let pid = match std::fs::read_to_string(pidfile) {
        Ok(s) => s.trim().to_string(),
        Err(_) => {
            return Ok(format!(
                "sshd does not seem to run (no pid file {pidfile}); the change applies when it starts"
            ));
        }
    };
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return Err(reload_failed(&format!("{pidfile} holds no pid")));
    }
    let out = Command::new("kill")
        .args(["-HUP", &pid])
        .stdin(Stdio::null())
        .output();
    match out {
        Ok(o) if o.status.success() => Ok(format!(
            "reloaded sshd (SIGHUP to pid {pid} from {pidfile})"
        )),
        Ok(o) => Err(reload_failed(&format!(
            "kill -HUP {pid}: {}",
            String::from_utf8_lossy(&o.stderr).trim()
        ))),
        Err(e) => Err(reload_failed(&format!("kill -HUP {pid}: {e}"))),
    }
}

fn reload_failed(msg: &str) -> UserError {
    UserError::new(
        Exit::Failure,
        format!("the configuration was changed but sshd could not be reloaded: {msg}"),
        "reload sshd yourself (systemctl reload ssh, or kill -HUP the sshd pid)",
    )
}
