//! The option table and the validated [`Plan`].
//!
//! [`Plan::from_parsed`] turns the raw command line into a plan with every
//! implication and exclusion resolved, so that [`crate::session`] only has
//! to carry it out. Nothing here touches the system; the unit tests below
//! run as any user.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;

use nsutils_common::cli::{Matched, Opt, Parsed};
use nsutils_common::ns::NsType;
use nsutils_common::parse::{self, NumError};
use nsutils_common::{Error, Result};

/// How a namespace option's value is shown in `--help`.
const NS_VALUE: &str = "<file|:nsid>";

/// The options of `nsenter-rs` (util-linux 2.43 `nsenter`), in `--help` order.
pub const OPTS: &[Opt] = &[
    Opt::flag("all", Some('a'), "enter all namespaces of the target not ours"),
    Opt::required("target", Some('t'), "<pid>[:<inode>]", "the process whose namespaces to enter"),
    Opt::optional("mount", Some('m'), NS_VALUE, "enter the mount namespace"),
    Opt::optional("uts", Some('u'), NS_VALUE, "enter the UTS namespace (host and domain name)"),
    Opt::optional("ipc", Some('i'), NS_VALUE, "enter the System V IPC namespace"),
    Opt::optional("net", Some('n'), NS_VALUE, "enter the network namespace"),
    Opt::required("net-socket", Some('N'), "<fd>", "enter the target's socket's net namespace"),
    Opt::optional("pid", Some('p'), NS_VALUE, "enter the PID namespace (forks)"),
    Opt::optional("cgroup", Some('C'), NS_VALUE, "enter the cgroup namespace"),
    Opt::optional("user", Some('U'), NS_VALUE, "enter the user namespace"),
    Opt::flag("user-parent", None, "enter the parent user namespace instead"),
    Opt::optional("time", Some('T'), NS_VALUE, "enter the time namespace"),
    Opt::required("setuid", Some('S'), "<uid|follow>", "the user ID to run the program as"),
    Opt::required("setgid", Some('G'), "<gid|follow>", "the group ID to run the program as"),
    Opt::flag("preserve-credentials", None, "keep uid and gid when entering a user ns"),
    Opt::flag("keep-caps", None, "keep user namespace capabilities across exec"),
    Opt::optional("root", Some('r'), "<dir>", "set the root directory (default: target's)"),
    Opt::optional("wd", Some('w'), "<dir>", "set the working directory (default: target's)"),
    Opt::optional("wdns", Some('W'), "<dir>", "set the working directory inside the namespaces"),
    Opt::flag("env", Some('e'), "run with the target's environment"),
    Opt::flag("no-fork", Some('F'), "do not fork before running the program"),
    Opt::flag("join-cgroup", Some('c'), "join the target's cgroup (cgroup v2)"),
    Opt::flag("follow-context", Some('Z'), "run with the target's SELinux context"),
];

/// The process given with `--target PID[:INODE]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// Its PID (always > 0).
    pub pid: libc::pid_t,
    /// The inode of its pidfd, which pins the process against PID reuse.
    pub inode: Option<u64>,
}

/// Where a namespace comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NsSource {
    /// The target process's namespace of that type.
    Target,
    /// A namespace file (`/proc/PID/ns/net`, a bind mount of one, …).
    File(PathBuf),
    /// A namespace ID (`--net=:ID`, Linux 6.19).
    Id(u64),
}

/// A user or group given to `-S`/`-G`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdArg {
    /// That number.
    Id(u32),
    /// The owner of the target process (`follow`).
    Follow,
}

/// A directory given to `-r`/`-w`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirArg {
    /// The target's root or working directory.
    Target,
    /// A directory opened before entering the namespaces.
    Path(PathBuf),
}

