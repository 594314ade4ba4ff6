//! The nsutils integration-test harness.
//!
//! Tests run the *built binaries* as subprocesses against the real kernel;
//! they never call `unshare`/`setns` in the test process itself (test
//! threads share it). The pieces:
//!
//! * [`Cmd`] — run a binary with args, env, stdin, another uid, or another
//!   `argv[0]`; [`Output`] — assert on stdout, stderr and the exit status,
//!   printing everything when an assertion fails.
//! * [`tool`], [`util_linux`], [`ul_named`] — our binaries, the installed
//!   util-linux ones, and ours under util-linux's name (a symlink), which
//!   makes messages byte-comparable.
//! * [`Sandbox`] — a process holding private namespaces (IPC, net, mount…)
//!   that commands run inside via `nsenter`; killing it on drop removes
//!   everything made inside, even when the test fails.
//! * [`NetnsGuard`], [`unique_name`] — named network namespaces that are
//!   deleted on drop.
//! * [`require_root`], [`skip`] — privileged tests say loudly when they cannot
//!   run; with `CI=true` as root a skip is a failure.
//! * [`differential_head`], [`util_linux_head`] — the same against util-linux
//!   upstream HEAD's own binaries (`$NSUTILS_UL_HEAD`), the target.
//! * [`differential`] / [`assert_same`] — the same argv through ours and
//!   `/usr/bin/<tool>`, comparing stdout, exit status and stderr.
//! * [`Sleeper`] — a long-lived target process (`unshare … sleep`), killed
//!   with its holder on drop; [`TempDir::private`] — a temp dir that is a
//!   private mount, for namespace bind mounts.
//! * Leftover checks: [`processes_with_env`] (whatever still carries a
//!   marker variable), [`zombies`], [`proc_state`], [`mount_table`]
//!   (mounts, without other test processes' [`is_foreign`] ones),
//!   [`mount_points`], [`is_mounted`].
//! * [`without_hints`], [`without_proc_pids`] — normalizers for comparing
//!   stderr with util-linux's.

pub mod cli;
pub mod container;
pub mod head;
pub mod hostile;
pub mod limits;
pub mod mounts;
pub mod oci;
pub mod subids;
pub mod suite;

pub use cli::{clis, specs};
pub use head::{differential_head, head_dir, test_name, util_linux_head};

use std::ffi::{OsStr, OsString};
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The six binaries and the util-linux tool each replaces.
pub const TOOLS: [(&str, &str); 6] = [
    ("unshare-rs", "unshare"),
    ("nsenter-rs", "nsenter"),
    ("lsns-rs", "lsns"),
    ("ipcmk-rs", "ipcmk"),
    ("ipcs-rs", "ipcs"),
    ("ipcrm-rs", "ipcrm"),
];

/// The directory holding the built binaries: `$NSUTILS_BIN_DIR`, else the
/// cargo target directory of this test executable (`target/<profile>`).
pub fn bin_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("NSUTILS_BIN_DIR") {
        return PathBuf::from(d);
    }
    cargo_bin_dir()
}

/// The cargo target directory of this test executable (`target/<profile>`).
fn cargo_bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    // target/<profile>/deps/<test-binary>
    exe.parent().and_then(Path::parent).expect("target dir").to_path_buf()
}

/// A binary of this crate (`nsutils-gen`): from the cargo target directory
/// even when `NSUTILS_BIN_DIR` points the tests at other builds of the tools.
pub fn helper_path(name: &str) -> PathBuf {
    let p = cargo_bin_dir().join(name);
    assert!(p.exists(), "{} is missing: build it first (`cargo build --workspace`)", p.display());
    p
}

/// The path of one of our binaries; panics with advice when it is missing.
pub fn tool_path(name: &str) -> PathBuf {
    let p = bin_dir().join(name);
    assert!(
        p.exists(),
        "{} is missing: build the binaries first (`cargo build --workspace`), \
         or point NSUTILS_BIN_DIR at them",
        p.display()
    );
    p
}

/// A command running one of our binaries, e.g. `tool("unshare-rs")`.
pub fn tool(name: &str) -> Cmd {
    Cmd::new(tool_path(name))
}

