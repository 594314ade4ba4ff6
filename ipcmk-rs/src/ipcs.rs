//! ipcs-rs: show System V IPC objects.

use std::ffi::OsString;

use nsutils_common::cli::{Mode, Opt, Spec};
use nsutils_common::{prog, Error, Result};

const OPTS: &[Opt] = &[];

/// The command line of `ipcs-rs`.
pub const SPEC: Spec = Spec {
    name: "ipcs-rs",
    usage: &["[resource-option...] [output-option]"],
    about: "Show information on IPC facilities.",
    opts: OPTS,
    section_titles: &[],
    after_help: "",
    man: "ipcs-rs(1)",
    mode: Mode::Permute,
};

/// The clap `Command` of `ipcs-rs` (for man pages, completions and tests).
pub fn cli() -> clap::Command {
    SPEC.to_clap()
}

/// Run `ipcs-rs` with the arguments after argv[0]; returns the exit status.
pub fn run(args: Vec<OsString>) -> Result<i32> {
    let Some(_parsed) = prog::parse_or_info(&SPEC, &args)? else {
        return Ok(0);
    };
    Err(Error::msg("not implemented yet"))
}
