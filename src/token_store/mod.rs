//! Where tokens live: the OS keyring (Secret Service on Linux) or cloudflared's token files in
//! `~/.cloudflared` (spec section 4, ../shared/docs/access-protocol.md). Tokens are named by their
//! cloudflared file name (`<app>-<aud>-token`, `<team>-org-token`), in both places, so a token is
//! one name whichever backend holds it.
//!
//! Owns: choosing the backend (`ZSSH_TOKEN_STORE`), keeping at most one copy of a name (a write
//! removes the stale copy from the other place), refusing token files others can read, and
//! keeping a slow or broken keyring from ever stalling zssh (every keyring call is bounded, and a
//! keyring that failed once is not asked again in the same process).
//!
//! Must not: interpret tokens (expiry and audience rules are `access::token`'s), print anything,
//! or let a token reach a log line, an error text or `Debug` output (tokens travel as
//! [`Secret`]). It does not lock: the login code serialises logins with its lock files.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Duration;

use crate::debug;
use crate::error::UserError;
use crate::exit::Exit;
use crate::fsutil;
use crate::paths;
use crate::secret::Secret;

/// The environment variable that picks the backend.
pub const ENV_VAR: &str = "ZSSH_TOKEN_STORE";

/// Its line in the man page's ENVIRONMENT section.
pub const ENV_DOC: (&str, &str) = (
    ENV_VAR,
    "where tokens are kept: auto (the OS keyring when it works, else files in ~/.cloudflared; \
     the default), keyring (the OS keyring only: fail rather than fall back), \
     file (files in ~/.cloudflared only, shared with cloudflared; never talk to the keyring)",
);

/// The keyring service of token entries; the account is the token's file name.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // Only the Secret Service backend uses it so far.
const SERVICE: &str = "zssh";

/// The service of the write probe's entries. Not [`SERVICE`], so that a probe entry orphaned by a
/// crash can never be listed as a token.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // Only the Secret Service backend uses it so far.
const PROBE_SERVICE: &str = "zssh-probe";

/// How long one keyring operation may take. The proxy reads a token on every `ssh`, so a Secret
/// Service that does not answer (a hung daemon, an unlock prompt nobody will see) must cost at
/// most this once per process, never a hang. A healthy local Secret Service answers in a few ms.
const KEYRING_TIMEOUT: Duration = Duration::from_secs(2);

/// Where a token is (or is to be) stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Location {
    Keyring,
    File,
}

impl Location {
    /// For people: `zssh status`, login messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Location::Keyring => KEYRING_NAME,
            Location::File => "file",
        }
    }
}

#[cfg(target_os = "linux")]
const KEYRING_NAME: &str = "OS keyring (Secret Service)";
#[cfg(not(target_os = "linux"))]
const KEYRING_NAME: &str = "OS keyring";

/// `ZSSH_TOKEN_STORE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// The keyring when it works, else files.
    Auto,
    /// The keyring only: an explicit choice, so failing is better than silently writing files.
    Keyring,
    /// Files only; the keyring is never contacted (no D-Bus traffic at all).
    File,
}

impl Mode {
    fn parse(value: Option<&str>) -> Result<Mode, UserError> {
        match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("") | Some("auto") => Ok(Mode::Auto),
            Some("keyring") => Ok(Mode::Keyring),
            Some("file") | Some("files") => Ok(Mode::File),
            Some(_) => Err(UserError::usage(
                format!(
                    "{ENV_VAR}={:?} is not a token store",
                    value.unwrap_or_default()
                ),
                format!("set {ENV_VAR} to auto, keyring or file (or unset it)"),
            )),
        }
    }
}

/// The token store: see the module docs.
pub struct TokenStore {
    dir: PathBuf,
    mode: Mode,
    keyring: Arc<Keyring>,
}

impl TokenStore {
    /// Cheap: no I/O. Mode from `ZSSH_TOKEN_STORE` = auto (default) | keyring | file.
    pub fn open() -> Result<TokenStore, UserError> {
        let value = std::env::var(ENV_VAR).ok();
        let mode = Mode::parse(value.as_deref())?;
        // One keyring per process, so "unavailable" and the probe result outlive a TokenStore
        // (a command may open the store more than once) and the D-Bus connection is made once.
        static KEYRING: OnceLock<Arc<Keyring>> = OnceLock::new();
        let keyring = KEYRING
            .get_or_init(|| Arc::new(Keyring::new(Box::new(os::connect), KEYRING_TIMEOUT)))
            .clone();
        Ok(TokenStore::with_parts(
            paths::cloudflared_dir()?,
            mode,
            keyring,
        ))
    }

    /// The constructor behind [`open`](Self::open), with the directory and keyring injected (tests).
    fn with_parts(dir: PathBuf, mode: Mode, keyring: Arc<Keyring>) -> TokenStore {
        TokenStore { dir, mode, keyring }
    }

    /// Read `name`: keyring first (if the mode allows and the keyring answers), then the file.
    /// A failing keyring is treated as empty (and not asked again in this process), except with
    /// `ZSSH_TOKEN_STORE=keyring`, where it is an error. A token file that group or others can
    /// read is refused.
    pub fn read(&self, name: &str) -> Result<Option<(Secret, Location)>, UserError> {
        check_name(name)?;
        if self.keyring_allowed()? {
            let owned = name.to_string();
            match self.keyring.call("read", move |b| b.get(&owned)) {
                Ok(Some(token)) => return Ok(Some((token, Location::Keyring))),
                Ok(None) => {}
                Err(why) => self.keyring_failed(&why)?,
            }
        }
        Ok(read_file(&self.dir, name)?.map(|t| (t, Location::File)))
    }

