//! The measuring half of `make bench` (bench/run.sh drives it): timing of
//! nsutils against util-linux, peak memory, the kernel floors, and the
//! states the scale runs need.
//!
//! ```text
//! nsutils-bench compare [-n N] [-w WARMUP] [--same-output] NAME -- LABEL CMD... -- LABEL CMD... [-- ...]
//! nsutils-bench rss LABEL CMD...          peak RSS (VmHWM) of CMD's own image, in KiB
//! nsutils-bench floor-lsns [--fds] [TYPE...]
//! nsutils-bench floor-ipcs
//! nsutils-bench floor-unshare net|pid-mount-proc   what `unshare -fn true` / `-fpm --mount-proc true` must do
//! nsutils-bench floor-nsenter PID                  what `nsenter -t PID -a true` must do
//! nsutils-bench fill-ipc N                N queues, N segments, N semaphore sets here
//! nsutils-bench pcount                    processes in /proc
//! ```
//!
//! `compare` runs the commands interleaved — each round runs every command
//! once, the order rotating every round so none always runs first (on a
//! cold cache) or right after a given other — spawned the same way, stdin
//! and stdout on /dev/null. It prints one tab-separated line per command:
//! NAME, LABEL, median wall µs, median CPU µs (user + system, children
//! included), minimum wall µs, runs. Start-up is part of what is measured:
//! it is part of what users wait for. `--same-output` first checks that
//! every command but those labelled `floor…` prints what the first prints. The CPU time is the steadier number
//! on a shared machine, where wall time includes waiting for a core.

use std::ffi::OsString;
use std::fs;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

type Res<T> = Result<T, String>;

/// One timed run: wall µs and CPU µs (user + system).
fn run_once(argv: &[OsString]) -> Res<(f64, f64)> {
    let start = Instant::now();
    let child = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", argv[0].to_string_lossy()))?;
    let (status, usage) = wait4(child.id() as libc::pid_t)?;
    let elapsed = start.elapsed().as_secs_f64() * 1e6;
    // reaped by wait4 above, not by Child
    std::mem::forget(child);
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!("{} failed (wait status {status:#x})", show(argv)));
    }
    let tv = |t: libc::timeval| t.tv_sec as f64 * 1e6 + t.tv_usec as f64;
    Ok((elapsed, tv(usage.ru_utime) + tv(usage.ru_stime)))
}

fn wait4(pid: libc::pid_t) -> Res<(i32, libc::rusage)> {
    let mut status = 0;
    // SAFETY: all-zero rusage is a valid out-buffer.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: valid pointers; pid is our child.
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r >= 0 {
            return Ok((status, usage));
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4: {e}"));
        }
    }
}

