//! lsns-rs: list Linux namespaces, as util-linux's `lsns(8)` does.
//!
//! * [`options`] — the command line and the validated plan.
//! * `scan` — discovery: processes, descriptors, sockets, bind mounts,
//!   and the lazy lookups (ioctls, netlink, `/proc/PID/*`) in `proc` and
//!   `netnsid`.
//! * `output` — rows, trees and cells, printed by
//!   `nsutils_common::table`.
//! * [`filter`] — the `-Q` expression language.
//! * [`columns`] — the thirteen columns and `-o` lists.

use std::ffi::OsString;

use nsutils_common::{prog, Result};

pub mod columns;
pub mod filter;
mod netnsid;
pub mod options;
mod output;
mod proc;
mod scan;

pub use options::SPEC;

/// Run `lsns-rs` with the arguments after argv\[0\]; returns the exit status.
pub fn run(args: Vec<OsString>) -> Result<i32> {
    prog::run_tool(&SPEC, &args, options::Builder::default(), execute)
}

/// Carry out what the command line asks for.
fn execute(action: options::Action) -> Result<i32> {
    match action {
        options::Action::ListColumns { format } => output::list_columns(format),
        options::Action::List(plan) => output::list(&plan),
    }
}
