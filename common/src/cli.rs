//! Command lines with the exact semantics of glibc's `getopt_long(3)`,
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
//!   `option requires an argument -- 'M'`, …), prefixed with `argv[0]` as
//!   given, followed by `Try '<prog> --help' for more information.` and exit
//!   status 1 ([`Error::getopt`]).
//!
//! The contract between this module and a tool is typed, in the shape of
//! util-linux's own option loops:
//!
//! * a tool's options are an `enum Id` and a [`Spec<Id>`] holding one
//!   [`Opt`] row per spelling (names, argument kind, help text);
//! * `-h`/`-V` are not ids: they end the loop as [`Outcome::Help`] and
//!   [`Outcome::Version`], as `usage()` and `print_version()` exit there;
//! * [`Spec::build`] hands each option to the tool's [`Build::take`] the
//!   moment `getopt_long` would return it, so a bad value is reported
//!   before a later unknown option (`--propagation=foo --bogus` says
//!   `unsupported propagation mode: foo`), then calls [`Build::finish`]
//!   with the operands for the checks util-linux makes after its loop.
//!
//! The same table renders `--help` ([`Spec::help_text`]); the generator
//! crate (`tests/`, `nsutils-gen`) mirrors it into shell completions.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::bytes;
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

/// A kind of System V or POSIX IPC object, for [`Values`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpcKind {
    /// Shared memory (`/proc/sysvipc/shm`; POSIX: `/dev/shm/NAME`).
    Shm,
    /// Message queues (`/proc/sysvipc/msg`; POSIX: `/dev/mqueue/NAME`).
    Msg,
    /// Semaphores (`/proc/sysvipc/sem`; POSIX: `/dev/shm/sem.NAME`).
    Sem,
}

/// What an option's value, or a tool's operands, can be: what the shell
/// completions offer for it. Static data only: the binaries carry it in
/// their option tables and never read it; the generator crate (`tests/`,
/// `nsutils-gen`) turns it into bash, zsh and fish code. The fixed word
/// lists are the constants the parsers look their values up in (e.g.
/// `unshare_rs::Propagation::WORDS`, made with [`words`]), and the
/// namespace types and signal names come from [`crate::ns::NsType::ALL`]
/// and [`crate::signals::NAMES`], so a value the parser learns is offered too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Values {
    /// No value or operand at all (a flag; a tool without operands).
    Nothing,
    /// Free text (a size, a number, an expression): nothing to offer but
    /// the value's name.
    Text,
    /// One of these words.
    Words(&'static [&'static str]),
    /// A comma-separated list of these words, case-insensitive, after an
    /// optional leading `+` (lsns' `-o +NS,TYPE`).
    List(&'static [&'static str]),
    /// These words, or a value of the other kind (nsenter's `-S follow|<uid>`).
    Also(&'static [&'static str], &'static Values),
    /// A namespace type name (`net`, `mnt`, …).
    NsTypes,
    /// A signal name (`TERM`, `SIGTERM`).
    Signals,
    /// A process ID of a live process.
    Pids,
    /// A namespace inode number of a live process's namespace.
    Namespaces,
    /// The ID of a live System V object of this kind in our IPC namespace,
    /// or of any kind (`ipcs -i`, whose kind is another option).
    IpcIds(Option<IpcKind>),
    /// The key of a live System V object of this kind (not IPC_PRIVATE).
    IpcKeys(IpcKind),
    /// The name of a live POSIX IPC object of this kind (`/NAME`).
    PosixNames(IpcKind),
    /// Any file.
    Files,
    /// A directory.
    Dirs,
    /// A namespace file of this type: its bind mounts (nsfs mount points
    /// such as `/run/netns/NAME`), then any file (`/proc/PID/ns/net`).
    NsFiles(crate::ns::NsType),
    /// A numeric user ID.
    Uids,
    /// A user name (or ID).
    Users,
    /// A numeric group ID.
    Gids,
    /// A group name (or ID).
    Groups,
    /// A program and its arguments (the operands of unshare and nsenter):
    /// command names, then the program's own completion.
    Command,
}

