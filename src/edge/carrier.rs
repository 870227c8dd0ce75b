//! Opening a tunnel to one Access application: the first dial, Access detection (a login
//! redirect), discovery, a token (the cache, the org exchange or a browser login), the second dial;
//! a token the edge refuses is dropped and replaced once. [`Carrier`] is what is dialled (the app,
//! the headers, a service token); [`Session`] is the per-process login state. Failures come back
//! as user errors with hints; nothing here prints: login progress goes to the [`Progress`] sink
//! the command put in the [`Session`].

use std::time::Duration;

use crate::access::app_url::AppUrl;
use crate::access::discovery::{self, unreachable};
use crate::access::login::{self, Event, LOCK_DEADLINE, Progress, Source};
use crate::access::token::{self, Lookup};
use crate::access::verified_apps;
use crate::access::{AppInfo, user_agent};
use crate::cli::CarrierArgs;
use crate::debug;
use crate::edge::dial::NetError;
use crate::edge::http::Response;
use crate::edge::pool::{Client, ClientError};
use crate::edge::tunnel::{self, Dialed, Ws};
use crate::error::{UserError, see_doctor};
use crate::exit::Exit;
use crate::secret::Secret;
use crate::token_store::{Location, TokenStore};

/// Everything needed to open tunnels to one app.
pub struct Carrier {
    app: AppUrl,
    headers: Vec<(String, String)>,
    service_token_id: Option<String>,
    net_timeout: Duration,
}

/// Headers zssh writes itself: a user's `-H` may not add a second one or change what they mean.
/// `Host` in particular would route the upgrade (and the token on it) to an application that
/// discovery never proved.
const RESERVED_HEADERS: &[&str] = &[
    "host",
    "connection",
    "upgrade",
    "content-length",
    "transfer-encoding",
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-extensions",
    "sec-websocket-protocol",
    "cf-access-token",
    "cf-access-client-id",
    "cf-access-client-secret",
    "cf-access-jump-destination",
];

fn parse_header(raw: &str) -> Result<(String, String), UserError> {
    let bad = || {
        UserError::usage(
            format!(
                "invalid header {:?}",
                raw.chars().take(100).collect::<String>()
            ),
            "write headers as -H \"Name: value\" with no control characters",
        )
    };
    let (name, value) = raw.split_once(':').ok_or_else(bad)?;
    let name = name.trim();
    let value = value.trim_matches([' ', '\t']);
    let token_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty()
        || !name.chars().all(token_char)
        || value.chars().any(|c| c.is_control() && c != '\t')
    {
        return Err(bad());
    }
    // Some servers read `_` as `-`: `Cf_Access_Token` must not slip past the list.
    let canonical = name.to_ascii_lowercase().replace('_', "-");
    if RESERVED_HEADERS.contains(&canonical.as_str()) {
        return Err(UserError::usage(
            format!("-H cannot set {name}: zssh sets it itself"),
            match canonical.as_str() {
                "host" => {
                    "the Host header is always the --hostname; connect to the other name with --hostname"
                }
                "cf-access-client-id" | "cf-access-client-secret" => {
                    "pass a service token with TUNNEL_SERVICE_TOKEN_ID and TUNNEL_SERVICE_TOKEN_SECRET"
                }
                "cf-access-jump-destination" => "use --destination HOST:PORT",
                "cf-access-token" => {
                    "zssh sends your token itself, the one `zssh login` with the same hostname stores; drop this -H"
                }
                _ => "drop this -H",
            },
        ));
    }
    Ok((name.to_string(), value.to_string()))
}

