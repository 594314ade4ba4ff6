//! The scratch-container drop-in: a root filesystem holding nothing but our
//! static musl binaries (no shell, no /etc/passwd, no loader, an empty /proc)
//! and the tools run inside it as a container runtime would start them.

use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::Stdio;

use nsutils_tests::container::{musl_dir, Enter, Rootfs};
use nsutils_tests::suite::files_below;
use nsutils_tests::{require_root, skip, wait_until, ChildGuard, Sandbox};

fn rootfs(test: &str) -> Option<Rootfs> {
    if !require_root() {
        return None;
    }
    let r = Rootfs::new(&musl_dir());
    if r.is_none() {
        skip(
            test,
            &format!(
                "no static binaries in {} (scripts/test.sh builds them: \
                 cargo build --target x86_64-unknown-linux-musl)",
                musl_dir().display()
            ),
        );
    }
    r
}

/// The USER column of lsns rows, by its position in the default layout
/// (NS TYPE NPROCS PID USER COMMAND).
fn users_of(lsns_out: &str) -> Vec<String> {
    lsns_out.lines().skip(1).filter_map(|l| l.split_whitespace().nth(4).map(str::to_string)).collect()
}

#[test]
fn the_rootfs_has_nothing_but_our_binaries() {
    let Some(fs) = rootfs("the_rootfs_has_nothing_but_our_binaries") else { return };
    let mut entries: Vec<String> =
        files_below(fs.path()).iter().map(|p| p.strip_prefix(fs.path()).unwrap().display().to_string()).collect();
    entries.sort();
    let mut want: Vec<String> = nsutils_tests::TOOLS.iter().map(|(t, _)| format!("bin/{t}")).collect();
    want.extend(["bin".to_string(), "proc".to_string()]);
    want.sort();
    assert_eq!(entries, want);
    // statically linked: no ELF interpreter
    for (t, _) in nsutils_tests::TOOLS {
        let bytes = std::fs::read(fs.path().join("bin").join(t)).unwrap();
        assert!(!contains(&bytes, b"/lib64/ld-linux"), "{t} asks for a dynamic loader");
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn lsns_shows_numeric_users_without_passwd() {
    let Some(fs) = rootfs("lsns_shows_numeric_users_without_passwd") else { return };
    // its own pid namespace and /proc, made by our unshare-rs inside
    let out = fs.run(&["/bin/unshare-rs", "-fp", "--mount-proc", "/bin/lsns-rs"], Enter::default());
    out.success().no_stderr();
    let users = users_of(&out.stdout);
    assert!(!users.is_empty(), "{}", out.stdout);
    assert!(users.iter().all(|u| u == "0"), "user names must fall back to numbers: {}", out.stdout);
    assert!(out.stdout.contains("/bin/lsns-rs"), "{}", out.stdout);
    assert!(out.stdout.lines().next().unwrap().contains("NPROCS"), "{}", out.stdout);
}

#[test]
fn ipcmk_then_ipcs_inside() {
    let Some(fs) = rootfs("ipcmk_then_ipcs_inside") else { return };
    let sandbox = Sandbox::new(&["-i"]);
    let enter = Enter { ipc_of: Some(sandbox.pid()), mount_proc: false };
    let made = fs.run(&["/bin/ipcmk-rs", "-Q"], enter);
    made.success().no_stderr();
    let id = made.stdout.trim().strip_prefix("Message queue id: ").expect("ipcmk output").to_string();
    let shown = fs.run(&["/bin/ipcs-rs", "-q"], enter);
    shown.success().no_stderr();
    let row = shown.stdout.lines().find(|l| l.split_whitespace().nth(1) == Some(id.as_str())).expect("queue listed");
    // owner without /etc/passwd: the number
    assert_eq!(row.split_whitespace().nth(2), Some("0"), "{}", shown.stdout);
    fs.run(&["/bin/ipcrm-rs", "-q", &id], enter).success();
    let after = fs.run(&["/bin/ipcs-rs", "-q"], enter);
    assert!(!after.stdout.lines().any(|l| l.split_whitespace().nth(1) == Some(id.as_str())), "{}", after.stdout);
}

#[test]
fn unshare_net_then_lsns_inside() {
    let Some(fs) = rootfs("unshare_net_then_lsns_inside") else { return };
    let out =
        fs.run(&["/bin/unshare-rs", "-fn", "/bin/lsns-rs", "-t", "net"], Enter { ipc_of: None, mount_proc: true });
    out.success().no_stderr();
    // the row is represented by the lowest pid in it: unshare-rs, which
    // unshared before forking lsns-rs
    let own = out
        .stdout
        .lines()
        .find(|l| l.ends_with("/bin/unshare-rs -fn /bin/lsns-rs -t net"))
        .unwrap_or_else(|| panic!("no row for the new netns:\n{}", out.stdout));
    let cols: Vec<&str> = own.split_whitespace().collect();
    assert_eq!(cols[1], "net");
    assert_eq!(cols[2], "2", "unshare-rs and lsns-rs are in the new netns: {own}");
    assert_eq!(cols[4], "0", "numeric user: {own}");
}

/// A pipe whose buffer is full: a process writing to it blocks, which keeps
/// a container process alive without any program but ours.
fn full_pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: fds is a valid array of two ints.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) }, 0);
    // SAFETY: pipe2 gave us both descriptors.
    let (r, w) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    let mut file = std::fs::File::from(w.try_clone().unwrap());
    let chunk = [b'x'; 4096];
    while file.write(&chunk).is_ok() {}
    // back to blocking for the writer
    // SAFETY: F_SETFL on a valid fd.
    unsafe { libc::fcntl(w.as_raw_fd(), libc::F_SETFL, 0) };
    (r, w)
}

