//! Command-line plumbing with the exact semantics of glibc's `getopt_long(3)`,
//! which is what makes util-linux's command lines behave the way scripts
//! expect:
//!
//! * clusters of short options (`-fn`), a required argument attached or in
//!   the next word (`-S0`, `-S 0`), an optional argument only attached
//!   (`-n/path`; `-n /path` means "no argument");
//! * long options with `--name=value` or `--name value` (required) and only
//!   `--name=value` (optional: `--net /path` makes `/path` the next operand);
//! * unambiguous abbreviations of long options (`--mount-pro`);
//! * `--` ends the options; "stop at the first operand" for unshare and
//!   nsenter (`unshare-rs ls -l` gives `-l` to ls), GNU permutation for the
//!   others (`lsns-rs 4026531837 -l`), and `POSIXLY_CORRECT` honoured;
//! * glibc's messages (`unrecognized option '--x'`, `invalid option -- 'x'`,
//!   `option requires an argument -- 'M'`, …) followed by
//!   `Try '<prog> --help' for more information.` and exit status 1.
//!
//! The same option table ([`Spec`]) renders `--help` and builds the clap
//! [`clap::Command`] used for man pages and shell completions, so every
//! option is documented once.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::error::{Error, Result};

/// Whether an option takes an argument (`getopt_long`'s `has_arg`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HasArg {
    /// A flag.
    No,
    /// `-x VALUE`, `-xVALUE`, `--long VALUE`, `--long=VALUE`.
    Required,
    /// `-xVALUE` or `--long=VALUE` only.
    Optional,
}

/// One command-line option: its spellings, argument kinds and help text.
#[derive(Clone, Copy, Debug)]
pub struct Opt {
    /// A stable key the tool matches on (by convention the long name).
    pub id: &'static str,
    /// The short letter, if any.
    pub short: Option<char>,
    /// The long name without `--`, if any.
    pub long: Option<&'static str>,
    /// The argument kind of the long form.
    pub arg: HasArg,
    /// The argument kind of the short form (they differ for unshare's
    /// namespace options: `-n` takes nothing, `--net[=FILE]` an optional FILE).
    pub short_arg: HasArg,
    /// How the value is shown in help, e.g. `<file>` or `<uid>|<name>`.
    pub value_name: &'static str,
    /// The help text; further lines are indented under the first.
    pub help: &'static str,
    /// Help section: a blank line (and the section's title, if any) is printed
    /// where this number changes.
    pub section: u8,
    /// Accepted but not shown in `--help` (deprecated spellings).
    pub hidden: bool,
}

impl Opt {
    /// A flag with an optional short letter.
    pub const fn flag(id: &'static str, short: Option<char>, help: &'static str) -> Opt {
        Opt {
            id,
            short,
            long: Some(id),
            arg: HasArg::No,
            short_arg: HasArg::No,
            value_name: "",
            help,
            section: 0,
            hidden: false,
        }
    }

    /// An option whose value is required in both forms.
    pub const fn required(id: &'static str, short: Option<char>, value_name: &'static str, help: &'static str) -> Opt {
        Opt { arg: HasArg::Required, short_arg: HasArg::Required, value_name, ..Opt::flag(id, short, help) }
    }

    /// An option whose value is optional in both forms.
    pub const fn optional(id: &'static str, short: Option<char>, value_name: &'static str, help: &'static str) -> Opt {
        Opt { arg: HasArg::Optional, short_arg: HasArg::Optional, value_name, ..Opt::flag(id, short, help) }
    }

    /// The same option with another argument kind for its short form.
    pub const fn short_takes(self, arg: HasArg) -> Opt {
        Opt { short_arg: arg, ..self }
    }

    /// The same option in help section `section`.
    pub const fn in_section(self, section: u8) -> Opt {
        Opt { section, ..self }
    }

    /// The same option, hidden from `--help`.
    pub const fn hide(self) -> Opt {
        Opt { hidden: true, ..self }
    }

    /// The same option with a different long name than its id.
    pub const fn long_name(self, long: &'static str) -> Opt {
        Opt { long: Some(long), ..self }
    }