impl Carrier {
    pub fn from_args(args: &CarrierArgs) -> Result<Carrier, UserError> {
        let app = AppUrl::parse(&args.hostname)?;
        let mut headers = vec![("User-Agent".to_string(), user_agent())];
        let service_token_id = match args.service_token.resolve()? {
            Some((id, secret)) => {
                headers.push(("Cf-Access-Client-Id".into(), id.clone()));
                headers.push((
                    "Cf-Access-Client-Secret".into(),
                    secret.expose().to_string(),
                ));
                Some(id)
            }
            None => None,
        };
        if let Some(dest) = &args.destination {
            if dest.trim().is_empty() || dest.chars().any(|c| c.is_control() || c == ' ') {
                return Err(UserError::usage(
                    format!(
                        "invalid destination {:?}",
                        dest.chars().take(100).collect::<String>()
                    ),
                    "pass the bastion target as host:port, e.g. --destination 10.0.0.5:22",
                ));
            }
            headers.push(("Cf-Access-Jump-Destination".into(), dest.clone()));
        }
        for raw in &args.header {
            let (name, value) = parse_header(raw)?;
            // Only the first value of a repeated header is kept, as cloudflared does.
            if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                headers.push((name, value));
            }
        }
        Ok(Carrier {
            app,
            headers,
            service_token_id,
            net_timeout: args.connect_timeout,
        })
    }

    pub fn app(&self) -> &AppUrl {
        &self.app
    }

    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// How long one network step may take (`--connect-timeout`).
    pub fn net_timeout(&self) -> Duration {
        self.net_timeout
    }

    pub fn host(&self) -> String {
        self.app.authority()
    }

    /// Open one tunnel. With an application identity that signed metadata proved for this URL
    /// (remembered, still valid) and a usable cached token for it, the token goes on the first
    /// upgrade: one request on one connection. Otherwise (or when that is refused): first dial,
    /// Access detection, discovery, token (cache, org exchange or browser login), second dial;
    /// a token the edge refuses is dropped and replaced once.
    pub async fn open(&self, client: &mut Client, session: &mut Session) -> Result<Ws, UserError> {
        let (proven, cached) = self.remembered(session)?;
        if proven.is_none()
            && self.service_token_id.is_none()
            && verified_apps::known_before(&self.app)
        {
            // An identity out of date: the application was behind Access, so a dial without a
            // token would only fetch the login redirect. Prove it first, then dial once.
            debug!("{} was proven before; proving it again first", self.host());
            match discovery::discover_and_remember(client, &self.app).await {
                Ok(info) => return self.open_with_token(client, session, &info, None).await,
                // The network is down: the same wall a dial would hit, reported once.
                Err(e) if e.exit == Exit::Unreachable => return Err(e),
                // No longer behind Access, perhaps: the plain dial finds out.
                Err(e) => debug!("proving it again failed ({}); dialling", e.message),
            }
        }
        let usable = match &cached {
            Some(Lookup::Usable(tok, _)) => Some(tok),
            _ => None,
        };
        let resp = match self.dial_with(client, usable).await? {
            Dialed::Open(ws) => {
                debug!("the upgrade at {} answered 101", self.app.https());
                return Ok(*ws);
            }
            Dialed::Refused(resp) => resp,
        };
        debug!(
            "the upgrade at {} answered {} {}",
            self.app.https(),
            resp.status,
            resp.header("location").unwrap_or("")
        );
        if !self.is_access_redirect(&resp) {
            return Err(self.refused(&resp));
        }
        if let Some(e) = self.service_token_refused() {
            return Err(e);
        }
        debug!(
            "{} is behind Access; discovering the application",
            self.host()
        );
        let info = discovery::discover_and_remember(client, &self.app).await?;
        debug!(
            "application {} (team {}, aud {})",
            info.app_hostname, info.auth_domain, info.aud
        );
        // What the cache said for the remembered application holds for the discovered one when
        // they are the same: not read (and judged) twice.
        let cached = cached.filter(|_| proven.as_ref() == Some(&info));
        match cached {
            // The token went to the application it belongs to and was refused: as below.
            Some(Lookup::Usable(refused, _)) => {
                self.replace_rejected(client, session, &info, (&refused, Source::Cache))
                    .await
            }
            earlier => self.open_with_token(client, session, &info, earlier).await,
        }
    }

    /// The application identity remembered for this URL and what the token cache holds for it
    /// (never with a service token, which needs no discovery).
    fn remembered(
        &self,
        session: &Session,
    ) -> Result<(Option<AppInfo>, Option<Lookup>), UserError> {
        if self.service_token_id.is_some() {
            return Ok((None, None));
        }
        let Some(info) = verified_apps::recall(&self.app, token::now()) else {
            return Ok((None, None));
        };
        let cached = token::app_token(&session.store, &info)?;
        if let Lookup::Usable(_, location) = &cached {
            debug!(
                "{} is application {} (proven by signed metadata); sending the cached token {} ({}) on the first request",
                self.host(),
                info.app_hostname,
                token::app_name(&info),
                location.describe()
            );
        }
        Ok((Some(info), Some(cached)))
    }

    /// A token for the discovered application (`earlier`: what the cache already said for it),
    /// then the second dial; a cached token the edge refuses is replaced once.
    async fn open_with_token(
        &self,
        client: &mut Client,
        session: &mut Session,
        info: &AppInfo,
        earlier: Option<Lookup>,
    ) -> Result<Ws, UserError> {
        let (tok, source) = self.token(client, session, info, earlier).await?;
        match self.dial_with(client, Some(&tok)).await? {
            Dialed::Open(ws) => Ok(*ws),
            Dialed::Refused(resp) if self.is_access_redirect(&resp) => {
                self.replace_rejected(client, session, info, (&tok, source))
                    .await
            }
            Dialed::Refused(resp) => Err(self.refused(&resp)),
        }
    }

    /// The edge refused the token `refused` (from `source`) for `info` with a login redirect:
    /// drop it, get a new one (unless it was fresh from the browser, or nobody can answer a login
    /// and no other process stored a new one meanwhile) and dial once more.
    async fn replace_rejected(
        &self,
        client: &mut Client,
        session: &mut Session,
        info: &AppInfo,
        (refused, source): (&Secret, Source),
    ) -> Result<Ws, UserError> {
        let refuses_fresh = || {
            UserError::new(
                Exit::Auth,
                format!("{} refuses even a freshly issued token", self.host()),
                format!(
                    "the application probably requires a binding cookie, or a policy denies you; ask its administrator{}",
                    see_doctor(&self.host())
                ),
            )
        };
        let replaced = session
            .store
            .drop_refused(&token::app_name(info), refused)?;
        if source == Source::Browser {
            return Err(refuses_fresh());
        }
        if !session.opts.interactive && !replaced {
            return Err(UserError::new(
                Exit::Auth,
                format!(
                    "{} rejected the cached token for application {}; it was removed",
                    self.host(),
                    info.app_hostname
                ),
                login_hint(&self.app),
            ));
        }
        debug!("the edge rejected the token; getting a new one");
        let (tok, _) = self.token(client, session, info, None).await?;
        match self.dial_with(client, Some(&tok)).await? {
            Dialed::Open(ws) => Ok(*ws),
            Dialed::Refused(resp) if self.is_access_redirect(&resp) => {
                session.store.delete(&token::app_name(info))?;
                Err(refuses_fresh())
            }
            Dialed::Refused(resp) => Err(self.refused(&resp)),
        }
    }

    async fn dial_with(
        &self,
        client: &mut Client,
        tok: Option<&Secret>,
    ) -> Result<Dialed, UserError> {
        tunnel::dial(client, &self.app, &self.headers, tok)
            .await
            .map_err(|e| self.dial_error(&e))
    }

    /// A token for the app: the cache (unless `earlier` already says what it holds), else a
    /// login (which fails fast when nobody can answer).
    async fn token(
        &self,
        client: &mut Client,
        session: &mut Session,
        info: &AppInfo,
        earlier: Option<Lookup>,
    ) -> Result<(Secret, Source), UserError> {
        let before = match earlier {
            Some(lookup) => lookup,
            None => token::app_token(&session.store, info)?,
        };
        if let Lookup::Usable(t, location) = before {
            debug!(
                "using the cached token {} ({})",
                token::app_name(info),
                location.describe()
            );
            return Ok((t, Source::Cache));
        }
        let Session { store, opts, ui } = session;
        let mut events = |e: Event| ui.event(e);
        let result = login::get_token(client, store, &self.app, info, opts, &mut events).await;
        ui.finish();
        match result {
            Err(e) if e.exit == Exit::Auth && !opts.interactive => {
                let why = match before {
                    Lookup::Expired { exp } => {
                        format!(
                            "your session for {} expired {}",
                            self.host(),
                            crate::human::ago(exp)
                        )
                    }
                    Lookup::OtherTeam { iss } => format!(
                        "the cached token for {} was issued by {iss}, not by its team {}, and is not used",
                        self.host(),
                        info.auth_domain
                    ),
                    Lookup::WrongAudience => format!(
                        "the cached token for {} belongs to another application; it was removed",
                        self.host()
                    ),
                    _ => format!(
                        "not logged in to {} (no cached token for application {})",
                        self.host(),
                        info.app_hostname
                    ),
                };
                Err(UserError::new(
                    Exit::Auth,
                    format!("{why}, and nobody can answer a browser login here"),
                    login_hint(&self.app),
                ))
            }
            other => other,
        }
    }

    /// With a service token, a login redirect means the edge refused it (`zssh doctor` reports
    /// the same). `None` without a service token.
    pub fn service_token_refused(&self) -> Option<UserError> {
        let id = self.service_token_id.as_ref()?;
        Some(UserError::new(
            Exit::Auth,
            format!(
                "{} refused the service token {id} (it answered with a login redirect)",
                self.host()
            ),
            "check the token's ID and secret, and that the application has a Service Auth policy that includes this token",
        ))
    }

    /// Exactly a 302 whose Location path starts with /cdn-cgi/access/login (spec 1.5).
    pub fn is_access_redirect(&self, resp: &Response) -> bool {
        if resp.status != 302 {
            return false;
        }
        let Some(loc) = resp.header("location") else {
            return false;
        };
        let base = url::Url::parse(&self.app.https()).expect("normalised");
        base.join(loc)
            .is_ok_and(|u| u.path().starts_with("/cdn-cgi/access/login"))
    }

    pub fn dial_error(&self, e: &ClientError) -> UserError {
        let host = self.host();
        match e {
            ClientError::Timeout { after, .. } => UserError::new(
                Exit::Unreachable,
                format!(
                    "{host} did not complete the WebSocket handshake within {}s",
                    after.as_secs_f32()
                ),
                "the edge or something in between is not answering; check your network, HTTPS_PROXY, and try --connect-timeout",
            ),
            ClientError::Net(NetError::Timeout { after, .. }) => UserError::new(
                Exit::Unreachable,
                format!(
                    "cannot reach {}: no answer within {}s",
                    self.app.shown(),
                    after.as_secs_f32()
                ),
                format!(
                    "check your network and that the host is reachable on its port{}",
                    see_doctor(&host)
                ),
            ),
            _ => unreachable(&self.app, e),
        }
    }

    /// A non-101 answer that is not an Access login redirect.
    pub fn refused(&self, resp: &Response) -> UserError {
        let host = self.host();
        let status = resp.status;
        let detail = resp.body_hint();
        let what = if detail.is_empty() {
            format!("{host} refused the WebSocket upgrade: HTTP {status}")
        } else {
            format!("{host} refused the WebSocket upgrade: HTTP {status} ({detail})")
        };
        let hint = match status {
            200 => {
                "something other than the Access edge answered (a captive portal or a plain web server); check the hostname"
            }
            301 | 302 | 303 | 307 | 308 => {
                return UserError::new(
                    Exit::Refused,
                    format!(
                        "{host} redirected the WebSocket upgrade to {} (HTTP {status})",
                        resp.header("location").unwrap_or("nowhere")
                    ),
                    "this is not an Access login; check the hostname, or a zone redirect rule that catches it",
                );
            }
            400 | 426 => {
                "the edge refused the upgrade itself; WebSockets may be disabled for this zone (Network settings)"
            }
            401 => {
                "Access refused without a login redirect: the app may require a service token (--service-token-id/--service-token-secret), or answers 401 to non-browser requests"
            }
            403 => {
                return UserError::new(
                    Exit::Refused,
                    what,
                    format!(
                        "blocked before Access: a WAF rule, Bot Fight Mode or a country block; ask the administrator to allow this client{}",
                        see_doctor(&host)
                    ),
                );
            }
            404 => {
                "no tunnel route serves this hostname; check the hostname and the tunnel's ingress rules"
            }
            502..=504 | 530 => {
                "the tunnel or the origin is down: check that cloudflared runs on the server and can reach its ssh service"
            }
            500..=599 => {
                "the edge failed; try again, and check the Cloudflare status page if it persists"
            }
            _ => {
                return UserError::new(
                    Exit::Refused,
                    what,
                    format!("check the hostname{}", see_doctor(&host)),
                );
            }
        };
        let exit = if status == 200 {
            Exit::Protocol
        } else {
            Exit::Refused
        };
        UserError::new(exit, what, hint)
    }
}

fn login_hint(app: &AppUrl) -> String {
    format!(
        "run `zssh login {}` where a browser is available, or use a service token",
        crate::human::shell_word(&app.authority())
    )
}

/// Per-process login state shared by every tunnel the process opens.
pub struct Session {
    pub store: TokenStore,
    pub opts: login::Options,
    /// Where login progress goes; the command picks what shows it.
    pub ui: Box<dyn Progress>,
}

impl Session {
    pub fn new(cloudflared_layout: bool, ui: Box<dyn Progress>) -> Result<Session, UserError> {
        Ok(Session {
            store: TokenStore::open()?,
            opts: login::Options {
                fedramp: false,
                auto_close: false,
                open_browser: true,
                interactive: login::someone_can_answer(),
                prefer: if cloudflared_layout {
                    Location::File
                } else {
                    Location::Keyring
                },
                lock_deadline: LOCK_DEADLINE,
            },
            ui,
        })
    }
}
