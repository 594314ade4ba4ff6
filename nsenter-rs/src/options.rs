//! The command line of `nsenter-rs`: the option table ([`SPEC`]) and the
//! validated [`Plan`] it becomes.
//!
//! [`Builder`] is the body of util-linux's getopt loop: it checks each value
//! as the loop meets it and opens each namespace file and directory named
//! on the command line right then, as util-linux does (so `--net=/missing
//! --bogus` reports the missing file, and every path is resolved where we
//! started). After the loop, [`Build::finish`] resolves every implication
//! and exclusion, so that [`crate::session`] only has to carry the plan
//! out. What the stage opens goes through [`Host`]; the unit tests below
//! run as any user.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nsutils_common::cli::{self, Build, Mode, Opt, Spec, Values};
use nsutils_common::ns::{open_cloexec, NsType};
use nsutils_common::parse::{self, NumError};
use nsutils_common::{bytes, Error, Result};

/// The options of `nsenter-rs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Id {
    /// `-a`, `--all`.
    All,
    /// `-t`, `--target`.
    Target,
    /// `-m`, `--mount[=FILE]`, … : enter a namespace.
    Ns(NsType),
    /// `-N`, `--net-socket`.
    NetSocket,
    /// `--user-parent`.
    UserParent,
    /// `-S`, `--setuid`.
    Setuid,
    /// `-G`, `--setgid`.
    Setgid,
    /// `--preserve-credentials`.
    PreserveCredentials,
    /// `--keep-caps`.
    KeepCaps,
    /// `-r`, `--root[=DIR]`.
    Root,
    /// `-w`, `--wd[=DIR]`.
    Wd,
    /// `-W`, `--wdns=DIR`.
    Wdns,
    /// `-e`, `--env`.
    Env,
    /// `-F`, `--no-fork`.
    NoFork,
    /// `-c`, `--join-cgroup`.
    JoinCgroup,
    /// `-Z`, `--follow-context`.
    FollowContext,
}

/// How a namespace option's value is shown in `--help`.
const NS_VALUE: &str = "<file|:nsid>";

/// A namespace option: its letter and name come from [`NsType`].
const fn ns_opt(ty: NsType, help: &'static str) -> Opt<Id> {
    Opt::optional(Id::Ns(ty), Some(ty.short_option()), ty.long_option(), NS_VALUE, help).values(Values::NsFiles(ty))
}

/// The word `-S`/`-G` take for the target's own uid or gid.
const FOLLOW: &str = "follow";

/// The options of `nsenter-rs` (util-linux 2.43 `nsenter`), in `--help` order.
const OPTS: &[Opt<Id>] = &[
    Opt::flag(Id::All, Some('a'), "all", "enter all namespaces of the target not ours"),
    Opt::required(Id::Target, Some('t'), "target", "<pid>[:<inode>]", "the process whose namespaces to enter")
        .values(Values::Pids),
    ns_opt(NsType::Mnt, "enter the mount namespace"),
    ns_opt(NsType::Uts, "enter the UTS namespace (host and domain name)"),
    ns_opt(NsType::Ipc, "enter the System V IPC namespace"),
    ns_opt(NsType::Net, "enter the network namespace"),
    Opt::required(Id::NetSocket, Some('N'), "net-socket", "<fd>", "enter the target's socket's net namespace"),
    ns_opt(NsType::Pid, "enter the PID namespace (forks)"),
    ns_opt(NsType::Cgroup, "enter the cgroup namespace"),
    ns_opt(NsType::User, "enter the user namespace"),
    Opt::flag(Id::UserParent, None, "user-parent", "enter the parent user namespace instead"),
    ns_opt(NsType::Time, "enter the time namespace"),
    Opt::required(Id::Setuid, Some('S'), "setuid", "<uid|follow>", "the user ID to run the program as")
        .values(Values::Also(&[FOLLOW], &Values::Uids)),
    Opt::required(Id::Setgid, Some('G'), "setgid", "<gid|follow>", "the group ID to run the program as")
        .values(Values::Also(&[FOLLOW], &Values::Gids)),
    Opt::flag(Id::PreserveCredentials, None, "preserve-credentials", "keep uid and gid when entering a user ns"),
    Opt::flag(Id::KeepCaps, None, "keep-caps", "keep user namespace capabilities across exec"),
    Opt::optional(Id::Root, Some('r'), "root", "<dir>", "set the root directory (default: target's)")
        .values(Values::Dirs),
    Opt::optional(Id::Wd, Some('w'), "wd", "<dir>", "set the working directory (default: target's)")
        .values(Values::Dirs),
    Opt::optional(Id::Wdns, Some('W'), "wdns", "<dir>", "set the working directory inside the namespaces")
        .values(Values::Dirs),
    Opt::flag(Id::Env, Some('e'), "env", "run with the target's environment"),
    Opt::flag(Id::NoFork, Some('F'), "no-fork", "do not fork before running the program"),
    Opt::flag(Id::JoinCgroup, Some('c'), "join-cgroup", "join the target's cgroup (cgroup v2)"),
    Opt::flag(Id::FollowContext, Some('Z'), "follow-context", "run with the target's SELinux context"),
];

