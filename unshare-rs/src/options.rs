//! The command line of `unshare-rs` and the validated [`Plan`] it becomes.
//!
//! [`SPEC`] is the option table; [`Builder`] is the body of util-linux's
//! getopt loop: [`Spec::build`](nsutils_common::cli::Spec::build) hands it
//! each option as `getopt_long` returns it, so the first bad value is the
//! one reported, and [`Build::finish`] resolves every implication after
//! the loop: `-r` implies `-U`, `--mount-proc` implies `-m`, `--kill-child`
//! implies `-f`, single ID maps are merged into ranges, and so on. Nothing
//! here touches the kernel; what the plan needs from the system (ids,
//! files, names) comes through [`Host`], so it is unit-tested without root.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

use nsutils_common::cli::{self, Build, HasArg, Mode, Opt, Spec, Values};
use nsutils_common::ns::{NsSet, NsType};
use nsutils_common::parse::{parse_i64, parse_u32, NumError};
use nsutils_common::{signals, Error, Result};

pub use crate::idmap::IdMap;
use crate::idmap::{self, IdKind, SingleId, Wanted};

/// The options of `unshare-rs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Id {
    /// `-m`, `--mount[=FILE]`, … : unshare (and persist) a namespace.
    Ns(NsType),
    /// `--mount-proc[=DIR]`.
    MountProc,
    /// `--mount-binfmt[=DIR]`.
    MountBinfmt,
    /// `-l`, `--load-interp`.
    LoadInterp,
    /// `--propagation`.
    Propagation,
    /// `-R`, `--root`.
    Root,
    /// `-w`, `--wd`.
    Wd,
    /// `-S`, `--setuid`.
    Setuid,
    /// `-G`, `--setgid`.
    Setgid,
    /// `--map-user`.
    MapUser,
    /// `--map-group`.
    MapGroup,
    /// `-r`, `--map-root-user`.
    MapRootUser,
    /// `-c`, `--map-current-user`.
    MapCurrentUser,
    /// `--map-auto`.
    MapAuto,
    /// `--map-subids`.
    MapSubids,
    /// `--map-users`.
    MapUsers,
    /// `--map-groups`.
    MapGroups,
    /// `--owner`.
    Owner,
    /// `-f`, `--fork`.
    Fork,
    /// `--kill-child[=SIG]`.
    KillChild,
    /// `--forward-signals`.
    ForwardSignals,
    /// `--setgroups`.
    Setgroups,
    /// `--keep-caps`.
    KeepCaps,
    /// `--monotonic`.
    Monotonic,
    /// `--boottime`.
    Boottime,
    /// `--clear-env`.
    ClearEnv,
    /// `--whitelist-env`.
    WhitelistEnv,
}

/// A namespace option: its letter and name come from [`NsType`]; the short
/// form takes no argument (`-n/x` is `-n -/ -x`), the long one an optional FILE.
const fn ns_opt(ty: NsType, help: &'static str) -> Opt<Id> {
    Opt::optional(Id::Ns(ty), Some(ty.short_option()), ty.long_option(), "<file>", help)
        .short_takes(HasArg::No)
        .values(Values::Files)
}

