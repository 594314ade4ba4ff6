//! nsenter-rs: run a program with namespaces of other processes.
//!
//! The work flows one way:
//!
//! * [`options`] — the option table ([`SPEC`]) and the raw command line
//!   turned into a validated [`options::Plan`] (every implication and
//!   exclusion resolved; unit-tested without privileges);
//! * [`session`] — the plan carried out: everything opened before any
//!   namespace is entered (the "tunnel"), the target pinned through a pidfd,
//!   credentials prepared, the namespaces entered, root and working
//!   directory set, then fork (for a PID namespace) and exec;
//! * [`enter`] — the one function that fixes the order in which namespaces
//!   are entered (two passes, the user namespace handled specially);
//! * [`cgroup`] — where the target's cgroup v2 lives, for `--join-cgroup`.

use std::ffi::OsString;

use nsutils_common::cli::{Mode, Spec};
use nsutils_common::{prog, Result};

pub mod cgroup;
pub mod enter;
pub mod options;
pub mod session;

/// The command line of `nsenter-rs`.
pub const SPEC: Spec = Spec {
    name: "nsenter-rs",
    usage: &["[options] [<program> [<argument>...]]"],
    about: "Run a program with namespaces of other processes.",
    opts: options::OPTS,
    section_titles: &[],
    after_help: "",
    man: "nsenter-rs(1)",
    mode: Mode::StopAtFirstOperand,
};

/// The clap `Command` of `nsenter-rs` (for man pages, completions and tests).
pub fn cli() -> clap::Command {
    SPEC.to_clap()
}

/// Run `nsenter-rs` with the arguments after argv\[0\]; returns the exit
/// status (on success the process is replaced by the program and this
/// does not return).
pub fn run(args: Vec<OsString>) -> Result<i32> {
    let Some(parsed) = prog::parse_or_info(&SPEC, &args)? else {
        return Ok(0);
    };
    let plan = options::Plan::from_parsed(parsed)?;
    session::execute(plan)
}
