//! `zssh man [COMMAND]`: a man page on stdout, or every page into a directory.

use std::path::Path;

use clap::CommandFactory;

use crate::cli::{Cli, ManArgs};
use crate::error::UserError;
use crate::exit::Exit;
use crate::{human, manual};

pub fn run(args: &ManArgs) -> Result<Exit, UserError> {
    let pages = manual::man_pages()
        .map_err(|e| UserError::local(format!("cannot render the man pages: {e}"), ""))?;
    if let Some(dir) = &args.dir {
        return write_all(dir, &pages);
    }
    let name = page_name(&args.command, &pages)?;
    let roff = pages
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, roff)| roff)
        .ok_or_else(|| unknown(&args.command.join(" ")))?;
    crate::ui::write_result("the man page", roff)?;
    Ok(Exit::Ok)
}

/// The page of a command as typed (`known-hosts repair`, aliases too: `logs keygen`):
/// `zssh-known-hosts-repair`. A leading `zssh` is allowed, so is a page's own name.
fn page_name(words: &[String], pages: &[(String, Vec<u8>)]) -> Result<String, UserError> {
    if let [one] = words
        && pages.iter().any(|(n, _)| n == one)
    {
        return Ok(one.clone());
    }
    if words.iter().any(|w| w.trim().is_empty()) {
        return Err(unknown(&words.join(" ")));
    }
    let mut words: Vec<&str> = words.iter().flat_map(|w| w.split_whitespace()).collect();
    if words.first() == Some(&"zssh") {
        words.remove(0);
    }
    let mut cmd = Cli::command();
    let mut name = String::from("zssh");
    for word in &words {
        let Some(sub) = manual::documented(&cmd)
            .find(|c| c.get_name() == *word || c.get_all_aliases().any(|a| a == *word))
        else {
            return Err(unknown(&words.join(" ")));
        };
        name.push('-');
        name.push_str(sub.get_name());
        cmd = sub.clone();
    }
    Ok(name)
}

fn unknown(what: &str) -> UserError {
    let cli = Cli::command();
    let commands: Vec<&str> = manual::documented(&cli).map(|c| c.get_name()).collect();
    UserError::usage(
        format!("no man page for {:?}", human::shown(what, 100)),
        format!(
            "name a command: {} (or two words, e.g. zssh man known-hosts repair)",
            commands.join(", ")
        ),
    )
}

fn write_all(dir: &Path, pages: &[(String, Vec<u8>)]) -> Result<Exit, UserError> {
    let fail = |what: &str, e: std::io::Error| {
        UserError::local(
            format!("cannot write {what}: {e}"),
            "pick a directory you can write, e.g. ~/.local/share/man/man1",
        )
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(&human::shown_path(dir), e))?;
    for (name, roff) in pages {
        let path = dir.join(format!("{name}.1"));
        crate::fsutil::replace_atomically(&path, roff, 0o644)
            .map_err(|e| fail(&human::shown_path(&path), e))?;
    }
    crate::errln!(
        "zssh: wrote {} man pages to {}; man finds them when it is the man1 of a directory in \
         man's search path (manpath shows it)",
        pages.len(),
        human::shown_path(dir)
    );
    Ok(Exit::Ok)
}
