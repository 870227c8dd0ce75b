//! zssh's manual: the man pages (roff) and shell completion scripts, rendered from the clap
//! definitions, with SYNOPSIS, EXAMPLES, EXIT STATUS, ENVIRONMENT and FILES written from the
//! code's own tables. `zssh man`, `zssh completions` and `cargo regen` (which writes man/ and
//! completions/) all print what this renders, so the files in the source and the binary agree.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;
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
        "ZSSH_PROBE",
        "doctor: set by zssh doctor on the ssh -G and zssh processes it runs to look, not act: zssh cert then exits 0 at once, so a Match exec stanza never renews or logs in during a diagnosis (other values change nothing). Not for users",
    ),
    (
        "ZSSH_CONNECT_TO",
        "HOST:PORT:HOST2:PORT2[,...]: connect to HOST2:PORT2 whenever HOST:PORT is wanted (like curl --connect-to); TLS still verifies HOST. For tests and debugging",
    ),
];

fn roff_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('-', "\\-")
}

fn tables_sections() -> String {
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

/// The shells completions are made for, with the file name each has in completions/.
pub const SHELLS: &[(Shell, &str)] = &[
    (Shell::Bash, "zssh.bash"),
    (Shell::Zsh, "_zssh"),
    (Shell::Fish, "zssh.fish"),
    (Shell::PowerShell, "_zssh.ps1"),
    (Shell::Elvish, "zssh.elv"),
];

/// The completion script for `shell`, without the hidden commands.
pub fn completion(shell: Shell) -> Vec<u8> {
    let mut full = Cli::command();
    full.build();
    let mut cmd = visible(&full);
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, "zssh", &mut buf);
    buf
}

/// A copy of the built root command without its hidden subcommands (`generate`), which clap's
/// generators would offer: clap cannot remove a subcommand, so the copy is assembled, and gets
/// a `help` subcommand of its own that knows only the visible ones. (Hidden
/// options, cloudflared's spellings, stay: they are tied to the others by their rules.)
fn visible(root: &clap::Command) -> clap::Command {
    let mut out = clap::Command::new(root.get_name().to_string())
        .disable_help_flag(true)
        .disable_version_flag(true)
        .subcommand_required(root.is_subcommand_required_set())
        .args(root.get_arguments().cloned())
        .subcommands(
            root.get_subcommands()
                .filter(|c| !c.is_hide_set() && c.get_name() != "help")
                .cloned(),
        );
    if let Some(about) = root.get_about() {
        out = out.about(about.clone());
    }
    if let Some(version) = root.get_version() {
        out = out.version(version.to_string());
    }
    out
}

/// Every man page: (`zssh-proxy`, its roff), zssh's own first, then each visible command and
/// subcommand depth first.
pub fn man_pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = Cli::command();
    cmd.build();
    let mut pages = Vec::new();
    collect(&cmd, "zssh", &mut pages)?;
    Ok(pages)
}

/// The subcommands that have a page: not hidden, and not clap's `help`.
pub fn documented(cmd: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    cmd.get_subcommands()
        .filter(|c| !c.is_hide_set() && c.get_name() != "help")
}

fn collect(
    cmd: &clap::Command,
    words: &str,
    pages: &mut Vec<(String, Vec<u8>)>,
) -> std::io::Result<()> {
    pages.push((words.replace(' ', "-"), page(cmd, words)?));
    for sub in documented(cmd) {
        collect(sub, &format!("{words} {}", sub.get_name()), pages)?;
    }
    Ok(())
}

/// Text for roff: backslashes and hyphens escaped, and a line that starts with a control
/// character (`.` or `'`) kept as text.
fn roff_line(line: &str) -> String {
    let escaped = roff_escape(line);
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

/// The command's usage (`zssh proxy [OPTIONS] <HOST>`): the command in bold, then its
/// arguments, one line per form.
fn synopsis(cmd: &clap::Command, words: &str) -> String {
    let usage = cmd.clone().render_usage().to_string();
    let mut s = String::from(".SH SYNOPSIS\n.nf\n");
    for line in usage.lines() {
        let line = line.trim().trim_start_matches("Usage:").trim();
        if let Some(rest) = line.strip_prefix(words) {
            s.push_str(&format!(
                "\\fB{}\\fR{}\n",
                roff_escape(words),
                roff_escape(rest)
            ));
        } else if !line.is_empty() {
            s.push_str(&roff_line(line));
            s.push('\n');
        }
    }
    s.push_str(".fi\n");
    s
}

/// The pages of the subcommands (clap_mangen's own list names `help` too, which has none).
fn subcommands(cmd: &clap::Command, name: &str) -> String {
    let mut s = String::new();
    for sub in documented(cmd) {
        if s.is_empty() {
            s.push_str(".SH SUBCOMMANDS\n");
        }
        let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
        s.push_str(&format!(
            ".TP\n\\fB{}\\fR(1)\n{}\n",
            roff_escape(&format!("{name}-{}", sub.get_name())),
            roff_line(&about.replace('\n', " "))
        ));
    }
    s
}

/// The examples of `--help` (the text after "Examples:"), unwrapped, one per line.
fn examples(cmd: &clap::Command) -> String {
    let Some(after) = cmd.get_after_help().map(|h| h.to_string()) else {
        return String::new();
    };
    let body = after.strip_prefix("Examples:\n").unwrap_or(&after);
    let mut s = String::from(".SH EXAMPLES\n.nf\n");
    for line in body.lines() {
        let line = line.strip_prefix("  ").unwrap_or(line);
        s.push_str(&roff_line(line));
        s.push('\n');
    }
    s.push_str(".fi\n");
    s
}

/// One man page; `words` is the command as typed (`zssh known-hosts repair`).
fn page(cmd: &clap::Command, words: &str) -> std::io::Result<Vec<u8>> {
    use std::io::Write;
    let name = words.replace(' ', "-");
    let mut buf = Vec::new();
    let named = cmd
        .clone()
        .name(name.clone())
        .version(env!("CARGO_PKG_VERSION"));
    let man = clap_mangen::Man::new(named)
        .title(name.to_uppercase())
        .date(MAN_DATE)
        .manual("zssh manual");
    man.render_title(&mut buf)?;
    man.render_name_section(&mut buf)?;
    buf.write_all(synopsis(cmd, words).as_bytes())?;
    man.render_description_section(&mut buf)?;
    man.render_options_section(&mut buf)?;
    buf.write_all(subcommands(cmd, &name).as_bytes())?;
    buf.write_all(examples(cmd).as_bytes())?;
    buf.write_all(tables_sections().as_bytes())?;
    man.render_version_section(&mut buf)?;
    Ok(buf)
}
