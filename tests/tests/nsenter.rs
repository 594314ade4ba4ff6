//! nsenter-rs against the real kernel.
//!
//! Targets are built with util-linux's `unshare` (`--kill-child -f …`) and
//! killed on drop, so nothing outlives a test even when it fails; every
//! test makes its own, so the tests run in parallel. Where util-linux
//! 2.38.1 and upstream HEAD agree, the same argv goes through our binary
//! (under the name `nsenter`) and `/usr/bin/nsenter` and the results are
//! compared; where they differ we follow HEAD and check our behaviour
//! directly.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::time::Duration;

use nsutils_tests::differential_head;
use nsutils_tests::{
    assert_same_with, children_of, comm_of, differential, is_root, ns_link, proc_state, require_root, tool, tool_path,
    ul_named, unique_name, util_linux, wait_until, without_hints, ChildGuard, Cmd, NetnsGuard, Output, Sleeper,
    TempDir, NOBODY,
};

/// The namespace types, as /proc/PID/ns names with their nsenter options.
const TYPES: [(&str, &str, &str); 8] = [
    ("cgroup", "-C", "cgroup"),
    ("ipc", "-i", "ipc"),
    ("mnt", "-m", "mount"),
    ("net", "-n", "net"),
    ("pid", "-p", "pid"),
    ("time", "-T", "time"),
    ("user", "-U", "user"),
    ("uts", "-u", "uts"),
];

fn ours() -> Cmd {
    tool("nsenter-rs")
}

/// Ours entering through a pidfd (`false`), or through /proc/PID/ns files
/// as on kernels before 5.8 (`true`).
fn ours_via(files: bool) -> Cmd {
    with_files(ours(), files)
}

fn with_files(c: Cmd, files: bool) -> Cmd {
    if files {
        nsutils_tests::fallbacks::setns_without_pidfd(c)
    } else {
        c
    }
}

/// A process sleeping in namespaces of its own, killed (with its holder) on
/// drop (the harness's [`Sleeper`]).
struct Target {
    sleeper: Sleeper,
    pid: u32,
}

impl Target {
    /// Run `unshare --kill-child -f ARGS…` (as `cmd` prepared, e.g. as
    /// nobody) whose program ends up exec'ing `sleep`; wait for the sleeper.
    fn start(cmd: Cmd) -> Target {
        let sleeper = Sleeper::start(cmd);
        let pid = sleeper.pid();
        Target { sleeper, pid }
    }

    /// `unshare --kill-child -f FLAGS… PROGRAM…` as root.
    fn unshare(flags: &[&str], program: &[&str]) -> Target {
        Target::start(unshare_cmd(flags, program))
    }

    fn pid(&self) -> String {
        self.pid.to_string()
    }

    fn link(&self, ns: &str) -> String {
        ns_link(self.pid, ns)
    }
}

fn unshare_cmd(flags: &[&str], program: &[&str]) -> Cmd {
    util_linux("unshare").args(["--kill-child", "-f"]).args(flags).args(program)
}

fn sleeper() -> &'static [&'static str] {
    &["sleep", "1000"]
}

/// A target in every namespace type but the user's, with its own /proc and
/// hostname — what a container runtime makes.
fn container(hostname: &str) -> Target {
    Target::unshare(
        &["-p", "--mount-proc", "-m", "-u", "-i", "-n", "-C", "-T"],
        &["sh", "-c", &format!("hostname {hostname} && exec sleep 1000")],
    )
}

/// The inode of a pidfd of `pid` (pidfs, Linux 6.9), for `-t PID:INODE`.
fn pidfd_inode(pid: u32) -> u64 {
    // SAFETY: pidfd_open and fstat into a local buffer; the fd is closed.
    unsafe {
        let fd = libc::syscall(libc::SYS_pidfd_open, pid as i32, 0) as i32;
        assert!(fd >= 0, "pidfd_open({pid}) failed");
        let mut st: libc::stat = std::mem::zeroed();
        assert_eq!(libc::fstat(fd, &mut st), 0);
        libc::close(fd);
        st.st_ino
    }
}

#[track_caller]
fn same_as_util_linux(args: &[&str]) -> Output {
    let (o, t) = differential("nsenter", args, |c| c);
    assert_same_with(&o, &t, without_hints);
    o
}

#[track_caller]
fn hint_has(out: &Output, text: &str) {
    let hint = out.stderr.lines().find(|l| l.contains(": hint: ")).unwrap_or_default();
    assert!(hint.contains(text), "hint lacks {text:?}:\n{}", out.stderr);
}

/// The links under /proc/PID/ns the tests compare.
fn links_of(pid: u32) -> BTreeMap<&'static str, String> {
    TYPES.iter().map(|(ns, _, _)| (*ns, ns_link(pid, ns))).collect()
}

/// `readlink /proc/self/ns/<each type>` run inside, one per line.
const READ_LINKS: &str = "for n in cgroup ipc mnt net pid time user uts; do readlink /proc/self/ns/$n; done";

fn lines_to_links(text: &str) -> BTreeMap<&'static str, String> {
    TYPES.iter().map(|(ns, _, _)| *ns).zip(text.lines().map(str::to_string)).collect()
}

// ---------------------------------------------------------------- seeds

#[test]
fn seed_unshare_fn_sleep_then_nsenter_net_shows_only_lo() {
    if !require_root() {
        return;
    }
    let only_lo = |out: &Output| {
        out.success();
        let links: Vec<&str> = out.stdout.lines().filter(|l| !l.starts_with(' ')).collect();
        assert_eq!(links.len(), 1, "{}", out.stdout);
        assert!(links[0].starts_with("1: lo: <LOOPBACK>"), "{}", out.stdout);
    };
    // `unshare -fn sleep 360 &` then `nsenter -t PID -n ip a`
    let t = Target::unshare(&["-n"], &["sleep", "360"]);
    let out = ours().args(["-t", &t.pid(), "-n", "ip", "a"]).run();
    only_lo(&out);
    let theirs = util_linux("nsenter").args(["-t", &t.pid(), "-n", "ip", "a"]).run();
    assert_eq!(out.stdout, theirs.stdout);

    // the same with our unshare-rs
    let t = Target::start(tool("unshare-rs").args(["-fn", "sleep", "360"]));
    only_lo(&ours().args(["-t", &t.pid(), "-n", "ip", "a"]).run());
}

