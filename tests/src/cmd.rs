//! [`Cmd`] — run a binary with arguments, environment, stdin, another uid,
//! another `argv[0]`, a seccomp filter or a timeout; [`Output`] — assert on
//! its stdout, stderr and exit status, printing everything when an
//! assertion fails.

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The uid/gid tests use for "an ordinary user" (`nobody`).
pub const NOBODY: u32 = 65534;

/// A command to run; built like `std::process::Command`.
#[derive(Debug, Clone)]
pub struct Cmd {
    pub(crate) program: PathBuf,
    pub(crate) arg0: Option<OsString>,
    pub(crate) args: Vec<OsString>,
    pub(crate) env: Vec<(OsString, Option<OsString>)>,
    pub(crate) env_clear: bool,
    pub(crate) stdin: Option<Vec<u8>>,
    pub(crate) user: Option<(u32, u32)>,
    pub(crate) cwd: Option<PathBuf>,
    pub(crate) timeout: Duration,
    pub(crate) seccomp: Vec<crate::seccomp::Rule>,
}

/// What a finished command did.
#[derive(Debug, Clone)]
pub struct Output {
    /// The command line, for messages.
    pub cmdline: String,
    /// Exit code, if it exited.
    pub code: Option<i32>,
    /// Fatal signal, if it was killed.
    pub signal: Option<i32>,
    /// Standard output, lossily decoded.
    pub stdout: String,
    /// Standard error, lossily decoded.
    pub stderr: String,
    /// Raw standard output.
    pub stdout_bytes: Vec<u8>,
    /// util-linux HEAD's run of the same command, on a 2.38.1 run made by
    /// [`crate::differential`] (see [`crate::assert_same`]).
    pub head: Option<Box<Output>>,
}

impl Cmd {
    /// A command running `program` (a path, or a name searched in PATH).
    pub fn new(program: impl AsRef<OsStr>) -> Cmd {
        Cmd {
            program: PathBuf::from(program.as_ref()),
            arg0: None,
            args: Vec::new(),
            env: Vec::new(),
            env_clear: false,
            stdin: None,
            user: None,
            cwd: None,
            timeout: Duration::from_secs(60),
            seccomp: Vec::new(),
        }
    }

    /// Add an argument.
    pub fn arg(mut self, a: impl AsRef<OsStr>) -> Cmd {
        self.args.push(a.as_ref().to_os_string());
        self
    }