const OPTS: &[Opt<Id>] = &[
    ns_opt(NsType::Mnt, "new mount namespace"),
    ns_opt(NsType::Uts, "new UTS namespace (host and domain name)"),
    ns_opt(NsType::Ipc, "new System V IPC and POSIX queue namespace"),
    ns_opt(NsType::Net, "new network namespace"),
    ns_opt(NsType::Pid, "new PID namespace (for forked children)"),
    ns_opt(NsType::User, "new user namespace"),
    ns_opt(NsType::Cgroup, "new cgroup namespace"),
    ns_opt(NsType::Time, "new time namespace (for forked children)"),
    Opt::optional(Id::MountProc, None, "mount-proc", "<dir>", "mount a fresh proc on <dir> (implies --mount)")
        .in_section(1)
        .values(Values::Dirs),
    Opt::optional(
        Id::MountBinfmt,
        None,
        "mount-binfmt",
        "<dir>",
        "mount a fresh binfmt_misc\n(implies --user and --mount)",
    )
    .in_section(1)
    .values(Values::Dirs),
    Opt::required(
        Id::LoadInterp,
        Some('l'),
        "load-interp",
        "<definition>",
        "register a binfmt_misc interpreter in it\n(implies --mount-binfmt)",
    )
    .in_section(1),
    Opt::required(
        Id::Propagation,
        None,
        "propagation",
        "slave|shared|private|unchanged",
        "set the propagation of all mounts in the\nnew mount namespace (default: private)",
    )
    .in_section(1)
    .values(Values::Words(&Propagation::WORDS)),
    Opt::required(Id::Root, Some('R'), "root", "<dir>", "chroot to <dir> before running the program")
        .in_section(1)
        .values(Values::Dirs),
    Opt::required(Id::Wd, Some('w'), "wd", "<dir>", "change to directory <dir>").in_section(1).values(Values::Dirs),
    Opt::required(Id::Setuid, Some('S'), "setuid", "<uid>", "become user <uid> before running the program")
        .in_section(2)
        .values(Values::Uids),
    Opt::required(Id::Setgid, Some('G'), "setgid", "<gid>", "become group <gid> before running the program")
        .in_section(2)
        .values(Values::Gids),
    Opt::required(Id::MapUser, None, "map-user", "<uid>|<name>", "map your uid to <uid> (implies --user)")
        .in_section(2)
        .values(Values::Users),
    Opt::required(Id::MapGroup, None, "map-group", "<gid>|<name>", "map your gid to <gid> (implies --user)")
        .in_section(2)
        .values(Values::Groups),
    Opt::flag(Id::MapRootUser, Some('r'), "map-root-user", "map your uid and gid to root (implies --user)")
        .in_section(2),
    Opt::flag(
        Id::MapCurrentUser,
        Some('c'),
        "map-current-user",
        "map your uid and gid onto themselves\n(implies --user)",
    )
    .in_section(2),
    Opt::flag(
        Id::MapAuto,
        None,
        "map-auto",
        "map your first ranges in /etc/subuid and\n/etc/subgid from 0 (implies --user)",
    )
    .in_section(2),
    Opt::flag(
        Id::MapSubids,
        None,
        "map-subids",
        "map your first ranges in /etc/subuid and\n/etc/subgid onto themselves (implies --user)",
    )
    .in_section(2),
    Opt::required(
        Id::MapUsers,
        None,
        "map-users",
        "<inneruid>:<outeruid>:<count>",
        "map <count> uids from <outeruid> to <inneruid>;\nalso auto, subids or all (implies --user)",
    )
    .in_section(2),
    Opt::required(
        Id::MapGroups,
        None,
        "map-groups",
        "<innergid>:<outergid>:<count>",
        "map <count> gids from <outergid> to <innergid>;\nalso auto, subids or all (implies --user)",
    )
    .in_section(2),
    Opt::required(
        Id::Owner,
        None,
        "owner",
        "<uid>:<gid>",
        "create the user namespace as <uid>:<gid>\n(implies --user)",
    )
    .in_section(2),
    Opt::flag(Id::Fork, Some('f'), "fork", "run the program as a child and wait for it").in_section(3),
    Opt::optional(
        Id::KillChild,
        None,
        "kill-child",
        "<signame>",
        "send <signame> (default KILL) to the child when\nwe die (implies --fork)",
    )
    .in_section(3)
    .values(Values::Signals),
    Opt::flag(Id::ForwardSignals, None, "forward-signals", "pass SIGTERM and SIGINT on to the child\n(implies --fork)")
        .in_section(3),
    Opt::required(Id::Setgroups, None, "setgroups", "allow|deny", "allow or deny setgroups(2) in the user namespace")
        .in_section(4)
        .values(Values::Words(&SetGroups::WORDS)),
    Opt::flag(Id::KeepCaps, None, "keep-caps", "keep the user namespace's capabilities\nacross exec").in_section(4),
    Opt::required(Id::Monotonic, None, "monotonic", "<offset>", "offset CLOCK_MONOTONIC by <offset> seconds")
        .in_section(5),
    Opt::required(Id::Boottime, None, "boottime", "<offset>", "offset CLOCK_BOOTTIME by <offset> seconds")
        .in_section(5),
    Opt::flag(Id::ClearEnv, None, "clear-env", "start the program with an empty environment").in_section(5),
    Opt::required(
        Id::WhitelistEnv,
        None,
        "whitelist-env",
        "<list>",
        "keep only the comma-separated variables in <list>",
    )
    .in_section(5),
];

