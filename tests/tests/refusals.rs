//! When the kernel refuses: real refusals, not fake /proc trees (those are
//! the unit tests of `nsutils_common::hints`). A container runtime's
//! seccomp filter failing unshare(2)/setns(2), namespace limits set to 0
//! or reached, user namespaces disabled, PID namespaces nested too deep, a
//! chroot. Each failure must keep
//! util-linux's message and exit status, plus one `hint:` line naming the
//! cause, which util-linux does not give.
//!
//! The limits are per user namespace (`/proc/sys/user/*` shows and sets
//! the limits of the caller's), so every limit here is lowered inside a
//! fresh user namespace made by util-linux's `unshare -U -r`, never on the
//! host, and goes with it.

use std::os::unix::fs::MetadataExt;

use nsutils_tests::{
    assert_same_with, differential, require_root, tool, tool_path, ul_named_path, util_linux, without_hints, Cmd,
    Output, Sandbox,
};

const SECCOMP_HINT: &str =
    "hint: a seccomp filter is active (a container?); its runtime must allow unshare/setns/mount";

/// Stdout, stderr without the hint, and the exit status are util-linux's
/// (ours runs under util-linux's name).
#[track_caller]
fn same_error(ours: &Output, theirs: &Output) {
    assert_same_with(ours, theirs, without_hints);
}

#[test]
fn a_seccomp_filter_is_named() {
    if !require_root() {
        return;
    }
    for errno in [libc::EPERM, libc::ENOSYS] {
        let (ours, theirs) = differential("unshare", ["-n", "true"], |c| c.seccomp_deny(&[libc::SYS_unshare], errno));
        let text = if errno == libc::EPERM { "Operation not permitted" } else { "Function not implemented" };
        ours.fails_with("unshare", &format!("unshare failed: {text}"), 1);
        ours.stderr_is(&format!("unshare: unshare failed: {text}\nunshare: {SECCOMP_HINT}\n"));
        same_error(&ours, &theirs);
    }
    // as an ordinary user, for whom a user namespace is normally allowed
    let out = tool("unshare-rs").args(["-r", "true"]).as_nobody().seccomp_deny(&[libc::SYS_unshare], libc::EPERM).run();
    out.stderr_is(&format!("unshare-rs: unshare failed: Operation not permitted\nunshare-rs: {SECCOMP_HINT}\n"));
    // setns: both ways of entering (a pidfd, and the /proc/PID/ns files)
    let target = Sandbox::new(&["-n"]);
    let pid = target.pid().to_string();
    for pidfd in [true, false] {
        let nsenter = tool("nsenter-rs").args(["-t", &pid, "-n", "true"]);
        let nsenter = if pidfd { nsenter } else { nsutils_tests::fallbacks::setns_without_pidfd(nsenter) };
        let ours = nsenter.seccomp_deny(&[libc::SYS_setns], libc::EPERM).run();
        // (util-linux HEAD words the pidfd path's failure so too)
        let what = if pidfd { "namespaces" } else { "namespace 'ns/net'" };
        ours.fails_with("nsenter-rs", &format!("reassociate to {what} failed: Operation not permitted"), 1);
        ours.stderr_has(&format!("\nnsenter-rs: {SECCOMP_HINT}\n"));
    }
    // a filter that predates pidfds (an older runtime's profile fails
    // unknown calls with EPERM or ENOSYS): entry falls back to /proc/PID/ns
    for errno in [libc::EPERM, libc::ENOSYS] {
        let out = tool("nsenter-rs")
            .args(["-t", &pid, "-n", "readlink", "/proc/self/ns/net"])
            .seccomp_deny(&[libc::SYS_pidfd_open], errno)
            .run();
        out.success().no_stderr().stdout_is(&format!("{}\n", nsutils_tests::ns_link(target.pid(), "net")));
    }
    let theirs = util_linux("nsenter").args(["-t", &pid, "-n", "true"]).seccomp_deny(&[libc::SYS_setns], libc::EPERM);
    theirs.run().fails_with("nsenter", "reassociate to namespace 'ns/net' failed: Operation not permitted", 1);
    // lsns-rs looks into sockets through pidfd_getfd: refused, it lists
    // what it can see, silently
    let target_net = std::fs::metadata(format!("/proc/{pid}/ns/net")).unwrap().ino();
    for errno in [libc::EPERM, libc::ENOSYS] {
        let out = tool("lsns-rs")
            .args(["-t", "net", "-n", "-o", "NS"])
            .seccomp_deny(&[libc::SYS_pidfd_open, libc::SYS_pidfd_getfd], errno)
            .run();
        out.success().no_stderr().stdout_has(&format!("{target_net}\n"));
    }
    let out =
        tool("unshare-rs").args(["--kill-child", "true"]).seccomp_deny(&[libc::SYS_pidfd_open], libc::ENOSYS).run();
    out.success().no_stderr();
    // the filter is real: without it the same calls work
    tool("unshare-rs").args(["-n", "true"]).run().success();
    tool("nsenter-rs").args(["-t", &pid, "-n", "true"]).run().success();
}