/// The words of a `(word, value)` table, for [`Values::Words`]: the parser
/// that looks its values up in the table ([`lookup`]) and the completions
/// that offer them share one list.
pub const fn words<T: Copy, const N: usize>(table: &[(&'static str, T); N]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = table[i].0;
        i += 1;
    }
    out
}

/// The value of `word` in a `(word, value)` table (exact, case-sensitive).
pub fn lookup<T: Copy>(table: &[(&str, T)], word: &[u8]) -> Option<T> {
    table.iter().find(|(w, _)| w.as_bytes() == word).map(|&(_, v)| v)
}

/// One command-line option: the id the tool matches on, its spellings,
/// argument kinds and help text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Opt<K> {
    /// What the tool's [`Build::take`] receives for this option.
    pub id: K,
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
    /// What the value can be, for the shell completions ([`Values::Text`]
    /// unless the row says otherwise with [`Opt::values`]).
    pub values: Values,
}

impl<K: Copy> Opt<K> {
    /// A flag `--long` with an optional short letter.
    pub const fn flag(id: K, short: Option<char>, long: &'static str, help: &'static str) -> Opt<K> {
        Opt {
            id,
            short,
            long: Some(long),
            arg: HasArg::No,
            short_arg: HasArg::No,
            value_name: "",
            help,
            section: 0,
            hidden: false,
            values: Values::Text,
        }
    }

    /// An option whose value is required in both forms.
    pub const fn required(
        id: K,
        short: Option<char>,
        long: &'static str,
        value_name: &'static str,
        help: &'static str,
    ) -> Opt<K> {
        Opt { arg: HasArg::Required, short_arg: HasArg::Required, value_name, ..Opt::flag(id, short, long, help) }
    }

    /// An option whose value is optional in both forms.
    pub const fn optional(
        id: K,
        short: Option<char>,
        long: &'static str,
        value_name: &'static str,
        help: &'static str,
    ) -> Opt<K> {
        Opt { arg: HasArg::Optional, short_arg: HasArg::Optional, value_name, ..Opt::flag(id, short, long, help) }
    }

    /// The same option with another argument kind for its short form.
    pub const fn short_takes(self, arg: HasArg) -> Opt<K> {
        Opt { short_arg: arg, ..self }
    }

    /// The same option in help section `section`.
    pub const fn in_section(self, section: u8) -> Opt<K> {
        Opt { section, ..self }
    }

    /// The same option, hidden from `--help`.
    pub const fn hide(self) -> Opt<K> {
        Opt { hidden: true, ..self }
    }

    /// The same option with values of kind `values` (for the completions).
    pub const fn values(self, values: Values) -> Opt<K> {
        Opt { values, ..self }
    }

    /// The row without its id: what help, man-page checks and completions
    /// read, the same shape for every tool.
    pub const fn erase(&self) -> Opt<()> {
        Opt {
            id: (),
            short: self.short,
            long: self.long,
            arg: self.arg,
            short_arg: self.short_arg,
            value_name: self.value_name,
            help: self.help,
            section: self.section,
            hidden: self.hidden,
            values: self.values,
        }
    }
}

impl<K> Opt<K> {
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

/// `-h, --help`, accepted by every tool (it ends the loop: [`Outcome::Help`]).
pub const HELP: Opt<()> = Opt::flag((), Some('h'), "help", "display this help").in_section(u8::MAX);
/// `-V, --version`, accepted by every tool (it ends the loop: [`Outcome::Version`]).
pub const VERSION: Opt<()> = Opt::flag((), Some('V'), "version", "display version").in_section(u8::MAX);

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
pub struct Spec<K: 'static> {
    /// The canonical binary name, e.g. `unshare-rs`.
    pub name: &'static str,
    /// The usage lines after the program name, e.g. `[options] [<program> [<argument>...]]`.
    pub usage: &'static [&'static str],
    /// One line saying what the tool does.
    pub about: &'static str,
    /// The options, `-h`/`-V` excluded (every tool has them: [`HELP`], [`VERSION`]).
    pub opts: &'static [Opt<K>],
    /// Titles for help sections, indexed by [`Opt::section`]; empty = none.
    pub section_titles: &'static [&'static str],
    /// Extra help text printed after the options (e.g. lsns' column list).
    pub after_help: &'static str,
    /// The man page reference, e.g. `unshare-rs(1)`.
    pub man: &'static str,
    /// Parsing mode.
    pub mode: Mode,
    /// What the operands are, for the completions ([`Values::Nothing`]:
    /// the tool takes none).
    pub operands: Values,
    /// Long names in the order of util-linux's own option table, where it
    /// is not the `--help` order of [`Spec::opts`]: getopt lists the
    /// candidates of an ambiguous abbreviation in table order
    /// (`unshare --map` names `--map-user` and `--map-users` together).
    /// Names left out follow, in `--help` order.
    pub getopt_order: &'static [&'static str],
}

