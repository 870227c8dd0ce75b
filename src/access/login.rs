//! Getting a token for an app (spec section 2): the cache; then, under a single-flight lock so
//! only one process per app ever opens a browser, the cache again, the org token exchange
//! (silent SSO), and finally the browser transfer flow. Nothing here prints: progress is
//! reported through [`Event`]s and the command decides what to show.

use std::time::Duration;

use super::app_url::AppUrl;
use super::login_lock::{self, Waiting};
use super::token::{self, Lookup};
use super::{AppInfo, exchange, transfer};
use crate::edge::pool::Client;
use crate::error::UserError;
use crate::exit::Exit;
use crate::secret::Secret;
use crate::token_store::{Location, TokenStore};
use crate::{debug, paths};

/// How long a process waits for another process's login before giving up.
pub const LOCK_DEADLINE: Duration = Duration::from_secs(11 * 60);

/// How a login may proceed.
#[derive(Debug, Clone)]
pub struct Options {
    pub fedramp: bool,
    pub auto_close: bool,
    /// Open the browser (otherwise only show the URL).
    pub open_browser: bool,
    /// A person can answer a browser login; if not, fail at once instead of waiting.
    pub interactive: bool,
    /// Where new tokens go: the keyring (zssh) or the files cloudflared reads.
    pub prefer: Location,
    /// How long to wait for another process's login.
    pub lock_deadline: Duration,
}

/// What happened, for the command to show.
#[derive(Debug)]
pub enum Event {
    /// The browser login started: the URL, and whether a browser was launched.
    BrowserLogin { url: String, opened: bool },
    /// Another process holds the login; it may have published its URL.
    OtherLogin(Waiting),
}

/// Where a login reports its progress: the command passes one that shows the [`Event`]s.
pub trait Progress: Send {
    fn event(&mut self, e: Event);
    /// The login is over, however it ended: stop showing progress.
    fn finish(&mut self);
}

/// Where the token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Cache,
    OrgExchange,
    Browser,
}

pub fn not_interactive_error(app: &AppUrl) -> UserError {
    UserError::new(
        Exit::Auth,
        format!(
            "not logged in to {} and nobody can answer a browser login here",
            app.authority()
        ),
        format!(
            "run `zssh login {}` where a browser is available, or use a service token",
            crate::human::shell_word(&app.authority())
        ),
    )
}

/// Whether a person can answer a browser login from this process: not when
/// `ZSSH_NONINTERACTIVE=1`, nor with neither a terminal nor a display (nor a `BROWSER`).
pub fn someone_can_answer() -> bool {
    if std::env::var_os("ZSSH_NONINTERACTIVE").is_some_and(|v| v != "0" && !v.is_empty()) {
        return false;
    }
    let has_display = cfg!(any(target_os = "macos", windows))
        || ["DISPLAY", "WAYLAND_DISPLAY", "BROWSER"]
            .iter()
            .any(|v| std::env::var_os(v).is_some_and(|v| !v.is_empty()));
    has_display || std::fs::File::open("/dev/tty").is_ok()
}

/// A usable cached app token, if any.
pub fn cached(store: &TokenStore, info: &AppInfo) -> Result<Option<Secret>, UserError> {
    Ok(match token::app_token(store, info)? {
        Lookup::Usable(t, _) => Some(t),
        other => {
            debug!(
                "no usable cached token for {}: {other:?}",
                info.app_hostname
            );
            None
        }
    })
}

/// Get a token for `app` by the order of spec section 2.
pub async fn get_token(
    client: &mut Client,
    store: &TokenStore,
    app: &AppUrl,
    info: &AppInfo,
    opts: &Options,
    events: &mut (dyn FnMut(Event) + Send),
) -> Result<(Secret, Source), UserError> {
    if let Some(t) = cached(store, info)? {
        return Ok((t, Source::Cache));
    }
    let dir = paths::cloudflared_dir()?;
    let app_name = token::app_name(info);
    let mut on_wait = |w: Waiting| events(Event::OtherLogin(w));
    let app_lock =
        login_lock::acquire(&dir.join(&app_name), opts.lock_deadline, &mut on_wait).await?;
    // Someone else may have finished a login while this process waited.
    if let Some(t) = cached(store, info)? {
        return Ok((t, Source::Cache));
    }
    let org_name = token::org_name(&info.auth_domain);
    let mut org = usable(token::org_token(store, &info.auth_domain)?);
    let mut _org_lock = None;
    if org.is_none() {
        _org_lock = Some(
            login_lock::acquire(&dir.join(&org_name), opts.lock_deadline, &mut on_wait).await?,
        );
        org = usable(token::org_token(store, &info.auth_domain)?);
    }
    if let Some(org) = &org {
        match exchange::org_to_app(client, app, info, org).await {
            Ok(t) => {
                store.write(&app_name, &t, opts.prefer)?;
                return Ok((t, Source::OrgExchange));
            }
            Err(why) => debug!("failed to exchange org token for app token: {why}"),
        }
    }
    if !opts.interactive {
        return Err(not_interactive_error(app));
    }
    let flow = transfer::Transfer::new();
    let url = transfer::login_url(app, &info.aud, &flow.public, opts.auto_close);
    app_lock.publish_url(&url)?;
    let opened = opts.open_browser && webbrowser::open(&url).is_ok();
    events(Event::BrowserLogin {
        url: url.clone(),
        opened,
    });
    let tokens = transfer::poll(client, &flow, opts.fedramp).await?;
    if org.is_none() {
        store.write(&org_name, &tokens.org, opts.prefer)?;
    }
    store.write(&app_name, &tokens.app, opts.prefer)?;
    Ok((tokens.app, Source::Browser))
}

fn usable(l: Lookup) -> Option<Secret> {
    match l {
        Lookup::Usable(t, _) => Some(t),
        _ => None,
    }
}
