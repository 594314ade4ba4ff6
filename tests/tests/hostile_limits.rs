//! Hostile conditions, the limits half (issue 12): every tool under
//! descriptor and process exhaustion, every parser at the 128 KiB
//! single-argument limit (nested and flat), lsns targets that die, and
//! non-UTF-8 bytes in messages. The rule everywhere: the complete answer,
//! or a clear `<tool>: …` error with status 1 and nothing left behind;
//! never partial output with status 0, never a crash or a hang.
//!
//! The matrix (see `MATRIX` counts in each test's assertion message):
//! * exhaustion: `RLIMIT_NOFILE` 3..=12 × 6 tools × their main modes
//!   ([`nofile_matrix`]: one private pid/mount/IPC/UTS namespace and /dev
//!   per mode, so every run sees the same system); `RLIMIT_NPROC` for the
//!   forks of unshare-rs and nsenter-rs;
//! * input size: every option value of every tool at 128 KiB, flat and
//!   nested;
//! * dying targets: lsns-rs `-p` of a zombie and of a gone PID, and lsns-rs
//!   under process churn;
//! * bytes: non-UTF-8 in arguments and names, back in messages and output.
//!
//! Both builds: `scripts/test.sh` runs this file against the glibc and the
//! static musl binaries (`NSUTILS_BIN_DIR`).

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::time::Duration;

use nsutils_tests::limits::{
    fill, judge, nest, nofile_matrix, run_raw, same_output, without_numbers, LimitedRun, Raw, Verdict,
};
use nsutils_tests::{require_root, tool, tool_path, ul_named, util_linux_head, Cmd, Sandbox};

/// The largest descriptor limit tried: every mode completes below it.
const MAX_NOFILE: u32 = 12;

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

fn argv(t: &str, args: &[&str]) -> Vec<OsString> {
    let mut v = vec![tool_path(t).into_os_string()];
    v.extend(os(args));
    v
}

/// A process in its own net and UTS namespaces (pid 2 of the matrix's pid
/// namespace) and a UTS namespace held only by a bind mount, for lsns-rs
/// and nsenter-rs to find.
const TARGETS: &str = r#"
unshare -nu sleep 1000000 &
while [ "$(readlink /proc/$!/ns/uts)" = "$(readlink /proc/self/ns/uts)" ]; do sleep 0.01; done
touch "$D/uts" && unshare --uts="$D/uts" true || exit 92
stat -L -c %i /proc/2/ns/net >"$D/netns"
"#;

fn matrix(t: &str, prelude: &str, setup: &str, state: &str, args: &[&str]) -> Vec<LimitedRun> {
    nofile_matrix(prelude, setup, state, &argv(t, args), MAX_NOFILE)
}

#[test]
fn lsns_out_of_descriptors_is_an_error_in_every_mode() {
    if !require_root() {
        return;
    }
    let modes: &[&[&str]] = &[
        &[],
        &["-l"],
        &["-l", "-t", "uts"],
        &["-t", "net"],
        &["-T"],
        &["--tree=parent"],
        &["-p", "2"],
        &["-J"],
        &["-r", "-o", "+NETNSID,PNS,ONS,NSFS,PATH,UID,PPID"],
        &["-P"],
        &["-Q", "NPROCS > 0 && TYPE != 'mnt'"],
        &["-l", "-o", "NS,TYPE,USER,UID", "-t", "user"],
    ];
    let mut errors = 0;
    for m in modes {
        let runs = matrix("lsns-rs", TARGETS, "", "", m);
        let v = judge("lsns-rs", &runs, Some("Too many open files"), same_output);
        errors += v.iter().filter(|v| **v == Verdict::Error).count();
    }
    // the namespace operand: the net namespace of pid 2 (known inside only)
    for m in [&["@netns@"][..], &["-l", "@netns@"]] {
        let runs = matrix("lsns-rs", TARGETS, "", "", m);
        judge("lsns-rs", &runs, Some("Too many open files"), same_output);
    }
    assert!(errors > 0, "no limit was low enough to make lsns-rs fail: the matrix tests nothing");
}

