//! Run a program under a seccomp filter, for test scripts that run the
//! tools from a shell (the harness's `Cmd::seccomp_deny` does the same for
//! commands it runs itself):
//!
//! ```text
//! nsutils-seccomp NR[:ARG1]=ERRNO... -- PROGRAM [ARGUMENT...]
//! ```
//! Each rule fails system call NR (with second argument ARG1, if given)
//! with ERRNO; see `nsutils_tests::seccomp`.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode};

use nsutils_tests::seccomp::{self, Rule};

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let Some(sep) = args.iter().position(|a| a == "--") else {
        eprintln!("usage: nsutils-seccomp NR[:ARG1]=ERRNO... -- PROGRAM [ARGUMENT...]");
        return ExitCode::from(2);
    };
    let mut rules = Vec::new();
    for a in &args[..sep] {
        match a.to_str().and_then(Rule::parse) {
            Some(r) => rules.push(r),
            None => {
                eprintln!("nsutils-seccomp: bad rule {a:?}");
                return ExitCode::from(2);
            }
        }
    }
    let Some((program, rest)) = args[sep + 1..].split_first() else {
        eprintln!("nsutils-seccomp: no program");
        return ExitCode::from(2);
    };
    let filter = seccomp::filter(&rules);
    // SAFETY: install makes only prctl calls; the program outlives them.
    if let Err(e) = unsafe { seccomp::install(&filter) } {
        eprintln!("nsutils-seccomp: {e}");
        return ExitCode::from(2);
    }
    let e = Command::new(program).args(rest).exec();
    eprintln!("nsutils-seccomp: {}: {e}", program.to_string_lossy());
    ExitCode::from(127)
}