/// Everything `nsenter-rs` was asked to do, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// `-t`.
    pub target: Option<Target>,
    /// `-a`: every namespace of the target not given explicitly and not
    /// already shared with us (resolved at run time, it needs /proc).
    pub all: bool,
    /// The namespaces asked for by type option (`-n`, `--net=FILE`, …).
    pub namespaces: BTreeMap<NsType, NsSource>,
    /// `-N FD`: the network namespace of the target's socket FD.
    pub net_socket: Option<i32>,
    /// `--user-parent`.
    pub user_parent: bool,
    /// `-S`.
    pub setuid: Option<IdArg>,
    /// `-G`.
    pub setgid: Option<IdArg>,
    /// `--preserve-credentials`.
    pub preserve_credentials: bool,
    /// `--keep-caps`.
    pub keep_caps: bool,
    /// `-r`.
    pub root: Option<DirArg>,
    /// `-w`.
    pub wd: Option<DirArg>,
    /// `-W DIR`, looked up after entering.
    pub wdns: Option<PathBuf>,
    /// `-e`.
    pub env: bool,
    /// `-F`.
    pub no_fork: bool,
    /// `-c`.
    pub join_cgroup: bool,
    /// `-Z`.
    pub follow_context: bool,
    /// The program and its arguments (empty: the login shell).
    pub program: Vec<OsString>,
}

impl Plan {
    /// Validate the parsed command line.
    pub fn from_parsed(parsed: Parsed) -> Result<Plan> {
        let mut plan = Plan { program: parsed.operands, ..Plan::default() };
        for m in &parsed.opts {
            plan.apply(m)?;
        }
        plan.validate()?;
        Ok(plan)
    }

    fn apply(&mut self, m: &Matched) -> Result<()> {
        // an empty optional value (`--wd=`, or `-w=` once the `=` is
        // stripped) means "no value", as util-linux 2.43 treats `-w=`
        let value = m.value.clone().filter(|v| !v.is_empty());
        if let Some(ty) = NsType::from_long_option(m.id) {
            let source = match value {
                None => NsSource::Target,
                Some(v) => ns_source(v)?,
            };
            self.namespaces.insert(ty, source);
            return Ok(());
        }
        match m.id {
            "all" => self.all = true,
            "target" => {
                if self.target.is_some() {
                    return Err(Error::msg("option --target may be given only once"));
                }
                self.target = Some(parse_target(&m.value_str())?);
            }
            "net-socket" => {
                let arg = m.value_str();
                let fd = parse::parse_u32(&arg, 10)
                    .and_then(|v| i32::try_from(v).map_err(|_| NumError::Range))
                    .map_err(|e| e.to_error("failed to parse file descriptor", &arg))?;
                self.net_socket = Some(fd);
            }
            "user-parent" => self.user_parent = true,
            "setuid" => self.setuid = Some(parse_id_arg(&m.value_str(), "failed to parse uid")?),
            "setgid" => self.setgid = Some(parse_id_arg(&m.value_str(), "failed to parse gid")?),
            "preserve-credentials" => self.preserve_credentials = true,
            "keep-caps" => self.keep_caps = true,
            "root" => self.root = Some(value.map(|v| DirArg::Path(v.into())).unwrap_or(DirArg::Target)),
            "wd" => self.wd = Some(value.map(|v| DirArg::Path(v.into())).unwrap_or(DirArg::Target)),
            "wdns" => match value {
                Some(v) => self.wdns = Some(v.into()),
                // The argument is optional in getopt terms (util-linux ≥2.39),
                // so `-W /tmp` leaves /tmp as the program; util-linux then
                // fails with "failed to execute /tmp". Say what is wrong instead.
                None => return Err(Error::msg("option --wdns needs a directory attached: -W<dir> or --wdns=<dir>")),
            },
            "env" => self.env = true,
            "no-fork" => self.no_fork = true,
            "join-cgroup" => self.join_cgroup = true,
            "follow-context" => self.follow_context = true,
            other => unreachable!("option {other} missing from Plan::apply"),
        }
        Ok(())
    }

