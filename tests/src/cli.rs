//! The six option tables seen from outside: for the man-page checks, the
//! shell completions (`nsutils-gen`, [`crate::complete`]) and the tests.
//!
//! The binaries parse with `nsutils_common::cli`; the completions are
//! written from the same tables.

use nsutils_common::cli::{Mode, Opt, Spec, Values};

use crate::Output;

/// One binary's options without their ids (the same shape for every tool),
/// `-h`/`-V` included, with what its operands are.
pub struct Table {
    /// The binary's name, e.g. `unshare-rs`.
    pub name: &'static str,
    /// Whether the first operand ends the options.
    pub mode: Mode,
    /// What the operands are.
    pub operands: Values,
    opts: Vec<Opt<()>>,
}

impl Table {
    fn of<K: Copy + PartialEq + 'static>(spec: &Spec<K>) -> Table {
        Table { name: spec.name, mode: spec.mode, operands: spec.operands, opts: spec.all_opts().collect() }
    }

    /// Every option the binary accepts, in `--help` order.
    pub fn all_opts(&self) -> impl Iterator<Item = &Opt<()>> {
        self.opts.iter()
    }
}

/// The option table of every binary, by binary name.
pub fn specs() -> Vec<(&'static str, Table)> {
    vec![
        ("unshare-rs", Table::of(&unshare_rs::SPEC)),
        ("nsenter-rs", Table::of(&nsenter_rs::SPEC)),
        ("lsns-rs", Table::of(&lsns_rs::SPEC)),
        ("ipcmk-rs", Table::of(&ipcmk_rs::ipcmk::SPEC)),
        ("ipcs-rs", Table::of(&ipcmk_rs::ipcs::SPEC)),
        ("ipcrm-rs", Table::of(&ipcmk_rs::ipcrm::SPEC)),
    ]
}

impl Output {
    /// Assert the shape of one of getopt's own errors: `<argv0>: <message>`
    /// with argv\[0\] exactly as given, then `Try '<prog> --help' for more
    /// information.` with the basename, exit 1, nothing on stdout.
    #[track_caller]
    pub fn getopt_error(&self, argv0: &str, prog: &str, message: &str) -> &Self {
        self.code(1).no_stdout();
        self.stderr_is(&format!("{argv0}: {message}\nTry '{prog} --help' for more information.\n"))
    }
}
