//! The six option tables seen from outside: for the man-page checks, the
//! shell completions (`nsutils-gen`) and the tests.
//!
//! The binaries parse with `nsutils_common::cli` and never link clap; the
//! clap `Command` that `clap_complete` needs is built here, from the same
//! tables ([`to_clap`]).

use nsutils_common::cli::{HasArg, Opt, Spec};

use crate::Output;

/// One binary's options without their ids (the same shape for every tool),
/// `-h`/`-V` included.
pub struct Table {
    opts: Vec<Opt<()>>,
}

impl Table {
    fn of<K: Copy + PartialEq + 'static>(spec: &Spec<K>) -> Table {
        Table { opts: spec.all_opts().collect() }
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

/// The clap `Command` of every binary, by binary name (for completions).
pub fn clis() -> Vec<(&'static str, clap::Command)> {
    vec![
        ("unshare-rs", to_clap(&unshare_rs::SPEC)),
        ("nsenter-rs", to_clap(&nsenter_rs::SPEC)),
        ("lsns-rs", to_clap(&lsns_rs::SPEC)),
        ("ipcmk-rs", to_clap(&ipcmk_rs::ipcmk::SPEC)),
        ("ipcs-rs", to_clap(&ipcmk_rs::ipcs::SPEC)),
        ("ipcrm-rs", to_clap(&ipcmk_rs::ipcrm::SPEC)),
    ]
}

/// A clap `Command` mirroring `spec`'s table: names, argument kinds, value
/// names, help and hidden options. Only `clap_complete` reads it; the
/// binaries parse with getopt's rules, which clap cannot express exactly.
pub fn to_clap<K: Copy + PartialEq + 'static>(spec: &Spec<K>) -> clap::Command {
    use clap::{Arg, ArgAction};
    let mut cmd = clap::Command::new(spec.name)
        .about(spec.about)
        .version(env!("CARGO_PKG_VERSION"))
        .disable_help_flag(true)
        .disable_version_flag(true)
        .override_usage(spec.usage.iter().map(|u| format!("{} {u}", spec.name)).collect::<Vec<_>>().join("\n"));
    for o in spec.all_opts() {
        // every row has a long name (the constructors of Opt give one)
        let Some(id) = o.long else { continue };
        let mut a = Arg::new(id).help(o.help.replace('\n', " ")).hide(o.hidden);
        if let Some(c) = o.short {
            a = a.short(c);
        }
        if let Some(l) = o.long {
            a = a.long(l);
        }
        let vname = o.value_name.trim_start_matches('<').trim_end_matches('>');
        a = match o.arg {
            HasArg::No => a.action(ArgAction::SetTrue),
            HasArg::Required => a.action(ArgAction::Append).num_args(1).value_name(vname),
            HasArg::Optional => a.action(ArgAction::Append).num_args(0..=1).require_equals(true).value_name(vname),
        };
        cmd = cmd.arg(a);
    }
    cmd.arg(Arg::new("operands").num_args(0..).trailing_var_arg(true).allow_hyphen_values(true))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_mirrors_its_table() {
        for ((name, cmd), (_, table)) in clis().into_iter().zip(specs()) {
            cmd.clone().debug_assert();
            for o in table.all_opts() {
                let found = cmd.get_arguments().any(|a| a.get_long() == o.long && a.get_short() == o.short);
                assert!(found, "{name}: {:?} missing", o.long);
            }
        }
    }
}
