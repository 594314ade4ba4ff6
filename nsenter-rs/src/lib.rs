//! nsenter-rs: run a program with namespaces of other processes.
//!
//! The work flows one way:
//!
//! * [`options`] — the option table ([`SPEC`]) and the command line
//!   turned into a validated [`options::Plan`] by [`options::Builder`]
//!   (every implication and exclusion resolved; unit-tested without
//!   privileges);
//! * [`session`] — the plan carried out: everything opened before any
//!   namespace is entered (the "tunnel"), the target pinned through a pidfd,
//!   credentials prepared, the namespaces entered, root and working
//!   directory set, then fork (for a PID namespace) and exec;
//! * [`enter`] — the one function that fixes the order in which namespaces
//!   are entered (two passes, the user namespace handled specially);
//! * [`cgroup`] — where the target's cgroup v2 lives, for `--join-cgroup`.

use std::ffi::OsString;

use nsutils_common::{prog, Result};

pub mod cgroup;
pub mod enter;
pub mod options;
pub mod session;

pub use options::SPEC;

/// Run `nsenter-rs` with the arguments after argv\[0\]; returns the exit
/// status (on success the process is replaced by the program and this
/// does not return).
pub fn run(args: Vec<OsString>) -> Result<i32> {
    prog::run_tool(&SPEC, &args, options::Builder::new(&options::System), session::execute)
}
