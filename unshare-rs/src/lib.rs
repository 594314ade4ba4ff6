//! unshare-rs: run a program with some namespaces unshared from the parent.
//!
//! A drop-in for util-linux `unshare(1)` (2.43 behaviour). The flow is one
//! way: argv → [`SPEC`] (getopt_long semantics) → [`options::Builder`] →
//! [`options::Plan`] (every implication resolved, unit-tested without root)
//! → [`run::execute`] (helpers, `unshare(2)`, fork, the setup steps of
//! [`setup`], exec).

use std::ffi::OsString;

use nsutils_common::{prog, Result};

pub mod hints;
pub mod idmap;
pub mod kernel;
pub mod options;
pub mod run;
pub mod setup;

pub use options::SPEC;

/// Run `unshare-rs` with the arguments after argv\[0\]; returns the exit status.
pub fn run(args: Vec<OsString>) -> Result<i32> {
    prog::run_tool(&SPEC, &args, options::Builder::new(&options::System), run::execute)
}