/// The installed util-linux binary for `name` (`/usr/bin/unshare`), run
/// with argv\[0\] = `name` as a PATH lookup would. (glibc's getopt prefixes
/// its messages with argv\[0\] verbatim, util-linux's own messages with the
/// basename; nsutils does the same.)
pub fn util_linux(name: &str) -> Cmd {
    Cmd::new(util_linux_path(name)).arg0(name)
}

/// Where the installed util-linux `name` lives.
pub fn util_linux_path(name: &str) -> PathBuf {
    for dir in ["/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("util-linux {name} is not installed (the differential tests need it)");
}

/// Our binary for util-linux tool `ul` invoked through a symlink named `ul`
/// with argv\[0\] = `ul`, as [`util_linux`] runs the real one (so it prints
/// `unshare: …`, getopt's messages included, like the real one).
pub fn ul_named(ul: &str) -> Cmd {
    Cmd::new(ul_named_path(ul)).arg0(ul)
}

/// The path of the symlink `<target>/util-linux-names/<ul>` → our binary.
pub fn ul_named_path(ul: &str) -> PathBuf {
    let ours = TOOLS.iter().find(|(_, u)| *u == ul).map(|(o, _)| *o).expect("known util-linux name");
    symlink_as(ours, ul)
}

/// A symlink called `link_name` pointing at our binary `ours`, created in
/// the target directory (idempotent and safe under parallel tests).
pub fn symlink_as(ours: &str, link_name: &str) -> PathBuf {
    let dir = bin_dir().join("util-linux-names");
    std::fs::create_dir_all(&dir).expect("create link dir");
    let link = dir.join(link_name);
    let target = tool_path(ours);
    if std::fs::read_link(&link).ok().as_deref() != Some(target.as_path()) {
        let tmp = dir.join(format!(".{link_name}.{}.{}", std::process::id(), next_id()));
        std::os::unix::fs::symlink(&target, &tmp).expect("symlink");
        std::fs::rename(&tmp, &link).expect("rename symlink");
    }
    link
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn next_id() -> u32 {
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// A name unique to this test process and call, e.g. for a netns:
/// `nsut-<pid>-<n>-<tag>` (kept short: interface names allow 15 bytes).
pub fn unique_name(tag: &str) -> String {
    format!("nsut{}x{}{}", std::process::id() % 100_000, next_id(), tag)
}

/// Whether we are root.
pub fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Whether this is a CI run (`CI=true`).
pub fn in_ci() -> bool {
    std::env::var("CI").map(|v| v == "true" || v == "1").unwrap_or(false)
}

/// Report a skipped test loudly, outside libtest's output capture. Under
/// `CI=true` as root a skip is a failure (panics).
pub fn skip(test: &str, why: &str) {
    if in_ci() && is_root() {
        panic!("{test}: cannot run ({why}), and skips are failures under CI=true as root");
    }
    let line = format!("\n*** SKIPPED {test}: {why} ***\n");
    // io::stderr (unlike eprintln!) is not captured by the test harness.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// True when running as root; otherwise reports the skip (see [`skip`]).
pub fn require_root(test: &str) -> bool {
    if is_root() {
        return true;
    }
    skip(test, "needs root");
    false
}

/// The uid/gid tests use for "an ordinary user" (`nobody`).
pub const NOBODY: u32 = 65534;

/// A command to run; built like `std::process::Command`.
#[derive(Debug, Clone)]
pub struct Cmd {
    program: PathBuf,
    arg0: Option<OsString>,
    args: Vec<OsString>,
    env: Vec<(OsString, Option<OsString>)>,
    env_clear: bool,
    stdin: Option<Vec<u8>>,
    user: Option<(u32, u32)>,
    cwd: Option<PathBuf>,
    timeout: Duration,
    seccomp: Option<(Vec<i64>, i32)>,
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
            seccomp: None,
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
        self.seccomp = Some((nrs.to_vec(), errno));
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
        if let Some((nrs, errno)) = &self.seccomp {
            let filter = seccomp_filter(nrs, *errno);
            // SAFETY: only prctl between fork and exec; the program it
            // points to lives in the closure, which outlives the call.
            unsafe {
                c.pre_exec(move || {
                    let prog = libc::sock_fprog { len: filter.len() as u16, filter: filter.as_ptr().cast_mut() };
                    if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
                        || libc::prctl(libc::PR_SET_SECCOMP, libc::SECCOMP_MODE_FILTER, &prog) != 0
                    {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
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
        let pid = child.id() as i32;
        let deadline = self.timeout;
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let watchdog = std::thread::spawn(move || {
            if rx.recv_timeout(deadline).is_err() {
                // SAFETY: kill has no memory effects; the pid is our unreaped child.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        });
        let out = child.wait_with_output().expect("wait");
        let _ = tx.send(());
        let _ = watchdog.join();
        Output {
            cmdline: self.cmdline(),
            code: out.status.code(),
            signal: out.status.signal(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            stdout_bytes: out.stdout,
        }
    }
}

/// A classic BPF program for `seccomp(2)`: load the system call number
/// (`struct seccomp_data.nr`, offset 0) and return `SECCOMP_RET_ERRNO |
/// errno` for any of `nrs`, `SECCOMP_RET_ALLOW` otherwise. (No check of
/// the architecture: the tests run on x86_64 only.)
fn seccomp_filter(nrs: &[i64], errno: i32) -> Vec<libc::sock_filter> {
    const LD_W_ABS: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
    const JEQ_K: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
    const RET_K: u16 = (libc::BPF_RET | libc::BPF_K) as u16;
    let op = |code, jt, jf, k| libc::sock_filter { code, jt, jf, k };
    let mut prog = vec![op(LD_W_ABS, 0, 0, 0)];
    for (i, nr) in nrs.iter().enumerate() {
        // on a match, jump over the remaining tests and the ALLOW
        let skip = u8::try_from(nrs.len() - i).expect("a short list");
        prog.push(op(JEQ_K, skip, 0, u32::try_from(*nr).expect("a syscall number")));
    }
    prog.push(op(RET_K, 0, 0, libc::SECCOMP_RET_ALLOW));
    prog.push(op(RET_K, 0, 0, libc::SECCOMP_RET_ERRNO | (errno as u32 & libc::SECCOMP_RET_DATA)));
    prog
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
    fn describe(&self) -> String {
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

/// Run the same arguments through our binary (under util-linux's name) and
/// through `/usr/bin/<ul>`; `wrap` may put both inside the same sandbox.
pub fn differential<I, S>(ul: &str, args: I, wrap: impl Fn(Cmd) -> Cmd) -> (Output, Output)
where
    I: IntoIterator<Item = S> + Clone,
    S: AsRef<OsStr>,
{
    let ours = wrap(ul_named(ul).args(args.clone())).run();
    let theirs = wrap(util_linux(ul).args(args)).run();
    (ours, theirs)
}

/// Assert two runs behaved the same: stdout, exit status and stderr.
#[track_caller]
pub fn assert_same(ours: &Output, theirs: &Output) {
    assert_same_with(ours, theirs, |s| s.to_string())
}

/// [`assert_same`] after passing both outputs through `normalize`, for
/// differences that are intended (HEAD wording, pids, times).
#[track_caller]
pub fn assert_same_with(ours: &Output, theirs: &Output, normalize: impl Fn(&str) -> String) {
    let ctx = || format!("\n=== ours ===\n{}\n=== util-linux ===\n{}", ours.describe(), theirs.describe());
    assert_eq!(normalize(&ours.stdout), normalize(&theirs.stdout), "stdout differs{}", ctx());
    assert_eq!((ours.code, ours.signal), (theirs.code, theirs.signal), "exit status differs{}", ctx());
    assert_eq!(normalize(&ours.stderr), normalize(&theirs.stderr), "stderr differs{}", ctx());
}

/// The unshare flags a [`Sandbox`] takes, with the namespace each makes.
const SANDBOX_FLAGS: [(&str, &str); 6] =
    [("-i", "ipc"), ("-n", "net"), ("-m", "mnt"), ("-u", "uts"), ("-C", "cgroup"), ("-U", "user")];

/// A process holding private namespaces; commands run inside them through
/// util-linux's `nsenter`. Dropping it kills the holder, and with it the
/// namespaces and everything made inside (IPC objects, mounts, links).
pub struct Sandbox {
    holder: Child,
    enter: Vec<&'static str>,
}

impl Sandbox {
    /// Private namespaces of the given unshare letters, e.g. `&["-i"]`,
    /// `&["-i", "-m"]`, `&["-n"]`. A mount namespace gets private
    /// propagation, so nothing mounted inside leaks out.
    pub fn new(flags: &[&'static str]) -> Sandbox {
        // checked before the holder starts, so a bad flag leaves nothing running
        let ns_of = |flag: &str| {
            SANDBOX_FLAGS
                .iter()
                .find(|(f, _)| *f == flag)
                .map(|(_, ns)| *ns)
                .unwrap_or_else(|| panic!("Sandbox: unsupported flag {flag}"))
        };
        let namespaces: Vec<&str> = flags.iter().map(|f| ns_of(f)).collect();
        let ns = namespaces.first().copied().unwrap_or("ipc");
        let mut c = Command::new(util_linux_path("unshare"));
        c.args(flags);
        if flags.contains(&"-m") {
            c.args(["--propagation", "private"]);
        }
        c.args(["sleep", "1000000"]).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        let sandbox = Sandbox { holder: c.spawn().expect("start sandbox holder"), enter: flags.to_vec() };
        // wait until the holder has left the caller's namespaces (a timeout
        // panics, and dropping the sandbox kills the holder)
        let pid = sandbox.pid();
        wait_until(10, &format!("the sandbox holder to unshare {ns}"), || {
            let mine = std::fs::read_link(format!("/proc/self/ns/{ns}")).ok();
            let theirs = std::fs::read_link(format!("/proc/{pid}/ns/{ns}")).ok();
            theirs.is_some() && theirs != mine
        });
        sandbox
    }

    /// The holder's pid (for `nsenter -t`).
    pub fn pid(&self) -> u32 {
        self.holder.id()
    }

    /// Wrap `cmd` so it runs inside the sandbox's namespaces.
    pub fn wrap(&self, cmd: Cmd) -> Cmd {
        let mut w = util_linux("nsenter").arg("-t").arg(self.pid().to_string()).args(&self.enter);
        w.stdin = cmd.stdin.clone();
        w.env = cmd.env.clone();
        w.env_clear = cmd.env_clear;
        w.user = cmd.user;
        w.cwd = cmd.cwd.clone();
        w.timeout = cmd.timeout;
        if let Some(a0) = &cmd.arg0 {
            // nsenter cannot set argv[0]: go through bash's exec -a
            w = w.args(["bash", "-c", "exec -a \"$0\" \"$@\""]).arg(a0).arg(&cmd.program);
        } else {
            w = w.arg(&cmd.program);
        }
        w.args(&cmd.args)
    }

    /// Run a shell script inside the sandbox.
    pub fn sh(&self, script: &str) -> Output {
        self.wrap(Cmd::new("sh").arg("-c").arg(script)).run()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

/// A named network namespace (`ip netns add`), deleted on drop.
pub struct NetnsGuard {
    /// Its name (under /run/netns).
    pub name: String,
}

impl NetnsGuard {
    /// Create `ip netns add <unique name>`.
    pub fn add(tag: &str) -> NetnsGuard {
        let name = unique_name(tag);
        Cmd::new("ip").args(["netns", "add", &name]).run().success();
        NetnsGuard { name }
    }

    /// Reserve a unique name and create an empty file for it under
    /// /run/netns (for `unshare --net=/run/netns/NAME`), deleted on drop
    /// after unmounting.
    pub fn reserve_file(tag: &str) -> NetnsGuard {
        let name = unique_name(tag);
        std::fs::create_dir_all("/run/netns").expect("mkdir /run/netns");
        std::fs::write(format!("/run/netns/{name}"), b"").expect("create netns file");
        NetnsGuard { name }
    }

    /// `/run/netns/<name>`.
    pub fn path(&self) -> PathBuf {
        PathBuf::from(format!("/run/netns/{}", self.name))
    }
}

impl Drop for NetnsGuard {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.name]).stderr(Stdio::null()).status();
        let p = self.path();
        // `ip netns del` unmounts and removes; make sure of both
        let _ = Command::new("umount").arg("-l").arg(&p).stderr(Stdio::null()).status();
        let _ = std::fs::remove_file(&p);
    }
}

/// A temporary directory removed (after lazily unmounting anything mounted
/// below it) on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Create a fresh directory under the system temp dir.
    pub fn new(tag: &str) -> TempDir {
        let path = std::env::temp_dir().join(unique_name(tag));
        std::fs::create_dir_all(&path).expect("mkdir temp");
        TempDir { path }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A path inside it.
    pub fn join(&self, p: impl AsRef<Path>) -> PathBuf {
        self.path.join(p)
    }

    /// An empty file inside it (a persistence target, a stop flag), and
    /// its path.
    pub fn touch(&self, name: impl AsRef<Path>) -> PathBuf {
        let p = self.path.join(name);
        std::fs::write(&p, b"").expect("create empty file");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // unmount anything a test bind-mounted below us, deepest first
        // (below: whole path components; /tmp/nsut1x1 is no prefix of
        // another test's /tmp/nsut1x12)
        let mut targets: Vec<PathBuf> = mount_points().into_iter().filter(|t| t.starts_with(&self.path)).collect();
        targets.sort_by_key(|t| std::cmp::Reverse(t.as_os_str().len()));
        for t in targets {
            let _ = Command::new("umount").arg("-l").arg(&t).stderr(Stdio::null()).status();
        }
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Kill a background child (and reap it) on drop.
pub struct ChildGuard(pub Child);

impl ChildGuard {
    /// The child's pid.
    pub fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Wait until `cond` holds (polling every 5 ms), panicking after `secs`.
#[track_caller]
pub fn wait_until(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The namespace link text of `pid` (`net:[4026531833]`).
pub fn ns_link(pid: u32, ns: &str) -> String {
    std::fs::read_link(format!("/proc/{pid}/ns/{ns}")).map(|p| p.display().to_string()).unwrap_or_default()
}

/// The pids of the direct children of `pid` (from /proc/PID/task/*/children).
pub fn children_of(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// The command name of `pid` (`/proc/PID/comm`), "" once it is gone.
pub fn comm_of(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default().trim().to_string()
}

/// A long-lived target process: `cmd` (typically `unshare --kill-child -f
/// … sleep N`) is started and we wait until its first child — or `cmd`
/// itself — is `sleep`. On drop the sleeper is killed and its holder
/// reaped, so nothing outlives a failing test.
pub struct Sleeper {
    holder: ChildGuard,
    pid: u32,
}

impl Sleeper {
    /// Start `cmd` and wait (up to 20 s) for its sleeper; panics with the
    /// holder's stderr if it exits first.
    pub fn start(cmd: Cmd) -> Sleeper {
        let mut holder = ChildGuard(cmd.spawn());
        let hp = holder.pid();
        let mut pid = 0;
        wait_until(20, "the target to sleep", || {
            if let Ok(Some(status)) = holder.0.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = holder.0.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                panic!("target {} exited with {status}: {err}", cmd.cmdline());
            }
            let candidate = if comm_of(hp) == "sleep" { Some(hp) } else { children_of(hp).first().copied() };
            match candidate {
                Some(p) if comm_of(p) == "sleep" => {
                    pid = p;
                    true
                }
                _ => false,
            }
        });
        Sleeper { holder, pid }
    }

    /// The sleeper's pid.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The pid of the process we started (the sleeper's parent, or itself).
    pub fn holder_pid(&self) -> u32 {
        self.holder.pid()
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        // SAFETY: kill has no memory effects.
        unsafe { libc::kill(self.pid as i32, libc::SIGKILL) };
        // let the holder reap it and exit by itself (no orphaned zombie for
        // init); the ChildGuard then kills whatever remains
        for _ in 0..200 {
            if !matches!(self.holder.0.try_wait(), Ok(None)) {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// Every process (pid) whose environment holds `NAME=value` — how a test
/// finds what its commands left running, wherever it was reparented.
/// Zombies have no environment left; see [`zombies`].
pub fn processes_with_env(name: &str, value: &str) -> Vec<u32> {
    let needle = format!("{name}={value}");
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        if let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) {
            if env.split(|&b| b == 0).any(|v| v == needle.as_bytes()) {
                found.push(pid);
            }
        }
    }
    found
}

/// Zombie processes as `(pid, parent pid, command name)`.
pub fn zombies() -> Vec<(u32, u32, String)> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let mut rest = stat[close + 1..].split_whitespace();
        if rest.next() == Some("Z") {
            let ppid = rest.next().and_then(|p| p.parse().ok()).unwrap_or(0);
            found.push((pid, ppid, stat[open + 1..close].to_string()));
        }
    }
    found
}

/// A PATH without root's private directories, for commands run as `nobody`.
pub const STD_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

impl TempDir {
    /// A TempDir that is a private mount of its own, so namespace files
    /// bound below it (a mount namespace's in particular) never sit on a
    /// shared mount, and nothing mounted below it propagates.
    pub fn private(tag: &str) -> TempDir {
        let d = TempDir::new(tag);
        let p = d.path().to_str().expect("utf-8 temp path").to_string();
        Cmd::new("mount").args(["--bind", &p, &p]).run().success();
        Cmd::new("mount").args(["--make-private", &p]).run().success();
        d
    }
}

/// The mount points of our mount namespace, in mountinfo order, their
/// octal escapes (`\040` for a space) undone.
pub fn mount_points() -> Vec<PathBuf> {
    use nsutils_common::mountinfo;
    let info = std::fs::read("/proc/self/mountinfo").unwrap_or_default();
    info.split(|&b| b == b'\n')
        .filter_map(mountinfo::parse_line)
        .map(|m| PathBuf::from(OsStr::from_bytes(&mountinfo::unescape(m.mount_point))))
        .collect()
}

/// Whether anything is mounted on `path` in our mount namespace.
pub fn is_mounted(path: &Path) -> bool {
    mount_points().iter().any(|p| p == path)
}

/// Whether a path or name belongs to another test process: the harness
/// names everything `nsut<pid>x…` ([`unique_name`]), and other test
/// binaries (or other checkouts' tests) may run beside us.
pub fn is_foreign(path: &str) -> bool {
    let mine = format!("nsut{}x", std::process::id() % 100_000);
    path.split(['/', ' ']).any(|c| c.starts_with("nsut") && !c.starts_with(&mine))
}

/// Our mount namespace's mounts as `mount point, type, source`, counted,
/// without those of other test processes ([`is_foreign`]): compare two
/// snapshots to see what a test left mounted.
pub fn mount_table() -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for l in std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default().lines() {
        let f: Vec<&str> = l.split(' ').collect();
        let Some(sep) = f.iter().position(|&x| x == "-") else { continue };
        let key = format!("{} {} {}", f[4], f.get(sep + 1).unwrap_or(&""), f.get(sep + 2).unwrap_or(&""));
        if !is_foreign(&key) {
            *m.entry(key).or_default() += 1;
        }
    }
    m
}

/// `/proc/1234/` → `/proc/PID/` (pids differ between runs and tools).
pub fn without_proc_pids(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("/proc/") {
        out.push_str(&rest[..i + 6]);
        rest = &rest[i + 6..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push_str("PID");
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// `s` without nsutils' advice lines (`<prog>: hint: …`), which util-linux
/// does not print: for comparing stderr with util-linux's.
pub fn without_hints(s: &str) -> String {
    s.lines().filter(|l| !l.contains(": hint: ")).map(|l| format!("{l}\n")).collect()
}

/// The state letter of `pid` from `/proc/PID/stat` (`R`, `S`, `T`, `Z`…),
/// `None` once it is gone.
pub fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // the command name may hold ") ": the state follows the last one
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// A number from the environment variable `name`, else `default` (the
/// scale knobs of the reliability tests).
pub fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}
