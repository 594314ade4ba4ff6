//! Fixtures for the hostile-condition tests (`tests/hostile_*.rs`): state a
//! caller hands down ([`Inherited`], run with [`run_inheriting`] or
//! [`run_into_closed_pipe`]), targets
//! that are zombies ([`Zombie`]), a tool held inside one system call by
//! strace ([`Held`]), and stderr as raw bytes ([`merged`]).

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::{
    children_of, comm_of, proc_state, skip, test_name, util_linux, wait_until, Cmd, Output, Sleeper, Watchdog,
};

/// A resource of `setrlimit(2)` as the C library types it (glibc has a
/// type of its own; musl, for the benchmark's static build, an int).
#[cfg(target_env = "gnu")]
pub type Resource = libc::__rlimit_resource_t;
/// A resource of `setrlimit(2)` as the C library types it.
#[cfg(not(target_env = "gnu"))]
pub type Resource = libc::c_int;

/// What a caller can hand down to a program it starts, beyond argv: the
/// conditions of the inherited-state matrix, set between fork and exec.
#[derive(Debug, Clone, Default)]
pub struct Inherited {
    /// Signals whose disposition is SIG_IGN.
    pub ignored: Vec<i32>,
    /// Signals blocked in the signal mask.
    pub blocked: Vec<i32>,
    /// The file mode creation mask.
    pub umask: Option<libc::mode_t>,
    /// Resource limits: (resource, soft, hard).
    pub rlimits: Vec<(Resource, u64, u64)>,
    /// A directory to chdir into and remove before exec (a deleted cwd).
    pub deleted_cwd: Option<PathBuf>,
}

/// Run `cmd` (its args, env and cwd; not its uid or seccomp filter) with
/// the caller state `state`, as [`Cmd::run`] does otherwise: stdout and
/// stderr collected, killed after 60 s.
pub fn run_inheriting(cmd: &Cmd, state: &Inherited) -> Output {
    run_with(cmd, state, Stdio::piped())
}

/// [`run_inheriting`] with stdout a pipe whose reader has gone: what a
/// program writing into `| head -1` meets once head has exited.
pub fn run_into_closed_pipe(cmd: &Cmd, state: &Inherited) -> Output {
    let mut fds = [0; 2];
    // SAFETY: fds is a valid array of two ints.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: the kernel just gave us these descriptors; the reader is closed at once.
    let (reader, writer) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(reader);
    run_with(cmd, state, Stdio::from(writer))
}

