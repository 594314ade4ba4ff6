//! unshare-rs's error paths against util-linux HEAD's unshare (issue 13's
//! sweep, issue 16's messages): every option's bad values, conflicting
//! and missing combinations, missing and wrong files and directories, an
//! ordinary user's failures (setpriv to 65534), range maps the kernel
//! refuses and `/etc/subuid` lines that do not parse, each run through
//! ours and HEAD in the same private mount namespace (so nothing either
//! binds or mounts outlives the test) and compared byte for byte
//! (nsutils' hint lines and `/proc/PID` aside).
//!
//! `{D}` is a directory holding a file `f`, a directory `d` and a
//! directory `private` that only root may enter; `{FF}` is a byte that is
//! not UTF-8.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use nsutils_tests::errors::{case_files, Kept, Sweep};
use nsutils_tests::subids::SubidFiles;
use nsutils_tests::{require_root, Sandbox, TempDir};

/// Bad values, option by option.
const VALUES: &[&str] = &[
    // -S, -G
    "-S abc true",
    "-S '' true",
    "-S ' ' true",
    "-S 12a true",
    "-S 0x10 true",
    "-S 1.5 true",
    "-S -1 true",
    "-S -0 true",
    "-S 4294967296 true",
    "-S 18446744073709551616 true",
    "-S 99999999999999999999 true",
    "-S ' 5' true",
    "-S +5 true",
    "-S 010 true",
    "-G abc true",
    "-G -1 true",
    "-G 4294967296 true",
    "-G 99999999999999999999 true",
    "-G '' true",
    "-S 4294967295 true",
    "-G 4294967295 true",
    // --map-user, --map-group
    "--map-user=nosuchuser true",
    "--map-user= true",
    "--map-user=-1 true",
    "--map-user=4294967295 true",
    "--map-user=4294967296 true",
    "--map-user=+1 true",
    "--map-user=' 1' true",
    "--map-user=1x true",
    "--map-user=0x1 true",
    "--map-group=nosuchgroup true",
    "--map-group= true",
    "--map-group=-1 true",
    "--map-group=99999999999 true",
    "--map-user={FF} true",
    // --map-users, --map-groups
    "--map-users=1,2 true",
    "--map-users=a:b:c true",
    "--map-users=0:1 true",
    "--map-users=1:2:3:4 true",
    "--map-users= true",
    "--map-users=0:0:0 true",
    "--map-users=-1:0:1 true",
    "--map-users=1:0:4294967296 true",
    "--map-users=4294967296:0:1 true",
    "--map-users=0x1:0:1 true",
    "--map-users=1,2:3 true",
    "--map-users='1 :0:1' true",
    "--map-users=0:0:5x true",
    "--map-users=++1:0:1 true",
    "--map-users='+ 1:0:1' true",
    "--map-users=:0:1 true",
    "--map-users=1::1 true",
    "--map-users=+1:0:1 true",
    "--map-users=' 1:0:1' true",
    "--map-users='0:0: 5' true",
    "--map-users=1:+0:1 true",
    "--map-users='1, 0,1' true",
    "--map-users=AUTO true",
    "--map-users=Auto true",
    "--map-groups=1,2,3,4 true",
    "--map-groups=0:0:4294967296 true",
    "--map-users=1:2:3 --map-groups=x true",
    "--map-users=0:0:1 --map-users=0:0:1 true",
    "--map-users=0:0:1 --map-users=0:1:1 true",
    "--map-users=0:100000:1 --map-users=5:100000:1 true",
    "--map-groups=0:0:1 --map-groups=0:0:1 true",
    "--map-users=0:0:10 --map-groups=0:0:1 --map-groups=0:0:1 true",
    "--map-groups=0:0:1 --map-groups=0:0:1 --setgroups=allow true",
    "--map-user=0 --map-users=1:1:10 --map-users=1:1:10 true",
    // --owner
    "--owner 1: true",
    "--owner abc true",
    "--owner '' true",
    "--owner 1000 true",
    "--owner :1 true",
    "--owner 1:2:3 true",
    "--owner '1 :1' true",
    "--owner '1: 1 ' true",
    "--owner -2:0 true",
    "--owner 4294967296:0 true",
    "--owner ' 1: 1' -U true",
    "--owner +1:+1 -U true",
    "--owner ' -1:0' -U true",
    // --kill-child
    "--kill-child=FOO true",
    "--kill-child= true",
    "--kill-child=0 true",
    "--kill-child=9 true",
    "--kill-child=SIGFOO true",
    "--kill-child=sig true",
    "--kill-child=RTMIN+ true",
    "--kill-child=RTMAX- true",
    "--kill-child=RTMIN5 true",
    "--kill-child=RTMIN-1 true",
    "--kill-child=RTMAX-100 true",
    "--kill-child=RTMIN+2147483647 true",
    "--kill-child='TERM ' true",
    "--kill-child==KILL true",
    "--kill-child={FF} true",
    // --setgroups, --propagation
    "--setgroups=maybe true",
    "--setgroups= true",
    "--setgroups=ALLOW true",
    "--setgroups=Deny true",
    "--propagation= true",
    "--propagation=foo true",
    "--propagation=SHARED true",
    "--propagation=Private true",
    // --monotonic, --boottime
    "-T --monotonic abc true",
    "-T --monotonic '' true",
    "-T --monotonic 1e3 true",
    "-T --monotonic 0x5 true",
    "-T --monotonic 5s true",
    "-T --monotonic 99999999999999999999 true",
    "-T --monotonic -99999999999999999999 true",
    "-T --boottime -9223372036854775809 true",
    "-T --boottime 1.5 true",
    "-T --monotonic 99999999999 true",
    "-T --boottime -99999999999 true",
    "-T --monotonic 5 --boottime x true",
    "--monotonic 5 true",
    "--boottime 5 true",
    "--monotonic x true",
    // conflicts
    "-r --setgroups allow true",
    "-c --setgroups=allow true",
    "--map-group=0 --setgroups=allow true",
    "-U --setgroups=allow --map-group=0 true",
];