#[test]
fn seed_persistent_netns_with_a_veth_like_ip_netns_exec() {
    if !require_root() {
        return;
    }
    let ns = NetnsGuard::add("ne");
    let path = ns.path().display().to_string();
    let (a, b) = (unique_name("a"), unique_name("b"));
    // both ends inside the namespace: the host's links are never touched
    Cmd::new("ip").args(["-n", &ns.name, "link", "add", &a, "type", "veth", "peer", "name", &b]).run().success();
    let net = format!("--net={path}");
    ours().args([net.as_str(), "ip", "addr", "add", "10.200.7.1/24", "dev", &a]).run().success().no_stderr();
    ours().args([net.as_str(), "ip", "link", "set", &a, "up"]).run().success();
    let addrs = ours().args([net.as_str(), "ip", "-o", "-4", "addr", "show", "dev", &a]).run();
    addrs.success().stdout_has("10.200.7.1/24");
    // what `ip netns exec` sees is what we see
    let ipx = Cmd::new("ip").args(["netns", "exec", &ns.name, "ip", "-o", "link"]).run();
    ours().args([net.as_str(), "ip", "-o", "link"]).run().success().stdout_is(&ipx.stdout);
    // the short form with an attached file, and util-linux agrees
    same_as_util_linux(&[&format!("-n{path}"), "ip", "-o", "link"]).success();
    let ino = std::fs::metadata(ns.path()).map(|m| std::os::unix::fs::MetadataExt::ino(&m)).unwrap();
    ours().args([net.as_str(), "readlink", "/proc/self/ns/net"]).run().success().stdout_is(&format!("net:[{ino}]\n"));
}

#[test]
fn a_namespace_file_made_by_unshare_is_entered() {
    if !require_root() {
        return;
    }
    let ns = NetnsGuard::reserve_file("nf");
    let net = format!("--net={}", ns.path().display());
    util_linux("unshare").args([net.as_str(), "true"]).run().success();
    let out = ours().args([net.as_str(), "ip", "-o", "link"]).run();
    out.success();
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    assert!(out.stdout.starts_with("1: lo:"));
    // util-linux 2.43 strips '=' from an attached short value
    ours().args([format!("-n={}", ns.path().display()).as_str(), "ip", "-o", "link"]).run().success();
}

// ------------------------------------------------------- namespace types

#[test]
fn every_namespace_type_is_entered_by_option_and_by_file() {
    if !require_root() {
        return;
    }
    let t = Target::unshare(&["-U", "-r", "-m", "-u", "-i", "-n", "-C", "-T", "-p"], sleeper());
    for (ns, short, long) in TYPES {
        let want = format!("{}\n", t.link(ns));
        assert_ne!(t.link(ns), ns_link(std::process::id(), ns), "target shares {ns}");
        let proc_file = format!("/proc/self/ns/{ns}");
        for spelling in
            [vec!["-t".to_string(), t.pid(), short.to_string()], vec![format!("--{long}=/proc/{}/ns/{ns}", t.pid)]]
        {
            for files in [false, true] {
                let out = ours_via(files).args(&spelling).args(["readlink", proc_file.as_str()]).run();
                out.success().stdout_is(&want);
            }
        }
    }
}

#[test]
fn all_enters_a_container_like_util_linux_does() {
    if !require_root() {
        return;
    }
    let name = unique_name("h");
    let t = container(&name);
    let script = format!("hostname; id; {READ_LINKS}; ps -e -o comm=");
    let (o, th) = differential("nsenter", ["-t", &t.pid(), "-a", "sh", "-c", &script], |c| c);
    assert_same_with(&o, &th, without_hints);
    o.success();
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(lines[0], name);
    assert_eq!(lines[1], "uid=0(root) gid=0(root) groups=0(root)");
    let links = lines_to_links(&lines[2..10].join("\n"));
    assert_eq!(links, links_of(t.pid), "inside vs the target's /proc/PID/ns");
    // ps sees the container's processes only: its init, the shell and ps
    assert_eq!(&lines[10..], ["sleep", "sh", "ps"]);
    // and PID 1 is the target
    ours().args(["-t", &t.pid(), "-a", "cat", "/proc/1/comm"]).run().success().stdout_is("sleep\n");
}

#[test]
fn all_enters_a_container_with_a_user_namespace_as_root_and_as_its_owner() {
    if !require_root() {
        return;
    }
    let name = unique_name("u");
    let t = Target::start(
        unshare_cmd(
            &["-r", "-p", "--mount-proc", "-m", "-u", "-i", "-n", "-C", "-T"],
            &["sh", "-c", &format!("hostname {name} && exec sleep 1000")],
        )
        .as_nobody(),
    );
    let script = format!("hostname; id -u; id -g; cat /proc/self/uid_map; {READ_LINKS}; ps -e -o comm=");
    let args = ["-t", &t.pid(), "-a", "sh", "-c", &script];
    let (o, th) = differential("nsenter", args, |c| c);
    assert_same_with(&o, &th, without_hints);
    let (_, th_files) = differential("nsenter", args, |c| with_files(c, true));
    let files = ours_via(true).args(args).run();
    assert_same_with(&files, &th_files, without_hints);
    // as the container's owner (util-linux 2.38.1 fails: setgroups is denied)
    let mine = ours().args(args).as_nobody().run();
    let mine_files = ours_via(true).args(args).as_nobody().run();
    for out in [&o, &files, &mine, &mine_files] {
        out.success();
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert_eq!(lines[..3], [name.as_str(), "0", "0"]);
        assert_eq!(lines[3].split_whitespace().collect::<Vec<_>>(), ["0", "65534", "1"]);
        assert_eq!(lines_to_links(&lines[4..12].join("\n")), links_of(t.pid));
        assert_eq!(&lines[12..], ["sleep", "sh", "ps"]);
    }
}

