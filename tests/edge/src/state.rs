//! Everything the connections share: configuration, keys, the token policy, login sessions, the
//! request log and the knobs.
//!
//! The token policy lives here in one place: a JWT is valid when its RS256 signature verifies with
//! the edge key, it has not expired, it has not been revoked, and the `reject_tokens` knob is off;
//! app credentials must also list the app's AUD. Login sessions tie the three hops of the org→app
//! exchange together (access-protocol.md 3.2): the app's 302 issues a `CF_AppSession` cookie and an
//! opaque `meta`; the team login turns a valid org token plus that `meta` into a one-time `code`;
//! `/cdn-cgi/access/authorized` accepts the code only with the matching `CF_AppSession`.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};

use crate::config::{Discovery, EdgeConfig, Origin};
use crate::jwt::JwtKeys;
use crate::knobs::Knobs;
use crate::record::RequestLog;
use crate::ssh_ca::SshCa;
use crate::transfer::TransferStore;
use crate::util::{now_secs, random_hex, random_uuid};

/// A configured application with its AUD resolved.
#[derive(Debug, Clone)]
pub(crate) struct AppEntry {
    pub host: String,
    pub aud: String,
    pub origin: Origin,
    pub discovery: Discovery,
    pub service_tokens: Vec<(String, String)>,
    /// See `AppConfig::impostor_of` (lowercased host of the imitated application).
    pub impostor_of: Option<String>,
}

/// The app request that started a login: where to send the browser back, and its session cookie.
#[derive(Debug, Clone)]
pub(crate) struct PendingLogin {
    /// Host header of the original request (may carry a port).
    pub host_with_port: String,
    /// Original request target.
    pub target: String,
    /// The `CF_AppSession` value issued with the 302.
    pub session: String,
}

/// A one-time grant issued by the team login to an org session.
#[derive(Debug, Clone)]
pub(crate) struct Grant {
    pub app_host: String,
    pub target: String,
    /// The `CF_AppSession` the authorized hop must present, when the login came through an app 302.
    pub session: Option<String>,
}

#[derive(Debug, Default)]
struct Sessions {
    app_sessions: HashSet<String>,
    pending: HashMap<String, PendingLogin>,
    grants: HashMap<String, Grant>,
}

/// Who a valid JWT speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Identity {
    User(String),
    Service(String),
}

/// Shared by every connection of one edge.
#[derive(Debug)]
pub(crate) struct Shared {
    pub team: String,
    pub apps: Vec<AppEntry>,
    pub cfg: EdgeConfig,
    pub knobs: Arc<Knobs>,
    pub jwt: JwtKeys,
    pub ssh_ca: SshCa,
    pub store: TransferStore,
    pub log: RequestLog,
    /// The `sub` claim of the configured user (stable for the run).
    user_sub: String,
    revoked: Mutex<HashSet<String>>,
    sessions: Mutex<Sessions>,
}

impl Shared {
    pub(crate) fn new(
        cfg: EdgeConfig,
        apps: Vec<AppEntry>,
        knobs: Arc<Knobs>,
        jwt: JwtKeys,
        ssh_ca: SshCa,
    ) -> Self {
        Shared {
            team: cfg.team.to_ascii_lowercase(),
            apps,
            cfg,
            knobs,
            jwt,
            ssh_ca,
            store: TransferStore::new(),
            log: RequestLog::default(),
            user_sub: random_uuid(),
            revoked: Mutex::new(HashSet::new()),
            sessions: Mutex::new(Sessions::default()),
        }
    }

    /// The application for a host (port and case ignored).
    pub(crate) fn app(&self, host: &str) -> Option<&AppEntry> {
        let host = crate::http::strip_port(host);
        self.apps.iter().find(|a| a.host.eq_ignore_ascii_case(host))
    }

    fn issuer(&self) -> String {
        format!("https://{}", self.team)
    }

    /// An app token (the `CF_Authorization` JWT) for the configured user.
    pub(crate) fn mint_app_token(&self, aud: &str, ttl_secs: i64) -> String {
        let now = now_secs();
        self.jwt.sign(&json!({
            "aud": [aud],
            "email": self.cfg.user_email,
            "exp": now + ttl_secs,
            "iat": now,
            "nbf": now.min(now + ttl_secs),
            "iss": self.issuer(),
            "type": "app",
            "identity_nonce": random_hex(8),
            "sub": self.user_sub,
            "country": "XX",
        }))
    }

    /// An org token (the team domain's `CF_Authorization`) for the configured user.
    pub(crate) fn mint_org_token(&self, ttl_secs: i64) -> String {
        let now = now_secs();
        self.jwt.sign(&json!({
            "aud": [self.team],
            "email": self.cfg.user_email,
            "exp": now + ttl_secs,
            "iat": now,
            "nbf": now.min(now + ttl_secs),
            "iss": self.issuer(),
            "type": "org",
            "identity_nonce": random_hex(8),
            "sub": self.user_sub,
            "country": "XX",
        }))
    }

