//! Bad input across the six tools: a table of malformed invocations — bad
//! and overflowing numbers, unknown columns and types, bad ID-map specs,
//! bad signal names and sizes, missing files, files of the wrong namespace
//! type, conflicting options, bad option syntax. For each:
//!
//! * the first line of stderr is `<tool>: <message>` (exactly the message
//!   in the table; a usage error is followed by the `Try '<tool> --help'`
//!   line), stdout is empty, the exit status is util-linux's;
//! * no panic: no "panicked" text, no death by a signal;
//! * where util-linux 2.38.1 agrees with HEAD, the same argv through
//!   `/usr/bin/<tool>` ends with the same status (`Ul::Status`), or with
//!   the same stderr byte for byte under the same name (`Ul::Same`);
//! * no state change: unshare-rs and nsenter-rs are given a program that
//!   would leave a marker file, and it must not exist afterwards; every
//!   process carries a marker variable and none may be left; the IPC tools
//!   run in a Sandbox holding a few objects of every kind (System V and
//!   POSIX), which must be exactly the same afterwards; the host's mounts
//!   do not change.

use nsutils_tests::suite::ipc::{sh_ok, sysv_objects, PosixSandbox};
use nsutils_tests::{
    mount_table, processes_with_env, require_root, tool, ul_named, unique_name, util_linux, without_proc_pids, Cmd,
    Output, Sandbox, TempDir,
};

/// Whether and how util-linux 2.38.1 is compared.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Ul {
    /// It differs from HEAD here (or lacks the option): ours only.
    No,
    /// Same exit status.
    Status,
    /// Same exit status and the same stderr (as `unshare: …`, hints aside).
    Same,
}

#[derive(Debug)]
struct Case {
    tool: &'static str,
    args: Vec<String>,
    /// The program appended for unshare-rs/nsenter-rs (one that would leave
    /// the marker file).
    program: bool,
    /// The first line of stderr after `<tool>: `; `{PID}` stands for digits.
    msg: String,
    code: i32,
    /// A usage error: the `Try '… --help'` line follows.
    usage: bool,
    ul: Ul,
}

fn case(tool: &'static str, program: bool, args: &[&str], msg: &str, code: i32, ul: Ul) -> Case {
    Case {
        tool,
        args: args.iter().map(|a| a.to_string()).collect(),
        program,
        msg: msg.to_string(),
        code,
        usage: false,
        ul,
    }
}

/// unshare-rs ARGS touch MARKER
fn us(args: &[&str], msg: &str, ul: Ul) -> Case {
    case("unshare-rs", true, args, msg, 1, ul)
}

/// nsenter-rs ARGS touch MARKER
fn ns(args: &[&str], msg: &str, ul: Ul) -> Case {
    case("nsenter-rs", true, args, msg, 1, ul)
}

fn ls(args: &[&str], msg: &str, ul: Ul) -> Case {
    case("lsns-rs", false, args, msg, 1, ul)
}

fn mk(args: &[&str], msg: &str, ul: Ul) -> Case {
    case("ipcmk-rs", false, args, msg, 1, ul)
}

fn ipcs(args: &[&str], msg: &str, ul: Ul) -> Case {
    case("ipcs-rs", false, args, msg, 1, ul)
}

fn rm(args: &[&str], msg: &str, ul: Ul) -> Case {
    case("ipcrm-rs", false, args, msg, 1, ul)
}

/// A getopt or other usage error (the `Try` line follows).
fn usage(mut c: Case) -> Case {
    c.usage = true;
    c
}

/// Another exit status.
fn code(mut c: Case, status: i32) -> Case {
    c.code = status;
    c
}

/// No program appended.
fn bare(mut c: Case) -> Case {
    c.program = false;
    c
}

const RANGE: &str = "Numerical result out of range";