    /// Store `token` under `name`. `prefer = Keyring`: the keyring when its probe (a set/get/delete
    /// of a throwaway entry, once per process) shows it works, else the file; `prefer = File`: the
    /// file. `ZSSH_TOKEN_STORE` overrides `prefer` (keyring: the keyring or an error; file: the
    /// file). Returns where the token went. The copy of `name` in the other place, if any, is then
    /// removed, so a read never finds an old token first.
    pub fn write(
        &self,
        name: &str,
        token: &Secret,
        prefer: Location,
    ) -> Result<Location, UserError> {
        check_name(name)?;
        let target = match (self.mode, prefer) {
            (Mode::File, _) => Location::File,
            (Mode::Keyring, _) => Location::Keyring,
            (Mode::Auto, Location::File) => Location::File,
            (Mode::Auto, Location::Keyring) => self.preferred(),
        };
        let written = if target == Location::Keyring {
            let (owned, value) = (name.to_string(), token.clone());
            match self
                .keyring
                .call("write", move |b| b.set(&owned, value.expose()))
            {
                Ok(()) => Location::Keyring,
                Err(why) => {
                    // Auto: the probe passed but this write failed; files still work.
                    self.keyring_failed(&why)?;
                    Location::File
                }
            }
        } else {
            Location::File
        };
        match written {
            Location::File => {
                write_file(&self.dir, name, token)?;
                // A keyring copy would shadow the new file (reads try the keyring first).
                if self.mode == Mode::Auto && self.keyring.usable() {
                    let owned = name.to_string();
                    if let Err(why) = self.keyring.call("remove stale", move |b| b.delete(&owned)) {
                        debug!("could not remove an old keyring copy of {name}: {why}");
                    }
                }
            }
            Location::Keyring => {
                // A stale file is not read by zssh while the keyring answers, but cloudflared
                // reads it, and zssh does too whenever the keyring is away: remove it.
                if let Err(e) = delete_file(&self.dir, name) {
                    debug!(
                        "could not remove an old token file for {name}: {}",
                        e.message
                    );
                }
            }
        }
        debug!("stored {name} in the {}", written.describe());
        Ok(written)
    }

    /// Remove `name` from both places; true if anything was removed.
    pub fn delete(&self, name: &str) -> Result<bool, UserError> {
        let from_keyring = self.delete_at(name, Location::Keyring)?;
        Ok(self.delete_at(name, Location::File)? | from_keyring)
    }

    /// Remove `name` from one place only: a stale copy in the keyring must not take a fresh
    /// token that cloudflared wrote to the file with it (and the other way round).
    pub fn delete_at(&self, name: &str, location: Location) -> Result<bool, UserError> {
        check_name(name)?;
        match location {
            Location::Keyring => {
                if !self.keyring_allowed()? {
                    return Ok(false);
                }
                let owned = name.to_string();
                match self.keyring.call("delete", move |b| b.delete(&owned)) {
                    Ok(r) => Ok(r),
                    Err(why) => {
                        self.keyring_failed(&why)?;
                        Ok(false)
                    }
                }
            }
            Location::File => delete_file(&self.dir, name),
        }
    }

    /// Every token name zssh can see, with its location, sorted by name: keyring entries of
    /// service `zssh`, and files in `~/.cloudflared` named `*-token` (app and org tokens; not the
    /// `.lock`/`.url` companions, JWKS caches or keys). A name in both places (only possible if
    /// another program wrote one) is listed twice.
    pub fn list(&self) -> Result<Vec<(String, Location)>, UserError> {
        let mut all = Vec::new();
        if self.keyring_allowed()? {
            match self.keyring.call("list", |b| b.list()) {
                Ok(names) => all.extend(
                    names
                        .into_iter()
                        .filter(|n| check_name(n).is_ok())
                        .map(|n| (n, Location::Keyring)),
                ),
                Err(why) => self.keyring_failed(&why)?,
            }
        }
        all.extend(
            list_files(&self.dir)?
                .into_iter()
                .map(|n| (n, Location::File)),
        );
        all.sort_by(|a, b| a.0.cmp(&b.0).then((a.1 as u8).cmp(&(b.1 as u8))));
        all.dedup();
        Ok(all)
    }

    /// Where `prefer = Keyring` would write now (runs the probe if not yet run).
    pub fn preferred(&self) -> Location {
        match self.mode {
            Mode::File => Location::File,
            Mode::Keyring => Location::Keyring,
            Mode::Auto if self.keyring.probe() => Location::Keyring,
            Mode::Auto => Location::File,
        }
    }

    /// Whether to ask the keyring at all: not in file mode, not once it failed (auto), and an
    /// error once it failed in keyring mode.
    fn keyring_allowed(&self) -> Result<bool, UserError> {
        match self.mode {
            Mode::File => Ok(false),
            Mode::Auto => Ok(self.keyring.usable()),
            Mode::Keyring => match self.keyring.failure() {
                None => Ok(true),
                Some(why) => Err(keyring_error(&why)),
            },
        }
    }

    /// A keyring call failed: fine in auto mode (files take over), an error in keyring mode.
    fn keyring_failed(&self, why: &str) -> Result<(), UserError> {
        match self.mode {
            Mode::Keyring => Err(keyring_error(why)),
            _ => Ok(()),
        }
    }
}

fn keyring_error(why: &str) -> UserError {
    UserError::local(
        format!("{ENV_VAR}=keyring, but the {KEYRING_NAME} does not work: {why}"),
        format!(
            "unlock or start the keyring (on a desktop, log in to it; headless, start \
             gnome-keyring-daemon --unlock), or set {ENV_VAR}=auto to fall back to files in ~/.cloudflared"
        ),
    )
}

/// Names become file names and keyring accounts: a name must stay inside `~/.cloudflared`.
fn check_name(name: &str) -> Result<(), UserError> {
    let bad = name.is_empty()
        || name == "."
        || name == ".."
        || name.contains(['/', '\\', '\0'])
        || name.chars().any(char::is_control);
    if bad {
        return Err(UserError::new(
            Exit::Failure,
            format!("invalid token name {name:?}"),
            "this is a bug in zssh; please report it",
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The file backend: cloudflared's layout, byte for byte (raw token, no newline, 0600, dir 0700).

/// A token file larger than this is not read (tokens are a few KiB).
const MAX_TOKEN_FILE: u64 = 64 * 1024;

fn read_file(dir: &Path, name: &str) -> Result<Option<Secret>, UserError> {
    let path = dir.join(name);
    let unreadable = |e: std::io::Error| {
        UserError::local(
            format!("cannot read {}: {e}", path.display()),
            format!(
                "check the permissions of {}, or remove it and log in again",
                path.display()
            ),
        )
    };
    // Not a regular file (a FIFO would block forever): not a token.
    let file = match fsutil::open_regular(&path) {
        Ok(Some(f)) => f,
        Ok(None) => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => return Ok(None),
        Err(e) => return Err(unreadable(e)),
    };
    // The mode of the file that was opened, not of whatever the path names a moment later.
    let meta = file.metadata().map_err(unreadable)?;
    if fsutil::readable_by_others(&meta) {
        return Err(UserError::local(
            format!(
                "{} can be read by other users; refusing to use the token in it",
                path.display()
            ),
            format!(
                "run `chmod 600 {}`; if someone else may have read it, log out and log in again",
                path.display()
            ),
        ));
    }
    let bytes = match fsutil::read_bounded(file, MAX_TOKEN_FILE) {
        Ok(b) => b,
        // Not a token (they are a few KiB): treated as absent, like any other non-token.
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => return Ok(None),
        Err(e) => return Err(unreadable(e)),
    };
    // A token is ASCII; anything else cannot be one, and the reader treats it as absent.
    Ok(Some(Secret::new(String::from_utf8_lossy(&bytes))))
}

fn write_file(dir: &Path, name: &str, token: &Secret) -> Result<(), UserError> {
    fsutil::write_private(&dir.join(name), token.expose().as_bytes())
}

fn delete_file(dir: &Path, name: &str) -> Result<bool, UserError> {
    let path = dir.join(name);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(UserError::local(
            format!("cannot remove {}: {e}", path.display()),
            format!("check that {} is writable by you", dir.display()),
        )),
    }
}

/// Token file names in `dir`: `*-token` (which includes `*-org-token`), regular files only.
fn list_files(dir: &Path) -> Result<Vec<String>, UserError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(UserError::local(
                format!("cannot list {}: {e}", dir.display()),
                format!("check the permissions of {}", dir.display()),
            ));
        }
    };
    let mut names = Vec::new();
    for entry in entries.flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        // Dot files are our own in-flight temp files (fsutil), never tokens.
        if !name.ends_with("-token") || name.starts_with('.') {
            continue;
        }
        // metadata() follows symlinks, as cloudflared's reads do.
        if std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file()) {
            names.push(name);
        }
    }
    Ok(names)
}

