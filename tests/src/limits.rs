//! Running the tools under hostile limits: few descriptors, few processes,
//! little memory, huge arguments; and reading their raw bytes back.
//!
//! * [`run_raw`] — like [`Cmd::run`], keeping stderr's bytes (messages
//!   carry non-UTF-8 bytes unchanged, and a test must see them).
//! * [`nofile_matrix`] — one command at every `RLIMIT_NOFILE` from 3 up,
//!   plus once without a limit, inside one private set of namespaces (pid
//!   with its own /proc, mount, IPC, a private /dev/shm and /dev/mqueue), so
//!   that every run sees the same system and their outputs can be compared.
//! * [`Verdict`] — the rule every run under a limit must obey: the complete
//!   answer, or a clear error with status 1 and nothing on stdout.

use std::ffi::OsString;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::Duration;

use crate::{util_linux_path, Cmd, TempDir, Watchdog};

/// A finished command, bytes as they came.
#[derive(Debug, Clone)]
pub struct Raw {
    /// What ran, for messages.
    pub cmdline: String,
    /// Exit code, if it exited.
    pub code: Option<i32>,
    /// Fatal signal, if it was killed.
    pub signal: Option<i32>,
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
}

impl Raw {
    /// Everything about the run, for an assertion message.
    pub fn describe(&self) -> String {
        format!(
            "command: {}\nexit code: {:?}, signal: {:?}\n--- stdout ---\n{}--- stderr ---\n{}--------------",
            short(&self.cmdline),
            self.code,
            self.signal,
            short(&String::from_utf8_lossy(&self.stdout)),
            short(&String::from_utf8_lossy(&self.stderr))
        )
    }
}

/// At most 600 characters of `s` (arguments and messages here can be 128 KiB).
pub fn short(s: &str) -> String {
    if s.chars().count() <= 600 {
        return s.to_string();
    }
    let head: String = s.chars().take(300).collect();
    let tail: String = s.chars().rev().take(300).collect::<Vec<_>>().into_iter().rev().collect();
    format!("{head}[…]{tail}")
}

/// Run `cmd` (stdin /dev/null) and keep the raw output; killed after
/// `timeout`, which the result then shows as SIGKILL.
pub fn run_raw(cmd: &Cmd, timeout: Duration) -> Raw {
    let mut c = cmd.command();
    c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = c.spawn().unwrap_or_else(|e| panic!("cannot start {}: {e}", short(&cmd.cmdline())));
    let watchdog = Watchdog::start(&child, timeout);
    let out = child.wait_with_output().expect("wait");
    drop(watchdog);
    Raw {
        cmdline: cmd.cmdline(),
        code: out.status.code(),
        signal: out.status.signal(),
        stdout: out.stdout,
        stderr: out.stderr,
    }
}

/// One run of a [`nofile_matrix`].
#[derive(Debug, Clone)]
pub struct LimitedRun {
    /// The descriptor limit (`None`: the reference run, no limit).
    pub nofile: Option<u32>,
    /// Exit status (128 + N for a signal, as the shell reports it).
    pub status: i32,
    /// Standard output.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
    /// What the `state` script printed after the run.
    pub state: Vec<u8>,
}

impl LimitedRun {
    fn describe(&self) -> String {
        format!(
            "nofile {:?}: status {}\n--- stdout ---\n{}--- stderr ---\n{}--- state ---\n{}",
            self.nofile,
            self.status,
            String::from_utf8_lossy(&self.stdout),
            String::from_utf8_lossy(&self.stderr),
            String::from_utf8_lossy(&self.state)
        )
    }
}

