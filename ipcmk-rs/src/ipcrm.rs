//! ipcrm-rs: remove System V and POSIX IPC objects.
//!
//! Every argument is checked before anything is removed: util-linux removes
//! as it parses, so `ipcrm -a shm` (a space instead of `-ashm`) removes
//! every object and only then complains about `shm`; we refuse first.

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;

use nsutils_common::cli::{self, Build, IpcKind, Mode, Opt, Spec, Values};
use nsutils_common::error::{strerror, warn};
use nsutils_common::parse::{parse_i32, NumError};
use nsutils_common::{prog, Error, Result};

use crate::posix::{self, PKind};
use crate::sysv::{self, Kind};

/// The options of `ipcrm-rs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Id {
    /// `-m`, `--shmem-id`.
    ShmemId,
    /// `-M`, `--shmem-key`.
    ShmemKey,
    /// `--posix-shmem`.
    PosixShmem,
    /// `-q`, `--queue-id`.
    QueueId,
    /// `-Q`, `--queue-key`.
    QueueKey,
    /// `--posix-mqueue`.
    PosixMqueue,
    /// `-s`, `--semaphore-id`.
    SemaphoreId,
    /// `-S`, `--semaphore-key`.
    SemaphoreKey,
    /// `--posix-semaphore`.
    PosixSemaphore,
    /// `-a`, `--all[=KIND]`.
    All,
    /// `-v`, `--verbose`.
    Verbose,
}

const OPTS: &[Opt<Id>] = &[
    Opt::required(Id::ShmemId, Some('m'), "shmem-id", "<id>", "remove the shared memory segment with <id>")
        .values(Values::IpcIds(Some(IpcKind::Shm))),
    Opt::required(Id::ShmemKey, Some('M'), "shmem-key", "<key>", "remove the shared memory segment with <key>")
        .values(Values::IpcKeys(IpcKind::Shm)),
    Opt::required(Id::PosixShmem, None, "posix-shmem", "<name>", "remove the POSIX shared memory object <name>")
        .values(Values::PosixNames(IpcKind::Shm)),
    Opt::required(Id::QueueId, Some('q'), "queue-id", "<id>", "remove the message queue with <id>")
        .values(Values::IpcIds(Some(IpcKind::Msg))),
    Opt::required(Id::QueueKey, Some('Q'), "queue-key", "<key>", "remove the message queue with <key>")
        .values(Values::IpcKeys(IpcKind::Msg)),
    Opt::required(Id::PosixMqueue, None, "posix-mqueue", "<name>", "remove the POSIX message queue <name>")
        .values(Values::PosixNames(IpcKind::Msg)),
    Opt::required(Id::SemaphoreId, Some('s'), "semaphore-id", "<id>", "remove the semaphore set with <id>")
        .values(Values::IpcIds(Some(IpcKind::Sem))),
    Opt::required(Id::SemaphoreKey, Some('S'), "semaphore-key", "<key>", "remove the semaphore set with <key>")
        .values(Values::IpcKeys(IpcKind::Sem)),
    Opt::required(Id::PosixSemaphore, None, "posix-semaphore", "<name>", "remove the POSIX semaphore <name>")
        .values(Values::PosixNames(IpcKind::Sem)),
    Opt::optional(Id::All, Some('a'), "all", "shm|pshm|msg|pmsg|sem|psem", "remove everything (of one kind)")
        .values(Values::Words(&ALL_WORDS)),
    Opt::flag(Id::Verbose, Some('v'), "verbose", "tell what is being removed"),
];

/// The command line of `ipcrm-rs`.
pub const SPEC: Spec<Id> = Spec {
    name: "ipcrm-rs",
    usage: &["[options]", "shm|msg|sem <id>..."],
    about: "Remove certain IPC resources.",
    opts: OPTS,
    section_titles: &[],
    after_help: "Arguments:\n <key> is decimal, hexadecimal with 0x, or octal with a leading 0.\n Nothing is removed when any argument is wrong.",
    man: "ipcrm-rs(1)",
    mode: Mode::Permute,
    operands: Values::Nothing,
    getopt_order: &[],
};

/// One object to remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// By id.
    Id(Kind, i32),
    /// By key; the text as given is kept for messages.
    Key(Kind, i32, String),
    /// A POSIX object by name.
    Posix(PKind, OsString),
}

/// What `--all` covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum All {
    /// Every kind, System V and POSIX.
    Everything,
    /// One System V kind.
    SysV(Kind),
    /// One POSIX kind.
    Posix(PKind),
}