#[test]
fn all_skips_what_we_share_and_still_runs_the_program() {
    if !require_root() {
        return;
    }
    // only the network namespace is the target's own
    let t = Target::unshare(&["-n"], sleeper());
    let out = ours().args(["-t", &t.pid(), "-a", "sh", "-c", READ_LINKS]).run();
    out.success();
    let got = lines_to_links(&out.stdout);
    assert_eq!(got["net"], t.link("net"));
    assert_eq!(got["user"], ns_link(std::process::id(), "user"));
    // explicit options override --all: the net namespace from a file
    let other = Target::unshare(&["-n"], sleeper());
    let out = ours()
        .args(["-t", &t.pid(), "-a", &format!("--net=/proc/{}/ns/net", other.pid), "readlink", "/proc/self/ns/net"])
        .run();
    out.success().stdout_is(&format!("{}\n", other.link("net")));
}

// -------------------------------------------------- users and credentials

#[test]
fn an_unprivileged_user_enters_its_own_user_namespace() {
    if !require_root() {
        return;
    }
    // `unshare -r` as nobody: a user namespace mapping nobody to 0
    let t = Target::start(unshare_cmd(&["-r"], sleeper()).as_nobody());
    let script = "id -u; readlink /proc/self/ns/user";
    for files in [false, true] {
        let out = ours_via(files).as_nobody().args(["-t", &t.pid(), "-U", "sh", "-c", script]).run();
        out.success().stdout_is(&format!("0\n{}\n", t.link("user")));
        // --all: everything else is shared (and owned by the init user
        // namespace, so entering it would fail); util-linux 2.38.1 fails here
        let out = ours_via(files).as_nobody().args(["-t", &t.pid(), "-a", "sh", "-c", script]).run();
        out.success().stdout_is(&format!("0\n{}\n", t.link("user")));
    }
}

#[test]
fn credentials_setuid_setgid_follow_and_preserve() {
    if !require_root() {
        return;
    }
    // nobody's user namespace in which nobody is 1000 (and 0 is unmapped)
    let t = Target::start(unshare_cmd(&["--map-user=1000", "--map-group=1000"], sleeper()).as_nobody());
    let p = t.pid();
    let id = |c: Cmd| c.args(["sh", "-c", "echo $(id -u) $(id -g) $(id -G)"]).run();
    // --preserve-credentials keeps nobody, who is 1000 in there
    id(ours().as_nobody().args(["-t", &p, "-U", "--preserve-credentials"])).success().stdout_is("1000 1000 1000\n");
    id(ours().as_nobody().args(["-t", &p, "-U", "-S", "1000", "-G", "1000"])).success().stdout_is("1000 1000 1000\n");
    // follow: the owner of /proc/PID as seen inside (nobody → 1000)
    id(ours().as_nobody().args(["-t", &p, "-U", "-S", "follow", "-G", "follow"]))
        .success()
        .stdout_is("1000 1000 1000\n");
    id(ours().args(["-t", &p, "-U", "--setuid=follow", "--setgid=follow"])).success().stdout_is("1000 1000 1000\n");
    // follow without entering the user namespace: nobody as the host sees it
    id(ours().args(["-t", &p, "-n", "-S", "follow", "-G", "follow"]))
        .success()
        .stdout_is(&format!("{NOBODY} {NOBODY} {NOBODY}\n"));
    // by default the user namespace makes us 0, which is unmapped here
    let out = id(ours().as_nobody().args(["-t", &p, "-U"]));
    out.fails_with("nsenter-rs", "setgid() failed: Invalid argument", 1);
    hint_has(&out, "--preserve-credentials");
    // root into `unshare -r` (0 → nobody): -S 1 is unmapped (the spec's sample)
    let r = Target::start(unshare_cmd(&["-r"], sleeper()).as_nobody());
    ul_named("nsenter").args(["-t", &r.pid(), "-U", "-S", "1", "id"]).run().fails_with(
        "nsenter",
        "setuid() failed: Invalid argument",
        1,
    );
    let (o, th) = differential("nsenter", ["-t", &r.pid(), "-U", "-G", "0", "-S", "0", "id"], |c| c);
    assert_same_with(&o, &th, without_hints);
    o.success().stdout_is("uid=0(root) gid=0(root) groups=0(root)\n");
    id(ours().args(["-t", &r.pid(), "-U", "-S", "follow", "-G", "follow"])).success().stdout_is("0 0 0\n");
}

#[test]
fn keep_caps_makes_the_namespace_capabilities_ambient() {
    if !require_root() {
        return;
    }
    let t = Target::start(unshare_cmd(&["--map-user=1000", "--map-group=1000"], sleeper()).as_nobody());
    let caps = |extra: &[&str]| {
        let out = ours()
            .as_nobody()
            .args(["-t", &t.pid(), "-U", "--preserve-credentials"])
            .args(extra)
            .args(["grep", "-E", "^Cap(Eff|Amb)", "/proc/self/status"])
            .run();
        out.success();
        out.stdout.lines().map(|l| l.split_whitespace().nth(1).unwrap_or("").to_string()).collect::<Vec<_>>()
    };
    let without = caps(&[]);
    assert_eq!(without, ["0000000000000000", "0000000000000000"]);
    let with = caps(&["--keep-caps"]);
    assert_ne!(with[0], "0000000000000000");
    assert_eq!(with[0], with[1], "every effective capability is ambient");
}

