//! unshare-rs: run a program with some namespaces unshared from the parent.
//!
//! A drop-in for util-linux `unshare(1)` (2.43 behaviour). The flow is one
//! way: argv → [`SPEC`] (getopt_long semantics) → [`options::Plan`] (every
//! implication resolved, unit-tested without root) → [`run::execute`]
//! (helpers, `unshare(2)`, fork, the setup steps of [`setup`], exec).

use std::ffi::OsString;

use nsutils_common::{prog, Result};

pub mod hints;
pub mod idmap;
pub mod kernel;
pub mod options;
pub mod run;
pub mod setup;

pub use options::SPEC;

/// The clap `Command` of `unshare-rs` (for man pages, completions and tests).
pub fn cli() -> clap::Command {
    SPEC.to_clap()
}

/// Run `unshare-rs` with the arguments after argv\[0\]; returns the exit status.
pub fn run(args: Vec<OsString>) -> Result<i32> {
    let Some(parsed) = prog::parse_or_info(&SPEC, &args)? else {
        return Ok(0);
    };
    let plan = options::Plan::build(&parsed, &options::System)?;
    run::execute(plan)
}
