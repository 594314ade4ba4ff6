//! Privilege: as an ordinary user (`nobody`) the tools give nothing beyond
//! what a user namespace grants its root.
//!
//! * nsenter-rs cannot enter namespaces owned by root — through a pidfd,
//!   through /proc/PID/ns files, through a readable bind mount, or from
//!   inside a user namespace of one's own — and says why;
//! * unshare-rs writes only the maps the kernel allows an unprivileged
//!   user (its own ids); other outer ids need newuidmap rights, which
//!   nobody lacks; a map cannot be rewritten from inside;
//! * `setgroups` stays denied where unshare-rs denied it (and in nested
//!   namespaces), and supplementary groups cannot be changed;
//! * `-S`/`-G` (and `--owner`) cannot make anyone else outside a user
//!   namespace, and uid 0 inside is still nobody to the host;
//! * unshare-rs without -U fails for every namespace type, with advice,
//!   and creates nothing (not even a persistence mount);
//! * lsns-rs shows nobody only nobody's own namespaces, without errors;
//! * ipcrm-rs cannot remove root's IPC objects, even world-writable ones.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use nsutils_tests::fallbacks::setns_without_pidfd;
use nsutils_tests::suite::ipc::sysv_objects;
use nsutils_tests::suite::setpriv_nobody;
use nsutils_tests::{
    ns_link, require_root, tool, tool_path, util_linux, Cmd, NetnsGuard, Output, Sandbox, Sleeper, TempDir, NOBODY,
    STD_PATH,
};

fn nobody(c: Cmd) -> Cmd {
    c.as_nobody().env("PATH", STD_PATH)
}

/// `unshare --kill-child -f FLAGS… sleep 1000` (util-linux), as root.
fn root_target(flags: &[&str]) -> Sleeper {
    Sleeper::start(util_linux("unshare").args(["--kill-child", "-f"]).args(flags).args(["sleep", "1000"]))
}

/// The same, as nobody (with a user namespace of nobody's own).
fn nobody_target(flags: &[&str]) -> Sleeper {
    Sleeper::start(util_linux("unshare").args(["--kill-child", "-f"]).args(flags).args(["sleep", "1000"]).as_nobody())
}

/// The real uid of a process as the host sees it.
fn host_uid(pid: u32) -> u32 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[track_caller]
fn refused(out: &Output, tool: &str, first: &str) {
    out.fails_with(tool, first, 1).no_stdout();
}

#[track_caller]
fn hint_has(out: &Output, text: &str) {
    let hint = out.stderr.lines().find(|l| l.contains(": hint: ")).unwrap_or_default();
    assert!(hint.contains(text), "hint lacks {text:?}:\n{}", out.stderr);
}

