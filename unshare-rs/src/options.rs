//! The command line of `unshare-rs` and the validated [`Plan`] it becomes.
//!
//! Parsing is two-staged: [`SPEC`] splits argv the way `getopt_long` does,
//! then [`Plan::build`] walks the options in order (so errors come in the
//! order util-linux reports them) and resolves every implication: `-r`
//! implies `-U`, `--mount-proc` implies `-m`, `--kill-child` implies `-f`,
//! single ID maps are merged into ranges, and so on. Nothing here touches
//! the kernel; what the plan needs from the system (ids, files, names)
//! comes through [`Host`], so it is unit-tested without root.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use nsutils_common::cli::{HasArg, Mode, Opt, Parsed, Spec};
use nsutils_common::ns::NsType;
use nsutils_common::parse::{parse_i64, parse_u32, NumError};
use nsutils_common::{signals, Error, Result};

pub use crate::idmap::IdMap;
use crate::idmap::{self, IdKind, SingleId, Wanted};

const fn ns_opt(long: &'static str, short: char, help: &'static str) -> Opt {
    Opt::optional(long, Some(short), "<file>", help).short_takes(HasArg::No)
}

const OPTS: &[Opt] = &[
    ns_opt("mount", 'm', "new mount namespace"),
    ns_opt("uts", 'u', "new UTS namespace (host and domain name)"),
    ns_opt("ipc", 'i', "new System V IPC and POSIX queue namespace"),
    ns_opt("net", 'n', "new network namespace"),
    ns_opt("pid", 'p', "new PID namespace (for forked children)"),
    ns_opt("user", 'U', "new user namespace"),
    ns_opt("cgroup", 'C', "new cgroup namespace"),
    ns_opt("time", 'T', "new time namespace (for forked children)"),
    Opt::optional("mount-proc", None, "<dir>", "mount a fresh proc on <dir> (implies --mount)").in_section(1),
    Opt::optional("mount-binfmt", None, "<dir>", "mount a fresh binfmt_misc\n(implies --user and --mount)")
        .in_section(1),
    Opt::required(
        "load-interp",
        Some('l'),
        "<definition>",
        "register a binfmt_misc interpreter in it\n(implies --mount-binfmt)",
    )
    .in_section(1),
    Opt::required(
        "propagation",
        None,
        "slave|shared|private|unchanged",
        "set the propagation of all mounts in the\nnew mount namespace (default: private)",
    )
    .in_section(1),
    Opt::required("root", Some('R'), "<dir>", "chroot to <dir> before running the program").in_section(1),
    Opt::required("wd", Some('w'), "<dir>", "change to directory <dir>").in_section(1),
    Opt::required("setuid", Some('S'), "<uid>", "become user <uid> before running the program").in_section(2),
    Opt::required("setgid", Some('G'), "<gid>", "become group <gid> before running the program").in_section(2),
    Opt::required("map-user", None, "<uid>|<name>", "map your uid to <uid> (implies --user)").in_section(2),
    Opt::required("map-group", None, "<gid>|<name>", "map your gid to <gid> (implies --user)").in_section(2),
    Opt::flag("map-root-user", Some('r'), "map your uid and gid to root (implies --user)").in_section(2),
    Opt::flag("map-current-user", Some('c'), "map your uid and gid onto themselves\n(implies --user)").in_section(2),
    Opt::flag("map-auto", None, "map your first ranges in /etc/subuid and\n/etc/subgid from 0 (implies --user)")
        .in_section(2),
    Opt::flag(
        "map-subids",
        None,
        "map your first ranges in /etc/subuid and\n/etc/subgid onto themselves (implies --user)",
    )
    .in_section(2),
    Opt::required(
        "map-users",
        None,
        "<inneruid>:<outeruid>:<count>",
        "map <count> uids from <outeruid> to <inneruid>;\nalso auto, subids or all (implies --user)",
    )
    .in_section(2),
    Opt::required(
        "map-groups",
        None,
        "<innergid>:<outergid>:<count>",
        "map <count> gids from <outergid> to <innergid>;\nalso auto, subids or all (implies --user)",
    )
    .in_section(2),
    Opt::required("owner", None, "<uid>:<gid>", "create the user namespace as <uid>:<gid>\n(implies --user)")
        .in_section(2),
    Opt::flag("fork", Some('f'), "run the program as a child and wait for it").in_section(3),
    Opt::optional(
        "kill-child",
        None,
        "<signame>",
        "send <signame> (default KILL) to the child when\nwe die (implies --fork)",
    )
    .in_section(3),
    Opt::flag("forward-signals", None, "pass SIGTERM and SIGINT on to the child\n(implies --fork)").in_section(3),
    Opt::required("setgroups", None, "allow|deny", "allow or deny setgroups(2) in the user namespace").in_section(4),
    Opt::flag("keep-caps", None, "keep the user namespace's capabilities\nacross exec").in_section(4),
    Opt::required("monotonic", None, "<offset>", "offset CLOCK_MONOTONIC by <offset> seconds").in_section(5),
    Opt::required("boottime", None, "<offset>", "offset CLOCK_BOOTTIME by <offset> seconds").in_section(5),
    Opt::flag("clear-env", None, "start the program with an empty environment").in_section(5),
    Opt::required("whitelist-env", None, "<list>", "keep only the comma-separated variables in <list>").in_section(5),
];

