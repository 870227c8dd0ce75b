//! `zssh cert` / `zssh access ssh-gen`: reuse the stored certificate while it has more than the
//! margin left (the fast path `Match exec` takes on every `ssh`: files only, no network, nothing
//! on stdout); otherwise get a token (cache, login or service token), make a fresh key, have the
//! edge sign it, check and store the result, and optionally load it into ssh-agent.

use std::time::{Duration, UNIX_EPOCH};

use ssh_key::public::KeyData;
use ssh_key::{Certificate, PrivateKey};

use crate::access::app_url::AppUrl;
use crate::access::login::{self, Event, LOCK_DEADLINE, Source};
use crate::access::{cert_sign, discovery, token, verified_apps};
use crate::agent::{self, Agent};
use crate::cert_store::{self, Current, Files, OwnKey};
use crate::cli::CertArgs;
use crate::edge::carrier::Session;
use crate::edge::dial::Net;
use crate::edge::pool::Client;
use crate::error::UserError;
use crate::exit::Exit;
use crate::ui::LoginUi;
use crate::{debug, flock, human, paths, warn};

/// A process waiting for another one's renewal says so after this long (a renewal normally takes
/// well under a second; a longer one is usually a browser login).
const SHOW_WAIT_AFTER: Duration = Duration::from_secs(2);

/// Clock differences above this are reported: they silently break certificates.
const MAX_SKEW_SECS: i64 = 60;

fn describe(cert: &ssh_key::Certificate) -> String {
    let principals = cert.valid_principals().join(", ");
    let plural = if cert.valid_principals().len() == 1 {
        ""
    } else {
        "s"
    };
    let before = cert.valid_before() as i64;
    let left = before - cert_store::now_secs() as i64;
    format!(
        "principal{plural} {principals}; valid until {} ({} left)",
        human::utc(before),
        human::span(left.max(0))
    )
}

/// What the certificate is for: zssh's own key in `~/.cloudflared`, or a key the user brought.
enum Subject {
    Managed(Files),
    Own(OwnKey),
}

impl Subject {
    /// `--public-key FILE`, or zssh's own key for `host`.
    fn of(args: &CertArgs, host: &str) -> Result<Subject, UserError> {
        match &args.public_key {
            Some(_) if args.agent => Err(UserError::usage(
                "--agent cannot load a key zssh does not hold (--public-key)",
                "drop --agent: ssh uses the certificate file written beside the key, and the key where it lives (agent, token, file)",
            )),
            Some(public) => Ok(Subject::Own(OwnKey::read(public)?)),
            None => Ok(Subject::Managed(Files::for_host(host)?)),
        }
    }

    /// The stored certificate for the stored key (and that key, when it is ours).
    fn current(&self) -> Option<(Certificate, Option<PrivateKey>)> {
        match self {
            Subject::Managed(files) => {
                cert_store::load(files).map(|Current { key, cert }| (cert, Some(key)))
            }
            Subject::Own(own) => own.load_cert().map(|c| (c, None)),
        }
    }
}

/// The key a renewal has signed: ours (`made` when it is new and not yet on disk), or the user's.
enum Plan<'a> {
    Managed {
        files: &'a Files,
        key: Box<PrivateKey>,
        made: bool,
    },
    Own(&'a OwnKey),
}

impl<'a> Plan<'a> {
    /// The key to have signed: ours kept across renewals (see cert_store), or the user's.
    fn for_subject(
        subject: &'a Subject,
        key_type: cert_store::KeyType,
        host: &str,
        now: u64,
    ) -> Result<Plan<'a>, UserError> {
        Ok(match subject {
            Subject::Managed(files) => match cert_store::reusable_key(files, now) {
                Some(key) => Plan::Managed {
                    files,
                    key: Box::new(key),
                    made: false,
                },
                None => {
                    debug!("making a new key for {host}");
                    Plan::Managed {
                        files,
                        key: Box::new(cert_store::generate(key_type)?),
                        made: true,
                    }
                }
            },
            Subject::Own(own) => Plan::Own(own),
        })
    }

    /// The public key line sent to cert_sign.
    fn line(&self) -> String {
        match self {
            Plan::Managed { key, .. } => cert_store::public_line(key),
            Plan::Own(own) => own.line(),
        }
    }

    fn key_data(&self) -> &KeyData {
        match self {
            Plan::Managed { key, .. } => key.public_key().key_data(),
            Plan::Own(own) => own.key.key_data(),
        }
    }
}