/// What `getopt_long` returned: one of the tool's options, or `-h`/`-V`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit<K> {
    /// The tool's option with this id.
    Opt(K),
    /// `-h`/`--help`.
    Help,
    /// `-V`/`--version`.
    Version,
}

/// How a command line ends: a plan to carry out, or `-h`/`-V`.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome<P> {
    /// The options made this plan.
    Run(P),
    /// `--help` came before any error: print the help, exit 0.
    Help,
    /// `--version` came before any error: print the version, exit 0.
    Version,
}

/// The option stage of a tool: the body of util-linux's getopt loop
/// ([`take`](Build::take)) and the checks after it ([`finish`](Build::finish)).
pub trait Build<K> {
    /// What the command line becomes, every implication resolved.
    type Plan;

    /// One option, called the moment `getopt_long` returns it: check its
    /// value now, so the first bad value on the command line is the one
    /// reported, as util-linux does.
    fn take(&mut self, id: K, value: Option<&OsStr>) -> Result<()>;

    /// The checks util-linux makes after its loop, in its order, with the
    /// operands (non-options) in order.
    fn finish(self, operands: Vec<OsString>) -> Result<Self::Plan>;
}

impl<K: Copy + PartialEq + 'static> Spec<K> {
    /// Every option the parser accepts, `-h`/`-V` included, without ids.
    pub fn all_opts(&self) -> impl Iterator<Item = Opt<()>> + '_ {
        self.rows().map(|(_, o)| o)
    }

    /// Every option with what `getopt_long` returns for it.
    pub fn rows(&self) -> impl Iterator<Item = (Hit<K>, Opt<()>)> + '_ {
        self.opts.iter().map(|o| (Hit::Opt(o.id), o.erase())).chain([(Hit::Help, HELP), (Hit::Version, VERSION)])
    }

    /// The options of `args` (without argv\[0\]) one at a time, as
    /// successive `getopt_long` calls return them.
    pub fn getopt<'a>(&'a self, args: &'a [OsString]) -> Getopt<'a, K> {
        let posixly = std::env::var_os("POSIXLY_CORRECT").is_some();
        Getopt {
            spec: self,
            args,
            next: 0,
            cluster: None,
            operands: Vec::new(),
            stop_at_operand: self.mode == Mode::StopAtFirstOperand || posixly,
            done: false,
        }
    }

    /// Run the option loop over `args` (without argv\[0\]): each option goes
    /// to `builder` as it is met; `-h`/`-V` end the loop; then the builder
    /// finishes with the operands. The first error, of getopt or of a
    /// value, ends everything.
    pub fn build<B: Build<K>>(&self, args: &[OsString], mut builder: B) -> Result<Outcome<B::Plan>> {
        let mut opts = self.getopt(args);
        for hit in &mut opts {
            match hit? {
                (Hit::Opt(id), value) => builder.take(id, value)?,
                (Hit::Help, _) => return Ok(Outcome::Help),
                (Hit::Version, _) => return Ok(Outcome::Version),
            }
        }
        builder.finish(opts.into_operands()).map(Outcome::Run)
    }

    /// The `--help` text, with `prog` (the invoked name) in the usage lines.
    pub fn help_text(&self, prog: &str) -> String {
        let mut s = String::from("\nUsage:\n");
        for u in self.usage {
            s.push_str(&format!(" {prog} {u}\n"));
        }
        s.push_str(&format!("\n{}\n\nOptions:\n", self.about));
        let shown: Vec<Opt<()>> = self.all_opts().filter(|o| !o.hidden).collect();
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
}

/// The option loop over one command line ([`Spec::getopt`]): an iterator of
/// what `getopt_long` returns, each option with its value. After an error,
/// or `-h`/`-V`, it ends; when it ends by itself, [`Getopt::into_operands`]
/// gives the operands.
#[derive(Debug)]
pub struct Getopt<'a, K: 'static> {
    spec: &'a Spec<K>,
    args: &'a [OsString],
    /// The next word to look at.
    next: usize,
    /// The rest of a cluster of short options (`-fn`: `n` after `f`).
    cluster: Option<&'a [u8]>,
    operands: Vec<OsString>,
    stop_at_operand: bool,
    done: bool,
}