/// The command line of `unshare-rs`.
pub const SPEC: Spec = Spec {
    name: "unshare-rs",
    usage: &["[options] [<program> [<argument>...]]"],
    about: "Run a program with some namespaces unshared from the parent.",
    opts: OPTS,
    section_titles: &[],
    after_help: "",
    man: "unshare-rs(1)",
    mode: Mode::StopAtFirstOperand,
};

/// What `--propagation` does to the new mount namespace's mounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Propagation {
    /// `MS_REC|MS_SLAVE`.
    Slave,
    /// `MS_REC|MS_SHARED`.
    Shared,
    /// `MS_REC|MS_PRIVATE` (the default).
    Private,
    /// Leave propagation as copied from the parent namespace.
    Unchanged,
}

impl Propagation {
    /// The `mount(2)` flags, 0 for [`Propagation::Unchanged`].
    pub fn mount_flags(self) -> libc::c_ulong {
        match self {
            Propagation::Slave => libc::MS_REC | libc::MS_SLAVE,
            Propagation::Shared => libc::MS_REC | libc::MS_SHARED,
            Propagation::Private => libc::MS_REC | libc::MS_PRIVATE,
            Propagation::Unchanged => 0,
        }
    }
}

/// The value of `--setgroups`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetGroups {
    /// `allow`.
    Allow,
    /// `deny`.
    Deny,
}

impl SetGroups {
    /// The word written to `/proc/self/setgroups`.
    pub fn word(self) -> &'static str {
        match self {
            SetGroups::Allow => "allow",
            SetGroups::Deny => "deny",
        }
    }
}

/// The environment the program gets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EnvPlan {
    /// Ours, unchanged.
    #[default]
    Inherit,
    /// Only these variables (values as they were when parsing).
    Only(Vec<(OsString, OsString)>),
}

/// Everything `unshare-rs` will do, with every option's implications
/// resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// `CLONE_NEW*` flags for the one `unshare(2)` call.
    pub flags: libc::c_int,
    /// Namespaces to bind-mount onto files, in [`NsType::ENTER_ORDER`].
    pub persist: Vec<(NsType, PathBuf)>,
    /// Fork and wait instead of exec'ing directly.
    pub fork: bool,
    /// Parent-death signal of the child (`--kill-child`).
    pub kill_child: Option<i32>,
    /// Relay SIGTERM and SIGINT to the child instead of holding them back.
    pub forward_signals: bool,
    /// Propagation applied to `/` of a new mount namespace.
    pub propagation: Propagation,
    /// Where to mount a fresh proc.
    pub mount_proc: Option<PathBuf>,
    /// Where to mount a fresh binfmt_misc.
    pub binfmt: Option<PathBuf>,
    /// A binfmt_misc registration string to load.
    pub interpreter: Option<OsString>,
    /// `--root`.
    pub root: Option<PathBuf>,
    /// `--wd`.
    pub wd: Option<PathBuf>,
    /// `--setuid`.
    pub setuid: Option<u32>,
    /// `--setgid`.
    pub setgid: Option<u32>,
    /// The uid map.
    pub uid_map: IdMap,
    /// The gid map.
    pub gid_map: IdMap,
    /// `--owner`: credentials taken before `unshare(2)`; 4294967295
    /// (`-1`) leaves that one as it is, as with `chown(2)`.
    pub owner: Option<(u32, u32)>,
    /// `--setgroups`.
    pub setgroups: Option<SetGroups>,
    /// `--keep-caps` (only meaningful with a new user namespace).
    pub keep_caps: bool,
    /// `--boottime` offset in seconds.
    pub boottime: Option<i64>,
    /// `--monotonic` offset in seconds.
    pub monotonic: Option<i64>,
    /// The environment of the program.
    pub env: EnvPlan,
    /// The program and its arguments; empty means the login shell.
    pub program: Vec<OsString>,
}