/// Files, directories and programs.
const FILES: &[&str] = &[
    "--net={D}/missing true",
    "--net={D}/missing/x true",
    "--net={D}/f/x true",
    "--net={D}/d true",
    "--net= true",
    "--net==/{D}/f true",
    "--mount={D}/missing true",
    "--uts={D}/private/missing true",
    "-R {D}/missing true",
    "-R '' true",
    "-R {D}/f true",
    "-w {D}/missing true",
    "-w '' true",
    "-w {D}/f true",
    "-R / -w {D}/missing true",
    "-R {D} -w /missing true",
    "--mount-proc={D}/missing true",
    "--mount-proc= true",
    "--mount-proc=={D}/d true",
    "-m --mount-proc={D}/f true",
    "--mount-binfmt={D}/missing true",
    "{D}/missing",
    "{D}/d",
    "{D}/f",
    "''",
    "-f {D}/missing",
    "-f {D}/d",
    "-f {D}/f",
    "-f -w {D}/f true",
    "-n {D}/missing",
    "-fp /bin/false",
];

/// getopt's own errors.
const GETOPT: &[&str] = &[
    "--bogus",
    "-Y",
    "--map",
    "--map=1",
    "--ma",
    "--m",
    "--se",
    "--s",
    "--mount-p",
    "--f",
    "--k",
    "--fork=1",
    "--map-root-user=1",
    "--keep-caps=yes",
    "-l",
    "-R",
    "-w",
    "-S",
    "-G",
    "--root",
    "--propagation",
    "--setuid",
    "--setgroups",
    "--monotonic",
    "--owner",
    "-n/x",
    "-nx",
    "--{FF}",
    "-{FF}",
    "--propagation=foo --bogus",
    "--bogus --propagation=foo",
    "--monotonic=5 --bogus",
];

