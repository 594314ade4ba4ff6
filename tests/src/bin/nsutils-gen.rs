//! Generate the shell completions (bash, zsh, fish) of all six tools from
//! their option tables, the ones that parse the command line and render
//! `--help` ([`nsutils_tests::complete`]).
//!
//! ```text
//! nsutils-gen completions <outdir>
//! ```
//! writes `<outdir>/bash/<tool>`, `<outdir>/zsh/_<tool>`,
//! `<outdir>/fish/<tool>.fish`, and under `<outdir>/util-linux-names/` the
//! same three for each util-linux name (`unshare`, …), which complete it as
//! the tool (`make install UTIL_LINUX_NAMES=1` installs them).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use nsutils_tests::{complete, specs, TOOLS};

fn write_completions(out: &Path) -> std::io::Result<()> {
    for (name, table) in specs() {
        let alias = TOOLS.iter().find(|(t, _)| *t == name).map(|(_, ul)| *ul).expect("a util-linux name");
        for f in complete::files(&table, alias) {
            let path = out.join(&f.path);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(path, f.text)?;
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
