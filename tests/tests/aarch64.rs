//! The aarch64 static binaries (`make static`, `make dist`), run under
//! qemu's user-mode emulation (Debian's qemu-user-static, called by path:
//! nothing is registered with binfmt_misc, which would change the machine
//! for everyone). Emulation translates the instructions; the system calls
//! are the real kernel's, so the namespace tests below are real.
//!
//! The plumbing is checked by running the same command lines through the
//! aarch64 build and the native one, which the other suites compare with
//! util-linux: stdout, stderr and exit status must be the same bytes.

use std::path::{Path, PathBuf};

use nsutils_tests::{is_root, ns_link, require_root, skip, tool, tool_path, util_linux, Cmd, Output, Sandbox, Sleeper};

const QEMU: &str = "qemu-aarch64-static";

/// The aarch64 binaries: `$NSUTILS_AARCH64_DIR`, else
/// `target/aarch64-unknown-linux-musl/debug` (built by scripts/test.sh).
fn aarch64_dir() -> PathBuf {
    match std::env::var_os("NSUTILS_AARCH64_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/aarch64-unknown-linux-musl/debug"),
    }
}

/// `name`'s aarch64 build under qemu, argv\[0\] = `name`; `None` after a
/// loud skip when qemu or the binary is missing.
fn arm(test: &str, name: &str) -> Option<Cmd> {
    let bin = aarch64_dir().join(name);
    if !bin.is_file() {
        skip(test, &format!("no aarch64 build at {} (scripts/test.sh builds it)", bin.display()));
        return None;
    }
    if Cmd::new("sh").args(["-c", &format!("command -v {QEMU}")]).run().code != Some(0) {
        skip(test, &format!("no {QEMU} (scripts/setup-deps.sh installs qemu-user-static)"));
        return None;
    }
    Some(Cmd::new(QEMU).args(["-0", name]).arg(bin))
}

/// The same `args` through the native build and the aarch64 one; panics
/// unless both print the same bytes and exit alike.
fn same_on_both(test: &str, name: &str, args: &[&str]) -> Option<Output> {
    let native = Cmd::new(tool_path(name)).arg0(name).args(args).run();
    let arm = arm(test, name)?.args(args).run();
    assert_eq!(
        (arm.code, arm.signal, &arm.stdout_bytes, &arm.stderr),
        (native.code, native.signal, &native.stdout_bytes, &native.stderr),
        "{name} {args:?}: aarch64 (left) and native (right) differ"
    );
    Some(arm)
}

#[test]
fn the_binaries_are_aarch64_and_static() {
    let test = "the_binaries_are_aarch64_and_static";
    for (t, _) in nsutils_tests::TOOLS {
        let Some(_) = arm(test, t) else { return };
        let header = Cmd::new("readelf").arg("-hl").arg(aarch64_dir().join(t)).run();
        header.success().stdout_has("AArch64");
        assert!(!header.stdout.contains("INTERP"), "{t} asks for a dynamic loader");
    }
}

#[test]
fn plumbing_is_the_same_as_the_native_build() {
    let test = "plumbing_is_the_same_as_the_native_build";
    let common: [&[&str]; 8] =
        [&["-V"], &["--version"], &["-h"], &["--help"], &["--bogus"], &["-Y"], &["--help", "--bogus"], &["--vers"]];
    for (t, _) in nsutils_tests::TOOLS {
        for args in common {
            if same_on_both(test, t, args).is_none() {
                return;
            }
        }
    }
    // each tool's own argument errors: parsers of numbers, lists, names
    let specific: [(&str, &[&str]); 14] = [
        ("unshare-rs", &["--propagation", "bogus", "true"]),
        ("unshare-rs", &["--setgroups=maybe", "true"]),
        ("unshare-rs", &["--map-users=0:x:1", "true"]),
        ("unshare-rs", &["--kill-child=NOSUCHSIG", "true"]),
        ("nsenter-rs", &["-t", "abc", "-n"]),
        ("nsenter-rs", &[]),
        ("lsns-rs", &["-t", "bogus"]),
        ("lsns-rs", &["-o", "NS,BOGUS"]),
        ("lsns-rs", &["-p", "x"]),
        ("ipcmk-rs", &["-M", "1x"]),
        ("ipcmk-rs", &[]),
        ("ipcs-rs", &["-i"]),
        ("ipcrm-rs", &["-q", "notanumber"]),
        ("ipcrm-rs", &["bogus"]),
    ];
    for (t, args) in specific {
        let out = same_on_both(test, t, args).unwrap();
        assert_eq!(out.code, Some(1), "{t} {args:?}:\n{}", out.stderr);
    }
    // a write error on stdout: reported, exit 1, on both
    for (t, _) in nsutils_tests::TOOLS {
        if arm(test, t).is_none() {
            return;
        }
        let to_full = || Cmd::new("bash").args(["-c", "exec -a \"$0\" \"$@\" >/dev/full", t]);
        let arm = to_full().args([QEMU, "-0", t]).arg(aarch64_dir().join(t)).arg("-V").run();
        let native = to_full().arg(tool_path(t)).arg("-V").run();
        assert_eq!((arm.code, &arm.stderr), (native.code, &native.stderr), "{t} -V >/dev/full");
        assert_eq!(arm.code, Some(1));
    }
}