    /// The option's spelling in help: ` -n, --net[=<file>]`.
    pub fn help_left(&self) -> String {
        let mut s = String::from(" ");
        match (self.short, self.long) {
            (Some(c), Some(l)) => s.push_str(&format!("-{c}, --{l}")),
            (Some(c), None) => s.push_str(&format!("-{c}")),
            (None, Some(l)) => s.push_str(&format!("    --{l}")),
            (None, None) => {}
        }
        let arg = if self.long.is_some() { self.arg } else { self.short_arg };
        match arg {
            HasArg::No => {}
            HasArg::Required => {
                s.push(' ');
                s.push_str(self.value_name);
            }
            HasArg::Optional => s.push_str(&format!("[={}]", self.value_name)),
        }
        s
    }
}

/// `-h, --help`, accepted by every tool.
pub const HELP: Opt = Opt::flag("help", Some('h'), "display this help").in_section(u8::MAX);
/// `-V, --version`, accepted by every tool.
pub const VERSION: Opt = Opt::flag("version", Some('V'), "display version").in_section(u8::MAX);

/// Where option parsing stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// getopt's `+` mode: the first operand ends the options (unshare, nsenter).
    StopAtFirstOperand,
    /// GNU permutation: options and operands may be mixed (lsns, ipc*).
    Permute,
}

/// Everything a tool's command line is: names, texts and options.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    /// The canonical binary name, e.g. `unshare-rs`.
    pub name: &'static str,
    /// The usage lines after the program name, e.g. `[options] [<program> [<argument>...]]`.
    pub usage: &'static [&'static str],
    /// One line saying what the tool does.
    pub about: &'static str,
    /// The options, `-h`/`-V` excluded (they are added automatically).
    pub opts: &'static [Opt],
    /// Titles for help sections, indexed by [`Opt::section`]; empty = none.
    pub section_titles: &'static [&'static str],
    /// Extra help text printed after the options (e.g. lsns' column list).
    pub after_help: &'static str,
    /// The man page reference, e.g. `unshare-rs(1)`.
    pub man: &'static str,
    /// Parsing mode.
    pub mode: Mode,
}

/// One option found on the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matched {
    /// The option's [`Opt::id`].
    pub id: &'static str,
    /// Its argument, if one was given.
    pub value: Option<OsString>,
    /// True when spelled in short form.
    pub short: bool,
}

impl Matched {
    /// The value as a message string (non-UTF-8 bytes kept, see
    /// [`crate::bytes`]), or "" when absent.
    pub fn value_str(&self) -> String {
        self.value.as_deref().map(|v| crate::bytes::text(v.as_bytes())).unwrap_or_default()
    }
}

/// The command line split into options (in order) and operands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Options in the order given. Parsing stops after `--help`/`--version`,
    /// so a later bad option does not hide the help, as with getopt loops.
    pub opts: Vec<Matched>,
    /// Operands (non-options), in order.
    pub operands: Vec<OsString>,
}

impl Spec {
    /// Every option the parser accepts, `-h`/`-V` included.
    pub fn all_opts(&self) -> impl Iterator<Item = &Opt> {
        self.opts.iter().chain([&HELP, &VERSION])
    }

    /// Split `args` (without argv\[0\]) the way `getopt_long` would.
    pub fn parse(&self, args: &[OsString]) -> Result<Parsed> {
        let posixly = std::env::var_os("POSIXLY_CORRECT").is_some();
        let stop_at_operand = self.mode == Mode::StopAtFirstOperand || posixly;
        let mut out = Parsed::default();
        let mut i = 0;
        while i < args.len() {
            let arg = args[i].as_bytes();
            i += 1;
            if arg == b"--" {
                out.operands.extend(args[i..].iter().cloned());
                break;
            }
            if let Some(body) = arg.strip_prefix(b"--") {
                let (m, used_next) = self.parse_long(arg, body, args.get(i))?;
                if used_next {
                    i += 1;
                }
                let stop = m.id == HELP.id || m.id == VERSION.id;
                out.opts.push(m);
                if stop {
                    return Ok(out);
                }
            } else if arg.len() > 1 && arg[0] == b'-' {
                let (stop, used_next) = self.parse_short_cluster(&arg[1..], args.get(i), &mut out.opts)?;
                if used_next {
                    i += 1;
                }
                if stop {
                    return Ok(out);
                }
            } else if stop_at_operand {
                out.operands.extend(args[i - 1..].iter().cloned());
                break;
            } else {
                out.operands.push(args[i - 1].clone());
            }
        }
        Ok(out)
    }

