//! Shared pieces of the IPC tests (ipc.rs, ipcs.rs, and the cross-tool
//! suites): private IPC (and mount) namespaces to work in, a rich set of
//! objects, snapshots of what a namespace holds, and a small helper that
//! sends messages, sets semaphores, attaches segments and makes many objects from inside a
//! sandbox (python3 + ctypes: the test process itself must stay in the
//! host's IPC namespace).

use std::io::{BufRead, BufReader};

use crate::{assert_same_with, ul_named, util_linux, ChildGuard, Cmd, Output, Sandbox, TempDir};

/// msgsnd / msgrcv / semset / semop / lock / attach, from inside a sandbox.
const HELPER_PY: &str = r#"
import ctypes, sys, time
libc = ctypes.CDLL(None, use_errno=True)
op, args = sys.argv[1], [int(a) for a in sys.argv[2:] if a.lstrip('-').isdigit()]
text = sys.argv[-1].encode()
def ck(rc):
    if rc == -1 or rc == ctypes.c_void_p(-1).value:
        sys.exit("%s: errno %d" % (op, ctypes.get_errno()))
    return rc
class SemBuf(ctypes.Structure):
    _fields_ = [("num", ctypes.c_ushort), ("op", ctypes.c_short), ("flg", ctypes.c_short)]
if op == "msgsnd":
    buf = ctypes.create_string_buffer(8 + len(text))
    ctypes.memmove(buf, ctypes.byref(ctypes.c_long(args[1])), 8)
    ctypes.memmove(ctypes.addressof(buf) + 8, text, len(text))
    ck(libc.msgsnd(args[0], buf, len(text), 0))
elif op == "msgrcv":
    buf = ctypes.create_string_buffer(8 + 65536)
    ck(libc.msgrcv(args[0], buf, 65536, 0, 0))
elif op == "semset":
    ck(libc.semctl(args[0], args[1], 16, ctypes.c_int(args[2])))
elif op == "semop":
    sb = SemBuf(args[1], args[2], 0)
    ck(libc.semop(args[0], ctypes.byref(sb), 1))
elif op == "lock":
    ck(libc.shmctl(args[0], 11, None))
elif op == "many":
    for i in range(args[0]):
        ck(libc.msgget(0x10000 + i, 0o1644))
        ck(libc.shmget(0x20000 + i, 4096 + i, 0o1640))
        ck(libc.semget(0x30000 + i, 1 + i % 7, 0o1600))
elif op == "get":
    # get KIND KEY SIZE-OR-NSEMS MODE (KEY and MODE in hex and octal)
    kind, key, n, mode = sys.argv[2], int(sys.argv[3], 16), int(sys.argv[4]), int(sys.argv[5], 8)
    key = ctypes.c_int(key - (1 << 32) if key >= 1 << 31 else key)
    if kind == "shm":
        ck(libc.shmget(key, ctypes.c_size_t(n), mode | 0o1000))
    elif kind == "msg":
        ck(libc.msgget(key, mode | 0o1000))
    else:
        ck(libc.semget(key, n, mode | 0o1000))
elif op == "attach":
    libc.shmat.restype = ctypes.c_void_p
    for i in args:
        ck(libc.shmat(i, None, 0))
    print("attached", flush=True)
    time.sleep(100000)
"#;

/// The fixed time zone the differential tests use.
pub const TZ: &str = "UTC";

/// A private IPC namespace.
pub fn ipc_sandbox() -> Sandbox {
    Sandbox::new(&["-i"])
}

/// `n` message queues, segments and semaphore sets (keys 0x1xxxx, 0x2xxxx
/// and 0x3xxxx) in `sb`, for listings of many objects.
pub fn many_objects(sb: &Sandbox, n: usize) {
    helper(sb, &["many", &n.to_string()]);
}

/// A System V object of `kind` (`shm`, `msg`, `sem`) with the key `key`
/// (0 for IPC_PRIVATE), `n` bytes or semaphores, and `mode`, in `sb`.
pub fn make_object(sb: &Sandbox, kind: &str, key: u32, n: u64, mode: u32) {
    helper(sb, &["get", kind, &format!("{key:x}"), &n.to_string(), &format!("{mode:o}")]);
}

/// Run the helper inside `sb`, asserting success.
fn helper(sb: &Sandbox, args: &[&str]) {
    sb.wrap(Cmd::new("python3").arg("-c").arg(HELPER_PY).args(args)).run().success();
}