    /// The JWT the edge sets as a cookie when a service token authenticates.
    pub(crate) fn mint_service_token(&self, aud: &str, client_id: &str) -> String {
        let now = now_secs();
        self.jwt.sign(&json!({
            "aud": [aud],
            "common_name": client_id,
            "exp": now + self.cfg.token_ttl.as_secs() as i64,
            "iat": now,
            "nbf": now,
            "iss": self.issuer(),
            "sub": "",
            "type": "app",
            "identity_nonce": random_hex(8),
        }))
    }

    /// The signed `Cf-Access-Metadata` value for a request to `app` made as `hostname`.
    pub(crate) fn metadata_jwt(&self, app: &AppEntry, hostname: &str) -> String {
        self.jwt.sign(&json!({
            "type": "match",
            "hostname": hostname,
            "auth_domain": self.team,
            "aud": app.aud,
            "app_hostname": app.host,
            "iat": now_secs(),
        }))
    }

    pub(crate) fn revoke(&self, token: &str) {
        self.revoked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(token.to_owned());
    }

    /// Signature, expiry, revocation and the `reject_tokens` knob. Returns the claims.
    pub(crate) fn valid_claims(&self, token: &str) -> Option<Map<String, Value>> {
        if self.knobs.reject_tokens.load(Ordering::SeqCst) {
            return None;
        }
        if self
            .revoked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(token)
        {
            return None;
        }
        let claims = self.jwt.verify(token)?;
        let exp = claims.get("exp")?.as_i64()?;
        (now_secs() < exp).then_some(claims)
    }

    /// A valid JWT whose `aud` (string or array) contains `aud`.
    pub(crate) fn valid_app_token(&self, token: &str, aud: &str) -> Option<Map<String, Value>> {
        let claims = self.valid_claims(token)?;
        let ok = match claims.get("aud")? {
            Value::String(s) => s == aud,
            Value::Array(v) => v.iter().any(|x| x.as_str() == Some(aud)),
            _ => false,
        };
        ok.then_some(claims)
    }

    /// A valid org token (`type` = `org`).
    pub(crate) fn valid_org_token(&self, token: &str) -> Option<Map<String, Value>> {
        let claims = self.valid_claims(token)?;
        (claims.get("type")?.as_str()? == "org").then_some(claims)
    }

    /// Who an app-type JWT (user app token or service JWT) speaks for.
    pub(crate) fn identity(claims: &Map<String, Value>) -> Option<Identity> {
        if claims.get("type")?.as_str()? != "app" {
            return None;
        }
        match claims.get("email").and_then(Value::as_str) {
            Some(email) if !email.is_empty() => Some(Identity::User(email.to_owned())),
            _ => claims
                .get("common_name")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(|cn| Identity::Service(cn.to_owned())),
        }
    }

    /// Records a new app session and the login it started; returns (session cookie, meta).
    pub(crate) fn start_login(&self, host_with_port: &str, target: &str) -> (String, String) {
        let session = random_hex(24);
        let meta = random_hex(32);
        let mut s = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        s.app_sessions.insert(session.clone());
        s.pending.insert(
            meta.clone(),
            PendingLogin {
                host_with_port: host_with_port.to_owned(),
                target: target.to_owned(),
                session: session.clone(),
            },
        );
        (session, meta)
    }

    /// The login a `meta` value stands for, if we issued it.
    pub(crate) fn pending_login(&self, meta: &str) -> Option<PendingLogin> {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pending
            .get(meta)
            .cloned()
    }

    /// Issues a one-time code for `grant`.
    pub(crate) fn issue_grant(&self, grant: Grant) -> String {
        let code = random_hex(24);
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .grants
            .insert(code.clone(), grant);
        code
    }

    /// Consumes a code. The grant is returned only if it is for `app_host` and `session` is a
    /// `CF_AppSession` we issued (and the one the grant is bound to, if any).
    pub(crate) fn redeem_grant(
        &self,
        code: &str,
        app_host: &str,
        session: Option<&str>,
    ) -> Option<Grant> {
        let mut s = self.sessions.lock().unwrap_or_else(|e| e.into_inner());
        let grant = s.grants.remove(code)?;
        let session = session?;
        if !grant.app_host.eq_ignore_ascii_case(app_host) || !s.app_sessions.contains(session) {
            return None;
        }
        if grant
            .session
            .as_deref()
            .is_some_and(|bound| bound != session)
        {
            return None;
        }
        Some(grant)
    }
}