#[test]
fn lsns_with_five_descriptors_fails_instead_of_printing_nothing() {
    // issue 12, defect 3: every openat failed with EMFILE, every process was
    // skipped as unreadable, and the empty list exited 0
    let out = run_raw(
        &Cmd::new("prlimit").args(["--nofile=5:5"]).arg(tool_path("lsns-rs")).args(["-l", "-t", "uts"]),
        Duration::from_secs(30),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.code == Some(1)
            && out.stdout.is_empty()
            && err.starts_with("lsns-rs: ")
            && err.contains("Too many open files"),
        "{}",
        out.describe()
    );
}

#[test]
fn nsenter_out_of_descriptors_is_an_error_on_both_entry_paths() {
    if !require_root() {
        return;
    }
    // no shell: dash needs descriptors of its own for redirections
    let prog = ["readlink", "/proc/self/ns/net", "/proc/self/ns/uts"];
    let mut n = 0;
    // the file route: setns(2) refusing pidfds, by a seccomp filter the
    // command line is wrapped in (the snippet runs where "$@" is the command)
    let files = format!("set -- {} \"$@\"", nsutils_tests::fallbacks::setns_without_pidfd_words());
    for pidfd in ["", &files] {
        for m in [&["-t", "2", "-a"][..], &["-t", "2", "-n", "-u"], &["--net=/proc/2/ns/net", "--uts=/proc/2/ns/uts"]] {
            let mut args = m.to_vec();
            args.extend(prog);
            let runs = matrix("nsenter-rs", TARGETS, pidfd, "", &args);
            judge("nsenter-rs", &runs, None, same_output);
            n += 1;
        }
    }
    assert_eq!(n, 6);
}

#[test]
fn unshare_out_of_descriptors_is_an_error_and_leaves_nothing() {
    if !require_root() {
        return;
    }
    // no shell: dash needs descriptors of its own for redirections
    let prog = ["echo", "ok"];
    // the persistence file's mounts, and our own mount namespace's count of
    // mounts, after each run (a failed run must leave neither)
    let state = "grep -c ' /dev/shm/keep ' /proc/self/mountinfo; \
                 grep ' - nsfs ' /proc/self/mountinfo | grep -vc ' /dev/shm/keep '; \
                 while umount /dev/shm/keep 2>/dev/null; do :; done";
    let setup = "touch /dev/shm/keep";
    let modes: &[&[&str]] = &[
        &["-fn"],
        &["-fp", "--mount-proc"],
        &["-m", "-u", "-i"],
        &["--net=/dev/shm/keep"],
        &["-f", "--uts=/dev/shm/keep"],
        &["-U", "-r"],
        &["-U", "--map-user=1000", "--map-group=1000"],
        &["-fC", "--kill-child"],
    ];
    for m in modes {
        let mut args = m.to_vec();
        args.extend(prog);
        let runs = matrix("unshare-rs", "", setup, state, &args);
        let verdicts = judge("unshare-rs", &runs, None, same_output);
        for (r, v) in runs[1..].iter().zip(&verdicts) {
            if *v != Verdict::Complete {
                let state = String::from_utf8_lossy(&r.state);
                let reference = String::from_utf8_lossy(&runs[0].state);
                assert!(
                    state.starts_with("0\n") && state.lines().nth(1) == reference.lines().nth(1),
                    "unshare-rs {m:?} with nofile {:?} left something behind:\n{state}",
                    r.nofile
                );
            }
        }
    }
}

