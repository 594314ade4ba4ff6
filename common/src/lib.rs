//! nsutils-common: everything two nsutils tools would otherwise write twice.
//!
//! * [`ns`], [`sys`] — the namespace table, namespace files and pidfds
//!   (`namespaces(7)`, `ioctl_ns(2)`, `setns(2)`, `pidfd_open(2)`).
//! * [`cli`], [`prog`], [`error`], [`parse`] — util-linux-compatible command
//!   lines (`getopt_long(3)` semantics and messages), the invoked program
//!   name, errors and exit statuses, number parsing.
//! * [`process`], [`signals`] — exec via `PATH` or the login shell,
//!   fork/wait, passing a child's status or fatal signal on.
//! * [`alloc`] — running out of memory ends a tool as util-linux's end.
//! * [`bytes`] — non-UTF-8 bytes carried through messages unchanged.
//! * [`users`] — uid/gid ↔ name lookups that degrade to numbers.
//! * [`intmap`] — hash maps keyed by integers, cheaply hashed.
//! * [`table`] — libsmartcols-style output: aligned columns, `--raw`,
//!   `--json`, trees and multi-line cells.
//! * [`hints`] — one line of advice when a namespace syscall fails.
//! * [`caps`] — ambient capabilities for `--keep-caps`.
//! * [`mountinfo`] — the fields of `/proc/PID/mountinfo` lines.
#![warn(missing_docs)]

pub mod alloc;
pub mod bytes;
pub mod caps;
pub mod cli;
pub mod error;
pub mod hints;
pub mod intmap;
pub mod mountinfo;
pub mod ns;
pub mod parse;
pub mod process;
pub mod prog;
pub mod signals;
pub mod sys;
pub mod table;
pub mod users;

pub use error::{Error, Result};