/// What building a plan needs to know about the system.
pub trait Host {
    /// Our effective uid.
    fn euid(&self) -> u32;
    /// Our effective gid.
    fn egid(&self) -> u32;
    /// A file's contents (`/etc/subuid`, `/proc/self/uid_map`), `None` if unreadable.
    fn read(&self, path: &str) -> Option<Vec<u8>>;
    /// The login name of `uid`.
    fn user_name(&self, uid: u32) -> Option<String>;
    /// The uid of user `name`.
    fn uid_by_name(&self, name: &str) -> Option<u32>;
    /// The gid of group `name`.
    fn gid_by_name(&self, name: &str) -> Option<u32>;
    /// An environment variable.
    fn var(&self, name: &OsStr) -> Option<OsString>;
}

/// The running system.
pub struct System;

impl Host for System {
    fn euid(&self) -> u32 {
        // SAFETY: geteuid cannot fail.
        unsafe { libc::geteuid() }
    }
    fn egid(&self) -> u32 {
        // SAFETY: getegid cannot fail.
        unsafe { libc::getegid() }
    }
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        std::fs::read(path).ok()
    }
    fn user_name(&self, uid: u32) -> Option<String> {
        nsutils_common::users::user_name(uid)
    }
    fn uid_by_name(&self, name: &str) -> Option<u32> {
        nsutils_common::users::uid_by_name(name)
    }
    fn gid_by_name(&self, name: &str) -> Option<u32> {
        nsutils_common::users::gid_by_name(name)
    }
    fn var(&self, name: &OsStr) -> Option<OsString> {
        std::env::var_os(name)
    }
}

/// A uid or gid for `--map-user`/`--map-group`: a name, else a decimal
/// number (util-linux 2.42+ wording: `failed to parse uid 'x': Invalid argument`).
fn map_id(value: &str, by_name: Option<u32>, what: &str) -> Result<u32> {
    if let Some(id) = by_name {
        return Ok(id);
    }
    match parse_u32(value, 10) {
        // (uid_t)-1 is never a valid id
        Ok(id) if id != u32::MAX => Ok(id),
        Ok(_) => Err(NumError::Invalid),
        Err(e) => Err(e),
    }
    .map_err(|e| Error::errno(format!("failed to parse {what} '{value}'"), e.errno()))
}

/// A number for `-S`/`-G` (`strtoul_or_err` wording).
fn number_u32(value: &str, what: &str) -> Result<u32> {
    parse_u32(value, 10).map_err(|e| e.to_error(what, value))
}

/// `--owner UID:GID`: exactly two decimal numbers, where `-1` (or
/// 4294967295) keeps that ID, as util-linux 2.43 takes it.
fn parse_owner(value: &str) -> Result<(u32, u32)> {
    let bad = || Error::msg("failed to parse owner");
    let id = |s: &str| if s == "-1" { Some(u32::MAX) } else { idmap::decimal(s) };
    let (u, g) = value.split_once(':').ok_or_else(bad)?;
    Ok((id(u).ok_or_else(bad)?, id(g).ok_or_else(bad)?))
}

/// One `--map-users`/`--map-groups` value (or `--map-auto`/`--map-subids`).
fn ranges_for(kind: IdKind, value: &str, host: &dyn Host) -> Result<Vec<Wanted>> {
    let euid = host.euid();
    let subid = |identity| {
        let contents = host.read(kind.subid_file());
        idmap::subid_range(kind, contents.as_deref(), host.user_name(euid).as_deref(), euid, identity)
    };
    match value {
        "auto" => Ok(vec![subid(false)?]),
        "subids" => Ok(vec![subid(true)?]),
        "all" => {
            let file = format!("/proc/self/{}", kind.map_file());
            let map = host.read(&file).ok_or_else(|| Error::msg(format!("could not open '{file}'")))?;
            idmap::identity_of_own_map(&map)
        }
        spec => Ok(vec![idmap::parse_range(spec)?]),
    }
}

