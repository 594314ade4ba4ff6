//! nsenter-rs's error paths against util-linux HEAD's nsenter (issue 13's
//! sweep, issue 16's messages): every option's bad values, the missing
//! target, missing and wrong files and directories, absent, dead and
//! zombie targets, ordinary users, and the failures nsenter meets at run
//! time (setuid/setgid, `-r`/`-w`/`-W`, `-N`, `--user-parent`), each run
//! through ours and HEAD against the same targets and compared byte for
//! byte (nsutils' hint lines aside).
//!
//! Targets: `{T}` sleeps in namespaces of its own; `{Z}` is a zombie;
//! `{S}` holds a socket (fd 7) of our network namespace in a network
//! namespace of its own; `{G}` is a PID above `pid_max`. `{D}` is a
//! directory holding a file `f`, a directory `d`, a FIFO `fifo` and a
//! directory `private` that only root may enter. Nothing here changes the
//! system: the programs run are `true`, `pwd` and `readlink`.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::time::Duration;

use nsutils_tests::errors::{case_files, Kept, Sweep};
use nsutils_tests::{children_of, proc_state, require_root, util_linux, wait_until, Cmd, Sleeper, TempDir};

/// Bad values, option by option.
const VALUES: &[&str] = &[
    // -t
    "-t abc -n true",
    "-t '' -n true",
    "-t ' ' -n true",
    "-t 0 -n true",
    "-t -1 -n true",
    "-t +0 -n true",
    "-t 0x10 -n true",
    "-t 0abc -n true",
    "-t '0 ' -n true",
    "-t -5abc -n true",
    "-t 010 -u true",
    "-t 2147483648 -n true",
    "-t 2147483648abc -n true",
    "-t 99999999999999999999 -n true",
    "-t 1e3 -n true",
    "-t '{T} ' -n true",
    "-t ' {T}' -u true",
    "-t +{T} -u true",
    "-t {T}: -n true",
    "-t :1 -n true",
    "-t {T}:0 -n true",
    "-t {T}:-1 -n true",
    "-t {T}:abc -n true",
    "-t {T}:0x5 -n true",
    "-t {T}:1:2 -n true",
    "-t '{T} :5' -n true",
    "-t {T}:1 -n true",
    "-t '{T}: 1' -n true",
    "-t {T}:+2 -n true",
    "-t {T}:18446744073709551615 -n true",
    "-t {T}:18446744073709551616 -n true",
    "-t {T} -t {T} -n true",
    "-t {G} -n true",
    "-t {G} -a true",
    "-t {G} -r true",
    "-t {G} -w true",
    "-t {G} -e true",
    "-t 2147483647 -n true",
    // -S, -G
    "-t {T} -S abc -n true",
    "-t {T} -S '' -n true",
    "-t {T} -S -1 -n true",
    "-t {T} -S 4294967296 -n true",
    "-t {T} -S 99999999999999999999 -n true",
    "-t {T} -S FOLLOW -n true",
    "-t {T} -S 0x10 -n true",
    "-t {T} -S 4294967295 -n true",
    "-t {T} -G abc -n true",
    "-t {T} -G -1 -n true",
    "-t {T} -G 4294967295 -n true",
    "-t {T} -S 4294967295 -G 4294967295 -n true",
    "-t {T} -G 4294967296 -n true",
    // -N
    "-t {T} -N abc true",
    "-t {T} -N '' true",
    "-t {T} -N 7x true",
    "-t {T} -N 0x7 true",
    "-t {T} -N 2147483648 true",
    "-t {T} -N 4294967296 true",
    "-t {T} -N -99999999999999999999 true",
    "-t {T} -N -2147483649 true",
    "-t {T} -N -1 true",
    "-t {T} -N -2147483648 true",
    "-t {T} -N -1 -u true",
    "-t {T} -N 9999 true",
    "-t {T} -N 2147483647 true",
    "-t {T} -N 0 true",
    "-t {S} -N 7 -n readlink /proc/self/ns/net",
    "-t {S} -n -N 7 readlink /proc/self/ns/net",
    "-t {S} -N 7 --net=/proc/self/ns/uts readlink /proc/self/ns/net",
    "-t {S} --net={D}/f -N 7 readlink /proc/self/ns/net",
    "-t {S} -N 7 --net={D}/missing true",
    "-t {S} -N +7 -u readlink /proc/self/ns/net",
    "-t {S} -N ' 7' -a readlink /proc/self/ns/net",
    // namespace files
    "--net={D}/missing true",
    "--net={D}/f true",
    "--net={D}/d true",
    "--net={D}/fifo true",
    "--net=/proc/self/ns/uts true",
    "--net=/proc/self/ns/net --mount={D}/f true",
    "--net= true",
    "--net== true",
    "-n= true",
    "-n=/proc/self/ns/net -u true",
    "--net==/proc/self/ns/net -u true",
    "-t {T} -n --net= true",
    "-t {T} --uts==/proc/{T}/ns/uts readlink /proc/self/ns/uts",
    "--mount={D}/private/x true",
    "--net={D}/f/x true",
    "--net=/proc/self/ns/net{FF} true",
    "-U=/proc/self/ns/user true",
    "--net=: true",
    "--net=:abc true",
    "--net=:0 true",
    "--net=:12345 true",
    "-Z true",
    "-t {T} -Z -n true",
    // -r, -w, -W
    "-t {T} -m -r= pwd",
    "-t {T} -m -r=/ pwd",
    "-t {T} -m -r== pwd",
    "-t {T} -m --root= pwd",
    "-t {T} -m --root==/ pwd",
    "-t {T} -m -w= pwd",
    "-t {T} -m -w== pwd",
    "-t {T} -m --wd= pwd",
    "-t {T} -m --wd==/tmp pwd",
    "-t {T} -m -w=/tmp pwd",
    "-t {T} -m -W= pwd",
    "-t {T} -m -W== pwd",
    "-t {T} -m --wdns= pwd",
    "-t {T} -m --wdns==/tmp pwd",
    "-t {T} -m -W=/tmp pwd",
    "-t {T} -m -W /tmp pwd",
    "-t {T} -n -W{D}/missing pwd",
    "-t {T} -n -Wrelative pwd",
    "-t {T} -n -W{D}/f pwd",
    "-t {T} -n -W{D}/f/x pwd",
    "-t {T} -n -w{D}/missing pwd",
    "-t {T} -n -r{D}/missing pwd",
    "-t {T} -n -w{D}/f pwd",
    "-t {T} -n -r{D}/f pwd",
    "-t {T} -n -r{D}/f -w{D}/f pwd",
    "-t {T} -n -w{D}/f -r{D}/f pwd",
    "-t {T} -n -w{D}/f/x pwd",
    "-t {T} -n -w{D}/fifo pwd",
    "-t {T} -n -r{D}/fifo pwd",
    "-t {T} -n -w{D}/d pwd",
    "-t {T} -n -W/tmp -w/tmp pwd",
    "-t {T} -n -w/tmp -W/tmp pwd",
    "-t {T} -n -w -W/tmp pwd",
    "-t {T} -n -W/tmp -r pwd",
];

