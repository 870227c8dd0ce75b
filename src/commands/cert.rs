//! `zssh cert` / `zssh access ssh-gen`: reuse the stored certificate while it has more than the
//! margin left (the fast path `Match exec` takes on every `ssh`: files only, no network, nothing
//! on stdout); otherwise get a token (cache, login or service token), make a fresh key, have the
//! edge sign it, check and store the result, and optionally load it into ssh-agent.

use std::time::{Duration, UNIX_EPOCH};

use crate::access::app_url::AppUrl;
use crate::access::login::{self, Event, Source};
use crate::access::{cert_sign, discovery, token};
use crate::agent::{self, Agent};
use crate::cert_store::{self, Current, Files};
use crate::cli::CertArgs;
use crate::client::Client;
use crate::commands::proxy::Session;
use crate::error::UserError;
use crate::exit::Exit;
use crate::net::Net;
use crate::secret::Secret;
use crate::{debug, human};

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

pub async fn run(args: CertArgs, cloudflared_layout: bool) -> Result<Exit, UserError> {
    // ssh-gen reduces the value to its hostname (spec 1.1).
    let host = AppUrl::parse(&args.hostname)?.host;
    let app = AppUrl::parse(&host)?;
    let files = Files::for_host(&host)?;
    let now = cert_store::now_secs();
    if !args.force
        && let Some(current) = cert_store::load(&files)
        && cert_store::remaining(&current.cert, now) > args.margin.as_secs() as i64
    {
        debug!(
            "reusing the certificate for {host}: {}",
            describe(&current.cert)
        );
        if args.agent {
            load_into_agent(&host, &current, false).await?;
        }
        return Ok(Exit::Ok);
    }
    let net = Net::from_env(Duration::from_secs(15))
        .map_err(|e| UserError::usage(e, "fix the environment variable named above"))?;
    let mut client = Client::new(net);
    // The same login state `zssh proxy` uses: store, login options, progress display.
    let Session {
        store,
        opts,
        mut ui,
    } = Session::new(&host, cloudflared_layout)?;
    let service = match (
        &args.service_token.service_token_id,
        &args.service_token.service_token_secret,
    ) {
        (Some(id), Some(secret)) if !id.is_empty() && !secret.is_empty() => {
            Some((id.clone(), Secret::new(secret.clone())))
        }
        (None, None) => None,
        _ => {
            return Err(UserError::usage(
                "a service token needs both its ID and its secret",
                "set TUNNEL_SERVICE_TOKEN_ID and TUNNEL_SERVICE_TOKEN_SECRET",
            ));
        }
    };
    let key = cert_store::generate(args.key_type)?;
    let public = cert_store::public_line(&key);
    let signed = match &service {
        Some((id, secret)) => {
            let jwt = cert_sign::service_token_jwt(&mut client, &app, id, secret).await?;
            cert_sign::sign(&mut client, &jwt, &public).await.map_err(|e| {
                if e.exit == Exit::Auth {
                    UserError::new(
                        Exit::Auth,
                        e.message,
                        "the edge's policy refuses certificates for this service token; ask the administrator to allow it",
                    )
                } else {
                    e
                }
            })?
        }
        None => {
            let info = discovery::discover(&mut client, &app).await?;
            let (tok, source) =
                login::get_token(&mut client, &store, &app, &info, &opts, &mut |e: Event| {
                    ui.event(e)
                })
                .await?;
            ui.finish();
            cert_sign::check_issuer(&tok, &info.auth_domain)?;
            match cert_sign::sign(&mut client, &tok, &public).await {
                // A cached token the edge no longer accepts: drop it and log in once more.
                Err(e) if e.exit == Exit::Auth && source != Source::Browser && opts.interactive => {
                    debug!(
                        "cert_sign refused the cached token ({}); logging in again",
                        e.message
                    );
                    store.delete(&token::app_name(&info))?;
                    let (tok, _) = login::get_token(
                        &mut client,
                        &store,
                        &app,
                        &info,
                        &opts,
                        &mut |e: Event| ui.event(e),
                    )
                    .await?;
                    ui.finish();
                    cert_sign::sign(&mut client, &tok, &public).await?
                }
                other => other?,
            }
        }
    };
    let edge_now = signed
        .edge_time
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(now, |d| d.as_secs());
    let skew = now as i64 - edge_now as i64;
    if skew.abs() > MAX_SKEW_SECS {
        eprintln!(
            "zssh: warning: this machine's clock is {} {} the edge's; certificates will look {} to sshd",
            human::span(skew),
            if skew > 0 { "ahead of" } else { "behind" },
            if skew > 0 {
                "expired early"
            } else {
                "not yet valid"
            }
        );
        eprintln!("zssh: hint: enable time synchronisation (e.g. timedatectl set-ntp true)");
    }
    let cert = cert_store::check(&signed.certificate, &key, edge_now).map_err(|why| {
        UserError::new(
            Exit::Protocol,
            format!("the certificate cert_sign returned for {host} is unusable: {why}"),
            "nothing was stored; this is the edge's fault, try again and tell the administrator if it persists",
        )
    })?;
    cert_store::save(&files, &key, &signed.certificate)?;
    eprintln!("zssh: new certificate for {host}: {}", describe(&cert));
    if args.agent {
        load_into_agent(&host, &Current { key, cert }, true).await?;
    }
    Ok(Exit::Ok)
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