/// Issue 16, item 11: `--keep-caps` makes the user namespace's capabilities
/// ambient when the user namespace is entered with another, as HEAD does.
/// With `-U` alone HEAD leaves them out; ours does as documented (see
/// keep_caps_makes_the_namespace_capabilities_ambient, nsenter-rs(1) NOTES).
#[test]
fn keep_caps_with_another_namespace_as_head_does() {
    if !require_root() {
        return;
    }
    let t = Target::start(unshare_cmd(&["--map-user=1000", "--map-group=1000", "-n"], sleeper()).as_nobody());
    let pid = t.pid();
    let caps = ["grep", "-E", "^Cap(Inh|Eff|Amb)", "/proc/self/status"];
    let args = [&["-t", &pid, "-U", "-n", "--preserve-credentials", "--keep-caps"][..], &caps].concat();
    let Some(out) = same_as_head(&args, |c| c.as_nobody()) else { return };
    out.success();
    assert!(!out.stdout.contains("CapAmb:\t0000000000000000"), "{}", out.stdout);
}

#[test]
fn user_parent_enters_the_parent_or_owning_user_namespace() {
    if !require_root() {
        return;
    }
    // outer: user namespace U1 with a network namespace it owns; the
    // target sits in a nested user namespace U2
    let t = Target::start(unshare_cmd(&["-U", "-r", "-n"], &["unshare", "-U", "-r", "sleep", "1000"]));
    let outer = t.sleeper.holder_pid();
    let u1 = ns_link(outer, "user");
    assert_ne!(u1, t.link("user"));
    let user = |args: &[&str]| ours().args(["-t", &t.pid()]).args(args).args(["readlink", "/proc/self/ns/user"]).run();
    user(&["--user-parent"]).success().stdout_is(&format!("{u1}\n"));
    user(&["-U", "--user-parent"]).success().stdout_is(&format!("{u1}\n"));
    // with -n: the user namespace owning the network namespace
    let out = ours()
        .args(["-t", &t.pid(), "-n", "--user-parent", "readlink", "/proc/self/ns/user", "/proc/self/ns/net"])
        .run();
    out.success().stdout_is(&format!("{u1}\n{}\n", t.link("net")));
    // the parent of U1 is ours: setns(2) refuses, as util-linux 2.43 reports
    let out = ours().args(["-t", &outer.to_string(), "--user-parent", "true"]).run();
    out.fails_with("nsenter-rs", "reassociate to namespace 'ns/user' failed: Invalid argument", 1);
    hint_has(&out, "the user namespace we are in");
}

// ------------------------------------------------------------- failures

#[test]
fn a_dead_target_fails_like_util_linux() {
    let gone = Cmd::new("true").spawn();
    let pid = {
        let mut g = gone;
        let p = g.id();
        g.wait().unwrap();
        p
    };
    let out = same_as_util_linux(&["-t", &pid.to_string(), "-n", "true"]);
    out.fails_with("nsenter", &format!("cannot open /proc/{pid}/ns/net: No such file or directory"), 1);
    hint_has(&out, &format!("no process with PID {pid}"));
    let out = same_as_util_linux(&["-t", &pid.to_string(), "-a", "true"]);
    out.fails_with("nsenter", &format!("stat of /proc/{pid}/ns/user failed: No such file or directory"), 1);
    // pinned by inode: the pidfd cannot be had
    let out = ours().args(["-t", &format!("{pid}:12345"), "-n", "true"]).run();
    out.fails_with(
        "nsenter-rs",
        &format!("failed to obtain a valid file descriptor for PID {pid}: No such process"),
        1,
    );
}

#[test]
fn pid_and_inode_pin_the_process() {
    if !require_root() {
        return;
    }
    let t = Target::unshare(&["-u"], sleeper());
    let ino = pidfd_inode(t.pid);
    ours()
        .args(["-t", &format!("{}:{ino}", t.pid), "-u", "readlink", "/proc/self/ns/uts"])
        .run()
        .success()
        .stdout_is(&format!("{}\n", t.link("uts")));
    let wrong = format!("{}:{}", t.pid, ino + 1_000_000_007);
    let out = ours().args(["-t", &wrong, "-u", "true"]).run();
    out.fails_with(
        "nsenter-rs",
        &format!("failed to obtain a valid file descriptor for PID {}: No such process", t.pid),
        1,
    );
    out.no_stdout();
}

#[test]
fn files_that_are_not_namespaces_or_of_another_type_are_named() {
    let out = same_as_util_linux(&["--net=/etc/hostname", "true"]);
    out.fails_with("nsenter", "reassociate to namespace 'ns/net' failed: Invalid argument", 1);
    hint_has(&out, "/etc/hostname is not a namespace file");
    let out = same_as_util_linux(&["--net=/proc/self/ns/uts", "true"]);
    out.fails_with("nsenter", "reassociate to namespace 'ns/net' failed: Invalid argument", 1);
    hint_has(&out, "/proc/self/ns/uts is a uts namespace, not a net namespace");
    same_as_util_linux(&["--net=/nonexistent", "true"]).fails_with(
        "nsenter",
        "cannot open /nonexistent: No such file or directory",
        1,
    );
}

#[test]
fn a_target_we_may_not_enter() {
    if !is_root() {
        nsutils_tests::skip("a_target_we_may_not_enter", "needs root to make a root-owned target");
        return;
    }
    let t = Target::unshare(&["-n"], sleeper());
    // through the pidfd: setns(2) refuses
    let out = ours().as_nobody().args(["-t", &t.pid(), "-n", "true"]).run();
    out.fails_with("nsenter-rs", "reassociate to namespaces failed: Operation not permitted", 1);
    hint_has(&out, "CAP_SYS_ADMIN");
    // through /proc/PID/ns (kernels before 5.8): as util-linux 2.38.1
    let args = ["-t", &t.pid(), "-n", "true"];
    let (o, th) = differential("nsenter", args, |c| with_files(c, true).as_nobody());
    assert_same_with(&o, &th, without_hints);
    o.fails_with("nsenter", &format!("cannot open /proc/{}/ns/net: Permission denied", t.pid), 1);
    hint_has(&o, "CAP_SYS_PTRACE");
    // a file given by name: open(2) refuses
    let file = format!("/proc/{}/ns/net", t.pid);
    let out = ours().as_nobody().args([format!("--net={file}").as_str(), "true"]).run();
    out.fails_with("nsenter-rs", &format!("cannot open {file}: Permission denied"), 1);
}