/// The command line of `nsenter-rs`.
pub const SPEC: Spec<Id> = Spec {
    name: "nsenter-rs",
    usage: &["[options] [<program> [<argument>...]]"],
    about: "Run a program with namespaces of other processes.",
    opts: OPTS,
    section_titles: &[],
    after_help: "",
    man: "nsenter-rs(1)",
    mode: Mode::StopAtFirstOperand,
    operands: Values::Command,
    getopt_order: &[],
};

/// What the option stage needs from the system: opening the files and
/// directories named on the command line.
pub trait Host {
    /// Open `path` read-only and close-on-exec.
    fn open(&self, path: &Path) -> io::Result<OwnedFd>;
}

/// The running system.
pub struct System;

impl Host for System {
    fn open(&self, path: &Path) -> io::Result<OwnedFd> {
        // O_NONBLOCK: a FIFO named as a namespace file or directory must
        // not hang us in open(2); it is refused for what it is afterwards
        open_cloexec(path, libc::O_RDONLY | libc::O_NONBLOCK)
    }
}

/// A file or directory named on the command line, opened when its option
/// was read.
#[derive(Debug)]
pub struct Given {
    /// The path as given (for messages).
    pub path: PathBuf,
    /// The open file; [`crate::session`] checks what it is.
    pub fd: OwnedFd,
}

impl Given {
    fn open(host: &dyn Host, path: &OsStr) -> Result<Given> {
        let path = PathBuf::from(path);
        match host.open(&path) {
            Ok(fd) => Ok(Given { path, fd }),
            Err(e) => Err(Error::os(format!("cannot open {}", bytes::path(&path)), &e)),
        }
    }
}

/// The process given with `--target PID[:INODE]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// Its PID (always > 0).
    pub pid: libc::pid_t,
    /// The inode of its pidfd, which pins the process against PID reuse.
    pub inode: Option<u64>,
}

/// Where a namespace comes from.
#[derive(Debug)]
pub enum NsSource {
    /// The target process's namespace of that type.
    Target,
    /// A namespace file (`/proc/PID/ns/net`, a bind mount of one, …).
    File(Given),
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
#[derive(Debug)]
pub enum DirArg {
    /// The target's root or working directory.
    Target,
    /// A directory opened before entering the namespaces.
    Path(Given),
}

/// Everything `nsenter-rs` was asked to do, validated.
#[derive(Debug, Default)]
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

/// The option stage of `nsenter-rs`: each option as util-linux's loop meets
/// it ([`Build::take`]), then the checks after the loop ([`Build::finish`]).
pub struct Builder<'h> {
    host: &'h dyn Host,
    plan: Plan,
    /// `-W` was given (with or without a directory), for the exclusion
    /// with `-w`.
    wdns_given: bool,
}

impl<'h> Builder<'h> {
    /// A builder that opens the files named on the command line through `host`.
    pub fn new(host: &'h dyn Host) -> Builder<'h> {
        Builder { host, plan: Plan::default(), wdns_given: false }
    }
}

/// `-r`/`-w`: the target's directory, or one opened now.
fn dir(host: &dyn Host, value: Option<&OsStr>) -> Result<DirArg> {
    match value {
        None => Ok(DirArg::Target),
        Some(v) => Given::open(host, v).map(DirArg::Path),
    }
}

impl Build<Id> for Builder<'_> {
    type Plan = Plan;

