//! Reliability, part 1: file-descriptor hygiene of unshare-rs and
//! nsenter-rs across their modes.
//!
//! The program a tool runs must see exactly the descriptors the caller
//! gave the tool — nothing the tool opened (namespace files, pidfds, pipes
//! to its helpers, sockets fetched with pidfd_getfd, directories for
//! `--root`/`--wd`) and nothing closed. Every case runs a probe (`ls -ln`
//! of its own /proc/self/fd: numbers, modes, targets) under the tool, with
//! extra descriptors 5 (a file) and 7 (/dev/null) inherited on purpose,
//! and compares the listing with the probe run directly under the same
//! wrapper. unshare.rs and nsenter.rs cover the basic modes; this file adds
//! the persistence helpers (every type), --kill-child, --forward-signals,
//! -p without a fork, user namespaces as root and as nobody, -r/-w,
//! credentials, binfmt, nsenter's pidfd and /proc paths, -N, and runs
//! whose program fails or that start the login shell, and the newuidmap
//! helper path as nobody. The waiting parent of unshare-rs --fork is
//! checked too: while the child runs it holds only what it inherited. And
//! runs that fail hold nothing open once they have exited.

use std::path::Path;

use nsutils_tests::suite::setpriv_nobody;
use nsutils_tests::{
    is_mounted, require_root, tool_path, util_linux, wait_until, zombies, Cmd, Output, Sandbox, Sleeper, TempDir,
    STD_PATH,
};

/// The probe: `ls` lists its own descriptors, each with its access mode
/// and target (numeric ids: no passwd lookups that could open files).
const PROBE: &[&str] = &["ls", "-ln", "/proc/self/fd/"];

/// The probe in a shell that then fails with status 3.
const PROBE_FAILING: &[&str] = &["sh", "-c", "ls -ln /proc/self/fd/; exit 3"];

/// The same as a script for the login shell that runs when no program is given.
const PROBE_SCRIPT: &str = "ls -ln /proc/self/fd/\nexit 3\n";

/// Who runs the tool.
#[derive(Clone, Copy, PartialEq)]
enum As {
    Root,
    Nobody,
}

/// What runs under the tool.
#[derive(Clone, Copy, PartialEq)]
enum Program {
    /// The probe; exit 0.
    Probe,
    /// The probe in `sh -c`, exit 3 (the tool passes the status on).
    Failing,
    /// No program: the login shell ($SHELL=/bin/sh) reads the probe from stdin.
    Shell,
}

/// `bash -c 'exec 5<… 7>…; exec "$@"'` running `argv`: the wrapper that
/// hands the extra descriptors down.
fn with_fds(who: As, argv: &[String], program: Program) -> Cmd {
    let mut c = Cmd::new("bash").args(["-c", "exec 5</etc/hostname 7>/dev/null; exec \"$@\"", "bash"]).args(argv);
    match program {
        Program::Probe => c = c.args(PROBE),
        Program::Failing => c = c.args(PROBE_FAILING),
        Program::Shell => c = c.env("SHELL", "/bin/sh").stdin(PROBE_SCRIPT),
    }
    if who == As::Nobody {
        c = c.as_nobody().env("PATH", STD_PATH);
    }
    c
}

