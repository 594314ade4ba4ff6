//! The command-line plumbing every binary shares: bad options, help,
//! version, the invoked-name rule and stdout write errors — checked for all
//! six binaries, and against util-linux where the behaviour is the same.

use nsutils_tests::{assert_same, differential, symlink_as, tool, ul_named, TOOLS};

#[test]
fn unknown_long_option_is_a_usage_error_with_exit_1() {
    for (ours, _) in TOOLS {
        tool(ours).arg("--bogus").run().usage_error(ours, "unrecognized option '--bogus'");
        tool(ours).arg("--bogus=1").run().usage_error(ours, "unrecognized option '--bogus=1'");
    }
}

#[test]
fn unknown_short_option_is_a_usage_error_with_exit_1() {
    for (ours, _) in TOOLS {
        tool(ours).arg("-Y").run().usage_error(ours, "invalid option -- 'Y'");
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
        tool(ours).args(["-h", "--bogus"]).run().success().no_stderr();
        tool(ours).args(["--bogus", "-h"]).run().usage_error(ours, "unrecognized option '--bogus'");
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
        tool(ours).arg("--help=1").run().usage_error(ours, "option '--help' doesn't allow an argument");
        tool(ours).arg("--vers=x").run().usage_error(ours, "option '--version' doesn't allow an argument");
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
        nsutils_tests::Cmd::new(&odd).arg("-Y").run().usage_error(&format!("my-{ul}"), "invalid option -- 'Y'");
    }
}

#[test]
fn argv0_basename_is_used_even_without_a_symlink() {
    for (ours, _) in TOOLS {
        tool(ours)
            .arg0("/some/where/renamed")
            .arg("--bogus")
            .run()
            .usage_error("renamed", "unrecognized option '--bogus'");
    }
}

#[test]
fn bad_options_match_util_linux_byte_for_byte() {
    for (_, ul) in TOOLS {
        for args in [&["--bogus"][..], &["-Y"], &["--bogus=x"], &["--help=1"]] {
            let (ours, theirs) = differential(ul, args, |c| c);
            assert_same(&ours, &theirs);
        }
    }
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