    /// Add arguments.
    pub fn args<I, S>(mut self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args.extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    /// Set an environment variable.
    pub fn env(mut self, k: impl AsRef<OsStr>, v: impl AsRef<OsStr>) -> Cmd {
        self.env.push((k.as_ref().into(), Some(v.as_ref().into())));
        self
    }

    /// Remove an environment variable.
    pub fn env_remove(mut self, k: impl AsRef<OsStr>) -> Cmd {
        self.env.push((k.as_ref().into(), None));
        self
    }

    /// Start from an empty environment.
    pub fn env_clear(mut self) -> Cmd {
        self.env_clear = true;
        self
    }

    /// Feed `data` on stdin (otherwise stdin is /dev/null).
    pub fn stdin(mut self, data: impl AsRef<[u8]>) -> Cmd {
        self.stdin = Some(data.as_ref().to_vec());
        self
    }

    /// Run as `uid`/`gid` with no supplementary groups.
    pub fn as_user(mut self, uid: u32, gid: u32) -> Cmd {
        self.user = Some((uid, gid));
        self
    }

    /// Run as `nobody` (65534:65534).
    pub fn as_nobody(self) -> Cmd {
        self.as_user(NOBODY, NOBODY)
    }

    /// Use `arg0` as argv\[0\] instead of the program path.
    pub fn arg0(mut self, arg0: impl AsRef<OsStr>) -> Cmd {
        self.arg0 = Some(arg0.as_ref().into());
        self
    }

    /// Run in directory `dir`.
    pub fn cwd(mut self, dir: impl AsRef<Path>) -> Cmd {
        self.cwd = Some(dir.as_ref().into());
        self
    }

    /// Run under a seccomp filter that fails the system calls `nrs`
    /// (`libc::SYS_*`) with `errno`, as a container runtime's profile
    /// does. The filter is inherited by everything the command starts.
    pub fn seccomp_deny(mut self, nrs: &[i64], errno: i32) -> Cmd {
        self.seccomp.extend(nrs.iter().map(|&nr| crate::seccomp::Rule::deny(nr, errno)));
        self
    }

    /// Run under a seccomp filter holding `rule` (see [`crate::seccomp`]),
    /// beside any rules given before.
    pub fn seccomp_rule(mut self, rule: crate::seccomp::Rule) -> Cmd {
        self.seccomp.push(rule);
        self
    }

    /// Kill the command if it runs longer than `t` (default 60 s).
    pub fn timeout(mut self, t: Duration) -> Cmd {
        self.timeout = t;
        self
    }

    /// The command line as text.
    pub fn cmdline(&self) -> String {
        let mut s = self.program.display().to_string();
        for a in &self.args {
            s.push(' ');
            s.push_str(&shell_quote(a));
        }
        s
    }

    /// A `std::process::Command` for this command (stdio not set).
    pub fn command(&self) -> Command {
        let mut c = Command::new(&self.program);
        c.args(&self.args);
        if let Some(a0) = &self.arg0 {
            c.arg0(a0);
        }
        if self.env_clear {
            c.env_clear();
        }
        for (k, v) in &self.env {
            match v {
                Some(v) => c.env(k, v),
                None => c.env_remove(k),
            };
        }
        if let Some(d) = &self.cwd {
            c.current_dir(d);
        }
        if let Some((uid, gid)) = self.user {
            // SAFETY: only async-signal-safe syscalls between fork and exec.
            unsafe {
                c.pre_exec(move || {
                    if libc::setgroups(0, std::ptr::null()) != 0 || libc::setgid(gid) != 0 || libc::setuid(uid) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        if !self.seccomp.is_empty() {
            let filter = crate::seccomp::filter(&self.seccomp);
            // SAFETY: install makes only prctl calls between fork and exec;
            // the program lives in the closure, which outlives the call.
            unsafe {
                c.pre_exec(move || crate::seccomp::install(&filter));
            }
        }
        c
    }

    /// Start the command in the background with stdout/stderr piped.
    pub fn spawn(&self) -> Child {
        let mut c = self.command();
        c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        c.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", self.cmdline()))
    }

    /// Run to completion and collect the output.
    pub fn run(&self) -> Output {
        let mut c = self.command();
        c.stdin(if self.stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        c.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = c.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", self.cmdline()));
        if let Some(data) = &self.stdin {
            let mut sin = child.stdin.take().unwrap();
            let data = data.clone();
            std::thread::spawn(move || {
                let _ = sin.write_all(&data);
            });
        }
        let watchdog = Watchdog::start(&child, self.timeout);
        let out = child.wait_with_output().expect("wait");
        drop(watchdog);
        Output::of(self.cmdline(), out)
    }
}

/// Kills a child with SIGKILL if it outlives a timeout; disarmed when
/// dropped (drop it once the child has been waited for).
pub struct Watchdog {
    disarm: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watchdog {
    /// Watch `child`, not yet waited for, for `timeout`.
    pub fn start(child: &Child, timeout: Duration) -> Watchdog {
        let pid = child.id() as i32;
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            if rx.recv_timeout(timeout).is_err() {
                // SAFETY: kill has no memory effects; the pid is our child,
                // not reaped while the watchdog is armed.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        });
        Watchdog { disarm: Some(tx), thread: Some(thread) }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        drop(self.disarm.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Quote a word for display in a shell-like command line.
pub fn shell_quote(a: &OsStr) -> String {
    let s = a.to_string_lossy();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b)) {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

impl Output {
    /// What a finished `std::process` command did, `cmdline` naming it.
    pub fn of(cmdline: String, out: std::process::Output) -> Output {
        Output {
            cmdline,
            code: out.status.code(),
            signal: out.status.signal(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            stdout_bytes: out.stdout,
            head: None,
        }
    }

    /// Everything about the run, for assertion messages.
    pub(crate) fn describe(&self) -> String {
        format!(
            "command: {}\nexit code: {:?}, signal: {:?}\n--- stdout ---\n{}--- stderr ---\n{}--------------",
            self.cmdline, self.code, self.signal, self.stdout, self.stderr
        )
    }

    /// Assert the exit code.
    #[track_caller]
    pub fn code(&self, code: i32) -> &Self {
        assert_eq!(self.code, Some(code), "unexpected exit status\n{}", self.describe());
        self
    }

    /// Assert exit code 0.
    #[track_caller]
    pub fn success(&self) -> &Self {
        self.code(0)
    }

    /// Assert death by signal `sig`.
    #[track_caller]
    pub fn killed_by(&self, sig: i32) -> &Self {
        assert_eq!(self.signal, Some(sig), "expected death by signal {sig}\n{}", self.describe());
        self
    }

    /// Assert stdout equals `s`.
    #[track_caller]
    pub fn stdout_is(&self, s: &str) -> &Self {
        assert_eq!(self.stdout, s, "unexpected stdout\n{}", self.describe());
        self
    }

    /// Assert stderr equals `s`.
    #[track_caller]
    pub fn stderr_is(&self, s: &str) -> &Self {
        assert_eq!(self.stderr, s, "unexpected stderr\n{}", self.describe());
        self
    }

    /// Assert stdout contains `s`.
    #[track_caller]
    pub fn stdout_has(&self, s: &str) -> &Self {
        assert!(self.stdout.contains(s), "stdout lacks {s:?}\n{}", self.describe());
        self
    }

    /// Assert stderr contains `s`.
    #[track_caller]
    pub fn stderr_has(&self, s: &str) -> &Self {
        assert!(self.stderr.contains(s), "stderr lacks {s:?}\n{}", self.describe());
        self
    }

    /// Assert stderr is empty.
    #[track_caller]
    pub fn no_stderr(&self) -> &Self {
        self.stderr_is("")
    }

    /// Assert nothing on stdout.
    #[track_caller]
    pub fn no_stdout(&self) -> &Self {
        self.stdout_is("")
    }

    /// Assert a failure message in util-linux's shape: the first stderr line
    /// is `<prog>: <message>`, and the exit status is `code`.
    #[track_caller]
    pub fn fails_with(&self, prog: &str, message: &str, code: i32) -> &Self {
        self.code(code);
        let first = self.stderr.lines().next().unwrap_or("");
        assert_eq!(first, format!("{prog}: {message}"), "unexpected error line\n{}", self.describe());
        self
    }

    /// Assert the usage-error shape: `<prog>: <message>`, then
    /// `Try '<prog> --help' for more information.`, exit 1, nothing on stdout.
    #[track_caller]
    pub fn usage_error(&self, prog: &str, message: &str) -> &Self {
        self.code(1).no_stdout();
        self.stderr_is(&format!("{prog}: {message}\nTry '{prog} --help' for more information.\n"))
    }

    /// Parse stdout as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{}", self.describe()))
    }
}

/// A PATH without root's private directories, for commands run as `nobody`.
pub const STD_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn a_command_outliving_its_timeout_is_killed() {
        let start = Instant::now();
        let out = Cmd::new("sleep").arg("30").timeout(Duration::from_millis(300)).run();
        assert_eq!(out.signal, Some(libc::SIGKILL), "{}", out.describe());
        assert!(start.elapsed() < Duration::from_secs(10));
        // a command that ends in time is not killed
        Cmd::new("true").timeout(Duration::from_secs(30)).run().success();
    }
}