/// One listing line with pipe/socket/namespace inode numbers and the pids
/// in `/proc/N/` blurred: they differ from run to run.
fn blur(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && (out.ends_with('[') || out.ends_with("/proc/")) {
            out.push('N');
            rest = &rest[digits..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// `ls -ln` output as sorted `fd mode target` lines, blurred.
fn normalize(listing: &str) -> Vec<String> {
    let mut lines: Vec<String> = listing
        .lines()
        .filter_map(|l| {
            let (left, target) = l.split_once(" -> ")?;
            let mode = left.split_whitespace().next()?;
            let fd = left.split_whitespace().last()?;
            Some(blur(&format!("{fd} {mode} {target}")))
        })
        .collect();
    lines.sort();
    lines
}

/// What the probe sees when the wrapper runs it directly.
fn baseline(who: As, program: Program) -> Vec<String> {
    let out = match program {
        // the login shell as the tools start it: argv[0] "-sh"
        Program::Shell => {
            let mut c = Cmd::new("bash")
                .args(["-c", "exec 5</etc/hostname 7>/dev/null; exec -a -sh /bin/sh"])
                .env("SHELL", "/bin/sh")
                .stdin(PROBE_SCRIPT);
            if who == As::Nobody {
                c = c.as_nobody().env("PATH", STD_PATH);
            }
            c.run()
        }
        _ => with_fds(who, &[], program).run(),
    };
    out.code(if program == Program::Probe { 0 } else { 3 });
    let lines = normalize(&out.stdout);
    for fd in ["0 ", "1 ", "2 ", "5 lr-x------ /etc/hostname", "7 l-wx------ /dev/null"] {
        assert!(lines.iter().any(|l| l.starts_with(fd)), "baseline lacks fd {fd}: {lines:?}");
    }
    lines
}

/// Run `tool args… PROGRAM` through the wrapper and compare its view with
/// the baseline.
#[track_caller]
/// `files`: setns(2) refusing pidfds (nsenter-rs enters through files).
fn check(tool: &str, args: &[String], files: bool, who: As, program: Program, base: &[String]) -> Output {
    let mut argv = vec![tool_path(tool).display().to_string()];
    argv.extend(args.iter().cloned());
    let mut c = with_fds(who, &argv, program);
    if files {
        c = nsutils_tests::fallbacks::setns_without_pidfd(c);
    }
    let out = c.run();
    out.code(if program == Program::Probe { 0 } else { 3 });
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    let seen = normalize(&out.stdout);
    assert_eq!(seen, base, "{tool} {args:?} (as {}): the program's descriptors differ", who_name(who));
    out
}

fn who_name(who: As) -> &'static str {
    match who {
        As::Root => "root",
        As::Nobody => "nobody",
    }
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

// ------------------------------------------------------------ unshare-rs

#[test]
fn unshare_rs_modes_as_root() {
    if !require_root() {
        return;
    }
    let base = baseline(As::Root, Program::Probe);
    let modes: Vec<Vec<&str>> = vec![
        vec!["-p"],
        vec!["-i", "-u", "-C"],
        vec!["-fp", "--mount-proc", "--kill-child=SIGTERM"],
        vec!["--forward-signals", "-p", "--mount-proc"],
        vec!["--kill-child", "-n", "-m", "--propagation", "shared"],
        vec!["-c"],
        vec!["--map-user=0", "--map-group=0"],
        vec!["-U", "--setgroups=deny"],
        vec!["--map-users=all", "--map-groups=all"],
        vec!["--map-users=0:100000:10", "--map-groups=0:100000:10", "-f"],
        vec!["--owner=65534:65534", "-r"],
        vec!["-S", "1", "-G", "1"],
        vec!["-R", "/", "-w", "/tmp"],
        vec!["-T", "--monotonic=-5", "--boottime=7", "-f"],
        vec!["-pf", "--mount-binfmt", "-r"],
        vec!["-U", "-r", "--keep-caps", "-m", "--mount-proc", "-fp"],
    ];
    for mode in modes {
        check("unshare-rs", &strings(&mode), false, As::Root, Program::Probe, &base);
    }
}

#[test]
fn unshare_rs_persistence_helpers_for_every_type() {
    if !require_root() {
        return;
    }
    let base = baseline(As::Root, Program::Probe);
    let dir = TempDir::private("fdpersist");
    let file = |name: &str| dir.touch(name);
    // one type at a time, with and without a fork, then all at once
    let types = ["mount", "uts", "ipc", "net", "pid", "user", "cgroup", "time"];
    for (i, long) in types.iter().enumerate() {
        for fork in [false, true] {
            // pid and time namespaces bind `*_for_children`: they need a child
            if !fork && (*long == "pid" || *long == "time") {
                continue;
            }
            let f = file(&format!("{long}{i}{fork}"));
            let mut args = vec![format!("--{long}={}", f.display())];
            if fork {
                args.push("-f".into());
            }
            if *long == "user" {
                args.push("-r".into());
            }
            check("unshare-rs", &args, false, As::Root, Program::Probe, &base);
            assert!(is_mounted(&f), "--{long}: not bound");
            Cmd::new("umount").arg(&f).run().success();
        }
    }
    let all: Vec<String> = types.iter().map(|l| format!("--{l}={}", file(&format!("all-{l}")).display())).collect();
    let mut args = all.clone();
    args.extend(strings(&["-f", "-r", "--kill-child"]));
    check("unshare-rs", &args, false, As::Root, Program::Probe, &base);
    for l in types {
        let f = dir.join(format!("all-{l}"));
        assert!(is_mounted(&f), "--{l}: not bound");
        Cmd::new("umount").arg(&f).run().success();
    }
}

#[test]
fn unshare_rs_modes_as_nobody() {
    if !require_root() {
        return;
    }
    let base = baseline(As::Nobody, Program::Probe);
    let modes: Vec<Vec<&str>> = vec![
        vec!["-r"],
        vec!["-U"],
        vec!["-c", "-n", "-u", "-i", "-m"],
        vec!["-r", "-fp", "--mount-proc"],
        vec!["-r", "--kill-child", "-p"],
        vec!["-r", "--forward-signals", "-C"],
        vec!["--map-user=1000", "--map-group=1000"],
        vec!["-r", "--keep-caps"],
        vec!["-r", "-T", "--boottime=3", "-f"],
        vec!["-r", "-w", "/tmp", "-R", "/"],
    ];
    for mode in modes {
        check("unshare-rs", &strings(&mode), false, As::Nobody, Program::Probe, &base);
    }
}

#[test]
fn unshare_rs_failing_programs_and_the_login_shell() {
    if !require_root() {
        return;
    }
    for who in [As::Root, As::Nobody] {
        for program in [Program::Failing, Program::Shell] {
            let base = baseline(who, program);
            let modes: Vec<Vec<&str>> =
                vec![vec![], vec!["-f"], vec!["-r"], vec!["-r", "-fp", "--mount-proc"], vec!["--kill-child", "-r"]];
            for mode in modes {
                check("unshare-rs", &strings(&mode), false, who, program, &base);
            }
        }
    }
}

/// The waiting parent of `unshare-rs -f` holds nothing but what it
/// inherited while its child runs (its child reads the parent's table).
#[test]
fn unshare_rs_waiting_parent_holds_only_what_it_inherited() {
    if !require_root() {
        return;
    }
    // the parent's table as its child sees it; the baseline parent is a
    // shell that inherited the same descriptors and forks the same child
    // (after a pause: right after the fork the parent may still hold, for a
    // moment, what it hands over — the pidfd for --kill-child, the pipe
    // that lets the child go — and that is not what it keeps while waiting)
    let parent_probe = ["sh", "-c", "sleep 0.2; ls -ln /proc/$PPID/fd/"];
    let wrapper = || Cmd::new("bash").args(["-c", "exec 5</etc/hostname 7>/dev/null; exec \"$@\"", "bash"]);
    // (`; true`: dash would otherwise exec the inner shell in place, and
    // $PPID would be the test process)
    let base = wrapper().args(["sh", "-c", "sh -c 'ls -ln /proc/$PPID/fd/'; true"]).run();
    base.success();
    let inherited = normalize(&base.stdout);
    assert!(inherited.iter().any(|l| l.starts_with("5 ")), "{inherited:?}");
    let dir = TempDir::private("fdparent");
    let net = dir.touch("net");
    let modes: Vec<Vec<String>> = vec![
        strings(&["-f"]),
        strings(&["-f", "-n", "-r"]),
        strings(&["--kill-child"]),
        strings(&["--kill-child=SIGTERM", "-m"]),
        strings(&["--forward-signals", "-u"]),
        vec!["-f".into(), format!("--net={}", net.display())],
    ];
    for mode in modes {
        let mut argv = vec![tool_path("unshare-rs").display().to_string()];
        argv.extend(mode.iter().cloned());
        let out = wrapper().args(&argv).args(parent_probe).run();
        out.success();
        assert_eq!(normalize(&out.stdout), inherited, "unshare-rs {mode:?}: the waiting parent's descriptors");
        if is_mounted(&net) {
            Cmd::new("umount").arg(&net).run().success();
        }
    }
}

// ------------------------------------------------------------ nsenter-rs

/// `unshare --kill-child -f FLAGS… sleep 1000` made by util-linux.
fn target(flags: &[&str]) -> Sleeper {
    Sleeper::start(util_linux("unshare").args(["--kill-child", "-f"]).args(flags).args(["sleep", "1000"]))
}

#[test]
fn nsenter_rs_modes_through_pidfds_and_proc_files() {
    if !require_root() {
        return;
    }
    let base = baseline(As::Root, Program::Probe);
    let t = target(&["-p", "--mount-proc", "-m", "-u", "-i", "-n", "-C", "-T"]);
    let p = t.pid().to_string();
    let nested = target(&["-U", "-r", "-n"]);
    let np = nested.pid().to_string();
    let modes: Vec<Vec<String>> = vec![
        strings(&["-t", &p, "-a"]),
        strings(&["-t", &p, "-n", "-u"]),
        strings(&["-t", &p, "-p"]),
        strings(&["-t", &p, "-p", "-F", "-i"]),
        // with the target's /proc, the probe must be in its PID namespace
        strings(&["-t", &p, "-m", "-p", "-r", "-w"]),
        strings(&["-t", &p, "-m", "-p", "-W/tmp"]),
        strings(&["-t", &p, "-S", "1", "-G", "1", "-u"]),
        strings(&["-t", &p, "-a", "-e"]),
        strings(&["-t", &p, "-C", "-c"]),
        vec![
            format!("--net=/proc/{p}/ns/net"),
            format!("--uts=/proc/{p}/ns/uts"),
            format!("--mount=/proc/{p}/ns/mnt"),
            format!("--pid=/proc/{p}/ns/pid"),
        ],
        strings(&["-t", &np, "-U"]),
        strings(&["-t", &np, "-n", "--user-parent"]),
        strings(&["-t", &np, "-a", "--preserve-credentials", "--keep-caps"]),
    ];
    for files in [false, true] {
        for mode in &modes {
            check("nsenter-rs", mode, files, As::Root, Program::Probe, &base);
        }
    }
}

#[test]
fn nsenter_rs_net_socket_fetched_with_pidfd_getfd_is_not_passed_on() {
    if !require_root() {
        return;
    }
    // a sleeper whose fd 7 is a socket (of our network namespace)
    let py = "import os, socket\n\
              s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
              os.dup2(s.fileno(), 7)\n\
              os.execvp('sleep', ['sleep', '1000'])\n";
    let t = Sleeper::start(Cmd::new("python3").args(["-c", py]));
    wait_until(10, "the socket holder", || {
        std::fs::read_link(format!("/proc/{}/fd/7", t.pid())).is_ok_and(|l| l.to_string_lossy().starts_with("socket:"))
    });
    let base = baseline(As::Root, Program::Probe);
    let p = t.pid().to_string();
    for files in [false, true] {
        check("nsenter-rs", &strings(&["-t", &p, "-N", "7"]), files, As::Root, Program::Probe, &base);
        check("nsenter-rs", &strings(&["-t", &p, "-N", "7", "-u"]), files, As::Root, Program::Probe, &base);
    }
}

#[test]
fn nsenter_rs_modes_as_nobody_and_failing_programs() {
    if !require_root() {
        return;
    }
    // nobody's own container: a user namespace mapping nobody to 0
    let mine = Sleeper::start(
        util_linux("unshare")
            .args(["--kill-child", "-f", "-r", "-n", "-u", "-p", "--mount-proc", "-m", "sleep", "1000"])
            .as_nobody(),
    );
    let p = mine.pid().to_string();
    let root_target = target(&["-u", "-p"]);
    let rp = root_target.pid().to_string();
    for files in [false, true] {
        let base = baseline(As::Nobody, Program::Probe);
        for mode in [
            strings(&["-t", &p, "-U"]),
            strings(&["-t", &p, "-a"]),
            strings(&["-t", &p, "-U", "-n", "--preserve-credentials", "--keep-caps"]),
            strings(&["-t", &p, "-a", "-r", "-w"]),
        ] {
            check("nsenter-rs", &mode, files, As::Nobody, Program::Probe, &base);
        }
        for who in [As::Root, As::Nobody] {
            let pid = if who == As::Root { &rp } else { &p };
            let enter = if who == As::Root { vec!["-u", "-p"] } else { vec!["-a"] };
            for program in [Program::Failing, Program::Shell] {
                let base = baseline(who, program);
                let mut args = strings(&["-t", pid]);
                args.extend(strings(&enter));
                check("nsenter-rs", &args, files, who, program, &base);
            }
        }
    }
}

/// A failing run ends with every process it made: the inherited pipe
/// (our stdout) is closed by everyone at once, nothing is left a zombie.
#[test]
fn failing_runs_hold_nothing_open_after_they_exit() {
    if !require_root() {
        return;
    }
    let dir = TempDir::private("fdfail");
    let pidfile = dir.touch("pid");
    let missing = dir.join("missing/net");
    let t = target(&["-u"]);
    let p = t.pid().to_string();
    let cases: Vec<(&str, Vec<String>, i32)> = vec![
        ("unshare-rs", vec![format!("--pid={}", pidfile.display()), "true".into()], 1),
        ("unshare-rs", vec![format!("--net={}", missing.display()), "-f".into(), "true".into()], 1),
        ("unshare-rs", strings(&["--map-users=0:100000:10", "--map-users=5:200000:10", "true"]), 1),
        ("unshare-rs", strings(&["-fp", "--mount-proc=/nonexistent", "true"]), 1),
        ("unshare-rs", strings(&["-f", "-w", "/nonexistent", "true"]), 1),
        ("unshare-rs", strings(&["-fn", "/nonexistent/program"]), 127),
        ("unshare-rs", strings(&["--kill-child", "/etc/passwd"]), 126),
        ("nsenter-rs", strings(&["-t", &p, "-u", "/nonexistent/program"]), 127),
        ("nsenter-rs", strings(&["-t", &p, "-u", "-S", "abc", "true"]), 1),
        ("nsenter-rs", strings(&["-t", &format!("{p}:1"), "-u", "true"]), 1),
        ("nsenter-rs", strings(&["--net=/etc/hostname", "true"]), 1),
        ("nsenter-rs", strings(&["-t", &p, "-p", "-w/nonexistent", "true"]), 1),
    ];
    let before: Vec<(u32, u32, String)> = zombies();
    for (tool, args, code) in cases {
        // run() waits for EOF on stdout and stderr: a helper that kept
        // them open would hold it up until the timeout kills the tool
        let started = std::time::Instant::now();
        let out = Cmd::new(tool_path(tool)).args(&args).timeout(std::time::Duration::from_secs(20)).run();
        out.code(code);
        assert!(out.stderr.starts_with(&format!("{tool}: ")), "{}", out.stderr);
        assert!(started.elapsed().as_secs() < 10, "{tool} {args:?} took {:?}", started.elapsed());
        assert!(!is_mounted(&pidfile));
    }
    // (other tests in this process reap their own children a moment after
    // they exit: only a zombie that stays is one of these runs')
    let mine = std::process::id();
    let left = || -> Vec<_> { zombies().into_iter().filter(|z| !before.contains(z) && z.1 == mine).collect() };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while !left().is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let new = left();
    assert!(new.is_empty(), "zombies left with us as parent: {new:?}");
    // the pid file is free again for a run that works
    let ok = Cmd::new(tool_path("unshare-rs")).arg(format!("--pid={}", pidfile.display())).args(["-f", "true"]).run();
    ok.success();
    Cmd::new("umount").arg(&pidfile).run().success();
}

/// Ranges as nobody go through a helper that runs newuidmap/newgidmap;
/// neither the helper's pipe nor anything of newuidmap reaches the program.
#[test]
fn unshare_rs_newuidmap_helpers_as_nobody() {
    if !require_root() {
        return;
    }
    if !Path::new("/usr/bin/newuidmap").exists() {
        nsutils_tests::skip("unshare_rs_newuidmap_helpers_as_nobody", "no newuidmap (scripts/setup-deps.sh)");
        return;
    }
    // a private mount namespace whose /etc/subuid and /etc/subgid give
    // nobody a block of ids
    let sandbox = Sandbox::new(&["-m"]);
    let dir = TempDir::new("subids");
    for (name, line) in [("subuid", "nobody:100000:65536\n"), ("subgid", "65534:200000:65536\n")] {
        std::fs::write(dir.join(name), line).unwrap();
        sandbox.sh(&format!("mount --bind {} /etc/{name}", dir.join(name).display())).success();
    }
    // (the wrapper as root: setpriv makes it nobody inside the sandbox)
    let as_nobody = |argv: &[String]| {
        sandbox.wrap(setpriv_nobody(with_fds(As::Root, argv, Program::Probe).env("PATH", STD_PATH))).run()
    };
    let base = as_nobody(&[]);
    base.success();
    let base = normalize(&base.stdout);
    assert!(base.iter().any(|l| l.starts_with("5 ")), "{base:?}");
    for mode in [
        strings(&["--map-users=0:100000:10", "--map-groups=0:200000:10"]),
        strings(&["--map-auto"]),
        strings(&["--map-auto", "-r", "-f"]),
        strings(&["--map-subids", "--kill-child", "-p", "--mount-proc"]),
        strings(&["--map-users=auto", "--map-groups=auto", "-c", "--forward-signals"]),
    ] {
        let mut argv = vec![tool_path("unshare-rs").display().to_string()];
        argv.extend(mode.iter().cloned());
        let out = as_nobody(&argv);
        out.success();
        assert_eq!(normalize(&out.stdout), base, "unshare-rs {mode:?} as nobody via newuidmap");
    }
}

/// Started with fds 0, 1 and 2 closed, every tool opens /dev/null in their
/// place before anything else (the binaries skip std's start-up, which did
/// this): no namespace file, pidfd or map file it opens may become a
/// standard stream, and the program it runs finds 0–2 on /dev/null (util-linux
/// leaves them closed, for the program's first open to take).
#[test]
fn closed_standard_fds_are_opened_on_dev_null() {
    if !require_root() {
        return;
    }
    let dir = TempDir::new("stdfds");
    let target = target(&["-n", "-u"]);
    let pid = target.pid().to_string();
    // the program writes where its 0-2 point into a file (bash redirects in
    // the forked readlink, so the shell's own fds are what is read)
    let probe = ["bash", "-c", "readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2 > \"$0\"; exit 3"];
    let runs: [(&str, Vec<&str>); 4] = [
        ("unshare-rs", vec!["-f", "-n", "-u", "-r"]),
        ("unshare-rs", vec!["--kill-child", "-p", "--mount-proc"]),
        ("nsenter-rs", vec!["-t", &pid, "-n", "-u"]),
        ("nsenter-rs", vec!["-t", &pid, "-a"]),
    ];
    // `tool` started with fds 0, 1 and 2 closed
    let closed = |tool: &str| Cmd::new("bash").args(["-c", "exec \"$@\" <&- >&- 2>&-", "bash"]).arg(tool_path(tool));
    for (tool, args) in runs {
        let out_file = dir.join("fds");
        let _ = std::fs::remove_file(&out_file);
        let out = closed(tool).args(&args).args(probe).arg(&out_file).run();
        assert_eq!(out.code, Some(3), "{tool} {args:?}: {}", out.stderr);
        let targets = std::fs::read_to_string(&out_file).unwrap();
        assert_eq!(targets, "/dev/null\n/dev/null\n/dev/null\n", "{tool} {args:?}");
    }
    // and the listing tools still run and exit 0 (their stdout and stderr
    // are /dev/null: only the status can be seen)
    for (tool, args) in [("lsns-rs", &["-t", "user"][..]), ("ipcs-rs", &["-a"][..]), ("ipcmk-rs", &["--help"][..])] {
        closed(tool).args(args).run().success();
    }
}
