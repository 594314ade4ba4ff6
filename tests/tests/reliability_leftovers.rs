//! Reliability, part 2: many runs of unshare-rs and nsenter-rs in mixed
//! modes — failing ones, killed ones and ones run as nobody included —
//! leave nothing behind: no mounts, no network namespaces, no IPC objects,
//! no processes, no zombies.
//!
//! The runs are split over worker threads. Each worker drives its share
//! from one shell that is a *child subreaper* (PR_SET_CHILD_SUBREAPER, set
//! by a python3 shim before it execs the shell), so anything a run leaves
//! running is reparented to that shell, which looks at its own children
//! right after every run (for up to two seconds, so a process that is
//! merely still exiting is not blamed). Programs that the tools exec
//! directly check that they inherited no children (an unreaped helper
//! would be one, and a zombie for as long as the program lives). Every
//! process carries a marker variable, so whatever survives its driver is
//! found by the final scan of /proc. The drivers run inside a Sandbox with
//! a private IPC namespace, which must be as empty afterwards as before, and
//! a private mount namespace, whose mounts are compared before and after
//! (its own: mounts that anything else on the machine makes meanwhile do not
//! reach it); so is its own /run/netns.
//!
//! `NSUTILS_LEFTOVER_RUNS` sets the number of runs (default 500);
//! scripts/soak.sh runs 10,000.

use std::path::Path;
use std::time::{Duration, Instant};

use nsutils_tests::mounts::mount_table_of;
use nsutils_tests::suite::ipc::sysv_objects;
use nsutils_tests::{
    env_count, processes_with_env, require_root, tool_path, unique_name, util_linux, Cmd, Sandbox, Sleeper, TempDir,
};

/// How many runs (`NSUTILS_LEFTOVER_RUNS`, default 500).
fn runs() -> usize {
    env_count("NSUTILS_LEFTOVER_RUNS", 500)
}

/// Make ourselves a child subreaper, then exec the rest of the command line.
const SUBREAPER_SHIM: &str = "import ctypes, os, sys\n\
    PR_SET_CHILD_SUBREAPER = 36\n\
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:\n\
    \x20   sys.exit('prctl failed')\n\
    os.execvp(sys.argv[1], sys.argv[1:])\n";

/// A shell snippet a program runs: fail (99) if it has children it did not
/// make — an unreaped helper of the tool that exec'd it.
const KIDS: &str = "k=; read -r k < /proc/$$/task/$$/children || :; \
    [ -z \"$k\" ] || { echo \"inherited children: $k\" >&2; exit 99; }";

/// One mode: a command template and the exit status it must end with.
/// Placeholders: {us} {ns} (our binaries), {nobody} (setpriv to nobody),
/// {files} (setns(2) refusing pidfds: nsenter-rs enters through files),
/// {T1} (a root-owned container), {T2} (nobody's user namespace), {D} (a
/// private directory), {i} (the run's number).
struct Mode {
    cmd: &'static str,
    code: i32,
    /// The tool whose message the first line of stderr must be, if any.
    says: Option<&'static str>,
}

const fn ok(cmd: &'static str) -> Mode {
    Mode { cmd, code: 0, says: None }
}

const fn exits(cmd: &'static str, code: i32) -> Mode {
    Mode { cmd, code, says: None }
}

const fn fails(cmd: &'static str, code: i32, tool: &'static str) -> Mode {
    Mode { cmd, code, says: Some(tool) }
}