/// What needs a target, and the order of util-linux's checks after its loop.
const NO_TARGET: &[&str] = &[
    "true",
    "-a true",
    "-a -n true",
    "-r -a true",
    "-S follow true",
    "-G follow true",
    "--net=/proc/self/ns/net -S follow true",
    "--net=/proc/self/ns/net --user-parent true",
    "-t {T} -r true",
    "-t {T} -w true",
    "-t {T} -e true",
    "-t {T} -W/ true",
    "-t {T} -S 0 true",
    "-t {T} -G 0 true",
    "-t {T} -S follow true",
    "-r/ true",
    "-w/ true",
    "-S 0 true",
    "-n true",
    "-U -n true",
    "-m true",
    "-p true",
    "-T true",
    "-C true",
    "-i true",
    "-u true",
    "-r true",
    "-w true",
    "-e true",
    "-r -n true",
    "-n -r true",
    "-e -n true",
    "-w -r true",
    "-r -w true",
    "-r -e true",
    "-e -r true",
    "-w -e true",
    "-r/ -n true",
    "-r -W/tmp true",
    "--net=/proc/self/ns/net -r true",
    "--net=/proc/self/ns/net -m true",
    "--net=/proc/self/ns/net -e true",
    "-N 3 true",
    "-r -N 3 true",
    "-e -N 3 true",
    "-n -N 3 true",
    "-N 3 --net=/proc/self/ns/net true",
    "--user-parent true",
    "-U --user-parent true",
    "--user-parent -r true",
    "-F true",
    "-F -n true",
    "--preserve-credentials true",
    "--keep-caps true",
    "-t {T} true",
    "-t {T} -F true",
    "-t {T} --keep-caps true",
];