fn run_with(cmd: &Cmd, state: &Inherited, stdout: Stdio) -> Output {
    let mut c = cmd.command();
    let state = state.clone();
    let dir = state.deleted_cwd.as_ref().map(|d| std::ffi::CString::new(d.as_os_str().as_bytes()).expect("path"));
    // SAFETY: only async-signal-safe calls between fork and exec (std has
    // already reset the mask and SIGPIPE; this sets ours after it).
    unsafe {
        c.pre_exec(move || {
            for &sig in &state.ignored {
                libc::signal(sig, libc::SIG_IGN);
            }
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            for &sig in &state.blocked {
                libc::sigaddset(&mut set, sig);
            }
            libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut());
            if let Some(m) = state.umask {
                libc::umask(m);
            }
            for &(res, soft, hard) in &state.rlimits {
                let lim = libc::rlimit { rlim_cur: soft, rlim_max: hard };
                if libc::setrlimit(res, &lim) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            if let Some(d) = &dir {
                if libc::chdir(d.as_ptr()) != 0 || libc::rmdir(d.as_ptr()) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    c.stdin(Stdio::null()).stdout(stdout).stderr(Stdio::piped());
    let child = c.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", cmd.cmdline()));
    collect(cmd.cmdline(), child, Duration::from_secs(60))
}

/// Wait for `child` (SIGKILL after `timeout`) and collect its output.
pub fn collect(cmdline: String, mut child: Child, timeout: Duration) -> Output {
    let out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || {
        let mut e = Vec::new();
        let _ = err_pipe.read_to_end(&mut e);
        e
    });
    let watchdog = Watchdog::start(&child, timeout);
    let mut stdout = Vec::new();
    if let Some(mut p) = out_pipe {
        let _ = p.read_to_end(&mut stdout);
    }
    let status = child.wait().expect("wait");
    drop(watchdog);
    let stderr = reader.join().unwrap_or_default();
    Output {
        cmdline,
        code: status.code(),
        signal: status.signal(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
        stdout_bytes: stdout,
        head: None,
    }
}

/// `program args…` run with its stderr sent to stdout, so that
/// [`Output::stdout_bytes`] holds the messages as raw bytes (the harness
/// decodes stderr lossily). argv\[0\] is `program`.
pub fn merged(program: &Path, args: &[OsString]) -> Cmd {
    Cmd::new("/bin/sh").args(["-c", "exec \"$0\" \"$@\" 2>&1"]).arg(program).args(args)
}

/// `bytes` without nsutils' advice lines (`<prog>: hint: …`) and with
/// `/proc/<digits>/` as `/proc/PID/`, for comparing raw messages with
/// util-linux's.
pub fn raw_without_hints(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        if line.windows(8).any(|w| w == b": hint: ") {
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.windows(6).position(|w| w == b"/proc/") {
            out.extend_from_slice(&rest[..i + 6]);
            rest = &rest[i + 6..];
            let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits > 0 {
                out.extend_from_slice(b"PID");
                rest = &rest[digits..];
            }
        }
        out.extend_from_slice(rest);
    }
    out
}

/// A zombie in namespaces of its own: util-linux's `unshare` makes them
/// (`FLAGS`), its program forks a child that exits at once and then
/// becomes `sleep`, which never reaps it. The holder is killed on drop,
/// which takes the zombie with it.
pub struct Zombie {
    sleeper: Sleeper,
    /// The zombie's pid.
    pub pid: u32,
}

impl Zombie {
    /// A zombie whose parent sleeps in new namespaces of every `flags` type
    /// (`-n`, `-U`, …), with a forked PID namespace.
    pub fn start(flags: &[&str]) -> Zombie {
        let cmd = util_linux("unshare").args(["--kill-child", "--fork", "--pid", "--mount-proc"]).args(flags).args([
            "sh",
            "-c",
            "true & exec sleep 1000",
        ]);
        let sleeper = Sleeper::start(cmd);
        let parent = sleeper.pid();
        let mut pid = 0;
        wait_until(10, "the zombie", || {
            pid = children_of(parent).first().copied().unwrap_or(0);
            pid != 0 && proc_state(pid) == Some('Z')
        });
        Zombie { sleeper, pid }
    }

    /// The pid of the zombie's parent (the sleeper).
    pub fn parent(&self) -> u32 {
        self.sleeper.pid()
    }
}

/// Whether strace is installed (else a loud skip).
pub fn have_strace() -> bool {
    if Path::new("/usr/bin/strace").exists() {
        return true;
    }
    skip(&test_name(), "no strace (scripts/setup-deps.sh installs it)");
    false
}

/// A tool run under strace and held inside one system call (strace's
/// `inject=SYSCALL:delay_enter|delay_exit=…`), so that a test can change
/// the world between two of its steps. Dropped unfinished, strace is
/// killed (the tool then goes on untraced and ends by itself).
pub struct Held {
    strace: Option<Child>,
    cmdline: String,
    /// The pid of the held tool.
    pub pid: u32,
}

impl Held {
    /// Run `tool args…` under strace (that command passed through `wrap`:
    /// environment, a seccomp filter…), delaying the tool's first
    /// `syscall` at `when` (`delay_enter` or `delay_exit`) by `hold`, and
    /// wait until the tool is stopped in it (`/proc/PID/syscall` names its
    /// number `nr`). The tool's output if it ends before it gets there.
    pub fn start(
        tool: &Path,
        args: &[OsString],
        wrap: impl FnOnce(Cmd) -> Cmd,
        (syscall, nr, when): (&str, i64, &str),
        hold: Duration,
    ) -> Result<Held, Output> {
        let inject = format!("inject={syscall}:{when}={}:when=1", hold.as_micros());
        let cmd = wrap(
            Cmd::new("/usr/bin/strace")
                .args(["-f", "-q", "-o", "/dev/null", "-e", &format!("trace={syscall}"), "-e", &inject])
                .arg(tool)
                .args(args),
        );
        let cmdline = cmd.cmdline();
        let mut strace = cmd.spawn();
        let name = tool.file_name().map(OsStr::to_os_string).unwrap_or_default();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(_)) = strace.try_wait() {
                return Err(collect(cmdline, strace, Duration::from_secs(5)));
            }
            // the tool, or a process it forked (strace -f follows them)
            let held = descendants(strace.id()).into_iter().find(|&p| {
                let in_call = std::fs::read_to_string(format!("/proc/{p}/syscall"))
                    .ok()
                    .and_then(|s| s.split_whitespace().next().and_then(|n| n.parse::<i64>().ok()));
                OsStr::new(&comm_of(p)) == name && in_call == Some(nr) && proc_state(p) == Some('t')
            });
            if let Some(pid) = held {
                return Ok(Held { strace: Some(strace), cmdline, pid });
            }
            if Instant::now() > deadline {
                let _ = strace.kill();
                panic!(
                    "timed out waiting for {cmdline} to reach {syscall}: {:?}",
                    collect(cmdline.clone(), strace, Duration::from_secs(5))
                );
            }
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// Let it go on and wait for the tool's end (strace exits as it did).
    pub fn finish(mut self) -> Output {
        let strace = self.strace.take().expect("not yet finished");
        collect(self.cmdline.clone(), strace, Duration::from_secs(60))
    }
}

/// Every process below `pid` (children, their children, …).
pub fn descendants(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        for c in children_of(p) {
            found.push(c);
            todo.push(c);
        }
    }
    found
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(mut s) = self.strace.take() {
            let _ = s.kill();
            let _ = s.wait();
        }
    }
}