#[test]
fn ipc_tools_out_of_descriptors_give_the_whole_answer_or_an_error() {
    if !require_root() {
        return;
    }
    // objects of root and of a user with a name, so ipcs looks names up
    let objects = "ipcmk -M 4096 >/dev/null && ipcmk -Q >/dev/null && ipcmk -S 2 >/dev/null && \
                   setpriv --reuid=65534 --regid=65534 --clear-groups ipcmk -Q >/dev/null || exit 93";
    let sysv_count = "for k in m q s; do ipcs -$k | grep -c '^0x'; done; ls -A /dev/shm /dev/mqueue";
    let ids = |a: &LimitedRun, b: &LimitedRun| {
        without_numbers(&a.stdout) == without_numbers(&b.stdout) && a.stderr == b.stderr && a.state == b.state
    };
    let mut n = 0;
    for m in [&["-a"][..], &["-c"], &["-p"], &["-t"], &["-u"], &["-l"], &["--json"], &["-m", "-i", "0"]] {
        let runs = matrix("ipcs-rs", objects, "", sysv_count, m);
        judge("ipcs-rs", &runs, Some("Too many open files"), same_output);
        n += 1;
    }
    let clean = "ipcrm -a 2>/dev/null; rm -f /dev/shm/* /dev/mqueue/*";
    for m in [
        &["-M", "4096", "-Q", "-S", "2"][..],
        &["-m", "4096", "-n", "/x", "-p", "600"],
        &["-q", "-n", "/x"],
        &["-s", "-n", "/x"],
    ] {
        let runs = matrix("ipcmk-rs", "", clean, sysv_count, m);
        judge("ipcmk-rs", &runs, Some("Too many open files"), ids);
        n += 1;
    }
    // util-linux 2.38.1's ipcmk has no POSIX objects: ours makes them
    let make = format!(
        "ipcrm -a 2>/dev/null; rm -f /dev/shm/* /dev/mqueue/*; ipcmk -M 1 -Q -S 1 >/dev/null; \
         '{m}' -m 1 -q -s -n /a >/dev/null || exit 94",
        m = tool_path("ipcmk-rs").display()
    );
    for m in [&["-a"][..], &["--all=pshm"], &["--all=pmsg"], &["--all=psem"], &["-v", "--posix-shmem", "/a"]] {
        let runs = matrix("ipcrm-rs", "", &make, sysv_count, m);
        judge("ipcrm-rs", &runs, Some("Too many open files"), same_output);
        n += 1;
    }
    assert_eq!(n, 17);
}

/// A user id that nothing else on the machine runs as: `RLIMIT_NPROC`
/// counts every process of the real uid.
fn lonely_uid() -> u32 {
    61_000 + std::process::id() % 3000
}

#[test]
fn fork_failing_with_eagain_is_a_clear_error() {
    if !require_root() {
        return;
    }
    let uid = lonely_uid().to_string();
    // root ignores RLIMIT_NPROC: an ordinary user in a user namespace of
    // its own, with one process allowed (the tool itself)
    let limited = |t: Cmd, args: &[&str]| {
        Cmd::new("setpriv")
            .args(["--reuid", &uid, "--regid", &uid, "--clear-groups", "prlimit", "--nproc=1:1"])
            .arg(t.command().get_program())
            .args(args)
    };
    for args in
        [&["-U", "-f", "true"][..], &["-U", "-r", "-f", "-p", "true"], &["-U", "-r", "-f", "--mount-proc", "true"]]
    {
        let out = run_raw(&limited(tool("unshare-rs"), args), Duration::from_secs(30));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.code == Some(1) && err.starts_with("unshare-rs: "), "{}", out.describe());
        assert!(err.contains("Resource temporarily unavailable"), "{}", out.describe());
        if args.contains(&"-f") {
            if let Some(head) = util_linux_head("unshare") {
                let theirs = run_raw(&limited(head, args), Duration::from_secs(30));
                let ours = run_raw(&limited(ul_named("unshare"), args), Duration::from_secs(30));
                assert_eq!((ours.code, &ours.stderr), (theirs.code, &theirs.stderr), "{}", ours.describe());
            }
        }
    }
}

/// What every run with an oversized argument may do: succeed, or fail
/// with status 1 and a message from the tool (getopt's own messages start
/// with argv\[0\], the path the tool was run by); in time, without a signal.
fn bounded(t: &str, out: &Raw) {
    let err = String::from_utf8_lossy(&out.stderr);
    let named = err.starts_with(&format!("{t}: ")) || err.starts_with(&format!("{}: ", tool_path(t).display()));
    assert!(out.signal.is_none(), "{t} crashed (or hung):\n{}", out.describe());
    assert!(
        out.code == Some(0) || (out.code == Some(1) && named),
        "{t}: neither an answer nor a clear error:\n{}",
        out.describe()
    );
}

