//! Hostile conditions around the program unshare-rs and nsenter-rs run
//! (issue 12, its exec/target/rollback half), as matrices: each condition
//! against each tool and mode that can meet it, in whatever build
//! `NSUTILS_BIN_DIR` points at (`scripts/test.sh` runs them against the
//! glibc and the static musl binaries).
//!
//! * Targets that die (nsenter-rs): a zombie, an exited PID, a target
//!   killed while nsenter-rs is held between two of its steps, a PID
//!   reused by another process — through the pidfd and the /proc paths,
//!   and with no pidfd at all. The program must never run.
//! * Inherited state: ignored and blocked signals, umask, rlimits,
//!   environment, a deleted working directory reach the program as
//!   util-linux HEAD passes them.
//! * Bytes: non-UTF-8 argv, environment and paths reach the program and
//!   the messages unchanged.
//! * Rollback: after each failure that follows a system change, nothing is
//!   left (mounts, persistence binds, processes).
//! * Scripts without `#!` run with /bin/sh in every build.
//!
//! Targets and holders are made with util-linux's `unshare` and killed on
//! drop; temporary files live in private TempDirs; so the tests run in
//! parallel with each other and with other suites.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;
use std::time::Duration;

use nsutils_tests::hostile::{
    have_strace, merged, raw_without_hints, run_inheriting, run_into_closed_pipe, Held, Inherited, Zombie,
};
use nsutils_tests::{
    children_of, comm_of, differential_head, head_dir, is_mounted, mount_table, processes_with_env, require_root, tool,
    tool_path, ul_named_path, unique_name, util_linux, util_linux_head, wait_until, without_hints, zombies, ChildGuard,
    Cmd, Output, Sandbox, Sleeper, TempDir,
};

fn nsenter() -> Cmd {
    tool("nsenter-rs")
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// A `sleep` in new namespaces (`unshare --kill-child -f FLAGS… sleep`),
/// killed with its holder on drop.
fn sleeping_in(flags: &[&str]) -> Sleeper {
    Sleeper::start(util_linux("unshare").args(["--kill-child", "-f"]).args(flags).args(["sleep", "1000"]))
}

/// The program every nsenter-rs run below asks for: it must never run for
/// a target that is gone.
const RAN: &[&str] = &["echo", "RAN"];

/// The ways of entering a target's namespaces that a dying target must
/// fail: each namespace type, --all, and the target's root, working
/// directory, environment and owner next to a namespace.
const ENTRIES: &[&[&str]] = &[
    &["-a"],
    &["-n"],
    &["-p"],
    &["-U"],
    &["-m", "-u"],
    &["-i", "-C", "-T"],
    &["-n", "-r"],
    &["-n", "-w"],
    &["-n", "-e"],
    &["-n", "-S", "follow"],
];

/// Enter through the pidfd (Linux 5.8's one setns), through the target's
/// /proc/PID/ns files with a pidfd kept to watch the target (setns(2)
/// refusing pidfds, as Linux 5.3–5.7), or with no pidfd at all
/// (pidfd_open refused, as under an old seccomp profile).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Route {
    Pidfd,
    Files,
    NoPidfd,
}

const ROUTES: [Route; 3] = [Route::Pidfd, Route::Files, Route::NoPidfd];

fn via(c: Cmd, route: Route) -> Cmd {
    match route {
        Route::Pidfd => c,
        Route::Files => nsutils_tests::fallbacks::setns_without_pidfd(c),
        Route::NoPidfd => c.seccomp_deny(&[libc::SYS_pidfd_open], libc::ENOSYS),
    }
}

/// A dying target was refused: exit 1, a message, and the program never ran.
#[track_caller]
fn refused(out: &Output, what: &str) {
    assert_eq!((out.code, out.signal), (Some(1), None), "{what}: {out:?}");
    assert!(!out.stdout.contains("RAN"), "{what}: the program ran:\n{out:?}");
    assert!(out.stderr.starts_with("nsenter-rs: "), "{what}: {out:?}");
    assert!(!out.stderr.contains("panicked"), "{what}: {out:?}");
}

// ------------------------------------------------------- targets that die

#[test]
fn a_zombie_target_is_refused_on_every_path() {
    if !require_root() {
        return;
    }
    // in namespaces of its own, and in ours (where skipping every type
    // whose file is gone would run the program right here)
    let own = ["--kill-child", "-f", "-p", "--mount-proc", "-U", "-r", "-m", "-u", "-i", "-n", "-C", "-T"];
    for z in [Zombie::start(&[]), Zombie::start(&own)] {
        zombie_is_refused(&z.pid.to_string());
    }
}

