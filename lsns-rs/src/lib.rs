//! lsns-rs: list Linux namespaces.

use std::ffi::OsString;

use nsutils_common::cli::{Mode, Opt, Spec};
use nsutils_common::{prog, Error, Result};

const OPTS: &[Opt] = &[];

/// The command line of `lsns-rs`.
pub const SPEC: Spec = Spec {
    name: "lsns-rs",
    usage: &["[options] [<namespace>]"],
    about: "List system namespaces.",
    opts: OPTS,
    section_titles: &[],
    after_help: "",
    man: "lsns-rs(8)",
    mode: Mode::Permute,
};

/// The clap `Command` of `lsns-rs` (for man pages, completions and tests).
pub fn cli() -> clap::Command {
    SPEC.to_clap()
}

/// Run `lsns-rs` with the arguments after argv[0]; returns the exit status.
pub fn run(args: Vec<OsString>) -> Result<i32> {
    let Some(_parsed) = prog::parse_or_info(&SPEC, &args)? else {
        return Ok(0);
    };
    Err(Error::msg("not implemented yet"))
}
