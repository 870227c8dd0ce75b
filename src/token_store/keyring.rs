//! The OS keyring behind one worker thread (Secret Service on Linux, through keyring-core and
//! the pure-Rust zbus store): tokens are entries of service `zssh` whose account is the token's
//! file name.
//!
//! Owns: the [`Backend`] of each platform (the `os` modules), the worker that runs every call,
//! the deadline on each call ([`KEYRING_TIMEOUT`]), remembering for the rest of the process that
//! the keyring failed (so a broken keyring costs one timeout, never a hang per call), and the
//! write probe.
//!
//! Must not: decide where a token goes or fall back to files (the store's policy in `mod.rs`),
//! print, or let a token reach an error text or a debug line (errors are the store's own short
//! texts).

use std::sync::{Mutex, mpsc};
use std::time::Duration;

use crate::debug;
use crate::secret::Secret;

/// The keyring service of token entries; the account is the token's file name.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // Only the Secret Service backend uses it so far.
pub(super) const SERVICE: &str = "zssh";

/// The service of the write probe's entries. Not [`SERVICE`], so that a probe entry orphaned by a
/// crash can never be listed as a token.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))] // Only the Secret Service backend uses it so far.
pub(super) const PROBE_SERVICE: &str = "zssh-probe";

/// How long one keyring operation may take. The proxy reads a token on every `ssh`, so a Secret
/// Service that does not answer (a hung daemon, an unlock prompt nobody will see) must cost at
/// most this once per process, never a hang. A healthy local Secret Service answers in a few ms.
pub(super) const KEYRING_TIMEOUT: Duration = Duration::from_secs(2);

/// One OS credential store. Errors are short texts for debug lines and keyring-mode errors:
/// any error means "this keyring does not work now". Absence is not an error.
pub(super) trait Backend: Send {
    fn get(&mut self, name: &str) -> Result<Option<Secret>, String>;
    fn set(&mut self, name: &str, token: &str) -> Result<(), String>;
    /// True if an entry was removed.
    fn delete(&mut self, name: &str) -> Result<bool, String>;
    fn list(&mut self) -> Result<Vec<String>, String>;
    /// Whether a write would work: set, read back and delete a throwaway entry.
    fn probe(&mut self) -> Result<(), String>;
}

pub(super) type Connect = Box<dyn FnOnce() -> Result<Box<dyn Backend>, String> + Send>;
type Job = Box<dyn FnOnce(Result<&mut dyn Backend, &str>) + Send>;

/// A keyring reached through one worker thread. The blocking D-Bus calls cannot be cancelled, so
/// the caller waits on a channel with a deadline instead and walks away on timeout; the worker
/// (and its connection) is left behind, and the keyring is then marked unavailable so nothing
/// queues behind a call that may never return. One long-lived worker rather than a thread per
/// call keeps one D-Bus connection and one encrypted session for the whole process.
pub(super) struct Keyring {
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
    pub(super) fn new(connect: Connect, timeout: Duration) -> Keyring {
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

    pub(super) fn failure(&self) -> Option<String> {
        self.state().failed.clone()
    }

    pub(super) fn usable(&self) -> bool {
        self.failure().is_none()
    }

    /// Run the probe once per process; false also marks the keyring unavailable.
    pub(super) fn probe(&self) -> bool {
        if let Some(done) = self.state().probed {
            return done;
        }
        let ok = self.usable() && self.call("probe", |b| b.probe()).is_ok();
        self.state().probed = Some(ok);
        ok
    }

    /// Run `op` on the worker, waiting at most `timeout`. Any failure (the store's, a timeout, a
    /// dead worker) marks the keyring unavailable for the rest of the process.
    pub(super) fn call<T: Send + 'static>(
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
pub(super) mod os {
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
pub(super) mod os {
    //! No OS store wired up yet on this platform: the keyring is "unavailable" and files are used.

    use super::Backend;

    pub fn connect() -> Result<Box<dyn Backend>, String> {
        Err("no OS keyring support on this platform yet".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token_store::testing::*;
    use crate::token_store::{Location, Mode, TokenStore};
    use std::path::Path;
    use std::sync::Arc;
    use std::time::Instant;

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
            let full = format!("token_store::keyring::tests::live::{name}");
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
                crate::errln!("{line}");
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
            crate::errln!(
                "live: first read (connect + search) {cold:?}, probe {probe:?}, write {write:?}, \
                 warm read {warm:?}"
            );
            // Another connection (as the next zssh process would have) sees it too.
            let other = TokenStore::with_parts(dir.clone(), Mode::Auto, real_keyring());
            let (seen, fresh) = timed(|| other.read(NAME).unwrap());
            assert_eq!(seen, Some((secret(), Location::Keyring)));
            crate::errln!("live: read on a new connection {fresh:?}");
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
            crate::errln!(
                "live: {what}: read {read:?}, write fell back to a file in {write:?}; \
                 keyring mode failed in {failed:?}: {}",
                err.message
            );
        }
    }
}