fn zombie_is_refused(pid: &str) {
    for route in ROUTES {
        for entry in ENTRIES {
            let out = via(nsenter().args(["-t", pid]).args(*entry).args(RAN), route).run();
            refused(&out, &format!("{route:?} {entry:?}"));
        }
        // -N: the zombie's descriptors are gone with it
        if route != Route::NoPidfd {
            refused(&via(nsenter().args(["-t", pid, "-N", "0"]).args(RAN), route).run(), "-N 0");
        }
    }
    // through the pidfd, as HEAD: `reassociate to namespaces failed: No such process`
    for entry in [&["-a"][..], &["-n"], &["-p"], &["-U"], &["-m", "-u"], &["-n", "-r"], &["-n", "-e"]] {
        let args: Vec<&str> =
            ["-t", pid].iter().copied().chain(entry.iter().copied()).chain(RAN.iter().copied()).collect();
        let Some((ours, head)) = differential_head("nsenter", &args, |c| c) else { return };
        assert_eq!((ours.code, without_hints(&ours.stderr)), (head.code, head.stderr.clone()), "{entry:?}: {ours:?}");
    }
    // and through the files, as 2.38.1: the first namespace file that is gone
    let out = via(nsenter().args(["-t", pid, "-a"]).args(RAN), Route::Files).run();
    let line = out.stderr.lines().next().unwrap_or_default();
    assert_eq!(line, format!("nsenter-rs: cannot open /proc/{pid}/ns/cgroup: No such file or directory"));
    let theirs = util_linux("nsenter").args(["-t", pid, "-a"]).args(RAN).run();
    assert_eq!(theirs.stderr, format!("nsenter: cannot open /proc/{pid}/ns/cgroup: No such file or directory\n"));
    // the hint says what happened
    assert!(out.stderr.contains(&format!("hint: process {pid} has exited (or is a zombie)")), "{out:?}");
}

#[test]
fn an_exited_pid_is_refused_on_every_path() {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id().to_string();
    child.wait().unwrap();
    for route in ROUTES {
        for entry in ENTRIES {
            let out = via(nsenter().args(["-t", &pid]).args(*entry).args(RAN), route).run();
            refused(&out, &format!("{route:?} {entry:?}"));
            if !out.stderr.contains("Operation not permitted") {
                assert!(out.stderr.contains(&format!("hint: no process with PID {pid} exists")), "{out:?}");
            }
        }
    }
    // the same words as HEAD (its pidfd_open fails, and it falls back to /proc)
    for entry in [&["-a"][..], &["-n"], &["-n", "-r"]] {
        let args: Vec<&str> =
            ["-t", &pid].iter().copied().chain(entry.iter().copied()).chain(RAN.iter().copied()).collect();
        let Some((ours, head)) = differential_head("nsenter", &args, |c| c) else { return };
        assert_eq!((ours.code, without_hints(&ours.stderr)), (head.code, head.stderr.clone()), "{entry:?}");
    }
}

/// The points where nsenter-rs is held while its target is killed: having
/// just got the pidfd (before any /proc/PID file is opened), and about to
/// enter the first namespace (after the target was pinned).
const HOLDS: [(&str, i64, &str); 2] =
    [("pidfd_open", libc::SYS_pidfd_open, "delay_exit"), ("setns", libc::SYS_setns, "delay_enter")];

#[test]
fn a_target_killed_between_two_steps_is_refused() {
    if !require_root() || !have_strace() {
        return;
    }
    for (syscall, nr, when) in HOLDS {
        for route in ROUTES {
            for entry in [&["-n", "-u"][..], &["-a"], &["-p"], &["-n", "-r"]] {
                let target = sleeping_in(&["-p", "--mount-proc", "-m", "-n", "-u"]);
                let pid = target.pid().to_string();
                let mut args = os(&["-t", &pid]);
                args.extend(os(entry));
                args.extend(os(RAN));
                let what = format!("held at {syscall} ({when}), {route:?}, {entry:?}");
                let held = Held::start(
                    &tool_path("nsenter-rs"),
                    &args,
                    |c| via(c, route),
                    (syscall, nr, when),
                    Duration::from_secs(1),
                )
                .unwrap_or_else(|out| panic!("{what}: ended before the hold: {out:?}"));
                drop(target); // killed (and reaped by its holder) while nsenter-rs waits
                refused(&held.finish(), &what);
            }
        }
    }
}

