//! Reliability, part 3: lsns-rs and ipcs-rs while the system changes under
//! them. 1,000 runs of each (`NSUTILS_CHURN_RUNS`), split over worker threads and
//! over the output formats, while other threads keep creating and ending
//! processes in new namespaces of every type (with util-linux's unshare and
//! ours, as root and as nobody) and shell loops keep creating and removing
//! IPC objects of every kind. Every run must exit 0 with nothing on stderr,
//! and its output must be well-formed: JSON parses and has the expected
//! shape, raw rows have the header's number of fields, table rows start
//! with what their columns promise.
//!
//! The IPC churn and the ipcs-rs runs share a Sandbox's private IPC
//! namespace; lsns-rs runs on the host, where the namespace churn happens.

use std::collections::VecDeque;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use nsutils_tests::{require_root, tool, tool_path, util_linux, Cmd, Output, Sandbox, TempDir};

/// Runs of each tool (`NSUTILS_CHURN_RUNS`, default 1,000).
fn runs() -> usize {
    nsutils_tests::env_count("NSUTILS_CHURN_RUNS", 1000)
}

const TYPES: [&str; 8] = ["mnt", "net", "pid", "uts", "ipc", "user", "cgroup", "time"];

/// The lsns-rs views, cycled through.
const LSNS: &[&[&str]] = &[
    &["-J"],
    &["-r"],
    &["-l"],
    &[],
    &["-J", "--output-all"],
    &["-r", "-o", "NS,TYPE,NPROCS,PID,PPID,COMMAND,UID,USER"],
    &["-J", "-t", "net"],
    &["-r", "-T"],
    &["-J", "--tree=parent"],
    &["-l", "-t", "pid", "-t", "user"],
];

/// The ipcs-rs views, cycled through.
const IPCS: &[&[&str]] =
    &[&["-a"], &["--json"], &["--raw"], &["-q"], &["-m", "-t"], &["-s", "-c"], &["-m", "-p"], &["-u"]];

/// Whether the output of `lsns-rs ARGS` is well-formed.
fn check_lsns(args: &[&str], out: &Output) {
    out.success().no_stderr();
    if args.contains(&"-J") {
        let v = out.json();
        let rows = v["namespaces"].as_array().unwrap_or_else(|| panic!("no namespaces array:\n{}", out.stdout));
        let mut todo: Vec<&serde_json::Value> = rows.iter().collect();
        while let Some(r) = todo.pop() {
            assert!(r["ns"].is_u64(), "ns is not a number: {r}");
            assert!(TYPES.contains(&r["type"].as_str().unwrap_or("")), "bad type: {r}");
            if let Some(n) = r.get("nprocs") {
                assert!(n.is_u64(), "nprocs: {r}");
            }
            if let Some(kids) = r.get("children") {
                todo.extend(kids.as_array().expect("children array"));
            }
        }
        return;
    }
    let mut lines = out.stdout.lines();
    let Some(header) = lines.next() else { return };
    let ncols = header.split_whitespace().count();
    assert!(header.split_whitespace().next() == Some("NS"), "header: {header}");
    for line in lines {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if args.contains(&"-r") {
            // raw: one space between cells, empty cells are empty strings
            assert_eq!(line.split(' ').count(), ncols, "raw row of lsns-rs {args:?}: {line:?}");
            if !args.contains(&"-T") {
                assert!(fields[0].parse::<u64>().is_ok(), "{line:?}");
            }
        } else if args.contains(&"-l") {
            assert!(fields.len() >= 3, "{line:?}");
            assert!(fields[0].parse::<u64>().is_ok() && TYPES.contains(&fields[1]), "{line:?}");
        } else {
            // the process tree: an inode, then the type
            let f: Vec<&str> = fields.iter().copied().filter(|f| f.parse::<u64>().is_ok()).collect();
            assert!(!f.is_empty() && fields.iter().any(|t| TYPES.contains(t)), "{line:?}");
        }
    }
}