#[test]
fn argument_errors_follow_upstream() {
    let me = std::process::id().to_string();
    let cases: [(&[&str], String); 8] = [
        (&["-t", "0", "-u", "true"], "failed to parse PID argument '0': Numerical result out of range".into()),
        (&["-t", "-5", "-u", "true"], "failed to parse PID argument '-5': Numerical result out of range".into()),
        (&["-t", "7:0", "-u", "true"], "failed to parse PID argument '7:0': Numerical result out of range".into()),
        (&["-t", "7:abc", "-u", "true"], "failed to parse PID argument '7:abc': Invalid argument".into()),
        (&["-t", &me, "-t", &me, "-u", "true"], "option --target may be given only once".into()),
        (&["-t", &me, "true"], "no namespace specified".into()),
        (&["-t", &me, "-u", "-W/tmp", "-w", "true"], "options --wdns and --wd cannot be combined".into()),
        (&["-S", "-1", "-t", &me, "-u", "true"], "failed to parse uid: '-1': Numerical result out of range".into()),
    ];
    for (args, msg) in cases {
        ul_named("nsenter").args(args).run().fails_with("nsenter", &msg, 1).no_stdout();
    }
    // our own user namespace cannot be entered again (the spec's sample):
    // HEAD's pidfd wording, and util-linux 2.38.1's through /proc files
    let out = ours().args(["-t", &me, "-U", "true"]).run();
    out.fails_with("nsenter-rs", "reassociate to namespaces failed: Invalid argument", 1);
    hint_has(&out, "the user namespace we are in");
    let (o, th) = differential("nsenter", ["-t", &me, "-U", "true"], |c| with_files(c, true));
    assert_same_with(&o, &th, without_hints);
    o.fails_with("nsenter", "reassociate to namespace 'ns/user' failed: Invalid argument", 1);
    hint_has(&o, "the user namespace we are in");
    // -W takes an attached value (util-linux ≥2.39): say so instead of
    // executing the directory
    let out = ours().args(["-t", &me, "-u", "-W", "/tmp", "pwd"]).run();
    out.code(1).stderr_has("option --wdns needs a directory attached");
    // SELinux is not there
    ours().args(["-t", &me, "-u", "-Z", "true"]).run().fails_with(
        "nsenter-rs",
        "--follow-context needs SELinux, which is not enabled on this system",
        1,
    );
}

#[test]
fn differential_where_2_38_and_head_agree() {
    if !require_root() {
        return;
    }
    let name = unique_name("d");
    let t = container(&name);
    let p = t.pid();
    let cases: Vec<Vec<&str>> = vec![
        vec!["-t", &p, "-u", "hostname"],
        vec!["-t", &p, "-n", "ip", "-o", "link"],
        vec!["-t", &p, "-u", "-i", "sh", "-c", "exit 7"],
        vec!["-t", &p, "-p", "sh", "-c", "readlink /proc/self/ns/pid; exit 3"],
        vec!["-t", &p, "-p", "-F", "-n", "true"],
        vec!["-t", &p, "-m", "-r", "pwd"],
        vec!["-t", &p, "-m", "pwd"],
        vec!["-t", &p, "-u", "-w/tmp", "pwd"],
        vec!["-t", &p, "-u", "--wd=/tmp", "pwd"],
        vec!["-t", &p, "-u", "-W/usr", "pwd"],
        vec!["-t", &p, "-u", "--wdns=/usr", "pwd"],
        vec!["-t", &p, "-m", "-W/proc/1", "cat", "comm"],
        vec!["-t", &p, "-u", "/nonexistent"],
        vec!["-t", &p, "-u", "/etc"],
        vec!["-t", &p, "-w/nonexistent", "-u", "true"],
        vec!["-t", &p, "-S", "abc", "-u", "true"],
        vec!["-t", &p, "-G", "abc", "-u", "true"],
        vec!["-t", &p, "-S", "0", "-G", "0", "-u", "id"],
        vec!["-t", "999999", "-n", "true"],
        vec!["-n", "true"],
        vec!["--net", "/run", "true"],
        vec!["-r", "true"],
        vec!["-w", "true"],
        vec!["-t", &p, "-a", "sh", "-c", "hostname; readlink /proc/self/ns/mnt"],
    ];
    for args in cases {
        same_as_util_linux(&args);
    }
}

// ------------------------------------------------- exit status, signals

#[test]
fn exit_statuses_and_fatal_signals_pass_through() {
    if !require_root() {
        return;
    }
    let t = Target::unshare(&["-p", "-u"], sleeper());
    let p = t.pid();
    ours().args(["-t", &p, "-u", "sh", "-c", "exit 7"]).run().code(7);
    ours().args(["-t", &p, "-p", "sh", "-c", "exit 9"]).run().code(9);
    for sig in [libc::SIGTERM, libc::SIGKILL, libc::SIGUSR1] {
        let script = format!("kill -{sig} $$");
        let (o, th) = differential("nsenter", ["-t", &p, "-p", "sh", "-c", &script], |c| c);
        o.killed_by(sig);
        assert_same_with(&o, &th, without_hints);
    }
}