/// getopt's own errors.
const GETOPT: &[&str] = &[
    "--bogus",
    "-Y",
    "-t",
    "-N",
    "-S",
    "-G",
    "--target",
    "--setuid",
    "--user-p",
    "--w",
    "--wd=x --bogus",
    "--all=1",
    "--no-fork=x",
    "--user-parent=1",
    "-t {T} -n --bogus",
    "-t{FF} -n",
    "--{FF}",
    "-{FF}",
];

/// Targets that are gone or dying, programs that cannot run.
const TARGETS: &[&str] = &[
    "-t {Z} -n true",
    "-t {Z} -m true",
    "-t {Z} -U true",
    "-t {Z} -r true",
    "-t {Z} -w true",
    "-t {Z} -e true",
    "-t {Z} -n -r true",
    "-t {Z} -S follow -n true",
    "-t {Z} -N 0 true",
    "-t {Z}:1 -n true",
    "-t {T} -n {D}/missing",
    "-t {T} -n {D}/d",
    "-t {T} -n {D}/f",
    "-t {T} -n ''",
    "-t {T} -n --user-parent true",
    "-t {T} --user-parent true",
    "-t {Z} --user-parent true",
    "-t {Z} -n --user-parent true",
];

/// Entering, each way in (a pidfd, or /proc/PID/ns files when pidfd_open(2)
/// fails, for which a second pass runs `TARGETS`, `NOBODY` and these).
const ENTRY: &[&str] = &[
    "-t {T} -a true",
    "-t {T} -U true",
    "-t {T} -n -m -u -i -C -T true",
    "-t {T} -a -S 4294967295 true",
    "-t {T} -n -r{D}/f pwd",
    "-t {T} -m -W{D}/missing pwd",
    "-t {G} -a true",
];

/// The mark of the second pass's cases (in the kept list too): see [`ENTRY`].
const PROC_PATH: &str = "(through /proc/PID/ns)";

/// As an ordinary user (uid and gid 65534).
const NOBODY: &[&str] = &[
    "@nobody -t {T} -n true",
    "@nobody -t {T} -a true",
    "@nobody -t {T} -U true",
    "@nobody -t 1 -n true",
    "@nobody -t 1 -m -u true",
    "@nobody -t 1 -r true",
    "@nobody -t 1 -w true",
    "@nobody -t 1 -e true",
    "@nobody -t {T} -S 0 -n true",
    "@nobody -t {T} -N 3 true",
    "@nobody --net=/proc/{T}/ns/net true",
    "@nobody --net=/proc/self/ns/net true",
    "@nobody --net=/proc/self/ns/net -S 0 true",
    "@nobody --net=/proc/self/ns/net -G 0 true",
    "@nobody --user=/proc/self/ns/user true",
    "@nobody --net={D}/private/x true",
    "@nobody -t {T} -n -w{D}/private pwd",
    // root of a user namespace of its own, which owns nothing of the host's
    "@userns -t {T} -n true",
    "@userns -t {T} -a true",
    "@userns -t 1 -U true",
    "@userns -t {T} -m -u true",
    "@userns --net=/proc/{T}/ns/net true",
    "@userns --user=/proc/self/ns/user true",
    "@userns -t {T} -r true",
    "@userns -t {T} -n -S 0 true",
    "@userns -t {T} -N 3 true",
];

