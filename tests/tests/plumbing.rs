//! The command-line plumbing every binary shares: bad options, help,
//! version, the invoked-name rule, the order of errors and stdout write
//! errors — checked for all six binaries, and against util-linux (HEAD and
//! 2.38.1) where the behaviour is the same.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use nsutils_tests::suite::ipc::ipc_sandbox;
use nsutils_tests::{
    assert_same, assert_same_with, differential, differential_head, head_dir, is_root, skip, symlink_as, tool,
    tool_path, ul_named, Cmd, Sandbox, TempDir, TOOLS,
};

/// Our binary run by its path: getopt's messages carry that path.
fn by_path(ours: &str) -> (Cmd, String) {
    let path = tool_path(ours);
    (tool(ours), path.to_string_lossy().into_owned())
}

#[test]
fn unknown_long_option_is_a_usage_error_with_exit_1() {
    for (ours, _) in TOOLS {
        let (cmd, argv0) = by_path(ours);
        cmd.clone().arg("--bogus").run().getopt_error(&argv0, ours, "unrecognized option '--bogus'");
        cmd.arg("--bogus=1").run().getopt_error(&argv0, ours, "unrecognized option '--bogus=1'");
    }
}

#[test]
fn unknown_short_option_is_a_usage_error_with_exit_1() {
    for (ours, _) in TOOLS {
        let (cmd, argv0) = by_path(ours);
        cmd.arg("-Y").run().getopt_error(&argv0, ours, "invalid option -- 'Y'");
    }
}

#[test]
fn help_goes_to_stdout_with_exit_0() {
    for (ours, _) in TOOLS {
        for flag in ["--help", "-h"] {
            let out = tool(ours).arg(flag).run();
            out.success().no_stderr();
            assert!(out.stdout.starts_with(&format!("\nUsage:\n {ours} ")), "{ours} {flag}:\n{}", out.stdout);
            assert!(out.stdout.contains("\nOptions:\n"), "{ours}: {}", out.stdout);
            assert!(out.stdout.contains(" -h, --help "), "{ours}: {}", out.stdout);
            assert!(out.stdout.contains(" -V, --version "), "{ours}: {}", out.stdout);
            let page = if ours == "lsns-rs" { 8 } else { 1 };
            assert!(out.stdout.ends_with(&format!("\nFor more details see {ours}({page}).\n")), "{}", out.stdout);
        }
    }
}

#[test]
fn help_wins_over_later_bad_options_but_not_earlier_ones() {
    for (ours, _) in TOOLS {
        let (cmd, argv0) = by_path(ours);
        cmd.clone().args(["-h", "--bogus"]).run().success().no_stderr();
        cmd.args(["--bogus", "-h"]).run().getopt_error(&argv0, ours, "unrecognized option '--bogus'");
    }
}

#[test]
fn version_names_the_program() {
    for (ours, _) in TOOLS {
        for flag in ["--version", "-V"] {
            let out = tool(ours).arg(flag).run();
            out.success().no_stderr();
            assert!(out.stdout.starts_with(&format!("{ours} from nsutils ")), "{}", out.stdout);
            assert!(out.stdout.contains("util-linux 2.43"), "{}", out.stdout);
            assert_eq!(out.stdout.lines().count(), 1);
        }
    }
}

#[test]
fn options_take_no_argument_where_they_have_none() {
    for (ours, _) in TOOLS {
        let (cmd, argv0) = by_path(ours);
        cmd.clone().arg("--help=1").run().getopt_error(&argv0, ours, "option '--help' doesn't allow an argument");
        cmd.arg("--vers=x").run().getopt_error(&argv0, ours, "option '--version' doesn't allow an argument");
    }
}

#[test]
fn messages_use_the_invoked_name() {
    for (ours, ul) in TOOLS {
        ul_named(ul).arg("--bogus").run().usage_error(ul, "unrecognized option '--bogus'");
        let help = ul_named(ul).arg("--help").run();
        help.success();
        assert!(help.stdout.contains(&format!("\n {ul} ")), "{ul}: {}", help.stdout);
        let v = ul_named(ul).arg("-V").run();
        assert!(v.stdout.starts_with(&format!("{ul} from nsutils")), "{}", v.stdout);
        // any other name works the same way
        let odd = symlink_as(ours, &format!("my-{ul}"));
        Cmd::new(&odd).arg("-Y").run().getopt_error(
            &odd.to_string_lossy(),
            &format!("my-{ul}"),
            "invalid option -- 'Y'",
        );
    }
}