impl Plan {
    /// Turn parsed options and operands into a plan, reporting the first
    /// bad value the way util-linux does.
    pub fn build(parsed: &Parsed, host: &dyn Host) -> Result<Plan> {
        let mut flags = 0;
        let mut targets: Vec<(NsType, PathBuf)> = Vec::new();
        let mut fork = false;
        let mut kill_child = None;
        let mut forward_signals = false;
        let mut propagation = Propagation::Private;
        let mut mount_proc: Option<PathBuf> = None;
        let mut binfmt: Option<PathBuf> = None;
        let mut interpreter = None;
        let (mut root, mut wd, mut setuid, mut setgid) = (None, None, None, None);
        let (mut map_user, mut map_group): (Option<SingleId>, Option<SingleId>) = (None, None);
        let (mut user_ranges, mut group_ranges): (Vec<Wanted>, Vec<Wanted>) = (Vec::new(), Vec::new());
        let mut owner = None;
        let mut setgroups = None;
        let mut keep_caps = false;
        let (mut boottime, mut monotonic) = (None, None);
        let mut env = EnvPlan::Inherit;

        // --mount-binfmt without a directory uses /proc's, and so needs a
        // fresh /proc too
        let default_binfmt = |binfmt: &mut Option<PathBuf>, mount_proc: &mut Option<PathBuf>| {
            if binfmt.is_none() {
                binfmt.replace(PathBuf::from("/proc/sys/fs/binfmt_misc"));
                mount_proc.get_or_insert_with(|| PathBuf::from("/proc"));
            }
        };

        for m in &parsed.opts {
            let v = m.value_str();
            let path = || m.value.clone().map(PathBuf::from);
            if let Some(ty) = NsType::from_long_option(m.id) {
                flags |= ty.clone_flag();
                if let Some(p) = path() {
                    targets.retain(|(t, _)| *t != ty);
                    targets.push((ty, p));
                }
                continue;
            }
            match m.id {
                "fork" => fork = true,
                "kill-child" => {
                    fork = true;
                    kill_child = Some(match &m.value {
                        None => libc::SIGKILL,
                        Some(_) => signals::from_name(&v).ok_or_else(|| Error::msg(format!("unknown signal: {v}")))?,
                    });
                }
                "forward-signals" => {
                    fork = true;
                    forward_signals = true;
                }
                "mount-proc" => {
                    flags |= libc::CLONE_NEWNS;
                    mount_proc = Some(path().unwrap_or_else(|| PathBuf::from("/proc")));
                }
                "mount-binfmt" => {
                    flags |= libc::CLONE_NEWNS | libc::CLONE_NEWUSER;
                    match path() {
                        Some(p) => binfmt = Some(p),
                        None => default_binfmt(&mut binfmt, &mut mount_proc),
                    }
                }
                "load-interp" => {
                    flags |= libc::CLONE_NEWNS | libc::CLONE_NEWUSER;
                    default_binfmt(&mut binfmt, &mut mount_proc);
                    interpreter = m.value.clone();
                }
                "propagation" => {
                    propagation = match v.as_str() {
                        "slave" => Propagation::Slave,
                        "shared" => Propagation::Shared,
                        "private" => Propagation::Private,
                        "unchanged" => Propagation::Unchanged,
                        _ => return Err(Error::msg(format!("unsupported propagation mode: {v}"))),
                    }
                }
                "root" => root = path(),
                "wd" => wd = path(),
                "setuid" => setuid = Some(number_u32(&v, "failed to parse uid")?),
                "setgid" => setgid = Some(number_u32(&v, "failed to parse gid")?),
                "map-user" => {
                    flags |= libc::CLONE_NEWUSER;
                    map_user = Some(SingleId::Id(map_id(&v, host.uid_by_name(&v), "uid")?));
                }
                "map-group" => {
                    flags |= libc::CLONE_NEWUSER;
                    map_group = Some(SingleId::Id(map_id(&v, host.gid_by_name(&v), "gid")?));
                }
                "map-root-user" => {
                    flags |= libc::CLONE_NEWUSER;
                    (map_user, map_group) = (Some(SingleId::Id(0)), Some(SingleId::Id(0)));
                }
                "map-current-user" => {
                    flags |= libc::CLONE_NEWUSER;
                    (map_user, map_group) = (Some(SingleId::Same), Some(SingleId::Same));
                }
                "map-users" | "map-groups" | "map-auto" | "map-subids" => {
                    flags |= libc::CLONE_NEWUSER;
                    let value = match m.id {
                        "map-auto" => "auto",
                        "map-subids" => "subids",
                        _ => v.as_str(),
                    };
                    if m.id != "map-groups" {
                        user_ranges.extend(ranges_for(IdKind::User, value, host)?);
                    }
                    if m.id != "map-users" {
                        group_ranges.extend(ranges_for(IdKind::Group, value, host)?);
                    }
                }
                "owner" => {
                    flags |= libc::CLONE_NEWUSER;
                    owner = Some(parse_owner(&v)?);
                }
                "setgroups" => {
                    setgroups = Some(match v.as_str() {
                        "allow" => SetGroups::Allow,
                        "deny" => SetGroups::Deny,
                        _ => return Err(Error::msg(format!("unsupported --setgroups argument '{v}'"))),
                    })
                }
                "keep-caps" => keep_caps = true,
                "monotonic" => monotonic = Some(offset(&v, "monotonic")?),
                "boottime" => boottime = Some(offset(&v, "boottime")?),
                "clear-env" => {
                    if env == EnvPlan::Inherit {
                        env = EnvPlan::Only(Vec::new());
                    }
                }
                "whitelist-env" => {
                    let mut keep = match env {
                        EnvPlan::Only(k) => k,
                        EnvPlan::Inherit => Vec::new(),
                    };
                    for name in m.value.as_deref().unwrap_or_default().as_bytes().split(|&b| b == b',') {
                        // a name with '=' is no variable (setenv(3) refuses
                        // it), though glibc's getenv("A=B") finds the value
                        // of A that starts with "B="
                        if name.is_empty() || name.contains(&b'=') {
                            continue;
                        }
                        let name = OsStr::from_bytes(name);
                        if keep.iter().any(|(k, _)| k == name) {
                            continue;
                        }
                        if let Some(value) = host.var(name) {
                            keep.push((name.to_os_string(), value));
                        }
                    }
                    env = EnvPlan::Only(keep);
                }
                other => unreachable!("option {other} is in the table but not handled"),
            }
        }

        if (monotonic.is_some() || boottime.is_some()) && flags & NsType::Time.clone_flag() == 0 {
            return Err(Error::msg("options --monotonic and --boottime require unsharing of a time namespace (-T)"));
        }

        // The maps. A single ID joins the ranges when there are any (one
        // writer for the whole map), and with --owner (after giving up root
        // we may no longer write our own /proc/self files: the helper does).
        // Its outer side is the ID the namespace is made with: the owner's
        // (util-linux 2.43 maps the caller's, see unshare-rs(1) NOTES).
        let keep = |id: u32, ours: u32| if id == u32::MAX { ours } else { id };
        let (outer_uid, outer_gid) = match owner {
            Some((u, g)) => (keep(u, host.euid()), keep(g, host.egid())),
            None => (host.euid(), host.egid()),
        };
        let uid_map = idmap::plan_map(map_user, outer_uid, &user_ranges, owner.is_some());
        let gid_map = idmap::plan_map(map_group, outer_gid, &group_ranges, owner.is_some());
        // a single gid map needs setgroups denied first (Linux 3.19+)
        if setgroups == Some(SetGroups::Allow) && matches!(gid_map, IdMap::Single(_)) {
            return Err(Error::msg("options --setgroups=allow and --map-group are mutually exclusive"));
        }

        // persistence in the order the namespaces are bound
        let persist =
            NsType::ENTER_ORDER.iter().filter_map(|ty| targets.iter().find(|(t, _)| t == ty).cloned()).collect();

        Ok(Plan {
            flags,
            persist,
            fork,
            kill_child,
            forward_signals,
            propagation,
            mount_proc,
            binfmt,
            interpreter,
            root,
            wd,
            setuid,
            setgid,
            uid_map,
            gid_map,
            owner,
            setgroups,
            keep_caps,
            boottime,
            monotonic,
            env,
            program: parsed.operands.clone(),
        })
    }