#[test]
fn nsenter_error_paths_match_head() {
    if !require_root() {
        return;
    }
    let Some(mut sweep) = Sweep::new("nsenter", KEPT) else { return };
    let state = State::new();
    let vars = state.vars();
    for line in VALUES.iter().chain(NO_TARGET).chain(GETOPT).chain(ENTRY).chain(TARGETS).chain(NOBODY) {
        // util-linux blocks opening a FIFO: its runs are cut short
        let limit = Duration::from_secs(if line.contains("fifo") { 2 } else { 60 });
        sweep.case(line, &vars, &|c| c.timeout(limit), &|s| s.to_string());
    }
    // The other way in, through /proc/PID/ns files (kernels before 5.8):
    // ours keeps its pidfd and enters through the files where setns(2)
    // refuses pidfds; util-linux takes them when pidfd_open(2) fails, and
    // says what ours says.
    let ours = nsutils_tests::fallbacks::setns_without_pidfd;
    let head = |c: Cmd| c.seccomp_deny(&[libc::SYS_pidfd_open], libc::ENOSYS);
    // (-N and PID:INODE need the pidfd either way)
    let needs_pidfd = |l: &&&str| l.contains(" -N ") || l.contains("}:");
    for line in ENTRY.iter().chain(TARGETS).chain(NOBODY).filter(|l| !needs_pidfd(l)) {
        sweep.case_apart(&format!("{line} {PROC_PATH}"), line, &vars, (&ours, &head), &|s| s.to_string());
    }
    sweep.finish();
}

/// Kept on purpose, with the reason (each is in nsenter-rs(1), NOTES).
const KEPT: &[Kept] = &[
    (
        "-t {Z} -U true (through /proc/PID/ns)",
        "a zombie is refused on every route, with the pidfd's words where there is one; its user \
         namespace link outlives it, and util-linux, entering through the files, tries it (our own \
         here: EINVAL; another one it would enter)",
    ),
    ("-t {T} -S 4294967296 -n true", "uids past 4294967295 are refused; util-linux wraps them (this one to 0)"),
    ("-t {T} -G 4294967296 -n true", "gids past 4294967295 are refused; util-linux wraps them (this one to 0)"),
    (
        "-t {T} -N -2147483649 true",
        "descriptors below -2147483648 are refused; util-linux wraps them (this one to 2147483647)",
    ),
    ("--net={D}/fifo true", "util-linux blocks opening a FIFO given as a namespace file (killed after 2 s)"),
    ("-t {T} -n -w{D}/fifo pwd", "util-linux blocks opening a FIFO given as a directory (killed after 2 s)"),
    ("-t {T} -n -r{D}/fifo pwd", "util-linux blocks opening a FIFO given as a directory (killed after 2 s)"),
    ("-a true", "util-linux 2.43 reads /proc/0 (stat of /proc/0/ns/user failed); said as 2.38.1 did"),
    ("-a -n true", "util-linux 2.43 reads /proc/0 (stat of /proc/0/ns/user failed); said as 2.38.1 did"),
    ("-r -a true", "util-linux 2.43 reads /proc/0 (stat of /proc/0/ns/user failed); said as 2.38.1 did"),
    ("-S follow true", "util-linux 2.43 names nothing (neither filename nor target pid supplied for )"),
    ("-G follow true", "util-linux 2.43 names nothing (neither filename nor target pid supplied for )"),
    ("--net=/proc/self/ns/net -S follow true", "util-linux 2.43 names nothing"),
    ("-t {T} -r true", "root, directories, environment and credentials count as something to do"),
    ("-t {T} -w true", "root, directories, environment and credentials count as something to do"),
    ("-t {T} -e true", "root, directories, environment and credentials count as something to do"),
    ("-t {T} -W/ true", "root, directories, environment and credentials count as something to do"),
    ("-t {T} -S 0 true", "root, directories, environment and credentials count as something to do"),
    ("-t {T} -G 0 true", "root, directories, environment and credentials count as something to do"),
    ("-t {T} -S follow true", "root, directories, environment and credentials count as something to do"),
    ("-r/ true", "root, directories, environment and credentials count as something to do"),
    ("-w/ true", "root, directories, environment and credentials count as something to do"),
    ("-S 0 true", "root, directories, environment and credentials count as something to do"),
    ("-t {T} -m -W /tmp pwd", "-W needs an attached directory; util-linux runs the next word (fails to execute /tmp)"),
    ("--net=: true", "namespace IDs (Linux 6.19): util-linux 2.43 opens a file named ':'"),
    ("--net=:abc true", "namespace IDs (Linux 6.19): util-linux 2.43 opens a file named ':abc'"),
    ("--net=:0 true", "namespace IDs (Linux 6.19): util-linux 2.43 opens a file named ':0'"),
    ("--net=:12345 true", "namespace IDs need Linux 6.19, said so; util-linux 2.43 opens a file named ':12345'"),
    ("-Z true", "-Z without SELinux is an error that says so; util-linux built without SELinux knows no -Z"),
    ("-t {T} -Z -n true", "-Z without SELinux is an error that says so; util-linux built without SELinux knows no -Z"),
    (
        "-t {T} -n --user-parent true",
        "--user-parent with -n takes the owner of the network namespace (here ours, which cannot be re-entered)",
    ),
    ("--net=/proc/self/ns/net --user-parent true", "--user-parent works without -t, on the namespaces given"),
    (
        "-t {Z} -n --user-parent true",
        "--user-parent with -n takes the owner of the network namespace: the zombie's cannot be opened",
    ),
];

