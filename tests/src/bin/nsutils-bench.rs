//! Side-by-side timing of nsutils against util-linux, and the kernel floor.
//!
//! ```text
//! nsutils-bench compare <iterations> <name> -- <ours argv> -- <theirs argv> [-- <floor argv>]
//! nsutils-bench floor-lsns      # only the syscalls lsns needs: stat /proc/*/ns/*, read /proc/*/stat
//! nsutils-bench floor-ipcs      # only read /proc/sysvipc/{msg,shm,sem}
//! ```
//!
//! `compare` runs the commands interleaved (ours, theirs, ours, … with the
//! order flipped every round so neither side always runs on a warm cache),
//! each spawned the same way, stdout to /dev/null, and prints one
//! tab-separated line: name, median µs ours, median µs theirs, ratio,
//! peak RSS KiB ours, theirs, [median µs floor]. Process start-up is part of
//! what is measured: it is part of what users wait for.

use std::ffi::OsString;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

/// One run: wall time in µs and peak RSS in KiB.
fn run_once(argv: &[OsString]) -> Result<(f64, i64), String> {
    let start = Instant::now();
    let child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", argv[0].to_string_lossy()))?;
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: all-zero rusage is a valid out-buffer.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointers; pid is our child, reaped here (not by Child).
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed().as_secs_f64() * 1e6;
    std::mem::forget(child);
    if r < 0 {
        return Err(format!("wait4: {}", std::io::Error::last_os_error()));
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!("{} failed (status {status:#x})", argv[0].to_string_lossy()));
    }
    Ok((elapsed, usage.ru_maxrss))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn compare(iterations: usize, name: &str, cmds: &[Vec<OsString>]) -> Result<(), String> {
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(iterations); cmds.len()];
    let mut rss = vec![0i64; cmds.len()];
    // warm-up: page cache, dentries
    for c in cmds {
        for _ in 0..3 {
            run_once(c)?;
        }
    }
    for i in 0..iterations {
        let order: Vec<usize> = if i % 2 == 0 { (0..cmds.len()).collect() } else { (0..cmds.len()).rev().collect() };
        for k in order {
            let (t, r) = run_once(&cmds[k])?;
            times[k].push(t);
            rss[k] = rss[k].max(r);
        }
    }
    let med: Vec<f64> = times.iter_mut().map(|t| median(t)).collect();
    let mut line = format!("{name}\t{:.0}\t{:.0}\t{:.2}\t{}\t{}", med[0], med[1], med[0] / med[1], rss[0], rss[1]);
    if let Some(f) = med.get(2) {
        line.push_str(&format!("\t{f:.0}"));
    }
    println!("{line}");
    Ok(())
}

/// The syscalls lsns cannot avoid: list /proc, stat every ns link, read stat.
fn floor_lsns() {
    let mut n = 0u64;
    let mut buf = Vec::with_capacity(1024);
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let name = e.file_name();
        if !name.as_encoded_bytes().iter().all(u8::is_ascii_digit) {
            continue;
        }
        let base = e.path();
        for ns in ["mnt", "net", "pid", "uts", "ipc", "user", "cgroup", "time"] {
            if std::fs::metadata(base.join("ns").join(ns)).is_ok() {
                n += 1;
            }
        }
        buf.clear();
        if let Ok(mut f) = std::fs::File::open(base.join("stat")) {
            use std::io::Read;
            let _ = f.read_to_end(&mut buf);
        }
    }
    std::hint::black_box(n);
}

/// The reads ipcs -a cannot avoid.
fn floor_ipcs() {
    for f in ["/proc/sysvipc/shm", "/proc/sysvipc/msg", "/proc/sysvipc/sem"] {
        std::hint::black_box(std::fs::read(f).map(|v| v.len()).unwrap_or(0));
    }
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    match args.first().and_then(|a| a.to_str()) {
        Some("floor-lsns") => floor_lsns(),
        Some("floor-ipcs") => floor_ipcs(),
        Some("compare") if args.len() > 4 => {
            let iterations: usize = args[1].to_str().and_then(|s| s.parse().ok()).unwrap_or(100);
            let name = args[2].to_string_lossy().into_owned();
            let cmds: Vec<Vec<OsString>> =
                args[3..].split(|a| a == "--").filter(|c| !c.is_empty()).map(<[OsString]>::to_vec).collect();
            if cmds.len() < 2 {
                eprintln!("nsutils-bench: compare needs two commands separated by --");
                return ExitCode::FAILURE;
            }
            if let Err(e) = compare(iterations, &name, &cmds) {
                eprintln!("nsutils-bench: {name}: {e}");
                return ExitCode::FAILURE;
            }
        }
        _ => {
            eprintln!(
                "usage: nsutils-bench compare N NAME -- OURS... -- THEIRS... [-- FLOOR...] | floor-lsns | floor-ipcs"
            );
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