    fn parse_long(&self, whole: &[u8], body: &[u8], next: Option<&OsString>) -> Result<(Matched, bool)> {
        let (name, value) = match body.iter().position(|&b| b == b'=') {
            Some(p) => (&body[..p], Some(&body[p + 1..])),
            None => (body, None),
        };
        let longs = || self.all_opts().filter(|o| o.long.is_some());
        let opt = match longs().find(|o| o.long.unwrap().as_bytes() == name) {
            Some(o) => o,
            None => {
                let cands: Vec<&Opt> = longs().filter(|o| o.long.unwrap().as_bytes().starts_with(name)).collect();
                match cands.as_slice() {
                    [] => return Err(usage_err(format!("unrecognized option '{}'", lossy(whole)))),
                    [o] => o,
                    many if many.iter().all(|o| o.id == many[0].id) => many[0],
                    many => {
                        let list: Vec<String> = many.iter().map(|o| format!("'--{}'", o.long.unwrap())).collect();
                        return Err(usage_err(format!(
                            "option '{}' is ambiguous; possibilities: {}",
                            lossy(whole),
                            list.join(" ")
                        )));
                    }
                }
            }
        };
        let long = opt.long.unwrap();
        let mut used_next = false;
        let value = match (opt.arg, value) {
            (HasArg::No, Some(_)) => {
                return Err(usage_err(format!("option '--{long}' doesn't allow an argument")));
            }
            (HasArg::No, None) | (HasArg::Optional, None) => None,
            (_, Some(v)) => Some(OsStr::from_bytes(v).to_os_string()),
            (HasArg::Required, None) => match next {
                Some(n) => {
                    used_next = true;
                    Some(n.clone())
                }
                None => return Err(usage_err(format!("option '--{long}' requires an argument"))),
            },
        };
        Ok((Matched { id: opt.id, value, short: false }, used_next))
    }

    /// Returns (stop parsing, consumed the next word).
    fn parse_short_cluster(
        &self,
        cluster: &[u8],
        next: Option<&OsString>,
        opts: &mut Vec<Matched>,
    ) -> Result<(bool, bool)> {
        let mut j = 0;
        while j < cluster.len() {
            let c = cluster[j];
            j += 1;
            let Some(opt) = self.all_opts().find(|o| o.short.map(|s| s as u32) == Some(c as u32)) else {
                return Err(usage_err(format!("invalid option -- '{}'", lossy(&[c]))));
            };
            let rest = &cluster[j..];
            let (value, used_next) = match opt.short_arg {
                HasArg::No => (None, false),
                HasArg::Optional if rest.is_empty() => (None, false),
                // upstream (2.39+) strips a leading '=' from attached optional
                // arguments: `-n=/path` is `-n/path`
                HasArg::Optional => (Some(rest.strip_prefix(b"=").unwrap_or(rest)), false),
                HasArg::Required if !rest.is_empty() => (Some(rest), false),
                HasArg::Required => match next {
                    Some(n) => (Some(n.as_bytes()), true),
                    None => {
                        return Err(usage_err(format!("option requires an argument -- '{}'", c as char)));
                    }
                },
            };
            let stop = opt.id == HELP.id || opt.id == VERSION.id;
            let takes_rest = value.is_some() || opt.short_arg != HasArg::No;
            opts.push(Matched { id: opt.id, value: value.map(|v| OsStr::from_bytes(v).to_os_string()), short: true });
            if stop {
                return Ok((true, used_next));
            }
            if takes_rest {
                return Ok((false, used_next));
            }
        }
        Ok((false, false))
    }