/// The targets and files the cases name.
struct State {
    target: Sleeper,
    _zombie: Sleeper,
    zombie_pid: u32,
    socket: Sleeper,
    dir: TempDir,
}

/// A parent that leaves its child a zombie, then sleeps (`sleep` does not
/// reap it).
const ZOMBIE_PY: &str = "import os\np = os.fork()\nif p == 0:\n    os._exit(0)\nos.execvp('sleep', ['sleep', '1000'])";

/// A socket of the caller's network namespace at fd 7, kept by a process
/// in a network namespace of its own.
const SOCKET_PY: &str = "import ctypes, os, socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n\
os.dup2(s.fileno(), 7)\nassert ctypes.CDLL(None, use_errno=True).unshare(0x40000000) == 0\n\
os.execvp('sleep', ['sleep', '1000'])";

impl State {
    fn new() -> State {
        let target = Sleeper::start(util_linux("unshare").args([
            "--kill-child",
            "-f",
            "-i",
            "-m",
            "-n",
            "-u",
            "-C",
            "-T",
            "sleep",
            "1000",
        ]));
        let zombie = Sleeper::start(Cmd::new("python3").args(["-c", ZOMBIE_PY]));
        let mut zombie_pid = 0;
        wait_until(10, "the zombie", || {
            zombie_pid = children_of(zombie.pid()).first().copied().unwrap_or(0);
            zombie_pid != 0 && proc_state(zombie_pid) == Some('Z')
        });
        let socket = Sleeper::start(Cmd::new("python3").args(["-c", SOCKET_PY]));
        let dir = case_files("nserr");
        State { target, _zombie: zombie, zombie_pid, socket, dir }
    }

    fn vars(&self) -> Vec<(&'static str, OsString)> {
        let pid_max: u64 = std::fs::read_to_string("/proc/sys/kernel/pid_max").unwrap().trim().parse().unwrap();
        vec![
            ("T", self.target.pid().to_string().into()),
            ("Z", self.zombie_pid.to_string().into()),
            ("S", self.socket.pid().to_string().into()),
            ("G", (pid_max + 1).to_string().into()),
            ("D", self.dir.path().as_os_str().to_owned()),
            ("FF", OsString::from_vec(vec![0xff])),
        ]
    }
}