#[test]
fn unshare_fn_gives_the_program_a_new_network_namespace() {
    let test = "unshare_fn_gives_the_program_a_new_network_namespace";
    if !require_root() {
        return;
    }
    let Some(unshare) = arm(test, "unshare-rs") else { return };
    let out = unshare.args(["-fn", "sh", "-c", "readlink /proc/self/ns/net; ip -o link | cut -d: -f2"]).run();
    out.success().no_stderr();
    let mut lines = out.stdout.lines();
    let net = lines.next().unwrap();
    assert!(net.starts_with("net:["), "{}", out.stdout);
    assert_ne!(net, ns_link(std::process::id(), "net"), "the host's network namespace");
    assert_eq!(lines.collect::<Vec<_>>(), [" lo"]);
}

#[test]
fn nsenter_enters_a_targets_namespaces() {
    let test = "nsenter_enters_a_targets_namespaces";
    if !require_root() {
        return;
    }
    let Some(nsenter) = arm(test, "nsenter-rs") else { return };
    let target = Sleeper::start(util_linux("unshare").args(["-n", "-u", "sleep", "600"]));
    let pid = target.pid().to_string();
    let out = nsenter.args(["-t", &pid, "-n", "-u", "readlink", "/proc/self/ns/net", "/proc/self/ns/uts"]).run();
    out.success().no_stderr();
    assert_eq!(out.stdout, format!("{}\n{}\n", ns_link(target.pid(), "net"), ns_link(target.pid(), "uts")));
    // and the native build agrees, byte for byte
    let native =
        tool("nsenter-rs").args(["-t", &pid, "-n", "-u", "readlink", "/proc/self/ns/net", "/proc/self/ns/uts"]).run();
    assert_eq!(out.stdout, native.stdout);
}

/// lsns JSON with the process counts dropped: the host's namespaces count
/// processes that come and go with whatever else runs.
fn without_nprocs(json: &serde_json::Value) -> serde_json::Value {
    let mut v = json.clone();
    for row in v["namespaces"].as_array_mut().expect("a namespaces array") {
        row.as_object_mut().unwrap().remove("nprocs");
    }
    v
}

#[test]
fn lsns_json_is_the_native_builds() {
    let test = "lsns_json_is_the_native_builds";
    let Some(lsns) = arm(test, "lsns-rs") else { return };
    // as root, a target with namespaces of its own; as a user, this process
    let target = is_root().then(|| Sleeper::start(util_linux("unshare").args(["-n", "-i", "sleep", "600"])));
    let pid = target.as_ref().map_or(std::process::id(), Sleeper::pid).to_string();
    let arm = lsns.args(["-J", "-p", &pid]).run();
    arm.success().no_stderr();
    let native = tool("lsns-rs").args(["-J", "-p", &pid]).run();
    native.success();
    assert_eq!(without_nprocs(&arm.json()), without_nprocs(&native.json()));
    if target.is_some() {
        assert!(arm.stdout.contains("\"type\": \"net\""), "{}", arm.stdout);
    }
}

#[test]
fn ipcmk_and_ipcs_in_a_private_ipc_namespace() {
    let test = "ipcmk_and_ipcs_in_a_private_ipc_namespace";
    if !require_root() {
        return;
    }
    let (Some(ipcmk), Some(ipcs)) = (arm(test, "ipcmk-rs"), arm(test, "ipcs-rs")) else { return };
    let sandbox = Sandbox::new(&["-i"]);
    for args in [&["-Q"][..], &["-M", "4096"], &["-S", "3"]] {
        let out = sandbox.wrap(ipcmk.clone().args(args)).run();
        out.success().no_stderr();
    }
    // the aarch64 ipcs prints what util-linux's does, in that namespace
    for args in [&["-q"][..], &["-m"], &["-s"], &["-a"], &["-u"], &["-l"]] {
        let arm = sandbox.wrap(ipcs.clone().args(args)).run();
        arm.success().no_stderr();
        let theirs = sandbox.wrap(util_linux("ipcs").args(args)).run();
        assert_eq!(arm.stdout, theirs.stdout, "ipcs {args:?}");
    }
    let listed = sandbox.wrap(ipcs.clone().arg("-q")).run();
    assert_eq!(listed.stdout.lines().filter(|l| l.starts_with("0x")).count(), 1, "{}", listed.stdout);
}