fn matrix() -> Vec<Case> {
    use Ul::{No, Same, Status};
    let mut v = vec![
        // ------------------------------------------------ unshare-rs: numbers
        us(&["-S", "abc"], "failed to parse uid: 'abc'", Same),
        us(&["-S", ""], "failed to parse uid: ''", Same),
        us(&["-S", "12a"], "failed to parse uid: '12a'", Same),
        us(&["--setuid=0x"], "failed to parse uid: '0x'", Same),
        us(&["-S", "4294967296"], &format!("failed to parse uid: '4294967296': {RANGE}"), No),
        us(&["-S", "-1"], &format!("failed to parse uid: '-1': {RANGE}"), Status),
        us(&["-S", "99999999999999999999"], &format!("failed to parse uid: '99999999999999999999': {RANGE}"), Same),
        us(&["-G", "x1"], "failed to parse gid: 'x1'", Same),
        us(&["-G", "1.5"], "failed to parse gid: '1.5'", Same),
        us(&["-G", "0x"], "failed to parse gid: '0x'", Same),
        us(&["--setgid=-5"], &format!("failed to parse gid: '-5': {RANGE}"), No),
        us(&["--setgid", " "], "failed to parse gid: ' '", Same),
        us(&["--map-user=nosuchuser"], "failed to parse uid 'nosuchuser': Invalid argument", No),
        us(&["--map-user="], "failed to parse uid '': Invalid argument", Status),
        us(&["--map-user=4294967295"], "failed to parse uid '4294967295': Invalid argument", No),
        us(&["--map-user=4294967296"], &format!("failed to parse uid '4294967296': {RANGE}"), No),
        us(&["--map-group=nosuchgroup"], "failed to parse gid 'nosuchgroup': Invalid argument", Status),
        us(&["--map-group=99999999999"], &format!("failed to parse gid '99999999999': {RANGE}"), No),
        us(&["--map-group=-1"], &format!("failed to parse gid '-1': {RANGE}"), No),
        us(&["-T", "--monotonic", "abc"], "failed to parse monotonic offset: 'abc'", Same),
        us(&["-T", "--monotonic=1e3"], "failed to parse monotonic offset: '1e3'", Same),
        us(&["-T", "--monotonic="], "failed to parse monotonic offset: ''", Same),
        us(
            &["-T", "--boottime", "99999999999999999999"],
            &format!("failed to parse boottime offset: '99999999999999999999': {RANGE}"),
            Same,
        ),
        us(
            &["-T", "--boottime=-9223372036854775809"],
            &format!("failed to parse boottime offset: '-9223372036854775809': {RANGE}"),
            Status,
        ),
        us(&["-T", "--boottime=5s"], "failed to parse boottime offset: '5s'", Same),
        us(
            &["--monotonic", "5"],
            "options --monotonic and --boottime require unsharing of a time namespace (-T)",
            Status,
        ),
        us(&["--boottime=5"], "options --monotonic and --boottime require unsharing of a time namespace (-T)", Status),
        // ------------------------------------------------ unshare-rs: maps
        us(&["--map-users=1,2"], "invalid mapping '1,2'", Status),
        us(&["--map-users=a:b:c"], "invalid mapping 'a:b:c'", Status),
        us(&["--map-users=0:1"], "invalid mapping '0:1'", Status),
        us(&["--map-users=0:4294967296:2"], "invalid mapping '0:4294967296:2'", Status),
        us(&["--map-users=0:0:0"], "invalid mapping '0:0:0'", Status),
        us(&["--map-users=-1:0:1"], "invalid mapping '-1:0:1'", Status),
        us(&["--map-users=1:2:3:4"], "invalid mapping '1:2:3:4'", Status),
        us(&["--map-users="], "invalid mapping ''", Status),
        us(&["--map-groups=1,2,3,4"], "invalid mapping '1,2,3,4'", Status),
        us(&["--map-groups=1 :2:3"], "invalid mapping '1 :2:3'", Status),
        us(&["--map-groups=0:0:4294967296"], "invalid mapping '0:0:4294967296'", Status),
        us(&["--map-users=0x1:0:1"], "invalid mapping '0x1:0:1'", Status),
        us(&["--map-users=1,2:3"], "invalid mapping '1,2:3'", Status),
        us(&["--map-users=1:2:3", "--map-groups=x"], "invalid mapping 'x'", Status),
        us(&["--map-users=++1:2:3"], "invalid mapping '++1:2:3'", Status),
        // ------------------------------------------------ unshare-rs: signals
        us(&["--kill-child=FOO"], "unknown signal: FOO", Same),
        us(&["--kill-child=9"], "unknown signal: 9", Same),
        us(&["--kill-child=SIGFOO"], "unknown signal: SIGFOO", Same),
        us(&["--kill-child="], "unknown signal: ", Same),
        us(&["--kill-child=sig"], "unknown signal: sig", Same),
        us(&["--kill-child=RTMIN+"], "unknown signal: RTMIN+", Same),
        us(&["--kill-child=RTMAX-"], "unknown signal: RTMAX-", Same),
        us(&["--kill-child=RTMIN+2147483647"], "unknown signal: RTMIN+2147483647", Same),
        us(&["--kill-child=RTMAX-100"], "unknown signal: RTMAX-100", Same),
        us(&["--kill-child=RTMIN5"], "unknown signal: RTMIN5", Same),
        us(&["--kill-child=RTMIN-1"], "unknown signal: RTMIN-1", Same),
        us(&["--kill-child=TERM "], "unknown signal: TERM ", Same),
        // ------------------------------------------------ unshare-rs: words
        us(&["--setgroups", "maybe"], "unsupported --setgroups argument 'maybe'", Same),
        us(&["--setgroups="], "unsupported --setgroups argument ''", Same),
        us(&["--setgroups=Deny"], "unsupported --setgroups argument 'Deny'", Same),
        us(&["--propagation", "foo"], "unsupported propagation mode: foo", Same),
        us(&["--propagation="], "unsupported propagation mode: ", Same),
        us(&["--propagation=Private"], "unsupported propagation mode: Private", Same),
        us(&["--owner", "1:"], "failed to parse owner", No),
        us(&["--owner=abc"], "failed to parse owner", No),
        us(&["--owner=1:2:3"], "failed to parse owner", No),
        us(&["--owner=:1"], "failed to parse owner", No),
        us(&["--owner", "1000"], "failed to parse owner", No),
        // ------------------------------------------------ unshare-rs: conflicts
        us(&["-r", "--setgroups", "allow"], "options --setgroups=allow and --map-group are mutually exclusive", Same),
        us(
            &["--map-group=0", "--setgroups=allow"],
            "options --setgroups=allow and --map-group are mutually exclusive",
            Same,
        ),
        us(&["-c", "--setgroups=allow"], "options --setgroups=allow and --map-group are mutually exclusive", Same),
        // ------------------------------------------------ unshare-rs: files
        us(
            &["--net={D}/missing/net"],
            "mount /proc/{PID}/ns/net on {D}/missing/net failed: No such file or directory",
            Same,
        ),
        // util-linux 2.38.1 runs the program anyway here (its child does not
        // wait for the bind mount); ours never does
        us(
            &["-f", "--uts={D}/missing/uts"],
            "mount /proc/{PID}/ns/uts on {D}/missing/uts failed: No such file or directory",
            No,
        ),
        us(
            &["--pid={D}/pidfile"],
            "mount /proc/{PID}/ns/pid_for_children on {D}/pidfile failed: No such file or directory",
            No,
        ),
        us(&["--net=/etc"], "mount /proc/{PID}/ns/net on /etc failed: Not a directory", Same),
        us(&["--mount-proc=/nonexistent"], "mount /nonexistent failed: No such file or directory", Same),
        us(&["-m", "--mount-proc={D}/pidfile"], "mount {D}/pidfile failed: Not a directory", Same),
        us(&["-R", "/nonexistent"], "cannot change root directory to '/nonexistent': No such file or directory", Same),
        us(&["-R", "{D}/pidfile"], "cannot change root directory to '{D}/pidfile': Not a directory", Same),
        us(&["-w", "/nonexistent"], "cannot change directory to /nonexistent: No such file or directory", Status),
        us(&["-f", "-w", "{D}/pidfile"], "cannot change directory to {D}/pidfile: Not a directory", Status),
        code(bare(us(&["/nonexistent"], "failed to execute /nonexistent: No such file or directory", Same)), 127),
        code(bare(us(&["-f", "/etc/passwd"], "failed to execute /etc/passwd: Permission denied", Same)), 126),
        code(bare(us(&["-n", "/tmp"], "failed to execute /tmp: Permission denied", Same)), 126),
        code(bare(us(&["--net", "/tmp"], "failed to execute /tmp: Permission denied", Same)), 126),
        // ------------------------------------------------ unshare-rs: getopt
        usage(us(&["--bogus"], "unrecognized option '--bogus'", Same)),
        usage(us(&["-Y"], "invalid option -- 'Y'", Same)),
        usage(us(&["-n/x"], "invalid option -- '/'", Same)),
        usage(us(&["--fork=1"], "option '--fork' doesn't allow an argument", Same)),
        usage(us(&["--se"], "option '--se' is ambiguous; possibilities: '--setgroups' '--setuid' '--setgid'", Same)),
        usage(bare(us(&["-S"], "option requires an argument -- 'S'", Same))),
        usage(bare(us(&["--setuid"], "option '--setuid' requires an argument", Same))),
        usage(bare(us(&["--map-users"], "option '--map-users' requires an argument", Same))),
        usage(us(&["--mount-proc=/proc", "--keep-caps=yes"], "option '--keep-caps' doesn't allow an argument", Same)),
        // ------------------------------------------------ nsenter-rs: numbers
        ns(&["-t", "0", "-u"], &format!("failed to parse PID argument '0': {RANGE}"), No),
        ns(&["-t", "-5", "-u"], &format!("failed to parse PID argument '-5': {RANGE}"), No),
        ns(&["-t", "abc", "-u"], "failed to parse PID argument 'abc': Invalid argument", Status),
        ns(&["-t", "", "-u"], "failed to parse PID argument '': Invalid argument", Status),
        ns(
            &["-t", "99999999999999999999", "-u"],
            &format!("failed to parse PID argument '99999999999999999999': {RANGE}"),
            Status,
        ),
        ns(&["-t", "2147483648", "-u"], &format!("failed to parse PID argument '2147483648': {RANGE}"), Status),
        ns(&["-t", "7:0", "-u"], &format!("failed to parse PID argument '7:0': {RANGE}"), No),
        ns(&["-t", "7:abc", "-u"], "failed to parse PID argument '7:abc': Invalid argument", No),
        ns(&["-t", "7:", "-u"], "failed to parse PID argument '7:': Invalid argument", No),
        ns(&["-t", ":7", "-u"], "failed to parse PID argument ':7': Invalid argument", No),
        ns(
            &["-t", "1:99999999999999999999", "-u"],
            &format!("failed to parse PID argument '1:99999999999999999999': {RANGE}"),
            No,
        ),
        ns(&["-t", "1.5", "-n"], "failed to parse PID argument '1.5': Invalid argument", Status),
        ns(&["-S", "-1", "-t", "{ME}", "-u"], &format!("failed to parse uid: '-1': {RANGE}"), No),
        ns(&["-S", "abc", "-t", "{ME}", "-u"], "failed to parse uid: 'abc'", Same),
        ns(&["-G", "abc", "-t", "{ME}", "-u"], "failed to parse gid: 'abc'", Same),
        ns(&["-G", "4294967296", "-t", "{ME}", "-u"], &format!("failed to parse gid: '4294967296': {RANGE}"), No),
        ns(&["-S", "follow2", "-t", "{ME}", "-u"], "failed to parse uid: 'follow2'", Same),
        ns(&["-N", "abc", "-t", "{ME}"], "failed to parse file descriptor: 'abc'", No),
        ns(
            &["-N", "-2147483649", "-t", "{ME}"],
            &format!("failed to parse file descriptor: '-2147483649': {RANGE}"),
            No,
        ),
        ns(&["-N", "2147483648", "-t", "{ME}"], &format!("failed to parse file descriptor: '2147483648': {RANGE}"), No),
        ns(&["--net=:abc"], "invalid namespace ID: ':abc' (use ./:abc for a file whose name starts with ':')", No),
        ns(&["--net=:0"], "invalid namespace ID: ':0' (use ./:0 for a file whose name starts with ':')", No),
        ns(&["--uts=:-1"], "invalid namespace ID: ':-1' (use ./:-1 for a file whose name starts with ':')", No),
        // ------------------------------------------------ nsenter-rs: conflicts and missing targets
        ns(&["-t", "{ME}", "-t", "{ME}", "-u"], "option --target may be given only once", No),
        ns(&["-t", "{ME}"], "no namespace specified", No),
        bare(ns(&[], "no namespace specified", No)),
        ns(&["-t", "{ME}", "-u", "-W/tmp", "-w"], "options --wdns and --wd cannot be combined", No),
        ns(&["-a"], "no target PID specified for --all", Same),
        ns(&["-n"], "no target PID specified", No),
        ns(&["-p", "-u"], "no target PID specified", No),
        ns(&["-N", "3"], "no target PID specified", No),
        ns(&["-r"], "neither filename nor target pid supplied for root", Same),
        ns(&["-w"], "neither filename nor target pid supplied for cwd", Same),
        ns(&["-e"], "neither filename nor target pid supplied for environ", No),
        ns(&["-c"], "neither filename nor target pid supplied for cgroup", No),
        ns(&["-S", "follow"], "no target PID specified for --setuid follow", No),
        ns(&["-G", "follow"], "no target PID specified for --setgid follow", No),
        ns(&["-Z"], "no target PID specified for --follow-context", No),
        ns(&["--user-parent"], "no target PID specified", No),
        ns(
            &["-t", "{ME}", "-u", "-W", "/tmp"],
            "option --wdns needs a directory attached: -W<dir> or --wdns=<dir>",
            No,
        ),
        // ------------------------------------------------ nsenter-rs: files and targets
        ns(&["--net=/nonexistent"], "cannot open /nonexistent: No such file or directory", Same),
        ns(&["--net=/etc/hostname"], "reassociate to namespace 'ns/net' failed: Invalid argument", Same),
        ns(&["--net=/proc/self/ns/uts"], "reassociate to namespace 'ns/net' failed: Invalid argument", Same),
        ns(&["--mount=/etc"], "reassociate to namespace 'ns/mnt' failed: Invalid argument", Same),
        ns(&["--cgroup=/proc/{ME}/ns/net"], "reassociate to namespace 'ns/cgroup' failed: Invalid argument", Same),
        ns(&["--pid=/dev/null"], "reassociate to namespace 'ns/pid' failed: Invalid argument", Same),
        ns(&["--user=/proc/self/ns/user"], "reassociate to namespace 'ns/user' failed: Invalid argument", Same),
        ns(&["--uts={D}/missing"], "cannot open {D}/missing: No such file or directory", Same),
        ns(&["-t", "2147483647", "-n"], "cannot open /proc/2147483647/ns/net: No such file or directory", Same),
        ns(&["-t", "{ME}:1", "-u"], "failed to obtain a valid file descriptor for PID {ME}: No such process", No),
        ns(&["-t", "{ME}", "-w/nonexistent", "-u"], "cannot open /nonexistent: No such file or directory", Same),
        ns(&["-t", "{ME}", "-r/nonexistent", "-u"], "cannot open /nonexistent: No such file or directory", Same),
        ns(&["-t", "{ME}", "-u", "-S", "4294967295"], "setuid() failed: Invalid argument", No),
        ns(&["-t", "{ME}", "-u", "-Z"], "--follow-context needs SELinux, which is not enabled on this system", No),
        code(
            bare(ns(
                &["-t", "{ME}", "-u", "/nonexistent"],
                "failed to execute /nonexistent: No such file or directory",
                Same,
            )),
            127,
        ),
        code(
            bare(ns(&["-t", "{ME}", "-u", "/etc/passwd"], "failed to execute /etc/passwd: Permission denied", Same)),
            126,
        ),
        code(
            bare(ns(
                &["-t", "{ME}", "-p", "/nonexistent"],
                "failed to execute /nonexistent: No such file or directory",
                Same,
            )),
            127,
        ),
        // ------------------------------------------------ nsenter-rs: getopt
        usage(ns(&["--bogus"], "unrecognized option '--bogus'", Same)),
        usage(ns(&["-Y"], "invalid option -- 'Y'", Same)),
        usage(bare(ns(&["--target"], "option '--target' requires an argument", Same))),
        usage(bare(ns(&["-t"], "option requires an argument -- 't'", Same))),
        usage(bare(ns(&["--net-socket"], "option '--net-socket' requires an argument", No))),
        usage(ns(&["--preserve=1"], "option '--preserve-credentials' doesn't allow an argument", Same)),
        usage(ns(&["--s"], "option '--s' is ambiguous; possibilities: '--setuid' '--setgid'", Same)),
        usage(ns(&["--all=yes"], "option '--all' doesn't allow an argument", Same)),
        // ------------------------------------------------ lsns-rs
        ls(&["-t", "foo"], "unknown namespace type: foo", Same),
        ls(&["-t", "NET"], "unknown namespace type: NET", Same),
        ls(&["-t", ""], "unknown namespace type: ", Same),
        ls(&["-t", "net", "-t", "foo"], "unknown namespace type: foo", Same),
        ls(&["-o", "FOO"], "unknown column: FOO", Same),
        ls(&["-o", "NS,foo"], "unknown column: foo", Same),
        ls(&["-o", "foo,NS"], "unknown column: foo,NS", Same),
        ls(&["-o", "+FOO"], "unknown column: FOO", Same),
        ls(&["-o", "NS,"], "unknown column: NS,", Same),
        ls(&["-o", ""], "failed to parse column list: ''", Status),
        ls(&["-o", "NS,,TYPE"], "failed to parse column list: 'NS,,TYPE'", Status),
        ls(&["-o", "+"], "failed to parse column list: '+'", Status),
        ls(&["123"], "not found namespace: 123", Same),
        ls(&["abc"], "invalid namespace argument: 'abc'", Same),
        ls(&["4026531837x"], "invalid namespace argument: '4026531837x'", Same),
        ls(
            &["99999999999999999999999"],
            &format!("invalid namespace argument: '99999999999999999999999': {RANGE}"),
            Same,
        ),
        ls(&["-T", "parent"], "invalid namespace argument: 'parent'", Same),
        ls(&["-p", "abc"], "invalid PID argument: 'abc'", Same),
        ls(&["-p", "0"], &format!("invalid PID argument: '0': {RANGE}"), No),
        ls(&["-p", "-1"], &format!("invalid PID argument: '-1': {RANGE}"), No),
        ls(&["-p", "99999999999"], &format!("invalid PID argument: '99999999999': {RANGE}"), Same),
        ls(&["-p", "1", "4026531837"], "--task is mutually exclusive with <namespace>", Same),
        ls(&["-J", "-r"], "options --json and --raw cannot be combined", Status),
        ls(&["-r", "-J"], "options --raw and --json cannot be combined", Status),
        ls(&["--list-columns", "-J", "-r"], "options --json and --raw cannot be combined", No),
        ls(&["--tree=foo"], "unknown tree type: foo", Same),
        ls(&["-Tfoo"], "unknown tree type: foo", Same),
        ls(&["-Q", "x"], "unknown column: x", No),
        ls(&["-Q", "NS =="], "failed to parse \"NS ==\": syntax error, unexpected end of file", No),
        // (regcomp's messages in glibc's words in every build)
        ls(&["-Q", "NS =~ 'a\\'"], "failed to parse \"NS =~ 'a\\'\": Trailing backslash", No),
        ls(&["-Q", "NS =~ 'a('"], "failed to parse \"NS =~ 'a('\": Unmatched ( or \\(", No),
        // an unclosed double quote is skipped, a single one is no token
        ls(&["-Q", "\"abc"], "unknown column: abc", No),
        ls(&["-Q", "'abc"], "failed to parse \"'abc\": syntax error, unexpected invalid token", No),
        ls(
            &["-Q", "NPROCS > 1KX"],
            "failed to parse \"NPROCS > 1KX\": syntax error, unexpected HOLDER, expecting end of file",
            No,
        ),
        usage(ls(&["--bogus"], "unrecognized option '--bogus'", Same)),
        usage(ls(&["-x"], "invalid option -- 'x'", Same)),
        usage(ls(&["-1"], "invalid option -- '1'", Same)),
        usage(ls(&["-o"], "option requires an argument -- 'o'", Same)),
        usage(ls(&["--output"], "option '--output' requires an argument", Same)),
        usage(ls(&["--output-all=1"], "option '--output-all' doesn't allow an argument", Same)),
        usage(ls(&["-Q"], "option requires an argument -- 'Q'", No)),
        usage(ls(&["-H", "--bogus"], "unrecognized option '--bogus'", No)),
        // ------------------------------------------------ ipcmk-rs
        usage(mk(&[], "bad usage", Same)),
        mk(&["-M", "0"], "create share memory failed: Invalid argument", Same),
        mk(&["-M", "abc"], "failed to parse size: 'abc': Invalid argument", Same),
        mk(&["-M", ""], "failed to parse size: '': Invalid argument", Same),
        mk(&["-M", "-1"], "failed to parse size: '-1': Invalid argument", Same),
        mk(&["-M", "1.5"], "failed to parse size: '1.5': Invalid argument", Same),
        mk(&["-M", "1X"], "failed to parse size: '1X': Invalid argument", Same),
        mk(&["-M", "0x"], "failed to parse size: '0x': Invalid argument", Same),
        mk(&["-M", "99999999999999999999"], &format!("failed to parse size: '99999999999999999999': {RANGE}"), Same),
        mk(&["-M", "16E"], &format!("failed to parse size: '16E': {RANGE}"), Same),
        mk(&["-M", "1Y"], &format!("failed to parse size: '1Y': {RANGE}"), Same),
        mk(&["-M", "1KiBx"], "failed to parse size: '1KiBx': Invalid argument", Same),
        mk(&["-M", "1.5EiB"], "create share memory failed: Cannot allocate memory", Same),
        mk(&["-S", "abc"], "failed to parse elements: 'abc'", Same),
        mk(&["-S", "0"], "create semaphore failed: Invalid argument", Same),
        mk(&["-S", "-1"], "create semaphore failed: Invalid argument", Same),
        mk(&["-S", "2147483648"], &format!("failed to parse elements: '2147483648': {RANGE}"), Same),
        mk(&["-S", "99999"], "create semaphore failed: Invalid argument", Same),
        mk(&["-M", "1K", "-S", "abc"], "failed to parse elements: 'abc'", Same),
        mk(&["-Q", "-S", "x"], "failed to parse elements: 'x'", Same),
        mk(&["-Q", "-p", "999999"], "failed to parse mode: '999999'", Status),
        mk(&["-Q", "-p", "abc"], "failed to parse mode: 'abc'", Status),
        mk(&["-Q", "-p", "8"], "failed to parse mode: '8'", Status),
        mk(&["-Q", "-p", "0x10"], "failed to parse mode: '0x10'", Status),
        mk(&["-Q", "-p", "10000"], &format!("failed to parse mode: '10000': {RANGE}"), No),
        usage(mk(&["--posix-shmem", "10"], "name is required for POSIX IPC", No)),
        mk(&["--posix-mqueue", "--name", "noslash"], "create POSIX message queue failed: Invalid argument", No),
        mk(&["--posix-semaphore", "--name", "/a/b"], "create POSIX semaphore failed: Invalid argument", No),
        mk(&["--posix-shmem", "1", "--name", ""], "create POSIX shared memory failed: Invalid argument", No),
        mk(&["--posix-shmem", "abc", "--name", "/x"], "failed to parse size: 'abc': Invalid argument", No),
        usage(mk(&["-M"], "option requires an argument -- 'M'", Same)),
        usage(mk(&["--bogus"], "unrecognized option '--bogus'", Same)),
        usage(mk(&["-Q", "--mode"], "option '--mode' requires an argument", Same)),
        // ------------------------------------------------ ipcs-rs
        ipcs(&["-i", "abc"], "failed to parse id argument: 'abc'", Same),
        ipcs(&["-i", ""], "failed to parse id argument: ''", Same),
        ipcs(&["-i", "0x10", "-m"], "failed to parse id argument: '0x10'", Same),
        ipcs(&["-i", "99999999999"], &format!("failed to parse id argument: '99999999999': {RANGE}"), Same),
        ipcs(&["-i", "-1"], "when using an ID, a single resource must be specified", Same),
        ipcs(&["-i", "12345"], "when using an ID, a single resource must be specified", Same),
        code(ipcs(&["-i", "12345", "-q"], "id 12345 not found", Same), 0),
        code(ipcs(&["-i", "54321", "-m"], "id 54321 not found", Same), 0),
        ipcs(&["--json", "--raw"], "options --json and --raw cannot be combined", No),
        usage(ipcs(&["-i"], "option requires an argument -- 'i'", Same)),
        usage(ipcs(&["-x"], "invalid option -- 'x'", Same)),
        usage(ipcs(&["--bogus=1"], "unrecognized option '--bogus=1'", Same)),
        usage(ipcs(&["--human=1"], "option '--human' doesn't allow an argument", Same)),
        // ------------------------------------------------ ipcrm-rs
        rm(&["-q", "abc"], "failed to parse argument: 'abc'", Same),
        rm(&["-q", ""], "failed to parse argument: ''", Same),
        rm(&["-q", "99999999999"], &format!("failed to parse argument: '99999999999': {RANGE}"), Same),
        rm(&["-s", "2147483648"], &format!("failed to parse argument: '2147483648': {RANGE}"), Same),
        rm(&["-m", "-1"], "invalid id (-1)", Same),
        rm(&["-q", "12345"], "invalid id (12345)", Same),
        rm(&["-Q", "0"], "illegal key (0)", Same),
        rm(&["-M", "0x0"], "illegal key (0x0)", Same),
        rm(&["-Q", "abc"], "failed to parse argument: 'abc'", Same),
        rm(&["-Q", "- 5"], "failed to parse argument: '- 5'", Same),
        rm(&["-Q", "0x100000001"], &format!("failed to parse argument: '0x100000001': {RANGE}"), Status),
        rm(&["-S", "99999999999"], &format!("failed to parse argument: '99999999999': {RANGE}"), Status),
        rm(&["-M", "12345"], "invalid key (12345)", Same),
        rm(&["--all=foo"], "unknown argument: foo", Same),
        rm(&["-a=foo"], "unknown argument: foo", No),
        usage(rm(&["-a", "foo"], "unknown argument: foo", No)),
        // util-linux removes everything before it complains; we check first
        usage(rm(&["-a", "shm"], "unknown argument: shm", No)),
        rm(&["-q", "0", "-q", "abc"], "failed to parse argument: 'abc'", No),
        usage(rm(&["foo"], "unknown argument: foo", Same)),
        usage(rm(&["shm"], "not enough arguments", Same)),
        rm(&["shm", "abc"], "invalid id: abc", Same),
        rm(&["sem", "-x"], "invalid id: -x", Same),
        // util-linux reads "" as id 0 and removes segment 0
        rm(&["shm", ""], "invalid id: ", No),
        rm(&["msg", "99999"], "invalid id (99999)", Same),
        rm(&["--posix-shmem", "noslash"], "name `noslash' not found", No),
        rm(&["--posix-mqueue", "/nonexistent"], "name `/nonexistent' not found", No),
        rm(&["--posix-semaphore", "/nonexistent"], "name `/nonexistent' not found", No),
        usage(rm(&[], "bad usage", No)),
        usage(rm(&["-x"], "invalid option -- 'x'", Same)),
        usage(rm(&["-q"], "option requires an argument -- 'q'", Same)),
        usage(rm(&["--shmem-id"], "option '--shmem-id' requires an argument", Same)),
    ];
    // a regular expression regcomp would exhaust memory on (a fuzz
    // finding): upstream refuses it before compiling, without a message
    let pluses = "+".repeat(60);
    v.push(ls(
        &["-Q", &format!("COMMAND =~ 'a{pluses}'")],
        &format!("failed to parse \"COMMAND =~ 'a{pluses}'\": (null)"),
        Ul::No,
    ));
    // one it lets through (nested counts)
    v.push(ls(
        &["-Q", "COMMAND =~ 'a{1,1000}{1,1000}'"],
        "failed to parse \"COMMAND =~ 'a{1,1000}{1,1000}'\": Regular expression too big",
        Ul::No,
    ));
    // every tool: numbers that overflow every width
    for big in ["18446744073709551616", "340282366920938463463374607431768211456"] {
        v.push(us(&["-S", big], &format!("failed to parse uid: '{big}': {RANGE}"), Same));
        v.push(ns(&["-t", big, "-n"], &format!("failed to parse PID argument '{big}': {RANGE}"), No));
        v.push(ls(&["-p", big], &format!("invalid PID argument: '{big}': {RANGE}"), Same));
        v.push(mk(&["-M", big], &format!("failed to parse size: '{big}': {RANGE}"), Same));
        v.push(ipcs(&["-i", big, "-q"], &format!("failed to parse id argument: '{big}': {RANGE}"), Same));
        v.push(rm(&["-m", big], &format!("failed to parse argument: '{big}': {RANGE}"), Same));
    }
    v
}