// ---------------------------------------------------------------------------------------------
// The keyring, behind a worker thread so that every call can be abandoned after a deadline.

/// One OS credential store. Errors are short texts for debug lines and keyring-mode errors:
/// any error means "this keyring does not work now". Absence is not an error.
trait Backend: Send {
    fn get(&mut self, name: &str) -> Result<Option<Secret>, String>;
    fn set(&mut self, name: &str, token: &str) -> Result<(), String>;
    /// True if an entry was removed.
    fn delete(&mut self, name: &str) -> Result<bool, String>;
    fn list(&mut self) -> Result<Vec<String>, String>;
    /// Whether a write would work: set, read back and delete a throwaway entry.
    fn probe(&mut self) -> Result<(), String>;
}

type Connect = Box<dyn FnOnce() -> Result<Box<dyn Backend>, String> + Send>;
type Job = Box<dyn FnOnce(Result<&mut dyn Backend, &str>) + Send>;

/// A keyring reached through one worker thread. The blocking D-Bus calls cannot be cancelled, so
/// the caller waits on a channel with a deadline instead and walks away on timeout; the worker
/// (and its connection) is left behind, and the keyring is then marked unavailable so nothing
/// queues behind a call that may never return. One long-lived worker rather than a thread per
/// call keeps one D-Bus connection and one encrypted session for the whole process.
struct Keyring {
    timeout: Duration,
    connect: Mutex<Option<Connect>>,
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Why the keyring is not used any more in this process.
    failed: Option<String>,
    /// The probe's result, once run.
    probed: Option<bool>,
}

impl Keyring {
    fn new(connect: Connect, timeout: Duration) -> Keyring {
        Keyring {
            timeout,
            connect: Mutex::new(Some(connect)),
            jobs: Mutex::new(None),
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere cannot leave State inconsistent (plain assignments): keep going.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn failure(&self) -> Option<String> {
        self.state().failed.clone()
    }

    fn usable(&self) -> bool {
        self.failure().is_none()
    }

    /// Run the probe once per process; false also marks the keyring unavailable.
    fn probe(&self) -> bool {
        if let Some(done) = self.state().probed {
            return done;
        }
        let ok = self.usable() && self.call("probe", |b| b.probe()).is_ok();
        self.state().probed = Some(ok);
        ok
    }

    /// Run `op` on the worker, waiting at most `timeout`. Any failure (the store's, a timeout, a
    /// dead worker) marks the keyring unavailable for the rest of the process.
    fn call<T: Send + 'static>(
        &self,
        what: &str,
        op: impl FnOnce(&mut dyn Backend) -> Result<T, String> + Send + 'static,
    ) -> Result<T, String> {
        if let Some(why) = self.failure() {
            return Err(why);
        }
        let result = self.run(op);
        if let Err(why) = &result {
            debug!("OS keyring unavailable ({what}: {why}); using token files for this run");
            let mut state = self.state();
            state.failed.get_or_insert_with(|| why.clone());
        }
        result
    }

    fn run<T: Send + 'static>(
        &self,
        op: impl FnOnce(&mut dyn Backend) -> Result<T, String> + Send + 'static,
    ) -> Result<T, String> {
        let jobs = self.worker()?;
        let (reply, answer) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |backend| {
            let _ = reply.send(backend.map_err(str::to_string).and_then(op));
        });
        jobs.send(job)
            .map_err(|_| "the keyring worker stopped".to_string())?;
        match answer.recv_timeout(self.timeout) {
            Ok(result) => result,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                Err(format!("no answer within {} ms", self.timeout.as_millis()))
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                Err("the keyring worker stopped".to_string())
            }
        }
    }

    /// The worker's queue, starting the worker on first use. Connecting happens on the worker,
    /// inside the first call's deadline: opening a D-Bus connection can hang too.
    fn worker(&self) -> Result<mpsc::Sender<Job>, String> {
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(tx) = jobs.as_ref() {
            return Ok(tx.clone());
        }
        let connect = self
            .connect
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .ok_or_else(|| "the keyring worker stopped".to_string())?;
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("zssh-keyring".into())
            .spawn(move || {
                let mut backend = connect();
                for job in rx {
                    match &mut backend {
                        Ok(b) => job(Ok(b.as_mut())),
                        Err(why) => job(Err(why.as_str())),
                    }
                }
            })
            .map_err(|e| format!("cannot start the keyring thread: {e}"))?;
        *jobs = Some(tx.clone());
        Ok(tx)
    }
}

/// A throwaway value for the probe: unique per process and call, so that two processes probing
/// at once cannot read each other's entry and take it as their own.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // Only the Secret Service backend uses it so far.
fn probe_value() -> (String, String) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let account = format!("probe-{}-{nanos}", std::process::id());
    (account.clone(), format!("zssh {account}"))
}

/// Labels shown by keyring UIs (Seahorse, `secret-tool search`).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // Only the Secret Service backend uses it so far.
fn label(service: &str, name: &str) -> String {
    format!("{service}: {name}")
}