/// As an ordinary user (uid and gid 65534).
const NOBODY: &[&str] = &[
    "@nobody -n true",
    "@nobody -m true",
    "@nobody -U -n true",
    "@nobody -r -G 5 true",
    "@nobody -U -G 0 true",
    "@nobody -U -S 0 true",
    "@nobody -r -S 5 true",
    "@nobody -S 65534 -G 65534 -r true",
    "@nobody --owner 1:1 true",
    "@nobody --map-users=0:0:1 true",
    "@nobody --map-users=0:100000:10 true",
    "@nobody --map-groups=0:100000:10 true",
    "@nobody --map-users=all true",
    "@nobody -r --setgroups=allow true",
    "@nobody -U --setgroups=allow true",
    "@nobody -w {D}/private true",
    "@nobody -R {D}/private true",
    "@nobody -r -w {D}/private true",
    "@nobody -r --mount-proc true",
    "@nobody -rm --mount-proc={D}/missing true",
    "@nobody -r -T --monotonic 5 true",
    "@nobody -r --net={D}/f true",
    "@nobody -r {D}/private/x",
    "@nobody -r /etc/shadow",
    "@nobody -l ':x:E::x::/bin/sh:' true",
    // root of a user namespace of its own (0 mapped to root outside)
    "@userns -n true",
    "@userns -r true",
    "@userns -S 1 true",
    "@userns -G 1 true",
    "@userns --map-user=1 true",
    "@userns --map-users=0:0:2 true",
    "@userns --map-groups=1:1:1 true",
    "@userns -m --mount-proc true",
    "@userns -fp --mount-proc true",
    "@userns -T --monotonic 5 true",
    "@userns --owner 1:1 true",
    "@userns -R {D}/private true",
    "@userns --net={D}/f true",
];

/// Kept on purpose, with the reason (each is in unshare-rs(1), NOTES).
const KEPT: &[Kept] = &[
    ("-S 4294967296 true", "IDs past 4294967295 are refused; util-linux wraps them (this one to 0, root)"),
    ("-G 4294967296 true", "IDs past 4294967295 are refused; util-linux wraps them (this one to 0)"),
    ("--map-users=0:0:0 true", "a count of 0 is refused; util-linux writes no map and runs the program"),
    ("--map-users=-1:0:1 true", "negative IDs are refused; util-linux wraps them"),
    ("--map-users=1:0:4294967296 true", "numbers past 4294967295 are refused; util-linux wraps them"),
    ("--map-users=4294967296:0:1 true", "numbers past 4294967295 are refused; util-linux wraps them"),
    ("--map-groups=0:0:4294967296 true", "numbers past 4294967295 are refused; util-linux wraps them"),
    ("--owner -2:0 true", "--owner refuses negative IDs but -1; util-linux wraps them"),
    ("--owner 4294967296:0 true", "--owner refuses IDs past 4294967295; util-linux wraps them"),
];

/// `/etc/subuid` and `/etc/subgid` lines (the same in both), each tried
/// with `--map-auto` as root and as nobody.
const SUBIDS: &[&str] = &[
    "",
    "root:100000:65536\n",
    "root:100000\n",
    "root:abc:10\n",
    "root:100000:abc\n",
    "root:100000:0\n",
    "root:-1:10\n",
    "root:100000:99999999999\n",
    "root: 100000:10\n",
    "root:100000 :10\n",
    "root:100000:10 \n",
    "root:100000:10\r\n",
    "root:100000:10:x\n",
    "nobody:100000:65536\n",
    "65534:100000:65536\n",
    "nobody:0x10:10\n",
    "nobody:100000:10\nnobody:200000:10\n",
    "#c\nnobody:200000:10\n",
    "x\n",
    ":::\n",
    " nobody:100000:10\n",
    "nobody:100000:10\r\n",
];