/// Run a shell script inside `sb`, asserting success.
#[track_caller]
pub fn sh_ok(sb: &Sandbox, script: &str) -> Output {
    let out = sb.sh(script);
    out.success();
    out
}

/// Attach segments from a process kept alive inside `sb` until the guard
/// is dropped.
fn attach(sb: &Sandbox, ids: &[&str]) -> ChildGuard {
    let mut child = sb.wrap(Cmd::new("python3").arg("-c").arg(HELPER_PY).arg("attach").args(ids)).spawn();
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("read helper");
    assert_eq!(line.trim(), "attached", "helper could not attach {ids:?}");
    ChildGuard(child)
}

/// util-linux `ipcs` with `args` inside `sb` (a snapshot to compare before
/// and after a command that must change nothing).
pub fn ipcs_snapshot(sb: &Sandbox, args: &[&str]) -> String {
    let out = sb.wrap(util_linux("ipcs").args(args).env("TZ", TZ)).run();
    out.success();
    out.stdout
}

/// Every object of the sandbox (keys included), for before/after checks.
pub fn all_objects(sb: &Sandbox) -> String {
    ipcs_snapshot(sb, &["-a"])
}

/// The System V objects of the sandbox's IPC namespace, one line each: its
/// kind (`msg`, `shm`, `sem`) and the first fields of its `/proc/sysvipc`
/// row — key, id, perms, and the bytes queued, the segment's size or the
/// number of semaphores. For before/after checks of commands that must
/// change nothing (or leave nothing).
pub fn sysv_objects(sb: &Sandbox) -> Vec<String> {
    let script = "for f in msg shm sem; do tail -n +2 /proc/sysvipc/$f | awk -v f=$f '{print f, $1, $2, $3, $4}'; done";
    sh_ok(sb, script).stdout.lines().map(str::to_string).collect()
}

/// A private IPC and mount namespace whose `/dev` is a private tmpfs with
/// `null`, `zero`, `full`, `random` and `urandom` bound in, a private tmpfs
/// on `/dev/shm` and a fresh mqueue instance (of the sandbox's IPC
/// namespace) on `/dev/mqueue`: POSIX objects made or removed inside never
/// touch the host's.
pub struct PosixSandbox {
    /// The sandbox.
    pub sb: Sandbox,
    _dir: TempDir,
}

impl PosixSandbox {
    /// Set it up (`mqueue` false leaves `/dev/mqueue` a plain directory).
    pub fn new(mqueue: bool) -> PosixSandbox {
        let sb = Sandbox::new(&["-i", "-m"]);
        let dir = TempDir::new("ipcdev");
        // Queues are made small: RLIMIT_MSGQUEUE (800 KiB, which root here
        // may not raise) counts every queue of the user in every IPC
        // namespace, ten of the default size, and tests side by side would
        // soon fail to make one ("Too many open files").
        let mq = if mqueue {
            "mount -t mqueue nsutmq \"$d/mqueue\"; echo 1 > /proc/sys/fs/mqueue/msg_default; \
             echo 128 > /proc/sys/fs/mqueue/msgsize_default"
        } else {
            "true"
        };
        let script = format!(
            "set -e; d='{}'; mount -t tmpfs nsutdev \"$d\"; \
             for n in null zero full random urandom; do touch \"$d/$n\"; mount --bind \"/dev/$n\" \"$d/$n\"; done; \
             mkdir \"$d/shm\" \"$d/mqueue\"; mount -t tmpfs nsutshm \"$d/shm\"; {mq}; mount --rbind \"$d\" /dev",
            dir.path().display()
        );
        sh_ok(&sb, &script);
        // make sure the private /dev is what the sandbox sees
        let out = sh_ok(&sb, "stat -f -c %T /dev/shm; ls -A /dev/shm | wc -l");
        assert_eq!(out.stdout, "tmpfs\n0\n", "private /dev/shm not in place");
        if mqueue {
            let out = sh_ok(&sb, "stat -f -c %T /dev/mqueue; ls -A /dev/mqueue | wc -l");
            assert_eq!(out.stdout, "mqueue\n0\n", "private /dev/mqueue not in place");
        }
        PosixSandbox { sb, _dir: dir }
    }

    /// The files of /dev/shm and /dev/mqueue with their sizes and modes.
    pub fn listing(&self) -> String {
        sh_ok(&self.sb, "cd /dev/shm && stat -c '%n %s %a' -- * 2>/dev/null; cd /dev/mqueue && stat -c 'mq %n %a' -- * 2>/dev/null; true")
            .stdout
    }
}

