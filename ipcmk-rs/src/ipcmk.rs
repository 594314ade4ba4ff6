//! ipcmk-rs: create System V and POSIX IPC objects.

use std::ffi::{OsStr, OsString};
use std::io::Write;

use nsutils_common::cli::{self, Build, Mode, Opt, Spec, Values};
use nsutils_common::error::strerror;
use nsutils_common::parse::{parse_i32, parse_u64, NumError};
use nsutils_common::{prog, Error, Result};

use crate::posix;
use crate::size::parse_size;
use crate::sysv::{self, Create};

/// The options of `ipcmk-rs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Id {
    /// `-M`, `--shmem`.
    Shmem,
    /// `-m`, `--posix-shmem`.
    PosixShmem,
    /// `-S`, `--semaphore`.
    Semaphore,
    /// `-s`, `--posix-semaphore`.
    PosixSemaphore,
    /// `-Q`, `--queue`.
    Queue,
    /// `-q`, `--posix-mqueue`.
    PosixMqueue,
    /// `-p`, `--mode`.
    Mode,
    /// `-n`, `--name`.
    Name,
}

const OPTS: &[Opt<Id>] = &[
    Opt::required(Id::Shmem, Some('M'), "shmem", "<size>", "create a shared memory segment of <size> bytes"),
    Opt::required(
        Id::PosixShmem,
        Some('m'),
        "posix-shmem",
        "<size>",
        "create a POSIX shared memory object of <size> bytes",
    ),
    Opt::required(Id::Semaphore, Some('S'), "semaphore", "<number>", "create a semaphore set of <number> semaphores"),
    Opt::flag(Id::PosixSemaphore, Some('s'), "posix-semaphore", "create a POSIX named semaphore"),
    Opt::flag(Id::Queue, Some('Q'), "queue", "create a message queue"),
    Opt::flag(Id::PosixMqueue, Some('q'), "posix-mqueue", "create a POSIX message queue"),
    Opt::required(Id::Mode, Some('p'), "mode", "<mode>", "octal access permissions (default 0644)"),
    Opt::required(Id::Name, Some('n'), "name", "<name>", "name of the POSIX object"),
];

/// The command line of `ipcmk-rs`.
pub const SPEC: Spec<Id> = Spec {
    name: "ipcmk-rs",
    usage: &["[options]"],
    about: "Create various IPC resources.",
    opts: OPTS,
    section_titles: &[],
    after_help: "Arguments:\n <size> may have a suffix K, M, G, T, P, E, Z or Y for powers of 1024\n   (optionally followed by \"iB\"), or KB, MB, ... for powers of 1000.\n\n The POSIX objects (-m, -q, -s) need a name given with -n.",
    man: "ipcmk-rs(1)",
    mode: Mode::Permute,
    operands: Values::Nothing,
    getopt_order: &[],
};

/// What one run creates, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// System V segment size.
    pub shm: Option<u64>,
    /// POSIX shared memory size.
    pub posix_shm: Option<u64>,
    /// Create a System V queue.
    pub msg: bool,
    /// Create a POSIX queue.
    pub posix_msg: bool,
    /// System V semaphore count.
    pub sem: Option<i32>,
    /// Create a POSIX semaphore.
    pub posix_sem: bool,
    /// Access permissions.
    pub mode: u32,
    /// Name of the POSIX objects.
    pub name: Option<OsString>,
}

fn size_arg(value: Option<&OsStr>) -> Result<u64> {
    let arg = cli::text(value);
    parse_size(&arg).map_err(|e| Error::msg(format!("failed to parse size: '{arg}': {}", strerror(e.errno()))))
}

/// The option stage of `ipcmk-rs`: values checked in the order given, so
/// the first bad one is reported, as util-linux does.
pub struct Builder {
    plan: Plan,
}

impl Default for Builder {
    /// Nothing to create yet, mode 0644.
    fn default() -> Builder {
        Builder {
            plan: Plan {
                shm: None,
                posix_shm: None,
                msg: false,
                posix_msg: false,
                sem: None,
                posix_sem: false,
                mode: 0o644,
                name: None,
            },
        }
    }
}

impl Build<Id> for Builder {
    type Plan = Plan;

    fn take(&mut self, id: Id, value: Option<&OsStr>) -> Result<()> {
        let p = &mut self.plan;
        match id {
            Id::Shmem => p.shm = Some(size_arg(value)?),
            Id::PosixShmem => p.posix_shm = Some(size_arg(value)?),
            Id::Queue => p.msg = true,
            Id::PosixMqueue => p.posix_msg = true,
            Id::Semaphore => {
                let arg = cli::text(value);
                p.sem = Some(parse_i32(&arg, 10).map_err(|e| e.to_error("failed to parse elements", &arg))?);
            }
            Id::PosixSemaphore => p.posix_sem = true,
            Id::Mode => {
                let arg = cli::text(value);
                p.mode = match parse_u64(&arg, 8) {
                    Ok(v) if v <= 0o7777 => v as u32,
                    Ok(_) => return Err(NumError::Range.to_error("failed to parse mode", &arg)),
                    Err(e) => return Err(e.to_error("failed to parse mode", &arg)),
                };
            }
            Id::Name => p.name = value.map(OsStr::to_os_string),
        }
        Ok(())
    }

    /// Something to create, and a name for the POSIX objects; extra
    /// operands are ignored, as util-linux does.
    fn finish(self, _operands: Vec<OsString>) -> Result<Plan> {
        let p = self.plan;
        let posix = p.posix_shm.is_some() || p.posix_msg || p.posix_sem;
        if !(posix || p.shm.is_some() || p.msg || p.sem.is_some()) {
            return Err(Error::usage("bad usage"));
        }
        if posix && p.name.is_none() {
            return Err(Error::usage("name is required for POSIX IPC"));
        }
        Ok(p)
    }
}