/// The stored certificate if it has more than `margin` left.
fn usable(
    current: Option<(Certificate, Option<PrivateKey>)>,
    margin: Duration,
) -> Option<(Certificate, Option<PrivateKey>)> {
    let (cert, key) = current?;
    (cert_store::remaining(&cert, cert_store::now_secs()) > margin.as_secs() as i64)
        .then_some((cert, key))
}

/// The stored certificate if another process stored it while this one waited (it differs from
/// `seen`) and it is still valid: the edge's latest, reused even when it is shorter than the
/// margin (else every waiter would renew in turn) and even with --force.
fn renewed_meanwhile(
    current: Option<(Certificate, Option<PrivateKey>)>,
    seen: Option<&Certificate>,
) -> Option<(Certificate, Option<PrivateKey>)> {
    let (cert, key) = current?;
    let changed = seen.is_none_or(|s| *s != cert);
    (changed && cert_store::remaining(&cert, cert_store::now_secs()) > 0).then_some((cert, key))
}

/// Set to [`PROBE_VALUE`] in the environment of every `ssh -G` and zssh child `zssh doctor` runs: the
/// `Match host … exec "zssh cert …"` line `zssh config --short-lived-cert` writes then succeeds at
/// once, so the Match applies (doctor sees its CertificateFile) while nothing is renewed, no key
/// is made, no login starts and the edge is not asked: doctor changes nothing without --fix.
/// Any other value (a stray `export ZSSH_PROBE=1`) changes nothing.
pub const PROBE_ENV: &str = "ZSSH_PROBE";
pub const PROBE_VALUE: &str = "doctor";

pub async fn run(args: CertArgs, cloudflared_layout: bool) -> Result<Exit, UserError> {
    if std::env::var_os(PROBE_ENV).is_some_and(|v| v == PROBE_VALUE) {
        if args.force {
            warn!(
                "{PROBE_ENV}={PROBE_VALUE} is set (zssh doctor's probe): nothing renewed despite --force"
            );
        } else {
            debug!("{PROBE_ENV}={PROBE_VALUE} is set (a zssh doctor probe): nothing renewed");
        }
        return Ok(Exit::Ok);
    }
    // ssh-gen reduces the value to its hostname (spec 1.1).
    let host = AppUrl::parse(&args.hostname)?.host;
    let app = AppUrl::parse(&host)?;
    let subject = Subject::of(&args, &host)?;
    // Reuse the stored certificate while it has more than --margin left: files only, no network.
    let seen = subject.current();
    if !args.force
        && let Some(stored) = usable(seen.clone(), args.margin)
    {
        debug!(
            "reusing the certificate for {host}: {}",
            describe(&stored.0)
        );
        into_agent_if_asked(&host, stored, args.agent, false).await?;
        return Ok(Exit::Ok);
    }
    // Renew once across processes: a process that waited reuses what the renewer stored.
    let service = args.service_token.resolve()?;
    let _lock = renewal_lock(&host).await?;
    let seen_cert = seen.as_ref().map(|(c, _)| c);
    if let Some(stored) = renewed_meanwhile(subject.current(), seen_cert) {
        debug!(
            "another process renewed the certificate for {host}: {}",
            describe(&stored.0)
        );
        into_agent_if_asked(&host, stored, args.agent, true).await?;
        return Ok(Exit::Ok);
    }
    // Get a token, have the edge sign the key, check the certificate and store it.
    let now = cert_store::now_secs();
    let plan = Plan::for_subject(&subject, args.key_type, &host, now)?;
    let signed = sign(&app, &host, &plan.line(), service, cloudflared_layout).await?;
    let cert = check_signed(&signed, &plan, &host, edge_clock(&signed, now))?;
    store(plan, &signed.certificate, cert, &host, args.agent).await?;
    Ok(Exit::Ok)
}

/// With --agent, load a stored certificate into ssh-agent too (when its key is zssh's).
async fn into_agent_if_asked(
    host: &str,
    (cert, key): (Certificate, Option<PrivateKey>),
    agent: bool,
    fresh: bool,
) -> Result<(), UserError> {
    if let (true, Some(key)) = (agent, key) {
        load_into_agent(host, &Current { key, cert }, fresh).await?;
    }
    Ok(())
}