    /// The `--help` text, with `prog` (the invoked name) in the usage lines.
    pub fn help_text(&self, prog: &str) -> String {
        let mut s = String::from("\nUsage:\n");
        for u in self.usage {
            s.push_str(&format!(" {prog} {u}\n"));
        }
        s.push_str(&format!("\n{}\n\nOptions:\n", self.about));
        let shown: Vec<&Opt> = self.all_opts().filter(|o| !o.hidden).collect();
        let col = shown.iter().map(|o| o.help_left().len()).filter(|&w| w <= 30).max().unwrap_or(20) + 2;
        let mut section = None;
        for o in shown {
            if section.is_some() && section != Some(o.section) {
                s.push('\n');
                if let Some(title) = self.section_titles.get(o.section as usize).filter(|t| !t.is_empty()) {
                    s.push_str(&format!("{title}\n"));
                }
            }
            section = Some(o.section);
            let left = o.help_left();
            let mut lines = o.help.lines();
            let first = lines.next().unwrap_or("");
            if left.len() + 1 > col {
                s.push_str(&format!("{left}\n{:col$}{first}\n", ""));
            } else {
                s.push_str(&format!("{left:col$}{first}\n"));
            }
            for l in lines {
                s.push_str(&format!("{:col$}{l}\n", ""));
            }
        }
        if !self.after_help.is_empty() {
            s.push('\n');
            s.push_str(self.after_help);
            if !self.after_help.ends_with('\n') {
                s.push('\n');
            }
        }
        s.push_str(&format!("\nFor more details see {}.\n", self.man));
        s
    }

    /// The `--version` line.
    pub fn version_text(&self, prog: &str) -> String {
        format!("{prog} from nsutils {} (util-linux 2.43 compatible)\n", env!("CARGO_PKG_VERSION"))
    }

