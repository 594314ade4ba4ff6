//! unshare-rs against the real kernel: the seeds' scenarios, user, time,
//! cgroup and PID namespaces, persistence, exit statuses and signals, fd
//! hygiene and bad input — and, wherever util-linux 2.38.1 and upstream
//! HEAD agree, the same command through `/usr/bin/unshare`.
//!
//! Every test isolates itself (private namespaces, unique names, a private
//! TempDir for bind mounts) and cleans up on drop, so they run in parallel
//! and never change the host.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout};
use std::time::Duration;

use nsutils_tests::subids::SubidFiles;
use nsutils_tests::{
    assert_same_with, children_of, comm_of, differential, is_mounted, ns_link, proc_state, require_root, skip, tool,
    tool_path, unique_name, util_linux, wait_until, without_hints, without_proc_pids, Cmd, NetnsGuard, Output, Sandbox,
    TempDir, STD_PATH,
};
use nsutils_tests::{differential_head, Sleeper};

fn us() -> Cmd {
    tool("unshare-rs")
}

fn nobody(c: Cmd) -> Cmd {
    c.as_nobody().env("PATH", STD_PATH)
}

/// The same argv through ours (named `unshare`) and util-linux's; stdout,
/// exit status and stderr must match (hint lines aside).
#[track_caller]
fn same(args: &[&str]) {
    same_wrapped(args, |c| c)
}

#[track_caller]
fn same_wrapped(args: &[&str], wrap: impl Fn(Cmd) -> Cmd) {
    let (ours, theirs) = differential("unshare", args, wrap);
    assert_same_with(&ours, &theirs, without_hints);
}

fn python() -> &'static str {
    if Path::new("/usr/bin/python3").exists() {
        "/usr/bin/python3"
    } else {
        "python3"
    }
}

/// The pids whose command line contains `needle` (ours and helpers alike).
fn processes_with(needle: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        if let Ok(cmd) = std::fs::read(format!("/proc/{pid}/cmdline")) {
            if String::from_utf8_lossy(&cmd).contains(needle) {
                found.push(pid);
            }
        }
    }
    found
}

fn dead(pid: u32) -> bool {
    matches!(proc_state(pid), None | Some('Z') | Some('X'))
}

/// A background process and all its descendants, SIGKILLed on drop (the
/// children first: without --kill-child they outlive unshare-rs).
struct Tree(Child, Option<BufReader<ChildStdout>>);

impl Tree {
    fn pid(&self) -> u32 {
        self.0.id()
    }

    fn descendants(&self) -> Vec<u32> {
        let mut all = Vec::new();
        let mut todo = vec![self.pid()];
        while let Some(p) = todo.pop() {
            for c in children_of(p) {
                all.push(c);
                todo.push(c);
            }
        }
        all
    }

    /// Read one line of the process's stdout.
    fn line(&mut self) -> String {
        let out = self.1.as_mut().expect("piped stdout");
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        line
    }

    fn signal(&self, sig: i32) {
        // SAFETY: kill has no memory effects; the pid is our unreaped child.
        unsafe { libc::kill(self.pid() as i32, sig) };
    }