/// A sandbox holding many kinds of object, made with util-linux's ipcmk (so
/// both tools under test see the same, neutrally made state):
///
/// * queues 0–4: root 0644 with two messages (5 + 7 bytes), root 0600 that
///   has seen a send and a receive, nobody, `systemd-network` (a name longer
///   than 10 characters) 0664, and uid 12345 (no passwd entry);
/// * segments 0–5: 1K attached, 4096 0600, 10M 0640 locked, 1536 by
///   systemd-network, 100 by uid 12345, 2047 attached and removed (status
///   `dest`, key 0);
/// * semaphore sets 0–4: 3 semaphores with values 5 and 2 (after a semop),
///   1 semaphore 0600, 2 by systemd-network (one semop), 1 by uid 12345,
///   2 by uid 12345 with group 100 (`users`) 0660.
pub struct RichState {
    /// The sandbox (a private IPC namespace).
    pub sb: Sandbox,
    _attached: ChildGuard,
}

/// The uid with a long name (`systemd-network` on Debian), if there is one.
pub fn long_name_uid() -> Option<u32> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|l| {
        let f: Vec<&str> = l.split(':').collect();
        (f.len() > 2 && f[0].len() > 10).then(|| f[2].parse().ok()).flatten()
    })
}

impl RichState {
    /// Build it.
    // (no Default: building it makes a namespace and objects)
    #[allow(clippy::new_without_default)]
    pub fn new() -> RichState {
        let sb = ipc_sandbox();
        let long = long_name_uid().unwrap_or(4242);
        let script = format!(
            "set -e; as() {{ u=$1; shift; setpriv --reuid $u --regid $u --clear-groups \"$@\"; }}; \
             ipcmk -Q; ipcmk -Q -p 600; as 65534 ipcmk -Q; as {long} ipcmk -Q -p 664; as 12345 ipcmk -Q; \
             ipcmk -M 1K; ipcmk -M 4096 -p 600; ipcmk -M 10M -p 640; as {long} ipcmk -M 1536; as 12345 ipcmk -M 100; ipcmk -M 2047; \
             ipcmk -S 3; ipcmk -S 1 -p 600; as {long} ipcmk -S 2; as 12345 ipcmk -S 1; \
             setpriv --reuid 12345 --regid 100 --clear-groups ipcmk -S 2 -p 660"
        );
        sh_ok(&sb, &script);
        helper(&sb, &["msgsnd", "0", "1", "hello"]);
        helper(&sb, &["msgsnd", "0", "2", "worlds!"]);
        helper(&sb, &["msgsnd", "1", "1", "x"]);
        helper(&sb, &["msgrcv", "1"]);
        helper(&sb, &["semset", "0", "0", "5"]);
        helper(&sb, &["semop", "0", "1", "2"]);
        helper(&sb, &["semop", "2", "0", "1"]);
        helper(&sb, &["lock", "2"]);
        let attached = attach(&sb, &["0", "5"]);
        sb.wrap(util_linux("ipcrm").args(["-m", "5"])).run().success();
        RichState { sb, _attached: attached }
    }
}