impl<'a, K: Copy + PartialEq + 'static> Iterator for Getopt<'a, K> {
    type Item = Result<(Hit<K>, Option<&'a OsStr>)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = match self.cluster.take() {
            Some(rest) => self.short(rest),
            None => self.word()?,
        };
        // the loop ends at an error, as util-linux's loops exit there, and
        // at -h/-V, whose handlers exit too
        if !matches!(item, Ok((Hit::Opt(_), _))) {
            self.done = true;
        }
        Some(item)
    }
}

impl<'a, K: Copy + PartialEq + 'static> Getopt<'a, K> {
    /// The operands (non-options), in order: those met so far and, after
    /// `--` or at the first operand in stop-at-operand mode, all the rest.
    pub fn into_operands(self) -> Vec<OsString> {
        self.operands
    }

    /// The next option starting at a new word, collecting operands on the
    /// way; `None` at the end of the options.
    fn word(&mut self) -> Option<Result<(Hit<K>, Option<&'a OsStr>)>> {
        let args = self.args;
        while let Some(arg) = args.get(self.next) {
            self.next += 1;
            let bytes = arg.as_bytes();
            if bytes == b"--" {
                self.operands.extend(args[self.next..].iter().cloned());
                break;
            }
            if let Some(body) = bytes.strip_prefix(b"--") {
                return Some(self.long(bytes, body));
            }
            if bytes.len() > 1 && bytes[0] == b'-' {
                return Some(self.short(&bytes[1..]));
            }
            if self.stop_at_operand {
                self.operands.extend(args[self.next - 1..].iter().cloned());
                break;
            }
            self.operands.push(arg.clone());
        }
        self.next = args.len();
        self.done = true;
        None
    }

    fn long(&mut self, whole: &'a [u8], body: &'a [u8]) -> Result<(Hit<K>, Option<&'a OsStr>)> {
        let (name, value) = match body.iter().position(|&b| b == b'=') {
            Some(p) => (&body[..p], Some(&body[p + 1..])),
            None => (body, None),
        };
        let longs = || self.spec.rows().filter_map(|(hit, o)| o.long.map(|l| (hit, l, o.arg)));
        let (hit, long, arg) = match longs().find(|(_, l, _)| l.as_bytes() == name) {
            Some(found) => found,
            None => {
                let cands: Vec<(Hit<K>, &str, HasArg)> =
                    longs().filter(|(_, l, _)| l.as_bytes().starts_with(name)).collect();
                match cands.as_slice() {
                    [] => return Err(Error::getopt(format!("unrecognized option '{}'", bytes::Raw(whole)))),
                    // several spellings of one option are no ambiguity
                    [first, rest @ ..] if rest.iter().all(|c| c.0 == first.0) => *first,
                    many => {
                        // util-linux's table order first, then the rest in
                        // ours (no sort: a stable sort costs every binary
                        // some 8 KiB)
                        let order = self.spec.getopt_order;
                        let listed = order.iter().filter_map(|o| many.iter().find(|(_, l, _)| l == o));
                        let rest = many.iter().filter(|(_, l, _)| !order.contains(l));
                        let list: Vec<String> = listed.chain(rest).map(|(_, l, _)| format!("'--{l}'")).collect();
                        return Err(Error::getopt(format!(
                            "option '{}' is ambiguous; possibilities: {}",
                            bytes::Raw(whole),
                            list.join(" ")
                        )));
                    }
                }
            }
        };
        let value = match (arg, value) {
            (HasArg::No, Some(_)) => return Err(Error::getopt(format!("option '--{long}' doesn't allow an argument"))),
            (HasArg::No, None) | (HasArg::Optional, None) => None,
            (_, Some(v)) => Some(OsStr::from_bytes(v)),
            (HasArg::Required, None) => match self.args.get(self.next) {
                Some(n) => {
                    self.next += 1;
                    Some(n.as_os_str())
                }
                None => return Err(Error::getopt(format!("option '--{long}' requires an argument"))),
            },
        };
        Ok((hit, value))
    }

    /// The first option of `cluster` (a word after its `-`, or what is left
    /// of it); the rest waits in `self.cluster` when it holds more options.
    fn short(&mut self, cluster: &'a [u8]) -> Result<(Hit<K>, Option<&'a OsStr>)> {
        let c = cluster[0];
        let rest = &cluster[1..];
        let Some((hit, opt)) = self.spec.rows().find(|(_, o)| o.short.map(|s| s as u32) == Some(u32::from(c))) else {
            return Err(Error::getopt(format!("invalid option -- '{}'", bytes::Raw(&[c]))));
        };
        let value = match opt.short_arg {
            HasArg::No => {
                if !rest.is_empty() {
                    self.cluster = Some(rest);
                }
                None
            }
            HasArg::Optional if rest.is_empty() => None,
            // as given: util-linux's option handlers drop a leading '=' of
            // some values themselves (nsenter's -n=FILE, --wd==DIR)
            HasArg::Optional => Some(OsStr::from_bytes(rest)),
            HasArg::Required if !rest.is_empty() => Some(OsStr::from_bytes(rest)),
            HasArg::Required => match self.args.get(self.next) {
                Some(n) => {
                    self.next += 1;
                    Some(n.as_os_str())
                }
                None => return Err(Error::getopt(format!("option requires an argument -- '{}'", c as char))),
            },
        };
        Ok((hit, value))
    }
}

