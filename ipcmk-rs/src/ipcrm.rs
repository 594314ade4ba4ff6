//! ipcrm-rs: remove System V and POSIX IPC objects.

use std::ffi::OsString;

use nsutils_common::cli::{Mode, Opt, Spec};
use nsutils_common::{prog, Error, Result};

const OPTS: &[Opt] = &[];

/// The command line of `ipcrm-rs`.
pub const SPEC: Spec = Spec {
    name: "ipcrm-rs",
    usage: &["[options]"],
    about: "Remove certain IPC resources.",
    opts: OPTS,
    section_titles: &[],
    after_help: "",
    man: "ipcrm-rs(1)",
    mode: Mode::Permute,
};

/// The clap `Command` of `ipcrm-rs` (for man pages, completions and tests).
pub fn cli() -> clap::Command {
    SPEC.to_clap()
}

/// Run `ipcrm-rs` with the arguments after argv[0]; returns the exit status.
pub fn run(args: Vec<OsString>) -> Result<i32> {
    let Some(_parsed) = prog::parse_or_info(&SPEC, &args)? else {
        return Ok(0);
    };
    Err(Error::msg("not implemented yet"))
}
