//! `zssh token` / `zssh access token`: print the cached token of an application for scripts.
//! Never logs in, never sends the token anywhere. `access token` keeps cloudflared's words and
//! exit behaviour (an expired token is deleted and exits 0; a missing one or one for another
//! application exits 1); `zssh token` says it in zssh's words and exits 3 (authentication
//! needed) without a usable token.

use std::time::Duration;

use crate::access::app_url::AppUrl;
use crate::access::discovery;
use crate::access::token::{self, Lookup};
use crate::cli::TokenArgs;
use crate::edge::dial::Net;
use crate::edge::pool::Client;
use crate::error::UserError;
use crate::exit::Exit;
use crate::token_store::TokenStore;

pub async fn run(args: TokenArgs, cloudflared_output: bool) -> Result<Exit, UserError> {
    let raw = crate::cli::app_named(&args.app, &args.target, &args.hostname);
    let app = AppUrl::parse(raw)?;
    let net = Net::from_env(Duration::from_secs(15))
        .map_err(|e| UserError::usage(e, "fix the environment variable named above"))?;
    let mut client = Client::new(net);
    let info = discovery::discover(&mut client, &app).await?;
    let store = TokenStore::open()?;
    let login = format!(
        "run `zssh login {}`",
        crate::human::shell_word(&app.authority())
    );
    let missing = || {
        Err(if cloudflared_output {
            UserError::new(
                Exit::Failure,
                format!(
                    "Unable to find token for provided application {}. Please run login command to generate token.",
                    app.authority()
                ),
                login.clone(),
            )
        } else {
            UserError::new(
                Exit::Auth,
                format!("no cached token for {}", app.authority()),
                login.clone(),
            )
        })
    };
    match token::app_token(&store, &info)? {
        Lookup::Usable(t, _) => {
            crate::ui::write_result("the token", t.expose().as_bytes())?;
            Ok(Exit::Ok)
        }
        Lookup::Expired { .. } => {
            // cloudflared exits 0 here; scripts rely on it, so zssh does too (with the message).
            let gone = format!("the token for {} expired and was removed", app.authority());
            if !cloudflared_output {
                return Err(UserError::new(Exit::Auth, gone, login));
            }
            // cloudflared exits 0 here; scripts rely on it, so `access token` does too.
            crate::error::report(&UserError::new(
                Exit::Ok,
                format!("{gone}; Please run login command to generate token."),
                login,
            ));
            Ok(Exit::Ok)
        }
        Lookup::Missing | Lookup::WrongAudience | Lookup::OtherTeam { .. } => missing(),
    }
}