    /// Whether the plan creates a namespace of type `ty`.
    pub fn creates(&self, ty: NsType) -> bool {
        self.flags & ty.clone_flag() != 0
    }

    /// The namespace types created, in [`NsType::ENTER_ORDER`].
    pub fn types(&self) -> Vec<NsType> {
        NsType::in_flags(self.flags).collect()
    }

    /// Whether the binfmt_misc interpreter must be registered before
    /// `--root`: with the `F` (fix binary) flag the kernel opens the
    /// interpreter at registration, so its path is outside the new root.
    pub fn binfmt_before_root(&self) -> bool {
        let fix_binary = self
            .interpreter
            .as_deref()
            .and_then(|i| i.as_bytes().rsplit(|&b| b == b':').next().map(|f| f.contains(&b'F')))
            .unwrap_or(false);
        fix_binary && self.root.is_some()
    }
}

fn offset(value: &str, clock: &str) -> Result<i64> {
    parse_i64(value, 10).map_err(|e| e.to_error(&format!("failed to parse {clock} offset"), value))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use nsutils_common::cli::os_args;
    use std::collections::HashMap;

    pub(crate) struct FakeHost {
        pub euid: u32,
        pub egid: u32,
        pub files: HashMap<&'static str, &'static str>,
        pub env: Vec<(&'static str, &'static str)>,
    }

    impl FakeHost {
        pub fn user(euid: u32, egid: u32) -> FakeHost {
            FakeHost { euid, egid, files: HashMap::new(), env: Vec::new() }
        }
    }

    impl Host for FakeHost {
        fn euid(&self) -> u32 {
            self.euid
        }
        fn egid(&self) -> u32 {
            self.egid
        }
        fn read(&self, path: &str) -> Option<Vec<u8>> {
            self.files.get(path).map(|s| s.as_bytes().to_vec())
        }
        fn user_name(&self, uid: u32) -> Option<String> {
            [(0, "root"), (1000, "alice")].iter().find(|(u, _)| *u == uid).map(|(_, n)| n.to_string())
        }
        fn uid_by_name(&self, name: &str) -> Option<u32> {
            [("root", 0), ("daemon", 1)].iter().find(|(n, _)| *n == name).map(|(_, u)| *u)
        }
        fn gid_by_name(&self, name: &str) -> Option<u32> {
            [("root", 0), ("daemon", 1)].iter().find(|(n, _)| *n == name).map(|(_, g)| *g)
        }
        fn var(&self, name: &OsStr) -> Option<OsString> {
            self.env.iter().find(|(k, _)| OsStr::new(k) == name).map(|(_, v)| OsString::from(v))
        }
    }

    fn plan_as(host: &FakeHost, args: &[&str]) -> Result<Plan> {
        Plan::build(&SPEC.parse(&os_args(args))?, host)
    }

    fn plan(args: &[&str]) -> Plan {
        plan_as(&FakeHost::user(1000, 1000), args).unwrap()
    }

    fn err(args: &[&str]) -> String {
        plan_as(&FakeHost::user(1000, 1000), args).unwrap_err().message().to_string()
    }

    fn r(inner: u32, outer: u32, count: u32) -> idmap::IdRange {
        idmap::IdRange::new(inner, outer, count).unwrap()
    }

    #[test]
    fn namespace_flags_and_defaults() {
        let p = plan(&["-muinpUCT", "true"]);
        let all = NsType::ALL.iter().fold(0, |f, t| f | t.clone_flag());
        assert_eq!(p.flags, all);
        assert!(!p.fork);
        assert_eq!(p.propagation, Propagation::Private);
        assert_eq!(p.program, os_args(&["true"]));
        assert_eq!(p.types()[0], NsType::User);
        let p = plan(&[]);
        assert_eq!(p.flags, 0);
        assert!(p.program.is_empty());
    }

    #[test]
    fn implications() {
        assert!(plan(&["--kill-child"]).fork);
        assert_eq!(plan(&["--kill-child"]).kill_child, Some(libc::SIGKILL));
        assert_eq!(plan(&["--kill-child=sigterm"]).kill_child, Some(libc::SIGTERM));
        let p = plan(&["--forward-signals"]);
        assert!(p.fork && p.forward_signals);
        let p = plan(&["--mount-proc"]);
        assert_eq!(p.flags, libc::CLONE_NEWNS);
        assert_eq!(p.mount_proc, Some(PathBuf::from("/proc")));
        assert!(!p.fork, "--mount-proc does not imply --fork");
        assert!(!plan(&["-p"]).fork, "-p does not imply --fork");
        for a in ["-r", "-c", "--map-user=0", "--map-group=0", "--owner=1:1", "--map-users=0:1:1"] {
            assert_eq!(plan(&[a]).flags, libc::CLONE_NEWUSER, "{a}");
        }
        let p = plan(&["--mount-binfmt"]);
        assert_eq!(p.flags, libc::CLONE_NEWNS | libc::CLONE_NEWUSER);
        assert_eq!(p.binfmt, Some(PathBuf::from("/proc/sys/fs/binfmt_misc")));
        assert_eq!(p.mount_proc, Some(PathBuf::from("/proc")));
        let p = plan(&["--mount-binfmt=/b"]);
        assert_eq!((p.binfmt, p.mount_proc), (Some(PathBuf::from("/b")), None));
        let p = plan(&["--mount-proc=/p", "-l", ":x:E::x::/bin/sh:"]);
        assert_eq!(p.mount_proc, Some(PathBuf::from("/p")));
        assert_eq!(p.binfmt, Some(PathBuf::from("/proc/sys/fs/binfmt_misc")));
        assert_eq!(p.interpreter, Some(OsString::from(":x:E::x::/bin/sh:")));
        assert!(!p.binfmt_before_root());
        assert!(plan(&["-l", ":x:E::x::/bin/sh:F", "-R", "/r"]).binfmt_before_root());
    }

    #[test]
    fn persistence_is_ordered_and_last_wins() {
        let p = plan(&["--net=/a", "--mount=/m", "--user=/u", "--net=/b", "--pid=/p", "-f"]);
        let got: Vec<_> = p.persist.iter().map(|(t, f)| (t.name(), f.to_str().unwrap())).collect();
        assert_eq!(got, vec![("user", "/u"), ("net", "/b"), ("pid", "/p"), ("mnt", "/m")]);
        // `--net /tmp`: no file, /tmp is the program
        let p = plan(&["--net", "/tmp"]);
        assert!(p.persist.is_empty());
        assert_eq!(p.program, os_args(&["/tmp"]));
    }

    #[test]
    fn single_maps() {
        let p = plan(&["-r"]);
        assert_eq!(p.uid_map, IdMap::Single(r(0, 1000, 1)));
        assert_eq!(p.gid_map, IdMap::Single(r(0, 1000, 1)));
        let p = plan_as(&FakeHost::user(1000, 100), &["-c"]).unwrap();
        assert_eq!((p.uid_map, p.gid_map), (IdMap::Single(r(1000, 1000, 1)), IdMap::Single(r(100, 100, 1))));
        let p = plan(&["--map-user=daemon", "--map-group", "7"]);
        assert_eq!((p.uid_map, p.gid_map), (IdMap::Single(r(1, 1000, 1)), IdMap::Single(r(7, 1000, 1))));
        let p = plan(&["-r", "--map-user=5"]);
        assert_eq!((p.uid_map, p.gid_map), (IdMap::Single(r(5, 1000, 1)), IdMap::Single(r(0, 1000, 1))));
        assert_eq!(plan(&["-U"]).uid_map, IdMap::None);
    }

    #[test]
    fn ranges_and_merging() {
        let p = plan(&["--map-users=100000,0,65536", "-r"]);
        assert_eq!(p.uid_map, IdMap::Ranges(vec![r(0, 1000, 1), r(1, 100000, 65535)]));
        assert_eq!(p.gid_map, IdMap::Single(r(0, 1000, 1)));
        let p = plan(&["--map-users=0:100000:10", "--map-users=10:200000:10", "--map-groups=0:5:1"]);
        assert_eq!(p.uid_map, IdMap::Ranges(vec![r(0, 100000, 10), r(10, 200000, 10)]));
        assert_eq!(p.gid_map, IdMap::Ranges(vec![r(0, 5, 1)]));
        // --owner: the single map is written by the helper, for the owner
        let p = plan(&["--owner=7:8", "-r"]);
        assert_eq!(p.owner, Some((7, 8)));
        assert_eq!((p.uid_map, p.gid_map), (IdMap::Ranges(vec![r(0, 7, 1)]), IdMap::Ranges(vec![r(0, 8, 1)])));
        let p = plan(&["--owner=7:8", "-c"]);
        assert_eq!((p.uid_map, p.gid_map), (IdMap::Ranges(vec![r(7, 7, 1)]), IdMap::Ranges(vec![r(8, 8, 1)])));
        // -1 (4294967295) keeps an ID, which is then ours
        let p = plan(&["--owner=-1:-1", "-r"]);
        assert_eq!(p.owner, Some((u32::MAX, u32::MAX)));
        assert_eq!((p.uid_map, p.gid_map), (IdMap::Ranges(vec![r(0, 1000, 1)]), IdMap::Ranges(vec![r(0, 1000, 1)])));
        let p = plan(&["--owner=4294967295:0", "-c"]);
        assert_eq!((p.uid_map, p.gid_map), (IdMap::Ranges(vec![r(1000, 1000, 1)]), IdMap::Ranges(vec![r(0, 0, 1)])));
        // the outer ID leaves a range that holds it (util-linux 2.43)
        let p = plan(&["--map-users=0:0:65536", "-r"]);
        assert_eq!(p.uid_map, IdMap::Ranges(vec![r(0, 1000, 1), r(1, 0, 1000), r(1001, 1001, 64535)]));
    }

    #[test]
    fn subid_and_all_maps() {
        let mut host = FakeHost::user(1000, 1000);
        host.files.insert("/etc/subuid", "alice:100000:65536\n");
        host.files.insert("/etc/subgid", "1000:200000:65536\n");
        host.files.insert("/proc/self/uid_map", "0 1000 1\n1 100000 10\n");
        host.files.insert("/proc/self/gid_map", "0 0 4294967295\n");
        let p = plan_as(&host, &["--map-auto"]).unwrap();
        assert_eq!(p.uid_map, IdMap::Ranges(vec![r(0, 100000, 65536)]));
        assert_eq!(p.gid_map, IdMap::Ranges(vec![r(0, 200000, 65536)]));
        let p = plan_as(&host, &["--map-auto", "-r"]).unwrap();
        assert_eq!(p.uid_map, IdMap::Ranges(vec![r(0, 1000, 1), r(1, 100000, 65536)]));
        let p = plan_as(&host, &["--map-subids", "-c"]).unwrap();
        assert_eq!(p.uid_map, IdMap::Ranges(vec![r(1000, 1000, 1), r(100000, 100000, 65536)]));
        let p = plan_as(&host, &["--map-users=all", "--map-groups=all"]).unwrap();
        assert_eq!(p.uid_map, IdMap::Ranges(vec![r(0, 0, 1), r(1, 1, 10)]));
        assert_eq!(p.gid_map, IdMap::Ranges(vec![r(0, 0, u32::MAX)]));
        let root = FakeHost::user(0, 0);
        let e = plan_as(&root, &["--map-auto"]).unwrap_err();
        assert_eq!(e.message(), "no line matching user \"root\" in /etc/subuid");
    }

    #[test]
    fn bad_values_in_util_linux_words() {
        assert_eq!(err(&["--propagation", "foo"]), "unsupported propagation mode: foo");
        assert_eq!(err(&["--setgroups", "foo"]), "unsupported --setgroups argument 'foo'");
        assert_eq!(err(&["--kill-child=FOO"]), "unknown signal: FOO");
        assert_eq!(err(&["--kill-child=9"]), "unknown signal: 9");
        assert_eq!(
            err(&["--monotonic", "5"]),
            "options --monotonic and --boottime require unsharing of a time namespace (-T)"
        );
        assert_eq!(err(&["-T", "--boottime=abc"]), "failed to parse boottime offset: 'abc'");
        assert_eq!(
            err(&["-T", "--monotonic=99999999999999999999"]),
            "failed to parse monotonic offset: '99999999999999999999': Numerical result out of range"
        );
        assert_eq!(err(&["--map-user=nosuchuser"]), "failed to parse uid 'nosuchuser': Invalid argument");
        assert_eq!(
            err(&["--map-group=99999999999"]),
            "failed to parse gid '99999999999': Numerical result out of range"
        );
        assert_eq!(err(&["--map-users=1,2"]), "invalid mapping '1,2'");
        assert_eq!(err(&["-S", "abc"]), "failed to parse uid: 'abc'");
        assert_eq!(err(&["-S", "-1"]), "failed to parse uid: '-1': Numerical result out of range");
        assert_eq!(err(&["-G", "4294967296"]), "failed to parse gid: '4294967296': Numerical result out of range");
        assert_eq!(err(&["--owner", "1000"]), "failed to parse owner");
        assert_eq!(err(&["--owner", "1:x"]), "failed to parse owner");
        assert_eq!(err(&["--owner", "-2:0"]), "failed to parse owner");
        assert_eq!(err(&["--owner", "4294967296:0"]), "failed to parse owner");
        assert_eq!(
            err(&["-r", "--setgroups", "allow"]),
            "options --setgroups=allow and --map-group are mutually exclusive"
        );
        // errors come in command-line order
        assert_eq!(err(&["--setgroups=x", "--propagation=y"]), "unsupported --setgroups argument 'x'");
    }

    #[test]
    fn setgroups_allow_with_ranges_is_fine() {
        let p = plan(&["--map-groups=0:0:1", "--map-group=0", "--setgroups=allow"]);
        assert_eq!(p.setgroups, Some(SetGroups::Allow));
        assert_eq!(plan(&["-U", "--setgroups=deny"]).setgroups, Some(SetGroups::Deny));
    }

    #[test]
    fn time_offsets_are_signed() {
        let p = plan(&["-T", "--monotonic=-5", "--boottime", "100000"]);
        assert_eq!((p.monotonic, p.boottime), (Some(-5), Some(100000)));
    }

    #[test]
    fn environment() {
        let mut host = FakeHost::user(0, 0);
        host.env = vec![("A", "1"), ("B", "2")];
        let p = plan_as(&host, &["--whitelist-env", "A,C,A"]).unwrap();
        assert_eq!(p.env, EnvPlan::Only(vec![(OsString::from("A"), OsString::from("1"))]));
        let p = plan_as(&host, &["--clear-env"]).unwrap();
        assert_eq!(p.env, EnvPlan::Only(vec![]));
        let p = plan_as(&host, &["--whitelist-env=B", "--clear-env"]).unwrap();
        assert_eq!(p.env, EnvPlan::Only(vec![(OsString::from("B"), OsString::from("2"))]));
        // glibc's getenv("A=B") finds A's value when it starts with "B="
        host.env = vec![("A", "B=x"), ("A=B", "x")];
        assert_eq!(plan_as(&host, &["--whitelist-env=A=B"]).unwrap().env, EnvPlan::Only(vec![]));
        assert_eq!(plan(&[]).env, EnvPlan::Inherit);
    }

    #[test]
    fn short_namespace_options_take_no_argument() {
        let e = SPEC.parse(&os_args(&["-n/x"])).unwrap_err();
        assert_eq!(e.message(), "invalid option -- '/'");
    }

    #[test]
    fn help_lists_every_option() {
        let h = SPEC.help_text("unshare-rs");
        for o in OPTS {
            assert!(h.contains(&format!("--{}", o.long.unwrap())), "{}", o.id);
        }
        assert!(h.contains(" -l, --load-interp <definition>"));
        assert!(h.lines().all(|l| l.len() <= 80), "{h}");
        SPEC.to_clap().debug_assert();
    }
}