/// A validated command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Removals in command-line order, each with the `-v` state at its
    /// position (util-linux's `-v` affects only what follows it).
    pub targets: Vec<(Target, bool)>,
    /// `--all`, done after the others (the last one given wins).
    pub all: Option<All>,
    /// `-v` for `--all` (anywhere on the line).
    pub verbose: bool,
    /// The deprecated `ipcrm shm|msg|sem ID…` form (prints
    /// `resource(s) deleted` on success).
    pub legacy: bool,
    /// An argument was refused with a warning (`illegal key (0)`), as
    /// util-linux refuses it and goes on: nothing is removed, exit 1.
    pub refused: bool,
}

/// Parse a key as `strtoul(…, 0)` reads it (decimal, `0x` hex, leading-`0`
/// octal, a sign allowed); unlike util-linux, a value that does not fit a
/// 32-bit key is refused instead of being cut to its low 32 bits (which
/// would remove some other object: `0x100000001` is key 1).
pub fn parse_key(s: &str) -> std::result::Result<i32, NumError> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    // after the sign come the digits: parse_u64 would skip white space and
    // a second sign, and `- 5` would become the key -5 (strtoul refuses it)
    if !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(NumError::Invalid);
    }
    let v = nsutils_common::parse::parse_u64(digits, 0)?;
    if neg {
        // strtoul negates in unsigned arithmetic: "-1" is the key 0xffffffff
        if v > 1 << 31 {
            return Err(NumError::Range);
        }
        Ok((v as i64).wrapping_neg() as i32)
    } else {
        u32::try_from(v).map(|k| k as i32).map_err(|_| NumError::Range)
    }
}

fn arg_error(e: NumError, arg: &str) -> Error {
    e.to_error("failed to parse argument", arg)
}

/// `--all`'s kinds: what the parser accepts and the completions offer.
const ALL_KINDS: [(&str, All); 6] = [
    ("shm", All::SysV(Kind::Shm)),
    ("pshm", All::Posix(PKind::Shm)),
    ("msg", All::SysV(Kind::Msg)),
    ("pmsg", All::Posix(PKind::Mqueue)),
    ("sem", All::SysV(Kind::Sem)),
    ("psem", All::Posix(PKind::Sem)),
];
/// The words of [`ALL_KINDS`].
const ALL_WORDS: [&str; 6] = cli::words(&ALL_KINDS);

fn all_kind(value: &OsStr) -> Result<All> {
    cli::lookup(&ALL_KINDS, value.as_bytes())
        .ok_or_else(|| Error::msg(format!("unknown argument: {}", nsutils_common::bytes::raw(value))))
}

fn posix_target(kind: PKind, name: &OsStr) -> Result<Target> {
    // refused before anything is removed, in the words the removal would use
    posix::check_unlink_name(kind, name).map_err(|e| Error::msg(posix_failure(e, name)))?;
    Ok(Target::Posix(kind, name.to_os_string()))
}

/// What a failed removal of POSIX object `name` says, by errno.
fn posix_failure(errno: i32, name: &OsStr) -> String {
    let shown = nsutils_common::bytes::raw(name);
    match errno {
        libc::ENOENT => format!("name `{shown}' not found"),
        libc::EACCES | libc::EPERM => format!("permission denied for name `{shown}'"),
        _ => format!("name failed: {}", strerror(errno)),
    }
}

/// The option stage of `ipcrm-rs`: every argument checked as util-linux's
/// loop meets it ([`Build::take`]), nothing removed before the whole
/// command line is known good ([`Build::finish`]).
pub struct Builder {
    plan: Plan,
}

impl Default for Builder {
    /// Nothing to remove yet.
    fn default() -> Builder {
        Builder { plan: Plan { targets: Vec::new(), all: None, verbose: false, legacy: false, refused: false } }
    }
}

impl Build<Id> for Builder {
    type Plan = Plan;