/// Subid files kept on purpose (unshare-rs(1), NOTES), by `contents|case`.
const SUBIDS_KEPT: &[Kept] = &[
    ("root:100000:0\n|--map-auto true", "a count of 0 is refused; util-linux maps nothing"),
    ("root:100000:0\n|--map-users=auto -r true", "a count of 0 is refused; util-linux maps nothing"),
    ("root:100000:99999999999\n|--map-auto true", "numbers past 4294967295 are refused; util-linux wraps them"),
    ("root:100000:99999999999\n|--map-users=auto -r true", "numbers past 4294967295 are refused"),
    ("nobody:100000:65536\n|--map-auto true", "a line is root's only when it names root or 0"),
    ("nobody:100000:65536\n|--map-users=auto -r true", "a line is root's only when it names root or 0"),
    ("nobody:0x10:10\n|--map-auto true", "a line is root's only when it names root or 0"),
    ("nobody:0x10:10\n|--map-users=auto -r true", "a line is root's only when it names root or 0"),
    ("nobody:100000:10\nnobody:200000:10\n|--map-auto true", "a line is root's only when it names root or 0"),
    ("nobody:100000:10\nnobody:200000:10\n|--map-users=auto -r true", "a line is root's only when it names root"),
    ("#c\nnobody:200000:10\n|--map-auto true", "a line is root's only when it names root or 0"),
    ("#c\nnobody:200000:10\n|--map-users=auto -r true", "a line is root's only when it names root or 0"),
    (":::\n|--map-auto true", "a line is root's only when it names root or 0"),
    (":::\n|--map-users=auto -r true", "a line is root's only when it names root or 0"),
    (" nobody:100000:10\n|--map-auto true", "a line is root's only when it names root or 0"),
    (" nobody:100000:10\n|--map-users=auto -r true", "a line is root's only when it names root or 0"),
    ("nobody:100000:10\r\n|--map-auto true", "a line is root's only when it names root or 0"),
    ("nobody:100000:10\r\n|--map-users=auto -r true", "a line is root's only when it names root or 0"),
];

/// The files the cases name, and the values of the placeholders.
fn files() -> (TempDir, Vec<(&'static str, OsString)>) {
    let dir = case_files("userr");
    let vars = vec![("D", dir.path().as_os_str().to_owned()), ("FF", OsString::from_vec(vec![0xff]))];
    (dir, vars)
}

#[test]
fn unshare_error_paths_match_head() {
    if !require_root() {
        return;
    }
    let Some(mut sweep) = Sweep::new("unshare", KEPT) else { return };
    let (_dir, vars) = files();
    // a private mount namespace: what a case binds or mounts goes with it
    let sb = Sandbox::new(&["-m"]);
    for line in VALUES.iter().chain(FILES).chain(GETOPT).chain(NOBODY) {
        sweep.case(line, &vars, &|c| sb.wrap(c), &|s| s.to_string());
    }
    sweep.finish();
}

/// `--map-auto` and `--map-users=auto` over subid files of every shape,
/// as root and as nobody (through newuidmap), against HEAD.
#[test]
fn subid_files_match_head() {
    let Some(subids) = SubidFiles::new("subid_files_match_head") else { return };
    let Some(mut sweep) = Sweep::new("unshare", SUBIDS_KEPT) else { return };
    for contents in SUBIDS {
        subids.write(contents.as_bytes(), contents.as_bytes());
        for line in ["--map-auto true", "--map-users=auto -r true", "@nobody --map-auto true"] {
            let key = format!("{contents}|{line}");
            if line.starts_with("@nobody") {
                // (setpriv inside the namespace of the files, not around it)
                let line = line.trim_start_matches("@nobody ");
                sweep.case_keyed(&key, line, &[], &|c| subids.wrap_nobody(c), &|s| s.to_string());
            } else {
                sweep.case_keyed(&key, line, &[], &|c| subids.wrap(c), &|s| s.to_string());
            }
        }
    }
    sweep.finish();
}