/// Whether the output of `ipcs-rs ARGS` is well-formed.
fn check_ipcs(args: &[&str], out: &Output) {
    out.success().no_stderr();
    if args.contains(&"--json") {
        let v = out.json();
        for key in ["messages", "sharedmemory", "semaphores"] {
            if let Some(rows) = v.get(key) {
                for r in rows.as_array().expect("array") {
                    assert!(r["key"].is_i64() || r["key"].is_u64(), "{r}");
                    assert!(r["perms"].is_u64() && r["owner"].is_string(), "{r}");
                }
            }
        }
        assert!(v.get("messages").is_some(), "{}", out.stdout);
        return;
    }
    if args.contains(&"--raw") {
        let mut ncols = 0;
        for line in out.stdout.lines() {
            if line.starts_with("key ") {
                ncols = line.split(' ').count();
            } else {
                assert!(ncols > 0, "a row before any header: {line:?}");
                assert_eq!(line.split(' ').count(), ncols, "raw row: {line:?}");
                assert!(line.starts_with("0x"), "{line:?}");
            }
        }
        return;
    }
    // tables: after a "------ Title --------" line comes a header; in the
    // default view ("key" first) rows have its fields (the shared memory
    // status may be empty); the other views have dates with blanks, so
    // their rows only have to start with an id
    let mut header: Option<(bool, usize)> = None;
    let mut after_title = false;
    for line in out.stdout.lines() {
        if line.starts_with("------ ") {
            after_title = true;
            header = None;
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        if after_title {
            after_title = false;
            let first = line.split_whitespace().next().unwrap_or("");
            if ["key", "shmid", "msqid", "semid"].contains(&first) {
                header = Some((first == "key", line.split_whitespace().count()));
            }
            continue;
        }
        if let Some((keyed, n)) = header {
            let got = line.split_whitespace().count();
            let first = line.split_whitespace().next().unwrap();
            if keyed {
                assert!(got == n || got == n - 1, "row of ipcs-rs {args:?} has {got} fields, header {n}: {line:?}");
                assert!(first.starts_with("0x"), "{line:?}");
            } else {
                assert!(first.parse::<i64>().is_ok(), "row of ipcs-rs {args:?}: {line:?}");
            }
        }
    }
}

/// Keep `width` short-lived processes in new namespaces alive until `stop`.
fn process_churn(stop: &AtomicBool, made: &AtomicUsize, width: usize) {
    let us = tool_path("unshare-rs");
    let recipes: Vec<Cmd> = vec![
        util_linux("unshare").args(["-f", "-n", "-u", "sh", "-c", "sleep 0.02"]),
        Cmd::new(&us).args(["-fp", "--mount-proc", "sleep", "0.03"]),
        util_linux("unshare").args(["-r", "-n", "-i", "sleep", "0.02"]).as_nobody(),
        Cmd::new(&us).args(["-i", "-C", "-T", "-f", "sleep", "0.01"]),
        Cmd::new(&us).args(["-r", "-m", "-u", "sleep", "0.02"]).as_nobody(),
        util_linux("unshare").args(["--kill-child", "-fp", "-U", "-C", "sh", "-c", "sleep 0.02 & sleep 0.01"]),
    ];
    let mut alive: VecDeque<std::process::Child> = VecDeque::new();
    let mut i = 0;
    while !stop.load(Ordering::Relaxed) {
        if alive.len() >= width {
            let mut c = alive.pop_front().unwrap();
            let _ = c.wait();
        }
        let mut c = recipes[i % recipes.len()].command();
        c.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
        alive.push_back(c.spawn().expect("spawn churn"));
        made.fetch_add(1, Ordering::Relaxed);
        i += 1;
    }
    for mut c in alive {
        let _ = c.wait();
    }
}

#[test]
fn lsns_and_ipcs_stay_well_formed_under_churn() {
    if !require_root() {
        return;
    }
    let started = Instant::now();
    // lsns-rs and ipcs-rs take turns: `runs()` of each
    let total = 2 * runs();
    let sandbox = Sandbox::new(&["-i"]);
    let dir = TempDir::new("churn");
    let stop_file = dir.join("stop");
    // IPC churn: create objects of every kind, remove them again, with
    // util-linux's tools and ours, until the stop file appears (their
    // messages — the two loops race for the same objects — go nowhere: a
    // full pipe would stall a loop)
    let loops = [
        format!(
            "n=0; while [ ! -e {s} ]; do ipcmk -Q -M 4096 -S 3; ipcmk -Q; ipcrm -a; n=$((n+1)); done >/dev/null 2>&1; echo $n",
            s = stop_file.display()
        ),
        format!(
            "n=0; while [ ! -e {s} ]; do {mk} -M 8192; {mk} -S 1 -Q; {rm} --all=msg; {rm} --all=shm; {rm} --all=sem; \
             n=$((n+1)); done >/dev/null 2>&1; echo $n",
            s = stop_file.display(),
            mk = tool_path("ipcmk-rs").display(),
            rm = tool_path("ipcrm-rs").display()
        ),
    ];
    let mut ipc_churners: Vec<std::process::Child> = loops
        .iter()
        .map(|script| {
            let mut c = sandbox.wrap(Cmd::new("sh").args(["-c", script])).command();
            c.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
            c.spawn().expect("ipc churn")
        })
        .collect();
    let stop = AtomicBool::new(false);
    let made = AtomicUsize::new(0);
    let workers = 4;
    let outcome = std::thread::scope(|s| {
        let churn = s.spawn(|| process_churn(&stop, &made, 6));
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let sandbox = &sandbox;
                s.spawn(move || {
                    for i in (w..total).step_by(workers) {
                        if i % 2 == 0 {
                            let args = LSNS[(i / 2) % LSNS.len()];
                            check_lsns(args, &tool("lsns-rs").args(args).run());
                        } else {
                            let args = IPCS[(i / 2) % IPCS.len()];
                            check_ipcs(args, &sandbox.wrap(tool("ipcs-rs").args(args)).run());
                        }
                    }
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
        stop.store(true, Ordering::Relaxed);
        let _ = churn.join();
        results
    });
    std::fs::write(&stop_file, b"").unwrap();
    let mut cycles = Vec::new();
    for c in ipc_churners.drain(..) {
        let out = c.wait_with_output().expect("ipc churn");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "ipc churn failed: {err}");
        cycles.push(String::from_utf8_lossy(&out.stdout).trim().parse::<usize>().unwrap_or(0));
    }
    for r in outcome {
        if let Err(e) = r {
            std::panic::resume_unwind(e);
        }
    }
    // the churn did happen while we looked
    let processes = made.load(Ordering::Relaxed);
    assert!(processes >= 20, "only {processes} churn processes");
    assert!(cycles.iter().all(|&n| n >= 3 && n >= total / 20), "IPC churn cycles: {cycles:?}");
    let line = format!(
        "\nchurn: {total} runs, half lsns-rs ({} views), half ipcs-rs ({} views), in {:.1} s beside {processes} namespace processes and {cycles:?} IPC cycles\n",
        LSNS.len(),
        IPCS.len(),
        started.elapsed().as_secs_f64()
    );
    let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), line.as_bytes());
}