/// Replace every key (`0x…` at a line start) by a placeholder: keys are random.
pub fn mask_keys(s: &str) -> String {
    s.lines()
        .map(|l| if l.starts_with("0x") && l.len() > 10 { format!("0xKEY{}", &l[10..]) } else { l.to_string() })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The keys of one kind in a sandbox, in id order (`msg`, `shm`, `sem`).
pub fn keys(sb: &Sandbox, kind: &str) -> Vec<String> {
    let flag = match kind {
        "msg" => "-q",
        "shm" => "-m",
        _ => "-s",
    };
    ipcs_snapshot(sb, &[flag]).lines().filter(|l| l.starts_with("0x")).map(|l| l[..10].to_string()).collect()
}

/// ipcmk argument lists, good and bad, for comparing with util-linux.
pub const IPCMK_CASES: &[&[&str]] = &[
    &["-M", "1K"],
    &["-M", "4096", "-p", "600"],
    &["--shmem", "10M", "--mode", "0640"],
    &["-M", "010"],
    &["-M", "0x10"],
    &["-M", "1KB"],
    &["-M", "1KiB"],
    &["-M", "1k"],
    &["-M", "1m"],
    &["-M", "1G"],
    &["-M", "2.5MiB"],
    &["-M", "1.5K"],
    &["-M", "0.5K"],
    &["-M", "1.5KB"],
    &["-M", "1.K"],
    &["-M", " 5"],
    &["-M", "+5"],
    &["-M", "1kib"],
    &["-Q"],
    &["-Q", "-p", "0600"],
    &["-Q", "-Q"],
    &["extra-arg", "-Q"],
    &["-S", "3"],
    &["--semaphore", "1"],
    &["-S", "2", "-Q", "-M", "100"],
    &["-p", "7777", "-Q"],
    &["-p", "0", "-S", "1"],
    // failures
    &[],
    &["-p", "0600"],
    &["-M", "abc"],
    &["-M", "-1"],
    &["-M", "0"],
    &["-M", "1X"],
    &["-M", "1KiBx"],
    &["-M", "1KIB"],
    &["-M", "1.5"],
    &["-M", ".5K"],
    &["-M", "1 K"],
    &["-M", "1Z"],
    &["-M", "16E"],
    &["-M", "15E"],
    &["-M", "18446744073709551616"],
    &["-M", ""],
    &["-S", "0"],
    &["-S", "-1"],
    &["-S", "abc"],
    &["-S", "100000"],
    &["-S", "99999999999"],
    &["-M", "1K", "-S", "0"],
    &["-M"],
    &["-S"],
    &["--bogus"],
    &["-x"],
];

/// ipcrm steps for [`ipcrm_steps`] on a [`basic_state`]: by id and key,
/// long and short, several at once, bad ones.
pub const IPCRM_STEPS: &[&[&str]] = &[
    &["-v", "-m", "0"],
    &["-m", "0"],
    &["-v", "-M", "{shm0}"],
    &["-M", "0x1234abcd"],
    &["-M", "3156706895"],
    &["-M", "-1"],
    &["-m", "99999"],
    &["-m", "-1"],
    &["-m", " 5"],
    &["--shmem-id=5"],
    &["--semaphore-key", "0x1234"],
    &["--queue-key=01234"],
    &["-q", "12345", "-s", "12345"],
    &["-v", "-Q", "{msg1}", "-S", "{sem1}"],
    &["-m", "1", "-v"],
    &["-v", "-q", "0", "-q", "0"],
    &["extra"],
    &["-v", "--all=sem"],
    &["--bogus"],
    &["-m"],
    &["-v"],
];

/// The same objects in a sandbox: queues 0–1, segments 0–2, sets 0–1.
pub fn basic_state(sb: &Sandbox) {
    sh_ok(sb, "set -e; ipcmk -Q; ipcmk -Q; ipcmk -M 100; ipcmk -M 100; ipcmk -M 100; ipcmk -S 1; ipcmk -S 1");
}

/// Run the same ipcrm steps (`{shmN}`/`{msgN}`/`{semN}` replaced by that
/// sandbox's keys) through ours and `oracle` (a util-linux ipcrm) on
/// identical states, and compare every step and the final state.
pub fn ipcrm_steps(mine: &Sandbox, theirs: &Sandbox, oracle: &dyn Fn() -> Cmd, steps: &[&[&str]]) {
    // (`{shmN}`, key) for the sandbox's objects, as they are before a step
    let placeholders = |sb: &Sandbox| -> Vec<(String, String)> {
        let mut v = Vec::new();
        for kind in ["shm", "msg", "sem"] {
            v.extend(keys(sb, kind).into_iter().enumerate().map(|(i, k)| (format!("{{{kind}{i}}}"), k)));
        }
        v
    };
    for args in steps {
        let (m, t) = (placeholders(mine), placeholders(theirs));
        let subst = |names: &[(String, String)]| -> Vec<String> {
            args.iter().map(|a| names.iter().fold(a.to_string(), |a, (p, k)| a.replace(p.as_str(), k))).collect()
        };
        let ours = mine.wrap(ul_named("ipcrm").args(subst(&m))).run();
        let ul = theirs.wrap(oracle().args(subst(&t))).run();
        // the key text echoed in a message is that sandbox's key
        assert_same_with(&ours, &ul, |s| m.iter().chain(&t).fold(s.to_string(), |s, (p, k)| s.replace(k.as_str(), p)));
        assert_eq!(mask_keys(&all_objects(mine)), mask_keys(&all_objects(theirs)), "state after {args:?}");
    }
}