#[test]
fn a_stopped_child_stops_us_and_continues_with_us() {
    if !require_root() {
        return;
    }
    let t = Target::unshare(&["-p"], sleeper());
    let mut c = ours().args(["-t", &t.pid(), "-p", "sh", "-c", "kill -STOP $$; echo resumed"]).spawn();
    let pid = c.id();
    wait_until(10, "nsenter-rs to stop with its child", || proc_state(pid) == Some('T'));
    // SAFETY: signalling our own child.
    unsafe { libc::kill(pid as i32, libc::SIGCONT) };
    let mut out = String::new();
    BufReader::new(c.stdout.take().unwrap()).read_line(&mut out).unwrap();
    assert_eq!(out, "resumed\n");
    assert!(c.wait().unwrap().success());
}

// ------------------------------------------------------------ fd hygiene

/// fd number → what it points to, pipe and socket numbers blurred.
fn fds_of(pid: u32) -> BTreeMap<i32, String> {
    let mut m = BTreeMap::new();
    for e in std::fs::read_dir(format!("/proc/{pid}/fd")).unwrap().flatten() {
        let n: i32 = e.file_name().to_string_lossy().parse().unwrap();
        let l = std::fs::read_link(e.path()).map(|p| p.display().to_string()).unwrap_or_default();
        let l =
            if l.starts_with("pipe:") || l.starts_with("socket:") { l.split(':').next().unwrap().into() } else { l };
        m.insert(n, l);
    }
    m
}

/// A root file system in a private mount namespace, the target chroot'ed
/// into it: a marker at its top, /usr and /proc bound from the host.
fn chrooted(root: &Path) -> Target {
    let r = root.display();
    let script = format!(
        "mount -t tmpfs t {r} && mkdir {r}/usr {r}/proc && mount --rbind /usr {r}/usr && \
         mount --rbind /proc {r}/proc && ln -s usr/bin {r}/bin && ln -s usr/lib {r}/lib && \
         ln -s usr/lib64 {r}/lib64 && echo inside > {r}/marker && cd {r} && exec chroot . sleep 1000"
    );
    Target::unshare(&["-m", "--propagation", "private"], &["sh", "-c", &script])
}

#[test]
fn the_program_gets_only_the_descriptors_we_were_given() {
    if !require_root() {
        return;
    }
    let dir = TempDir::new("fdroot");
    let t = chrooted(dir.path());
    let c = container(&unique_name("f"));
    // fd 7 is inherited on purpose; everything else must be what the
    // program would have had without us
    let start =
        |prog: &[&str]| Cmd::new("bash").args(["-c", "exec 7</etc/hostname; exec \"$@\"", "bash"]).args(prog).spawn();
    // asleep in nanosleep: done with start-up (its locale files are closed)
    let sleeping = |pid: u32| {
        wait_until(10, "the program to sleep", || {
            comm_of(pid) == "sleep"
                && std::fs::read_to_string(format!("/proc/{pid}/wchan")).is_ok_and(|w| w.contains("nanosleep"))
        })
    };
    let baseline = {
        let g = ChildGuard(start(&["sleep", "30"]));
        sleeping(g.pid());
        fds_of(g.pid())
    };
    assert_eq!(baseline.get(&7).map(String::as_str), Some("/etc/hostname"));
    let nsenter = tool_path("nsenter-rs").display().to_string();
    let cases: Vec<(Vec<String>, bool)> = vec![
        (vec!["-t".into(), t.pid(), "-m".into(), "-r".into(), "-w".into()], false),
        (vec!["-t".into(), t.pid(), "-r".into()], false),
        (vec!["-t".into(), c.pid(), "-a".into(), "-r".into(), "-w".into(), "-e".into()], true),
        (vec!["-t".into(), c.pid(), "-p".into(), "-m".into(), "-W/".into()], true),
        (vec![format!("--net=/proc/{}/ns/net", c.pid), "-t".into(), c.pid(), "-u".into(), "-c".into()], false),
    ];
    for (args, forks) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut prog = vec![nsenter.as_str()];
        prog.extend(&args);
        prog.extend(["sleep", "30"]);
        let g = ChildGuard(start(&prog));
        let program = if forks {
            let mut child = 0;
            wait_until(10, "the forked program", || match children_of(g.pid()).first() {
                Some(&p) => {
                    child = p;
                    true
                }
                None => false,
            });
            sleeping(child);
            // the waiting parent holds nothing either
            assert_eq!(fds_of(g.pid()), baseline, "nsenter-rs {args:?} (waiting parent)");
            child
        } else {
            sleeping(g.pid());
            g.pid()
        };
        assert_eq!(fds_of(program), baseline, "nsenter-rs {args:?}");
    }
}

#[test]
fn root_without_wd_never_leaves_the_program_outside_its_root() {
    if !require_root() {
        return;
    }
    let dir = TempDir::new("chroot");
    let t = chrooted(dir.path());
    let here = TempDir::new("cwd");
    // our working directory is outside the target's root: util-linux
    // restores it after chroot, from where `..` leads out of the root
    let out = ours().cwd(here.path()).args(["-t", &t.pid(), "-r", "sh", "-c", "cd ../../../..; cat marker"]).run();
    out.success().stdout_is("inside\n");
    ours().args(["-t", &t.pid(), "-m", "-r", "cat", "/marker"]).run().success().stdout_is("inside\n");
    // -w: the target's working directory, which is its root
    ours().args(["-t", &t.pid(), "-m", "-r", "-w", "cat", "marker"]).run().success().stdout_is("inside\n");
    ours()
        .args(["-t", &t.pid(), "-m", "-r", "-W/usr", "sh", "-c", "pwd; cat ../marker"])
        .run()
        .success()
        .stdout_is("/usr\ninside\n");
}

// ------------------------------------------------------ the HEAD extras

#[test]
fn env_takes_the_targets_environment() {
    if !require_root() {
        return;
    }
    let t = Target::start(unshare_cmd(&["-u"], sleeper()).env("NSUT_TARGET_VAR", "from-target"));
    let out = ours().env("NSUT_OUR_VAR", "ours").args(["-t", &t.pid(), "-u", "-e", "env"]).run();
    out.success().stdout_has("NSUT_TARGET_VAR=from-target\n");
    assert!(!out.stdout.contains("NSUT_OUR_VAR"), "{}", out.stdout);
}

