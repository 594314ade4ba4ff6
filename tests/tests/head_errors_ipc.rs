//! ipcmk-rs, ipcs-rs and ipcrm-rs's error paths against util-linux HEAD's
//! tools (issue 13's sweep, issue 16's messages): every option's bad
//! values, sizes, modes, keys, ids and names, what an ordinary user may not
//! do to root's objects (System V and POSIX), and what is not there. Ours
//! and HEAD's each run in a private IPC namespace and /dev of their own,
//! holding the same objects; after every case the two must still hold the
//! same (a refused command changes nothing, in either).
//!
//! The objects, each 0600 and root's: queues with keys 0x111 (id 0) and
//! 0x112 (id 1, 0644), a segment 0x222, a semaphore set 0x333, and the
//! POSIX `/pshm`, `/pmq` and `/psem`. (util-linux HEAD's ipcs has no POSIX
//! options yet: ipcs-rs's are compared with HEAD's refusal of them only.)

use nsutils_tests::errors::{Kept, Sweep};
use nsutils_tests::suite::ipc::{make_object, mask_keys, PosixSandbox, TZ};
use nsutils_tests::{require_root, util_linux, util_linux_head, Cmd};

const IPCMK: &[&str] = &[
    "",
    "-M",
    "-M abc",
    "-M ''",
    "-M ' '",
    "-M -1",
    "-M 0",
    "-M 99999999999999999999",
    "-M 1X",
    "-M 1kB",
    "-M 1.5.5K",
    "-M 1K -p abc",
    "-M 1K -p ''",
    "-M 1K -p 8",
    "-M 1K -p 99999999999",
    "-M 1K -p -1",
    "-S",
    "-S abc",
    "-S ''",
    "-S 0",
    "-S -1",
    "-S 99999999999",
    "-S 4294967296",
    "-S 99999",
    "-Q -p 0o7",
    "-Q -p 0x1ff",
    "-M 99999999999999",
    "-M 1T",
    "-n /x",
    "-n",
    "-m 1K -n ''",
    "-m 1K -n /",
    "-m 1K -n //",
    "-m 1K -n /a/b",
    "-m abc -n /x",
    "-m 1K -n /pshm",
    "-q -n ''",
    "-q -n /a/b",
    "-q -n /pmq",
    "-s -n ''",
    "-s -n /",
    "-s -n /psem",
    "-m 1K",
    "-q",
    "-s",
    "--bogus",
    "-x",
    "extra",
    "-Q extra",
    "--sh",
    "--p",
    "--posix-shmem",
    "@nobody -M 99999999999999",
    "@nobody -m 1K -n /pshm",
    "@nobody -q -n /pmq",
    "@nobody -s -n /psem",
];

const IPCS: &[&str] = &[
    "-i",
    "-i abc",
    "-i ''",
    "-i -1",
    "-i 99999999999",
    "-i 999999 -q",
    "-i 999999 -m",
    "-i 999999 -s",
    "-i 999999",
    "-i 1 -a",
    "-a -i 1",
    "-i 0",
    "-c -l",
    "-c -u",
    "-l -b",
    "-c -l -u -b",
    "-b -c",
    "-u -b",
    "--human -c",
    "-y",
    "--bogus",
    "--s",
    "--h",
    "extra",
    "-q extra",
    "-i 0 -m --posix-shmem",
    "--posix-shmem -i 1",
    "--posix-mqueue --name",
    "--name",
    "--name /nonexist",
    "--name /nonexist -m",
    "--name /nonexist --posix-mqueue",
    "--name /nonexist --posix-shmem",
    "--name /nonexist --posix-semaphore",
    "--name '' --posix-shmem",
    "@nobody -i 0 -q",
    "@nobody -i 0 -m",
    "@nobody -i 0 -s",
];

const IPCRM: &[&str] = &[
    "",
    "-q",
    "-q abc",
    "-q ''",
    "-q ' '",
    "-q -1",
    "-q 99999999999",
    "-q 999999",
    "-m 999999",
    "-s 999999",
    "-Q abc",
    "-Q 0",
    "-Q 0x0",
    "-Q 0x",
    "-Q 08",
    "-Q 1a",
    "-Q ' '",
    "-Q 0x12345",
    "-M 0x12345",
    "-S 0x12345",
    "-Q -1",
    "-Q -2",
    "-Q 0xffffffff",
    "-Q ' 5'",
    "-Q +5",
    "-Q 05",
    "-Q 99999999999999999999",
    "-Q 0x1ffffffffffffffff",
    "-Q 0x100000000",
    "-Q 0xfffffffff",
    "-Q 4294967296",
    "--all=foo",
    "-a=foo",
    "--all==foo",
    "-x",
    "--bogus",
    "--q",
    "--s",
    "--v",
    "extra",
    "msg",
    "shm",
    "msg abc",
    "msg 1x",
    "msg 0x5",
    "msg 999999",
    "msg 999999 999998",
    "msg -1",
    "msg 99999999999",
    "foo 1",
    "MSG 1",
    "--posix-mqueue /nonexist",
    "--posix-shmem /nonexist",
    "--posix-semaphore /nonexist",
    "--posix-mqueue ''",
    "--posix-shmem ''",
    "--posix-shmem /a/b",
    "--posix-mqueue",
    "-q 999999 -m 999998",
    "-v -q 999999",
    "-s 999999 -q 999999 -v",
    "-m 999999 extra",
    "@nobody -q 0",
    "@nobody -m 0",
    "@nobody -s 0",
    "@nobody -Q 0x111",
    "@nobody -M 0x222",
    "@nobody -S 0x333",
    "@nobody msg 0",
    "@nobody -v -q 0 -m 0",
    "@nobody --posix-mqueue /pmq",
    "@nobody --posix-shmem /pshm",
    "@nobody --posix-semaphore /psem",
    "@nobody -a",
    "@nobody --all=pshm",
    "@nobody --all=pmsg",
    "@nobody --all=psem",
    "@nobody -a pshm",
    // last: util-linux removes objects here (0 for an empty id or one 32
    // bits past it; all of them before it refuses an operand of -a)
    "msg ''",
    "shm ''",
    "sem 4294967296",
    "-a foo",
    "-a ''",
    "-a msg",
];