#[test]
fn every_parser_takes_a_whole_argument_of_input_without_crashing() {
    let digits = fill("9", "");
    let zeros = fill("0", "1");
    let word = fill("a", "");
    let path = format!("/{}", fill("a/", ""));
    let comma_cols = fill("NS,", "NS");
    let filter_cases = [
        nest("(", "NS", ")"),
        fill("!", "NS"),
        fill("not ", "NS"),
        fill("NS&&", "NS"),
        fill("NS || ", "NS"),
        fill("1<", "1"),
        fill("NS==", "NS"),
        nest("(NS==", "1", ")"),
        nest("!(", "NS", ")"),
        format!("COMMAND =~ '{}'", nest("(", "a", ")")),
        format!("COMMAND =~ '{}'", fill("a+", "")),
        format!("COMMAND == '{}'", fill("x", "")),
        format!("NS == {digits}"),
        fill("NS", ""),
        fill("(", ""),
        fill(")", ""),
        fill("'", ""),
    ];
    let mut cases: Vec<(&str, Vec<String>)> = Vec::new();
    for f in &filter_cases {
        cases.push(("lsns-rs", vec!["-Q".into(), f.clone()]));
    }
    for v in [&comma_cols, &word, &format!("+{comma_cols}"), &fill(",", "")] {
        cases.push(("lsns-rs", vec!["-o".into(), v.clone()]));
    }
    for (o, v) in [("-t", &word), ("-p", &digits), ("-p", &zeros), ("--tree", &word)] {
        cases.push(("lsns-rs", vec![o.into(), v.clone()]));
    }
    cases.push(("lsns-rs", vec![digits.clone()]));
    let runs = [
        ("--map-users", fill("0:0:1,", "0:0:1")),
        ("--map-groups", fill("1:1:1,", "1:1:1")),
        ("--map-users", digits.clone()),
        ("--map-user", word.clone()),
        ("--map-group", digits.clone()),
        ("-S", digits.clone()),
        ("-G", zeros.clone()),
        ("--kill-child", word.clone()),
        ("--kill-child", fill("RTMIN+", "1")),
        ("--net", path.clone()),
        ("--mount-proc", path.clone()),
        ("--root", path.clone()),
        ("--wd", path.clone()),
        ("--propagation", word.clone()),
        ("--setgroups", word.clone()),
        ("--monotonic", digits.clone()),
        ("--boottime", fill("-", "1")),
    ];
    for (o, v) in &runs {
        cases.push(("unshare-rs", vec![format!("{o}={v}"), "-f".into(), "-U".into(), "true".into()]));
    }
    for (o, v) in [
        ("-t", digits.clone()),
        ("-t", format!("1:{digits}")),
        ("-t", format!("{zeros}:1")),
        ("--net", path.clone()),
        ("-S", digits.clone()),
        ("-G", word.clone()),
        ("--wd", path.clone()),
        ("--root", path.clone()),
        ("--env", word.clone()),
    ] {
        cases.push(("nsenter-rs", vec![format!("{o}={v}"), "-t".into(), "1".into(), "true".into()]));
    }
    for (o, v) in [
        ("-M", digits.clone()),
        ("-M", fill("1", "K")),
        ("-M", format!("1.{}K", fill("5", "K"))),
        ("-S", digits.clone()),
        ("-p", zeros.clone()),
        ("-p", digits.clone()),
    ] {
        cases.push(("ipcmk-rs", vec![o.into(), v]));
    }
    cases.push(("ipcmk-rs", vec!["-m".into(), "1".into(), "-n".into(), format!("/{word}")]));
    cases.push(("ipcmk-rs", vec!["-m".into(), digits.clone(), "-n".into(), "/x".into()]));
    cases.push(("ipcs-rs", vec!["-m".into(), "-i".into(), digits.clone()]));
    cases.push(("ipcs-rs", vec!["-i".into(), zeros.clone(), "-q".into()]));
    for o in ["-m", "-q", "-s", "-M", "-Q", "-S", "--all"] {
        cases.push(("ipcrm-rs", vec![o.into(), digits.clone()]));
        cases.push(("ipcrm-rs", vec![o.into(), word.clone()]));
    }
    cases.push(("ipcrm-rs", vec!["--posix-shmem".into(), format!("/{word}")]));
    // the deprecated list form: many ids in many arguments
    let mut legacy = vec!["shm".to_string()];
    legacy.extend((0..15_000).map(|i| (1_000_000 + i).to_string()));
    cases.push(("ipcrm-rs", legacy));
    let sb = Sandbox::new(&["-i", "-m"]);
    let mut n = 0;
    for (t, args) in &cases {
        let cmd = tool(t).args(args);
        // IPC tools work in a private IPC namespace: nothing of the host's
        // can be removed or made
        let cmd = if t.starts_with("ipc") { sb.wrap(cmd) } else { cmd };
        let out = run_raw(&cmd, Duration::from_secs(60));
        bounded(t, &out);
        n += 1;
    }
    assert!(n >= 75, "{n} cases");
}

