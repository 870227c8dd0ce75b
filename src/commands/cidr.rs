//! `zssh cidr exclude BASE --except CIDR,...`: the Split Tunnel re-add list.

use crate::cidr::{self, Cidr, ParseError};
use crate::cli::{CidrCommand, CidrExcludeArgs};
use crate::error::UserError;
use crate::exit::Exit;

pub fn run(cmd: CidrCommand) -> Result<Exit, UserError> {
    match cmd {
        CidrCommand::Exclude(args) => exclude(args),
    }
}

fn parse(text: &str, what: &str) -> Result<Cidr, UserError> {
    Cidr::parse(text).map_err(|e| match e {
        ParseError::Invalid(t) => UserError::usage(
            format!("{what} {t:?} is not a CIDR range"),
            "write ranges as ADDRESS/LENGTH, e.g. 10.0.0.0/8 or fd00::/8",
        ),
        ParseError::HostBits { given, corrected } => UserError::usage(
            format!("{what} {given} has host bits set"),
            format!("did you mean {corrected}?"),
        ),
    })
}

fn exclude(args: CidrExcludeArgs) -> Result<Exit, UserError> {
    let base = parse(&args.base, "BASE")?;
    let mut except = Vec::new();
    for text in args
        .except
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
    {
        let e = parse(text, "--except")?;
        if e.family != base.family {
            return Err(UserError::usage(
                format!(
                    "--except {e} is {} but BASE {base} is {}",
                    e.family.name(),
                    base.family.name()
                ),
                "run zssh cidr exclude once per address family",
            ));
        }
        if !base.overlaps(&e) {
            crate::errln!("zssh: note: --except {e} is outside {base}; ignored");
            continue;
        }
        except.push(e);
    }
    let out = cidr::exclude(base, &except);
    if out.is_empty() {
        crate::errln!("zssh: note: nothing is left of {base}");
    }
    let mut text = String::new();
    for c in &out {
        text.push_str(&c.to_string());
        text.push('\n');
    }
    crate::out!("{text}");
    Ok(Exit::Ok)
}