    fn take(&mut self, option: Id, value: Option<&OsStr>) -> Result<()> {
        let arg = cli::text(value);
        let id = |kind| parse_i32(&arg, 10).map(|id| Target::Id(kind, id)).map_err(|e| arg_error(e, &arg));
        let key = |kind| {
            parse_key(&arg).map(|k| (k != 0).then(|| Target::Key(kind, k, arg.clone()))).map_err(|e| arg_error(e, &arg))
        };
        let name = value.unwrap_or_default();
        let p = &mut self.plan;
        let target = match option {
            Id::ShmemId => Some(id(Kind::Shm)?),
            Id::QueueId => Some(id(Kind::Msg)?),
            Id::SemaphoreId => Some(id(Kind::Sem)?),
            Id::ShmemKey => key(Kind::Shm)?,
            Id::QueueKey => key(Kind::Msg)?,
            Id::SemaphoreKey => key(Kind::Sem)?,
            Id::PosixShmem => Some(posix_target(PKind::Shm, name)?),
            Id::PosixMqueue => Some(posix_target(PKind::Mqueue, name)?),
            Id::PosixSemaphore => Some(posix_target(PKind::Sem, name)?),
            Id::All => {
                // util-linux drops one leading '=' (`-a=msg`, `--all==msg`)
                p.all = Some(match value {
                    None => All::Everything,
                    Some(v) => all_kind(OsStr::from_bytes(v.as_bytes().strip_prefix(b"=").unwrap_or(v.as_bytes())))?,
                });
                return Ok(());
            }
            Id::Verbose => {
                p.verbose = true;
                return Ok(());
            }
        };
        match target {
            Some(t) => p.targets.push((t, p.verbose)),
            // util-linux warns about key 0 and goes on with the command
            // line (a later bad option is still reported)
            None => {
                warn(format!("illegal key ({arg})"));
                p.refused = true;
            }
        }
        Ok(())
    }

    fn finish(self, operands: Vec<OsString>) -> Result<Plan> {
        if let Some(extra) = operands.first() {
            return Err(Error::usage(format!("unknown argument: {}", nsutils_common::bytes::raw(extra))));
        }
        Ok(self.plan)
    }
}

/// The deprecated form `ipcrm shm|msg|sem ID…` (only when the first
/// argument is exactly one of the keywords).
pub fn legacy_plan(args: &[OsString]) -> Option<Result<Plan>> {
    let kind = match args.first()?.as_bytes() {
        b"shm" => Kind::Shm,
        b"msg" => Kind::Msg,
        b"sem" => Kind::Sem,
        _ => return None,
    };
    if args.len() < 2 {
        return Some(Err(Error::usage("not enough arguments")));
    }
    let mut targets = Vec::new();
    for a in &args[1..] {
        let text = a.to_string_lossy();
        // strtoul(…, 10): digits only, a sign allowed
        match parse_i32(&text, 10) {
            Ok(id) => targets.push((Target::Id(kind, id), false)),
            Err(_) => return Some(Err(Error::msg(format!("invalid id: {}", nsutils_common::bytes::raw(a))))),
        }
    }
    Some(Ok(Plan { targets, all: None, verbose: false, legacy: true, refused: false }))
}

/// Run `ipcrm-rs` with the arguments after argv\[0\]; returns the exit status.
pub fn run(args: Vec<OsString>) -> Result<i32> {
    if let Some(plan) = legacy_plan(&args) {
        return run_plan(plan?);
    }
    if args.is_empty() {
        return Err(Error::usage("bad usage"));
    }
    prog::run_tool(&SPEC, &args, Builder::default(), run_plan)
}

/// Remove what the plan names (nothing when an argument was refused).
fn run_plan(plan: Plan) -> Result<i32> {
    if plan.refused {
        return Ok(1);
    }
    let mut out = prog::stdout();
    let failed = !execute(&plan, &mut out);
    if plan.legacy && !failed {
        let _ = writeln!(out, "resource(s) deleted");
    }
    out.finish()?;
    Ok(if failed { 1 } else { 0 })
}

/// `-v` lines: ``removing shared memory segment id `N'``.
fn describe(kind: Kind) -> &'static str {
    match kind {
        Kind::Shm => "shared memory segment",
        Kind::Msg => "message queue",
        Kind::Sem => "semaphore",
    }
}

struct Runner<'a, W: Write> {
    out: &'a mut W,
    failed: bool,
}