/// A value as a message string (non-UTF-8 bytes kept, see [`crate::bytes`]),
/// "" when absent.
pub fn text(value: Option<&OsStr>) -> String {
    value.map(|v| bytes::text(v.as_bytes())).unwrap_or_default()
}

/// Command-line words from `&str`s (for tests).
pub fn os_args(args: &[&str]) -> Vec<OsString> {
    args.iter().map(|a| OsString::from_vec(a.as_bytes().to_vec())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Id {
        Fork,
        Net,
        Mount,
        MountProc,
        Setuid,
        MapUser,
        MapUsers,
    }

    const OPTS: &[Opt<Id>] = &[
        Opt::flag(Id::Fork, Some('f'), "fork", "fork"),
        Opt::optional(Id::Net, Some('n'), "net", "<file>", "net").short_takes(HasArg::No),
        Opt::optional(Id::Mount, Some('m'), "mount", "<file>", "mount"),
        Opt::optional(Id::MountProc, None, "mount-proc", "<dir>", "proc"),
        Opt::required(Id::Setuid, Some('S'), "setuid", "<uid>", "uid"),
        Opt::flag(Id::MapUser, None, "map-user", "mu"),
        Opt::flag(Id::MapUsers, None, "map-users", "mus"),
        // a second spelling of one option is no ambiguity
        Opt::flag(Id::MapUsers, None, "map-userz", "mus").hide(),
    ];
    const SPEC: Spec<Id> = Spec {
        name: "t",
        usage: &["[options]"],
        about: "test",
        opts: OPTS,
        section_titles: &[],
        after_help: "",
        man: "t(1)",
        mode: Mode::StopAtFirstOperand,
        operands: Values::Command,
        getopt_order: &[],
    };

    type Hits = Vec<(Hit<Id>, Option<String>)>;

    /// Everything the loop returns, and the operands if it ran to the end.
    fn loop_of(spec: &Spec<Id>, args: &[&str]) -> Result<(Hits, Vec<OsString>)> {
        let args = os_args(args);
        let mut g = spec.getopt(&args);
        let mut hits = Vec::new();
        for h in &mut g {
            let (hit, value) = h?;
            hits.push((hit, value.map(|v| v.to_string_lossy().into_owned())));
        }
        Ok((hits, g.into_operands()))
    }

    fn hits(args: &[&str]) -> Hits {
        loop_of(&SPEC, args).unwrap().0
    }

    fn opt(id: Id, value: Option<&str>) -> (Hit<Id>, Option<String>) {
        (Hit::Opt(id), value.map(String::from))
    }

    fn err(args: &[&str]) -> String {
        loop_of(&SPEC, args).unwrap_err().message().to_string()
    }

    #[test]
    fn clusters_and_values() {
        let (h, operands) =
            loop_of(&SPEC, &["-fn", "-S0", "-S", "5", "--setuid=7", "--setuid", "8", "prog", "-f"]).unwrap();
        assert_eq!(
            h,
            vec![
                opt(Id::Fork, None),
                opt(Id::Net, None),
                opt(Id::Setuid, Some("0")),
                opt(Id::Setuid, Some("5")),
                opt(Id::Setuid, Some("7")),
                opt(Id::Setuid, Some("8"))
            ]
        );
        assert_eq!(operands, os_args(&["prog", "-f"]));
        assert_eq!(hits(&["-fS", "1"]), vec![opt(Id::Fork, None), opt(Id::Setuid, Some("1"))]);
    }

    #[test]
    fn optional_values_need_equals_or_attachment() {
        let (h, operands) = loop_of(&SPEC, &["--net", "/tmp", "x"]).unwrap();
        assert_eq!(h, vec![opt(Id::Net, None)]);
        assert_eq!(operands, os_args(&["/tmp", "x"]));
        // an attached value as given, '=' and all (the tools drop it where
        // util-linux's handlers do)
        assert_eq!(
            hits(&["--net=/a", "-m/b", "-m=/c", "-m"]),
            vec![
                opt(Id::Net, Some("/a")),
                opt(Id::Mount, Some("/b")),
                opt(Id::Mount, Some("=/c")),
                opt(Id::Mount, None)
            ]
        );
    }

    #[test]
    fn ambiguous_candidates_in_getopt_table_order() {
        const ORDERED: Spec<Id> = Spec { getopt_order: &["map-userz", "map-user"], ..SPEC };
        let e = loop_of(&ORDERED, &["--map"]).unwrap_err();
        assert_eq!(e.message(), "option '--map' is ambiguous; possibilities: '--map-userz' '--map-user' '--map-users'");
    }

    #[test]
    fn short_without_argument_rejects_attached_text() {
        assert_eq!(err(&["-n/x"]), "invalid option -- '/'");
    }

    #[test]
    fn glibc_messages_are_getopt_errors() {
        assert_eq!(err(&["--bogus=1"]), "unrecognized option '--bogus=1'");
        assert_eq!(err(&["-x"]), "invalid option -- 'x'");
        assert_eq!(err(&["-S"]), "option requires an argument -- 'S'");
        assert_eq!(err(&["--setu"]), "option '--setuid' requires an argument");
        assert_eq!(err(&["--for=1"]), "option '--fork' doesn't allow an argument");
        assert_eq!(
            err(&["--map=1"]),
            "option '--map=1' is ambiguous; possibilities: '--map-user' '--map-users' '--map-userz'"
        );
        let e = loop_of(&SPEC, &["-x"]).unwrap_err();
        assert!(e.is_usage() && e.is_getopt());
    }

    #[test]
    fn abbreviations_and_exact_matches() {
        assert_eq!(
            hits(&["--mount-p=/p", "--mount", "--map-user"]),
            vec![opt(Id::MountProc, Some("/p")), opt(Id::Mount, None), opt(Id::MapUser, None)]
        );
        // the spellings of one option are one candidate
        assert_eq!(hits(&["--map-users"]), vec![opt(Id::MapUsers, None)]);
        assert_eq!(hits(&["--map-userz"]), vec![opt(Id::MapUsers, None)]);
    }

    #[test]
    fn double_dash_and_dash() {
        assert_eq!(loop_of(&SPEC, &["-f", "--", "-n"]).unwrap().1, os_args(&["-n"]));
        assert_eq!(loop_of(&SPEC, &["-", "-f"]).unwrap().1, os_args(&["-", "-f"]));
    }

    #[test]
    fn permutation_mode_collects_operands() {
        let spec = Spec { mode: Mode::Permute, ..SPEC };
        let (h, operands) = loop_of(&spec, &["a", "-f", "b", "--", "-n"]).unwrap();
        assert_eq!(h, vec![opt(Id::Fork, None)]);
        assert_eq!(operands, os_args(&["a", "b", "-n"]));
    }

    #[test]
    fn help_and_version_end_the_loop() {
        assert_eq!(hits(&["-f", "-h", "-x"]), vec![opt(Id::Fork, None), (Hit::Help, None)]);
        assert_eq!(err(&["-x", "-h"]), "invalid option -- 'x'");
        assert_eq!(hits(&["-fV", "--bogus"]), vec![opt(Id::Fork, None), (Hit::Version, None)]);
        assert_eq!(hits(&["--vers"]), vec![(Hit::Version, None)]);
    }

    /// Records what it is given; refuses `-S bad`.
    #[derive(Default)]
    struct Recorder(Vec<(Id, Option<OsString>)>);

    impl Build<Id> for Recorder {
        type Plan = (Vec<(Id, Option<OsString>)>, Vec<OsString>);
        fn take(&mut self, id: Id, value: Option<&OsStr>) -> Result<()> {
            if id == Id::Setuid && value == Some(OsStr::new("bad")) {
                return Err(Error::msg("failed to parse uid: 'bad'"));
            }
            self.0.push((id, value.map(OsStr::to_os_string)));
            Ok(())
        }
        fn finish(self, operands: Vec<OsString>) -> Result<Self::Plan> {
            if operands.first().map(|o| o == "late") == Some(true) {
                return Err(Error::msg("late"));
            }
            Ok((self.0, operands))
        }
    }

    fn build(args: &[&str]) -> Result<Outcome<<Recorder as Build<Id>>::Plan>> {
        SPEC.build(&os_args(args), Recorder::default())
    }

    #[test]
    fn build_takes_each_option_when_met() {
        let Outcome::Run((taken, operands)) = build(&["-f", "--net=/n", "prog", "-x"]).unwrap() else { panic!() };
        assert_eq!(taken, vec![(Id::Fork, None), (Id::Net, Some("/n".into()))]);
        assert_eq!(operands, os_args(&["prog", "-x"]));
        // a bad value is reported before a later getopt error…
        let e = build(&["-S", "bad", "--bogus"]).unwrap_err();
        assert_eq!(e.message(), "failed to parse uid: 'bad'");
        assert!(!e.is_getopt() && !e.is_usage());
        // …and after an earlier one
        assert!(build(&["--bogus", "-S", "bad"]).unwrap_err().is_getopt());
        // -h/-V win over what follows them, not over what came before
        assert_eq!(build(&["-f", "-h", "-S", "bad"]).unwrap(), Outcome::Help);
        assert_eq!(build(&["--version", "--bogus"]).unwrap(), Outcome::Version);
        assert_eq!(build(&["-S", "bad", "-h"]).unwrap_err().message(), "failed to parse uid: 'bad'");
        // finish runs only after the loop went through
        assert_eq!(build(&["late"]).unwrap_err().message(), "late");
        assert!(build(&["--bogus", "late"]).unwrap_err().is_getopt());
    }

    #[test]
    fn help_text_layout() {
        let h = SPEC.help_text("prog");
        assert!(h.starts_with("\nUsage:\n prog [options]\n\ntest\n\nOptions:\n"));
        assert!(h.contains(" -n, --net[=<file>]"));
        assert!(h.contains("     --mount-proc[=<dir>]"));
        assert!(h.contains(" -S, --setuid <uid>"));
        assert!(!h.contains("map-userz"), "hidden");
        assert!(h.contains("\n\n -h, --help"));
        assert!(h.ends_with("\nFor more details see t(1).\n"));
    }

    #[test]
    fn word_tables_give_words_and_values() {
        const TABLE: [(&str, u8); 3] = [("one", 1), ("two", 2), ("three", 3)];
        const WORDS: [&str; 3] = words(&TABLE);
        assert_eq!(WORDS, ["one", "two", "three"]);
        assert_eq!(lookup(&TABLE, b"two"), Some(2));
        assert_eq!(lookup(&TABLE, b"Two"), None);
        assert_eq!(lookup(&TABLE, b"tw"), None);
        // rows without a kind complete free text; flags carry none
        assert_eq!(OPTS[4].values, Values::Text);
        assert_eq!(OPTS[4].values(Values::Uids).erase().values, Values::Uids);
    }

    #[test]
    fn rows_end_with_help_and_version() {
        let rows: Vec<_> = SPEC.rows().collect();
        assert_eq!(rows.len(), OPTS.len() + 2);
        assert_eq!(rows[0], (Hit::Opt(Id::Fork), OPTS[0].erase()));
        assert_eq!(rows[rows.len() - 2], (Hit::Help, HELP));
        assert_eq!(rows[rows.len() - 1], (Hit::Version, VERSION));
    }
}
