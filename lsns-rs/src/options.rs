//! The command line: lsns' option table, and the validated [`Plan`] it
//! turns into, with every implication resolved (`-r` implies `-W`, `-t net`
//! adds NETNSID and NSFS to the defaults, `--output-all` and `-l` flatten
//! the default process tree, an explicit `-T` wins over both, …).
//!
//! [`Builder`] is the body of util-linux's getopt loop: values, exclusive
//! pairs and filter syntax are checked as the loop meets them; the column
//! list, the filter's column names and the namespace operand after it.

use std::ffi::{OsStr, OsString};

use nsutils_common::cli::{self, Build, Mode, Opt, Spec, Values};
use nsutils_common::ns::{NsSet, NsType};
use nsutils_common::parse::{parse_i32, parse_u64, NumError};
use nsutils_common::table::Format;
use nsutils_common::{Error, Result};

use crate::columns::{self, add_list, Col};
use crate::filter::{Filter, FilterError};

/// The options of `lsns-rs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Id {
    /// `-J`, `--json`.
    Json,
    /// `-l`, `--list`.
    List,
    /// `-n`, `--noheadings`.
    Noheadings,
    /// `-o`, `--output`.
    Output,
    /// `--output-all`.
    OutputAll,
    /// `-P`, `--persistent`.
    Persistent,
    /// `-p`, `--task`.
    Task,
    /// `-Q`, `--filter`.
    Filter,
    /// `-r`, `--raw`.
    Raw,
    /// `-u`, `--notruncate`.
    Notruncate,
    /// `-W`, `--nowrap`.
    Nowrap,
    /// `-t`, `--type`.
    Type,
    /// `-T`, `--tree[=REL]`.
    Tree,
    /// `-H`, `--list-columns`.
    ListColumns,
}

const OPTS: &[Opt<Id>] = &[
    Opt::flag(Id::Json, Some('J'), "json", "print the table as JSON"),
    Opt::flag(Id::List, Some('l'), "list", "flat list instead of the process tree"),
    Opt::flag(Id::Noheadings, Some('n'), "noheadings", "leave out the header line"),
    Opt::required(Id::Output, Some('o'), "output", "<list>", "columns to print (a leading '+' adds to the defaults)")
        .values(Values::List(&columns::NAMES)),
    Opt::flag(Id::OutputAll, None, "output-all", "print every column"),
    Opt::flag(Id::Persistent, Some('P'), "persistent", "only namespaces no process is in"),
    Opt::required(Id::Task, Some('p'), "task", "<pid>", "only the namespaces of this process").values(Values::Pids),
    Opt::required(Id::Filter, Some('Q'), "filter", "<expr>", "only rows for which the expression is true"),
    Opt::flag(Id::Raw, Some('r'), "raw", "raw format: one space between cells, blanks escaped"),
    Opt::flag(Id::Notruncate, Some('u'), "notruncate", "never shorten the COMMAND column"),
    Opt::flag(Id::Nowrap, Some('W'), "nowrap", "NSFS on one line, paths joined with commas"),
    Opt::required(
        Id::Type,
        Some('t'),
        "type",
        "<name>",
        "only this namespace type (mnt, net, ipc, user, pid, uts,\ncgroup, time); may be repeated",
    )
    .values(Values::NsTypes),
    Opt::optional(
        Id::Tree,
        Some('T'),
        "tree",
        "<rel>",
        "namespace tree by relation: owner (default),\nparent, or process",
    )
    .values(Values::Words(&Tree::WORDS)),
    Opt::flag(Id::ListColumns, Some('H'), "list-columns", "describe the columns and exit").in_section(1),
];

/// The command line of `lsns-rs`.
pub const SPEC: Spec<Id> = Spec {
    name: "lsns-rs",
    usage: &["[options] [<namespace>]"],
    about: "List the namespaces of the system: the processes in them, and those\nheld open by a file descriptor, a socket or a bind mount.",
    opts: OPTS,
    section_titles: &[],
    after_help: "",
    man: "lsns-rs(8)",
    mode: Mode::Permute,
    operands: Values::Namespaces,
    getopt_order: &["notruncate", "noheadings", "nowrap"],
};

/// How rows are nested.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tree {
    /// A flat list.
    None,
    /// Under the row of the parent process of the row's process.
    Process,
    /// Under the owning user namespace.
    Owner,
    /// Under the parent namespace (pid and user namespaces).
    Parent,
}