/// `python3 -c` replacing itself with `sleep 1000` whose environment is
/// exactly the arguments, entries that execve(2) allows and setenv(3)
/// does not (no `=`, an empty name) included.
const EXEC_WITH_ENV_PY: &str = "import ctypes, sys\n\
    libc = ctypes.CDLL(None)\n\
    env = [a.encode() for a in sys.argv[1:]]\n\
    argv = (ctypes.c_char_p * 3)(b'sleep', b'1000', None)\n\
    envp = (ctypes.c_char_p * (len(env) + 1))(*env, None)\n\
    libc.execve(b'/bin/sleep', argv, envp)\n\
    sys.exit(127)\n";

/// Issue 16, item 12: `-e` with an environment entry of an empty name
/// fails as HEAD fails, instead of leaving it out; entries without `=`
/// are left out by both. (HEAD sets the variables in reverse order, so
/// `env` lists them backwards; ours keeps the target's order.)
#[test]
fn env_fails_on_a_nameless_entry_as_head_does() {
    if !require_root() {
        return;
    }
    let env_of = |entries: &[&str]| Sleeper::start(Cmd::new("python3").args(["-c", EXEC_WITH_ENV_PY]).args(entries));
    let t = env_of(&["A=1", "=nameless", "B=2"]);
    let pid = t.pid().to_string();
    let Some(out) = same_as_head(&["-t", &pid, "-u", "-e", "env"], |c| c) else { return };
    out.fails_with("nsenter", "failed to set environment variables: Invalid argument", 1).no_stdout();
    drop(t);
    let t = env_of(&["A=1", "junk", "", "B=x=y"]);
    let pid = t.pid().to_string();
    let (ours, head) = differential_head("nsenter", ["-t", &pid, "-u", "-e", "env"], |c| c).unwrap();
    ours.success().stdout_is("A=1\nB=x=y\n");
    let sorted = |o: &Output| {
        let mut v: Vec<String> = o.stdout.lines().map(String::from).collect();
        v.sort();
        v
    };
    assert_eq!((sorted(&ours), &ours.stderr, ours.code), (sorted(&head), &head.stderr, head.code));
}

/// A cgroup v2 directory made for one test, removed on drop.
struct CgroupGuard(std::path::PathBuf);