fn ul_name(tool: &str) -> &'static str {
    nsutils_tests::TOOLS.iter().find(|(o, _)| *o == tool).map(|(_, u)| *u).unwrap()
}

fn is_ipc(tool: &str) -> bool {
    tool.starts_with("ipc")
}

/// `msg` with `{PID}` matching any digits.
fn matches(line: &str, msg: &str) -> bool {
    let mut rest = line;
    for (i, part) in msg.split("{PID}").enumerate() {
        if i > 0 {
            let n = rest.bytes().take_while(u8::is_ascii_digit).count();
            if n == 0 {
                return false;
            }
            rest = &rest[n..];
        }
        match rest.strip_prefix(part) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}

/// Hint lines (ours only) dropped, pids blurred.
fn comparable(stderr: &str) -> String {
    let lines: String = stderr.lines().filter(|l| !l.contains(": hint: ")).map(|l| format!("{l}\n")).collect();
    without_proc_pids(&lines)
}

/// System V objects and POSIX names in the sandbox.
fn ipc_state(sandbox: &Sandbox) -> Vec<String> {
    let mut state = sysv_objects(sandbox);
    state.extend(sh_ok(sandbox, "ls -A /dev/shm /dev/mqueue").stdout.lines().map(str::to_string));
    state
}

#[test]
fn the_matrix_of_malformed_invocations() {
    if !require_root() {
        return;
    }
    let cases = matrix();
    assert!(cases.len() >= 200, "only {} cases", cases.len());
    for tool in ["unshare-rs", "nsenter-rs", "lsns-rs", "ipcmk-rs", "ipcs-rs", "ipcrm-rs"] {
        assert!(cases.iter().filter(|c| c.tool == tool).count() >= 10, "few cases for {tool}");
    }

    let dir = TempDir::new("bad");
    let d = dir.path().display().to_string();
    dir.touch("pidfile");
    let marker_file = dir.join("ran");
    let marker_var = unique_name("bad");
    let me = std::process::id().to_string();
    // IPC tools run here, beside objects that must survive every case
    let posix = PosixSandbox::new(true);
    let sandbox = &posix.sb;
    let mk = nsutils_tests::tool_path("ipcmk-rs").display().to_string();
    sandbox
        .sh(&format!(
            "ipcmk -Q && ipcmk -M 4096 && ipcmk -S 2 && ipcmk -Q && {mk} --posix-shmem 100 --name /keep && \
             {mk} --posix-mqueue --name /keepq && {mk} --posix-semaphore --name /keeps"
        ))
        .success();
    let ipc_before = ipc_state(sandbox);
    assert!(ipc_before.len() >= 5, "{ipc_before:?}");
    let mounts_before = mount_table();

    let subst = |s: &str| s.replace("{D}", &d).replace("{ME}", &me);
    let prepare = |c: &Case, cmd: Cmd| -> Cmd {
        let mut cmd = cmd.args(c.args.iter().map(|a| subst(a))).env("NSUT_BAD", &marker_var);
        if c.program {
            cmd = cmd.args(["touch", marker_file.to_str().unwrap()]);
        }
        if is_ipc(c.tool) {
            sandbox.wrap(cmd)
        } else {
            cmd
        }
    };
    let check = |c: &Case| -> Vec<String> {
        let mut problems = Vec::new();
        // argv[0] is the bare name, as a PATH lookup gives it (getopt's
        // messages carry argv[0] as given: plumbing.rs tests that)
        let ours = prepare(c, tool(c.tool).arg0(c.tool)).run();
        let what = format!("{} {:?}", c.tool, c.args);
        let mut fail = |p: String| problems.push(format!("{what}: {p}\n{}", describe(&ours)));
        if ours.signal.is_some() || ours.stderr.contains("panicked") || ours.stderr.contains("RUST_BACKTRACE") {
            fail("panicked or died of a signal".into());
        }
        if ours.code != Some(c.code) {
            fail(format!("exit status {:?}, want {}", ours.code, c.code));
        }
        if !ours.stdout.is_empty() {
            fail("output on stdout".into());
        }
        let mut lines = ours.stderr.lines();
        let first = lines.next().unwrap_or("");
        let want = format!("{}: {}", c.tool, subst(&c.msg));
        if !matches(first, &want) {
            fail(format!("first line {first:?}, want {want:?}"));
        }
        if c.usage {
            let want = format!("Try '{} --help' for more information.", c.tool);
            if !ours.stderr.lines().any(|l| l == want) {
                fail(format!("no {want:?} line"));
            }
        }
        if marker_file.exists() {
            fail("the program ran".into());
        }
        if c.ul != Ul::No {
            let ul = ul_name(c.tool);
            let named = prepare(c, ul_named(ul)).run();
            if marker_file.exists() {
                fail("the program ran (under util-linux's name)".into());
            }
            let theirs = prepare(c, util_linux(ul)).run();
            if marker_file.exists() {
                fail("util-linux ran the program".into());
            }
            if (named.code, named.signal) != (theirs.code, theirs.signal) {
                fail(format!("util-linux ends with {:?}/{:?}\n{}", theirs.code, theirs.signal, describe(&theirs)));
            } else if c.ul == Ul::Same && comparable(&named.stderr) != comparable(&theirs.stderr) {
                fail(format!("stderr differs from util-linux's:\n{}---\n{}", named.stderr, theirs.stderr));
            }
        }
        problems
    };

    let workers = 4;
    let problems: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (cases, check) = (&cases, &check);
                s.spawn(move || cases.iter().skip(w).step_by(workers).flat_map(check).collect::<Vec<_>>())
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("worker")).collect()
    });
    assert!(
        problems.is_empty(),
        "{} of {} cases went wrong:\n\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n\n")
    );

    // no state change
    assert!(!marker_file.exists(), "a program ran");
    let left = processes_with_env("NSUT_BAD", &marker_var);
    assert!(left.is_empty(), "processes left behind: {left:?}");
    assert_eq!(ipc_state(sandbox), ipc_before, "IPC objects changed");
    assert_eq!(mount_table(), mounts_before, "mounts changed");
}

fn describe(o: &Output) -> String {
    format!("  exit {:?} signal {:?}\n  stdout: {:?}\n  stderr: {:?}", o.code, o.signal, o.stdout, o.stderr)
}
