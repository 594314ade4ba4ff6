//! Generate shell completions (bash, zsh, fish) for all six tools from
//! their CLI definitions (the same option tables that parse the command
//! line and render `--help`).
//!
//! ```text
//! nsutils-gen completions <outdir>
//! ```
//! writes `<outdir>/bash/<tool>`, `<outdir>/zsh/_<tool>`, `<outdir>/fish/<tool>.fish`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap_complete::Shell;

fn write_completions(out: &Path) -> std::io::Result<()> {
    for (name, mut cmd) in nsutils_tests::clis() {
        for (shell, dir, file) in [
            (Shell::Bash, "bash", name.to_string()),
            (Shell::Zsh, "zsh", format!("_{name}")),
            (Shell::Fish, "fish", format!("{name}.fish")),
        ] {
            let dir = out.join(dir);
            std::fs::create_dir_all(&dir)?;
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut cmd, name, &mut buf);
            std::fs::write(dir.join(file), buf)?;
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [what, dir] if what == "completions" => match write_completions(&PathBuf::from(dir)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("nsutils-gen: {dir}: {e}");
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: nsutils-gen completions <outdir>");
            ExitCode::FAILURE
        }
    }
}