    fn wait(&mut self) -> std::process::ExitStatus {
        self.0.wait().unwrap()
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        for p in self.descendants() {
            // SAFETY: as above; a stale pid at worst gets ESRCH.
            unsafe { libc::kill(p as i32, libc::SIGKILL) };
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(c: Cmd) -> Tree {
    let mut child = c.spawn();
    let out = child.stdout.take().map(BufReader::new);
    Tree(child, out)
}

// ---------------------------------------------------------------- the seeds

#[test]
fn uts_hostname_changes_inside_only() {
    if !require_root() {
        return;
    }
    let before = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let name = unique_name("h");
    us().args(["-u", "sh", "-c", &format!("hostname {name}; hostname")])
        .run()
        .success()
        .stdout_is(&format!("{name}\n"));
    assert_eq!(std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap(), before);
}

#[test]
fn ipc_hides_a_queue_made_with_ipcmk() {
    if !require_root() {
        return;
    }
    // the queue lives in a private IPC namespace that dies with the sandbox
    let sandbox = Sandbox::new(&["-i"]);
    let made = sandbox.sh("ipcmk -Q");
    made.success();
    let id = made.stdout.split_whitespace().last().unwrap().to_string();
    let has_queue = |o: &Output| o.stdout.lines().any(|l| l.split_whitespace().nth(1) == Some(id.as_str()));
    assert!(has_queue(&sandbox.sh("ipcs -q")), "queue {id} not visible in the sandbox");
    let inside = sandbox.wrap(us().args(["-i", "ipcs", "-q"])).run();
    inside.success();
    assert!(!has_queue(&inside), "queue {id} visible inside unshare-rs -i:\n{}", inside.stdout);
    same_wrapped(&["-i", "ipcs", "-q"], |c| sandbox.wrap(c));
}

#[test]
fn pid_namespace_with_mount_proc_shows_pid_1_and_only_its_own_processes() {
    if !require_root() {
        return;
    }
    let out = us().args(["-fp", "--mount-proc", "sh", "-c", "echo $$; ps -e -o pid=,comm="]).run();
    out.success();
    let lines: Vec<&str> = out.stdout.lines().map(str::trim).collect();
    assert_eq!(lines, ["1", "1 sh", "2 ps"], "{}", out.stdout);
    // the host's /proc is untouched
    assert!(Path::new(&format!("/proc/{}", std::process::id())).exists());
    same(&["-p", "-f", "--mount-proc", "sh", "-c", "echo $$; readlink /proc/1/exe"]);
}

#[test]
fn net_namespace_has_only_lo() {
    if !require_root() {
        return;
    }
    let out = us().args(["-fn", "ip", "-o", "link"]).run();
    out.success();
    let names: Vec<&str> = out.stdout.lines().filter_map(|l| l.split(": ").nth(1)).collect();
    assert_eq!(names, ["lo"], "{}", out.stdout);
    let out = us().args(["-fn", "ip", "a"]).run();
    out.success().stdout_has("1: lo:");
    assert!(!out.stdout.contains("2: "), "{}", out.stdout);
}

#[test]
fn background_net_namespace_is_entered_with_nsenter() {
    if !require_root() {
        return;
    }
    let bg = spawn(us().args(["-fn", "sleep", "360"]));
    let pid = bg.pid();
    let host = ns_link(std::process::id(), "net");
    wait_until(10, "unshare-rs to unshare net", || {
        let l = ns_link(pid, "net");
        !l.is_empty() && l != host && !children_of(pid).is_empty()
    });
    let out = util_linux("nsenter").args(["-t", &pid.to_string(), "-n", "ip", "-o", "link"]).run();
    out.success();
    let names: Vec<&str> = out.stdout.lines().filter_map(|l| l.split(": ").nth(1)).collect();
    assert_eq!(names, ["lo"], "{}", out.stdout);
    // the forked sleep is in the same namespace
    let child = children_of(pid)[0];
    assert_eq!(ns_link(child, "net"), ns_link(pid, "net"));
}

/// `ip link del` on drop (deleting one end of a veth removes both).
struct LinkGuard(String);

impl Drop for LinkGuard {
    fn drop(&mut self) {
        let _ = Cmd::new("ip").args(["link", "del", &self.0]).run();
    }
}

#[test]
fn ip_netns_and_veth_walkthrough_with_a_persistent_namespace() {
    if !require_root() {
        return;
    }
    let ns = NetnsGuard::reserve_file("w");
    let file = ns.path();
    us().arg(format!("--net={}", file.display())).arg("true").run().success().no_stderr();
    let ino = std::fs::metadata(&file).unwrap().ino();
    assert!(is_mounted(&file));

    // ip netns sees it, and can run things in it
    Cmd::new("ip").args(["netns", "list"]).run().success().stdout_has(&ns.name);
    let inside = Cmd::new("ip").args(["netns", "exec", &ns.name, "readlink", "/proc/self/ns/net"]).run();
    inside.success().stdout_is(&format!("net:[{ino}]\n"));

    // a veth pair between the host and the namespace
    let n = std::process::id() % 100_000;
    let tag = unique_name("");
    let serial = tag.rsplit('x').next().unwrap_or("0").to_string();
    let (host_if, ns_if) = (format!("nsv{n}{serial}a"), format!("nsv{n}{serial}b"));
    let _link = LinkGuard(host_if.clone());
    Cmd::new("ip")
        .args(["link", "add", &host_if, "type", "veth", "peer", "name", &ns_if, "netns", &ns.name])
        .run()
        .success();
    let net = format!("10.{}.{}", 20 + n % 200, serial.parse::<u32>().unwrap_or(0) % 250);
    let (host_ip, ns_ip) = (format!("{net}.1"), format!("{net}.2"));
    Cmd::new("ip").args(["addr", "add", &format!("{host_ip}/30"), "dev", &host_if]).run().success();
    Cmd::new("ip").args(["link", "set", &host_if, "up"]).run().success();
    let setup = format!("ip addr add {ns_ip}/30 dev {ns_if} && ip link set {ns_if} up && ip link set lo up");
    Cmd::new("ip").args(["netns", "exec", &ns.name, "sh", "-c", &setup]).run().success();

    // traffic crosses: a TCP server in the namespace answers with its netns
    let server_py = "import os, socket, sys\n\
        s = socket.socket(); s.settimeout(30)\n\
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
        s.bind((sys.argv[1], 8471)); s.listen(1); print('ready', flush=True)\n\
        c, _ = s.accept(); c.sendall(os.readlink('/proc/self/ns/net').encode()); c.close()\n";
    let mut server = spawn(Cmd::new("ip").args(["netns", "exec", &ns.name, python(), "-c", server_py, &ns_ip]));
    assert_eq!(server.line(), "ready\n");
    let client_py = "import socket, sys\n\
        c = socket.create_connection((sys.argv[1], 8471), timeout=20)\n\
        print(c.recv(100).decode())\n";
    let got = Cmd::new(python()).args(["-c", client_py, &ns_ip]).timeout(Duration::from_secs(30)).run();
    got.success().stdout_is(&format!("net:[{ino}]\n"));
    assert!(server.wait().success());
    // everything goes on drop: the server, the veth pair, the namespace
}

// ------------------------------------------------------- user namespaces

#[test]
fn user_namespace_maps_as_an_ordinary_user() {
    if !require_root() {
        return;
    }
    let show = "cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u; id -g";
    let run = |args: &[&str]| {
        let mut a: Vec<&str> = args.to_vec();
        a.extend(["sh", "-c", show]);
        let out = nobody(us().args(&a)).run();
        out.success();
        let norm: Vec<String> =
            out.stdout.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
        same_wrapped(&a, nobody);
        norm
    };
    assert_eq!(run(&["-r"]), ["0 65534 1", "0 65534 1", "deny", "0", "0"]);
    assert_eq!(run(&["-c"]), ["65534 65534 1", "65534 65534 1", "deny", "65534", "65534"]);
    assert_eq!(run(&["--map-user=1000", "--map-group=1000"]), ["1000 65534 1", "1000 65534 1", "deny", "1000", "1000"]);
    assert_eq!(run(&["--map-user=daemon", "--map-group", "daemon"]), ["1 65534 1", "1 65534 1", "deny", "1", "1"]);
    assert_eq!(run(&["--map-user=7"]), ["7 65534 1", "allow", "7", "65534"]);
    // no map: the overflow ids, setgroups still allowed
    assert_eq!(run(&["-U"]), ["allow", "65534", "65534"]);
    assert_eq!(run(&["-U", "--setgroups", "deny"]), ["deny", "65534", "65534"]);
    // util-linux fails here (it writes deny again after gid_map); we need not
    let out = nobody(us().args(["-r", "--setgroups", "deny", "cat", "/proc/self/setgroups"])).run();
    out.success().stdout_is("deny\n");
}

#[test]
fn map_root_user_then_setgid_fails_like_util_linux() {
    if !require_root() {
        return;
    }
    let out = nobody(us().args(["-r", "-G", "0", "true"])).run();
    out.fails_with("unshare-rs", "setgroups failed: Operation not permitted", 1);
    same_wrapped(&["-r", "-G", "0", "true"], nobody);
    same(&["-U", "-r", "-S", "0", "-G", "0", "id"]);
    same(&["-r", "--setgroups", "allow", "true"]);
}

#[test]
fn keep_caps_raises_ambient_capabilities() {
    if !require_root() {
        return;
    }
    same_wrapped(&["-U", "-r", "--keep-caps", "grep", "Cap", "/proc/self/status"], nobody);
    same(&["-U", "-r", "grep", "Cap", "/proc/self/status"]);
    same(&["--keep-caps", "grep", "CapAmb", "/proc/self/status"]);
    let out = nobody(us().args(["-r", "--keep-caps", "grep", "CapAmb", "/proc/self/status"])).run();
    out.success();
    assert!(!out.stdout.contains("0000000000000000"), "{}", out.stdout);
}

fn norm_maps(out: &Output) -> Vec<String> {
    out.stdout.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect()
}

#[test]
fn ranges_as_root_are_written_directly() {
    if !require_root() {
        return;
    }
    let maps = ["cat", "/proc/self/uid_map", "/proc/self/gid_map"];
    // no newuidmap on PATH: root does not need it
    let run = |args: &[&str]| {
        let out = us().env("PATH", "/nowhere:/usr/bin:/bin").args(args).args(maps).run();
        out.success();
        norm_maps(&out)
    };
    let nowhere = |args: &[&str]| us().env("PATH", "/nowhere").args(args).arg("/bin/true").run();
    assert_eq!(
        run(&["--map-users=0:100000:65536", "--map-groups=0:100000:65536"]),
        ["0 100000 65536", "0 100000 65536"]
    );
    // deprecated spelling, and the single map punched into the range
    assert_eq!(
        run(&["--map-users=100000,0,65536", "--map-groups=100000,0,65536", "-r"]),
        ["0 0 1", "1 100000 65535", "0 0 1", "1 100000 65535"]
    );
    // a single group map beside user ranges is written by the child
    assert_eq!(run(&["--map-users=0:100000:65536", "-r"]), ["0 0 1", "1 100000 65535", "0 0 1"]);
    // repeated ranges add up
    assert_eq!(
        run(&["--map-users=0:100000:10", "--map-users=10:200000:10", "--map-groups=all"]),
        ["0 100000 10", "10 200000 10", "0 0 4294967295"]
    );
    assert_eq!(run(&["--map-users=all", "--map-groups=all"]), ["0 0 4294967295", "0 0 4294967295"]);
    nowhere(&["--map-users=0:100000:1"]).success();
    // overlapping ranges: the kernel refuses, with the map-write message
    let out = us().args(["--map-users=0:100000:10", "--map-users=5:200000:10", "true"]).run();
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.starts_with("unshare-rs: failed to write /proc/"), "{}", out.stderr);
    assert!(out.stderr.contains("/uid_map: Invalid argument\n"), "{}", out.stderr);
}

/// /etc/subuid and /etc/subgid of our own (see [`SubidFiles`]) giving
/// `nobody` the blocks 100000 and 200000.
fn subid_sandbox(test: &str) -> Option<SubidFiles> {
    let files = SubidFiles::new(test)?;
    files.write(b"# fake\nnobody:100000:65536\n", b"65534:200000:65536\n");
    Some(files)
}

fn in_sandbox_as_nobody(sandbox: &SubidFiles, args: &[&str]) -> Output {
    sandbox.wrap_nobody(us().args(args)).run()
}

#[test]
fn ranges_as_an_ordinary_user_go_through_newuidmap() {
    let Some(sandbox) = subid_sandbox("ranges_as_an_ordinary_user_go_through_newuidmap") else { return };
    let maps = ["cat", "/proc/self/uid_map", "/proc/self/gid_map"];
    let run = |args: &[&str]| {
        let out = in_sandbox_as_nobody(&sandbox, &[args, &maps[..]].concat());
        out.success();
        norm_maps(&out)
    };
    assert_eq!(run(&["--map-users=0:100000:10", "--map-groups=0:200000:10"]), ["0 100000 10", "0 200000 10"]);
    assert_eq!(run(&["--map-auto"]), ["0 100000 65536", "0 200000 65536"]);
    // an auto block keeps all its IDs beside the single map (util-linux 2.43)
    assert_eq!(run(&["--map-auto", "-r"]), ["0 65534 1", "1 100000 65536", "0 65534 1", "1 200000 65536"]);
    // -c: 65534 is among the block's inner IDs, which step over it
    assert_eq!(
        run(&["--map-users=auto", "--map-groups=auto", "-c"]),
        ["65534 65534 1", "0 100000 65534", "65535 165534 2", "65534 65534 1", "0 200000 65534", "65535 265534 2"]
    );
    assert_eq!(run(&["--map-subids"]), ["100000 100000 65536", "200000 200000 65536"]);
    // newuidmap refuses what /etc/subuid does not grant; its status is ours
    let out = in_sandbox_as_nobody(&sandbox, &["--map-users=0:300000:10", "true"]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    assert!(out.stderr.contains("newuidmap"), "{}", out.stderr);
    // a missing newuidmap: util-linux's message and 127, plus advice
    let out = sandbox
        .wrap(
            Cmd::new("setpriv")
                .args(["--reuid=65534", "--regid=65534", "--clear-groups", "env", "PATH=/nowhere"])
                .arg(nsutils_tests::tool_path("unshare-rs"))
                .args(["--map-users=0:100000:10", "/bin/true"]),
        )
        .run();
    out.fails_with("unshare-rs", "failed to execute newuidmap: No such file or directory", 127);
    out.stderr_has("hint: newuidmap");
    // no line for root in the fake files
    let out = sandbox.wrap(us().args(["--map-auto", "true"])).run();
    out.fails_with("unshare-rs", "no line matching user \"root\" in /etc/subuid", 1);
}

/// `python3 -c` printing the owner uid of our user namespace (`NS_GET_OWNER_UID`).
const OWNER_UID_PY: &str = "import fcntl, os, struct\n\
    fd = os.open('/proc/self/ns/user', os.O_RDONLY)\n\
    print(struct.unpack('I', fcntl.ioctl(fd, 0xb704, b'\\0' * 4))[0])\n";

#[test]
fn owner_creates_the_namespace_for_another_user() {
    if !require_root() {
        return;
    }
    let out = us().args(["--owner", "65534:65534", python(), "-c", OWNER_UID_PY]).run();
    out.success().stdout_is("65534\n");
    // the single map is the owner's, who is root inside (util-linux 2.43
    // maps the caller's: see owner_maps_the_owners_ids_not_the_callers)
    let out =
        us().args(["--owner=65534:65534", "-r", "sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u"]).run();
    out.success();
    assert_eq!(norm_maps(&out), ["0 65534 1", "0 65534 1", "0"]);
    us().args(["--owner", "1000", "true"]).run().fails_with("unshare-rs", "failed to parse owner", 1);
}

// ------------------------------------------ results compared with util-linux HEAD

/// The same argv through ours (named `unshare`) and util-linux HEAD's
/// `unshare`, each wrapped by `wrap`; stdout, exit status and stderr must
/// match (hint lines aside). Ours, or `None` when HEAD is missing (skipped
/// loudly).
#[track_caller]
fn same_as_head(args: &[&str], wrap: impl Fn(Cmd) -> Cmd) -> Option<Output> {
    let (ours, head) = differential_head("unshare", args, wrap)?;
    assert_same_with(&ours, &head, without_hints);
    Some(ours)
}

/// `args` then a program printing the uid and gid maps.
fn with_maps(args: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    v.extend(["cat", "/proc/self/uid_map", "/proc/self/gid_map"].map(String::from));
    v
}

#[track_caller]
fn maps_as_head(args: &[&str], wrap: impl Fn(Cmd) -> Cmd) -> Option<Output> {
    let argv = with_maps(args);
    let out = same_as_head(&argv.iter().map(String::as_str).collect::<Vec<_>>(), wrap)?;
    out.success();
    Some(out)
}

/// Issue 16, item 1: a range holding the outer ID of the single mapping
/// (ours, as root: 0) gives that ID up, as with HEAD; the kernel refused
/// the map with the ID twice.
#[test]
fn a_range_holding_our_outer_id_gives_it_up_as_head_does() {
    if !require_root() {
        return;
    }
    for args in [
        &["--map-users=all", "--map-groups=all", "-r"][..],
        &["--map-users=0:0:65536", "--map-groups=0:0:65536", "-r"],
        &["--map-groups=all", "--map-group=5"],
        &["--map-users=10:0:100", "--map-user=7"],
        &["--map-users=200000:0:10", "--map-user=0"],
        &["--map-users=0:0:65536", "--map-user=100"],
    ] {
        let Some(out) = maps_as_head(args, |c| c) else { return };
        assert!(out.stdout.lines().count() >= 2, "{args:?}: {}", out.stdout);
    }
    // as an ordinary user, through newuidmap: our uid 65534 in the middle
    // of a block of ours
    let Some(files) = SubidFiles::new("a_range_holding_our_outer_id_gives_it_up_as_head_does") else { return };
    files.write(b"nobody:65000:1000\n", b"nobody:65000:1000\n");
    let out = maps_as_head(&["--map-users=0:65000:1000", "--map-user=600"], |c| files.wrap_nobody(c));
    let maps = norm_maps(&out.unwrap());
    assert_eq!(maps, ["600 65534 1", "0 65000 534", "534 65535 66", "601 65601 399"]);
}

/// Issue 16, item 2: an `auto` block beside a single mapping keeps every
/// one of its IDs (its inner IDs step over the single one), as root and
/// through newuidmap, as with HEAD. Where HEAD cuts an ID off a range that
/// does not hold the single inner ID, ours keeps it (unshare-rs(1) NOTES).
#[test]
fn an_auto_block_keeps_all_its_ids_as_head_does() {
    let Some(files) = SubidFiles::new("an_auto_block_keeps_all_its_ids_as_head_does") else { return };
    files.write(b"root:100000:65536\nnobody:300000:65536\n", b"root:200000:65536\n65534:400000:65536\n");
    let cases: [&[&str]; 5] = [
        &["--map-auto", "-r"],
        &["--map-users=auto", "--map-groups=auto", "-c"],
        &["--map-auto", "--map-user=5"],
        &["--map-auto", "--map-user=65535"],
        &["--map-subids", "-r"],
    ];
    for args in cases {
        maps_as_head(args, |c| files.wrap(c));
    }
    let out = maps_as_head(&["--map-auto", "-r"], |c| files.wrap(c)).unwrap();
    assert_eq!(norm_maps(&out), ["0 0 1", "1 100000 65536", "0 0 1", "1 200000 65536"]);
    for args in &cases[..4] {
        maps_as_head(args, |c| files.wrap_nobody(c));
    }
    // our own outer ID inside our block: left out, and nothing past the
    // block's end (HEAD asks newuidmap for 65535-66000, which it refuses)
    files.write(b"nobody:65000:1000\n", b"nobody:65000:1000\n");
    let out = files.wrap_nobody(us().args(with_maps(&["--map-users=auto", "--map-user=0"]))).run();
    out.success();
    assert_eq!(norm_maps(&out)[..3], ["0 65534 1", "1 65000 534", "535 65535 465"]);
    // HEAD is off by one here; ours keeps the range whole
    let run = |args: &[&str]| {
        let out = files.wrap(us().args(with_maps(args))).run();
        out.success();
        norm_maps(&out)
    };
    assert_eq!(run(&["--map-users=0:100000:1", "--map-user=1"])[..2], ["1 0 1", "0 100000 1"]);
    assert_eq!(
        run(&["--map-users=0:100:10", "--map-users=10:200:10", "--map-user=10"])[..3],
        ["10 0 1", "0 100 10", "11 200 9"]
    );
}

/// Issue 16, item 3: IDs count round the ID space, as with HEAD: a range
/// past 4294967294 continues at 0 (the kernel refused it whole).
#[test]
fn ranges_at_the_top_of_the_id_space_continue_at_zero_as_head_does() {
    if !require_root() {
        return;
    }
    for spec in ["1:0:4294967295", "0:1:4294967295", "4294967295:0:1", "4294967294:0:2", "100:0:4294967295"] {
        let users = format!("--map-users={spec}");
        let Some(out) = maps_as_head(&[&users, "--map-groups=0:0:1"], |c| c) else { return };
        assert!(!out.stdout.contains("4294967295 "), "{spec}: {}", out.stdout);
    }
    // what util-linux wraps silently stays refused (unshare-rs(1) NOTES)
    let out = us().args(["--map-users=4294967296:0:1", "true"]).run();
    out.fails_with("unshare-rs", "invalid mapping '4294967296:0:1'", 1);
}

/// Issue 16, item 4: `--owner` takes -1 (4294967295) for "keep this ID",
/// as HEAD does.
#[test]
fn owner_takes_minus_one_for_keep_as_head_does() {
    if !require_root() {
        return;
    }
    // (with a new gid and -r, the maps differ: see the test below)
    for owner in ["-1:-1", "4294967295:0", "0:4294967295"] {
        let arg = format!("--owner={owner}");
        if maps_as_head(&[&arg, "-r"], |c| c).is_none() {
            return;
        }
        same_as_head(&[&arg, python(), "-c", OWNER_UID_PY], |c| c).unwrap().success();
    }
    let out = same_as_head(&["--owner=65534:-1", python(), "-c", OWNER_UID_PY], |c| c).unwrap();
    out.success().stdout_is("65534\n");
    same_as_head(&["--owner=-1:x", "true"], |c| c).unwrap().code(1);
}

/// Issue 16, item 4, the difference kept (unshare-rs(1) NOTES): with
/// `--owner`, `-r` maps the owner's uid, not the caller's. HEAD maps root
/// into a namespace the owner controls, so any process of the owner can
/// join it and be root outside: here, read /etc/shadow.
#[test]
fn owner_maps_the_owners_ids_not_the_callers() {
    if !require_root() {
        return;
    }
    let t = Sleeper::start(us().args(["--owner=65534:65534", "-r", "--kill-child", "sleep", "1000"]));
    let uid_map = std::fs::read_to_string(format!("/proc/{}/uid_map", t.pid())).unwrap();
    assert_eq!(uid_map.split_whitespace().collect::<Vec<_>>(), ["0", "65534", "1"]);
    let out = util_linux("nsenter")
        .as_nobody()
        .args(["-t", &t.pid().to_string(), "-U", "sh", "-c", "id -u; cat /etc/shadow"])
        .run();
    assert_ne!(out.code, Some(0), "the owner became root outside:\n{}", out.stdout);
    assert!(out.stderr.contains("Permission denied"), "{}", out.stderr);
}

/// Issue 16, item 6: newuidmap killed by a signal is an error that says so;
/// the program does not run without its map. (HEAD carries on and runs it,
/// exit 0: unshare-rs(1) NOTES.)
#[test]
fn newuidmap_killed_by_a_signal_is_reported() {
    if !require_root() {
        return;
    }
    let dir = TempDir::new("fakemap");
    let marker = unique_name("mark");
    for (sig, name) in [("KILL", "SIGKILL"), ("TERM", "SIGTERM")] {
        // written by a child process: an executable written from this
        // multithreaded process could be busy (ETXTBSY) when run
        let fake = format!("printf '#!/bin/sh\\nkill -{sig} $$\\n' > newuidmap && chmod 755 newuidmap");
        Cmd::new("sh").args(["-c", &fake]).cwd(dir.path()).run().success();
        let path = format!("{}:{STD_PATH}", dir.path().display());
        let out = us()
            .as_nobody()
            .env("PATH", &path)
            .env("NSUT_FAKEMAP", &marker)
            .args(["--map-users=0:100000:10", "sh", "-c", "echo ran"])
            .run();
        out.fails_with("unshare-rs", &format!("newuidmap was killed by {name}"), 1).no_stdout();
    }
    assert_eq!(nsutils_tests::processes_with_env("NSUT_FAKEMAP", &marker), Vec::<u32>::new());
}

/// Issue 16, item 7: subid lines are taken as they are, as HEAD takes
/// them: a blank around the name makes another name, a number followed by
/// anything (the `\r` of a CRLF line) is a parse error naming the field.
/// (We used to trim them, and then newuidmap refused our map.)
#[test]
fn subid_lines_are_taken_as_they_are_as_head_does() {
    let Some(files) = SubidFiles::new("subid_lines_are_taken_as_they_are_as_head_does") else { return };
    let auto = ["--map-users=auto", "--map-groups=auto", "true"];
    for (subuid, message) in [
        (&b"root:100000:65536\r\n"[..], "failed to parse subid map: '65536\r'"),
        (b"root:100000:65536 \n", "failed to parse subid map: '65536 '"),
        (b"root:100000 :65536\n", "failed to parse subid map: '100000 '"),
        (b"root:100000:65536x\n", "failed to parse subid map: '65536x'"),
        (b"root:-1:65536\n", "failed to parse subid map: '-1': Numerical result out of range"),
    ] {
        files.write(subuid, b"root:200000:65536\n");
        let Some(out) = same_as_head(&auto, |c| files.wrap(c)) else { return };
        out.fails_with("unshare", message, 1);
    }
    for (subuid, message) in [
        (&b"nobody:100000:65536\r\n"[..], "failed to parse subid map: '65536\r'"),
        (b" nobody:100000:65536\n", "no line matching user \"nobody\" in /etc/subuid"),
        (b"nobody :100000:65536\n", "no line matching user \"nobody\" in /etc/subuid"),
        (b"\tnobody:100000:65536\n", "no line matching user \"nobody\" in /etc/subuid"),
    ] {
        files.write(subuid, b"nobody:200000:65536\n");
        same_as_head(&auto, |c| files.wrap_nobody(c)).unwrap().fails_with("unshare", message, 1);
    }
    // HEAD takes any name that is no number for uid 0 (unshare-rs(1) NOTES)
    files.write(b" root:100000:65536\nnobody:1:1\n", b"root:200000:65536\n");
    let out = files.wrap(us().args(auto)).run();
    out.fails_with("unshare-rs", "no line matching user \"root\" in /etc/subuid", 1);
}

// ------------------------------------------------------- time, cgroup, mount

fn uptime() -> f64 {
    std::fs::read_to_string("/proc/uptime").unwrap().split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn boottime_offset_shifts_uptime() {
    if !require_root() {
        return;
    }
    for fork in [false, true] {
        let before = uptime();
        let mut c = us().args(["-T", "--boottime", "100000", "--monotonic=-5"]);
        if fork {
            c = c.arg("-f");
        }
        let out = c.args(["cat", "/proc/uptime"]).run();
        out.success();
        let inside: f64 = out.stdout.split_whitespace().next().unwrap().parse().unwrap();
        let after = uptime();
        assert!(inside >= before + 100000.0 - 0.01 && inside <= after + 100000.0 + 0.01, "{inside} vs {before}");
    }
    same(&["-T", "--boottime", "-5", "true"]);
    same(&["-T", "--boottime=abc", "true"]);
    same(&["-T", "--monotonic", "1e3", "true"]);
}

#[test]
fn cgroup_namespace_root_is_slash() {
    if !require_root() {
        return;
    }
    let out = us().args(["-C", "cat", "/proc/self/cgroup"]).run();
    out.success();
    assert_eq!(out.stdout.lines().last(), Some("0::/"), "{}", out.stdout);
    assert!(out.stdout.lines().all(|l| l.ends_with(":/")), "{}", out.stdout);
    same(&["-C", "cat", "/proc/self/cgroup"]);
}

#[test]
fn mount_propagation() {
    if !require_root() {
        return;
    }
    let prop = ["findmnt", "-n", "-o", "PROPAGATION", "/"];
    let run = |args: &[&str]| {
        let a = [args, &prop[..]].concat();
        same(&a);
        us().args(&a).run().stdout.trim().to_string()
    };
    assert_eq!(run(&["-m"]), "private");
    assert_eq!(run(&["-m", "--propagation", "shared"]), "shared");
    assert_eq!(run(&["-m", "--propagation", "private"]), "private");
    // these depend on the host's propagation of /: compared with util-linux
    run(&["-m", "--propagation", "slave"]);
    run(&["-m", "--propagation", "unchanged"]);
    run(&["--propagation", "shared"]);
}

#[test]
fn root_and_working_directory() {
    if !require_root() {
        return;
    }
    same(&["-R", "/", "-w", "/tmp", "pwd"]);
    same(&["-w", "/tmp", "pwd"]);
    same(&["-R", "/", "pwd"]);
    same(&["-R", "/nonexistent", "true"]);
    us().args(["-w", "/nonexistent", "true"]).run().fails_with(
        "unshare-rs",
        "cannot change directory to /nonexistent: No such file or directory",
        1,
    );
    let dir = TempDir::new("root");
    std::fs::create_dir(dir.join("empty")).unwrap();
    let out = us().arg("-R").arg(dir.path()).arg("pwd").run();
    out.fails_with("unshare-rs", "failed to execute pwd: No such file or directory", 127);
}

#[test]
fn setuid_and_setgid_before_exec() {
    if !require_root() {
        return;
    }
    same(&["-S", "1", "-G", "1", "id"]);
    us().args(["-S", "1", "-G", "1", "sh", "-c", "id -u; id -g; id -G"]).run().success().stdout_is("1\n1\n1\n");
    // as root in a user namespace: setgroups is still allowed with -U alone
    same(&["-U", "--map-user=0", "-S", "0", "id", "-u"]);
}

#[test]
fn binfmt_misc_of_its_own() {
    if !require_root() {
        return;
    }
    let name = unique_name("b");
    let def = format!(":{name}:E::{name}::/bin/cat:");
    let out = us().args(["-pf", "-r", "-l", &def, "cat", &format!("/proc/sys/fs/binfmt_misc/{name}")]).run();
    out.success().stdout_has("interpreter /bin/cat");
    assert!(!Path::new(&format!("/proc/sys/fs/binfmt_misc/{name}")).exists(), "registered on the host");
    let out =
        us().args(["-pf", "--mount-binfmt", "-r", "findmnt", "-n", "-o", "FSTYPE", "/proc/sys/fs/binfmt_misc"]).run();
    out.success().stdout_is("binfmt_misc\n");
    // proc needs the PID namespace's owner
    let out = nobody(us().args(["--mount-binfmt", "-r", "true"])).run();
    out.fails_with("unshare-rs", "mount /proc failed: Operation not permitted", 1);
    out.stderr_has("hint: ");
}

/// `-l` registers before `--root`: with the F flag the kernel opens the
/// interpreter then, so it need not exist in the new root; without it the
/// interpreter is looked up at exec time, inside the root, and is missing.
#[test]
fn binfmt_interpreter_fixed_before_chroot() {
    // the interpreter runs in a root without a loader: a static binary
    let Some(interp) = nsutils_tests::container::static_tool("binfmt_interpreter_fixed_before_chroot", "lsns-rs")
    else {
        return;
    };
    let root = TempDir::new("bfroot");
    // where binfmt_misc is mounted (on the new root's /proc)
    std::fs::create_dir(root.join("proc")).unwrap();
    let name = unique_name("b");
    let file = format!("/x.{name}");
    // written by a child process, as it is executed (see copy_executable)
    let path = root.join(&file[1..]);
    Cmd::new("sh").args(["-c", "echo not an ELF file > \"$0\" && chmod 755 \"$0\""]).arg(&path).run().success();
    let run = |flags: &str| {
        let def = format!(":{name}:E::{name}::{}:{flags}", interp.display());
        us().args(["-pf", "-r", "-R"]).arg(root.path()).args(["-l", &def, &file]).run()
    };
    // lsns-rs ran, with the file as its argument
    run("F").fails_with("lsns-rs", &format!("invalid namespace argument: '{file}'"), 1);
    run("").fails_with("unshare-rs", &format!("failed to execute {file}: No such file or directory"), 127);
}

/// Issue 16, item 5: `-l ''` registers nothing and runs the program, as
/// HEAD does (an empty write to `register` fails with EINVAL).
#[test]
fn an_empty_interpreter_is_no_registration_as_head_does() {
    if !require_root() {
        return;
    }
    let Some(out) = same_as_head(&["-pf", "-r", "-l", "", "sh", "-c", "echo ran"], |c| c) else { return };
    out.success().stdout_is("ran\n");
    same_as_head(&["-pf", "-r", "--load-interp=", "true"], |c| c).unwrap().success();
}

#[test]
fn environment_options() {
    if !require_root() {
        return;
    }
    let out =
        us().env("UL_TEST_ENV", "foo").args(["--clear-env", "/bin/sh", "-c", "echo \"${UL_TEST_ENV:-CLEARED}\""]).run();
    out.success().stdout_is("CLEARED\n");
    let out = us().env_clear().env("A", "1").env("B", "2").args(["--whitelist-env", "A,C", "/usr/bin/env"]).run();
    out.success().stdout_is("A=1\n");
    // a name with '=' is no variable: skipped (glibc's getenv would find A)
    let out = us().env_clear().env("A", "B=x").args(["--whitelist-env", "A=B,A", "/usr/bin/env"]).run();
    out.success().no_stderr().stdout_is("A=B=x\n");
    // no program: the login shell, $SHELL first
    same(&["sh", "-c", "true"]);
    let (ours, theirs) =
        differential("unshare", Vec::<&str>::new(), |c| c.env("SHELL", "/bin/bash").stdin("echo \"$0\"\n"));
    assert_same_with(&ours, &theirs, without_hints);
    ours.stdout_is("-bash\n");
    // util-linux 2.42+: without $SHELL, the user's shell from passwd
    let shell = std::fs::read_to_string("/etc/passwd")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("root:"))
        .and_then(|l| l.rsplit(':').next())
        .map(|s| s.rsplit('/').next().unwrap().to_string())
        .unwrap();
    us().env_remove("SHELL").stdin("echo \"$0\"\n").run().success().stdout_is(&format!("-{shell}\n"));
}

// -------------------------------------------------------------- persistence

#[test]
fn persistence_for_every_type() {
    if !require_root() {
        return;
    }
    let dir = TempDir::private("persist");
    let types = [
        ("mnt", "mount"),
        ("uts", "uts"),
        ("ipc", "ipc"),
        ("net", "net"),
        ("pid", "pid"),
        ("user", "user"),
        ("cgroup", "cgroup"),
        ("time", "time"),
    ];
    let mut args = Vec::new();
    for (name, long) in types {
        dir.touch(name);
        args.push(format!("--{long}={}", dir.join(name).display()));
    }
    let show = "for n in mnt uts ipc net pid user cgroup time; do readlink /proc/self/ns/$n; done";
    let out = us().args(&args).args(["-f", "-r", "sh", "-c", show]).run();
    out.success().no_stderr();
    let inside: BTreeMap<String, String> =
        out.stdout.lines().map(|l| (l.split(':').next().unwrap().to_string(), l.to_string())).collect();
    for (name, long) in types {
        let file = dir.join(name);
        assert!(is_mounted(&file), "{name} not bind-mounted");
        let ino = std::fs::metadata(&file).unwrap().ino();
        assert_eq!(inside[name], format!("{name}:[{ino}]"), "{name}");
        assert_ne!(ns_link(std::process::id(), name), inside[name], "{name} not new");
        if name != "pid" {
            // util-linux nsenter enters it
            let o = util_linux("nsenter")
                .arg(format!("--{long}={}", file.display()))
                .args(["readlink", &format!("/proc/self/ns/{name}")])
                .run();
            o.success().stdout_is(&format!("{name}:[{ino}]\n"));
        }
    }
    for (name, _) in types {
        Cmd::new("umount").arg(dir.join(name)).run().success();
        assert!(!is_mounted(&dir.join(name)));
    }
}

#[test]
fn persistent_pid_namespace_is_enterable_while_it_lives() {
    if !require_root() {
        return;
    }
    let dir = TempDir::private("pidns");
    let file = dir.touch("pid");
    let bg = spawn(us().arg(format!("--pid={}", file.display())).args(["-f", "sleep", "360"]));
    wait_until(10, "the pid namespace bind mount", || is_mounted(&file) && !bg.descendants().is_empty());
    let ino = std::fs::metadata(&file).unwrap().ino();
    let out = util_linux("nsenter")
        .arg(format!("--pid={}", file.display()))
        .args(["sh", "-c", "readlink /proc/self/ns/pid"])
        .run();
    out.success().stdout_is(&format!("pid:[{ino}]\n"));
    drop(bg);
    Cmd::new("umount").arg(&file).run().success();
}

#[test]
fn persistence_failures_leave_nothing_behind() {
    if !require_root() {
        return;
    }
    let dir = TempDir::private("pfail");
    let marker = dir.join("ran");
    let touch = ["touch", marker.to_str().unwrap()];
    // --pid=FILE without --fork: the namespace has no process yet
    let pidfile = dir.touch("pid");
    let out = us().arg(format!("--pid={}", pidfile.display())).args(touch).run();
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let first = out.stderr.lines().next().unwrap();
    assert!(first.starts_with("unshare-rs: mount /proc/"), "{first}");
    assert!(
        first.ends_with(&format!("/ns/pid_for_children on {} failed: No such file or directory", pidfile.display())),
        "{first}"
    );
    out.stderr_has("hint: ");
    assert!(!is_mounted(&pidfile));
    // a missing file, with and without --fork: the program never runs
    let missing = dir.join("nonexistent/net");
    for fork in [&[][..], &["-f"][..]] {
        let out = us().arg(format!("--net={}", missing.display())).args(fork).args(touch).run();
        assert_eq!(out.code, Some(1), "{}", out.stderr);
        assert!(
            out.stderr
                .lines()
                .next()
                .unwrap()
                .ends_with(&format!("/ns/net on {} failed: No such file or directory", missing.display())),
            "{}",
            out.stderr
        );
    }
    std::thread::sleep(Duration::from_millis(50));
    assert!(!marker.exists(), "the program ran");
    assert!(processes_with(marker.to_str().unwrap()).is_empty(), "something is still running");
    let (ours, theirs) = differential("unshare", ["--net=/nonexistent/file", "true"], |c| c);
    assert_same_with(&ours, &theirs, |s| without_proc_pids(&without_hints(s)));
}

/// A mount namespace file refused with EINVAL gets the hint for the cause
/// that holds: a shared mount under the file, or (on a private one, in a
/// nested mount namespace) a new namespace whose per-CPU id is below ours;
/// each CPU is tried, so the second shows wherever the ids allow it.
#[test]
fn a_refused_mount_namespace_file_gets_the_hint_for_its_cause() {
    if !require_root() {
        return;
    }
    let dir = TempDir::new("mnthint");
    let script = r#"
set -u
mkdir "$D/private" "$D/shared"; touch "$D/private/m" "$D/shared/m"
mount --bind "$D/shared" "$D/shared"; mount --make-shared "$D/shared"
for c in $(seq 0 $(($(nproc) - 1))); do
  if taskset -c $c "$US" --mount="$D/private/m" true 2>"$D/err"; then
    echo ok; umount "$D/private/m"
  else
    echo "failed $?"; cat "$D/err"
  fi
  taskset -c $c "$US" --mount="$D/shared/m" true 2>&1; echo "shared $?"
  umount "$D/shared/m" 2>/dev/null
done
umount "$D/shared"
"#;
    let out = Cmd::new(nsutils_tests::util_linux_path("unshare"))
        .args(["-m", "--propagation", "private", "bash", "-c", script])
        .env("D", dir.path())
        .env("US", nsutils_tests::tool_path("unshare-rs"))
        .run();
    out.success();
    let private = dir.join("private/m").display().to_string();
    let shared = dir.join("shared/m").display().to_string();
    let mut lines = out.stdout.lines().peekable();
    while let Some(line) = lines.next() {
        match line {
            "ok" => {}
            "failed 1" => {
                let msg = lines.next().unwrap_or_default();
                assert!(msg.ends_with(&format!("/ns/mnt on {private} failed: Invalid argument")), "{}", out.stdout);
                let hint = lines.next().unwrap_or_default();
                assert!(hint.starts_with("unshare-rs: hint: a mount namespace can be bound only from one"), "{hint}");
            }
            _ => {
                assert!(line.ends_with(&format!("/ns/mnt on {shared} failed: Invalid argument")), "{}", out.stdout);
                assert_eq!(
                    lines.next().unwrap_or_default(),
                    format!(
                        "unshare-rs: hint: {shared} must not be on a shared mount (make its directory a private \
                         mount first: mount --bind DIR DIR; mount --make-private DIR)"
                    )
                );
                assert_eq!(lines.next(), Some("shared 1"), "{}", out.stdout);
            }
        }
    }
    assert!(out.stdout.contains("ok\n"), "no CPU could make a namespace to bind:\n{}", out.stdout);
    assert!(!is_mounted(Path::new(&private)) && !is_mounted(Path::new(&shared)));
}

// ------------------------------------------------------ exit statuses

#[test]
fn exit_statuses_are_passed_through() {
    same(&["sh", "-c", "exit 7"]);
    same(&["-f", "sh", "-c", "exit 7"]);
    us().args(["sh", "-c", "exit 7"]).run().code(7);
    us().args(["-f", "sh", "-c", "exit 7"]).run().code(7);
    same(&["true"]);
    same(&["false"]);
    same(&["/nonexistent"]);
    same(&["/etc/passwd"]);
    us().arg("/nonexistent").run().fails_with(
        "unshare-rs",
        "failed to execute /nonexistent: No such file or directory",
        127,
    );
    us().arg("/etc/passwd").run().fails_with("unshare-rs", "failed to execute /etc/passwd: Permission denied", 126);
}

#[test]
fn exit_statuses_with_namespaces() {
    if !require_root() {
        return;
    }
    // `--net /tmp`: /tmp is the program
    same(&["--net", "/tmp", "true"]);
    us().args(["--net", "/tmp", "true"]).run().fails_with(
        "unshare-rs",
        "failed to execute /tmp: Permission denied",
        126,
    );
    same(&["-fn", "/nonexistent"]);
    // -p does not fork: the shell's second child cannot be created
    same(&["-p", "sh", "-c", "/bin/true; /bin/true"]);
}

#[test]
fn a_fatal_signal_of_the_child_is_re_raised() {
    for (sig, name) in [(libc::SIGTERM, "TERM"), (libc::SIGKILL, "KILL"), (libc::SIGINT, "INT"), (libc::SIGHUP, "HUP")]
    {
        let out = us().args(["-f", "sh", "-c", &format!("kill -{name} $$")]).run();
        out.killed_by(sig);
        assert!(out.stderr.is_empty(), "{}", out.stderr);
    }
    // util-linux 2.38.1 agrees except for SIGKILL (it fails with
    // "sigprocmask unblock failed"; HEAD dies of SIGKILL like us)
    same(&["-f", "sh", "-c", "kill -TERM $$"]);
    same(&["-f", "sh", "-c", "kill -HUP $$"]);
}

#[test]
fn bad_options_exit_1() {
    same(&["-n/x", "true"]);
    same(&["--bogus"]);
    us().arg0("unshare-rs").args(["-n/x", "true"]).run().usage_error("unshare-rs", "invalid option -- '/'");
}

// ---------------------------------------------------------------- signals

#[test]
fn sigterm_is_held_back_while_waiting() {
    let mut bg = spawn(us().args(["-f", "sh", "-c", "echo ready; sleep 0.5; exit 3"]));
    assert_eq!(bg.line(), "ready\n");
    bg.signal(libc::SIGTERM);
    bg.signal(libc::SIGINT);
    let status = bg.wait();
    assert_eq!(status.code(), Some(3), "{status:?}");
}

#[test]
fn forward_signals_relays_sigterm_to_the_child() {
    let script = "trap 'echo got TERM; exit 7' TERM; echo ready; while :; do sleep 0.05; done";
    let mut bg = spawn(us().args(["--forward-signals", "sh", "-c", script]));
    assert_eq!(bg.line(), "ready\n");
    bg.signal(libc::SIGTERM);
    assert_eq!(bg.line(), "got TERM\n");
    assert_eq!(bg.wait().code(), Some(7));
    // a child that does not catch it dies of it, and so do we
    let mut bg = spawn(us().args(["--forward-signals", "sh", "-c", "echo ready; exec sleep 30"]));
    assert_eq!(bg.line(), "ready\n");
    wait_until(10, "sleep to start", || children_of(bg.pid()).iter().any(|&c| comm_of(c) == "sleep"));
    bg.signal(libc::SIGTERM);
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(bg.wait().signal(), Some(libc::SIGTERM));
}

#[test]
fn kill_child_when_unshare_rs_is_killed() {
    for (args, dies) in [(&["--kill-child"][..], true), (&["--kill-child=SIGTERM"][..], true), (&["-f"][..], false)] {
        let mut bg = spawn(us().args(args).args(["sleep", "30"]));
        wait_until(10, "the child", || !children_of(bg.pid()).is_empty());
        let child = children_of(bg.pid())[0];
        let tree_children = bg.descendants();
        bg.signal(libc::SIGKILL);
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(bg.wait().signal(), Some(libc::SIGKILL));
        if dies {
            wait_until(10, "the child to die", || dead(child));
        } else {
            std::thread::sleep(Duration::from_millis(100));
            assert!(!dead(child), "{args:?}: the child died without --kill-child");
            for c in tree_children {
                // SAFETY: killing the orphan we just checked on.
                unsafe { libc::kill(c as i32, libc::SIGKILL) };
            }
        }
    }
    us().args(["--kill-child=FOO", "true"]).run().fails_with("unshare-rs", "unknown signal: FOO", 1);
}

/// The race `--kill-child` guards against: unshare-rs dies after the fork
/// but before its child armed PR_SET_PDEATHSIG, so the signal never comes.
/// strace holds the child at the prctl call while the test SIGKILLs the
/// parent; the child must then see (through the parent's pidfd) that it is
/// an orphan and exit 1, not run the program.
#[test]
fn kill_child_when_unshare_rs_died_before_the_signal_was_armed() {
    if !Path::new("/usr/bin/strace").exists() {
        skip("kill_child_when_unshare_rs_died_before_the_signal_was_armed", "no strace (scripts/setup-deps.sh)");
        return;
    }
    let dir = TempDir::new("kcrace");
    let trace = dir.join("trace");
    let strace = Cmd::new("/usr/bin/strace")
        .args(["-f", "-q", "-o"])
        .arg(&trace)
        .args(["-e", "trace=prctl,execve", "-e", "inject=prctl:delay_enter=3000000"])
        .arg(tool_path("unshare-rs"))
        .args(["--kill-child", "sleep", "30"]);
    let mut strace = spawn(strace);
    // (strace forks short-lived children of its own to probe ptrace first)
    let ours = |pid: u32| children_of(pid).into_iter().find(|&c| comm_of(c) == "unshare-rs");
    wait_until(10, "unshare-rs to start", || ours(strace.pid()).is_some());
    let parent = ours(strace.pid()).unwrap();
    wait_until(10, "its child", || ours(parent).is_some());
    let child = ours(parent).unwrap();
    // the orphan is no longer in strace's tree: killed here if it outlives the test
    struct Reap(u32);
    impl Drop for Reap {
        fn drop(&mut self) {
            // SAFETY: kill has no memory effects; at worst a stale pid.
            unsafe { libc::kill(self.0 as i32, libc::SIGKILL) };
        }
    }
    let _orphan = Reap(child);
    // SAFETY: as above; the parent is alive (the child is held in prctl).
    unsafe { libc::kill(parent as i32, libc::SIGKILL) };
    // strace ends when its last tracee does: well before `sleep 30` would
    wait_until(15, "the child to exit", || dead(child));
    strace.wait();
    let trace = std::fs::read_to_string(&trace).unwrap();
    let mine: Vec<&str> =
        trace.lines().filter_map(|l| l.strip_prefix(&format!("{child} "))).map(str::trim_start).collect();
    assert!(mine.iter().any(|l| l.starts_with("prctl(PR_SET_PDEATHSIG, SIGKILL")), "{trace}");
    assert!(!mine.iter().any(|l| l.starts_with("execve(")), "the orphan ran the program:\n{trace}");
    assert_eq!(mine.last(), Some(&"+++ exited with 1 +++"), "{trace}");
}

/// The signal `cmd --kill-child=NAME` (an unshare) sends its child when it
/// is killed, as the child (python) reports it.
fn delivered_signal(cmd: Cmd, name: &str, dir: &TempDir) -> i32 {
    let (report, ready) = (dir.join(unique_name("sig")), dir.join(unique_name("ready")));
    let py = "import os, signal, sys, time\n\
        def got(n, f):\n    open(sys.argv[1] + '.t', 'w').write(str(n)); os.rename(sys.argv[1] + '.t', sys.argv[1]); os._exit(0)\n\
        for s in range(signal.SIGRTMIN, signal.SIGRTMAX + 1): signal.signal(s, got)\n\
        open(sys.argv[2], 'w').close()\n\
        time.sleep(60)\n";
    let marker = unique_name("rt");
    let child = cmd
        .env("NSUT_RTSIG", &marker)
        .arg(format!("--kill-child={name}"))
        .args([python(), "-c", py])
        .arg(&report)
        .arg(&ready)
        .spawn();
    let mut child = nsutils_tests::ChildGuard(child);
    wait_until(20, "the child to set its handlers", || ready.exists());
    let _ = child.0.kill();
    let _ = child.0.wait();
    // the child outlives its parent until the signal comes (or fails to)
    let reported = (0..2000).find_map(|_| {
        let text = std::fs::read_to_string(&report).ok();
        if text.is_none() {
            std::thread::sleep(Duration::from_millis(5));
        }
        text
    });
    for pid in nsutils_tests::processes_with_env("NSUT_RTSIG", &marker) {
        // SAFETY: killing the straggler of this test.
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    }
    let reported = reported.unwrap_or_else(|| panic!("--kill-child={name}: no real-time signal came"));
    reported.parse().unwrap()
}

/// Issue 16, item 13: real-time signals have glibc's numbers in every
/// build (this runs against the static musl binaries too, whose C library
/// says SIGRTMIN is 35), and bare RTMIN/RTMAX are refused, as by HEAD.
#[test]
fn kill_child_real_time_signals_are_numbered_as_head_does() {
    let Some(head) = nsutils_tests::util_linux_head("unshare") else { return };
    let dir = TempDir::new("rtsig");
    for (name, number) in [("RTMIN+0", 34), ("RTMIN+30", 64), ("RTMAX-0", 64), ("RTMAX-30", 34), ("rtmin+2", 36)] {
        let ours = delivered_signal(nsutils_tests::ul_named("unshare"), name, &dir);
        let theirs = delivered_signal(head.clone(), name, &dir);
        assert_eq!((ours, theirs), (number, number), "--kill-child={name}: ours, HEAD's");
    }
    for bare in ["RTMIN", "RTMAX", "SIGRTMAX", "RTMIN+31"] {
        let arg = format!("--kill-child={bare}");
        let (ours, theirs) = nsutils_tests::differential_head("unshare", [&arg, "true"], |c| c).unwrap();
        assert_same_with(&ours, &theirs, without_hints);
        ours.fails_with("unshare", &format!("unknown signal: {bare}"), 1);
    }
}

// ---------------------------------------------------------------- fd hygiene

#[test]
fn the_program_sees_only_the_fds_it_inherited() {
    if !require_root() {
        return;
    }
    let dir = TempDir::private("fds");
    let file = |n: &str| dir.touch(n).display().to_string();
    let modes: Vec<Vec<String>> = vec![
        vec![],
        vec!["-n".into()],
        vec!["-f".into()],
        vec!["-r".into()],
        vec!["-fp".into(), "--mount-proc".into()],
        vec!["--kill-child".into()],
        vec!["--forward-signals".into()],
        vec!["-T".into(), "--boottime=10".into()],
        vec!["--map-users=0:0:1".into(), "--map-groups=0:0:1".into()],
        vec![format!("--net={}", file("n1"))],
        vec![format!("--uts={}", file("u1")), "-f".into(), format!("--mount={}", file("m1"))],
        vec!["-U".into(), "--keep-caps".into(), "--clear-env".into()],
    ];
    // ls lists its own fds: what it inherited, plus the directory it reads
    let list = ["ls", "/proc/self/fd"];
    let with_fds = || Cmd::new("bash").args(["-c", "exec 5</dev/null 7>/dev/null; exec \"$@\"", "bash"]);
    // what the program inherits (the test runner may pass fds of its own)
    let baseline = with_fds().args(list).run();
    baseline.success();
    let fds: Vec<u32> = baseline.stdout.lines().map(|l| l.parse().unwrap()).collect();
    assert!([0, 1, 2, 3, 5, 7].iter().all(|f| fds.contains(f)), "{}", baseline.stdout);
    for mode in modes {
        let out = with_fds().arg(nsutils_tests::tool_path("unshare-rs")).args(&mode).args(list).run();
        out.success();
        assert_eq!(out.stdout, baseline.stdout, "{mode:?}");
    }
}

// --------------------------------------------------------------- bad input

#[test]
fn bad_input_is_reported_and_leaves_nothing_behind() {
    let dir = TempDir::new("bad");
    let marker = dir.join("ran");
    let m = marker.to_str().unwrap().to_string();
    let cases: &[(&[&str], &str)] = &[
        (&["--map-users=1,2"], "invalid mapping '1,2'"),
        (&["--map-groups=a:b:c"], "invalid mapping 'a:b:c'"),
        (&["--map-users=0:1"], "invalid mapping '0:1'"),
        (&["--map-users=0:4294967296:2"], "invalid mapping '0:4294967296:2'"),
        (&["--kill-child=FOO"], "unknown signal: FOO"),
        (&["--kill-child=9"], "unknown signal: 9"),
        (&["-S", "abc"], "failed to parse uid: 'abc'"),
        (&["-G", "x1"], "failed to parse gid: 'x1'"),
        (&["-S", "4294967296"], "failed to parse uid: '4294967296': Numerical result out of range"),
        (&["-S", "-1"], "failed to parse uid: '-1': Numerical result out of range"),
        (&["--map-user=nosuchuser"], "failed to parse uid 'nosuchuser': Invalid argument"),
        (&["--map-group=99999999999"], "failed to parse gid '99999999999': Numerical result out of range"),
        (&["-T", "--monotonic", "abc"], "failed to parse monotonic offset: 'abc'"),
        (
            &["-T", "--boottime", "99999999999999999999"],
            "failed to parse boottime offset: '99999999999999999999': Numerical result out of range",
        ),
        (&["--monotonic", "5"], "options --monotonic and --boottime require unsharing of a time namespace (-T)"),
        (&["--boottime=5"], "options --monotonic and --boottime require unsharing of a time namespace (-T)"),
        (&["-r", "--setgroups", "allow"], "options --setgroups=allow and --map-group are mutually exclusive"),
        (&["--map-group=0", "--setgroups=allow"], "options --setgroups=allow and --map-group are mutually exclusive"),
        (&["--setgroups", "maybe"], "unsupported --setgroups argument 'maybe'"),
        (&["--propagation", "foo"], "unsupported propagation mode: foo"),
        (&["--owner", "1:"], "failed to parse owner"),
    ];
    for (args, msg) in cases {
        let out = us().args(*args).args(["touch", &m]).run();
        out.fails_with("unshare-rs", msg, 1).no_stdout();
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    }
    assert!(!marker.exists(), "a program ran");
    assert!(processes_with(&m).is_empty(), "something is still running");
    // where 2.38.1 and HEAD agree, byte for byte
    same(&["--propagation", "foo", "true"]);
    same(&["--setgroups", "foo", "true"]);
    same(&["--kill-child=FOO", "true"]);
    same(&["-S", "abc", "true"]);
    same(&["-r", "--setgroups", "allow", "true"]);
    same(&["-T", "--monotonic", "abc", "true"]);
}

#[test]
fn mount_failures_inside_leave_the_host_alone() {
    if !require_root() {
        return;
    }
    let missing = format!("/nonexistent-{}", unique_name("p"));
    let out = us().arg(format!("--mount-proc={missing}")).arg("true").run();
    out.fails_with("unshare-rs", &format!("mount {missing} failed: No such file or directory"), 1);
    assert!(!is_mounted(Path::new(&missing)));
    let out = nobody(us().args(["-r", "--mount-proc", "true"])).run();
    out.fails_with("unshare-rs", "mount /proc failed: Operation not permitted", 1);
    out.stderr_has("unshare-rs: hint: ");
    same(&["-m", "--mount-proc=/nonexistent", "true"]);
    // unshare(2) itself refused: message and advice
    let out = nobody(us().args(["-n", "true"])).run();
    out.fails_with("unshare-rs", "unshare failed: Operation not permitted", 1);
    out.stderr_has("unshare-rs: hint: ");
}

#[test]
fn user_namespace_persistence_works_unlike_2_38_1() {
    if !require_root() {
        return;
    }
    let dir = TempDir::private("userns");
    let file: PathBuf = dir.touch("user");
    us().arg(format!("--user={}", file.display())).args(["-r", "true"]).run().success();
    let ino = std::fs::metadata(&file).unwrap().ino();
    let o = util_linux("nsenter")
        .arg(format!("--user={}", file.display()))
        .args(["sh", "-c", "id -u; readlink /proc/self/ns/user"])
        .run();
    o.success().stdout_is(&format!("0\nuser:[{ino}]\n"));
    Cmd::new("umount").arg(&file).run().success();
}
