//! `zssh generate DIR` (hidden; `cargo regen`): writes shell completions and man pages from the
//! clap definitions, with EXIT STATUS, ENVIRONMENT and FILES rendered from the code's tables.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
use crate::error::UserError;
use crate::exit::{self, Exit};
use crate::{paths, token_store};

/// The date on the man pages: the release date of this version.
const MAN_DATE: &str = "2026-11-22";

/// Environment variables zssh reads (for the ENVIRONMENT section).
const ENVIRONMENT: &[(&str, &str)] = &[
    token_store::ENV_DOC,
    (
        "ZSSH_NONINTERACTIVE",
        "1: nobody can answer a browser login here, so fail at once with a hint instead of waiting (also assumed with neither a terminal nor a display)",
    ),
    (
        "BROWSER",
        "the command that opens login URLs (%s is the URL); otherwise the desktop's default browser",
    ),
    (
        "ZSSH_AGENT",
        "1: zssh cert also loads the certificate into ssh-agent (as --agent)",
    ),
    (
        "CLOUDFLARE_API_TOKEN",
        "the Cloudflare API token zssh server fetch-ca uses (never pass it as an argument)",
    ),
    (
        "ZSSH_CLOUDFLARE_API",
        "the Cloudflare API base URL for zssh server fetch-ca (default https://api.cloudflare.com/client/v4)",
    ),
    (
        "ZSSH_SSHD_RELOAD",
        "none: zssh server trust-ca --apply does not reload sshd",
    ),
    (
        "XDG_STATE_HOME",
        "where zssh keeps its login and certificate renewal locks (default ~/.local/state)",
    ),
    ("TUNNEL_SERVICE_HOSTNAME", "default for --hostname"),
    ("TUNNEL_SERVICE_DESTINATION", "default for --destination"),
    ("TUNNEL_SERVICE_URL", "default for --url"),
    ("TUNNEL_SERVICE_TOKEN_ID", "service token client ID"),
    (
        "TUNNEL_SERVICE_TOKEN_SECRET",
        "service token client secret (preferred over the flag: arguments are visible to other users)",
    ),
    ("ZSSH_LOG", "log level: error, warn, info, debug"),
    (
        "HTTPS_PROXY, NO_PROXY",
        "an http:// proxy to reach the edge through (CONNECT), and the hosts that bypass it; loopback always bypasses",
    ),
    (
        "SSL_CERT_FILE, SSL_CERT_DIR",
        "trusted root certificates instead of the system store",
    ),
    (
        "ZSSH_CONNECT_TO",
        "HOST:PORT:HOST2:PORT2[,...]: connect to HOST2:PORT2 whenever HOST:PORT is wanted (like curl --connect-to); TLS still verifies HOST. For tests and debugging",
    ),
];

fn roff_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('-', "\\-")
}

fn extra_sections() -> String {
    let mut s = String::from(".SH \"EXIT STATUS\"\n");
    for (code, meaning) in exit::TABLE {
        s.push_str(&format!(
            ".TP\n\\fB{}\\fR\n{}\n",
            Exit::code(*code),
            roff_escape(meaning)
        ));
    }
    s.push_str(".SH ENVIRONMENT\n");
    for (name, meaning) in ENVIRONMENT {
        s.push_str(&format!(
            ".TP\n\\fB{}\\fR\n{}\n",
            roff_escape(name),
            roff_escape(meaning)
        ));
    }
    s.push_str(".SH FILES\n");
    for (name, meaning) in paths::FILES {
        s.push_str(&format!(
            ".TP\n\\fI{}\\fR\n{}\n",
            roff_escape(name),
            roff_escape(meaning)
        ));
    }
    s
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), UserError> {
    std::fs::write(path, bytes).map_err(|e| {
        UserError::local(
            format!("cannot write {}: {e}", path.display()),
            "run this from the project directory",
        )
    })
}

fn render_man(cmd: &clap::Command, name: &str, out: &Path) -> Result<(), UserError> {
    let mut buf = Vec::new();
    let man = clap_mangen::Man::new(cmd.clone())
        .title(name.to_uppercase())
        .date(MAN_DATE)
        .manual("zssh manual");
    let io = |e: std::io::Error| UserError::local(format!("cannot render man page: {e}"), "");
    man.render_title(&mut buf).map_err(io)?;
    man.render_name_section(&mut buf).map_err(io)?;
    man.render_synopsis_section(&mut buf).map_err(io)?;
    man.render_description_section(&mut buf).map_err(io)?;
    man.render_options_section(&mut buf).map_err(io)?;
    if cmd.get_subcommands().any(|c| !c.is_hide_set()) {
        man.render_subcommands_section(&mut buf).map_err(io)?;
    }
    man.render_extra_section(&mut buf).map_err(io)?;
    buf.write_all(extra_sections().as_bytes()).map_err(io)?;
    man.render_version_section(&mut buf).map_err(io)?;
    write(&out.join(format!("{name}.1")), &buf)?;
    for sub in cmd.get_subcommands().filter(|c| !c.is_hide_set()) {
        let sub_name = format!("{name}-{}", sub.get_name());
        let sub = sub
            .clone()
            .name(sub_name.clone())
            .version(env!("CARGO_PKG_VERSION"));
        render_man(&sub, &sub_name, out)?;
    }
    Ok(())
}

pub fn run(dir: &Path) -> Result<Exit, UserError> {
    let comp = dir.join("completions");
    let man = dir.join("man");
    for d in [&comp, &man] {
        std::fs::create_dir_all(d)
            .map_err(|e| UserError::local(format!("cannot create {}: {e}", d.display()), ""))?;
    }
    let mut cmd = Cli::command();
    cmd.build();
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::PowerShell,
        Shell::Elvish,
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd, "zssh", &mut buf);
        let file = match shell {
            Shell::Bash => "zssh.bash",
            Shell::Zsh => "_zssh",
            Shell::Fish => "zssh.fish",
            Shell::PowerShell => "_zssh.ps1",
            _ => "zssh.elv",
        };
        write(&comp.join(file), &buf)?;
    }
    render_man(&Cli::command(), "zssh", &man)?;
    Ok(Exit::Ok)
}