    fn take(&mut self, id: Id, value: Option<&OsStr>) -> Result<()> {
        // An optional value, even empty (`--wd=`, `-w=`), names a file, as
        // in util-linux 2.43. Its namespace options, -w and -W drop one
        // leading '=' of the value (`-n=FILE`, `--wd==DIR`); -r keeps it.
        let stripped = value.map(|v| OsStr::from_bytes(v.as_bytes().strip_prefix(b"=").unwrap_or(v.as_bytes())));
        let (host, plan) = (self.host, &mut self.plan);
        match id {
            Id::Ns(ty) => {
                let source = match stripped {
                    None => NsSource::Target,
                    Some(v) => ns_source(host, v)?,
                };
                plan.namespaces.insert(ty, source);
            }
            Id::All => plan.all = true,
            Id::Target => {
                if plan.target.is_some() {
                    return Err(Error::msg("option --target may be given only once"));
                }
                plan.target = Some(parse_target(&cli::text(value))?);
            }
            Id::NetSocket => {
                // a negative descriptor is none, as util-linux 2.43 takes it
                let arg = cli::text(value);
                let fd = parse::parse_i64(&arg, 10)
                    .and_then(|v| i32::try_from(v).map_err(|_| NumError::Range))
                    .map_err(|e| e.to_error("failed to parse file descriptor", &arg))?;
                plan.net_socket = (fd >= 0).then_some(fd);
            }
            Id::UserParent => plan.user_parent = true,
            Id::Setuid => plan.setuid = Some(parse_id_arg(&cli::text(value), "failed to parse uid")?),
            Id::Setgid => plan.setgid = Some(parse_id_arg(&cli::text(value), "failed to parse gid")?),
            Id::PreserveCredentials => plan.preserve_credentials = true,
            Id::KeepCaps => plan.keep_caps = true,
            Id::Root => plan.root = Some(dir(host, value)?),
            Id::Wd => {
                // util-linux checks the pair in its loop, naming the
                // earlier option first
                if self.wdns_given {
                    return Err(Error::msg("options --wdns and --wd cannot be combined"));
                }
                plan.wd = Some(dir(host, stripped)?);
            }
            Id::Wdns => {
                if plan.wd.is_some() {
                    return Err(Error::msg("options --wd and --wdns cannot be combined"));
                }
                self.wdns_given = true;
                match stripped {
                    Some(v) => plan.wdns = Some(v.into()),
                    // The argument is optional in getopt terms (util-linux ≥2.39),
                    // so `-W /tmp` leaves /tmp as the program; util-linux then
                    // fails with "failed to execute /tmp". Say what is wrong instead.
                    None => {
                        return Err(Error::msg("option --wdns needs a directory attached: -W<dir> or --wdns=<dir>"))
                    }
                }
            }
            Id::Env => plan.env = true,
            Id::NoFork => plan.no_fork = true,
            Id::JoinCgroup => plan.join_cgroup = true,
            Id::FollowContext => plan.follow_context = true,
        }
        Ok(())
    }

    fn finish(self, operands: Vec<OsString>) -> Result<Plan> {
        let mut plan = Plan { program: operands, ..self.plan };
        // -N wins over a network namespace option, given before or after
        // it, as in util-linux 2.43 (whose file was opened, and is not
        // looked at again)
        if plan.net_socket.is_some() {
            plan.namespaces.remove(&NsType::Net);
        }
        if plan.target.is_none() {
            let no_target = |what: &str| Err(Error::msg(format!("no target PID specified for {what}")));
            let no_source =
                |what: &str| Err(Error::msg(format!("neither filename nor target pid supplied for {what}")));
            if plan.all {
                return no_target("--all");
            }
            // util-linux 2.43's words for a namespace of the target's
            let of_target = plan.namespaces.values().any(|s| matches!(s, NsSource::Target));
            if of_target || plan.net_socket.is_some() || (plan.user_parent && plan.namespaces.is_empty()) {
                return Err(Error::msg("no target PID specified"));
            }
            if matches!(plan.root, Some(DirArg::Target)) {
                return no_source("root");
            }
            if matches!(plan.wd, Some(DirArg::Target)) {
                return no_source("cwd");
            }
            if plan.env {
                return no_source("environ");
            }
            if plan.join_cgroup {
                return no_source("cgroup");
            }
            if plan.setuid == Some(IdArg::Follow) {
                return no_target("--setuid follow");
            }
            if plan.setgid == Some(IdArg::Follow) {
                return no_target("--setgid follow");
            }
            if plan.follow_context {
                return no_target("--follow-context");
            }
        }
        // util-linux ≥2.40 refuses to do nothing but run the program; so do
        // we, unless something else (root, directory, credentials, cgroup,
        // environment) was asked for.
        let asks_namespace = plan.all || !plan.namespaces.is_empty() || plan.net_socket.is_some() || plan.user_parent;
        let asks_other = plan.root.is_some()
            || plan.wd.is_some()
            || plan.wdns.is_some()
            || plan.env
            || plan.join_cgroup
            || plan.setuid.is_some()
            || plan.setgid.is_some()
            || plan.follow_context;
        if !asks_namespace && !asks_other {
            return Err(Error::msg("no namespace specified"));
        }
        Ok(plan)
    }
}