#[cfg(target_os = "linux")]
mod os {
    //! The Secret Service (GNOME Keyring, KWallet, KeePassXC) through keyring-core and the
    //! pure-Rust zbus store: no C library, works wherever a session bus does.

    use std::collections::HashMap;
    use std::sync::Arc;

    use keyring_core::api::CredentialStoreApi;
    use keyring_core::{Entry, Error};
    use zbus_secret_service_keyring_store::Store;

    use super::{Backend, PROBE_SERVICE, SERVICE, label, probe_value};
    use crate::secret::Secret;

    pub fn connect() -> Result<Box<dyn Backend>, String> {
        // The store is used directly, not installed as keyring-core's process-wide default:
        // nothing else in zssh should reach the keyring behind this module's back.
        let store = Store::new().map_err(|e| e.to_string())?;
        Ok(Box::new(SecretService { store }))
    }

    struct SecretService {
        store: Arc<Store>,
    }

    impl SecretService {
        fn entry(&self, service: &str, name: &str) -> Result<Entry, String> {
            let label = label(service, name);
            let mods = HashMap::from([("label", label.as_str())]);
            self.store
                .build(service, name, Some(&mods))
                .map_err(|e| e.to_string())
        }

        /// Remove every item of (service, name); more than one exists only if another program
        /// created duplicates, which keyring-core then refuses to read or write ("ambiguous").
        fn delete_all(&self, service: &str, name: &str) -> Result<bool, String> {
            match self.entry(service, name)?.delete_credential() {
                Ok(()) => Ok(true),
                Err(Error::NoEntry) => Ok(false),
                Err(Error::Ambiguous(entries)) => {
                    for e in entries {
                        e.delete_credential().map_err(|e| e.to_string())?;
                    }
                    Ok(true)
                }
                Err(e) => Err(e.to_string()),
            }
        }

        fn set_in(&self, service: &str, name: &str, token: &str) -> Result<(), String> {
            match self.entry(service, name)?.set_password(token) {
                Err(Error::Ambiguous(_)) => {
                    self.delete_all(service, name)?;
                    self.entry(service, name)?
                        .set_password(token)
                        .map_err(|e| e.to_string())
                }
                other => other.map_err(|e| e.to_string()),
            }
        }
    }

    impl Backend for SecretService {
        fn get(&mut self, name: &str) -> Result<Option<Secret>, String> {
            match self.entry(SERVICE, name)?.get_password() {
                Ok(token) => Ok(Some(Secret::new(token))),
                Err(Error::NoEntry) => Ok(None),
                // Not a token (binary data) or duplicates: absent; the next login's write
                // replaces them.
                Err(Error::BadEncoding(_)) | Err(Error::Ambiguous(_)) => {
                    crate::debug!("ignoring an unusable keyring entry for {name}");
                    Ok(None)
                }
                Err(e) => Err(e.to_string()),
            }
        }

        fn set(&mut self, name: &str, token: &str) -> Result<(), String> {
            self.set_in(SERVICE, name, token)
        }

        fn delete(&mut self, name: &str) -> Result<bool, String> {
            self.delete_all(SERVICE, name)
        }

        fn list(&mut self) -> Result<Vec<String>, String> {
            let spec = HashMap::from([("service", SERVICE)]);
            let found = self.store.search(&spec).map_err(|e| e.to_string())?;
            Ok(found
                .iter()
                .filter_map(Entry::get_specifiers)
                .filter(|(service, _)| service == SERVICE)
                .map(|(_, name)| name)
                .collect())
        }

