//! The container image (Containerfile, scripts/image.sh) in a real OCI
//! runtime — rootful podman with runc — not a hand-made chroot: the tools
//! inside a container, from the host into a running container, and the
//! node-debug pattern (`--privileged --pid=host`, then nsenter into the
//! host). Each test builds its own image under a unique name and removes it
//! and its containers when it ends, also when it fails.

use std::collections::BTreeSet;

use nsutils_tests::oci::{host_libraries, Container, Image};
use nsutils_tests::{head_dir, ns_link, skip, tool, tool_path, util_linux, util_linux_head, Cmd, Output, Sleeper};

/// The namespace types, as lsns names them.
const TYPES: [&str; 8] = ["mnt", "uts", "ipc", "pid", "net", "cgroup", "user", "time"];

/// The inode of `pid`'s namespace of `ty` (`net:[4026531833]` → 4026531833).
fn ns_inode(pid: u32, ty: &str) -> String {
    let link = ns_link(pid, ty);
    link.trim_start_matches(|c: char| !c.is_ascii_digit()).trim_end_matches(']').to_string()
}

/// lsns output with the NPROCS column (the third) masked, words single-
/// spaced: namespaces shared with the host count processes that come and go
/// with whatever else runs on the machine.
fn without_nprocs(lsns: &str) -> String {
    lsns.lines()
        .map(|l| {
            let mut w: Vec<&str> = l.split_whitespace().collect();
            if w.len() > 2 {
                w[2] = "N";
            }
            w.join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_image_holds_the_six_static_binaries_the_licences_and_nothing_else() {
    let Some(image) = Image::build("the_image_holds_the_six_static_binaries_the_licences_and_nothing_else") else {
        return;
    };
    let files: BTreeSet<String> = image.files().into_iter().filter(|f| !f.ends_with('/')).collect();
    let mut want: BTreeSet<String> = nsutils_tests::TOOLS.iter().map(|(t, _)| format!("bin/{t}")).collect();
    want.insert("usr/share/doc/nsutils/LICENSE-MIT".into());
    want.insert("usr/share/doc/nsutils/LICENSE-APACHE".into());
    assert_eq!(files, want);
    // named with the version from Cargo, for the platform of its binaries
    let v = nsutils_tests::oci::podman()
        .args(["image", "inspect", "-f", "{{.Architecture}} {{index .Labels \"org.opencontainers.image.version\"}}"])
        .arg(image.name())
        .run();
    v.success().stdout_is(&format!("amd64 {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn every_tool_runs_in_the_image_which_has_no_shell() {
    let Some(image) = Image::build("every_tool_runs_in_the_image_which_has_no_shell") else { return };
    for (t, _) in nsutils_tests::TOOLS {
        let out = image.run(&[], &[t, "-V"]);
        out.success().no_stderr();
        assert!(out.stdout.starts_with(&format!("{t} from nsutils {}", env!("CARGO_PKG_VERSION"))), "{}", out.stdout);
    }
    // the default command lists the container's namespaces
    let out = image.run(&[], &[]);
    out.success().no_stderr().stdout_has("NS TYPE");
    // no program and no shell to fall back to: 127, said why (privileged:
    // podman's default capabilities do not allow setns)
    for args in [&["unshare-rs", "-u"][..], &["nsenter-rs", "-t", "1", "-u"]] {
        let t = args[0];
        let out = image.run(&["--privileged"], args);
        out.code(127);
        assert!(out.stderr.starts_with(&format!("{t}: ")), "{}", out.stderr);
    }
}

#[test]
fn lsns_in_a_container_sees_the_containers_namespaces() {
    let test = "lsns_in_a_container_sees_the_containers_namespaces";
    let Some(image) = Image::build(test) else { return };
    let Some(c) = Container::start(test, &image, &[]) else { return };
    let out = c.exec(&["lsns-rs", "-n", "-o", "NS,TYPE,PID,COMMAND"]);
    out.success().no_stderr();
    let got: BTreeSet<String> =
        out.stdout.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    // every namespace the container's init is in, as the host sees it, and
    // that init as PID 1 of the container's PID namespace
    let want: BTreeSet<String> = TYPES.iter().map(|ty| format!("{} {ty} 1 /pause -P", ns_inode(c.pid(), ty))).collect();
    assert_eq!(got, want, "lsns-rs in container {}", c.name());
    // a private mount, UTS, IPC, PID and network namespace each
    for ty in ["mnt", "uts", "ipc", "pid", "net"] {
        assert_ne!(ns_link(c.pid(), ty), ns_link(std::process::id(), ty), "{ty} is the host's");
    }
}

#[test]
fn ipc_objects_live_in_the_containers_ipc_namespace() {
    let test = "ipc_objects_live_in_the_containers_ipc_namespace";
    let Some(image) = Image::build(test) else { return };
    let Some(c) = Container::start(test, &image, &[]) else { return };
    let made = c.exec(&["ipcmk-rs", "-Q"]);
    made.success().no_stderr();
    let id = made.stdout.trim().rsplit(' ').next().unwrap().to_string();
    let listed = c.exec(&["ipcs-rs", "-q"]);
    listed.success().no_stderr();
    let row = listed.stdout.lines().find(|l| l.split_whitespace().nth(1) == Some(&id)).unwrap_or_else(|| {
        panic!("queue {id} not listed in the container:\n{}", listed.stdout);
    });
    let key = row.split_whitespace().next().unwrap().to_string();
    // the same namespace from the host: ours and util-linux's ipcs, entered
    // by util-linux's nsenter, print the same table (names resolve here)
    let pid = c.pid().to_string();
    let ours = util_linux("nsenter").args(["-t", &pid, "-i"]).arg(tool_path("ipcs-rs")).arg("-q").run();
    let theirs = util_linux("nsenter").args(["-t", &pid, "-i", "ipcs", "-q"]).run();
    ours.success();
    assert_eq!(ours.stdout, theirs.stdout);
    assert!(theirs.stdout.contains(&key), "util-linux does not see {key}:\n{}", theirs.stdout);
    // and not in the host's IPC namespace
    let host = util_linux("ipcs").arg("-q").run();
    assert!(!host.stdout.contains(&key), "queue {key} leaked into the host:\n{}", host.stdout);
    c.exec(&["ipcrm-rs", "-q", &id]).success().no_stderr();
    let after = c.exec(&["ipcs-rs", "-q"]);
    assert!(!after.stdout.contains(&key), "{}", after.stdout);
}

#[test]
fn nsenter_from_the_host_into_a_running_container_as_util_linux_does() {
    let test = "nsenter_from_the_host_into_a_running_container_as_util_linux_does";
    let Some(image) = Image::build(test) else { return };
    let Some(c) = Container::start(test, &image, &[]) else { return };
    // the seeds' workflow: the PID from podman inspect
    let pid = c.pid().to_string();
    let script = "hostname; readlink /proc/self/ns/net /proc/self/ns/uts; ip -o link | cut -d: -f2";
    let run = |nsenter: Cmd| nsenter.args(["-t", &pid, "-n", "-u", "sh", "-c", script]).run();
    let ours = run(tool("nsenter-rs"));
    ours.success().no_stderr();
    let want = format!(
        "{}\n{}\n{}\n lo\n",
        c.inspect("{{.Config.Hostname}}"),
        ns_link(c.pid(), "net"),
        ns_link(c.pid(), "uts")
    );
    assert_eq!(ours.stdout, want);
    assert_eq!(ours.stdout, run(util_linux("nsenter")).stdout, "util-linux 2.38.1's nsenter");
    let Some(head) = util_linux_head("nsenter") else { return };
    assert_eq!(ours.stdout, run(head).stdout, "util-linux HEAD's nsenter");

    // lsns -p PID: the container's namespaces, one process each
    let ours = tool("lsns-rs").args(["-p", &pid]).run();
    ours.success().no_stderr();
    for ty in ["mnt", "uts", "ipc", "pid", "net"] {
        let row = format!("{} {ty} 1 {pid} root /pause -P", ns_inode(c.pid(), ty));
        assert!(
            ours.stdout.lines().any(|l| l.split_whitespace().collect::<Vec<_>>().join(" ") == row),
            "{row}?\n{}",
            ours.stdout
        );
    }
    let theirs = util_linux("lsns").args(["-p", &pid]).run();
    assert_eq!(without_nprocs(&ours.stdout), without_nprocs(&theirs.stdout), "util-linux 2.38.1's lsns");
    let Some(head) = util_linux_head("lsns") else { return };
    let theirs = head.args(["-p", &pid]).run();
    assert_eq!(without_nprocs(&ours.stdout), without_nprocs(&theirs.stdout), "util-linux HEAD's lsns");
}

/// `podman run --rm --privileged --pid=host IMAGE` with `entrypoint` and
/// `args`, and `extra` podman options.
fn node_debug(image: &Image, extra: &[String], entrypoint: &str, args: &[&str]) -> Output {
    let mut opts = vec!["--privileged", "--pid=host", "--entrypoint", entrypoint];
    opts.extend(extra.iter().map(String::as_str));
    image.run(&opts, args)
}

#[test]
fn node_debug_pattern_enters_the_host_from_a_privileged_container() {
    let test = "node_debug_pattern_enters_the_host_from_a_privileged_container";
    let Some(image) = Image::build(test) else { return };
    // after nsenter-rs enters the host's mount namespace, the program comes
    // from the host's file system: our lsns-rs where the build put it
    let lsns = tool_path("lsns-rs");
    let lsns = lsns.to_str().expect("a UTF-8 build path");

    // a host process standing for the node's init: it is in every host
    // namespace, and unlike this sandbox's PID 1 it can be entered
    let host = Sleeper::start(Cmd::new("sleep").arg("600"));
    let pid = host.pid().to_string();
    let inside =
        node_debug(&image, &[], "/bin/nsenter-rs", &["-t", &pid, "-m", "-u", "-i", "-n", "-p", "--", lsns, "-p", &pid]);
    inside.success().no_stderr();
    let outside = tool("lsns-rs").args(["-p", &pid]).run();
    outside.success();
    assert_eq!(without_nprocs(&inside.stdout), without_nprocs(&outside.stdout));
    // inside, without nsenter, --pid=host shows the host's processes
    let seen = node_debug(&image, &[], "/bin/lsns-rs", &["-n", "-o", "NS", "-t", "net", "-p", &pid]);
    seen.success().stdout_is(&format!("{}\n", ns_inode(host.pid(), "net")));

    // the pattern as written, `-t 1`, next to util-linux HEAD's nsenter in
    // the same container (the host's libraries mounted for it): the same
    // result, whether this machine's PID 1 lets itself be entered or not
    let head = head_dir().join("nsenter");
    if !head.is_file() {
        skip(test, &format!("util-linux HEAD's nsenter is missing at {} (set NSUTILS_UL_HEAD)", head.display()));
        return;
    }
    let head_dir = head_dir().canonicalize().unwrap();
    let mut extra = host_libraries();
    extra.extend(["-v".to_string(), format!("{}:/ulhead:ro", head_dir.display())]);
    let args = ["-t", "1", "-m", "-u", "-i", "-n", "-p", "--", lsns, "-n", "-o", "NS,TYPE", "-p", "1"];
    let ours = node_debug(&image, &[], "/bin/nsenter-rs", &args);
    let theirs = node_debug(&image, &extra, "/ulhead/nsenter", &args);
    assert_eq!(
        (ours.code, &ours.stdout),
        (theirs.code, &theirs.stdout),
        "ours:\n{}\nHEAD's:\n{}",
        ours.stderr,
        theirs.stderr
    );
    assert_eq!(ours.stderr.replacen("nsenter-rs:", "nsenter:", 1), theirs.stderr);
}