fn show(argv: &[OsString]) -> String {
    argv.iter().map(|a| a.to_string_lossy()).collect::<Vec<_>>().join(" ")
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// stdout of one run, for `--same-output`.
fn output_of(argv: &[OsString]) -> Res<Vec<u8>> {
    let out = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{}: {e}", argv[0].to_string_lossy()))?;
    if !out.status.success() {
        return Err(format!("{} failed: {}", show(argv), String::from_utf8_lossy(&out.stderr)));
    }
    Ok(out.stdout)
}

struct Compare {
    iterations: usize,
    warmup: usize,
    same_output: bool,
    name: String,
    cmds: Vec<(String, Vec<OsString>)>,
}

fn compare(c: &Compare) -> Res<()> {
    if c.same_output {
        let first = output_of(&c.cmds[0].1)?;
        for (label, argv) in c.cmds[1..].iter().filter(|(l, _)| !l.starts_with("floor")) {
            if output_of(argv)? != first {
                return Err(format!("{label}: output differs from {}'s", c.cmds[0].0));
            }
        }
    }
    let k = c.cmds.len();
    let mut wall: Vec<Vec<f64>> = vec![Vec::with_capacity(c.iterations); k];
    let mut cpu: Vec<Vec<f64>> = vec![Vec::with_capacity(c.iterations); k];
    // warm-up: page cache, dentries, the binaries' pages
    for (_, argv) in &c.cmds {
        for _ in 0..c.warmup {
            run_once(argv)?;
        }
    }
    for i in 0..c.iterations {
        for j in 0..k {
            // rotate the order, and reverse it every other cycle
            let idx = if (i / k) % 2 == 0 { (i + j) % k } else { (i + k - j) % k };
            let (w, u) = run_once(&c.cmds[idx].1)?;
            wall[idx].push(w);
            cpu[idx].push(u);
        }
    }
    let mut stdout = std::io::stdout().lock();
    for (j, (label, _)) in c.cmds.iter().enumerate() {
        let min = wall[j].iter().copied().fold(f64::INFINITY, f64::min);
        let (w, u) = (median(&mut wall[j]), median(&mut cpu[j]));
        writeln!(stdout, "{}\t{label}\t{w:.0}\t{u:.0}\t{min:.0}\t{}", c.name, c.iterations)
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Peak resident set of the program's own image: `VmHWM` read at its exit
/// (a ptrace exit stop). Not `ru_maxrss`: the kernel carries the forking
/// process's high-water mark over the exec into it.
fn rss(argv: &[OsString]) -> Res<u64> {
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    // SAFETY: ptrace(PTRACE_TRACEME) is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            if libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    };
    let child = cmd.spawn().map_err(|e| format!("{}: {e}", argv[0].to_string_lossy()))?;
    let pid = child.id() as libc::pid_t;
    std::mem::forget(child);
    let mut hwm = None;
    let mut status = 0;
    loop {
        // SAFETY: plain waitpid on our child.
        if unsafe { libc::waitpid(pid, &mut status, 0) } < 0 {
            return Err(format!("waitpid: {}", std::io::Error::last_os_error()));
        }
        if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
            break;
        }
        let sig = libc::WSTOPSIG(status);
        let mut pass = 0;
        if sig == libc::SIGTRAP && status >> 16 == libc::PTRACE_EVENT_EXIT {
            let s = fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            hwm = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
        } else if sig == libc::SIGTRAP && status >> 8 == libc::SIGTRAP {
            // the stop after exec: ask for a stop at exit
            // SAFETY: pid is our stopped tracee.
            unsafe { libc::ptrace(libc::PTRACE_SETOPTIONS, pid, 0, libc::PTRACE_O_TRACEEXIT) };
        } else {
            pass = sig;
        }
        // SAFETY: pid is our stopped tracee.
        unsafe { libc::ptrace(libc::PTRACE_CONT, pid, 0, pass) };
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        return Err(format!("{} failed (wait status {status:#x})", show(argv)));
    }
    hwm.ok_or_else(|| "no VmHWM".to_string())
}

/// The decimal names in a /proc directory listing.
fn numeric_entries(dir: &str) -> Vec<Vec<u8>> {
    fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().as_bytes().to_vec())
        .filter(|n| !n.is_empty() && n.iter().all(u8::is_ascii_digit))
        .collect()
}

fn cpath(parts: &[&[u8]]) -> Vec<u8> {
    let mut v: Vec<u8> = parts.concat();
    v.push(0);
    v
}

fn statat(dir: i32, path: &[u8]) -> Option<libc::stat> {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: path is NUL-terminated, st a valid out-buffer.
    let r = unsafe { libc::fstatat(dir, path.as_ptr().cast(), st.as_mut_ptr(), 0) };
    // SAFETY: fstatat filled st on success.
    (r == 0).then(|| unsafe { st.assume_init() })
}

fn openat(dir: i32, path: &[u8], flags: i32) -> Option<OwnedFd> {
    // SAFETY: path is NUL-terminated.
    let fd = unsafe { libc::openat(dir, path.as_ptr().cast(), flags | libc::O_CLOEXEC) };
    // SAFETY: a fresh descriptor we own.
    (fd >= 0).then(|| unsafe { OwnedFd::from_raw_fd(fd) })
}

/// What lsns cannot avoid asking the kernel: list /proc, stat each
/// requested /proc/PID/ns/TYPE link, and with `fds` (what lsns ≥ 2.41 does
/// to find namespaces held only by a descriptor) list /proc/PID/fd and
/// stat every descriptor. No parsing, no output, no bookkeeping.
fn floor_lsns(fds: bool, types: &[String]) -> u64 {
    let all = ["mnt", "net", "pid", "uts", "ipc", "user", "cgroup", "time"];
    let types: Vec<&str> = if types.is_empty() { all.to_vec() } else { types.iter().map(String::as_str).collect() };
    let Some(proc_dir) = openat(libc::AT_FDCWD, b"/proc\0", libc::O_RDONLY | libc::O_DIRECTORY) else {
        return 0;
    };
    let proc_fd = proc_dir.as_raw_fd();
    let mut seen = 0u64;
    for pid in numeric_entries("/proc") {
        for t in &types {
            if let Some(st) = statat(proc_fd, &cpath(&[&pid, b"/ns/", t.as_bytes()])) {
                seen ^= st.st_ino;
            }
        }
        if !fds {
            continue;
        }
        let Some(dir) = openat(proc_fd, &cpath(&[&pid, b"/fd"]), libc::O_RDONLY | libc::O_DIRECTORY) else {
            continue;
        };
        let mut buf = [0u8; 8192];
        loop {
            // SAFETY: buf is writable for its length.
            let n = unsafe { libc::syscall(libc::SYS_getdents64, dir.as_raw_fd(), buf.as_mut_ptr(), buf.len()) };
            if n <= 0 {
                break;
            }
            let mut pos = 0;
            while pos < n as usize {
                let reclen = u16::from_ne_bytes([buf[pos + 16], buf[pos + 17]]) as usize;
                let name = &buf[pos + 19..pos + reclen];
                let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
                if name.first().is_some_and(u8::is_ascii_digit) {
                    if let Some(st) = statat(dir.as_raw_fd(), &cpath(&[name])) {
                        seen ^= st.st_ino;
                    }
                }
                pos += reclen;
            }
        }
    }
    seen
}

/// What ipcs -a cannot avoid: read the three /proc/sysvipc tables.
fn floor_ipcs() -> usize {
    ["/proc/sysvipc/shm", "/proc/sysvipc/msg", "/proc/sysvipc/sem"]
        .iter()
        .map(|f| {
            let mut v = Vec::new();
            fs::File::open(f).and_then(|mut f| f.read_to_end(&mut v)).map(|_| v.len()).unwrap_or(0)
        })
        .sum()
}

/// Run `true` (searched in $PATH as the tools do) in a child; its status.
fn fork_exec_true_and_wait(in_child: impl FnOnce() -> bool) -> Res<()> {
    // SAFETY: the child only makes async-signal-safe calls before exec.
    match unsafe { libc::fork() } {
        -1 => Err(format!("fork: {}", std::io::Error::last_os_error())),
        0 => {
            if in_child() {
                // SAFETY: NUL-terminated argv ending in NULL.
                unsafe { libc::execvp(c"true".as_ptr(), [c"true".as_ptr(), std::ptr::null()].as_ptr()) };
            }
            // SAFETY: leaving the forked child at once.
            unsafe { libc::_exit(127) }
        }
        pid => match wait4(pid)?.0 {
            0 => Ok(()),
            st => Err(format!("child: wait status {st:#x}")),
        },
    }
}

/// The syscalls of `unshare -fn true` (`net`) or `unshare -fpm
/// --mount-proc true` (`pid-mount-proc`), nothing else.
fn floor_unshare(mode: &str) -> Res<()> {
    let pid_mount = mode == "pid-mount-proc";
    let flags = if pid_mount { libc::CLONE_NEWNS | libc::CLONE_NEWPID } else { libc::CLONE_NEWNET };
    // SAFETY: plain syscall.
    if unsafe { libc::unshare(flags) } < 0 {
        return Err(format!("unshare: {}", std::io::Error::last_os_error()));
    }
    fork_exec_true_and_wait(|| {
        !pid_mount || {
            // SAFETY: valid NUL-terminated strings.
            unsafe {
                libc::mount(
                    c"none".as_ptr(),
                    c"/".as_ptr(),
                    std::ptr::null(),
                    libc::MS_REC | libc::MS_PRIVATE,
                    std::ptr::null(),
                ) == 0
                    && libc::mount(
                        c"proc".as_ptr(),
                        c"/proc".as_ptr(),
                        c"proc".as_ptr(),
                        libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
                        std::ptr::null(),
                    ) == 0
            }
        }
    })
}

/// The syscalls of `nsenter -t PID -a true` for a target in its own
/// namespaces of every type but user: open them (and its root and cwd),
/// setns into each, chroot, fork (the PID namespace), exec, wait.
fn floor_nsenter(pid: &str) -> Res<()> {
    let open = |what: &str| {
        openat(libc::AT_FDCWD, &cpath(&[b"/proc/", pid.as_bytes(), b"/", what.as_bytes()]), libc::O_RDONLY)
            .ok_or_else(|| format!("/proc/{pid}/{what}: {}", std::io::Error::last_os_error()))
    };
    let types = ["cgroup", "ipc", "uts", "net", "pid", "mnt", "time"];
    let fds: Vec<OwnedFd> = types.iter().map(|t| open(&format!("ns/{t}"))).collect::<Res<_>>()?;
    let (root, cwd) = (open("root")?, open("cwd")?);
    for (t, fd) in types.iter().zip(&fds) {
        // SAFETY: fd is an open namespace file.
        if unsafe { libc::setns(fd.as_raw_fd(), 0) } < 0 {
            return Err(format!("setns {t}: {}", std::io::Error::last_os_error()));
        }
    }
    // SAFETY: open directory descriptors and a valid path.
    unsafe {
        if libc::fchdir(root.as_raw_fd()) < 0 || libc::chroot(c".".as_ptr()) < 0 || libc::fchdir(cwd.as_raw_fd()) < 0 {
            return Err(format!("chroot: {}", std::io::Error::last_os_error()));
        }
    }
    drop((fds, root, cwd));
    fork_exec_true_and_wait(|| true)
}

/// Fill this IPC namespace: n queues (every tenth holding a message), n
/// segments, n semaphore sets of two, after raising this namespace's limits
/// (kernel.msgmni, kernel.shmmni and kernel.sem are per IPC namespace).
fn fill_ipc(n: usize) -> Res<()> {
    let cap = (n + 16).max(32000);
    let set = |name: &str, value: String| {
        fs::write(format!("/proc/sys/kernel/{name}"), value).map_err(|e| format!("kernel.{name}: {e}"))
    };
    set("msgmni", cap.to_string())?;
    set("shmmni", cap.min(32768).to_string())?;
    let sem = fs::read_to_string("/proc/sys/kernel/sem").map_err(|e| e.to_string())?;
    let f: Vec<&str> = sem.split_whitespace().collect();
    if f.len() != 4 {
        return Err(format!("kernel.sem: unexpected {sem:?}"));
    }
    let semmns: usize = f[1].parse().unwrap_or(0);
    set("sem", format!("{} {} {} {}", f[0], semmns.max(4 * n), f[2], cap.min(32768)))?;
    #[repr(C)]
    struct Msg {
        mtype: libc::c_long,
        text: [u8; 16],
    }
    let msg = Msg { mtype: 1, text: *b"nsutils bench   " };
    for i in 0..n {
        let key = 0x1000_0000 + i as libc::key_t;
        // SAFETY: plain System V calls with valid arguments.
        let (q, m, s) = unsafe {
            (
                libc::msgget(key, libc::IPC_CREAT | 0o644),
                libc::shmget(key, 4096, libc::IPC_CREAT | 0o600),
                libc::semget(key, 2, libc::IPC_CREAT | 0o640),
            )
        };
        if q < 0 || m < 0 || s < 0 {
            return Err(format!("object {i}: {}", std::io::Error::last_os_error()));
        }
        if i % 10 == 0 {
            // SAFETY: msg is a valid message with 16 bytes of text.
            unsafe { libc::msgsnd(q, (&msg as *const Msg).cast(), 16, libc::IPC_NOWAIT) };
        }
    }
    Ok(())
}

fn parse_compare(args: &[OsString]) -> Res<Compare> {
    let mut c = Compare { iterations: 100, warmup: 3, same_output: false, name: String::new(), cmds: Vec::new() };
    let num = |v: Option<&OsString>| -> Res<usize> {
        v.and_then(|s| s.to_str()).and_then(|s| s.parse().ok()).ok_or_else(|| "bad number".to_string())
    };
    let mut i = 0;
    while i < args.len() && args[i] != "--" {
        match args[i].to_str() {
            Some("-n") => {
                c.iterations = num(args.get(i + 1))?;
                i += 1;
            }
            Some("-w") => {
                c.warmup = num(args.get(i + 1))?;
                i += 1;
            }
            Some("--same-output") => c.same_output = true,
            _ => c.name = args[i].to_string_lossy().into_owned(),
        }
        i += 1;
    }
    for group in args[i..].split(|a| a == "--").filter(|g| !g.is_empty()) {
        if group.len() < 2 {
            return Err("each command needs a label and a program".into());
        }
        c.cmds.push((group[0].to_string_lossy().into_owned(), group[1..].to_vec()));
    }
    if c.cmds.is_empty() || c.name.is_empty() || c.iterations == 0 {
        return Err("usage: compare [-n N] [-w W] [--same-output] NAME -- LABEL CMD... [-- LABEL CMD...]".into());
    }
    Ok(c)
}

fn real_main(args: &[OsString]) -> Res<()> {
    let rest: Vec<String> = args.iter().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    match args.first().and_then(|a| a.to_str()) {
        Some("compare") => compare(&parse_compare(&args[1..])?),
        Some("rss") if args.len() > 2 => {
            println!("{}\t{}", args[1].to_string_lossy(), rss(&args[2..])?);
            Ok(())
        }
        Some("floor-lsns") => {
            let fds = rest.first().is_some_and(|a| a == "--fds");
            std::hint::black_box(floor_lsns(fds, &rest[usize::from(fds)..]));
            Ok(())
        }
        Some("floor-ipcs") => {
            std::hint::black_box(floor_ipcs());
            Ok(())
        }
        Some("floor-unshare") => floor_unshare(rest.first().map_or("", String::as_str)),
        Some("floor-nsenter") => floor_nsenter(rest.first().ok_or("floor-nsenter PID")?),
        Some("fill-ipc") => fill_ipc(rest.first().and_then(|n| n.parse().ok()).ok_or("fill-ipc N")?),
        Some("pcount") => {
            println!("{}", numeric_entries("/proc").len());
            Ok(())
        }
        _ => Err("usage: nsutils-bench compare|rss|floor-lsns|floor-ipcs|fill-ipc|pcount (see the source)".into()),
    }
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    match real_main(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nsutils-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