/// A temporary directory the user `nobody` can write in (where a command
/// run as nobody leaves its marker).
fn writable_by_nobody(tag: &str) -> TempDir {
    let dir = TempDir::new(tag);
    std::fs::set_permissions(dir.path(), std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    dir
}

/// The program of the runs that must not get that far: leaves a marker.
fn marker(dir: &TempDir) -> (String, impl Fn() -> bool + '_) {
    let m = dir.join("ran");
    let path = m.display().to_string();
    (path, move || m.exists())
}

// ------------------------------------------------- entering namespaces

#[test]
fn nobody_cannot_enter_namespaces_owned_by_root() {
    if !require_root() {
        return;
    }
    let dir = writable_by_nobody("priv");
    let (m, ran) = marker(&dir);
    let t = root_target(&["-n", "-m", "-u", "-i", "-p", "--mount-proc", "-C", "-T"]);
    let p = t.pid().to_string();
    // through the pidfd, every type and all at once: setns(2) says EPERM
    for opt in ["-n", "-m", "-u", "-i", "-p", "-C", "-T", "-U"] {
        let out = nobody(tool("nsenter-rs").args(["-t", &p, opt, "touch", &m])).run();
        refused(&out, "nsenter-rs", "reassociate to namespaces failed: Operation not permitted");
        hint_has(&out, "CAP_SYS_ADMIN");
    }
    // -a looks at the target's namespaces first, which nobody may not (as
    // util-linux 2.43)
    let out = nobody(tool("nsenter-rs").args(["-t", &p, "-a", "touch", &m])).run();
    refused(&out, "nsenter-rs", &format!("stat of /proc/{p}/ns/user failed: Permission denied"));
    hint_has(&out, "CAP_SYS_PTRACE");
    // through /proc/PID/ns files: open(2) says EACCES, as util-linux
    for (opt, ns) in [("-n", "net"), ("-m", "mnt"), ("-p", "pid")] {
        let out = nobody(setns_without_pidfd(tool("nsenter-rs")).args(["-t", &p, opt, "touch", &m])).run();
        refused(&out, "nsenter-rs", &format!("cannot open /proc/{p}/ns/{ns}: Permission denied"));
        hint_has(&out, "CAP_SYS_PTRACE");
        let theirs = nobody(util_linux("nsenter").args(["-t", &p, opt, "touch", &m])).run();
        assert_eq!(theirs.code, Some(1), "{}", theirs.stderr);
        let out = nobody(tool("nsenter-rs").arg(format!("--{}=/proc/{p}/ns/{ns}", long(ns))).args(["touch", &m])).run();
        refused(&out, "nsenter-rs", &format!("cannot open /proc/{p}/ns/{ns}: Permission denied"));
    }
    // a bind mount anyone may open: setns(2) still refuses
    let netns = NetnsGuard::add("pv");
    let file = netns.path().display().to_string();
    assert!(std::fs::metadata(&file).unwrap().mode() & 0o004 != 0, "the netns file is not world-readable");
    let out = nobody(tool("nsenter-rs").args([&format!("--net={file}"), "touch", &m])).run();
    refused(&out, "nsenter-rs", "reassociate to namespace 'ns/net' failed: Operation not permitted");
    hint_has(&out, "CAP_SYS_ADMIN");
    // root of a user namespace of one's own is nobody to root's namespaces
    for enter in [vec![format!("--net={file}")], vec!["-t".to_string(), p.clone(), "-n".into()]] {
        for files in [false, true] {
            let mut c = nobody(tool("unshare-rs")).args(["-r", "--"]).arg(tool_path("nsenter-rs")).args(&enter);
            if files {
                c = setns_without_pidfd(c);
            }
            let out = c.args(["touch", &m]).run();
            out.code(1).no_stdout();
            let first = out.stderr.lines().next().unwrap_or_default();
            assert!(
                first.starts_with("nsenter-rs: ")
                    && (first.ends_with("Operation not permitted") || first.ends_with("Permission denied")),
                "{enter:?}: {}",
                out.stderr
            );
        }
    }
    assert!(!ran(), "a program ran inside root's namespaces");
    // what nobody does own it may enter (the counter-check)
    let mine = nobody_target(&["-r", "-n"]);
    let out =
        nobody(tool("nsenter-rs").args(["-t", &mine.pid().to_string(), "-a", "readlink", "/proc/self/ns/net"])).run();
    out.success().stdout_is(&format!("{}\n", mine_link(&mine, "net")));
}

fn long(ns: &str) -> &str {
    match ns {
        "mnt" => "mount",
        other => other,
    }
}

fn mine_link(t: &Sleeper, ns: &str) -> String {
    ns_link(t.pid(), ns)
}

// ------------------------------------------------------------ ID maps

#[test]
fn maps_are_limited_to_what_the_kernel_allows_an_ordinary_user() {
    if !require_root() {
        return;
    }
    let show = ["sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u"];
    // one's own id, to any id inside: allowed, and only that one id
    let out = nobody(tool("unshare-rs")).args(["--map-user=0", "--map-group=0"]).args(show).run();
    out.success();
    let lines: Vec<String> = out.stdout.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    assert_eq!(lines, ["0 65534 1", "0 65534 1", "0"]);
    // root inside is nobody outside
    let t = nobody_target(&["-r"]);
    assert_eq!(host_uid(t.pid()), NOBODY);
    let out = nobody(tool("nsenter-rs")).args(["-t", &t.pid().to_string(), "-U", "-S", "0", "-G", "0"]);
    let spawned = Sleeper::start(out.args(["sleep", "1000"]));
    assert_eq!(host_uid(spawned.pid()), NOBODY, "nsenter-rs -S 0 made a host root");
    // other outer ids need newuidmap rights (nobody has no /etc/subuid lines)
    let dir = writable_by_nobody("maps");
    let (m, ran) = marker(&dir);
    for spec in ["--map-users=0:0:1", "--map-users=1000:1000:1", "--map-users=all", "--map-groups=0:0:1"] {
        let out = nobody(tool("unshare-rs")).args([spec, "touch", &m]).run();
        assert_ne!(out.code, Some(0), "{spec}: {}", out.stderr);
        assert!(out.stderr.contains("newuidmap") || out.stderr.contains("newgidmap"), "{spec}: {}", out.stderr);
    }
    assert!(!ran(), "a program ran with a map nobody may not write");
    // a map is written once: not even root inside may rewrite it, and
    // without one nothing can be written from inside either
    for args in [&["-U"][..], &["-r"][..]] {
        let out = nobody(tool("unshare-rs"))
            .args(args)
            .args([
                "sh",
                "-c",
                "echo '0 0 1' > /proc/self/uid_map 2>/dev/null && echo wrote || echo refused; \
                    echo '0 0 1' > /proc/self/gid_map 2>/dev/null && echo wrote || echo refused",
            ])
            .run();
        out.success().stdout_is("refused\nrefused\n");
    }
    // --owner cannot hand the namespace to someone else
    let out = nobody(tool("unshare-rs")).args(["--owner=0:0", "-r", "touch", &m]).run();
    refused(&out, "unshare-rs", "setgroups failed: Operation not permitted");
    hint_has(&out, "CAP_SETGID");
    assert!(!ran());
}

#[test]
fn setgroups_stays_denied() {
    if !require_root() {
        return;
    }
    let probe = "cat /proc/self/setgroups; \
                 echo allow > /proc/self/setgroups 2>/dev/null && echo wrote || echo refused; \
                 python3 -c 'import os\ntry:\n    os.setgroups([0])\n    print(\"changed\")\nexcept PermissionError:\n    print(\"EPERM\")'";
    for args in [&["-r"][..], &["-c"], &["--map-group=0", "-U"], &["-U", "--setgroups=deny"]] {
        let out = nobody(tool("unshare-rs")).args(args).args(["sh", "-c", probe]).run();
        out.success().stdout_is("deny\nrefused\nEPERM\n");
    }
    // nested: a user namespace made inside inherits the denial
    let out = nobody(tool("unshare-rs"))
        .args(["-r", "--"])
        .arg(tool_path("unshare-rs"))
        .args(["-r", "sh", "-c", probe])
        .run();
    out.success().stdout_is("deny\nrefused\nEPERM\n");
    // entering such a namespace with nsenter-rs: still denied
    let t = nobody_target(&["-r"]);
    let out = nobody(tool("nsenter-rs")).args(["-t", &t.pid().to_string(), "-U", "sh", "-c", probe]).run();
    out.success().stdout_is("deny\nrefused\nEPERM\n");
    // -G inside needs setgroups: refused, with advice about the denial
    let out = nobody(tool("unshare-rs")).args(["-r", "-G", "0", "true"]).run();
    refused(&out, "unshare-rs", "setgroups failed: Operation not permitted");
    hint_has(&out, "denied in this user namespace");
}

// ---------------------------------------------------- credentials outside

#[test]
fn setuid_and_setgid_cannot_make_someone_else_outside_a_user_namespace() {
    if !require_root() {
        return;
    }
    let dir = writable_by_nobody("ids");
    let (m, ran) = marker(&dir);
    let out = nobody(tool("unshare-rs")).args(["-S", "0", "touch", &m]).run();
    refused(&out, "unshare-rs", "setuid() failed: Operation not permitted");
    for args in [&["-G", "0"][..], &["-G", "1000", "-S", "1000"]] {
        let out = nobody(tool("unshare-rs")).args(args).args(["touch", &m]).run();
        refused(&out, "unshare-rs", "setgroups failed: Operation not permitted");
        hint_has(&out, "CAP_SETGID");
    }
    // nsenter-rs with a target of nobody's but no namespace (only its
    // working directory): the ids are the host's, and not nobody's to take
    let t = nobody_target(&["-r", "-n", "-u"]);
    let p = t.pid().to_string();
    let out = nobody(tool("nsenter-rs")).args(["-t", &p, "-w", "-S", "0", "touch", &m]).run();
    refused(&out, "nsenter-rs", "setuid() failed: Operation not permitted");
    let out = nobody(tool("nsenter-rs")).args(["-t", &p, "-w", "-G", "0", "touch", &m]).run();
    refused(&out, "nsenter-rs", "setgroups failed: Operation not permitted");
    // and entering its network namespace needs its user namespace too
    // (setns(2) wants CAP_SYS_ADMIN in our own user namespace as well)
    let out = nobody(tool("nsenter-rs")).args(["-t", &p, "-n", "-S", "0", "touch", &m]).run();
    refused(&out, "nsenter-rs", "reassociate to namespaces failed: Operation not permitted");
    assert!(!ran(), "a program ran as someone else");
    // and 0 inside the user namespace is nobody outside
    let inside =
        Sleeper::start(nobody(tool("nsenter-rs")).args(["-t", &p, "-a", "-S", "0", "-G", "0", "sleep", "1000"]));
    assert_eq!(host_uid(inside.pid()), NOBODY);
}

// ------------------------------------------------- unshare without -U

#[test]
fn unshare_without_a_user_namespace_fails_for_every_type_with_advice() {
    if !require_root() {
        return;
    }
    let dir = writable_by_nobody("nouser");
    let (m, ran) = marker(&dir);
    for opt in ["-m", "-u", "-i", "-n", "-p", "-C", "-T", "-fp"] {
        let out = nobody(tool("unshare-rs")).args([opt, "touch", &m]).run();
        refused(&out, "unshare-rs", "unshare failed: Operation not permitted");
        hint_has(&out, "--map-root-user");
        let theirs = nobody(util_linux("unshare")).args([opt, "touch", &m]).run();
        assert_eq!(theirs.code, Some(1), "{}", theirs.stderr);
    }
    // persistence: the bind mount is made outside, where nobody may not mount
    let file = dir.touch("net");
    let out = nobody(tool("unshare-rs")).args(["-r", &format!("--net={}", file.display()), "touch", &m]).run();
    out.code(1);
    let first = out.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("unshare-rs: mount /proc/") && first.ends_with("failed: Operation not permitted"),
        "{first}"
    );
    hint_has(&out, "CAP_SYS_ADMIN");
    let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!info.contains(&file.display().to_string()), "a mount was left on {}", file.display());
    assert!(!ran(), "a program ran");
    // the host's hostname is not nobody's to change, even as root of a
    // user namespace
    let before = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let out = nobody(tool("unshare-rs")).args(["-r", "sh", "-c", "hostname nsut-evil 2>/dev/null; echo $?"]).run();
    out.success();
    assert_ne!(out.stdout, "0\n");
    assert_eq!(std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap(), before);
    // nor root-only files readable
    let out = nobody(tool("unshare-rs")).args(["-r", "sh", "-c", "cat /etc/shadow >/dev/null 2>&1; echo $?"]).run();
    out.success();
    assert_ne!(out.stdout, "0\n", "root of a user namespace read /etc/shadow");
}