/// Kept on purpose, with the reason (each is in ipcrm-rs(1), NOTES).
const KEPT_IPCRM: &[Kept] = &[
    ("msg ''", "an empty id is refused; util-linux reads it as id 0 (and would remove object 0)"),
    ("shm ''", "an empty id is refused; util-linux reads it as id 0 (and would remove object 0)"),
    ("msg 99999999999", "an id past 32 bits is refused; util-linux wraps it (to 1215752191)"),
    ("sem 4294967296", "an id past 32 bits is refused; util-linux wraps it (to 0)"),
    ("-Q 0x100000000", "a key past 32 bits is refused; util-linux cuts it (to 0, then illegal key)"),
    ("-Q 0xfffffffff", "a key past 32 bits is refused; util-linux cuts it (to 0xffffffff)"),
    ("-Q 4294967296", "a key past 32 bits is refused; util-linux cuts it (to 0, then illegal key)"),
    ("@nobody -a", "a POSIX queue or semaphore -a could not remove is reported; util-linux says nothing"),
    ("@nobody --all=pmsg", "a POSIX queue -a could not remove is reported; util-linux says nothing, status 0"),
    ("@nobody --all=psem", "a POSIX semaphore -a could not remove is reported; util-linux says nothing, status 0"),
    ("@nobody -a pshm", "nothing is removed when an argument is wrong; util-linux removes (tries) first"),
    ("-a foo", "nothing is removed when an argument is wrong; util-linux removes everything first"),
    ("-a ''", "nothing is removed when an argument is wrong; util-linux removes everything first"),
    ("-a msg", "nothing is removed when an argument is wrong; util-linux removes everything first"),
    ("-m 999999 extra", "nothing is removed when an argument is wrong; util-linux tries -m first"),
];

/// Times and the creator's PID differ between the two states.
fn without_times(s: &str) -> String {
    s.lines()
        .map(|l| {
            let l = match l.find("_time=") {
                Some(i) => format!("{}_time=T", &l[..i]),
                None => l.to_string(),
            };
            match l.find("cpid=") {
                Some(i) => {
                    let rest = &l[i + 5..];
                    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                    format!("{}cpid=N{}\n", &l[..i], &rest[digits..])
                }
                None => format!("{l}\n"),
            }
        })
        .collect()
}

/// What the state of the sandbox whose holder is `pid` holds: its System V
/// objects (keys drawn at random masked) and POSIX files.
fn snapshot(pid: u32) -> String {
    let script = "ipcs -a; cd /dev/shm && stat -c '%n %s %a' -- *; cd /dev/mqueue && stat -c 'mq %n %a' -- *; true";
    let out = util_linux("nsenter").args(["-t", &pid.to_string(), "-i", "-m", "sh", "-c", script]).run();
    out.success();
    mask_keys(&out.stdout)
}

/// The objects of the module doc, made the same way in both states.
fn state() -> Option<PosixSandbox> {
    let mk = util_linux_head("ipcmk")?;
    let p = PosixSandbox::new(true);
    make_object(&p.sb, "msg", 0x111, 0, 0o600);
    make_object(&p.sb, "msg", 0x112, 0, 0o644);
    make_object(&p.sb, "shm", 0x222, 4096, 0o600);
    make_object(&p.sb, "sem", 0x333, 1, 0o600);
    for args in [&["-m", "1K", "-n", "/pshm"][..], &["-q", "-n", "/pmq"], &["-s", "-n", "/psem"]] {
        p.sb.wrap(mk.clone().args(args).args(["-p", "600"])).run().success();
    }
    Some(p)
}

/// Run `cases` of `ul` through ours and HEAD in twin states.
fn sweep(ul: &'static str, cases: &[&str], kept: &'static [Kept]) {
    if !require_root() {
        return;
    }
    let Some(sweep) = Sweep::new(ul, kept) else { return };
    let (Some(mine), Some(theirs)) = (state(), state()) else { return };
    // what a case left must be the same (keys drawn at random aside)
    let (m, t) = (mine.sb.pid(), theirs.sb.pid());
    let mut sweep = sweep.comparing_states(Box::new(move || (snapshot(m), snapshot(t))));
    let ours = |c: Cmd| mine.sb.wrap(c.env("TZ", TZ).env("LC_ALL", "C"));
    let head = |c: Cmd| theirs.sb.wrap(c.env("TZ", TZ).env("LC_ALL", "C"));
    for line in cases {
        sweep.case_apart(line, line, &[], (&ours, &head), &without_times);
    }
    sweep.finish();
}

#[test]
fn ipcmk_error_paths_match_head() {
    sweep("ipcmk", IPCMK, &[]);
}

#[test]
fn ipcs_error_paths_match_head() {
    sweep("ipcs", IPCS, &[]);
}

#[test]
fn ipcrm_error_paths_match_head() {
    sweep("ipcrm", IPCRM, KEPT_IPCRM);
}