/// `unshare -U -r sh -c 'echo VALUE > /proc/sys/user/max_TYPE_namespaces;
/// exec CMD…'`: CMD runs as root of a user namespace with that limit.
fn with_limit(limit: &str, value: u32, cmd: &[&str]) -> Output {
    let script = format!("echo {value} > /proc/sys/user/max_{limit}_namespaces && exec \"$@\"");
    util_linux("unshare").args(["-U", "-r", "sh", "-c", &script, "sh"]).args(cmd).run()
}

#[test]
fn namespace_limits_are_named() {
    if !require_root() {
        return;
    }
    let us = ul_named_path("unshare");
    let us = us.to_str().unwrap();
    // a type disabled
    let ours = with_limit("net", 0, &[us, "-n", "true"]);
    same_error(&ours, &with_limit("net", 0, &["unshare", "-n", "true"]));
    ours.stderr_is(
        "unshare: unshare failed: No space left on device\n\
         unshare: hint: net namespaces are disabled (sysctl user.max_net_namespaces = 0)\n",
    );
    // user namespaces disabled (the kernel says ENOSPC, not EPERM)
    let ours = with_limit("user", 0, &[us, "-r", "true"]);
    same_error(&ours, &with_limit("user", 0, &["unshare", "-r", "true"]));
    ours.stderr_has("unshare: hint: user namespaces are disabled (sysctl user.max_user_namespaces = 0)\n");
    // a limit of 1, reached by the outer unshare-rs
    let ours = with_limit("uts", 1, &[us, "-u", us, "-u", "true"]);
    same_error(&ours, &with_limit("uts", 1, &["unshare", "-u", "unshare", "-u", "true"]));
    ours.stderr_is(
        "unshare: unshare failed: No space left on device\n\
         unshare: hint: a limit on the number of namespaces was reached \
         (sysctl user.max_uts_namespaces = 1, here or in a parent user namespace)\n",
    );
    // and with the limit one higher, the same command works
    with_limit("uts", 2, &[us, "-u", us, "-u", "true"]).success().no_stderr();
}

/// Nesting: PID namespaces nest at most 32 levels below the initial one;
/// one more fails with ENOSPC, and the hint names the nesting limit too.
/// Each level is an unshare-rs -fp.
#[test]
fn nesting_limit_is_named() {
    if !require_root() {
        return;
    }
    // our level: NSpid lists our PID in each PID namespace from the initial one
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let nspid = status.lines().find_map(|l| l.strip_prefix("NSpid:")).expect("NSpid in /proc/self/status");
    let free = 32 - (nspid.split_whitespace().count() - 1);
    let us = tool_path("unshare-rs");
    let nested = |levels: usize| {
        let mut cmd = Cmd::new(&us).arg("-fp");
        for _ in 1..levels {
            cmd = cmd.arg(&us).arg("-fp");
        }
        cmd.arg("true").run()
    };
    nested(free).success().no_stderr();
    let out = nested(free + 1);
    out.fails_with("unshare-rs", "unshare failed: No space left on device", 1);
    out.stderr_has("or 32 nested user or PID namespaces)\n");
}

/// In a chroot: the kernel refuses user namespaces to a chrooted process
/// (EPERM even as root), and `/` of a chroot into a plain directory is not
/// a mount point, so changing its propagation fails (EINVAL). The static
/// unshare-rs is the only file in the chroot.
#[test]
fn chroot_refusals_are_named() {
    let Some(static_bin) = nsutils_tests::container::static_tool("chroot_refusals_are_named", "unshare-rs") else {
        return;
    };
    let root = nsutils_tests::TempDir::new("chroot");
    std::fs::create_dir(root.join("bin")).unwrap();
    nsutils_tests::container::copy_executable(&static_bin, &root.join("bin/unshare-rs"));
    let chrooted = |args: &[&str]| Cmd::new("chroot").arg(root.path()).arg("/bin/unshare-rs").args(args).run();
    let out = chrooted(&["-r", "/bin/unshare-rs", "-V"]);
    out.fails_with("unshare-rs", "unshare failed: Operation not permitted", 1);
    out.stderr_has("unshare-rs: hint: a process in a chroot(2) may not create user namespaces");
    let out = chrooted(&["-m", "/bin/unshare-rs", "-V"]);
    out.fails_with("unshare-rs", "cannot change root filesystem propagation: Invalid argument", 1);
    out.stderr_has("unshare-rs: hint: / is not a mount point here (a chroot?): add --propagation unchanged");
    // the advice works
    chrooted(&["-m", "--propagation", "unchanged", "/bin/unshare-rs", "-V"]).success();
    // and outside the chroot, --root enters it after making the user namespace
    tool("unshare-rs")
        .arg("-r")
        .arg(format!("--root={}", root.path().display()))
        .args(["/bin/unshare-rs", "-V"])
        .run()
        .success();
}