// ----------------------------------------------------------------- lsns

#[test]
fn lsns_as_nobody_shows_only_nobodys_namespaces_without_errors() {
    if !require_root() {
        return;
    }
    let root = root_target(&["-n", "-u"]);
    let mine = nobody_target(&["-r", "-n"]);
    let ino = |pid: u32, ns: &str| -> u64 { std::fs::metadata(format!("/proc/{pid}/ns/{ns}")).unwrap().ino() };
    for args in [&["-J", "--output-all"][..], &["-J", "-t", "net"], &["-r", "-o", "NS,TYPE,PID"], &["-l"]] {
        let out = nobody(tool("lsns-rs")).args(args).run();
        out.success().no_stderr();
        let rows: Vec<(u64, Option<u32>)> = if args[0] == "-J" {
            out.json()["namespaces"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| (r["ns"].as_u64().unwrap(), r["pid"].as_u64().map(|p| p as u32)))
                .collect()
        } else {
            out.stdout
                .lines()
                .skip(1)
                .map(|l| {
                    let f: Vec<&str> = l.split_whitespace().collect();
                    let pid = if args[0] == "-l" { f.get(3) } else { f.get(2) };
                    (f[0].parse().unwrap(), pid.and_then(|p| p.parse().ok()))
                })
                .collect()
        };
        assert!(!rows.is_empty(), "lsns-rs {args:?} showed nothing");
        let shown: Vec<u64> = rows.iter().map(|r| r.0).collect();
        assert!(!shown.contains(&ino(root.pid(), "net")), "root's netns shown to nobody: {args:?}");
        assert!(!shown.contains(&ino(root.pid(), "uts")), "root's utsns shown to nobody: {args:?}");
        assert!(shown.contains(&ino(mine.pid(), "net")), "nobody's own netns missing: {args:?}\n{}", out.stdout);
        for (_, pid) in rows {
            // the lowest pid of each namespace that nobody may see is
            // nobody's (lsns-rs itself is gone by now)
            if let Some(pid) = pid.filter(|p| Path::new(&format!("/proc/{p}")).exists()) {
                assert_eq!(host_uid(pid), NOBODY, "lsns-rs {args:?} showed process {pid}");
            }
        }
    }
    // root's process by PID or root's namespace by inode: nothing, no error
    nobody(tool("lsns-rs")).args(["-p", &root.pid().to_string()]).run().success().no_stderr().no_stdout();
    let theirs = nobody(util_linux("lsns")).args(["-p", &root.pid().to_string()]).run();
    assert_eq!(theirs.code, Some(0));
}