#[test]
fn a_reused_pid_is_told_apart() {
    if !require_root() || !have_strace() {
        return;
    }
    // In a PID namespace of its own, the test decides which PID comes next
    // (ns_last_pid): the victim is killed and an impostor (another hostname)
    // gets its PID. With PID:INODE, and with a pidfd taken before the
    // switch, nsenter-rs must refuse the impostor; a bare PID after the
    // switch names the impostor, which is then entered.
    let script = r#"
set -u
until_host() { i=0; while [ "$(nsenter -t "$1" -u hostname 2>/dev/null)" != "$2" ]; do i=$((i+1)); [ $i -lt 500 ] || exit 98; sleep 0.01; done; }
victim() { unshare -u sh -c 'hostname victim; exec sleep 1000' & V=$!; until_host $V victim; }
impostor() {
    kill -9 $V; wait $V 2>/dev/null
    echo $((V - 1)) > /proc/sys/kernel/ns_last_pid
    unshare -u sh -c 'hostname impostor; exec sleep 1000' & R=$!
    [ "$R" = "$V" ] || { echo "no reuse: $R for $V"; exit 99; }
    until_host $R impostor
}
for via in pidfd files; do
    FILES=; [ $via = files ] && FILES=$SETNS_WITHOUT_PIDFD
    victim
    INODE=$(python3 -c 'import os,sys; print(os.fstat(os.pidfd_open(int(sys.argv[1]))).st_ino)' $V)
    impostor
    o=$($FILES "$NSENTER" -t "$V:$INODE" -u hostname 2>&1); rc=$?; echo "inode $via: $(echo $o) rc=$rc"
    o=$($FILES "$NSENTER" -t "$V" -u hostname 2>&1); rc=$?; echo "bare $via: $(echo $o) rc=$rc"
    kill -9 $R; wait $R 2>/dev/null
    # held with the victim's pidfd while the impostor takes its PID
    victim
    strace -f -q -o /dev/null -e trace=pidfd_open -e inject=pidfd_open:delay_exit=3000000:when=1 \
        $FILES "$NSENTER" -t "$V" -u hostname >out 2>&1 & S=$!
    i=0
    while :; do
        for n in $(cat /proc/$S/task/$S/children 2>/dev/null); do
            read nr rest < /proc/$n/syscall 2>/dev/null && [ "$nr" = 434 ] && break 2
        done
        i=$((i+1)); [ $i -lt 2000 ] || exit 97; sleep 0.005
    done
    impostor
    wait $S; rc=$?; echo "held $via: $(echo $(cat out)) rc=$rc"
    kill -9 $R; wait $R 2>/dev/null
done
exit 0
"#;
    let dir = TempDir::new("reuse");
    let out = util_linux("unshare")
        .args(["--kill-child", "-fp", "--mount-proc", "sh", "-c", script])
        .env("NSENTER", tool_path("nsenter-rs"))
        .env("SETNS_WITHOUT_PIDFD", nsutils_tests::fallbacks::setns_without_pidfd_words())
        .cwd(dir.path())
        .run();
    assert_eq!(out.code, Some(0), "{out:?}");
    for via in ["pidfd", "files"] {
        let line = |what: &str| {
            out.stdout.lines().find(|l| l.starts_with(&format!("{what} {via}:"))).unwrap_or_default().to_string()
        };
        let inode = line("inode");
        assert!(
            inode.contains("failed to obtain a valid file descriptor") && inode.ends_with("rc=1"),
            "{via}: {inode}"
        );
        assert!(!inode.contains("impostor"), "{inode}");
        assert_eq!(line("bare"), format!("bare {via}: impostor rc=0"));
        let held = line("held");
        assert!(
            !held.contains("impostor") && held.contains("No such process") && held.ends_with("rc=1"),
            "{via}: {held}"
        );
    }
}

// --------------------------------------------------------- inherited state

/// What a program is asked to show of what it inherited.
#[derive(Clone, Copy, Debug)]
enum Probe {
    /// Signal dispositions and mask, umask, limits (`/proc/self/status`, `/proc/self/limits`).
    State,
    /// The environment, as raw bytes (`/proc/self/environ`).
    Environ,
    /// The working directory (`/proc/self/cwd`).
    Cwd,
}

impl Probe {
    fn argv(self) -> &'static [&'static str] {
        match self {
            Probe::State => &[
                "grep",
                "-hE",
                "^(Umask|SigBlk|SigIgn|Max (open files|core file size|processes))",
                "/proc/self/status",
                "/proc/self/limits",
            ],
            Probe::Environ => &["cat", "/proc/self/environ"],
            Probe::Cwd => &["readlink", "/proc/self/cwd"],
        }
    }
}

/// The conditions of the inherited-state matrix: a name, what the caller
/// hands down, and what the program shows of it. `scratch` is where a
/// deleted working directory is made.
fn inherited_conditions(scratch: &TempDir) -> Vec<(&'static str, Inherited, Probe)> {
    let sig = |v: &[i32]| v.to_vec();
    vec![
        (
            "ignored signals",
            Inherited {
                ignored: sig(&[libc::SIGPIPE, libc::SIGHUP, libc::SIGINT, libc::SIGTERM, libc::SIGUSR2, libc::SIGQUIT]),
                ..Inherited::default()
            },
            Probe::State,
        ),
        ("ignored SIGCHLD", Inherited { ignored: sig(&[libc::SIGCHLD]), ..Inherited::default() }, Probe::State),
        (
            "blocked signals",
            Inherited {
                blocked: sig(&[libc::SIGUSR1, libc::SIGTERM, libc::SIGINT, libc::SIGHUP, libc::SIGCHLD, libc::SIGPIPE]),
                ..Inherited::default()
            },
            Probe::State,
        ),
        ("umask", Inherited { umask: Some(0o027), ..Inherited::default() }, Probe::State),
        (
            "rlimits",
            Inherited {
                rlimits: vec![
                    (libc::RLIMIT_NOFILE, 200, 300),
                    (libc::RLIMIT_CORE, 0, 0),
                    (libc::RLIMIT_NPROC, 5000, 6000),
                ],
                ..Inherited::default()
            },
            Probe::State,
        ),
        ("environment", Inherited::default(), Probe::Environ),
        (
            "a deleted cwd",
            Inherited {
                deleted_cwd: Some({
                    let d = scratch.join(unique_name("cwd"));
                    std::fs::create_dir(&d).unwrap();
                    d
                }),
                ..Inherited::default()
            },
            Probe::Cwd,
        ),
    ]
}