#[test]
fn lsns_filters_too_deep_for_upstream_are_refused_with_its_message() {
    // issue 12, defect 2: these overflowed the stack (SIGSEGV)
    for expr in [
        format!("{}NS{}", "(".repeat(7000), ")".repeat(7000)),
        format!("{}NS", "!".repeat(20_000)),
        format!("{}NS{}", "(".repeat(257), ")".repeat(257)),
    ] {
        let ours = run_raw(&ul_named("lsns").args(["-Q", &expr]), Duration::from_secs(30));
        let first = |b: &[u8]| String::from_utf8_lossy(b).lines().next().unwrap_or_default().to_string();
        assert_eq!(ours.code, Some(1), "{}", ours.describe());
        assert_eq!(first(&ours.stderr), format!("lsns: failed to parse \"{expr}\": memory exhausted"));
        if let Some(head) = util_linux_head("lsns") {
            let theirs = run_raw(&head.args(["-Q", &expr]), Duration::from_secs(30));
            assert_eq!(ours.code, theirs.code);
            // past some length upstream has no message but "(null)"
            if !first(&theirs.stderr).ends_with("(null)") {
                assert_eq!(first(&ours.stderr), first(&theirs.stderr));
            }
        }
    }
    // a flat chain is not deep: the right answer (upstream refuses more than
    // 128 terms)
    let chain = vec!["NS"; 15_000].join("&&");
    // our own namespaces: others come and go while the suites run
    let me = std::process::id().to_string();
    let out = run_raw(&tool("lsns-rs").args(["-Q", &chain, "-n", "-o", "NS", "-p", &me]), Duration::from_secs(30));
    let all = run_raw(&tool("lsns-rs").args(["-n", "-o", "NS", "-p", &me]), Duration::from_secs(30));
    assert_eq!(out.code, Some(0), "{}", out.describe());
    assert_eq!(out.stdout, all.stdout);
}

/// Patterns that glibc's regcomp compiles in little memory but for minutes
/// (optional atoms under stacked repetitions, as the fuzz rerun found;
/// upstream waits for them) are refused as too big once their trial in a
/// child has used its 2 s of CPU time, whatever signals and CPU limit the
/// caller hands down; a pattern that compiles still matches. (They are
/// within what upstream lets through to regcomp: 256 bytes, no `*` or `+`
/// on a `*` or `+`. musl's regcomp, in the static build, compiles them at
/// once: there either answer is right.)
#[test]
fn lsns_patterns_slow_to_compile_are_refused_in_seconds() {
    use nsutils_tests::hostile::{run_inheriting, Inherited};
    let slow = [format!(">{}{}", "?".repeat(20), "+?".repeat(6)), format!(">{}{}", "?".repeat(30), "+?".repeat(5))];
    let glibc = !nsutils_tests::linked_statically("lsns-rs");
    let inherited = [
        Inherited::default(),
        Inherited { ignored: vec![libc::SIGXCPU, libc::SIGCHLD], ..Default::default() },
        Inherited { blocked: vec![libc::SIGXCPU, libc::SIGCHLD], ..Default::default() },
        Inherited { rlimits: vec![(libc::RLIMIT_CPU, 60, 60)], ..Default::default() },
    ];
    // (each refusal takes the 2 s): the caller's conditions with one pattern
    let runs = inherited.iter().map(|s| (&slow[0], s)).chain([(&slow[1], &inherited[0])]);
    for (pattern, state) in runs {
        let expr = format!("NPROCS > 0 && COMMAND =~ '{pattern}'");
        let start = std::time::Instant::now();
        let out = run_inheriting(&tool("lsns-rs").args(["-Q", &expr, "-o", "NS"]), state);
        let took = start.elapsed();
        assert!(took < Duration::from_secs(10), "{state:?}: {took:?}");
        if !glibc && out.code == Some(0) {
            continue;
        }
        assert_eq!(out.code, Some(1), "{state:?} {}", out.stderr);
        let caret = format!("    {}^", " ".repeat(expr.find('\'').unwrap()));
        assert_eq!(
            out.stderr,
            format!("lsns-rs: failed to parse \"{expr}\": Regular expression too big\n    {expr}\n{caret}\n"),
            "{state:?}"
        );
    }
    // the same shape, small enough to compile: the filter works, both ways
    let me = std::process::id().to_string();
    let list = |filter: &[&str]| {
        let out = tool("lsns-rs").args(filter).args(["-n", "-o", "NS,COMMAND", "-p", &me]).run();
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        out.stdout
    };
    let all = list(&[]);
    assert!(!all.is_empty());
    assert_eq!(list(&["-Q", "COMMAND =~ '.??.??.+?+?+'"]), all);
    assert_eq!(list(&["-Q", "COMMAND =~ 'x??y??z+?+?+q{5}'"]), "");
}

