//! `zssh token` / `zssh access token`: print the cached token of an application for scripts,
//! with cloudflared's exit behaviour (an expired token is deleted and exits 0; a missing one or
//! one for another application exits 1). Never logs in, never sends the token anywhere.

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

pub async fn run(args: TokenArgs) -> Result<Exit, UserError> {
    let raw = args.app.as_deref().or(args.target.as_deref()).unwrap_or("");
    let app = AppUrl::parse(raw)?;
    let net = Net::from_env(Duration::from_secs(15))
        .map_err(|e| UserError::usage(e, "fix the environment variable named above"))?;
    let mut client = Client::new(net);
    let info = discovery::discover(&mut client, &app).await?;
    let store = TokenStore::open()?;
    let missing = |exit: Exit| {
        Err(UserError::new(
            exit,
            format!(
                "Unable to find token for provided application {}. Please run login command to generate token.",
                app.authority()
            ),
            format!(
                "run `zssh login {}`",
                crate::human::shell_word(&app.authority())
            ),
        ))
    };
    match token::app_token(&store, &info)? {
        Lookup::Usable(t, _) => match crate::ui::write_stdout(t.expose().as_bytes()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(UserError::new(
                Exit::Failure,
                format!("cannot write to stdout: {e}"),
                "",
            )),
            _ => Ok(Exit::Ok),
        },
        Lookup::Expired { .. } => {
            // cloudflared exits 0 here; scripts rely on it, so zssh does too (with the message).
            crate::error::report(&UserError::new(
                Exit::Ok,
                format!(
                    "the token for {} expired and was removed; Please run login command to generate token.",
                    app.authority()
                ),
                format!(
                    "run `zssh login {}`",
                    crate::human::shell_word(&app.authority())
                ),
            ));
            Ok(Exit::Ok)
        }
        Lookup::Missing | Lookup::WrongAudience | Lookup::OtherTeam { .. } => {
            missing(Exit::Failure)
        }
    }
}