        fn probe(&mut self) -> Result<(), String> {
            let (account, value) = probe_value();
            self.set_in(PROBE_SERVICE, &account, &value)?;
            let back = self
                .entry(PROBE_SERVICE, &account)?
                .get_password()
                .map_err(|e| e.to_string());
            let removed = self.delete_all(PROBE_SERVICE, &account);
            match back {
                Ok(v) if v == value => removed.map(|_| ()),
                Ok(_) => Err("the probe entry read back differently".into()),
                Err(e) => Err(e),
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod os {
    //! No OS store wired up yet on this platform: the keyring is "unavailable" and files are used.

    use super::Backend;

    pub fn connect() -> Result<Box<dyn Backend>, String> {
        Err("no OS keyring support on this platform yet".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2ln";
    const NAME: &str = "ssh.example.com-0123abcd-token";

    #[cfg(unix)]
    #[test]
    fn fifos_and_huge_files_are_not_tokens() {
        let dir = tempfile::tempdir().unwrap();
        fsutil::ensure_private_dir(&dir.path().join("d")).unwrap();
        let d = dir.path().join("d");
        // A FIFO nobody writes to: opening it for reading would block forever.
        let st = std::process::Command::new("mkfifo")
            .arg(d.join(NAME))
            .status()
            .unwrap();
        assert!(st.success());
        let (tx, rx) = mpsc::channel();
        let dd = d.clone();
        std::thread::spawn(move || {
            let _ = tx.send(read_file(&dd, NAME).map(|t| t.is_some()).ok());
        });
        // A bound for a hang, not a synchronisation: the answer comes at once.
        let got = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("read_file returned instead of hanging on a FIFO");
        assert_eq!(got, Some(false));
        // Larger than any token: not read whole, and not a token.
        let big = d.join("big-token");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(100 * 1024 * 1024).unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&big, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert!(read_file(&d, "big-token").unwrap().is_none());
        // At the limit it still is.
        std::fs::write(&big, vec![b'a'; MAX_TOKEN_FILE as usize]).unwrap();
        assert!(read_file(&d, "big-token").unwrap().is_some());
    }

    /// An in-memory keyring that can be told to fail or to hang, and counts the calls it got.
    #[derive(Clone, Default)]
    struct Fake {
        entries: Arc<Mutex<HashMap<String, String>>>,
        behaviour: Arc<Mutex<Behaviour>>,
        calls: Arc<AtomicUsize>,
        probes: Arc<AtomicUsize>,
    }

    #[derive(Clone, Copy, Default, PartialEq)]
    enum Behaviour {
        #[default]
        Works,
        Fails,
        /// Reads work, writes fail (the probe must catch it).
        ReadOnly,
        Hangs,
    }

    impl Fake {
        fn with(b: Behaviour) -> Fake {
            let f = Fake::default();
            *f.behaviour.lock().unwrap() = b;
            f
        }

        fn keyring(&self, timeout: Duration) -> Arc<Keyring> {
            let me = self.clone();
            Arc::new(Keyring::new(
                Box::new(move || Ok(Box::new(me) as Box<dyn Backend>)),
                timeout,
            ))
        }

        fn enter(&self, writing: bool) -> Result<(), String> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            match *self.behaviour.lock().unwrap() {
                Behaviour::Works => Ok(()),
                Behaviour::ReadOnly if !writing => Ok(()),
                Behaviour::Fails | Behaviour::ReadOnly => Err("locked".into()),
                Behaviour::Hangs => {
                    std::thread::sleep(Duration::from_secs(3600));
                    Err("woke up".into())
                }
            }
        }

        fn has(&self, name: &str) -> bool {
            self.entries.lock().unwrap().contains_key(name)
        }

        fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }
    }

    impl Backend for Fake {
        fn get(&mut self, name: &str) -> Result<Option<Secret>, String> {
            self.enter(false)?;
            Ok(self.entries.lock().unwrap().get(name).map(Secret::new))
        }
        fn set(&mut self, name: &str, token: &str) -> Result<(), String> {
            self.enter(true)?;
            self.entries
                .lock()
                .unwrap()
                .insert(name.into(), token.into());
            Ok(())
        }
        fn delete(&mut self, name: &str) -> Result<bool, String> {
            self.enter(true)?;
            Ok(self.entries.lock().unwrap().remove(name).is_some())
        }
        fn list(&mut self) -> Result<Vec<String>, String> {
            self.enter(false)?;
            Ok(self.entries.lock().unwrap().keys().cloned().collect())
        }
        fn probe(&mut self) -> Result<(), String> {
            self.probes.fetch_add(1, Ordering::SeqCst);
            self.enter(true)
        }
    }

    struct Setup {
        _tmp: tempfile::TempDir,
        dir: PathBuf,
        fake: Fake,
        store: TokenStore,
    }

    fn setup(mode: Mode, b: Behaviour) -> Setup {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(".cloudflared");
        let fake = Fake::with(b);
        let store = TokenStore::with_parts(dir.clone(), mode, fake.keyring(KEYRING_TIMEOUT));
        Setup {
            _tmp: tmp,
            dir,
            fake,
            store,
        }
    }

    fn secret() -> Secret {
        Secret::new(TOKEN)
    }

    fn set_mode(path: &Path, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn modes_parse_and_bad_values_are_refused() {
        for (value, want) in [
            (None, Mode::Auto),
            (Some(""), Mode::Auto),
            (Some("auto"), Mode::Auto),
            (Some("Keyring"), Mode::Keyring),
            (Some(" file "), Mode::File),
            (Some("files"), Mode::File),
        ] {
            assert_eq!(Mode::parse(value).unwrap(), want, "{value:?}");
        }
        let err = Mode::parse(Some("vault")).unwrap_err();
        assert_eq!(err.exit, Exit::Usage);
        assert!(
            err.message.contains("ZSSH_TOKEN_STORE=\"vault\""),
            "{}",
            err.message
        );
        assert!(err.hint.contains("auto, keyring or file"), "{}", err.hint);
    }

    #[test]
    fn describes_locations() {
        assert_eq!(Location::File.describe(), "file");
        assert!(Location::Keyring.describe().starts_with("OS keyring"));
        assert_eq!(
            serde_json::to_string(&Location::Keyring).unwrap(),
            "\"keyring\""
        );
        assert_eq!(serde_json::to_string(&Location::File).unwrap(), "\"file\"");
    }

    #[test]
    fn file_layout_is_cloudflareds() {
        let s = setup(Mode::File, Behaviour::Works);
        assert_eq!(s.store.read(NAME).unwrap(), None);
        let at = s.store.write(NAME, &secret(), Location::Keyring).unwrap();
        assert_eq!(at, Location::File);
        let file = s.dir.join(NAME);
        // Raw bytes, no newline, 0600 in a 0700 directory.
        assert_eq!(std::fs::read(&file).unwrap(), TOKEN.as_bytes());
        assert_eq!(mode_of(&file), 0o600);
        assert_eq!(mode_of(&s.dir), 0o700);
        assert_eq!(
            s.store.read(NAME).unwrap(),
            Some((secret(), Location::File))
        );
        // Overwrite in place, no temp files left behind.
        s.store
            .write(NAME, &Secret::new("second"), Location::File)
            .unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"second");
        assert_eq!(std::fs::read_dir(&s.dir).unwrap().count(), 1);
        // File mode never talks to the keyring, whatever the caller prefers.
        assert_eq!(s.store.preferred(), Location::File);
        assert_eq!(s.fake.calls(), 0);
        assert_eq!(s.fake.probes.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn reads_a_file_cloudflared_wrote() {
        let s = setup(Mode::Auto, Behaviour::Works);
        std::fs::create_dir_all(&s.dir).unwrap();
        let file = s.dir.join(NAME);
        std::fs::write(&file, TOKEN).unwrap();
        set_mode(&file, 0o600);
        assert_eq!(
            s.store.read(NAME).unwrap(),
            Some((secret(), Location::File))
        );
    }

    #[test]
    fn refuses_a_file_others_can_read() {
        for mode in [0o640, 0o604, 0o644] {
            let s = setup(Mode::File, Behaviour::Works);
            s.store.write(NAME, &secret(), Location::File).unwrap();
            let file = s.dir.join(NAME);
            set_mode(&file, mode);
            let err = s.store.read(NAME).unwrap_err();
            assert_eq!(err.exit, Exit::Local);
            assert!(
                err.message.contains(&file.display().to_string()),
                "{}",
                err.message
            );
            assert!(err.message.contains("other users"), "{}", err.message);
            assert!(
                err.hint.contains(&format!("chmod 600 {}", file.display())),
                "{}",
                err.hint
            );
            assert!(err.hint.contains("log out"), "{}", err.hint);
            assert!(!format!("{err:?}").contains(TOKEN));
        }
    }

    #[test]
    fn delete_reports_whether_anything_went() {
        let s = setup(Mode::File, Behaviour::Works);
        assert!(!s.store.delete(NAME).unwrap());
        s.store.write(NAME, &secret(), Location::File).unwrap();
        assert!(s.store.delete(NAME).unwrap());
        assert!(!s.dir.join(NAME).exists());
        assert!(!s.store.delete(NAME).unwrap());
    }

    #[test]
    fn lists_only_token_files() {
        let s = setup(Mode::File, Behaviour::Works);
        assert_eq!(s.store.list().unwrap(), vec![], "no directory yet");
        std::fs::create_dir_all(&s.dir).unwrap();
        for f in [
            "app.test.example-aud1-token",
            "app.test.example-aud1-token.lock",
            "app.test.example-aud1-token.url",
            "team.cloudflareaccess.com-org-token",
            "team.cloudflareaccess.com-org-token.lock",
            "team.cloudflareaccess.com-jwks",
            "ssh.test.example-cf_key",
            "ssh.test.example-cf_key.pub",
            "ssh.test.example-cf_key-cert.pub",
            ".zssh-abc.tmp",
            ".hidden-token",
            "config.yml",
        ] {
            std::fs::write(s.dir.join(f), "x").unwrap();
        }
        std::fs::create_dir(s.dir.join("dir-token")).unwrap();
        assert_eq!(
            s.store.list().unwrap(),
            vec![
                ("app.test.example-aud1-token".to_string(), Location::File),
                (
                    "team.cloudflareaccess.com-org-token".to_string(),
                    Location::File
                ),
            ]
        );
    }

    #[test]
    fn rejects_names_that_leave_the_directory() {
        let s = setup(Mode::File, Behaviour::Works);
        for bad in [
            "",
            ".",
            "..",
            "../x-token",
            "a/b-token",
            "a\\b",
            "a\0b",
            "a\nb",
        ] {
            let err = s.store.read(bad).unwrap_err();
            assert!(err.message.contains("invalid token name"), "{bad:?}");
            assert!(s.store.write(bad, &secret(), Location::File).is_err());
            assert!(s.store.delete(bad).is_err());
        }
        // A wildcard app's escaped name is fine (spec 4.2).
        assert!(check_name("-.example.com-aud-token").is_ok());
    }

    #[test]
    fn auto_prefers_a_working_keyring_and_removes_the_stale_file() {
        let s = setup(Mode::Auto, Behaviour::Works);
        s.store
            .write(NAME, &Secret::new("old"), Location::File)
            .unwrap();
        assert!(s.dir.join(NAME).exists());
        assert_eq!(s.store.preferred(), Location::Keyring);
        let at = s.store.write(NAME, &secret(), Location::Keyring).unwrap();
        assert_eq!(at, Location::Keyring);
        assert!(s.fake.has(NAME));
        assert!(!s.dir.join(NAME).exists(), "the old file is gone");
        assert_eq!(
            s.store.read(NAME).unwrap(),
            Some((secret(), Location::Keyring))
        );
        assert_eq!(
            s.store.list().unwrap(),
            vec![(NAME.into(), Location::Keyring)]
        );
        // The probe ran once, however often the store was asked.
        s.store.preferred();
        s.store.write(NAME, &secret(), Location::Keyring).unwrap();
        assert_eq!(s.fake.probes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_file_write_removes_the_keyring_copy_that_would_shadow_it() {
        let s = setup(Mode::Auto, Behaviour::Works);
        s.store
            .write(NAME, &Secret::new("old"), Location::Keyring)
            .unwrap();
        let at = s.store.write(NAME, &secret(), Location::File).unwrap();
        assert_eq!(at, Location::File);
        assert!(!s.fake.has(NAME));
        assert_eq!(
            s.store.read(NAME).unwrap(),
            Some((secret(), Location::File))
        );
    }

    #[test]
    fn delete_removes_both_copies() {
        let s = setup(Mode::Auto, Behaviour::Works);
        s.store.write(NAME, &secret(), Location::Keyring).unwrap();
        // Another program (cloudflared) writes the same name as a file.
        std::fs::create_dir_all(&s.dir).unwrap();
        std::fs::write(s.dir.join(NAME), TOKEN).unwrap();
        assert_eq!(
            s.store.list().unwrap(),
            vec![
                (NAME.into(), Location::Keyring),
                (NAME.into(), Location::File)
            ]
        );
        assert!(s.store.delete(NAME).unwrap());
        assert!(!s.fake.has(NAME));
        assert!(!s.dir.join(NAME).exists());
        assert_eq!(s.store.read(NAME).unwrap(), None);
    }

    #[test]
    fn a_failing_keyring_falls_back_to_files_and_is_not_asked_again() {
        let s = setup(Mode::Auto, Behaviour::Fails);
        std::fs::create_dir_all(&s.dir).unwrap();
        std::fs::write(s.dir.join(NAME), TOKEN).unwrap();
        set_mode(&s.dir.join(NAME), 0o600);
        assert_eq!(
            s.store.read(NAME).unwrap(),
            Some((secret(), Location::File))
        );
        assert_eq!(s.fake.calls(), 1);
        let other = "team.example-org-token";
        assert_eq!(
            s.store.write(other, &secret(), Location::Keyring).unwrap(),
            Location::File
        );
        assert_eq!(s.store.preferred(), Location::File);
        assert!(s.store.delete(other).unwrap());
        assert_eq!(s.store.list().unwrap(), vec![(NAME.into(), Location::File)]);
        assert_eq!(s.fake.calls(), 1, "the keyring was asked once");
        assert_eq!(s.fake.probes.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_read_only_keyring_fails_the_probe_and_writes_go_to_files() {
        let s = setup(Mode::Auto, Behaviour::ReadOnly);
        assert_eq!(s.store.read(NAME).unwrap(), None);
        assert_eq!(
            s.store.write(NAME, &secret(), Location::Keyring).unwrap(),
            Location::File
        );
        assert_eq!(std::fs::read(s.dir.join(NAME)).unwrap(), TOKEN.as_bytes());
        assert_eq!(s.store.preferred(), Location::File);
        assert_eq!(s.fake.probes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_hanging_keyring_costs_one_timeout_per_process() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(".cloudflared");
        let fake = Fake::with(Behaviour::Hangs);
        let timeout = Duration::from_millis(200);
        let store = TokenStore::with_parts(dir.clone(), Mode::Auto, fake.keyring(timeout));
        let started = Instant::now();
        assert_eq!(store.read(NAME).unwrap(), None);
        let first = started.elapsed();
        assert!(first >= timeout, "waited for the keyring: {first:?}");
        assert!(
            first < Duration::from_secs(5),
            "but not much longer: {first:?}"
        );
        let again = Instant::now();
        assert_eq!(
            store.write(NAME, &secret(), Location::Keyring).unwrap(),
            Location::File
        );
        assert_eq!(store.read(NAME).unwrap(), Some((secret(), Location::File)));
        assert!(
            again.elapsed() < timeout,
            "no second wait: {:?}",
            again.elapsed()
        );
        assert_eq!(fake.calls(), 1);
    }

    #[test]
    fn keyring_mode_refuses_to_fall_back() {
        let s = setup(Mode::Keyring, Behaviour::Fails);
        let err = s.store.read(NAME).unwrap_err();
        assert_eq!(err.exit, Exit::Local);
        assert!(
            err.message.contains("ZSSH_TOKEN_STORE=keyring"),
            "{}",
            err.message
        );
        assert!(
            err.message.contains("locked"),
            "the keyring's reason: {}",
            err.message
        );
        assert!(err.hint.contains("ZSSH_TOKEN_STORE=auto"), "{}", err.hint);
        for prefer in [Location::Keyring, Location::File] {
            assert!(s.store.write(NAME, &secret(), prefer).is_err());
        }
        assert!(!s.dir.join(NAME).exists(), "no silent file");
        assert!(s.store.list().is_err());
        assert!(s.store.delete(NAME).is_err());
        assert_eq!(s.store.preferred(), Location::Keyring);
    }

    #[test]
    fn keyring_mode_overrides_a_file_preference() {
        let s = setup(Mode::Keyring, Behaviour::Works);
        assert_eq!(
            s.store.write(NAME, &secret(), Location::File).unwrap(),
            Location::Keyring
        );
        assert!(s.fake.has(NAME));
        assert!(!s.dir.join(NAME).exists());
        // No probe needed: the write itself is the test.
        assert_eq!(s.fake.probes.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn the_keyring_wins_over_a_file_of_the_same_name() {
        let s = setup(Mode::Auto, Behaviour::Works);
        std::fs::create_dir_all(&s.dir).unwrap();
        std::fs::write(s.dir.join(NAME), "from-cloudflared").unwrap();
        s.fake
            .entries
            .lock()
            .unwrap()
            .insert(NAME.into(), TOKEN.into());
        assert_eq!(
            s.store.read(NAME).unwrap(),
            Some((secret(), Location::Keyring))
        );
    }

    #[test]
    fn a_panicking_backend_is_an_unavailable_keyring() {
        struct Panics;
        impl Backend for Panics {
            fn get(&mut self, _: &str) -> Result<Option<Secret>, String> {
                panic!("backend bug")
            }
            fn set(&mut self, _: &str, _: &str) -> Result<(), String> {
                panic!("backend bug")
            }
            fn delete(&mut self, _: &str) -> Result<bool, String> {
                panic!("backend bug")
            }
            fn list(&mut self) -> Result<Vec<String>, String> {
                panic!("backend bug")
            }
            fn probe(&mut self) -> Result<(), String> {
                panic!("backend bug")
            }
        }
        let tmp = tempfile::tempdir().unwrap();
        let keyring = Arc::new(Keyring::new(
            Box::new(|| Ok(Box::new(Panics) as Box<dyn Backend>)),
            KEYRING_TIMEOUT,
        ));
        let store = TokenStore::with_parts(tmp.path().to_path_buf(), Mode::Auto, keyring);
        assert_eq!(store.read(NAME).unwrap(), None);
        assert_eq!(
            store.write(NAME, &secret(), Location::Keyring).unwrap(),
            Location::File
        );
    }

    #[test]
    fn a_keyring_that_cannot_connect_is_unavailable() {
        let tmp = tempfile::tempdir().unwrap();
        let keyring = Arc::new(Keyring::new(
            Box::new(|| Err("no session bus".to_string())),
            KEYRING_TIMEOUT,
        ));
        let store = TokenStore::with_parts(tmp.path().to_path_buf(), Mode::Keyring, keyring);
        let err = store.read(NAME).unwrap_err();
        assert!(err.message.contains("no session bus"), "{}", err.message);
    }

    /// The real Secret Service backend against a private, throwaway gnome-keyring. Each test
    /// re-runs itself (this test binary, `--exact`) inside `dbus-run-session` with its own HOME
    /// and XDG_RUNTIME_DIR, as tests/it/netns.rs does with namespaces: the process environment is
    /// never changed in place, and nothing reaches the user's own keyring.
    #[cfg(target_os = "linux")]
    mod live {
        use super::*;
        use std::process::{Command, Stdio};

        const INNER: &str = "ZSSH_TOKEN_STORE_LIVE";

        /// Start gnome-keyring (unlocked with password `pw`, or locked), wait until it owns its bus
        /// name (and, unlocked, until the default collection reports unlocked), run "$@".
        const SESSION: &str = r#"
            mode=$1; shift
            if [ "$mode" = unlocked ]; then
                printf pw | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
            else
                gnome-keyring-daemon --foreground --components=secrets </dev/null >/dev/null 2>&1 &
            fi
            gk=$!
            gdbus wait --session --timeout 10 org.freedesktop.secrets >/dev/null ||
                { echo "gnome-keyring-daemon did not appear on the session bus" >&2; kill $gk; exit 97; }
            if [ "$mode" = unlocked ]; then
                locked=$(gdbus call --session --dest org.freedesktop.secrets \
                    --object-path /org/freedesktop/secrets/aliases/default \
                    --method org.freedesktop.DBus.Properties.Get org.freedesktop.Secret.Collection Locked)
                [ "$locked" = "(<false>,)" ] ||
                    { echo "the login keyring is still locked: $locked" >&2; kill $gk; exit 98; }
            fi
            "$@"; rc=$?
            kill $gk; wait $gk 2>/dev/null
            exit $rc
        "#;

        #[derive(Clone, Copy)]
        enum Bus {
            Unlocked,
            Locked,
            None,
        }

        fn inside() -> bool {
            std::env::var_os(INNER).is_some()
        }

        /// Run `cmd` (this binary or `true`) in a session of kind `bus` with `home`.
        fn session(home: &Path, bus: Bus, program: &Path, args: &[&str]) -> std::process::Output {
            let runtime = home.join("run");
            std::fs::create_dir_all(&runtime).unwrap();
            set_mode(&runtime, 0o700);
            let mut cmd = match bus {
                Bus::None => Command::new(program),
                Bus::Unlocked | Bus::Locked => {
                    let mut c = Command::new("dbus-run-session");
                    c.args(["--", "sh", "-c", SESSION, "sh"])
                        .arg(if matches!(bus, Bus::Unlocked) {
                            "unlocked"
                        } else {
                            "locked"
                        })
                        .arg(program);
                    c
                }
            };
            cmd.args(args)
                .env(INNER, "1")
                .env("HOME", home)
                .env("XDG_RUNTIME_DIR", &runtime)
                // No bus but the one dbus-run-session makes, and no display for an unlock prompt.
                .env_remove("DBUS_SESSION_BUS_ADDRESS")
                .env_remove("DISPLAY")
                .env_remove("WAYLAND_DISPLAY")
                .stdin(Stdio::null());
            cmd.output().unwrap_or_else(|e| {
                panic!(
                    "cannot run {cmd:?}: {e} (dbus-run-session, gnome-keyring-daemon and gdbus \
                     come from .ci/setup)"
                )
            })
        }

        /// Re-run test `name` of this binary inside a session; fail with its output if it failed.
        fn rerun(name: &str, bus: Bus, prepare_keyring: bool) {
            let tmp = tempfile::tempdir().unwrap();
            let home = tmp.path().join("home");
            std::fs::create_dir_all(&home).unwrap();
            if prepare_keyring {
                // Create the login keyring (password `pw`) holding an entry for NAME, so that the
                // locked session has a keyring and reading NAME needs an unlock.
                let store = format!(
                    "printf old | secret-tool store --label='zssh: {NAME}' service {SERVICE} username {NAME}"
                );
                let out = session(&home, Bus::Unlocked, Path::new("sh"), &["-c", &store]);
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            let me = std::env::current_exe().unwrap();
            let full = format!("token_store::tests::live::{name}");
            let out = session(
                &home,
                bus,
                &me,
                &[&full, "--exact", "--nocapture", "--test-threads=1"],
            );
            let (so, se) = (
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
            );
            assert!(out.status.success(), "inner run failed:\n{so}\n{se}");
            // Guard against a renamed test: zero tests run also "succeeds".
            assert!(
                so.contains("1 passed"),
                "the inner test did not run:\n{so}\n{se}"
            );
            for line in se.lines().filter(|l| l.starts_with("live:")) {
                eprintln!("{line}");
            }
        }

        fn real_keyring() -> Arc<Keyring> {
            Arc::new(Keyring::new(Box::new(os::connect), KEYRING_TIMEOUT))
        }

        fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
            let started = Instant::now();
            let r = f();
            (r, started.elapsed())
        }

        #[test]
        fn unlocked_secret_service() {
            if !inside() {
                return rerun("unlocked_secret_service", Bus::Unlocked, false);
            }
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().join(".cloudflared");
            let store = TokenStore::with_parts(dir.clone(), Mode::Auto, real_keyring());
            let (first, cold) = timed(|| store.read(NAME).unwrap());
            assert_eq!(first, None);
            let (preferred, probe) = timed(|| store.preferred());
            assert_eq!(preferred, Location::Keyring);
            let (at, write) = timed(|| store.write(NAME, &secret(), Location::Keyring).unwrap());
            assert_eq!(at, Location::Keyring);
            assert!(!dir.join(NAME).exists());
            let (back, warm) = timed(|| store.read(NAME).unwrap());
            assert_eq!(back, Some((secret(), Location::Keyring)));
            eprintln!(
                "live: first read (connect + search) {cold:?}, probe {probe:?}, write {write:?}, \
                 warm read {warm:?}"
            );
            // Another connection (as the next zssh process would have) sees it too.
            let other = TokenStore::with_parts(dir.clone(), Mode::Auto, real_keyring());
            let (seen, fresh) = timed(|| other.read(NAME).unwrap());
            assert_eq!(seen, Some((secret(), Location::Keyring)));
            eprintln!("live: read on a new connection {fresh:?}");
            // Other tools see a labelled entry of service zssh; the probe left nothing behind.
            let out = Command::new("secret-tool")
                .args(["search", "--all", "service", "zssh"])
                .stdin(Stdio::null())
                .output()
                .expect("secret-tool (libsecret-tools, from .ci/setup)");
            let shown = String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr);
            assert!(shown.contains(&format!("label = zssh: {NAME}")), "{shown}");
            assert!(
                shown.contains(&format!("attribute.username = {NAME}")),
                "{shown}"
            );
            let probes = Command::new("secret-tool")
                .args(["search", "--all", "service", PROBE_SERVICE])
                .output()
                .unwrap();
            assert!(probes.stdout.is_empty(), "{probes:?}");
            let org = "team.cloudflareaccess.com-org-token";
            store
                .write(org, &Secret::new("org"), Location::Keyring)
                .unwrap();
            assert_eq!(
                store.list().unwrap(),
                vec![
                    (NAME.into(), Location::Keyring),
                    (org.into(), Location::Keyring)
                ]
            );
            // A file write replaces the keyring copy, and the other way round.
            assert_eq!(
                store.write(NAME, &secret(), Location::File).unwrap(),
                Location::File
            );
            assert_eq!(other.read(NAME).unwrap(), Some((secret(), Location::File)));
            assert_eq!(
                store.write(NAME, &secret(), Location::Keyring).unwrap(),
                Location::Keyring
            );
            assert!(!dir.join(NAME).exists());
            assert!(store.delete(NAME).unwrap());
            assert!(store.delete(org).unwrap());
            assert!(!store.delete(NAME).unwrap());
            assert_eq!(other.read(NAME).unwrap(), None);
            assert_eq!(store.list().unwrap(), vec![]);
        }

        /// A login keyring that exists but was not unlocked: calls fail at once (the unlock
        /// prompt has no display), and zssh falls back to files.
        #[test]
        fn locked_secret_service() {
            if !inside() {
                return rerun("locked_secret_service", Bus::Locked, true);
            }
            unusable_keyring("locked keyring");
        }

        #[test]
        fn no_session_bus() {
            if !inside() {
                return rerun("no_session_bus", Bus::None, false);
            }
            unusable_keyring("no session bus");
        }

        fn unusable_keyring(what: &str) {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().join(".cloudflared");
            let store = TokenStore::with_parts(dir.clone(), Mode::Auto, real_keyring());
            let (first, read) = timed(|| store.read(NAME).unwrap());
            assert_eq!(
                first, None,
                "nothing usable: the keyring's copy is out of reach"
            );
            let (at, write) = timed(|| store.write(NAME, &secret(), Location::Keyring).unwrap());
            assert_eq!(at, Location::File);
            assert_eq!(store.read(NAME).unwrap(), Some((secret(), Location::File)));
            assert_eq!(store.preferred(), Location::File);
            // Failing fast, not by running into the timeout.
            assert!(read + write < KEYRING_TIMEOUT, "{read:?} + {write:?}");
            let strict = TokenStore::with_parts(dir, Mode::Keyring, real_keyring());
            let (err, failed) = timed(|| {
                strict
                    .write(NAME, &secret(), Location::Keyring)
                    .unwrap_err()
            });
            assert!(
                err.message.contains("ZSSH_TOKEN_STORE=keyring"),
                "{}",
                err.message
            );
            eprintln!(
                "live: {what}: read {read:?}, write fell back to a file in {write:?}; \
                 keyring mode failed in {failed:?}: {}",
                err.message
            );
        }
    }
}