/// A zombie child of a python3 parent that sleeps: `(parent, zombie)`.
struct Zombie(std::process::Child, u32);

impl Zombie {
    fn new() -> Zombie {
        use std::io::BufRead;
        let mut c = Cmd::new("python3")
            .args(["-c", "import os,time\np=os.fork()\nif p==0: os._exit(0)\nprint(p,flush=True); time.sleep(60)"])
            .spawn();
        let mut line = String::new();
        std::io::BufReader::new(c.stdout.take().expect("stdout")).read_line(&mut line).expect("zombie pid");
        let pid: u32 = line.trim().parse().expect("a pid");
        nsutils_tests::wait_until(10, "the child to be a zombie", || nsutils_tests::proc_state(pid) == Some('Z'));
        Zombie(c, pid)
    }
}

impl Drop for Zombie {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn lsns_of_a_zombie_or_a_gone_pid_answers_like_upstream() {
    let z = Zombie::new();
    let gone = {
        let mut c = Cmd::new("true").spawn();
        let pid = c.id();
        c.wait().expect("wait");
        pid
    };
    for pid in [z.1, gone] {
        let args = ["-r", "-n", "-o", "NS,TYPE", "-p", &pid.to_string()];
        let ours = run_raw(&ul_named("lsns").args(args), Duration::from_secs(30));
        assert_eq!(ours.code, Some(0), "{}", ours.describe());
        assert!(ours.stderr.is_empty(), "{}", ours.describe());
        if let Some(head) = util_linux_head("lsns") {
            let theirs = run_raw(&head.args(args), Duration::from_secs(30));
            assert_eq!((ours.code, &ours.stdout, &ours.stderr), (theirs.code, &theirs.stdout, &theirs.stderr));
        }
    }
}

#[test]
fn lsns_under_process_churn_lists_the_living_and_exits_0() {
    if !require_root() {
        return;
    }
    // in a pid namespace of its own: processes come and go in new
    // namespaces while lsns-rs runs, every run must succeed
    let lsns = tool_path("lsns-rs");
    let script = format!(
        "( while :; do unshare -nu true & unshare -i sh -c 'exit 0' & wait; done ) & \
         fails=0; for i in $(seq 60); do for m in '' '-l' '-T' '-t net' '-o +PPID,NSFS,ONS,PNS'; do \
         '{l}' $m >/dev/null 2>>/tmp/churn.$$ || fails=$((fails+1)); done; done; \
         cat /tmp/churn.$$ >&2; rm -f /tmp/churn.$$; echo fails=$fails",
        l = lsns.display()
    );
    let out =
        Cmd::new("unshare").args(["-fp", "--mount-proc", "sh", "-c", &script]).timeout(Duration::from_secs(240)).run();
    assert_eq!(out.stdout, "fails=0\n", "{}\n{}", out.stdout, out.stderr);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

fn bytes(b: &[u8]) -> OsString {
    OsString::from_vec(b.to_vec())
}

#[test]
fn messages_carry_non_utf8_bytes_unchanged() {
    let cases: Vec<(&str, Vec<OsString>, &[u8])> = vec![
        ("lsns-rs", vec!["-t".into(), bytes(b"n\xffet")], b"lsns-rs: unknown namespace type: n\xffet\n"),
        ("lsns-rs", vec![bytes(b"--tree=\xfe")], b"lsns-rs: unknown tree type: \xfe\n"),
        ("lsns-rs", vec!["-o".into(), bytes(b"NS,\xff")], b"lsns-rs: unknown column: \xff\n"),
        (
            "lsns-rs",
            vec!["-Q".into(), bytes(b"NS == 'a\xff' ||")],
            b"lsns-rs: failed to parse \"NS == 'a\xff' ||\": syntax error, unexpected end of file\n",
        ),
        (
            "lsns-rs",
            vec!["-Q".into(), bytes(b"NS == 1 'a\xff'")],
            b"parse \"NS == 1 'a\xff'\": syntax error, unexpected STRING",
        ),
        ("lsns-rs", vec!["-Q".into(), bytes(b"COMMAND =~ '(\xff'")], b"\"COMMAND =~ '(\xff'\": Unmatched ( or \\("),
        ("ipcrm-rs", vec![bytes(b"--all=\xff")], b"ipcrm-rs: unknown argument: \xff\n"),
        ("ipcrm-rs", vec!["shm".into(), bytes(b"1\xff")], b"ipcrm-rs: invalid id: 1\xff\n"),
        ("ipcrm-rs", vec!["-a".into(), bytes(b"x\xff")], b"ipcrm-rs: unknown argument: x\xff\n"),
        ("ipcrm-rs", vec![bytes(b"--posix-shmem=/nsut\xff")], b"ipcrm-rs: name `/nsut\xff' not found\n"),
        ("ipcmk-rs", vec!["-p".into(), bytes(b"6\xff"), "-Q".into()], b"ipcmk-rs: failed to parse mode: '6\xff'\n"),
        ("ipcs-rs", vec!["-i".into(), bytes(b"\xff")], b"ipcs-rs: failed to parse id argument: '\xff'\n"),
    ];
    let sb = Sandbox::new(&["-i", "-m"]);
    for (t, args, want) in &cases {
        let cmd = tool(t).args(args);
        let cmd = if t.starts_with("ipc") { sb.wrap(cmd) } else { cmd };
        let out = run_raw(&cmd, Duration::from_secs(30));
        assert_eq!(out.code, Some(1), "{}", out.describe());
        assert!(
            out.stderr.windows(want.len()).any(|w| w == *want),
            "{t}: {:?} is not in stderr:\n{}",
            String::from_utf8_lossy(want),
            out.describe()
        );
    }
}

#[test]
fn posix_names_keep_their_bytes_and_lose_the_setuid_bit() {
    if !require_root() {
        return;
    }
    let ps = nsutils_tests::suite::ipc::PosixSandbox::new(true);
    let name = bytes(b"/nsut\xffx");
    let run = |t: &str, args: Vec<OsString>| run_raw(&ps.sb.wrap(tool(t).args(args)), Duration::from_secs(30));
    let made = run(
        "ipcmk-rs",
        vec!["-m".into(), "1".into(), "-q".into(), "-n".into(), name.clone(), "-p".into(), "4777".into()],
    );
    assert_eq!(made.code, Some(0), "{}", made.describe());
    assert_eq!(made.stdout, b"POSIX shared memory name: /nsut\xffx\nPOSIX message queue name: /nsut\xffx\n");
    let made = run("ipcmk-rs", vec!["-s".into(), "-n".into(), name.clone(), "-p".into(), "6777".into()]);
    assert_eq!(made.code, Some(0), "{}", made.describe());
    // no setuid, setgid or sticky file in /dev/shm or /dev/mqueue
    let modes = ps.sb.sh("find /dev/shm /dev/mqueue -type f | wc -l; find /dev/shm /dev/mqueue -type f -perm /7000");
    assert_eq!(modes.stdout, "3\n", "{}", modes.stderr);
    let gone = run("ipcrm-rs", vec!["-v".into(), "--posix-shmem".into(), name.clone()]);
    assert_eq!(gone.stdout, b"removing POSIX shared memory `/nsut\xffx'\n", "{}", gone.describe());
}

/// Memory: `RLIMIT_AS` in 128 KiB steps from the least under which the
/// tool's `--version` runs (below it the kernel or the dynamic loader fails
/// to map the binary, before any of our code) up to 24 MiB, where every run
/// completes; for the tools that hold the most (lsns-rs and ipcs-rs over
/// 3,000 message queues) and the two that fork and exec. Every run gives
/// the complete answer, or util-linux's `<tool>: cannot allocate N bytes:
/// Cannot allocate memory` with status 1 and nothing on stdout, or (glibc
/// build) the loader's failure with status 127; never the abort (SIGABRT)
/// of Rust's default allocation-failure handler, never a signal.
#[test]
fn running_out_of_memory_ends_with_util_linux_s_message_not_an_abort() {
    if !require_root() {
        return;
    }
    let dir = nsutils_tests::TempDir::new("as");
    let modes: [(&str, &[&str]); 6] = [
        ("lsns-rs", &[]),
        ("lsns-rs", &["-J", "--output-all"]),
        ("ipcs-rs", &["-a"]),
        ("ipcs-rs", &["--json"]),
        ("unshare-rs", &["-fn", "true"]),
        ("nsenter-rs", &["-t", "1", "-a", "true"]),
    ];
    let (step, hi) = (128 * 1024, 24 * 1024 * 1024);
    let mut script = String::from(
        "set -u; D=$1\nfor i in $(seq 1 3000); do ipcmk -Q >/dev/null || exit 95; done\n\
         sweep() { m=$1; shift; \"$@\" >$D/$m.ref.out 2>$D/$m.ref.err; echo $? >$D/$m.ref.rc\n",
    );
    script.push_str(&format!(
        "  n={step}; until prlimit --as=$n \"$1\" -V >/dev/null 2>&1; do n=$((n + {step})); \
         [ $n -le {hi} ] || exit 96; done; echo $n >$D/$m.start\n\
         while [ $n -le {hi} ]; do prlimit --as=$n \"$@\" >$D/$m.$n.out 2>$D/$m.$n.err; \
         echo $? >$D/$m.$n.rc; n=$((n + {step})); done; }}\n"
    ));
    for (i, (t, args)) in modes.iter().enumerate() {
        let words: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
        script.push_str(&format!("sweep {i} '{}' {}\n", tool_path(t).display(), words.join(" ")));
    }
    let out = Cmd::new(nsutils_tests::util_linux_path("unshare"))
        .args(["-fpmi", "--mount-proc", "sh", "-c", &script, "sh"])
        .arg(dir.path())
        .timeout(Duration::from_secs(240))
        .run();
    assert_eq!(out.code, Some(0), "the memory sweep failed:\n{}\n{}", out.stdout, out.stderr);
    let read = |m: usize, n: &str, ext: &str| std::fs::read(dir.join(format!("{m}.{n}.{ext}"))).unwrap_or_default();
    let mut cannot_allocate = [0; 6];
    for (m, (t, args)) in modes.iter().enumerate() {
        let (ref_out, ref_err) = (read(m, "ref", "out"), read(m, "ref", "err"));
        assert_eq!(
            read(m, "ref", "rc"),
            b"0\n",
            "{t} {args:?} failed without a limit: {}",
            String::from_utf8_lossy(&ref_err)
        );
        let start = std::fs::read(dir.join(format!("{m}.start"))).unwrap_or_default();
        let start: u64 = String::from_utf8_lossy(&start).trim().parse().unwrap_or(0);
        assert!(start > 0, "{t}: no start found");
        let mut n = start;
        while n <= hi {
            let (o, e) = (read(m, &n.to_string(), "out"), read(m, &n.to_string(), "err"));
            let rc = String::from_utf8_lossy(&read(m, &n.to_string(), "rc")).trim().to_string();
            let err = String::from_utf8_lossy(&e);
            let what = || format!("{t} {args:?} under RLIMIT_AS={n}: status {rc}\n--- stderr ---\n{err}");
            if rc == "0" {
                assert!(o == ref_out && e == ref_err, "partial or different answer with status 0: {}", what());
            } else if rc == "1" && err.starts_with(&format!("{t}: cannot allocate ")) {
                assert!(o.is_empty(), "output before the error: {}", what());
                assert!(err.ends_with(" bytes: Cannot allocate memory\n") && err.lines().count() == 1, "{}", what());
                cannot_allocate[m] += 1;
            } else if rc == "127" && !err.starts_with(&format!("{t}:")) {
                // the dynamic loader (glibc build) of a program we exec
                assert!(err.contains("error while loading") || err.contains("cannot allocate TLS"), "{}", what());
            } else {
                assert!(
                    rc == "1" && err.starts_with(&format!("{t}: ")) && o.is_empty(),
                    "not a clear error: {}",
                    what()
                );
            }
            n += step;
        }
    }
    // the sweep must really reach the allocator failure in the tools that
    // allocate the most (otherwise the test would prove nothing)
    for m in [0, 1, 2, 3] {
        assert!(cannot_allocate[m] > 0, "{:?}: no run ran out of memory in our code", modes[m]);
    }
}