    /// The clap `Command` for this tool, for man pages, completions and
    /// tests. It mirrors the option table; runtime parsing uses [`Spec::parse`].
    pub fn to_clap(&self) -> clap::Command {
        use clap::{Arg, ArgAction};
        let mut cmd = clap::Command::new(self.name)
            .about(self.about)
            .version(env!("CARGO_PKG_VERSION"))
            .disable_help_flag(true)
            .disable_version_flag(true)
            .override_usage(self.usage.iter().map(|u| format!("{} {u}", self.name)).collect::<Vec<_>>().join("\n"));
        for o in self.all_opts() {
            let mut a = Arg::new(o.id).help(o.help.replace('\n', " ")).hide(o.hidden);
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
}

/// Bytes of the command line for a message, kept as they are.
fn lossy(b: &[u8]) -> String {
    crate::bytes::text(b)
}

fn usage_err(msg: String) -> Error {
    Error::usage(msg)
}

/// An operand as bytes-preserving `OsString` from a `&str` (test helper).
pub fn os_args(args: &[&str]) -> Vec<OsString> {
    args.iter().map(|a| OsString::from_vec(a.as_bytes().to_vec())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPTS: &[Opt] = &[
        Opt::flag("fork", Some('f'), "fork"),
        Opt::optional("net", Some('n'), "<file>", "net").short_takes(HasArg::No),
        Opt::optional("mount", Some('m'), "<file>", "mount"),
        Opt::optional("mount-proc", None, "<dir>", "proc"),
        Opt::required("setuid", Some('S'), "<uid>", "uid"),
        Opt::flag("map-user", None, "mu"),
        Opt::flag("map-users", None, "mus"),
    ];
    const SPEC: Spec = Spec {
        name: "t",
        usage: &["[options]"],
        about: "test",
        opts: OPTS,
        section_titles: &[],
        after_help: "",
        man: "t(1)",
        mode: Mode::StopAtFirstOperand,
    };

    fn ids(p: &Parsed) -> Vec<(&str, Option<String>)> {
        p.opts.iter().map(|m| (m.id, m.value.as_ref().map(|v| v.to_string_lossy().into_owned()))).collect()
    }

    fn err(args: &[&str]) -> String {
        SPEC.parse(&os_args(args)).unwrap_err().message().to_string()
    }

    #[test]
    fn clusters_and_values() {
        let p = SPEC.parse(&os_args(&["-fn", "-S0", "-S", "5", "--setuid=7", "--setuid", "8", "prog", "-f"])).unwrap();
        assert_eq!(
            ids(&p),
            vec![
                ("fork", None),
                ("net", None),
                ("setuid", Some("0".into())),
                ("setuid", Some("5".into())),
                ("setuid", Some("7".into())),
                ("setuid", Some("8".into()))
            ]
        );
        assert_eq!(p.operands, os_args(&["prog", "-f"]));
    }

    #[test]
    fn optional_values_need_equals_or_attachment() {
        let p = SPEC.parse(&os_args(&["--net", "/tmp", "x"])).unwrap();
        assert_eq!(ids(&p), vec![("net", None)]);
        assert_eq!(p.operands, os_args(&["/tmp", "x"]));
        let p = SPEC.parse(&os_args(&["--net=/a", "-m/b", "-m=/c", "-m"])).unwrap();
        assert_eq!(
            ids(&p),
            vec![
                ("net", Some("/a".into())),
                ("mount", Some("/b".into())),
                ("mount", Some("/c".into())),
                ("mount", None)
            ]
        );
    }

    #[test]
    fn short_without_argument_rejects_attached_text() {
        assert_eq!(err(&["-n/x"]), "invalid option -- '/'");
    }

    #[test]
    fn glibc_messages() {
        assert_eq!(err(&["--bogus=1"]), "unrecognized option '--bogus=1'");
        assert_eq!(err(&["-x"]), "invalid option -- 'x'");
        assert_eq!(err(&["-S"]), "option requires an argument -- 'S'");
        assert_eq!(err(&["--setu"]), "option '--setuid' requires an argument");
        assert_eq!(err(&["--for=1"]), "option '--fork' doesn't allow an argument");
        assert_eq!(err(&["--map=1"]), "option '--map=1' is ambiguous; possibilities: '--map-user' '--map-users'");
        assert!(SPEC.parse(&os_args(&["-x"])).unwrap_err().is_usage());
    }

    #[test]
    fn abbreviations_and_exact_matches() {
        let p = SPEC.parse(&os_args(&["--mount-p=/p", "--mount", "--map-user"])).unwrap();
        assert_eq!(ids(&p), vec![("mount-proc", Some("/p".into())), ("mount", None), ("map-user", None)]);
    }

    #[test]
    fn double_dash_and_dash() {
        let p = SPEC.parse(&os_args(&["-f", "--", "-n"])).unwrap();
        assert_eq!(p.operands, os_args(&["-n"]));
        let p = SPEC.parse(&os_args(&["-", "-f"])).unwrap();
        assert_eq!(p.operands, os_args(&["-", "-f"]));
    }

    #[test]
    fn permutation_mode_collects_operands() {
        let spec = Spec { mode: Mode::Permute, ..SPEC };
        let p = spec.parse(&os_args(&["a", "-f", "b", "--", "-n"])).unwrap();
        assert_eq!(ids(&p), vec![("fork", None)]);
        assert_eq!(p.operands, os_args(&["a", "b", "-n"]));
    }

    #[test]
    fn help_stops_parsing() {
        let p = SPEC.parse(&os_args(&["-f", "-h", "-x"])).unwrap();
        assert_eq!(ids(&p), vec![("fork", None), ("help", None)]);
        assert_eq!(err(&["-x", "-h"]), "invalid option -- 'x'");
        let p = SPEC.parse(&os_args(&["-fV"])).unwrap();
        assert_eq!(ids(&p), vec![("fork", None), ("version", None)]);
    }

    #[test]
    fn help_text_layout() {
        let h = SPEC.help_text("prog");
        assert!(h.starts_with("\nUsage:\n prog [options]\n\ntest\n\nOptions:\n"));
        assert!(h.contains(" -n, --net[=<file>]"));
        assert!(h.contains("     --mount-proc[=<dir>]"));
        assert!(h.contains(" -S, --setuid <uid>"));
        assert!(h.contains("\n\n -h, --help"));
        assert!(h.ends_with("\nFor more details see t(1).\n"));
    }

    #[test]
    fn clap_command_mirrors_table() {
        let cmd = SPEC.to_clap();
        cmd.clone().debug_assert();
        assert!(cmd.get_arguments().any(|a| a.get_long() == Some("mount-proc")));
        assert!(cmd.get_arguments().any(|a| a.get_short() == Some('V')));
    }
}