const MODES: &[Mode] = &[
    // ----- unshare-rs
    ok("{us} -f sh -c \"$KIDS\""),
    ok("{us} -fn sh -c \"$KIDS\""),
    ok("{us} -fpm --mount-proc sh -c \"$KIDS\""),
    ok("{us} -r -u sh -c \"$KIDS\""),
    ok("{us} -i -C -T --boottime=5 -f sh -c \"$KIDS\""),
    exits("{us} --kill-child -p --mount-proc sh -c 'exit 3'", 3),
    exits("{us} --forward-signals -n sh -c 'kill -TERM $$'", 143),
    fails("{us} -fn /nonexistent", 127, "unshare-rs"),
    fails("{us} -n /etc/passwd", 126, "unshare-rs"),
    ok("{us} --map-users=0:100000:10 --map-groups=0:100000:10 sh -c \"$KIDS\""),
    fails("{us} --map-users=0:100000:10 --map-users=5:200000:10 true", 1, "unshare-rs"),
    fails("{us} --net={D}/missing/net true", 1, "unshare-rs"),
    fails(": > {D}/pid.{i} && {us} --pid={D}/pid.{i} true", 1, "unshare-rs"),
    ok(": > {D}/uts.{i} && {us} --uts={D}/uts.{i} sh -c \"$KIDS\" && umount {D}/uts.{i}"),
    ok(": > {D}/net.{i} && {us} -f --net={D}/net.{i} -p --mount-proc true && umount {D}/net.{i}"),
    fails("{nobody} {us} -n true", 1, "unshare-rs"),
    ok("{nobody} {us} -r -fp --mount-proc sh -c \"$KIDS\""),
    fails("{nobody} {us} -r --mount-proc true", 1, "unshare-rs"),
    fails("{us} --bogus", 1, "unshare-rs"),
    fails("{us} --kill-child=FOO true", 1, "unshare-rs"),
    fails("{us} -S abc true", 1, "unshare-rs"),
    // the PID namespace's init exits: the kernel kills the background sleep
    ok("{us} -fp sh -c 'sleep 30 & exit 0'"),
    ok("SHELL=/bin/true {us} -u"),
    fails("{us} -fp --mount-proc -w /nonexistent true", 1, "unshare-rs"),
    // killed while its child runs: --kill-child takes the child along
    exits("timeout -s KILL 0.2 {us} --kill-child -n sleep 30", 137),
    exits("timeout -s TERM 0.2 {us} --forward-signals -f sleep 30", 124),
    // SIGTERM is held back while waiting; the KILL that follows ends both
    exits("timeout -k 0.2 -s TERM 0.2 {us} --kill-child -p sleep 30", 137),
    ok("mkdir -p {D}/m{i} && {us} -m sh -c 'mount -t tmpfs nsut {D}/m{i}'"),
    ok("{us} -i sh -c 'ipcmk -Q && ipcmk -M 4096 && ipcmk -S 2' >/dev/null"),
    // ----- nsenter-rs
    ok("{ns} -t {T1} -n sh -c \"$KIDS\""),
    ok("{ns} -t {T1} -a sh -c \"$KIDS\""),
    exits("{ns} -t {T1} -p -m sh -c 'exit 4'", 4),
    ok("{files} {ns} -t {T1} -a sh -c \"$KIDS\""),
    fails("{ns} -t {T1} -u /nonexistent", 127, "nsenter-rs"),
    fails("{ns} -t 2147483647 -n true", 1, "nsenter-rs"),
    fails("{ns} --net=/etc/hostname true", 1, "nsenter-rs"),
    fails("{nobody} {ns} -t {T1} -n true", 1, "nsenter-rs"),
    ok("{nobody} {ns} -t {T2} -U sh -c \"$KIDS\""),
    fails("{nobody} {files} {ns} -t {T1} -n true", 1, "nsenter-rs"),
    fails("{ns} -t {T1}:1 -n true", 1, "nsenter-rs"),
    ok("{ns} -t {T1} -m -p -r -w sh -c \"$KIDS\""),
    ok("{ns} -t {T1} -S 12345 -G 12345 -u sh -c \"$KIDS\""),
    fails("{ns} -t abc -n true", 1, "nsenter-rs"),
    ok("{ns} -t {T1} -p -F sh -c \"$KIDS\""),
    exits("timeout -s KILL 0.2 {ns} -t {T1} -n sleep 30", 137),
    ok("{ns} -t {T1} -i ipcmk -Q >/dev/null"),
];

/// The named network namespaces the runs see: the files in /run/netns
/// and `ip netns list`, inside the sandbox. (The sandbox has a /run/netns
/// of its own: what anything else on the machine adds meanwhile is not ours
/// to judge.)
fn netns(sandbox: &Sandbox) -> String {
    let out = sandbox.sh("ls -A /run/netns; echo --; ip netns list");
    out.success();
    out.stdout
}