impl Plan {
    /// Whether the program runs in a forked child: a PID namespace is
    /// entered (it only applies to children) and `-F` was not given.
    pub fn forks(&self, entering_pid_ns: bool) -> bool {
        entering_pid_ns && !self.no_fork
    }
}

/// `FILE` (opened now), `:NSID` or `./:name` (a file whose name starts
/// with a colon).
fn ns_source(host: &dyn Host, value: &OsStr) -> Result<NsSource> {
    let bytes = value.as_bytes();
    if let Some(id) = bytes.strip_prefix(b":") {
        let text = bytes::text(id);
        return match parse::parse_u64(&text, 10) {
            Ok(id) if id > 0 && !text.starts_with([' ', '+', '-']) => Ok(NsSource::Id(id)),
            _ => Err(Error::msg(format!(
                "invalid namespace ID: '{}' (use ./{} for a file whose name starts with ':')",
                bytes::Raw(bytes),
                bytes::Raw(bytes)
            ))),
        };
    }
    Given::open(host, value).map(NsSource::File)
}

/// `PID[:INODE]` as util-linux 2.43 parses it: both positive numbers
/// (`strtol`'s leading blanks and sign allowed, so `' 1'`, `+1` and
/// `1: 2` are taken). A PID out of range is reported before anything
/// that follows its digits (`0x10` is out of range, `1x` invalid).
fn parse_target(arg: &str) -> Result<Target> {
    let fail = |e: NumError| Error::errno(format!("failed to parse PID argument '{arg}'"), e.errno());
    let (pid_text, inode_text) = match arg.split_once(':') {
        Some((p, i)) => (p, Some(i)),
        None => (arg, None),
    };
    let number = {
        let t = arg.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
        let sign = usize::from(t.starts_with(['+', '-']));
        let n = t[sign..].bytes().take_while(u8::is_ascii_digit).count();
        (n > 0).then(|| &t[..sign + n])
    };
    if let Some(number) = number {
        match parse::parse_i64(number, 10) {
            Ok(pid) if pid > 0 && pid <= i64::from(libc::pid_t::MAX) => {}
            _ => return Err(fail(NumError::Range)),
        }
    }
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
    if arg == FOLLOW {
        return Ok(IdArg::Follow);
    }
    parse::parse_u32(arg, 10).map(IdArg::Id).map_err(|e| e.to_error(what, arg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nsutils_common::cli::{os_args, Outcome};

    /// Opens /dev/null for every path, except that a path containing
    /// "missing" does not exist.
    pub(crate) struct FakeHost;

    impl Host for FakeHost {
        fn open(&self, path: &Path) -> io::Result<OwnedFd> {
            if path.to_string_lossy().contains("missing") {
                return Err(io::Error::from_raw_os_error(libc::ENOENT));
            }
            open_cloexec(Path::new("/dev/null"), libc::O_RDONLY)
        }
    }

    pub(crate) fn plan(args: &[&str]) -> Result<Plan> {
        match SPEC.build(&os_args(args), Builder::new(&FakeHost))? {
            Outcome::Run(plan) => Ok(plan),
            other => panic!("{args:?}: {other:?}"),
        }
    }

    fn err(args: &[&str]) -> String {
        plan(args).unwrap_err().message().to_string()
    }

    /// Where a namespace comes from, as text: "target", a path or ":ID".
    fn source(p: &Plan, ty: NsType) -> String {
        match p.namespaces.get(&ty) {
            None => "none".into(),
            Some(NsSource::Target) => "target".into(),
            Some(NsSource::File(f)) => f.path.to_string_lossy().into_owned(),
            Some(NsSource::Id(id)) => format!(":{id}"),
        }
    }

    fn dir(d: &Option<DirArg>) -> String {
        match d {
            None => "none".into(),
            Some(DirArg::Target) => "target".into(),
            Some(DirArg::Path(f)) => f.path.to_string_lossy().into_owned(),
        }
    }

    #[test]
    fn target_forms() {
        let p = plan(&["-t", "42", "-n", "ip", "a"]).unwrap();
        assert_eq!(p.target, Some(Target { pid: 42, inode: None }));
        assert_eq!(source(&p, NsType::Net), "target");
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
        // strtol's blanks and sign; a PID out of range before what follows it
        for (arg, pid, inode) in [(" 7", 7, None), ("+7", 7, None), ("7: 2", 7, Some(2)), ("7:+2", 7, Some(2))] {
            assert_eq!(plan(&["-t", arg, "-u"]).unwrap().target, Some(Target { pid, inode }), "{arg:?}");
        }
        for arg in ["0x10", "0 ", "-5abc", "2147483648x", "0:x"] {
            let want = format!("failed to parse PID argument '{arg}': Numerical result out of range");
            assert_eq!(err(&["-t", arg, "-u"]), want);
        }
        for arg in ["7 ", "1x", "7:0x5", "7 :5", " "] {
            assert_eq!(err(&["-t", arg, "-u"]), format!("failed to parse PID argument '{arg}': Invalid argument"));
        }
    }

    #[test]
    fn namespace_values() {
        let p = plan(&["-n/run/netns/x", "--uts=/u", "-i=/i", "--mount=:77", "--time=./:odd", "true"]).unwrap();
        assert_eq!(source(&p, NsType::Net), "/run/netns/x");
        assert_eq!(source(&p, NsType::Uts), "/u");
        // util-linux 2.43 strips the '=' of an attached short value
        assert_eq!(source(&p, NsType::Ipc), "/i");
        assert_eq!(source(&p, NsType::Mnt), ":77");
        assert_eq!(source(&p, NsType::Time), "./:odd");
        assert!(err(&["--net=:x", "true"]).starts_with("invalid namespace ID: ':x'"));
        assert!(err(&["--net=:0", "true"]).starts_with("invalid namespace ID: ':0'"));
        // `--net FILE` is "no value" and FILE is the program
        assert_eq!(err(&["--net", "/run/netns/x", "true"]), "no target PID specified");
        // an empty value is a file name; one '=' is dropped, long or short
        assert_eq!(source(&plan(&["--net=", "true"]).unwrap(), NsType::Net), "");
        assert_eq!(source(&plan(&["--net==/n", "true"]).unwrap(), NsType::Net), "/n");
        assert_eq!(source(&plan(&["-n==/n", "true"]).unwrap(), NsType::Net), "=/n");
        // the last spelling of a type wins, as in getopt loops
        let p = plan(&["-t", "1", "-n/x", "-n"]).unwrap();
        assert_eq!(source(&p, NsType::Net), "target");
    }

    #[test]
    fn what_needs_a_target() {
        // util-linux 2.43's words for a namespace of the target, -N and
        // --user-parent, before the checks of directories
        assert_eq!(err(&["-n", "true"]), "no target PID specified");
        assert_eq!(err(&["-r", "-U", "true"]), "no target PID specified");
        assert_eq!(err(&["-e", "-N", "3", "true"]), "no target PID specified");
        assert_eq!(err(&["-r", "--user-parent", "true"]), "no target PID specified");
        assert_eq!(err(&["-a", "true"]), "no target PID specified for --all");
        assert_eq!(err(&["-r", "true"]), "neither filename nor target pid supplied for root");
        assert_eq!(err(&["-w", "true"]), "neither filename nor target pid supplied for cwd");
        assert_eq!(err(&["-n/x", "-e", "true"]), "neither filename nor target pid supplied for environ");
        assert_eq!(err(&["-n/x", "-c", "true"]), "neither filename nor target pid supplied for cgroup");
        assert_eq!(err(&["-N", "3", "true"]), "no target PID specified");
        assert_eq!(err(&["-n/x", "-S", "follow"]), "no target PID specified for --setuid follow");
        assert_eq!(err(&["-n/x", "-G", "follow"]), "no target PID specified for --setgid follow");
        assert_eq!(err(&["-n/x", "-Z"]), "no target PID specified for --follow-context");
        assert_eq!(err(&["--user-parent"]), "no target PID specified");
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
        assert_eq!((dir(&p.root), dir(&p.wd)), ("target".into(), "/tmp".into()));
        let p = plan(&["-t", "1", "-m", "-W/srv", "true"]).unwrap();
        assert_eq!(p.wdns, Some("/srv".into()));
        // an attached value is a directory, even empty; -w and -W drop one
        // '=' of it, -r none (as util-linux 2.43)
        let p = plan(&["-t", "1", "-m", "-w=", "true"]).unwrap();
        assert_eq!(dir(&p.wd), "");
        let p = plan(&["-t", "1", "-m", "--wd==/w", "-r=/r", "true"]).unwrap();
        assert_eq!((dir(&p.wd), dir(&p.root)), ("/w".into(), "=/r".into()));
        let p = plan(&["-t", "1", "-m", "-W=", "true"]).unwrap();
        assert_eq!(p.wdns, Some("".into()));
        // util-linux checks the pair in its loop, the earlier option first
        assert_eq!(err(&["-t", "1", "-u", "-W/tmp", "-w", "true"]), "options --wdns and --wd cannot be combined");
        assert_eq!(err(&["-t", "1", "-u", "-w", "-W/tmp", "--bogus"]), "options --wd and --wdns cannot be combined");
        // -W takes an optional (attached) value: a separate word is the program
        assert!(err(&["-t", "1", "-u", "-W", "/tmp", "pwd"]).starts_with("option --wdns needs a directory"));
    }

    #[test]
    fn net_socket() {
        let p = plan(&["-t", "1", "-N", "7", "true"]).unwrap();
        assert_eq!(p.net_socket, Some(7));
        assert_eq!(err(&["-t", "1", "-N", "x"]), "failed to parse file descriptor: 'x'");
        // -N wins over a network namespace option (util-linux 2.43)
        for args in [&["-t", "1", "-N", "3", "-n"][..], &["-t", "1", "--net=/n", "-N", "3"]] {
            let p = plan(args).unwrap();
            assert_eq!((p.net_socket, source(&p, NsType::Net)), (Some(3), "none".into()), "{args:?}");
        }
        // a negative descriptor is none
        assert_eq!(err(&["-t", "1", "-N", "-1"]), "no namespace specified");
        assert_eq!(plan(&["-t", "1", "-N", "-2147483648", "-n"]).unwrap().net_socket, None);
        assert_eq!(
            err(&["-t", "1", "-N", "-2147483649"]),
            "failed to parse file descriptor: '-2147483649': Numerical result out of range"
        );
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
    fn files_are_opened_when_their_option_is_read() {
        assert_eq!(err(&["--net=/missing", "--bogus"]), "cannot open /missing: No such file or directory");
        assert_eq!(err(&["-r/missing", "-t", "abc"]), "cannot open /missing: No such file or directory");
        assert_eq!(err(&["-t", "abc", "-w/missing"]), "failed to parse PID argument 'abc': Invalid argument");
        assert_eq!(err(&["-W/x", "-w/missing"]), "options --wdns and --wd cannot be combined");
        assert_eq!(err(&["-w/missing", "-W/x"]), "cannot open /missing: No such file or directory");
        // the last spelling wins, and the file of an earlier one is closed
        let p = plan(&["-t", "1", "-n/a", "-n/b"]).unwrap();
        assert_eq!(source(&p, NsType::Net), "/b");
    }

    #[test]
    fn a_bad_value_comes_before_a_later_bad_option() {
        for (args, message) in [
            (&["-t", "abc", "--bogus"][..], "failed to parse PID argument 'abc': Invalid argument"),
            (&["-N", "x", "-Y"], "failed to parse file descriptor: 'x'"),
            (&["-S", "abc", "--bogus"], "failed to parse uid: 'abc'"),
            (&["-t", "1", "-t", "1", "--bogus"], "option --target may be given only once"),
        ] {
            assert_eq!(err(args), message, "{args:?}");
        }
        assert_eq!(err(&["--bogus", "-t", "abc"]), "unrecognized option '--bogus'");
        // checks after the loop come after every getopt error
        assert_eq!(err(&["-N", "3", "-n", "--bogus"]), "unrecognized option '--bogus'");
    }

    #[test]
    fn namespace_options_come_from_the_namespace_table() {
        for ty in NsType::ALL {
            let o = OPTS.iter().find(|o| o.id == Id::Ns(ty)).unwrap();
            assert_eq!((o.short, o.long), (Some(ty.short_option()), Some(ty.long_option())));
            let p = plan(&["-t", "1", &format!("-{}", ty.short_option())]).unwrap();
            assert_eq!(p.namespaces.keys().copied().collect::<Vec<_>>(), vec![ty]);
        }
    }
}