/// The command line of `unshare-rs`.
pub const SPEC: Spec<Id> = Spec {
    name: "unshare-rs",
    usage: &["[options] [<program> [<argument>...]]"],
    about: "Run a program with some namespaces unshared from the parent.",
    opts: OPTS,
    section_titles: &[],
    after_help: "",
    man: "unshare-rs(1)",
    mode: Mode::StopAtFirstOperand,
    operands: Values::Command,
    getopt_order: &[
        "mount",
        "mount-proc",
        "mount-binfmt",
        "map-user",
        "map-users",
        "map-group",
        "map-groups",
        "map-root-user",
        "map-current-user",
        "map-auto",
        "map-subids",
        "monotonic",
        "setgroups",
        "setuid",
        "setgid",
    ],
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
    /// `--propagation`'s words: what the parser accepts and the
    /// completions offer.
    pub const TABLE: [(&'static str, Propagation); 4] = [
        ("slave", Propagation::Slave),
        ("shared", Propagation::Shared),
        ("private", Propagation::Private),
        ("unchanged", Propagation::Unchanged),
    ];
    /// The words of [`Propagation::TABLE`].
    pub const WORDS: [&'static str; 4] = cli::words(&Propagation::TABLE);

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
    /// `--setgroups`' words: what the parser accepts and the completions offer.
    pub const TABLE: [(&'static str, SetGroups); 2] = [("allow", SetGroups::Allow), ("deny", SetGroups::Deny)];
    /// The words of [`SetGroups::TABLE`].
    pub const WORDS: [&'static str; 2] = cli::words(&SetGroups::TABLE);

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
    /// The namespaces the one `unshare(2)` call creates.
    pub namespaces: NsSet,
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
        nix::unistd::geteuid().as_raw()
    }
    fn egid(&self) -> u32 {
        nix::unistd::getegid().as_raw()
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

/// `--owner UID:GID`: exactly two decimal numbers (leading blanks and `+`
/// allowed), where `-1` (or 4294967295) keeps that ID, as util-linux 2.43
/// takes it.
fn parse_owner(value: &str) -> Result<(u32, u32)> {
    let bad = || Error::msg("failed to parse owner");
    let id = |s: &str| match s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']) {
        "-1" => Some(u32::MAX),
        _ => idmap::argument_id(s),
    };
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

/// The option stage of `unshare-rs`: each option as util-linux's loop
/// meets it ([`Build::take`]), then the checks and implications after the
/// loop ([`Build::finish`]).
pub struct Builder<'h> {
    host: &'h dyn Host,
    namespaces: NsSet,
    targets: Vec<(NsType, PathBuf)>,
    fork: bool,
    kill_child: Option<i32>,
    forward_signals: bool,
    propagation: Propagation,
    mount_proc: Option<PathBuf>,
    binfmt: Option<PathBuf>,
    interpreter: Option<OsString>,
    root: Option<PathBuf>,
    wd: Option<PathBuf>,
    setuid: Option<u32>,
    setgid: Option<u32>,
    map_user: Option<SingleId>,
    map_group: Option<SingleId>,
    user_ranges: Vec<Wanted>,
    group_ranges: Vec<Wanted>,
    owner: Option<(u32, u32)>,
    setgroups: Option<SetGroups>,
    keep_caps: bool,
    boottime: Option<i64>,
    monotonic: Option<i64>,
    env: EnvPlan,
}

impl<'h> Builder<'h> {
    /// A builder that asks `host` about ids, files, names and variables.
    pub fn new(host: &'h dyn Host) -> Builder<'h> {
        Builder {
            host,
            namespaces: NsSet::EMPTY,
            targets: Vec::new(),
            fork: false,
            kill_child: None,
            forward_signals: false,
            propagation: Propagation::Private,
            mount_proc: None,
            binfmt: None,
            interpreter: None,
            root: None,
            wd: None,
            setuid: None,
            setgid: None,
            map_user: None,
            map_group: None,
            user_ranges: Vec::new(),
            group_ranges: Vec::new(),
            owner: None,
            setgroups: None,
            keep_caps: false,
            boottime: None,
            monotonic: None,
            env: EnvPlan::Inherit,
        }
    }

    /// `--mount-binfmt` without a directory uses /proc's, and so needs a
    /// fresh /proc too.
    fn default_binfmt(&mut self) {
        if self.binfmt.is_none() {
            self.binfmt = Some(PathBuf::from("/proc/sys/fs/binfmt_misc"));
            self.mount_proc.get_or_insert_with(|| PathBuf::from("/proc"));
        }
    }

    fn user_namespace(&mut self) {
        self.namespaces.insert(NsType::User);
    }

    /// `--whitelist-env LIST`: keep the listed variables (values as they are now).
    fn whitelist(&mut self, list: &OsStr) {
        let mut keep = match std::mem::take(&mut self.env) {
            EnvPlan::Only(k) => k,
            EnvPlan::Inherit => Vec::new(),
        };
        for name in list.as_bytes().split(|&b| b == b',') {
            // a name with '=' is no variable (setenv(3) refuses it), though
            // glibc's getenv("A=B") finds the value of A that starts with "B="
            if name.is_empty() || name.contains(&b'=') {
                continue;
            }
            let name = OsStr::from_bytes(name);
            if keep.iter().any(|(k, _)| k == name) {
                continue;
            }
            if let Some(value) = self.host.var(name) {
                keep.push((name.to_os_string(), value));
            }
        }
        self.env = EnvPlan::Only(keep);
    }
}

impl Build<Id> for Builder<'_> {
    type Plan = Plan;

    fn take(&mut self, id: Id, value: Option<&OsStr>) -> Result<()> {
        let v = cli::text(value);
        let path = || value.map(PathBuf::from);
        let host = self.host;
        match id {
            Id::Ns(ty) => {
                self.namespaces.insert(ty);
                if let Some(p) = path() {
                    self.targets.retain(|(t, _)| *t != ty);
                    self.targets.push((ty, p));
                }
            }
            Id::Fork => self.fork = true,
            Id::KillChild => {
                self.fork = true;
                self.kill_child = Some(match value {
                    None => libc::SIGKILL,
                    Some(_) => signals::from_name(&v).ok_or_else(|| Error::msg(format!("unknown signal: {v}")))?,
                });
            }
            Id::ForwardSignals => {
                self.fork = true;
                self.forward_signals = true;
            }
            Id::MountProc => {
                self.namespaces.insert(NsType::Mnt);
                self.mount_proc = Some(path().unwrap_or_else(|| PathBuf::from("/proc")));
            }
            Id::MountBinfmt => {
                self.namespaces.extend([NsType::Mnt, NsType::User]);
                match path() {
                    Some(p) => self.binfmt = Some(p),
                    None => self.default_binfmt(),
                }
            }
            Id::LoadInterp => {
                self.namespaces.extend([NsType::Mnt, NsType::User]);
                self.default_binfmt();
                self.interpreter = value.map(OsStr::to_os_string);
            }
            Id::Propagation => {
                self.propagation = cli::lookup(&Propagation::TABLE, v.as_bytes())
                    .ok_or_else(|| Error::msg(format!("unsupported propagation mode: {v}")))?
            }
            Id::Root => self.root = path(),
            Id::Wd => self.wd = path(),
            Id::Setuid => self.setuid = Some(number_u32(&v, "failed to parse uid")?),
            Id::Setgid => self.setgid = Some(number_u32(&v, "failed to parse gid")?),
            Id::MapUser => {
                self.user_namespace();
                self.map_user = Some(SingleId::Id(map_id(&v, host.uid_by_name(&v), "uid")?));
            }
            Id::MapGroup => {
                self.user_namespace();
                self.map_group = Some(SingleId::Id(map_id(&v, host.gid_by_name(&v), "gid")?));
            }
            Id::MapRootUser => {
                self.user_namespace();
                (self.map_user, self.map_group) = (Some(SingleId::Id(0)), Some(SingleId::Id(0)));
            }
            Id::MapCurrentUser => {
                self.user_namespace();
                (self.map_user, self.map_group) = (Some(SingleId::Same), Some(SingleId::Same));
            }
            Id::MapUsers => {
                self.user_namespace();
                self.user_ranges.extend(ranges_for(IdKind::User, &v, host)?);
            }
            Id::MapGroups => {
                self.user_namespace();
                self.group_ranges.extend(ranges_for(IdKind::Group, &v, host)?);
            }
            Id::MapAuto | Id::MapSubids => {
                self.user_namespace();
                let value = if id == Id::MapAuto { "auto" } else { "subids" };
                self.user_ranges.extend(ranges_for(IdKind::User, value, host)?);
                self.group_ranges.extend(ranges_for(IdKind::Group, value, host)?);
            }
            Id::Owner => {
                self.user_namespace();
                self.owner = Some(parse_owner(&v)?);
            }
            Id::Setgroups => {
                self.setgroups = Some(
                    cli::lookup(&SetGroups::TABLE, v.as_bytes())
                        .ok_or_else(|| Error::msg(format!("unsupported --setgroups argument '{v}'")))?,
                )
            }
            Id::KeepCaps => self.keep_caps = true,
            Id::Monotonic => self.monotonic = Some(offset(&v, "monotonic")?),
            Id::Boottime => self.boottime = Some(offset(&v, "boottime")?),
            Id::ClearEnv => {
                if self.env == EnvPlan::Inherit {
                    self.env = EnvPlan::Only(Vec::new());
                }
            }
            Id::WhitelistEnv => self.whitelist(value.unwrap_or_default()),
        }
        Ok(())
    }

    fn finish(self, operands: Vec<OsString>) -> Result<Plan> {
        if (self.monotonic.is_some() || self.boottime.is_some()) && !self.namespaces.contains(NsType::Time) {
            return Err(Error::msg("options --monotonic and --boottime require unsharing of a time namespace (-T)"));
        }

        // The maps. A single ID joins the ranges when there are any (one
        // writer for the whole map), and with --owner (after giving up root
        // we may no longer write our own /proc/self files: the helper does).
        let owner = self.owner;
        // Its outer side is the ID the namespace is made with: the owner's
        // (util-linux 2.43 maps the caller's, see unshare-rs(1) NOTES).
        let keep = |id: u32, ours: u32| if id == u32::MAX { ours } else { id };
        let (outer_uid, outer_gid) = match owner {
            Some((u, g)) => (keep(u, self.host.euid()), keep(g, self.host.egid())),
            None => (self.host.euid(), self.host.egid()),
        };
        let uid_map = idmap::plan_map(self.map_user, outer_uid, &self.user_ranges, owner.is_some());
        let gid_map = idmap::plan_map(self.map_group, outer_gid, &self.group_ranges, owner.is_some());
        // a single gid map needs setgroups denied first (Linux 3.19+)
        if self.setgroups == Some(SetGroups::Allow) && matches!(gid_map, IdMap::Single(_)) {
            return Err(Error::msg("options --setgroups=allow and --map-group are mutually exclusive"));
        }

        // persistence in the order the namespaces are bound
        let persist =
            NsType::ENTER_ORDER.iter().filter_map(|ty| self.targets.iter().find(|(t, _)| t == ty).cloned()).collect();

        Ok(Plan {
            namespaces: self.namespaces,
            persist,
            fork: self.fork,
            kill_child: self.kill_child,
            forward_signals: self.forward_signals,
            propagation: self.propagation,
            mount_proc: self.mount_proc,
            binfmt: self.binfmt,
            interpreter: self.interpreter,
            root: self.root,
            wd: self.wd,
            setuid: self.setuid,
            setgid: self.setgid,
            uid_map,
            gid_map,
            owner,
            setgroups: self.setgroups,
            keep_caps: self.keep_caps,
            boottime: self.boottime,
            monotonic: self.monotonic,
            env: self.env,
            program: operands,
        })
    }
}

impl Plan {
    /// Whether the plan creates a namespace of type `ty`.
    pub fn creates(&self, ty: NsType) -> bool {
        self.namespaces.contains(ty)
    }

    /// The namespace types created, in [`NsType::ENTER_ORDER`].
    pub fn types(&self) -> Vec<NsType> {
        self.namespaces.iter().collect()
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
    use nsutils_common::cli::{os_args, Outcome};
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

    pub(crate) fn plan_as(host: &FakeHost, args: &[&str]) -> Result<Plan> {
        match SPEC.build(&os_args(args), Builder::new(host))? {
            Outcome::Run(plan) => Ok(plan),
            other => panic!("{args:?}: {other:?}"),
        }
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
        assert_eq!(p.namespaces, NsSet::ALL);
        assert!(!p.fork);
        assert_eq!(p.propagation, Propagation::Private);
        assert_eq!(p.program, os_args(&["true"]));
        assert_eq!(p.types()[0], NsType::User);
        let p = plan(&[]);
        assert_eq!(p.namespaces, NsSet::EMPTY);
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
        assert_eq!(p.namespaces, NsSet::of(NsType::Mnt));
        assert_eq!(p.mount_proc, Some(PathBuf::from("/proc")));
        assert!(!p.fork, "--mount-proc does not imply --fork");
        assert!(!plan(&["-p"]).fork, "-p does not imply --fork");
        for a in ["-r", "-c", "--map-user=0", "--map-group=0", "--owner=1:1", "--map-users=0:1:1"] {
            assert_eq!(plan(&[a]).namespaces, NsSet::of(NsType::User), "{a}");
        }
        let p = plan(&["--mount-binfmt"]);
        assert_eq!(p.namespaces, NsSet::from_iter([NsType::Mnt, NsType::User]));
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
        assert_eq!(err(&["--owner", "1 :0"]), "failed to parse owner");
        assert_eq!(plan(&["--owner", " +1: -1"]).owner, Some((1, u32::MAX)));
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
        let e = plan_as(&FakeHost::user(0, 0), &["-n/x"]).unwrap_err();
        assert_eq!(e.message(), "invalid option -- '/'");
        assert!(e.is_getopt());
    }

    #[test]
    fn namespace_options_come_from_the_namespace_table() {
        for ty in NsType::ALL {
            let o = OPTS.iter().find(|o| o.id == Id::Ns(ty)).unwrap();
            assert_eq!((o.short, o.long), (Some(ty.short_option()), Some(ty.long_option())));
            assert_eq!(plan(&[&format!("-{}", ty.short_option())]).namespaces, NsSet::of(ty));
        }
    }

    #[test]
    fn a_bad_value_comes_before_a_later_bad_option() {
        for (args, message) in [
            (&["--propagation=foo", "--bogus"][..], "unsupported propagation mode: foo"),
            (&["--setgroups=x", "-Y"], "unsupported --setgroups argument 'x'"),
            (&["-S", "abc", "--bogus"], "failed to parse uid: 'abc'"),
            (&["--kill-child=FOO", "--bogus"], "unknown signal: FOO"),
        ] {
            assert_eq!(err(args), message, "{args:?}");
        }
        // an earlier bad option still wins
        assert_eq!(err(&["--bogus", "--propagation=foo"]), "unrecognized option '--bogus'");
        // and checks after the loop come after every getopt error
        assert_eq!(err(&["--monotonic=5", "--bogus"]), "unrecognized option '--bogus'");
    }

    #[test]
    fn help_lists_every_option() {
        let h = SPEC.help_text("unshare-rs");
        for o in OPTS {
            assert!(h.contains(&format!("--{}", o.long.unwrap())), "{:?}", o.id);
        }
        assert!(h.contains(" -l, --load-interp <definition>"));
        assert!(h.lines().all(|l| l.len() <= 80), "{h}");
    }
}