impl Drop for CgroupGuard {
    fn drop(&mut self) {
        for _ in 0..400 {
            if std::fs::remove_dir(&self.0).is_ok() || !self.0.exists() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// The mount point of the first file system of type `fstype`.
fn first_mount_of(fstype: &str) -> Option<String> {
    let info = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    let tag = format!(" - {fstype} ");
    info.lines().find(|l| l.contains(&tag)).and_then(|l| l.split(' ').nth(4)).map(str::to_string)
}

fn cgroup2_mount() -> Option<String> {
    first_mount_of("cgroup2")
}

#[test]
fn join_cgroup_moves_the_program_into_the_targets_cgroup_v2() {
    if !require_root() {
        return;
    }
    let Some(mount) = cgroup2_mount() else {
        nsutils_tests::skip("join_cgroup", "no cgroup2 mount");
        return;
    };
    let name = unique_name("cg");
    let cg = CgroupGuard(Path::new(&mount).join(&name));
    std::fs::create_dir(&cg.0).unwrap();
    let t = ChildGuard(Cmd::new("sleep").arg("1000").spawn());
    std::fs::write(cg.0.join("cgroup.procs"), t.pid().to_string()).unwrap();
    let out = ours().args(["-t", &t.pid().to_string(), "-c", "cat", "/proc/self/cgroup"]).run();
    out.success().stdout_has(&format!("0::/{name}\n"));
    // and without -c we stay where we are
    let out = ours().args(["-t", &t.pid().to_string(), "-u", "cat", "/proc/self/cgroup"]).run();
    assert!(!out.stdout.contains(&name), "{}", out.stdout);
    drop(t);
}

/// The same argv through ours (named `nsenter`) and util-linux HEAD's,
/// each wrapped by `wrap`; stdout, exit status and stderr must match (hint
/// lines aside). Ours, or `None` when HEAD is missing (skipped loudly).
#[track_caller]
fn same_as_head(args: &[&str], wrap: impl Fn(Cmd) -> Cmd) -> Option<Output> {
    let (ours, head) = differential_head("nsenter", args, wrap)?;
    assert_same_with(&ours, &head, without_hints);
    Some(ours)
}

/// Issue 16, item 10: `-c` never reports a join that did not happen. On a
/// system with v1 hierarchies, a target in other v1 cgroups than ours
/// cannot be joined by moving in the unified hierarchy: refused, as HEAD
/// refuses. On a pure v2 system both join.
#[test]
fn join_cgroup_is_whole_or_refused_as_head_does() {
    if !require_root() {
        return;
    }
    let name = unique_name("cg1");
    // a v1 hierarchy, if the system has one (hybrid), else the v2 one
    let (hierarchy, expect_join) = match (first_mount_of("cgroup"), cgroup2_mount()) {
        (Some(v1), _) => (v1, false),
        (None, Some(v2)) if v2 == "/sys/fs/cgroup" => (v2, true),
        _ => {
            nsutils_tests::skip("join_cgroup_is_whole_or_refused_as_head_does", "no cgroup at /sys/fs/cgroup");
            return;
        }
    };
    let cg = CgroupGuard(Path::new(&hierarchy).join(&name));
    std::fs::create_dir(&cg.0).unwrap();
    let t = ChildGuard(Cmd::new("sleep").arg("1000").spawn());
    std::fs::write(cg.0.join("cgroup.procs"), t.pid().to_string()).unwrap();
    let pid = t.pid().to_string();
    let Some(out) = same_as_head(&["-t", &pid, "-c", "cat", "/proc/self/cgroup"], |c| c) else { return };
    if expect_join {
        out.success().stdout_has(&format!("0::/{name}\n"));
    } else {
        out.fails_with("nsenter", "--join-cgroup is only supported in cgroup v2", 1);
        hint_has(&out, "other v1 cgroups");
    }
    drop(t);
}

#[test]
fn net_socket_enters_the_namespace_of_the_targets_socket() {
    if !require_root() {
        return;
    }
    // the process is back in our network namespace; its fd 7 is a socket
    // made in a private one
    let py = "import ctypes,os,socket,sys,time\n\
              libc=ctypes.CDLL(None,use_errno=True)\n\
              home=os.open('/proc/self/ns/net',os.O_RDONLY)\n\
              assert libc.unshare(0x40000000)==0\n\
              s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n\
              os.dup2(s.fileno(),7)\n\
              print(os.readlink('/proc/self/ns/net'),flush=True)\n\
              assert libc.setns(home,0x40000000)==0\n\
              os.execvp('sleep',['sleep','1000'])\n";
    let mut child = Cmd::new("python3").args(["-c", py]).spawn();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let t = ChildGuard(child);
    wait_until(10, "python to become sleep", || comm_of(t.pid()) == "sleep");
    let p = t.pid().to_string();
    assert_ne!(line.trim(), ns_link(t.pid(), "net"));
    ours().args(["-t", &p, "-N", "7", "readlink", "/proc/self/ns/net"]).run().success().stdout_is(&line);
    let out = ours().args(["-t", &p, "-N", "1", "true"]).run();
    out.fails_with("nsenter-rs", "ioctl(4, SIOCGSKNS): Inappropriate ioctl for device", 1);
    let out = ours().args(["-t", &p, "-N", "99", "true"]).run();
    out.code(1);
    let first = out.stderr.lines().next().unwrap();
    assert!(first.starts_with("nsenter-rs: pidfd_getfd(") && first.ends_with(", 99): Bad file descriptor"), "{first}");
}

#[test]
fn namespace_ids_and_files_whose_names_start_with_a_colon() {
    if !require_root() {
        return;
    }
    let t = Target::unshare(&["-n"], sleeper());
    // a file called ":ns" is spelled ./:ns
    let dir = TempDir::new("colon");
    let file = dir.touch(":ns");
    let src = format!("/proc/{}/ns/net", t.pid);
    Cmd::new("mount").args(["--bind", &src]).arg(&file).run().success();
    ours()
        .cwd(dir.path())
        .args(["--net=./:ns", "readlink", "/proc/self/ns/net"])
        .run()
        .success()
        .stdout_is(&format!("{}\n", t.link("net")));
    // :ID is a namespace ID (NS_GET_ID); opening by ID needs Linux 6.19
    let id = {
        let f = std::fs::File::open(&src).unwrap();
        let mut id: u64 = 0;
        // SAFETY: NS_GET_ID writes one u64.
        let r = unsafe { libc::ioctl(std::os::fd::AsRawFd::as_raw_fd(&f), 0x8008_b70d_u32 as _, &mut id) };
        if r != 0 {
            nsutils_tests::skip("namespace IDs", "NS_GET_ID needs Linux 6.18");
            return;
        }
        id
    };
    let out = ours().args([format!("--net=:{id}").as_str(), "readlink", "/proc/self/ns/net"]).run();
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    let mut v = release.split(|c: char| !c.is_ascii_digit()).map(|n| n.parse::<u32>().unwrap_or(0));
    if (v.next().unwrap(), v.next().unwrap()) >= (6, 19) {
        out.success().stdout_is(&format!("{}\n", t.link("net")));
    } else {
        out.code(1).stderr_has(&format!("cannot open :{id}: opening a namespace by ID needs Linux 6.19 or later"));
    }
}

/// Whether setns(2) takes a pidfd is asked of the kernel (a setns through
/// a pidfd of nsenter-rs itself), not read from its version: where the
/// kernel refuses it (here a seccomp filter answers EINVAL to that one
/// call, as Linux 5.3–5.7 would), the target's namespaces are entered
/// through its /proc/PID/ns files, and the program runs there all the same.
#[test]
fn pidfd_entry_is_probed_not_inferred_from_the_kernel_version() {
    if !require_root() {
        return;
    }
    let t = nsutils_tests::Sandbox::new(&["-n", "-u"]);
    let pid = t.pid().to_string();
    let want = ns_link(t.pid(), "net");
    let net_file = format!("\"/proc/{pid}/ns/net\"");
    for files in [false, true] {
        // the filter is inherited by the traced nsenter-rs
        let c = Cmd::new("strace")
            // (musl opens with open(2), glibc with openat(2))
            .args(["-f", "-qq", "-e", "trace=setns,open,openat", "-o", "/dev/stderr"])
            .arg(tool_path("nsenter-rs"))
            .args(["-t", &pid, "-n", "readlink", "/proc/self/ns/net"]);
        let out = if files { nsutils_tests::fallbacks::setns_without_pidfd(c) } else { c }.run();
        out.success();
        assert_eq!(out.stdout.trim(), want, "{}", out.stderr);
        let probe = out.stderr.lines().find(|l| l.contains("setns(") && l.contains("CLONE_NEWUTS|CLONE_NEWNET"));
        let probe = probe.unwrap_or_else(|| panic!("no probe:\n{}", out.stderr));
        if files {
            assert!(probe.ends_with("EINVAL (Invalid argument)"), "{probe}");
            assert!(out.stderr.contains(&net_file), "the file route did not open {net_file}:\n{}", out.stderr);
        } else {
            assert!(probe.ends_with("= 0"), "{probe}");
            assert!(!out.stderr.contains(&net_file), "the pidfd route opened {net_file}:\n{}", out.stderr);
        }
    }
}
