//! `zssh login` and `zssh access login`: discovery, then a token from the cache, the org
//! exchange or the browser (one prompt per app however many processes wait), then the token
//! check at the edge.

use std::time::Duration;

use crate::access::app_url::AppUrl;
use crate::access::login::{self, Event, LOCK_DEADLINE, Options, Progress, Source};
use crate::access::{AppInfo, discovery, exchange, token};
use crate::cli::LoginArgs;
use crate::edge::dial::Net;
use crate::edge::pool::Client;
use crate::error::UserError;
use crate::exit::Exit;
use crate::secret::Secret;
use crate::token_store::{Location, TokenStore};
use crate::ui::LoginUi;
use crate::{debug, human};

/// Discovery plus a verified token for `app`: the shared core of `login`.
pub async fn login(
    client: &mut Client,
    store: &TokenStore,
    app: &AppUrl,
    opts: &Options,
    ui: &mut LoginUi,
) -> Result<(AppInfo, Secret, Source), UserError> {
    let info = discovery::discover(client, app).await?;
    let mut events = |e: Event| ui.event(e);
    let (mut tok, mut source) =
        login::get_token(client, store, app, &info, opts, &mut events).await?;
    // The token check (spec 3.3): a token the edge refuses is dropped and the login runs once more.
    if !exchange::token_accepted(client, app, &tok)
        .await
        .unwrap_or(true)
    {
        debug!("the edge refused the token; logging in again");
        store.delete(&token::app_name(&info))?;
        let fresh = login::get_token(client, store, app, &info, opts, &mut events).await?;
        (tok, source) = fresh;
        if !exchange::token_accepted(client, app, &tok)
            .await
            .unwrap_or(true)
        {
            store.delete(&token::app_name(&info))?;
            ui.finish();
            return Err(UserError::new(
                Exit::Auth,
                format!(
                    "Could not verify token: {} refuses even a fresh token",
                    app.authority()
                ),
                "the application probably requires a binding cookie, or a policy denies you; ask its administrator",
            ));
        }
    }
    ui.finish();
    Ok((info, tok, source))
}

pub async fn run(args: LoginArgs, cloudflared_output: bool) -> Result<Exit, UserError> {
    let raw = crate::cli::app_named(&args.app, &args.target, &args.hostname);
    let app = AppUrl::parse(raw)?;
    let net = Net::from_env(Duration::from_secs(15))
        .map_err(|e| UserError::usage(e, "fix the environment variable named above"))?;
    let mut client = Client::new(net);
    let store = TokenStore::open()?;
    let opts = Options {
        fedramp: args.fedramp,
        auto_close: args.auto_close,
        open_browser: !args.no_browser,
        interactive: true,
        prefer: if cloudflared_output {
            Location::File
        } else {
            Location::Keyring
        },
        lock_deadline: LOCK_DEADLINE,
    };
    let mut ui = LoginUi::new(&app.authority(), args.qr);
    let (info, tok, source) = login(&mut client, &store, &app, &opts, &mut ui).await?;
    if cloudflared_output
        && store.read(&token::app_name(&info))?.map(|(_, l)| l) != Some(Location::File)
    {
        // `access login` promises cloudflared's layout: a token cached in the keyring moves to
        // ~/.cloudflared so cloudflared sees it too.
        store.write(&token::app_name(&info), &tok, Location::File)?;
    }
    let token_only = args.no_verbose || args.app.is_some();
    if !args.quiet && token_only {
        crate::ui::write_result("the token", tok.expose().as_bytes())?;
    } else if !args.quiet && cloudflared_output {
        crate::ui::write_result(
            "the token",
            format!("Successfully fetched your token:\n\n{}\n\n", tok.expose()).as_bytes(),
        )?;
    }
    if !cloudflared_output && !args.quiet {
        let (who, exp, _) = token::identity(&tok);
        let until = exp
            .map(human::ago)
            .unwrap_or_else(|| "an unknown time".into());
        let how = match source {
            Source::Cache => "already logged in",
            Source::OrgExchange => "logged in (single sign-on with your team session)",
            Source::Browser => "logged in",
        };
        let place = store
            .read(&token::app_name(&info))?
            .map(|(_, l)| l.describe())
            .unwrap_or("nowhere");
        crate::errln!(
            "zssh: {how} to {} as {who}; the token expires {until}; stored in {place}",
            app.authority()
        );
    }
    Ok(Exit::Ok)
}