/// A value error of each tool (not getopt's own).
const VALUE_ERRORS: [(&str, &[&str], &str); 6] = [
    ("unshare-rs", &["--propagation=foo"], "unsupported propagation mode: foo"),
    ("nsenter-rs", &["-t", "abc"], "failed to parse PID argument 'abc': Invalid argument"),
    ("lsns-rs", &["-t", "foo"], "unknown namespace type: foo"),
    ("ipcmk-rs", &["-M", "abc"], "failed to parse size: 'abc': Invalid argument"),
    ("ipcs-rs", &["-i", "abc"], "failed to parse id argument: 'abc'"),
    ("ipcrm-rs", &["-m", "abc"], "failed to parse argument: 'abc'"),
];

#[test]
fn getopt_messages_carry_argv0_as_given_and_the_rest_its_basename() {
    for (ours, args, message) in VALUE_ERRORS {
        let renamed = || tool(ours).arg0("/some/where/renamed");
        renamed().arg("--bogus").run().getopt_error("/some/where/renamed", "renamed", "unrecognized option '--bogus'");
        renamed().args(["--bogus=1"]).run().getopt_error(
            "/some/where/renamed",
            "renamed",
            "unrecognized option '--bogus=1'",
        );
        renamed().args(args).run().code(1).stderr_is(&format!("renamed: {message}\n"));
    }
    // a usage error of the tool's own keeps the basename on both lines
    tool("ipcmk-rs").arg0("./x/renamed").run().usage_error("renamed", "bad usage");
}

#[test]
fn bad_options_match_util_linux_byte_for_byte() {
    for (_, ul) in TOOLS {
        for args in [&["--bogus"][..], &["-Y"], &["--bogus=x"], &["--help=1"], &["--vers=x"]] {
            let (ours, theirs) = differential(ul, args, |c| c);
            assert_same(&ours, &theirs);
        }
        // and run by a path, argv[0] a path: getopt says it as given
        for args in [&["--bogus"][..], &["-Y"], &["--help=1"]] {
            let as_path = |c: Cmd| c.arg0(format!("/opt/some dir/{ul}"));
            let (ours, theirs) = differential(ul, args, as_path);
            assert_same(&ours, &theirs);
            assert!(ours.stderr.starts_with(&format!("/opt/some dir/{ul}: ")), "{}", ours.stderr);
            let Some((ours, head)) = differential_head(ul, args, as_path) else { return };
            assert_same(&ours, &head);
        }
    }
}

#[test]
fn getopt_messages_match_util_linux_head_byte_for_byte() {
    // every kind of getopt message; unshare-rs has a missing required
    // argument of both spellings, an ambiguous abbreviation and a flag given
    // a value; ipcs-rs an ambiguity between one of its options and --help
    let cases: [(&str, &[&str]); 8] = [
        ("unshare", &["--setu"]),
        ("unshare", &["-S"]),
        ("unshare", &["--fork=1"]),
        ("unshare", &["--mo=1"]),
        ("unshare", &["-n/x"]),
        ("ipcs", &["--h"]),
        ("lsns", &["-W=1"]),
        ("ipcmk", &["--mode"]),
    ];
    for (ul, args) in cases {
        let Some((ours, head)) = differential_head(ul, args, |c| c.arg0(format!("./bin/{ul}"))) else { return };
        assert_same(&ours, &head);
        assert!(ours.stderr.starts_with(&format!("./bin/{ul}: ")), "{}", ours.stderr);
    }
}

/// Run `program` by `path` (argv\[0\] = the path) with `args`: exit code and
/// raw stderr.
fn run_raw(path: &Path, args: &[&str]) -> (Option<i32>, Vec<u8>) {
    let out = std::process::Command::new(path).args(args).output().expect("run");
    assert!(out.stdout.is_empty(), "{:?}", String::from_utf8_lossy(&out.stdout));
    (out.status.code(), out.stderr)
}