    fn validate(&self) -> Result<()> {
        if self.wdns.is_some() && self.wd.is_some() {
            return Err(Error::msg("options --wdns and --wd cannot be combined"));
        }
        if self.net_socket.is_some() && self.namespaces.contains_key(&NsType::Net) {
            return Err(Error::msg("options --net and --net-socket cannot be combined"));
        }
        if self.target.is_none() {
            let no_target = |what: &str| Err(Error::msg(format!("no target PID specified for {what}")));
            let no_source =
                |what: &str| Err(Error::msg(format!("neither filename nor target pid supplied for {what}")));
            if self.all {
                return no_target("--all");
            }
            for ty in NsType::ENTER_ORDER {
                if self.namespaces.get(&ty) == Some(&NsSource::Target) {
                    return no_source(&format!("ns/{}", ty.name()));
                }
            }
            if self.net_socket.is_some() {
                return no_target("--net-socket");
            }
            if self.root == Some(DirArg::Target) {
                return no_source("root");
            }
            if self.wd == Some(DirArg::Target) {
                return no_source("cwd");
            }
            if self.env {
                return no_source("environ");
            }
            if self.join_cgroup {
                return no_source("cgroup");
            }
            if self.setuid == Some(IdArg::Follow) {
                return no_target("--setuid follow");
            }
            if self.setgid == Some(IdArg::Follow) {
                return no_target("--setgid follow");
            }
            if self.follow_context {
                return no_target("--follow-context");
            }
            if self.user_parent && self.namespaces.is_empty() {
                return no_target("--user-parent");
            }
        }
        // util-linux ≥2.40 refuses to do nothing but run the program; so do
        // we, unless something else (root, directory, credentials, cgroup,
        // environment) was asked for.
        let asks_namespace = self.all || !self.namespaces.is_empty() || self.net_socket.is_some() || self.user_parent;
        let asks_other = self.root.is_some()
            || self.wd.is_some()
            || self.wdns.is_some()
            || self.env
            || self.join_cgroup
            || self.setuid.is_some()
            || self.setgid.is_some()
            || self.follow_context;
        if !asks_namespace && !asks_other {
            return Err(Error::msg("no namespace specified"));
        }
        Ok(())
    }

    /// Whether the program runs in a forked child: a PID namespace is
    /// entered (it only applies to children) and `-F` was not given.
    pub fn forks(&self, entering_pid_ns: bool) -> bool {
        entering_pid_ns && !self.no_fork
    }
}

/// `FILE`, `:NSID` or `./:name` (a file whose name starts with a colon).
fn ns_source(value: OsString) -> Result<NsSource> {
    use std::os::unix::ffi::OsStrExt;
    let bytes = value.as_bytes();
    if let Some(id) = bytes.strip_prefix(b":") {
        let text = String::from_utf8_lossy(id);
        return match parse::parse_u64(&text, 10) {
            Ok(id) if id > 0 && !text.starts_with([' ', '+', '-']) => Ok(NsSource::Id(id)),
            _ => Err(Error::msg(format!(
                "invalid namespace ID: '{}' (use ./{} for a file whose name starts with ':')",
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(bytes)
            ))),
        };
    }
    Ok(NsSource::File(PathBuf::from(value)))
}

/// `PID[:INODE]` as util-linux 2.43 parses it: both positive numbers.
fn parse_target(arg: &str) -> Result<Target> {
    let fail = |e: NumError| Error::errno(format!("failed to parse PID argument '{arg}'"), e.errno());
    let (pid_text, inode_text) = match arg.split_once(':') {
        Some((p, i)) => (p, Some(i)),
        None => (arg, None),
    };
    let pid = parse::parse_u64(pid_text, 10).map_err(fail)?;
    if pid == 0 || pid > libc::pid_t::MAX as u64 {
        return Err(fail(NumError::Range));
    }
    let inode = match inode_text {
        None => None,
        Some(t) => match parse::parse_u64(t, 10).map_err(fail)? {
            0 => return Err(fail(NumError::Range)),
            n => Some(n),
        },
    };
    Ok(Target { pid: pid as libc::pid_t, inode })
}