#[test]
fn many_mixed_runs_leave_nothing_behind() {
    if !require_root() {
        return;
    }
    let started = Instant::now();
    let total = runs();
    // private IPC and mount namespaces: the runs' leftovers are judged there
    let sandbox = Sandbox::new(&["-i", "-m"]);
    let t1 = Sleeper::start(util_linux("unshare").args([
        "--kill-child",
        "-f",
        "-p",
        "--mount-proc",
        "-m",
        "-u",
        "-i",
        "-n",
        "-C",
        "sleep",
        "100000",
    ]));
    let t2 = Sleeper::start(
        util_linux("unshare").args(["--kill-child", "-f", "-r", "-n", "-u", "sleep", "100000"]).as_nobody(),
    );
    // a private mount for the persistence files and tmpfs mounts
    let dir = TempDir::private("lo");
    let d = dir.path().display().to_string();
    let marker = unique_name("mark");

    // the runs' own /run/netns (see netns)
    sandbox.sh("mkdir -p /run/netns && mount -t tmpfs nsut-netns /run/netns").success();
    let mounts_before = mount_table_of(sandbox.pid());
    let netns_before = netns(&sandbox);
    let ipc_before = sysv_objects(&sandbox);
    assert!(ipc_before.is_empty(), "a fresh sandbox has IPC objects: {ipc_before:?}");

    let subst = |template: &str, i: usize| {
        template
            .replace("{us}", &tool_path("unshare-rs").display().to_string())
            .replace("{ns}", &tool_path("nsenter-rs").display().to_string())
            .replace("{files}", &nsutils_tests::fallbacks::setns_without_pidfd_words())
            .replace(
                "{nobody}",
                "setpriv --reuid=65534 --regid=65534 --clear-groups env PATH=/usr/sbin:/usr/bin:/sbin:/bin",
            )
            .replace("{T1}", &t1.pid().to_string())
            .replace("{T2}", &t2.pid().to_string())
            .replace("{D}", &d)
            .replace("{i}", &i.to_string())
    };

    let workers = 8.min(total.max(1));
    let results: Vec<(usize, String, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (sandbox, marker, subst, d) = (&sandbox, &marker, &subst, &d);
                s.spawn(move || {
                    let mut script = format!("KIDS='{KIDS}'\nexport KIDS\n");
                    for i in (w..total).step_by(workers) {
                        let mode = &MODES[i % MODES.len()];
                        script.push_str(&format!(
                            "( {} ) >/dev/null 2>{d}/err.{i} </dev/null; rc=$?\n\
                             n=0; while :; do k=; read -r k < /proc/$$/task/$$/children || :; \
                             [ -z \"$k\" ] && break; [ $n -ge 100 ] && break; n=$((n+1)); sleep 0.02; done\n\
                             echo \"{i} $rc [$k]\"\n",
                            subst(mode.cmd, i)
                        ));
                    }
                    // a file: one argument may not exceed 128 KiB (soak scale)
                    let file = format!("{d}/driver.{w}.sh");
                    std::fs::write(&file, &script).expect("write the driver script");
                    let driver = Cmd::new("python3")
                        .args(["-c", SUBREAPER_SHIM, "sh", &file])
                        .env("NSUT_LEFTOVER", marker)
                        .cwd("/")
                        // a second per run is far more than a run takes
                        .timeout(Duration::from_secs(600.max(total as u64 / workers as u64)));
                    let out = sandbox.wrap(driver).run();
                    (w, out.stdout, format!("{:?} {:?} {}", out.code, out.signal, out.stderr))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("worker")).collect()
    });

    // every run: its status, nothing left running, a message that names
    // the tool when it failed, never a panic
    let mut seen = 0;
    let mut per_mode = vec![0usize; MODES.len()];
    for (w, stdout, status) in &results {
        assert!(status.starts_with("Some(0) None"), "driver {w} failed: {status}");
        for line in stdout.lines() {
            let mut f = line.splitn(3, ' ');
            let i: usize = f.next().unwrap().parse().unwrap();
            let rc: i32 = f.next().unwrap().parse().unwrap();
            let kids = f.next().unwrap();
            let mode = &MODES[i % MODES.len()];
            let err = std::fs::read_to_string(format!("{d}/err.{i}")).unwrap_or_default();
            let what = subst(mode.cmd, i);
            assert_eq!(rc, mode.code, "run {i}: {what}\nstderr: {err}");
            assert_eq!(kids, "[]", "run {i} left processes behind: {what}");
            assert!(!err.contains("panicked"), "run {i}: {what}\n{err}");
            if let Some(tool) = mode.says {
                let first = err.lines().next().unwrap_or_default();
                // getopt's own messages start with argv[0] as given: the path
                let by_path = format!("{}: ", tool_path(tool).display());
                let named = first.starts_with(&format!("{tool}: ")) || first.starts_with(&by_path);
                assert!(named, "run {i}: {what}\nstderr: {err}");
            }
            per_mode[i % MODES.len()] += 1;
            seen += 1;
        }
    }
    assert_eq!(seen, total, "runs reported");

    // nothing survived its driver, wherever it was reparented
    std::thread::sleep(Duration::from_millis(100));
    let survivors = processes_with_env("NSUT_LEFTOVER", &marker);
    let described: Vec<String> = survivors
        .iter()
        .map(|p| {
            format!(
                "{p}: {}",
                std::fs::read_to_string(format!("/proc/{p}/cmdline")).unwrap_or_default().replace('\0', " ")
            )
        })
        .collect();
    assert!(survivors.is_empty(), "processes left behind: {described:?}");
    // the private IPC namespace the runs shared is still empty
    assert_eq!(sysv_objects(&sandbox), ipc_before, "IPC objects left behind");
    // no mount and no network namespace came or went
    let mounts_after = mount_table_of(sandbox.pid());
    let diff: Vec<String> = mounts_after
        .iter()
        .filter(|(k, n)| mounts_before.get(*k) != Some(n))
        .map(|(k, n)| format!("+{k} ({n})"))
        .chain(mounts_before.iter().filter(|(k, _)| !mounts_after.contains_key(*k)).map(|(k, _)| format!("-{k}")))
        .collect();
    assert!(diff.is_empty(), "mounts changed: {diff:?}");
    assert_eq!(netns(&sandbox), netns_before, "network namespaces changed");
    assert!(Path::new(&format!("/proc/{}", t1.pid())).exists(), "the target died");

    let elapsed = started.elapsed();
    let line = format!(
        "\nleftovers: {seen} runs in {} modes ({}..{} runs each), {workers} workers, {:.1} s: nothing left behind\n",
        MODES.len(),
        per_mode.iter().min().unwrap(),
        per_mode.iter().max().unwrap(),
        elapsed.as_secs_f64()
    );
    let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), line.as_bytes());
}