#[test]
fn a_symlink_with_a_non_utf8_name_speaks_with_its_bytes() {
    let dir = TempDir::new("argv0");
    let name = OsStr::from_bytes(b"\xffx\xfe");
    for (ours, ul) in TOOLS {
        let own = dir.join(ours);
        std::fs::create_dir(&own).unwrap();
        let link = own.join(name);
        std::os::unix::fs::symlink(tool_path(ours), &link).unwrap();
        let argv0 = link.as_os_str().as_bytes();
        let try_line = b"Try '\xffx\xfe --help' for more information.\n";
        let (code, stderr) = run_raw(&link, &["--bogus"]);
        assert_eq!(code, Some(1));
        assert_eq!(stderr, [argv0, b": unrecognized option '--bogus'\n", try_line].concat(), "{ours}");
        // util-linux HEAD, through a link of the same name in another directory
        let head = head_dir().join(ul);
        if !head.is_file() {
            skip("a_symlink_with_a_non_utf8_name_speaks_with_its_bytes", "util-linux HEAD is missing");
            continue;
        }
        let theirs = dir.join(format!("{ours}.head"));
        std::fs::create_dir(&theirs).unwrap();
        std::os::unix::fs::symlink(&head, theirs.join(name)).unwrap();
        let (head_code, head_stderr) = run_raw(&theirs.join(name), &["--bogus"]);
        assert_eq!(
            (head_code, head_stderr),
            (code, [theirs.join(name).as_os_str().as_bytes(), b": unrecognized option '--bogus'\n", try_line].concat())
        );
    }
    // a value error: the basename's bytes, as util-linux's own messages
    let link = dir.join("unshare-rs").join(name);
    let (code, stderr) = run_raw(&link, &["--propagation=foo"]);
    assert_eq!((code, stderr), (Some(1), b"\xffx\xfe: unsupported propagation mode: foo\n".to_vec()));
}

#[test]
fn write_errors_on_stdout_are_reported_with_exit_1() {
    for (ours, _) in TOOLS {
        for flag in ["--help", "--version"] {
            let out = nsutils_tests::Cmd::new("sh")
                .args(["-c", "exec \"$0\" \"$1\" >/dev/full"])
                .arg(nsutils_tests::tool_path(ours))
                .arg(flag)
                .run();
            out.code(1).stderr_is(&format!("{ours}: write error: No space left on device\n"));
        }
    }
}

#[test]
fn a_closed_pipe_is_silent() {
    for (ours, _) in TOOLS {
        // the reader is gone before we write: util-linux dies of SIGPIPE
        // silently; so do we (no "write error", no panic)
        let out = nsutils_tests::Cmd::new("sh")
            .args(["-c", "exec 3>&1; ( \"$0\" --help; echo \"rc=$?\" >&3 ) | true"])
            .arg(nsutils_tests::tool_path(ours))
            .run();
        out.success().no_stderr();
        assert!(out.stdout == "rc=0\n" || out.stdout == "rc=141\n", "{}", out.stdout);
    }
}