impl<W: Write> Runner<'_, W> {
    fn fail(&mut self, message: String) {
        // stdout first, so -v lines and warnings keep their order on a tty
        let _ = self.out.flush();
        warn(message);
        self.failed = true;
    }

    fn say(&mut self, verbose: bool, line: std::fmt::Arguments) {
        if verbose {
            // names carry their bytes (nsutils_common::bytes) to stdout too
            let mut text = nsutils_common::bytes::to_bytes(&line.to_string()).into_owned();
            text.push(b'\n');
            let _ = self.out.write_all(&text);
        }
    }

    /// Remove object `id`; a failure names it as the command line did
    /// (`given`: "id", or "key" for one found by its key, as util-linux
    /// says `permission denied for key (ID)`).
    fn remove_id(&mut self, kind: Kind, id: i32, given: &str, verbose: bool) {
        self.say(verbose, format_args!("removing {} id `{id}'", describe(kind)));
        if let Err(e) = sysv::remove(kind, id) {
            let errno = e.raw_os_error().unwrap_or(0);
            self.fail(match errno {
                libc::EACCES | libc::EPERM => format!("permission denied for {given} ({id})"),
                libc::EINVAL => format!("invalid {given} ({id})"),
                libc::EIDRM => format!("already removed {given} ({id})"),
                _ => format!("{given} failed: {}", strerror(errno)),
            });
        }
    }

    fn remove_key(&mut self, kind: Kind, key: i32, text: &str, verbose: bool) {
        match sysv::id_of_key(kind, key) {
            Ok(id) => self.remove_id(kind, id, "key", verbose),
            Err(e) => {
                let errno = e.raw_os_error().unwrap_or(0);
                self.fail(match errno {
                    libc::EACCES | libc::EPERM => format!("permission denied for key ({text})"),
                    libc::EINVAL | libc::ENOENT => format!("invalid key ({text})"),
                    libc::EIDRM => format!("already removed key ({text})"),
                    _ => format!("key failed: {}", strerror(errno)),
                });
            }
        }
    }

    fn remove_posix(&mut self, kind: PKind, name: &OsStr, verbose: bool) {
        let shown = nsutils_common::bytes::raw(name);
        self.say(verbose, format_args!("removing {} `{shown}'", kind.describe()));
        if let Err(e) = posix::unlink(kind, name) {
            self.fail(posix_failure(e.raw_os_error().unwrap_or(0), name));
        }
    }

    fn remove_all_sysv(&mut self, kind: Kind, verbose: bool) {
        for id in sysv::visible_ids(kind) {
            self.remove_id(kind, id, "id", verbose);
        }
    }

    fn remove_all_posix(&mut self, kind: PKind, verbose: bool) {
        match posix::list(kind) {
            Ok(Some(names)) => {
                for n in names {
                    self.remove_posix(kind, &n, verbose);
                }
            }
            Err(e) => {
                let dir = if kind == PKind::Mqueue { posix::MQUEUE_DIR } else { posix::SHM_DIR };
                self.fail(format!("cannot open {dir}: {}", nsutils_common::error::io_strerror(&e)));
            }
            Ok(None) => {
                let _ = self.out.flush();
                warn(format!(
                    "{} does not seem to be mounted. Use 'mount -t mqueue none {}' to mount it.",
                    posix::MQUEUE_DIR,
                    posix::MQUEUE_DIR
                ));
            }
        }
    }
}

/// Remove everything the plan names; every failure is reported and the
/// rest is still attempted. False when anything failed.
fn execute(plan: &Plan, out: &mut impl Write) -> bool {
    let mut r = Runner { out, failed: false };
    for (target, verbose) in &plan.targets {
        match target {
            Target::Id(kind, id) => r.remove_id(*kind, *id, "id", *verbose),
            Target::Key(kind, key, text) => r.remove_key(*kind, *key, text, *verbose),
            Target::Posix(kind, name) => r.remove_posix(*kind, name, *verbose),
        }
    }
    let v = plan.verbose;
    match plan.all {
        None => {}
        Some(All::SysV(kind)) => r.remove_all_sysv(kind, v),
        Some(All::Posix(kind)) => r.remove_all_posix(kind, v),
        Some(All::Everything) => {
            // util-linux's order: shm, POSIX shm, sem, POSIX sem, msg, POSIX mqueue
            r.remove_all_sysv(Kind::Shm, v);
            r.remove_all_posix(PKind::Shm, v);
            r.remove_all_sysv(Kind::Sem, v);
            r.remove_all_posix(PKind::Sem, v);
            r.remove_all_sysv(Kind::Msg, v);
            r.remove_all_posix(PKind::Mqueue, v);
        }
    }
    !r.failed
}

#[cfg(test)]
mod tests {
    use super::*;
    use nsutils_common::cli::{os_args, Outcome};

    fn plan_of(args: &[&str]) -> Result<Plan> {
        let a = os_args(args);
        if let Some(p) = legacy_plan(&a) {
            return p;
        }
        match SPEC.build(&a, Builder::default())? {
            Outcome::Run(plan) => Ok(plan),
            other => panic!("{args:?}: {other:?}"),
        }
    }

    fn err(args: &[&str]) -> Error {
        plan_of(args).unwrap_err()
    }