/// Run `ipcmk-rs` with the arguments after argv\[0\]; returns the exit status.
pub fn run(args: Vec<OsString>) -> Result<i32> {
    prog::run_tool(&SPEC, &args, Builder::default(), execute)
}

/// Create what the plan says, reporting each object made.
fn execute(plan: Plan) -> Result<i32> {
    let mut out = prog::stdout();
    let result = create_all(&plan, &mut out);
    // what was created is reported even when a later step fails
    let flushed = out.finish();
    result?;
    flushed?;
    Ok(0)
}

/// Create everything in the fixed order shm, POSIX shm, queue, POSIX queue,
/// semaphores, POSIX semaphore; stop at the first failure.
fn create_all(plan: &Plan, out: &mut impl Write) -> Result<()> {
    let name = plan.name.as_deref().unwrap_or(OsStr::new(""));
    let shown = nsutils_common::bytes::raw(name);
    // the name's bytes as given, not the escapes of a message string
    let w = |out: &mut dyn Write, line: String| {
        let mut text = nsutils_common::bytes::to_bytes(&line).into_owned();
        text.push(b'\n');
        out.write_all(&text).map_err(|e| prog::write_error(&e))
    };
    if let Some(size) = plan.shm {
        let id = sysv::create(Create::Shm(size), plan.mode).map_err(|e| Error::os("create share memory failed", &e))?;
        w(out, format!("Shared memory id: {id}"))?;
    }
    if let Some(size) = plan.posix_shm {
        posix::create_shm(name, size, plan.mode).map_err(|e| Error::os("create POSIX shared memory failed", &e))?;
        w(out, format!("POSIX shared memory name: {shown}"))?;
    }
    if plan.msg {
        let id = sysv::create(Create::Msg, plan.mode).map_err(|e| Error::os("create message queue failed", &e))?;
        w(out, format!("Message queue id: {id}"))?;
    }
    if plan.posix_msg {
        posix::create_mqueue(name, plan.mode).map_err(|e| Error::os("create POSIX message queue failed", &e))?;
        w(out, format!("POSIX message queue name: {shown}"))?;
    }
    if let Some(n) = plan.sem {
        let id = sysv::create(Create::Sem(n), plan.mode).map_err(|e| Error::os("create semaphore failed", &e))?;
        w(out, format!("Semaphore id: {id}"))?;
    }
    if plan.posix_sem {
        posix::create_sem(name, plan.mode).map_err(|e| Error::os("create POSIX semaphore failed", &e))?;
        w(out, format!("POSIX semaphore name: {shown}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use nsutils_common::cli::{os_args, Outcome};

    pub(crate) fn plan_of(args: &[&str]) -> Result<Plan> {
        match SPEC.build(&os_args(args), Builder::default())? {
            Outcome::Run(plan) => Ok(plan),
            other => panic!("{args:?}: {other:?}"),
        }
    }

    fn err(args: &[&str]) -> String {
        plan_of(args).unwrap_err().message().to_string()
    }

    #[test]
    fn resources_and_defaults() {
        let p = plan_of(&["-M", "010", "-Q", "-S", "3", "extra"]).unwrap();
        assert_eq!((p.shm, p.msg, p.sem, p.mode), (Some(8), true, Some(3), 0o644));
        let p = plan_of(&["-m", "1K", "-q", "-s", "-n", "/x", "-p", "600"]).unwrap();
        assert_eq!((p.posix_shm, p.posix_msg, p.posix_sem, p.mode), (Some(1024), true, true, 0o600));
        assert_eq!(p.name.as_deref(), Some(OsStr::new("/x")));
        assert_eq!(plan_of(&["-M", "1K", "-M", "2K"]).unwrap().shm, Some(2048));
    }

    #[test]
    fn usage_errors() {
        assert!(plan_of(&[]).unwrap_err().is_usage());
        assert_eq!(err(&[]), "bad usage");
        assert_eq!(err(&["-p", "0600"]), "bad usage");
        assert_eq!(err(&["-n", "/x"]), "bad usage");
        assert_eq!(err(&["-s"]), "name is required for POSIX IPC");
        assert!(plan_of(&["-m", "10"]).unwrap_err().is_usage());
    }

    #[test]
    fn value_errors_in_order() {
        assert_eq!(err(&["-M", "abc"]), "failed to parse size: 'abc': Invalid argument");
        assert_eq!(err(&["-M", "1Z"]), "failed to parse size: '1Z': Numerical result out of range");
        assert_eq!(err(&["-S", "abc"]), "failed to parse elements: 'abc'");
        assert_eq!(err(&["-p", "999", "-Q"]), "failed to parse mode: '999'");
        assert_eq!(err(&["-p", "17777", "-Q"]), "failed to parse mode: '17777': Numerical result out of range");
        assert_eq!(err(&["-p", "999", "-M", "x"]), "failed to parse mode: '999'");
        assert_eq!(err(&["-M", "x", "-p", "999"]), "failed to parse size: 'x': Invalid argument");
        assert_eq!(plan_of(&["-p", "7777", "-Q"]).unwrap().mode, 0o7777);
    }

    #[test]
    fn a_bad_value_comes_before_a_later_bad_option() {
        assert_eq!(err(&["-M", "abc", "--bogus"]), "failed to parse size: 'abc': Invalid argument");
        assert_eq!(err(&["-p", "999", "-Y"]), "failed to parse mode: '999'");
        assert_eq!(err(&["--bogus", "-M", "abc"]), "unrecognized option '--bogus'");
        // "nothing to create" is found after the loop
        assert_eq!(err(&["-n", "x", "--bogus"]), "unrecognized option '--bogus'");
    }
}