/// A bad value followed by a bad option: the value is reported, as
/// util-linux's getopt loops check each option when they meet it; where
/// util-linux checks a value after its loop, the bad option is reported.
/// `(util-linux name, arguments before "--bogus", 2.38.1 agrees with HEAD)`:
/// every option that takes a value, in every tool.
const ERROR_ORDER: &[(&str, &[&str], bool)] = &[
    ("unshare", &["--mount=/nonexistent"], true),
    ("unshare", &["--uts=/nonexistent"], true),
    ("unshare", &["--ipc=/nonexistent"], true),
    ("unshare", &["--net=/nonexistent"], true),
    ("unshare", &["--pid=/nonexistent"], true),
    ("unshare", &["--user=/nonexistent"], true),
    ("unshare", &["--cgroup=/nonexistent"], true),
    ("unshare", &["--time=/nonexistent"], true),
    ("unshare", &["--mount-proc=/nonexistent"], true),
    ("unshare", &["--mount-binfmt=/nonexistent"], false),
    ("unshare", &["-l", "x"], false),
    ("unshare", &["--propagation=foo"], true),
    ("unshare", &["--propagation="], true),
    ("unshare", &["-R", "/nonexistent"], true),
    ("unshare", &["-w", "/nonexistent"], true),
    ("unshare", &["-S", "abc"], true),
    ("unshare", &["-S", "-1"], false),
    ("unshare", &["-G", "abc"], true),
    ("unshare", &["--map-user=nosuchuser"], false),
    ("unshare", &["--map-user=4294967296"], false),
    ("unshare", &["--map-group=nosuchgroup"], false),
    ("unshare", &["--map-users=1,2"], false),
    ("unshare", &["--map-users=0:1"], false),
    ("unshare", &["--map-groups=x"], false),
    ("unshare", &["--owner=1:x"], false),
    ("unshare", &["--kill-child=FOO"], true),
    ("unshare", &["--kill-child=9"], true),
    ("unshare", &["--setgroups=foo"], true),
    ("unshare", &["--monotonic=abc"], true),
    ("unshare", &["-T", "--boottime=1e3"], true),
    ("unshare", &["--whitelist-env="], false),
    // checked after the loop
    ("unshare", &["--monotonic=5"], true),
    ("nsenter", &["-t", "abc"], false),
    ("nsenter", &["-t", "0"], false),
    ("nsenter", &["-t", "1:abc"], false),
    ("nsenter", &["-t", "1", "-t", "1"], false),
    ("nsenter", &["--mount=/nonexistent"], true),
    ("nsenter", &["-u/nonexistent"], true),
    ("nsenter", &["--ipc=/nonexistent"], true),
    ("nsenter", &["-n/nonexistent"], true),
    ("nsenter", &["--pid=/nonexistent"], true),
    ("nsenter", &["-C/nonexistent"], true),
    ("nsenter", &["--user=/nonexistent"], true),
    ("nsenter", &["-T/nonexistent"], true),
    ("nsenter", &["-N", "x"], false),
    ("nsenter", &["-S", "abc"], true),
    ("nsenter", &["-G", "abc"], true),
    ("nsenter", &["-r/nonexistent"], true),
    ("nsenter", &["-w/nonexistent"], true),
    ("nsenter", &["--wd=/nonexistent"], true),
    // looked up after entering
    ("nsenter", &["-W/nonexistent"], true),
    ("lsns", &["-p", "abc"], true),
    ("lsns", &["-p", "0"], false),
    ("lsns", &["-t", "foo"], true),
    ("lsns", &["-Tfoo"], true),
    ("lsns", &["--tree=foo"], true),
    ("lsns", &["-Q", "NS =="], false),
    ("lsns", &["-J", "-r"], false),
    ("lsns", &["-P", "-p", "1"], false),
    // checked after the loop
    ("lsns", &["-o", "foo"], true),
    ("lsns", &["-o", "NS,,PID"], true),
    ("lsns", &["-Q", "FOO==1"], false),
    ("ipcmk", &["-M", "abc"], true),
    ("ipcmk", &["-M", "1Z"], true),
    ("ipcmk", &["-m", "abc"], false),
    ("ipcmk", &["-S", "abc"], true),
    ("ipcmk", &["-p", "999"], false),
    ("ipcmk", &["-p", "17777"], false),
    ("ipcmk", &["-n", "x"], false),
    ("ipcs", &["-i", "abc"], true),
    ("ipcs", &["-i", "99999999999"], true),
    ("ipcrm", &["-m", "abc"], true),
    ("ipcrm", &["-M", "abc"], true),
    ("ipcrm", &["-q", "abc"], true),
    ("ipcrm", &["-s", "abc"], true),
    ("ipcrm", &["-S", "-"], true),
    // util-linux warns and reads on
    ("ipcrm", &["-M", "0"], true),
    ("ipcrm", &["-Q", "0x0"], true),
    ("ipcrm", &["--posix-mqueue=noslash"], false),
    ("ipcrm", &["-afoo"], true),
    ("ipcrm", &["--all="], true),
];

/// Hints (ours only) and the lines under a filter error pointing at the
/// bad token (ours only, lsns-rs(8) NOTES) left out.
fn comparable(stderr: &str) -> String {
    stderr.lines().filter(|l| !l.contains(": hint: ") && !l.starts_with("    ")).map(|l| format!("{l}\n")).collect()
}

#[test]
fn a_bad_value_is_reported_before_a_later_bad_option() {
    // the IPC tools run in a private IPC namespace (util-linux's ipcrm acts
    // on each option as it reads it)
    let sandbox: Option<Sandbox> = is_root().then(ipc_sandbox);
    let mut compared = 0;
    let mut skipped = 0;
    for &(ul, args, same_in_2_38) in ERROR_ORDER {
        let ipc = ul.starts_with("ipc");
        let wrap = |c: Cmd| match (&sandbox, ipc) {
            (Some(sb), true) => sb.wrap(c),
            _ => c,
        };
        if ipc && sandbox.is_none() {
            skipped += 1;
            continue;
        }
        let argv: Vec<&str> = args.iter().copied().chain(["--bogus"]).collect();
        let what = format!("{ul} {argv:?}");
        let Some((ours, head)) = differential_head(ul, &argv, wrap) else { return };
        assert_same_with(&ours, &head, comparable);
        assert_eq!(ours.code, Some(1), "{what}");
        if same_in_2_38 {
            let (ours, theirs) = differential(ul, &argv, wrap);
            assert_same_with(&ours, &theirs, comparable);
        }
        compared += 1;
    }
    if skipped > 0 {
        let why = format!("{skipped} IPC cases need root (a private IPC namespace)");
        skip("a_bad_value_is_reported_before_a_later_bad_option", &why);
    }
    assert_eq!(compared + skipped, ERROR_ORDER.len());
}