    #[test]
    fn keys() {
        assert_eq!(parse_key("0x10"), Ok(16));
        assert_eq!(parse_key("010"), Ok(8));
        assert_eq!(parse_key("10"), Ok(10));
        assert_eq!(parse_key(" +5"), Ok(5));
        assert_eq!(parse_key("-1"), Ok(-1));
        assert_eq!(parse_key("0xffffffff"), Ok(-1));
        assert_eq!(parse_key("3156706895"), Ok(3156706895u32 as i32));
        assert_eq!(parse_key("-2147483648"), Ok(i32::MIN));
        assert_eq!(parse_key("-2147483649"), Err(NumError::Range));
        assert_eq!(parse_key("0x100000001"), Err(NumError::Range));
        assert_eq!(parse_key("zz"), Err(NumError::Invalid));
        assert_eq!(parse_key("08"), Err(NumError::Invalid));
        assert_eq!(parse_key("0x"), Err(NumError::Invalid));
        assert_eq!(parse_key("+-1"), Err(NumError::Invalid));
        // found by fuzz/fuzz_targets/ipcrm_key.rs: white space after the
        // sign made `- 5` the key -5 (another object than util-linux's error)
        assert_eq!(parse_key("- 5"), Err(NumError::Invalid));
        assert_eq!(parse_key("\t+\t0"), Err(NumError::Invalid));
        assert_eq!(parse_key("+ 0x10"), Err(NumError::Invalid));
        assert_eq!(parse_key("-"), Err(NumError::Invalid));
    }

    #[test]
    fn targets_in_order_with_positional_verbose() {
        let p = plan_of(&["-m", "1", "-v", "-M", "0x10", "--posix-mqueue", "/q", "-ashm", "-amsg"]).unwrap();
        assert_eq!(
            p.targets,
            vec![
                (Target::Id(Kind::Shm, 1), false),
                (Target::Key(Kind::Shm, 16, "0x10".into()), true),
                (Target::Posix(PKind::Mqueue, "/q".into()), true)
            ]
        );
        assert_eq!(p.all, Some(All::SysV(Kind::Msg)));
        assert!(p.verbose);
        assert_eq!(plan_of(&["-a=pshm"]).unwrap().all, Some(All::Posix(PKind::Shm)));
        assert_eq!(plan_of(&["--all"]).unwrap().all, Some(All::Everything));
    }

    #[test]
    fn everything_is_checked_first() {
        assert_eq!(err(&["-m", "zz"]).message(), "failed to parse argument: 'zz'");
        // key 0 is refused with a warning and the rest still read
        let p = plan_of(&["-m", "1", "-M", "0", "-Q", "0x0", "-v"]).unwrap();
        assert!(p.refused && p.verbose);
        assert_eq!(p.targets, vec![(Target::Id(Kind::Shm, 1), false)]);
        assert!(err(&["-M", "0", "--bogus"]).is_getopt());
        assert_eq!(err(&["-M", "0", "-m", "zz"]).message(), "failed to parse argument: 'zz'");
        assert_eq!(
            err(&["-m", "2147483648"]).message(),
            "failed to parse argument: '2147483648': Numerical result out of range"
        );
        let e = err(&["-a", "shm"]);
        assert!(e.is_usage());
        assert_eq!(e.message(), "unknown argument: shm");
        assert_eq!(err(&["-afoo"]).message(), "unknown argument: foo");
        assert!(!err(&["-afoo"]).is_usage());
        assert_eq!(err(&["--all="]).message(), "unknown argument: ");
        assert_eq!(err(&["--posix-mqueue", "q"]).message(), "name failed: Invalid argument");
        // each value is checked when its option is read
        assert_eq!(err(&["-m", "zz", "--bogus"]).message(), "failed to parse argument: 'zz'");
        assert_eq!(err(&["-afoo", "-Y"]).message(), "unknown argument: foo");
        assert!(err(&["--bogus", "-m", "zz"]).is_getopt());
    }

    #[test]
    fn legacy_syntax() {
        let p = plan_of(&["shm", "1", "2"]).unwrap();
        assert!(p.legacy);
        assert_eq!(p.targets, vec![(Target::Id(Kind::Shm, 1), false), (Target::Id(Kind::Shm, 2), false)]);
        assert_eq!(err(&["msg", "0", "abc"]).message(), "invalid id: abc");
        assert_eq!(err(&["sem", "0x1"]).message(), "invalid id: 0x1");
        assert_eq!(err(&["sem", "1", "-v"]).message(), "invalid id: -v");
        // util-linux reads "" as id 0 and removes that; an empty id is no id
        assert_eq!(err(&["shm", ""]).message(), "invalid id: ");
        assert_eq!(err(&["shm", " "]).message(), "invalid id:  ");
        let e = err(&["shm"]);
        assert!(e.is_usage());
        assert_eq!(e.message(), "not enough arguments");
        assert!(plan_of(&["-v", "shm", "1"]).unwrap_err().is_usage());
    }
}
