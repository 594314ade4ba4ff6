//! nsenter-rs: run a program with namespaces of other processes.

use std::ffi::OsString;

use nsutils_common::cli::{Mode, Opt, Spec};
use nsutils_common::{prog, Error, Result};

const OPTS: &[Opt] = &[];

/// The command line of `nsenter-rs`.
pub const SPEC: Spec = Spec {
    name: "nsenter-rs",
    usage: &["[options] [<program> [<argument>...]]"],
    about: "Run a program with namespaces of other processes.",
    opts: OPTS,
    section_titles: &[],
    after_help: "",
    man: "nsenter-rs(1)",
    mode: Mode::StopAtFirstOperand,
};

/// The clap `Command` of `nsenter-rs` (for man pages, completions and tests).
pub fn cli() -> clap::Command {
    SPEC.to_clap()
}

/// Run `nsenter-rs` with the arguments after argv[0]; returns the exit status.
pub fn run(args: Vec<OsString>) -> Result<i32> {
    let Some(_parsed) = prog::parse_or_info(&SPEC, &args)? else {
        return Ok(0);
    };
    Err(Error::msg("not implemented yet"))
}