#[test]
fn nsenter_all_into_a_container_process() {
    let Some(fs) = rootfs("nsenter_all_into_a_container_process") else { return };
    let (_read_end, write_end) = full_pipe();
    // the "container": our unshare-rs makes every namespace; its child
    // lsns-rs blocks writing to the full pipe, so it stays alive as PID 1
    let mut c = fs.command(
        &["/bin/unshare-rs", "-fpmuinC", "--mount-proc", "--kill-child", "/bin/lsns-rs"],
        Enter { ipc_of: None, mount_proc: true },
    );
    c.stdin(Stdio::null()).stdout(Stdio::from(write_end)).stderr(Stdio::null());
    let holder = ChildGuard(c.spawn().expect("start container"));
    let mut target = 0;
    wait_until(10, "the container's PID 1", || {
        target = nsutils_tests::children_of(holder.pid()).first().copied().unwrap_or(0);
        target != 0 && nsutils_tests::ns_link(target, "pid") != nsutils_tests::ns_link(holder.pid(), "pid")
    });
    // wait until it has exec'd lsns-rs (and so is blocked on the pipe)
    wait_until(10, "lsns-rs in the container", || {
        std::fs::read_to_string(format!("/proc/{target}/comm")).map(|c| c.trim() == "lsns-rs").unwrap_or(false)
    });
    let out = fs.run(
        &["/bin/nsenter-rs", "-t", &target.to_string(), "-a", "/bin/lsns-rs"],
        Enter { ipc_of: None, mount_proc: true },
    );
    out.success().no_stderr();
    // inside the target's pid namespace: PID 1 is the blocked lsns-rs
    let rows: Vec<Vec<&str>> = out.stdout.lines().skip(1).map(|l| l.split_whitespace().collect()).collect();
    assert!(!rows.is_empty(), "{}", out.stdout);
    assert!(rows.iter().all(|r| r[3] == "1"), "every namespace's lowest pid is the container's init:\n{}", out.stdout);
    assert!(rows.iter().all(|r| r[4] == "0"), "{}", out.stdout);
    for ty in ["mnt", "uts", "ipc", "net", "pid", "cgroup"] {
        let ino = nsutils_tests::ns_link(target, ty);
        let ino = ino.trim_start_matches(&format!("{ty}:[")).trim_end_matches(']');
        assert!(rows.iter().any(|r| r[0] == ino && r[1] == ty), "{ty}:[{ino}] missing:\n{}", out.stdout);
    }
}

#[test]
fn no_program_and_no_shell_fails_with_127() {
    let Some(fs) = rootfs("no_program_and_no_shell_fails_with_127") else { return };
    let out = fs.run(&["/bin/unshare-rs", "-u"], Enter::default());
    out.code(127);
    assert!(
        out.stderr.starts_with("unshare-rs: failed to execute /bin/sh: No such file or directory\n"),
        "{}",
        out.stderr
    );
    // any target will do: ours (PID 1 is out of reach on some VMs)
    let me = std::process::id().to_string();
    let out = fs.run(&["/bin/nsenter-rs", "-t", &me, "-u"], Enter { ipc_of: None, mount_proc: true });
    out.code(127);
    assert!(
        out.stderr.starts_with("nsenter-rs: failed to execute /bin/sh: No such file or directory\n"),
        "{}",
        out.stderr
    );
}