/// The certificate the edge signed, checked against the key and the edge's time.
fn check_signed(
    signed: &cert_sign::Signed,
    plan: &Plan,
    host: &str,
    edge_now: u64,
) -> Result<Certificate, UserError> {
    cert_store::check(&signed.certificate, plan.key_data(), edge_now).map_err(|why| {
        UserError::new(
            Exit::Protocol,
            format!("the certificate cert_sign returned for {host} is unusable: {why}"),
            "nothing was stored; this is the edge's fault, try again and tell the administrator if it persists",
        )
    })
}

/// Write the checked certificate `text` (and our key first, when it is new), say so on stderr, and
/// with --agent load the pair into ssh-agent.
async fn store(
    plan: Plan<'_>,
    text: &str,
    cert: Certificate,
    host: &str,
    agent: bool,
) -> Result<(), UserError> {
    match plan {
        Plan::Managed { files, key, made } => {
            if made {
                cert_store::install_key(files, &key)?;
            }
            cert_store::save_cert(files, &key, text)?;
            crate::errln!("zssh: new certificate for {host}: {}", describe(&cert));
            if agent {
                load_into_agent(host, &Current { key: *key, cert }, true).await?;
            }
        }
        Plan::Own(own) => {
            own.save_cert(text)?;
            crate::errln!(
                "zssh: new certificate for {host} in {}: {}",
                own.cert.display(),
                describe(&cert)
            );
        }
    }
    Ok(())
}

/// The edge's time when it signed (`now`, this machine's, if it did not say), with a warning when
/// the two clocks differ enough to break certificates.
fn edge_clock(signed: &cert_sign::Signed, now: u64) -> u64 {
    let edge_now = signed
        .edge_time
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(now, |d| d.as_secs());
    let skew = now as i64 - edge_now as i64;
    if skew.abs() > MAX_SKEW_SECS {
        crate::errln!(
            "zssh: warning: this machine's clock is {} {} the edge's; certificates will look {} to sshd",
            human::span(skew),
            if skew > 0 { "ahead of" } else { "behind" },
            if skew > 0 {
                "expired early"
            } else {
                "not yet valid"
            }
        );
        crate::errln!("zssh: hint: enable time synchronisation (e.g. timedatectl set-ntp true)");
    }
    edge_now
}

/// One renewal per application at a time, across processes: the others wait here and reuse
/// its certificate (N parallel ssh make one cert_sign call, and no key is replaced under them).
async fn renewal_lock(host: &str) -> Result<flock::Flock, UserError> {
    let lock_dir = paths::lock_dir()?;
    let mut told = false;
    flock::acquire(
        &lock_dir,
        &format!("{}-cert", host.replace('/', "-")),
        &flock::Wait {
            what: &format!("the certificate renewal for {host}"),
            // The holder gets its token under this lock: it may be in a browser login.
            exit: Exit::Auth,
            busy_with: Some("a browser login"),
        },
        LOCK_DEADLINE,
        &mut |pid, waited| {
            if !told && waited >= SHOW_WAIT_AFTER {
                told = true;
                let pid = pid.map(|p| format!(" (pid {p})")).unwrap_or_default();
                crate::errln!(
                    "zssh: another zssh process{pid} is renewing the certificate for {host}; waiting for it"
                );
            }
        },
    )
    .await
}

/// Have the edge sign the public key `public`: with the service token when one is given, else
/// with the person's token (cached, or from a login).
async fn sign(
    app: &AppUrl,
    host: &str,
    public: &str,
    service: Option<(String, crate::secret::Secret)>,
    cloudflared_layout: bool,
) -> Result<cert_sign::Signed, UserError> {
    let net = Net::from_env(Duration::from_secs(15))
        .map_err(|e| UserError::usage(e, "fix the environment variable named above"))?;
    let mut client = Client::new(net);
    // The same login state `zssh proxy` uses: store, login options, progress display.
    let mut session = Session::new(cloudflared_layout, Box::new(LoginUi::new(host, false)))?;
    match service {
        Some((id, secret)) => sign_with_service_token(&mut client, app, &id, &secret, public).await,
        None => sign_with_login(&mut client, app, &mut session, public).await,
    }
}

