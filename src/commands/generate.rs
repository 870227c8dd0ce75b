//! `zssh generate DIR` (hidden; `cargo regen`): writes the shell completions and man pages
//! [`crate::manual`] renders into DIR/completions and DIR/man.

use std::path::Path;

use crate::error::UserError;
use crate::exit::Exit;
use crate::manual;

fn write(path: &Path, bytes: &[u8]) -> Result<(), UserError> {
    std::fs::write(path, bytes).map_err(|e| {
        UserError::local(
            format!("cannot write {}: {e}", path.display()),
            "run this from the project directory",
        )
    })
}

pub fn run(dir: &Path) -> Result<Exit, UserError> {
    let comp = dir.join("completions");
    let man = dir.join("man");
    for d in [&comp, &man] {
        std::fs::create_dir_all(d)
            .map_err(|e| UserError::local(format!("cannot create {}: {e}", d.display()), ""))?;
    }
    for (shell, file) in manual::SHELLS {
        write(&comp.join(file), &manual::completion(*shell))?;
    }
    let pages = manual::man_pages()
        .map_err(|e| UserError::local(format!("cannot render the man pages: {e}"), ""))?;
    for (name, roff) in pages {
        write(&man.join(format!("{name}.1")), &roff)?;
    }
    Ok(Exit::Ok)
}