/// The environment every run of the matrix gets, bytes that are not UTF-8
/// included.
fn with_raw_env(c: Cmd) -> Cmd {
    c.env_clear()
        .env("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        .env(OsStr::from_bytes(b"NSUT_RAW_\xff"), OsStr::from_bytes(b"v\xfe\xff=1"))
        .env("NSUT_PLAIN", "a b")
}

/// Run `tool MODE… PROBE` (ours, and HEAD's with `head_mode`) under every
/// condition; the program must see the same in both.
fn same_inheritance(ul: &str, mode: &[&str], head_mode: &[&str]) -> usize {
    let scratch = TempDir::new("inherit");
    let mut runs = 0;
    for (name, state, probe) in inherited_conditions(&scratch) {
        let Some(head) = util_linux_head(ul) else { return runs };
        let ours = with_raw_env(Cmd::new(tool_path(&format!("{ul}-rs"))).args(mode).args(probe.argv()));
        let ours = run_inheriting(&ours, &state);
        // a deleted cwd is made afresh for each run
        let state = Inherited {
            deleted_cwd: state.deleted_cwd.as_ref().map(|d| {
                std::fs::create_dir(d).unwrap();
                d.clone()
            }),
            ..state
        };
        let theirs = run_inheriting(&with_raw_env(head.args(head_mode).args(probe.argv())), &state);
        assert_eq!(theirs.code, Some(0), "HEAD {ul} {head_mode:?} under {name}: {theirs:?}");
        assert_eq!(
            (ours.code, ours.signal, &ours.stdout_bytes),
            (theirs.code, theirs.signal, &theirs.stdout_bytes),
            "{ul} {mode:?} under {name}:\n=== ours ===\n{ours:?}\n=== HEAD ===\n{theirs:?}"
        );
        assert_eq!(ours.stderr, "", "{ul} {mode:?} under {name}");
        runs += 1;
    }
    runs
}

#[test]
fn unshare_rs_passes_on_what_it_inherited_as_head_does() {
    if !require_root() {
        return;
    }
    let modes: &[&[&str]] =
        &[&[], &["-f"], &["-f", "--kill-child"], &["-r"], &["-fp", "--mount-proc"], &["-m", "-n", "-u"]];
    let mut runs = 0;
    for mode in modes {
        runs += same_inheritance("unshare", mode, mode);
    }
    // --forward-signals passes on what -f does: HEAD's relaying handlers
    // reset an ignored SIGINT or SIGTERM for the program (NOTES)
    runs += same_inheritance("unshare", &["-f", "--forward-signals"], &["-f"]);
    runs += same_inheritance("unshare", &["-fp", "--kill-child", "--forward-signals"], &["-fp", "--kill-child"]);
    assert_eq!(runs, 8 * 7);
}

#[test]
fn nsenter_rs_passes_on_what_it_inherited_as_head_does() {
    if !require_root() {
        return;
    }
    let target = sleeping_in(&["-p", "--mount-proc", "-m", "-n", "-u", "-i"]);
    let pid = target.pid().to_string();
    let (net, uts) = (format!("--net=/proc/{pid}/ns/net"), format!("--uts=/proc/{pid}/ns/uts"));
    // without forking, and forking (a PID namespace entered); by files
    let modes: [Vec<&str>; 5] = [
        vec!["-t", &pid, "-n", "-u"],
        vec!["-t", &pid, "-p"],
        vec!["-t", &pid, "-a"],
        vec!["-t", &pid, "-p", "-F"],
        vec![&net, &uts],
    ];
    let mut runs = 0;
    for mode in &modes {
        runs += same_inheritance("nsenter", mode, mode);
    }
    assert_eq!(runs, 5 * 7);
}

// ------------------------------------------------- SIGPIPE and closed pipes

/// With SIGPIPE ignored by the caller, a listing into a pipe whose reader
/// has gone ends as util-linux HEAD's does: a long one (past one stdio
/// buffer) with `write error` and exit 1, a short one silently with 0;
/// with SIGPIPE at its default, both die of it.
#[test]
fn listings_into_a_closed_pipe_end_as_heads_do() {
    if !require_root() {
        return;
    }
    // lsns runs in a PID namespace of its own (so no other test's processes
    // come and go under it), whose first process has a command line of
    // 9,000 bytes: every row's COMMAND is long. ipcs runs in a private IPC
    // namespace holding 300 message queues.
    let long_arg = "x".repeat(9000);
    let holder = ChildGuard(
        util_linux("unshare")
            .args(["--kill-child", "-fpm", "--mount-proc", "-u", "sh", "-c", "sleep 1000; :", &long_arg])
            .spawn(),
    );
    let mut init = 0;
    wait_until(10, "the PID namespace's sleep", || {
        init = children_of(holder.pid()).first().copied().unwrap_or(0);
        init != 0 && children_of(init).iter().any(|&c| comm_of(c) == "sleep")
    });
    let init = init.to_string();
    let ipc = Sandbox::new(&["-i"]);
    ipc.sh("i=0; while [ $i -lt 300 ]; do ipcmk -Q >/dev/null; i=$((i+1)); done").success();
    let ignored = Inherited { ignored: vec![libc::SIGPIPE], ..Inherited::default() };
    let cases: Vec<(&str, Vec<&str>, bool)> = vec![
        ("lsns", vec![], false),
        ("lsns", vec!["-t", "uts"], false),
        ("lsns", vec!["-t", "uts", "-J"], false),
        ("lsns", vec!["-t", "time", "-n", "-o", "NS"], false),
        ("ipcs", vec![], true),
        ("ipcs", vec!["-q"], true),
        ("ipcs", vec!["-q", "-c"], true),
        ("ipcs", vec!["-m"], true),
    ];
    let mut long_ones = 0;
    for (ul, args, in_ipc) in &cases {
        if util_linux_head(ul).is_none() {
            return;
        }
        let run = |program: &Path, state: &Inherited| {
            let cmd = if *in_ipc {
                ipc.wrap(Cmd::new(program).args(args))
            } else {
                util_linux("nsenter").args(["-t", &init, "-p", "-m", "--"]).arg(program).args(args)
            };
            run_into_closed_pipe(&cmd, state)
        };
        let (ours_path, head_path) = (ul_named_path(ul), head_dir().join(ul));
        let ours = run(&ours_path, &ignored);
        let theirs = run(&head_path, &ignored);
        assert_eq!(
            (ours.code, ours.signal, ours.stderr.as_str()),
            (theirs.code, theirs.signal, theirs.stderr.as_str()),
            "{ul} {args:?}, SIGPIPE ignored"
        );
        if theirs.code == Some(1) {
            assert_eq!(ours.stderr, format!("{ul}: write error\n"));
            long_ones += 1;
        }
        let ours = run(&ours_path, &Inherited::default());
        let theirs = run(&head_path, &Inherited::default());
        assert_eq!((ours.signal, theirs.signal), (Some(libc::SIGPIPE), Some(libc::SIGPIPE)), "{ul} {args:?}: {ours:?}");
        assert_eq!(ours.stderr, "");
    }
    assert!(long_ones >= 5, "too few long listings to test: {long_ones}");
}

// ------------------------------------------------- scripts without #!

/// What execvp does with files it cannot execute, as glibc (and so
/// util-linux) does it, in every build: a script without `#!` runs with
/// /bin/sh; the PATH search goes on past a file it may not execute, and
/// reports EACCES (126) only when nothing else is found; a missing program
/// is 127.
#[test]
fn scripts_without_a_shebang_run_with_bin_sh_in_every_build() {
    let dir = TempDir::new("noshebang");
    // written by sh, not by this multithreaded process (ETXTBSY, see tests/src/container.rs)
    Cmd::new("sh")
        .args([
            "-c",
            "mkdir -p a b && printf 'echo \"hi $0 $*\"\\n' >a/s && chmod +x a/s && printf 'echo no\\n' >b/s \
             && cp a/s b/t && chmod -x b/t && printf '\\177ELF-junk\\n' >a/e && chmod +x a/e \
             && printf 'exit 7\\n' >a/seven && chmod +x a/seven",
        ])
        .cwd(dir.path())
        .run()
        .success();
    let a = dir.join("a").display().to_string();
    let b = dir.join("b").display().to_string();
    // (PATH, argv)
    let cases: Vec<(String, Vec<&str>)> = vec![
        (a.clone(), vec!["s", "x", "y"]),
        (a.clone(), vec!["./a/s", "x"]),
        (format!("{b}:{a}"), vec!["t"]),
        (format!("{b}:{a}"), vec!["s"]),
        (String::new(), vec!["a/s"]),
        (a.clone(), vec!["seven"]),
        (a.clone(), vec!["e"]),
        (b.clone(), vec!["t"]),
        (a.clone(), vec!["nonexistent"]),
        (a.clone(), vec![""]),
        (a.clone(), vec!["/tmp"]),
    ];
    let mut compared = 0;
    for (path, argv) in &cases {
        for (ul, pre) in [("unshare", vec![]), ("nsenter", vec!["--uts=/proc/self/ns/uts".to_string()])] {
            let Some(head) = util_linux_head(ul) else { return };
            let run = |c: Cmd| c.args(&pre).args(argv).env("PATH", path).cwd(dir.path()).run();
            let ours = run(Cmd::new(ul_named_path(ul)));
            let theirs = run(head);
            assert_eq!(
                (ours.code, ours.stdout.as_str(), ours.stderr.as_str()),
                (theirs.code, theirs.stdout.as_str(), theirs.stderr.as_str()),
                "{ul} {argv:?} with PATH={path:?}"
            );
            compared += 1;
        }
    }
    // the script really ran (a glibc build would have anyway; musl's execvp would not)
    let out = tool("unshare-rs").args(["s", "x"]).env("PATH", &a).run();
    out.success().stdout_is(&format!("hi {a}/s x\n"));
    assert_eq!(compared, cases.len() * 2);
}

// ------------------------------------------------------------------ bytes

/// A word that is not UTF-8.
fn raw(b: &[u8]) -> OsString {
    OsStr::from_bytes(b).to_os_string()
}

/// Arguments that are not UTF-8 reach the program unchanged, in every mode.
#[test]
fn raw_argv_reaches_the_program() {
    if !require_root() {
        return;
    }
    let target = sleeping_in(&["-p", "--mount-proc", "-n"]);
    let pid = target.pid().to_string();
    let words = [raw(b"\xff\xfe"), raw(b"a b\x80"), raw(b""), raw(b"\xc3\x28=\x01")];
    let mut expected = Vec::new();
    for w in &words {
        expected.extend_from_slice(w.as_bytes());
        expected.push(b'|');
    }
    let modes: Vec<(&str, Vec<&str>)> = vec![
        ("unshare-rs", vec![]),
        ("unshare-rs", vec!["-f"]),
        ("unshare-rs", vec!["-r", "-fp", "--mount-proc"]),
        ("unshare-rs", vec!["-f", "--kill-child", "--forward-signals"]),
        ("nsenter-rs", vec!["-t", &pid, "-n"]),
        ("nsenter-rs", vec!["-t", &pid, "-a"]),
    ];
    for (t, mode) in &modes {
        let out = tool(t).args(mode).args(["printf", "%s|"]).args(&words).run();
        out.success();
        assert_eq!(out.stdout_bytes, expected, "{t} {mode:?}");
    }
}

/// Paths and names that are not UTF-8 appear in messages as their bytes,
/// as util-linux HEAD prints them (raw bytes compared, hints aside).
#[test]
fn raw_paths_appear_in_messages_unchanged() {
    if !require_root() {
        return;
    }
    let target = sleeping_in(&["-n"]);
    let pid = target.pid().to_string();
    let bad = |prefix: &str| {
        let mut v = prefix.as_bytes().to_vec();
        v.extend_from_slice(b"/nonexistent-\xff\xfe");
        OsString::from_vec(v)
    };
    let opt = |o: &str, b: &[u8]| {
        let mut v = o.as_bytes().to_vec();
        v.extend_from_slice(b);
        OsString::from_vec(v)
    };
    let missing = bad("");
    let cases: Vec<(&str, Vec<OsString>)> = vec![
        ("unshare", vec!["-w".into(), missing.clone(), "true".into()]),
        ("unshare", vec!["-R".into(), missing.clone(), "true".into()]),
        ("unshare", vec![opt("--mount-proc=", missing.as_bytes()), "true".into()]),
        ("unshare", vec![missing.clone()]),
        ("unshare", vec!["-f".into(), missing.clone()]),
        ("unshare", vec![opt("--net=", missing.as_bytes()), "true".into()]),
        ("unshare", vec![opt("--mount-binfmt=", missing.as_bytes()), "true".into()]),
        ("nsenter", vec![raw(b"--net=\xff\xfe"), "true".into()]),
        ("nsenter", vec![opt("--uts=", missing.as_bytes()), "true".into()]),
        (
            "nsenter",
            vec!["-t".into(), pid.clone().into(), "-n".into(), opt("--wd=", missing.as_bytes()), "true".into()],
        ),
        (
            "nsenter",
            vec!["-t".into(), pid.clone().into(), "-n".into(), opt("--root=", missing.as_bytes()), "true".into()],
        ),
        ("nsenter", vec!["-t".into(), pid.clone().into(), "-n".into(), missing.clone()]),
    ];
    for (ul, args) in &cases {
        let ours = merged(&ul_named_path(ul), args).run();
        let theirs = merged(&head_dir().join(ul), args).run();
        assert!(theirs.code != Some(0), "HEAD {ul} {args:?} succeeded: {theirs:?}");
        assert_eq!(
            (ours.code, raw_without_hints(&ours.stdout_bytes)),
            (theirs.code, raw_without_hints(&theirs.stdout_bytes)),
            "{ul} {args:?}:\n ours: {}\n HEAD: {}",
            ours.stdout,
            theirs.stdout
        );
        assert!(ours.stdout_bytes.windows(2).any(|w| w == b"\xff\xfe"), "{ul} {args:?}: {}", ours.stdout);
    }
}

// --------------------------------------------------------------- rollback

/// What a failed run must not leave: mounts (persistence binds included),
/// processes carrying the run's marker, zombies of them.
struct Leftovers {
    mounts: std::collections::BTreeMap<String, usize>,
    marker: String,
    dir: String,
}

impl Leftovers {
    /// Before a run whose files are below `dir`.
    fn before(dir: &Path) -> Leftovers {
        let dir = dir.display().to_string();
        Leftovers { mounts: Leftovers::mounts(&dir), marker: unique_name("mark"), dir }
    }

    /// The mounts a run could leave in our mount namespace: anything below
    /// its directory (its persistence files), and proc and binfmt_misc
    /// mounts anywhere (other tests of this binary mount and bind in their
    /// own directories meanwhile).
    fn mounts(dir: &str) -> std::collections::BTreeMap<String, usize> {
        let ours = |k: &String| {
            let mut f = k.split(' ');
            let (point, ty) = (f.next().unwrap_or_default(), f.next().unwrap_or_default());
            point.starts_with(dir) || matches!(ty, "proc" | "binfmt_misc")
        };
        mount_table().into_iter().filter(|(k, _)| ours(k)).collect()
    }

    /// `cmd` carrying the marker in its environment (and so everything it starts).
    fn mark(&self, cmd: Cmd) -> Cmd {
        cmd.env("NSUT_MARK", &self.marker)
    }

    #[track_caller]
    fn none_left(&self, what: &str, files: &[&Path]) {
        // the watcher that undoes the binds ends as it reports: give it a moment to be reaped
        wait_until(5, &format!("{what}: nothing of ours running"), || {
            processes_with_env("NSUT_MARK", &self.marker).is_empty()
        });
        for f in files {
            assert!(!is_mounted(f), "{what}: {} is still bound", f.display());
        }
        assert_eq!(Leftovers::mounts(&self.dir), self.mounts, "{what}: the mount table changed");
    }
}

/// Every failure after the persistence bind mounts are made (and some
/// before) undoes them: unshare-rs leaves nothing mounted, with and without
/// --fork. util-linux leaves them (unshare-rs(1) NOTES); its message and
/// exit status are the same as ours.
#[test]
fn unshare_rs_undoes_persistence_when_a_later_step_fails() {
    if !require_root() {
        return;
    }
    let dir = TempDir::private("rollback");
    let ran = dir.join("ran");
    let touch_ran = ["touch", ran.to_str().unwrap()];
    // (the failing step, its arguments (program included), exit status)
    let steps: Vec<(&str, Vec<&str>, i32)> = vec![
        ("exec ENOENT", vec!["/nonexistent/program"], 127),
        ("exec EACCES", vec!["/tmp"], 126),
        ("chroot", vec!["-R", "/nonexistent"].into_iter().chain(touch_ran).collect(), 1),
        ("chdir", vec!["-w", "/nonexistent"].into_iter().chain(touch_ran).collect(), 1),
        ("mount of proc", vec!["--mount-proc=/nonexistent"].into_iter().chain(touch_ran).collect(), 1),
        ("binfmt_misc", vec!["--mount-binfmt=/nonexistent"].into_iter().chain(touch_ran).collect(), 1),
        ("setgroups", vec!["-r", "-G", "0"].into_iter().chain(touch_ran).collect(), 1),
        ("setuid", vec!["-r", "-S", "5"].into_iter().chain(touch_ran).collect(), 1),
        ("ID maps", vec!["-U", "--map-users=0:0:10", "--map-users=5:100:10"].into_iter().chain(touch_ran).collect(), 1),
        ("a later bind", vec!["--ipc=/nonexistent/ipc"].into_iter().chain(touch_ran).collect(), 1),
        ("a later bind, dangling link", vec![], 1),
    ];
    let link = dir.join("dangling");
    std::os::unix::fs::symlink(dir.join("nowhere/ns"), &link).unwrap();
    let link_arg = format!("--ipc={}", link.display());
    let mut runs = 0;
    for (what, args, status) in &steps {
        let mut args = args.clone();
        if args.is_empty() {
            args = vec![&link_arg];
            args.extend(touch_ran);
        }
        for fork in [false, true] {
            let net = dir.touch(format!("net-{runs}"));
            let uts = dir.touch(format!("uts-{runs}"));
            let pid = dir.touch(format!("pid-{runs}"));
            let mut persist = vec![format!("--net={}", net.display()), format!("--uts={}", uts.display())];
            if fork {
                persist.push("-f".into());
                persist.push(format!("--pid={}", pid.display()));
            }
            let what = format!("{what}{}", if fork { " (-f)" } else { "" });
            let state = Leftovers::before(dir.path());
            let out = state.mark(tool("unshare-rs").args(&persist).args(&args)).run();
            assert_eq!((out.code, out.signal), (Some(*status), None), "{what}: {out:?}");
            assert!(out.stderr.starts_with("unshare-rs: "), "{what}: {out:?}");
            assert!(!ran.exists(), "{what}: the program ran");
            if what.contains("dangling") {
                // the advice names the file to create: the link's target
                assert!(out.stderr.contains("is a symbolic link to"), "{what}: {out:?}");
            }
            state.none_left(&what, &[&net, &uts, &pid]);
            // HEAD: the same words and status, and the binds left behind
            // (not for a failing map: HEAD words it otherwise, and hangs)
            let theirs = (!what.starts_with("ID maps"))
                .then(|| util_linux_head("unshare").map(|h| h.args(&persist).args(&args).run()))
                .flatten();
            if let Some(theirs) = theirs {
                let norm =
                    |s: &str| nsutils_tests::without_proc_pids(&without_hints(s)).replace("unshare-rs:", "unshare:");
                assert_eq!((out.code, norm(&out.stderr)), (theirs.code, norm(&theirs.stderr)), "{what}");
                for f in [&net, &uts, &pid] {
                    while is_mounted(f) {
                        Cmd::new("umount").arg(f).run().success();
                    }
                }
                // (HEAD runs the program with -f even when a bind fails)
                let _ = std::fs::remove_file(&ran);
            }
            runs += 1;
        }
    }
    assert_eq!(runs, steps.len() * 2);
    // a file named relative to the working directory is undone as well
    for fork in [&[][..], &["-f"]] {
        let rel = dir.touch("relative");
        let state = Leftovers::before(dir.path());
        let out = state
            .mark(tool("unshare-rs").arg("--net=relative").args(fork).args(["-R", "/nonexistent", "true"]))
            .cwd(dir.path())
            .run();
        assert_eq!(out.code, Some(1), "{out:?}");
        state.none_left(&format!("relative {fork:?}"), &[&rel]);
    }
}

/// nsenter-rs changes nothing that outlives it, and a failure after it
/// entered (directory, credentials, exec), with and without the fork into
/// a PID namespace, leaves no process behind.
#[test]
fn nsenter_rs_leaves_nothing_when_a_later_step_fails() {
    if !require_root() {
        return;
    }
    let target = sleeping_in(&["-p", "--mount-proc", "-U", "-r", "-m", "-n"]);
    let pid = target.pid().to_string();
    let steps: Vec<(&str, Vec<&str>, i32)> = vec![
        ("exec ENOENT", vec!["/nonexistent/program"], 127),
        ("exec EACCES", vec!["/proc"], 126),
        ("chdir after entering", vec!["--wdns=/nonexistent", "true"], 1),
        ("setuid", vec!["-S", "12345", "true"], 1),
        ("setgid", vec!["-G", "12345", "true"], 1),
    ];
    let mut runs = 0;
    for (what, args, status) in &steps {
        for entry in [&["-U", "-m", "-n"][..], &["-a"]] {
            let state = Leftovers::before(Path::new("/nonexistent-dir"));
            let out = state.mark(tool("nsenter-rs").args(["-t", &pid]).args(entry).args(args)).run();
            assert_eq!((out.code, out.signal), (Some(*status), None), "{what} {entry:?}: {out:?}");
            state.none_left(&format!("{what} {entry:?}"), &[]);
            assert!(zombies().iter().all(|(_, ppid, _)| *ppid != target.pid()), "zombies left");
            runs += 1;
        }
    }
    assert_eq!(runs, steps.len() * 2);
}

// --------------------------------------------- unshare-rs's own processes die

/// unshare-rs with --fork, its child or a helper killed at a step: the
/// parent passes the child's death on (or says the helper was killed),
/// the program never runs, and nothing is left (processes, mounts).
#[test]
fn unshare_rs_survives_its_own_processes_dying_at_each_step() {
    if !require_root() || !have_strace() {
        return;
    }
    let dir = TempDir::private("forkdeath");
    let ran = dir.join("ran");
    let maps = |a: &[&str]| {
        let mut v: Vec<String> = a.iter().map(|s| s.to_string()).collect();
        v.extend(["--map-users=0:100000:10".into(), "--map-groups=0:100000:10".into()]);
        v
    };
    let mut runs = 0;
    // (held syscall, when, arguments before the program, killed process, expected end)
    let cases: Vec<(&str, i64, &str, Vec<String>, &str)> = vec![
        ("mount", libc::SYS_mount, "delay_enter", vec!["-f".into(), "-p".into(), "--mount-proc".into()], "child"),
        ("prctl", libc::SYS_prctl, "delay_enter", vec!["-f".into(), "--kill-child".into(), "-m".into()], "child"),
        ("execve", libc::SYS_execve, "delay_enter", vec!["-f".into(), "-n".into()], "child"),
        (
            "mount",
            libc::SYS_mount,
            "delay_enter",
            vec!["-f".into(), format!("--net={}", dir.touch("n1").display())],
            "helper",
        ),
        ("mount", libc::SYS_mount, "delay_enter", vec![format!("--net={}", dir.touch("n2").display())], "helper"),
        // the ID-map helper, about to write the ranges
        ("write", libc::SYS_write, "delay_enter", maps(&["-f", "-U"]), "helper"),
        ("write", libc::SYS_write, "delay_enter", maps(&["-U"]), "helper"),
    ];
    for (syscall, nr, when, args, victim) in &cases {
        let state = Leftovers::before(dir.path());
        let mut argv: Vec<OsString> = args.iter().map(OsString::from).collect();
        argv.extend(os(&["touch", ran.to_str().unwrap()]));
        let what = format!("{victim} killed in {syscall}, {args:?}");
        let marker = state.marker.clone();
        let held = Held::start(
            &tool_path("unshare-rs"),
            &argv,
            |c| c.env("NSUT_MARK", &marker),
            (syscall, *nr, when),
            Duration::from_secs(3),
        )
        .unwrap_or_else(|out| panic!("{what}: ended before the hold: {out:?}"));
        // SAFETY: kill has no memory effects; the held process is ours.
        unsafe { libc::kill(held.pid as i32, libc::SIGKILL) };
        let out = held.finish();
        if *victim == "child" {
            assert_eq!(out.signal, Some(libc::SIGKILL), "{what}: {out:?}");
        } else {
            assert_eq!(out.code, Some(1), "{what}: {out:?}");
            assert!(out.stderr.contains("helper process killed by signal 9"), "{what}: {out:?}");
        }
        assert!(!ran.exists(), "{what}: the program ran");
        let files: Vec<_> = ["n1", "n2"].iter().map(|n| dir.join(n)).collect();
        state.none_left(&what, &files.iter().map(|p| p.as_path()).collect::<Vec<_>>());
        runs += 1;
    }
    assert_eq!(runs, cases.len());
}

/// The process that stands ready to undo the binds holds nothing that
/// would keep a mount busy once the program runs: the files can be
/// unmounted at once (`ip netns`' pattern), and so can the directory the
/// caller was in.
#[test]
fn a_successful_run_leaves_its_mounts_free_to_unmount() {
    if !require_root() {
        return;
    }
    let dir = TempDir::private("busy");
    let inner = dir.join("inner");
    std::fs::create_dir(&inner).unwrap();
    let (i, f) = (inner.display().to_string(), dir.join("net").display().to_string());
    let script = format!(
        "n=0; while [ $n -lt 30 ]; do n=$((n+1)); \
         : > {f} && mount --bind {i} {i} && cd {i} && \"$US\" --net={f} $FORK true && cd / && umount {f} && umount {i} \
         || exit 1; done"
    );
    for fork in ["", "-f"] {
        let out = Cmd::new("sh").args(["-c", &script]).env("US", tool_path("unshare-rs")).env("FORK", fork).run();
        assert_eq!(out.code, Some(0), "{fork}: {out:?}");
    }
    // deterministically: the bind helper held as it exits, its watcher
    // (forked) standing by — the file unmounts all the same
    if !have_strace() {
        return;
    }
    let file = dir.touch("held");
    let args = vec![OsString::from(format!("--net={}", file.display())), "true".into()];
    let exit = ("exit_group", libc::SYS_exit_group, "delay_enter");
    let held = Held::start(&tool_path("unshare-rs"), &args, |c| c, exit, Duration::from_secs(1))
        .unwrap_or_else(|out| panic!("ended before the hold: {out:?}"));
    assert!(is_mounted(&file), "not bound yet");
    let umount = Cmd::new("umount").arg(&file).run();
    held.finish().success();
    umount.success();
}