async fn sign_with_service_token(
    client: &mut Client,
    app: &AppUrl,
    id: &str,
    secret: &crate::secret::Secret,
    public: &str,
) -> Result<cert_sign::Signed, UserError> {
    // The service JWT names its issuer; only the team that signed metadata for this
    // host may receive it (and the key to sign).
    let info = discovery::discover(client, app).await?;
    let jwt = cert_sign::service_token_jwt(client, app, id, secret).await?;
    cert_sign::check_issuer(&jwt, &info.auth_domain, &app.authority())?;
    cert_sign::sign(client, &jwt, public, &app.authority()).await.map_err(|e| {
        if e.exit == Exit::Auth {
            UserError::new(
                Exit::Auth,
                e.message,
                "the edge's policy refuses certificates for this service token; ask the administrator to allow it",
            )
        } else {
            e
        }
    })
}

async fn sign_with_login(
    client: &mut Client,
    app: &AppUrl,
    session: &mut Session,
    public: &str,
) -> Result<cert_sign::Signed, UserError> {
    // The identity remembered from signed metadata saves the trip to the app host; if the edge
    // then refuses, it may be out of date: prove it again first.
    let (mut info, mut remembered) = discovery::proven(client, app).await?;
    loop {
        let (failed, used) = match token_for(client, app, &info, session).await {
            Ok((tok, source)) => {
                match cert_sign::sign(client, &tok, public, &app.authority()).await {
                    Ok(signed) => return Ok(signed),
                    Err(e) => (e, Some((tok, source))),
                }
            }
            Err(e) => (e, None),
        };
        // Whatever failed at a remembered team (a refusal, a team renamed away, an answer that is
        // not Access), the application may have moved: prove it again before anything else.
        if remembered {
            debug!(
                "with the remembered identity of {}: {}; proving it again",
                app.authority(),
                failed.message
            );
            verified_apps::forget(app);
            remembered = false;
            let fresh = discovery::discover_and_remember(client, app).await?;
            if fresh != info {
                info = fresh;
                continue;
            }
        }
        // A cached token the edge no longer accepts: drop it and log in once more.
        let Some((tok, source)) = used else {
            return Err(failed);
        };
        if failed.exit != Exit::Auth || source == Source::Browser || !session.opts.interactive {
            return Err(failed);
        }
        debug!(
            "cert_sign refused the cached token ({}); logging in again",
            failed.message
        );
        session.store.drop_refused(&token::app_name(&info), &tok)?;
        let (tok, _) = token_for(client, app, &info, session).await?;
        return cert_sign::sign(client, &tok, public, &app.authority()).await;
    }
}

/// The person's token for the application (cached, or from a login), checked to come from the
/// application's team before cert_sign sees it.
async fn token_for(
    client: &mut Client,
    app: &AppUrl,
    info: &crate::access::AppInfo,
    session: &mut Session,
) -> Result<(crate::secret::Secret, Source), UserError> {
    let Session { store, opts, ui } = session;
    let (tok, source) =
        login::get_token(client, store, app, info, opts, &mut |e: Event| ui.event(e)).await?;
    ui.finish();
    cert_sign::check_issuer(&tok, &info.auth_domain, &app.authority())?;
    Ok((tok, source))
}

/// Put the certificate into ssh-agent (unless it is there already) with a lifetime equal to its
/// remaining validity, and remove certificates zssh added earlier that have expired or been
/// replaced: stacked identities trip the server's MaxAuthTries.
async fn load_into_agent(host: &str, current: &Current, fresh: bool) -> Result<(), UserError> {
    let mut agent = Agent::connect().await?;
    let comment = format!("zssh:{host}");
    let blob = current.cert.to_bytes().unwrap_or_default();
    let now = cert_store::now_secs();
    let mut present = false;
    for id in agent.identities().await? {
        if id.blob == blob {
            present = true;
            continue;
        }
        let ours = id.comment.starts_with("zssh:");
        let stale = agent::parse_certificate(&id.blob)
            .is_some_and(|c| cert_store::remaining(&c, now) <= 0 || id.comment == comment);
        if ours && stale {
            agent.remove(&id.blob).await?;
            debug!("removed an old certificate ({}) from the agent", id.comment);
        }
    }
    if present && !fresh {
        return Ok(());
    }
    let lifetime = cert_store::remaining(&current.cert, now).clamp(1, i64::from(u32::MAX)) as u32;
    agent
        .add_certificate(&current.key, &current.cert, &comment, lifetime)
        .await?;
    debug!("loaded the certificate for {host} into ssh-agent for {lifetime} s");
    Ok(())
}