/// Run `argv` once without a limit and then with `RLIMIT_NOFILE` at each
/// of `3..=max`, each time after `setup` and followed by `state` (shell
/// snippets; `$D` is a scratch directory), all inside one set of private
/// namespaces: pid (with its own /proc), mount, IPC, UTS, and a private
/// `/dev` with a tmpfs `/dev/shm` and an mqueue `/dev/mqueue`. `prelude`
/// runs once first, before the private /dev is made, so that the first
/// process it starts is pid 2 (for lsns-rs and nsenter-rs to find); an
/// argument `@NAME@` is replaced by what it wrote to `$D/NAME`. Everything
/// made inside dies with the namespaces.
pub fn nofile_matrix(prelude: &str, setup: &str, state: &str, argv: &[OsString], max: u32) -> Vec<LimitedRun> {
    let dir = TempDir::new("nofile");
    let script = format!(
        r#"set -u
D="$1"; shift
{prelude}
# an argument @FILE@ stands for the contents of $D/FILE (written by the prelude)
for a; do
    shift
    case $a in @*@) f=${{a#@}}; a=$(cat "$D/${{f%@}}") || exit 89;; esac
    set -- "$@" "$a"
done
mkdir "$D/dev" "$D/runs"
mount -t tmpfs nsutdev "$D/dev" || exit 90
for n in null zero full random urandom; do touch "$D/dev/$n"; mount --bind "/dev/$n" "$D/dev/$n"; done
mkdir "$D/dev/shm" "$D/dev/mqueue" "$D/dev/pts"
mount -t tmpfs nsutshm "$D/dev/shm" && mount -t mqueue nsutmq "$D/dev/mqueue" && mount --rbind "$D/dev" /dev || exit 91
run() {{
    n=$1; shift
    :
    {setup}
    if [ "$n" = ref ]; then "$@"; else prlimit --nofile=$n:$n "$@"; fi >"$D/runs/$n.out" 2>"$D/runs/$n.err"
    echo $? >"$D/runs/$n.rc"
    {{
        :
        {state}
    }} >"$D/runs/$n.state" 2>&1
}}
run ref "$@"
n=3
while [ $n -le {max} ]; do run $n "$@"; n=$((n + 1)); done
"#
    );
    let out = Cmd::new(util_linux_path("unshare"))
        .args(["-fpmiu", "--mount-proc", "--propagation", "private", "sh", "-c", &script, "sh"])
        .arg(dir.path())
        .args(argv)
        .timeout(Duration::from_secs(240))
        .run();
    assert_eq!(out.code, Some(0), "the nofile matrix script failed:\n{}\n{}", out.stdout, out.stderr);
    let read = |n: &str, ext: &str| std::fs::read(dir.join(format!("runs/{n}.{ext}"))).unwrap_or_default();
    let one = |n: &str, nofile| LimitedRun {
        nofile,
        status: String::from_utf8_lossy(&read(n, "rc")).trim().parse().unwrap_or(-1),
        stdout: read(n, "out"),
        stderr: read(n, "err"),
        state: read(n, "state"),
    };
    let mut runs = vec![one("ref", None)];
    for n in 3..=max {
        runs.push(one(&n.to_string(), Some(n)));
    }
    runs
}

/// What a run under a limit may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The complete answer: what the run without a limit gave.
    Complete,
    /// A clear error: status 1, `<tool>: …` on stderr, nothing on stdout.
    Error,
    /// The dynamic loader could not open a library (glibc build with only
    /// descriptors 0-2): status 127 before any of our code runs.
    Loader,
}

/// Judge every limited run of `runs` against the reference (`runs[0]`),
/// which must succeed: each is complete, a clear error from `tool`
/// (whose stderr must contain `cause` when given) or the loader's failure;
/// never a signal, never partial output with status 0. `same` compares
/// outputs (e.g. ignoring ids that differ from run to run). Returns the
/// verdicts, and fails unless the largest limit gave the complete answer.
pub fn judge(
    tool: &str,
    runs: &[LimitedRun],
    cause: Option<&str>,
    same: impl Fn(&LimitedRun, &LimitedRun) -> bool,
) -> Vec<Verdict> {
    let reference = &runs[0];
    assert_eq!(reference.status, 0, "{tool}: the run without a limit failed:\n{}", reference.describe());
    let mut verdicts = Vec::new();
    for r in &runs[1..] {
        let err = String::from_utf8_lossy(&r.stderr);
        let v = if r.status == 0 && same(reference, r) {
            Verdict::Complete
        } else if r.status == 1 && r.stdout.is_empty() && err.starts_with(&format!("{tool}: ")) {
            if let Some(c) = cause {
                assert!(err.contains(c), "{tool}: an error without '{c}':\n{}", r.describe());
            }
            Verdict::Error
        } else if r.status == 127 && err.contains("error while loading shared libraries") && r.nofile == Some(3) {
            Verdict::Loader
        } else {
            panic!(
                "{tool}: neither the complete answer nor a clear error:\n{}\n=== the run without a limit ===\n{}",
                r.describe(),
                reference.describe()
            );
        };
        verdicts.push(v);
    }
    assert_eq!(
        verdicts.last(),
        Some(&Verdict::Complete),
        "{tool}: not even the largest limit gave the complete answer:\n{}",
        runs.last().map(LimitedRun::describe).unwrap_or_default()
    );
    verdicts
}

/// The same stdout, stderr and state.
pub fn same_output(a: &LimitedRun, b: &LimitedRun) -> bool {
    a.stdout == b.stdout && a.stderr == b.stderr && a.state == b.state
}

/// Decimal numbers replaced by `N` (ids and keys that differ per run).
pub fn without_numbers(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut in_num = false;
    for &c in b {
        if c.is_ascii_hexdigit() && (in_num || c.is_ascii_digit()) {
            if !in_num {
                out.push(b'N');
            }
            in_num = true;
        } else {
            in_num = false;
            out.push(c);
        }
    }
    out
}

/// The single-argument limit of execve(2) (`MAX_ARG_STRLEN`, 32 pages),
/// counting the terminating NUL: the longest argument is one byte less.
pub const MAX_ARG_STRLEN: usize = 128 * 1024;

/// What [`fill`] and [`nest`] make at most: one argument, less room for an
/// option name or a few words around the value (`--map-users=`, `NS == '…'`).
const BUDGET: usize = MAX_ARG_STRLEN - 1 - 64;

/// `unit` repeated to fill one argument of (nearly) the maximum length,
/// followed by `tail`.
pub fn fill(unit: &str, tail: &str) -> String {
    let n = (BUDGET - tail.len()) / unit.len();
    let mut s = unit.repeat(n);
    s.push_str(tail);
    s
}

/// `open` repeated, then `core`, then `close` repeated, as many times as fit
/// in one argument.
pub fn nest(open: &str, core: &str, close: &str) -> String {
    let n = (BUDGET - core.len()) / (open.len() + close.len());
    format!("{}{core}{}", open.repeat(n), close.repeat(n))
}