impl Tree {
    /// `--tree`'s words: what the parser accepts and the completions offer.
    pub const TABLE: [(&'static str, Tree); 3] =
        [("owner", Tree::Owner), ("parent", Tree::Parent), ("process", Tree::Process)];
    /// The words of [`Tree::TABLE`].
    pub const WORDS: [&'static str; 3] = cli::words(&Tree::TABLE);
}

/// A validated command line.
#[derive(Debug)]
pub struct Plan {
    /// Table, raw or JSON.
    pub format: Format,
    /// Print the header line.
    pub headings: bool,
    /// The output columns, in order.
    pub columns: Vec<Col>,
    /// Which namespace types to list.
    pub types: NsSet,
    /// `-p PID`.
    pub task: Option<i32>,
    /// The namespace operand: list the processes of this namespace.
    pub namespace: Option<u64>,
    /// Nesting of rows.
    pub tree: Tree,
    /// `-u`.
    pub notruncate: bool,
    /// `-W` (or `-r`): NSFS joined with `,`.
    pub nowrap: bool,
    /// `-P`.
    pub persistent: bool,
    /// `-Q EXPR`; column ids are indices into [`Col::ALL`].
    pub filter: Option<Filter>,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Action {
    /// List namespaces.
    List(Plan),
    /// `-H`: describe the columns in this format.
    ListColumns {
        /// Table, raw or JSON.
        format: Format,
    },
}

/// Pairs of options that cannot be combined, as upstream's table.
const EXCLUSIVE: [[Id; 2]; 2] = [[Id::Json, Id::Raw], [Id::Persistent, Id::Task]];

fn long_name(id: Id) -> &'static str {
    OPTS.iter().find(|o| o.id == id).and_then(|o| o.long).unwrap_or("")
}

/// The option stage of `lsns-rs`: options as util-linux's loop meets them
/// ([`Build::take`]), then the checks after it ([`Build::finish`]).
#[derive(Debug, Default)]
pub struct Builder {
    json: bool,
    raw: bool,
    list: bool,
    noheadings: bool,
    output: Option<String>,
    output_all: bool,
    persistent: bool,
    task: Option<i32>,
    /// `-Q`: the filter, or the names it uses that are no columns.
    filter: Option<std::result::Result<Filter, Vec<String>>>,
    notruncate: bool,
    nowrap: bool,
    types: NsSet,
    tree: Option<Tree>,
    list_columns: bool,
    /// The first option seen of each [`EXCLUSIVE`] pair.
    exclusive_seen: [Option<Id>; EXCLUSIVE.len()],
}

impl Builder {
    /// util-linux's check of its exclusive pairs, as each option is met.
    fn check_exclusive(&mut self, id: Id) -> Result<()> {
        for (pair, first) in EXCLUSIVE.iter().zip(self.exclusive_seen.iter_mut()) {
            if !pair.contains(&id) {
                continue;
            }
            match first {
                None => *first = Some(id),
                // util-linux 2.43 names the one seen first first
                Some(f) if *f != id => {
                    return Err(Error::msg(format!(
                        "options --{} and --{} cannot be combined",
                        long_name(*f),
                        long_name(id)
                    )));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }
}

impl Build<Id> for Builder {
    type Plan = Action;

    fn take(&mut self, id: Id, value: Option<&OsStr>) -> Result<()> {
        self.check_exclusive(id)?;
        let v = cli::text(value);
        match id {
            Id::Json => self.json = true,
            Id::Raw => self.raw = true,
            Id::List => self.list = true,
            Id::Noheadings => self.noheadings = true,
            Id::Output => self.output = Some(v),
            Id::OutputAll => self.output_all = true,
            Id::Persistent => self.persistent = true,
            Id::Task => self.task = Some(parse_pid(&v)?),
            Id::Filter => {
                // util-linux parses the expression in its loop and looks
                // its column names up after it; an empty one is none
                self.filter = if v.is_empty() { None } else { Some(parse_filter(&v)?) };
            }
            Id::Notruncate => self.notruncate = true,
            Id::Nowrap => self.nowrap = true,
            Id::ListColumns => self.list_columns = true,
            Id::Type => {
                let t = NsType::from_name(&v).ok_or_else(|| Error::msg(format!("unknown namespace type: {v}")))?;
                self.types.insert(t);
            }
            // util-linux drops one leading '=' of the value (`-T=owner`,
            // `--tree==owner`)
            Id::Tree => self.tree = Some(parse_tree(value.map(|_| v.strip_prefix('=').unwrap_or(&v)))?),
        }
        Ok(())
    }

    /// The checks upstream makes after its option loop, in its order.
    fn finish(self, operands: Vec<OsString>) -> Result<Action> {
        let format = match (self.json, self.raw) {
            (true, _) => Format::Json,
            (_, true) => Format::Raw,
            _ => Format::Table,
        };
        if self.list_columns {
            return Ok(Action::ListColumns { format });
        }
        // (a message string: bytes that are not UTF-8 are said as they are)
        let operand = operands.first().map(|o| cli::text(Some(o.as_os_str())));
        if self.task.is_some() && operand.is_some() {
            return Err(Error::msg("--task is mutually exclusive with <namespace>"));
        }
        let namespace = match &operand {
            Some(o) => Some(parse_u64(o, 10).map_err(|e| e.to_error("invalid namespace argument", o))?),
            None => None,
        };
        let any_type = !self.types.is_empty();
        let types = if any_type { self.types } else { NsSet::ALL };
        let mut columns = Vec::new();
        if self.output_all {
            columns.extend(Col::ALL);
        } else if self.output.as_deref().map_or(true, |o| o.starts_with('+')) {
            columns = default_columns(namespace.is_some(), self.types.contains(NsType::Net));
        }
        if let Some(list) = &self.output {
            if let Err(e) = add_list(list, &mut columns) {
                // upstream fails silently on an empty name or too many
                // columns; the exit status is the same, but say why
                return Err(Error::msg(e.unwrap_or_else(|| format!("failed to parse column list: '{list}'"))));
            }
        }
        let filter = match self.filter {
            Some(Ok(filter)) => Some(filter),
            Some(Err(names)) => {
                for name in names {
                    nsutils_common::error::warn(format!("unknown column: {name}"));
                }
                return Err(Error::msg("failed to initialize filter"));
            }
            None => None,
        };
        let tree = match (self.tree, namespace.is_some()) {
            (Some(t), _) => t,
            (None, false) if self.list || self.output_all => Tree::None,
            (None, true) if self.list => Tree::None,
            (None, _) => Tree::Process,
        };
        let raw = format == Format::Raw;
        Ok(Action::List(Plan {
            format,
            headings: !self.noheadings,
            columns,
            types,
            task: self.task,
            namespace,
            tree,
            notruncate: self.notruncate,
            nowrap: self.nowrap || raw,
            persistent: self.persistent,
            filter,
        }))
    }
}

/// The columns without `-o`: the processes' view for a namespace operand,
/// else the namespaces' view (with NETNSID and NSFS when `-t net` is given).
fn default_columns(operand: bool, net: bool) -> Vec<Col> {
    if operand {
        return vec![Col::Pid, Col::Ppid, Col::User, Col::Command];
    }
    let mut v = vec![Col::Ns, Col::Type, Col::Nprocs, Col::Pid, Col::User];
    if net {
        v.extend([Col::Netnsid, Col::Nsfs]);
    }
    v.push(Col::Command);
    v
}

/// `-p PID`: a positive process ID (upstream's `strtopid_or_err`).
fn parse_pid(s: &str) -> Result<i32> {
    match parse_i32(s, 10) {
        Ok(p) if p >= 1 => Ok(p),
        Ok(_) => Err(NumError::Range.to_error("invalid PID argument", s)),
        Err(e) => Err(e.to_error("invalid PID argument", s)),
    }
}

/// `-T[REL]`: no value means `owner`.
fn parse_tree(v: Option<&str>) -> Result<Tree> {
    match v {
        None => Ok(Tree::Owner),
        Some(word) => {
            cli::lookup(&Tree::TABLE, word.as_bytes()).ok_or_else(|| Error::msg(format!("unknown tree type: {word}")))
        }
    }
}

/// `-Q EXPR` over every column (shown or not), parsed once (regular
/// expressions are compiled as it is parsed, after a trial in a child with
/// a CPU limit: [`Filter::guarded`]). A syntax error is an error
/// now; an unknown column name is given back, for the check after the loop.
fn parse_filter(expr: &str) -> Result<std::result::Result<Filter, Vec<String>>> {
    let resolve = |name: &str| Col::from_name(name).map(|c| c as usize);
    match Filter::guarded(expr, &resolve) {
        Ok(filter) => Ok(Ok(filter)),
        Err(FilterError::Syntax { message, offset }) => {
            Err(Error::msg(format!("failed to parse \"{expr}\": {message}\n{}", FilterError::pointer(expr, offset))))
        }
        // refused after the loop, as util-linux looks the names up there
        Err(FilterError::UnknownColumn(names)) => Ok(Err(names)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nsutils_common::cli::{os_args, Outcome};

    fn parse(args: &[OsString]) -> Result<Action> {
        match SPEC.build(args, Builder::default())? {
            Outcome::Run(action) => Ok(action),
            other => panic!("{args:?}: {other:?}"),
        }
    }

    fn plan(args: &[&str]) -> Plan {
        match parse(&os_args(args)).unwrap_or_else(|e| panic!("{args:?}: {e}")) {
            Action::List(p) => p,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    fn error(args: &[&str]) -> String {
        parse(&os_args(args)).unwrap_err().message().to_string()
    }

    #[test]
    fn defaults() {
        let p = plan(&[]);
        assert_eq!(p.columns, vec![Col::Ns, Col::Type, Col::Nprocs, Col::Pid, Col::User, Col::Command]);
        assert_eq!(p.tree, Tree::Process);
        assert_eq!(p.format, Format::Table);
        assert_eq!(p.types, NsSet::ALL);
        assert!(p.headings && !p.nowrap && !p.notruncate && p.filter.is_none());
    }

    #[test]
    fn type_net_adds_netnsid_and_nsfs_and_types_accumulate() {
        let p = plan(&["-t", "net", "-t", "user"]);
        assert_eq!(
            p.columns,
            vec![Col::Ns, Col::Type, Col::Nprocs, Col::Pid, Col::User, Col::Netnsid, Col::Nsfs, Col::Command]
        );
        assert_eq!(p.types, NsSet::from_iter([NsType::Net, NsType::User]));
        assert_eq!(plan(&["-t", "user"]).columns.len(), 6);
    }

    #[test]
    fn output_lists() {
        assert_eq!(plan(&["-o", "NS,pid"]).columns, vec![Col::Ns, Col::Pid]);
        assert_eq!(plan(&["-o", "+PID", "-o", "NS"]).columns, vec![Col::Ns], "the last -o wins");
        assert_eq!(plan(&["-o", "+PPID"]).columns.last(), Some(&Col::Ppid));
        assert_eq!(plan(&["--output-all"]).columns, Col::ALL.to_vec());
        assert_eq!(plan(&["--output-all", "-o", "+NS"]).columns.len(), 14);
        assert_eq!(plan(&["-o", "NS", "--output-all"]).columns, vec![Col::Ns]);
        assert_eq!(error(&["-o", "NS,foo"]), "unknown column: foo");
        assert_eq!(error(&["-o", "NS,,PID"]), "failed to parse column list: 'NS,,PID'");
    }

    #[test]
    fn tree_resolution() {
        assert_eq!(plan(&["-l"]).tree, Tree::None);
        assert_eq!(plan(&["--output-all"]).tree, Tree::None);
        assert_eq!(plan(&["-o", "NS,COMMAND"]).tree, Tree::Process, "-o keeps the process tree");
        assert_eq!(plan(&["-T"]).tree, Tree::Owner);
        assert_eq!(plan(&["-Tparent"]).tree, Tree::Parent);
        assert_eq!(plan(&["-T=parent"]).tree, Tree::Parent);
        assert_eq!(plan(&["--tree=process"]).tree, Tree::Process);
        assert_eq!(plan(&["-l", "-T"]).tree, Tree::Owner, "-T wins over -l");
        assert_eq!(plan(&["--output-all", "-Tprocess"]).tree, Tree::Process);
        assert_eq!(error(&["-Tbogus"]), "unknown tree type: bogus");
        assert_eq!(error(&["-T", "parent"]), "invalid namespace argument: 'parent'");
    }

    #[test]
    fn namespace_operand() {
        let p = plan(&["4026531837"]);
        assert_eq!(p.namespace, Some(4026531837));
        assert_eq!(p.columns, vec![Col::Pid, Col::Ppid, Col::User, Col::Command]);
        assert_eq!(p.tree, Tree::Process);
        assert_eq!(plan(&["-l", "1"]).tree, Tree::None);
        assert_eq!(plan(&["--output-all", "1"]).tree, Tree::Process, "the process tree stays for an operand");
        assert_eq!(plan(&["1", "2"]).namespace, Some(1), "further operands are ignored");
        assert_eq!(plan(&["5", "-l"]).namespace, Some(5), "options after operands");
        assert_eq!(error(&["abc"]), "invalid namespace argument: 'abc'");
        assert_eq!(
            error(&["18446744073709551616"]),
            "invalid namespace argument: '18446744073709551616': Numerical result out of range"
        );
    }

    #[test]
    fn pid_argument() {
        assert_eq!(plan(&["-p", "42"]).task, Some(42));
        assert_eq!(error(&["-p", "abc"]), "invalid PID argument: 'abc'");
        assert_eq!(error(&["-p", "0"]), "invalid PID argument: '0': Numerical result out of range");
        assert_eq!(error(&["-p", "-3"]), "invalid PID argument: '-3': Numerical result out of range");
        assert_eq!(error(&["-p", "1", "123"]), "--task is mutually exclusive with <namespace>");
        assert_eq!(error(&["-p", "1", "abc"]), "--task is mutually exclusive with <namespace>");
    }

    #[test]
    fn exclusive_options_in_command_line_order() {
        assert_eq!(error(&["-J", "-r"]), "options --json and --raw cannot be combined");
        // util-linux 2.43 names the one given first first
        assert_eq!(error(&["-r", "-J"]), "options --raw and --json cannot be combined");
        assert_eq!(error(&["-P", "-p", "1"]), "options --persistent and --task cannot be combined");
        assert_eq!(error(&["-p", "1", "-P"]), "options --task and --persistent cannot be combined");
        assert_eq!(error(&["-J", "-r", "-t", "foo"]), "options --json and --raw cannot be combined");
        assert_eq!(error(&["-t", "foo", "-J", "-r"]), "unknown namespace type: foo");
        assert_eq!(error(&["-t", "foo", "--bogus"]), "unknown namespace type: foo");
        assert_eq!(error(&["--bogus", "-t", "foo"]), "unrecognized option '--bogus'");
        assert!(plan(&["-J", "-J"]).format == Format::Json);
    }

    #[test]
    fn a_bad_value_comes_before_a_later_bad_option() {
        for (args, message) in [
            (&["-p", "abc", "--bogus"][..], "invalid PID argument: 'abc'"),
            (&["-Tfoo", "-Y"], "unknown tree type: foo"),
            (&["-t", "foo", "--bogus"], "unknown namespace type: foo"),
            (&["-P", "-p", "1", "--bogus"], "options --persistent and --task cannot be combined"),
            (
                &["-Q", "NS ==", "--bogus"],
                "failed to parse \"NS ==\": syntax error, unexpected end of file\n    NS ==\n         ^",
            ),
        ] {
            assert_eq!(error(args), message, "{args:?}");
        }
        // the column list, the filter's column names and the operand are
        // checked after the loop
        for args in [&["-o", "foo", "--bogus"][..], &["-Q", "FOO == 1", "--bogus"], &["abc", "--bogus"]] {
            assert_eq!(error(args), "unrecognized option '--bogus'", "{args:?}");
        }
    }

    #[test]
    fn raw_implies_nowrap() {
        let p = plan(&["-r"]);
        assert!(p.nowrap && p.format == Format::Raw);
        assert!(plan(&["-W"]).nowrap);
    }

    #[test]
    fn list_columns_and_filter() {
        assert!(matches!(parse(&os_args(&["-H", "-J"])).unwrap(), Action::ListColumns { format: Format::Json }));
        assert!(matches!(parse(&os_args(&["-H", "abc"])).unwrap(), Action::ListColumns { format: Format::Table }));
        assert!(plan(&["-Q", "NS == 1"]).filter.is_some());
        assert_eq!(error(&["-Q", "FOO == 1"]), "failed to initialize filter");
        // a syntax error after an unknown name is still a syntax error, found in the loop
        assert!(error(&["-Q", "FOO == 1 )", "--bogus"]).starts_with("failed to parse \"FOO == 1 )\""));
        // the last -Q wins
        assert!(plan(&["-Q", "FOO == 1", "-Q", "NS == 1"]).filter.is_some());
        assert_eq!(
            error(&["-Q", "NS =="]),
            "failed to parse \"NS ==\": syntax error, unexpected end of file\n    NS ==\n         ^"
        );
    }
}