/// The namespace trees of lsns-rs need a namespace's parent and owner,
/// asked of a descriptor opened again after the scan. Meanwhile a bind
/// mount that held a namespace may go (leaving the plain file under it) and
/// a descriptor number may be reused: lsns-rs must then skip the namespace,
/// not report "Unsupported ioctl" and exit 2 (found by the churn soak).
#[test]
fn lsns_trees_while_namespace_bind_mounts_come_and_go() {
    if !require_root() {
        return;
    }
    let dir = TempDir::private("lsnsmnt");
    let file = dir.touch("user");
    // a user namespace held only by a bind mount, made and unmounted in a
    // loop, in a mount namespace of its own: the binds never reach the host's
    // mount table (where other tests copy it) and go when the loop does
    let script = format!(
        "while [ ! -e {d}/stop ]; do {us} --user={f} -r true && umount {f}; done",
        d = dir.path().display(),
        us = tool_path("unshare-rs").display(),
        f = file.display()
    );
    let mut looper = util_linux("unshare").args(["-m", "--propagation", "private", "sh", "-c", &script]).command();
    looper.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    let mut looper = nsutils_tests::ChildGuard(looper.spawn().expect("loop"));
    // lsns-rs reads the bind mounts of the mount namespace it runs in
    let pid = looper.0.id().to_string();
    let runs = runs() * 3 / 10;
    let mut seen = 0;
    for i in 0..runs {
        let args: &[&str] = if i % 2 == 0 { &["-r", "-T"] } else { &["-J", "--tree=parent", "-t", "user"] };
        let out = util_linux("nsenter").args(["-t", &pid, "-m", "--"]).arg(tool_path("lsns-rs")).args(args).run();
        check_lsns(args, &out);
        seen += usize::from(out.stdout.contains("\"nprocs\": 0,"));
    }
    // the race is only exercised if the bind-held namespace was listed
    assert!(seen > 0, "no run saw the namespace the bind mount holds");
    dir.touch("stop");
    let _ = looper.0.wait();
    assert!(!nsutils_tests::is_mounted(&file), "the loop's bind mount reached this mount namespace");
}