// ----------------------------------------------------------------- IPC

#[test]
fn ipcrm_as_nobody_cannot_remove_roots_objects() {
    if !require_root() {
        return;
    }
    let sandbox = Sandbox::new(&["-i"]);
    sandbox.sh("ipcmk -Q -p 0666 && ipcmk -M 4096 -p 0666 && ipcmk -S 2 -p 0666").success();
    let before = sysv_objects(&sandbox);
    assert_eq!(before.len(), 3, "{before:?}");
    let key = sandbox.sh("ipcs -q | awk '/^0x/ {printf \"%s\", $1; exit}'").stdout;
    let as_nobody = |args: &[&str]| sandbox.wrap(setpriv_nobody(tool("ipcrm-rs").args(args))).run();
    for args in [&["-q", "0"][..], &["-m", "0"], &["-s", "0"]] {
        let out = as_nobody(args);
        refused(&out, "ipcrm-rs", "permission denied for id (0)");
    }
    // found by its key, the object is named by its id in util-linux 2.43's words
    refused(&as_nobody(&["-Q", key.as_str()]), "ipcrm-rs", "permission denied for key (0)");
    let out = as_nobody(&["-a"]);
    out.code(1);
    assert!(out.stderr.lines().all(|l| l.starts_with("ipcrm-rs: ")), "{}", out.stderr);
    assert_eq!(sysv_objects(&sandbox), before, "nobody removed root's objects");
    // util-linux agrees on the status
    let theirs = sandbox.wrap(setpriv_nobody(util_linux("ipcrm").args(["-q", "0"]))).run();
    assert_eq!(theirs.code, Some(1));
    // what nobody makes, nobody owns and may remove
    let made = sandbox.wrap(setpriv_nobody(tool("ipcmk-rs").arg("-Q"))).run();
    made.success();
    let id = made.stdout.split_whitespace().last().unwrap().to_string();
    let owner = sandbox.sh(&format!("awk '$2 == {id} {{print $8}}' /proc/sysvipc/msg")).stdout;
    assert_eq!(owner.trim(), NOBODY.to_string(), "the queue is not nobody's");
    as_nobody(&["-q", &id]).success().no_stderr();
    assert_eq!(sysv_objects(&sandbox), before);
}