/// A uid/gid number or `follow`, with util-linux's messages
/// (`failed to parse uid: 'abc'`; negative numbers are out of range).
fn parse_id_arg(arg: &str, what: &str) -> Result<IdArg> {
    if arg == "follow" {
        return Ok(IdArg::Follow);
    }
    parse::parse_u32(arg, 10).map(IdArg::Id).map_err(|e| e.to_error(what, arg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SPEC;
    use nsutils_common::cli::os_args;

    fn plan(args: &[&str]) -> Result<Plan> {
        Plan::from_parsed(SPEC.parse(&os_args(args))?)
    }

    fn err(args: &[&str]) -> String {
        plan(args).unwrap_err().message().to_string()
    }

    #[test]
    fn target_forms() {
        let p = plan(&["-t", "42", "-n", "ip", "a"]).unwrap();
        assert_eq!(p.target, Some(Target { pid: 42, inode: None }));
        assert_eq!(p.namespaces.get(&NsType::Net), Some(&NsSource::Target));
        assert_eq!(p.program, os_args(&["ip", "a"]));
        let p = plan(&["--target=42:123", "-u"]).unwrap();
        assert_eq!(p.target, Some(Target { pid: 42, inode: Some(123) }));
    }

    #[test]
    fn target_errors_use_upstream_wording() {
        assert_eq!(err(&["-t", "0", "-u"]), "failed to parse PID argument '0': Numerical result out of range");
        assert_eq!(err(&["-t", "-5", "-u"]), "failed to parse PID argument '-5': Numerical result out of range");
        assert_eq!(err(&["-t", "7:0", "-u"]), "failed to parse PID argument '7:0': Numerical result out of range");
        assert_eq!(err(&["-t", "7:abc", "-u"]), "failed to parse PID argument '7:abc': Invalid argument");
        assert_eq!(err(&["-t", "abc", "-u"]), "failed to parse PID argument 'abc': Invalid argument");
        assert_eq!(
            err(&["-t", "99999999999", "-u"]),
            "failed to parse PID argument '99999999999': Numerical result out of range"
        );
        assert_eq!(err(&["-t", "1", "-t", "1", "-u"]), "option --target may be given only once");
    }

    #[test]
    fn namespace_values() {
        let p = plan(&["-n/run/netns/x", "--uts=/u", "-i=/i", "--mount=:77", "--time=./:odd", "true"]).unwrap();
        assert_eq!(p.namespaces[&NsType::Net], NsSource::File("/run/netns/x".into()));
        assert_eq!(p.namespaces[&NsType::Uts], NsSource::File("/u".into()));
        // util-linux 2.43 strips the '=' of an attached short value
        assert_eq!(p.namespaces[&NsType::Ipc], NsSource::File("/i".into()));
        assert_eq!(p.namespaces[&NsType::Mnt], NsSource::Id(77));
        assert_eq!(p.namespaces[&NsType::Time], NsSource::File("./:odd".into()));
        assert!(err(&["--net=:x", "true"]).starts_with("invalid namespace ID: ':x'"));
        assert!(err(&["--net=:0", "true"]).starts_with("invalid namespace ID: ':0'"));
        // `--net FILE` is "no value" and FILE is the program
        assert_eq!(err(&["--net", "/run/netns/x", "true"]), "neither filename nor target pid supplied for ns/net");
        // the last spelling of a type wins, as in getopt loops
        let p = plan(&["-t", "1", "-n/x", "-n"]).unwrap();
        assert_eq!(p.namespaces[&NsType::Net], NsSource::Target);
    }

    #[test]
    fn what_needs_a_target() {
        assert_eq!(err(&["-n", "true"]), "neither filename nor target pid supplied for ns/net");
        assert_eq!(err(&["-a", "true"]), "no target PID specified for --all");
        assert_eq!(err(&["-r", "true"]), "neither filename nor target pid supplied for root");
        assert_eq!(err(&["-w", "true"]), "neither filename nor target pid supplied for cwd");
        assert_eq!(err(&["-n/x", "-e", "true"]), "neither filename nor target pid supplied for environ");
        assert_eq!(err(&["-n/x", "-c", "true"]), "neither filename nor target pid supplied for cgroup");
        assert_eq!(err(&["-N", "3", "true"]), "no target PID specified for --net-socket");
        assert_eq!(err(&["-n/x", "-S", "follow"]), "no target PID specified for --setuid follow");
        assert_eq!(err(&["-n/x", "-G", "follow"]), "no target PID specified for --setgid follow");
        assert_eq!(err(&["-n/x", "-Z"]), "no target PID specified for --follow-context");
        assert_eq!(err(&["--user-parent"]), "no target PID specified for --user-parent");
        // files and explicit directories need none
        assert!(plan(&["-n/x", "-r/", "-w/tmp", "true"]).is_ok());
        assert!(plan(&["-n/x", "--user-parent", "true"]).is_ok());
    }

    #[test]
    fn nothing_to_do_is_an_error() {
        assert_eq!(err(&["-t", "1", "true"]), "no namespace specified");
        assert_eq!(err(&["true"]), "no namespace specified");
        assert!(plan(&["-t", "1", "-r", "true"]).is_ok());
        assert!(plan(&["-S", "0", "true"]).is_ok());
        assert!(plan(&["-t", "1", "--user-parent"]).is_ok());
        assert!(plan(&["-t", "1", "-N", "3"]).is_ok());
    }

    #[test]
    fn credentials() {
        let p = plan(&["-t", "1", "-U", "-S", "1000", "--setgid=follow", "--preserve-credentials"]).unwrap();
        assert_eq!(p.setuid, Some(IdArg::Id(1000)));
        assert_eq!(p.setgid, Some(IdArg::Follow));
        assert!(p.preserve_credentials);
        assert_eq!(err(&["-S", "abc", "-t", "1", "-u"]), "failed to parse uid: 'abc'");
        assert_eq!(err(&["-G", "abc", "-t", "1", "-u"]), "failed to parse gid: 'abc'");
        assert_eq!(err(&["-S", "-1", "-t", "1", "-u"]), "failed to parse uid: '-1': Numerical result out of range");
    }

    #[test]
    fn directories() {
        let p = plan(&["-t", "1", "-m", "-r", "-w/tmp", "true"]).unwrap();
        assert_eq!(p.root, Some(DirArg::Target));
        assert_eq!(p.wd, Some(DirArg::Path("/tmp".into())));
        let p = plan(&["-t", "1", "-m", "-W/srv", "true"]).unwrap();
        assert_eq!(p.wdns, Some("/srv".into()));
        let p = plan(&["-t", "1", "-m", "-w=", "true"]).unwrap();
        assert_eq!(p.wd, Some(DirArg::Target));
        assert_eq!(err(&["-t", "1", "-u", "-W/tmp", "-w", "true"]), "options --wdns and --wd cannot be combined");
        // -W takes an optional (attached) value: a separate word is the program
        assert!(err(&["-t", "1", "-u", "-W", "/tmp", "pwd"]).starts_with("option --wdns needs a directory"));
    }

    #[test]
    fn net_socket() {
        let p = plan(&["-t", "1", "-N", "7", "true"]).unwrap();
        assert_eq!(p.net_socket, Some(7));
        assert_eq!(err(&["-t", "1", "-N", "x"]), "failed to parse file descriptor: 'x'");
        assert_eq!(err(&["-t", "1", "-N", "3", "-n"]), "options --net and --net-socket cannot be combined");
    }

    #[test]
    fn fork_follows_pid_namespace_and_no_fork() {
        let p = plan(&["-t", "1", "-p", "true"]).unwrap();
        assert!(p.forks(true));
        assert!(!p.forks(false));
        let p = plan(&["-t", "1", "-p", "-F", "true"]).unwrap();
        assert!(!p.forks(true));
    }

    #[test]
    fn options_stop_at_the_program() {
        let p = plan(&["-t", "1", "-u", "ls", "-n", "-t"]).unwrap();
        assert_eq!(p.program, os_args(&["ls", "-n", "-t"]));
        assert!(!p.namespaces.contains_key(&NsType::Net));
    }

    #[test]
    fn every_table_option_is_handled() {
        // Plan::apply panics on an unknown id: give each option once
        for o in OPTS {
            let long = o.long.unwrap();
            let arg = match (o.id, o.arg) {
                ("target", _) => format!("--{long}=5"),
                ("setuid" | "setgid" | "net-socket", _) => format!("--{long}=1"),
                ("wdns", _) => format!("--{long}=/"),
                _ => format!("--{long}"),
            };
            let parsed = SPEC.parse(&os_args(&[&arg])).unwrap();
            let mut p = Plan::default();
            p.apply(&parsed.opts[0]).unwrap();
        }
    }
}
