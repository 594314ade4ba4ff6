//! ipcmk-rs and ipcrm-rs (and the seed walkthrough with ipcs-rs): outputs
//! and exit statuses against util-linux, the util-linux 2.43 behaviour where
//! 2.38.1 differs (POSIX IPC, mode range, `ipcrm` with no arguments,
//! `-a=TYPE`), and our own rule that a rejected command changes nothing.
//! Every test works inside its own private IPC namespace; the POSIX ones
//! and every `ipcrm --all` also get a private /dev (tmpfs /dev/shm, fresh
//! mqueue on /dev/mqueue).

use nsutils_tests::suite::ipc::{
    all_objects, basic_state, ipc_sandbox, ipcs_snapshot, keys, mask_keys, sh_ok, PosixSandbox, IPCMK_CASES,
    IPCRM_STEPS,
};
use nsutils_tests::suite::setpriv_nobody;
use nsutils_tests::{assert_same, require_root, tool, ul_named, util_linux, Cmd, Output, Sandbox};

fn run(sb: &Sandbox, cmd: Cmd) -> Output {
    sb.wrap(cmd).run()
}

/// [`nsutils_tests::suite::ipc::ipcrm_steps`] against util-linux 2.38.1.
fn ipcrm_steps(mine: &Sandbox, theirs: &Sandbox, steps: &[&[&str]]) {
    nsutils_tests::suite::ipc::ipcrm_steps(mine, theirs, &|| util_linux("ipcrm"), steps);
}

#[test]
fn seed_walkthrough() {
    if !require_root() {
        return;
    }
    let sb = ipc_sandbox();
    let made = run(&sb, tool("ipcmk-rs").arg("-Q"));
    made.success().no_stderr().stdout_is("Message queue id: 0\n");
    let listed = run(&sb, tool("ipcs-rs").arg("-q"));
    listed.success();
    let key = keys(&sb, "msg").pop().expect("a queue");
    assert!(
        listed.stdout.contains(&format!("{key} 0          root       644        0            0")),
        "{}",
        listed.stdout
    );
    // a new IPC namespace does not see it
    let other = ipc_sandbox();
    let there = run(&other, tool("ipcs-rs").arg("-q"));
    there.success();
    assert!(!there.stdout.contains(&key), "{}", there.stdout);
    assert!(!there.stdout.contains("\n0x"), "{}", there.stdout);
    // ipcrm-rs removes it (by key here), and ipcs-rs no longer shows it
    run(&sb, tool("ipcrm-rs").args(["-v", "-Q", &key]))
        .success()
        .no_stderr()
        .stdout_is("removing message queue id `0'\n");
    let after = run(&sb, tool("ipcs-rs").arg("-q"));
    assert!(!after.stdout.contains(&key), "{}", after.stdout);
    assert_eq!(after.stdout, ipcs_snapshot(&other, &["-q"]));
}

#[test]
fn ipcmk_matches_util_linux() {
    if !require_root() {
        return;
    }
    // each side in its own namespace, so the objects can be compared too
    let (mine, theirs) = (ipc_sandbox(), ipc_sandbox());
    for args in IPCMK_CASES {
        let ours = run(&mine, ul_named("ipcmk").args(*args));
        let ul = run(&theirs, util_linux("ipcmk").args(*args));
        assert_same(&ours, &ul);
        assert_eq!(all_objects(&mine).lines().count(), all_objects(&theirs).lines().count(), "after {args:?}");
    }
    // same objects: sizes, owners, perms (keys are random)
    assert_eq!(mask_keys(&all_objects(&mine)), mask_keys(&all_objects(&theirs)));
}

#[test]
fn ipcmk_follows_util_linux_2_43_where_2_38_differs() {
    if !require_root() {
        return;
    }
    let sb = ipc_sandbox();
    let before = all_objects(&sb);
    // the mode is range-checked (2.38.1 accepts anything and says "Success")
    run(&sb, tool("ipcmk-rs").args(["-p", "999", "-Q"]))
        .fails_with("ipcmk-rs", "failed to parse mode: '999'", 1)
        .no_stdout();
    run(&sb, tool("ipcmk-rs").args(["-p", "17777", "-Q"])).fails_with(
        "ipcmk-rs",
        "failed to parse mode: '17777': Numerical result out of range",
        1,
    );
    run(&sb, tool("ipcmk-rs").args(["-p", "-1", "-Q"])).fails_with(
        "ipcmk-rs",
        "failed to parse mode: '-1': Numerical result out of range",
        1,
    );
    run(&sb, tool("ipcmk-rs").args(["-p", "abc", "-Q"])).fails_with("ipcmk-rs", "failed to parse mode: 'abc'", 1);
    // the POSIX options need a name
    for args in [&["-s"][..], &["-q"], &["-m", "10"], &["-Q", "-q"]] {
        run(&sb, tool("ipcmk-rs").args(args)).usage_error("ipcmk-rs", "name is required for POSIX IPC");
    }
    run(&sb, tool("ipcmk-rs")).usage_error("ipcmk-rs", "bad usage");
    run(&sb, tool("ipcmk-rs").args(["-n", "/x"])).usage_error("ipcmk-rs", "bad usage");
    assert_eq!(all_objects(&sb), before, "a rejected command created something");
    // fractions are exact (util-linux's digit-by-digit arithmetic makes
    // 1.9K 2048 bytes and 1.10K 2048 bytes)
    for (size, bytes) in [("1.9K", "1945"), ("1.10K", "1126"), ("1.333K", "1364"), ("0.25M", "262144")] {
        run(&sb, tool("ipcmk-rs").args(["-M", size])).success();
        let last = ipcs_snapshot(&sb, &["-m"]).lines().rfind(|l| l.starts_with("0x")).unwrap().to_string();
        assert_eq!(last.split_whitespace().nth(4), Some(bytes), "{size}: {last}");
    }
    // creation order is fixed, whatever the option order
    let out = run(&sb, tool("ipcmk-rs").args(["-S", "1", "-Q", "-M", "1K"]));
    out.success();
    let kinds: Vec<&str> = out.stdout.lines().map(|l| l.split(" id: ").next().unwrap()).collect();
    assert_eq!(kinds, ["Shared memory", "Message queue", "Semaphore"]);
    // created objects report what the first failure left: lines so far, exit 1
    let out = run(&sb, tool("ipcmk-rs").args(["-M", "1K", "-Q", "-S", "0"]));
    out.fails_with("ipcmk-rs", "create semaphore failed: Invalid argument", 1);
    assert_eq!(out.stdout.lines().count(), 2, "{}", out.stdout);
}

#[test]
fn ipcmk_keys_are_random_and_never_private() {
    if !require_root() {
        return;
    }
    let sb = ipc_sandbox();
    sh_ok(
        &sb,
        &format!(
            "for i in $(seq 40); do {} -Q -M 1 -S 1 >/dev/null || exit 1; done",
            nsutils_tests::tool_path("ipcmk-rs").display()
        ),
    );
    for kind in ["msg", "shm", "sem"] {
        let k = keys(&sb, kind);
        assert_eq!(k.len(), 40);
        let mut uniq = k.clone();
        uniq.sort();
        uniq.dedup();
        assert_eq!(uniq.len(), 40, "{kind} keys repeat: {k:?}");
        assert!(!k.iter().any(|k| k == "0x00000000"));
    }
}

#[test]
fn ipcrm_matches_util_linux() {
    if !require_root() {
        return;
    }
    let (mine, theirs) = (ipc_sandbox(), ipc_sandbox());
    basic_state(&mine);
    basic_state(&theirs);
    ipcrm_steps(&mine, &theirs, IPCRM_STEPS);
}

#[test]
fn ipcrm_refuses_bad_arguments_before_removing_anything() {
    if !require_root() {
        return;
    }
    let sb = PosixSandbox::new(true);
    basic_state(&sb.sb);
    sh_ok(&sb.sb, "set -e; ipcmk -Q; touch /dev/shm/pshm_keep");
    let before = all_objects(&sb.sb);
    let posix_before = sb.listing();
    for (args, msg, usage) in [
        (&["-m", "0", "-m", "zz"][..], "failed to parse argument: 'zz'", false),
        (&["-m", "0", "-M", "zz"], "failed to parse argument: 'zz'", false),
        (
            &["-q", "0", "-m", "2147483648"],
            "failed to parse argument: '2147483648': Numerical result out of range",
            false,
        ),
        (
            &["-q", "0", "-M", "0x100000001"],
            "failed to parse argument: '0x100000001': Numerical result out of range",
            false,
        ),
        (&["-q", "0", "-M", "0"], "illegal key (0)", false),
        (&["-S", "0x0", "-q", "0"], "illegal key (0x0)", false),
        // util-linux: removes every object, then complains about "shm"
        (&["-v", "-a", "shm"], "unknown argument: shm", true),
        (&["-a", "pshm"], "unknown argument: pshm", true),
        (&["-m", "0", "extra"], "unknown argument: extra", true),
        (&["-m", "0", "-afoo"], "unknown argument: foo", false),
        (&["-m", "0", "--posix-mqueue", "noslash"], "name failed: Invalid argument", false),
        (&["-m", "0", "--posix-shmem", "a/b"], "name `a/b' not found", false),
        (&["msg", "0", "abc"], "invalid id: abc", false),
        (&["shm", "1", "0x1"], "invalid id: 0x1", false),
    ] {
        let out = run(&sb.sb, tool("ipcrm-rs").args(args));
        if usage {
            out.usage_error("ipcrm-rs", msg);
        } else {
            out.fails_with("ipcrm-rs", msg, 1).no_stdout();
            assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        }
        assert_eq!(all_objects(&sb.sb), before, "{args:?} removed something");
        assert_eq!(sb.listing(), posix_before, "{args:?} removed a POSIX object");
    }
    // no arguments at all: util-linux 2.43's "bad usage"
    run(&sb.sb, tool("ipcrm-rs")).usage_error("ipcrm-rs", "bad usage");
    run(&sb.sb, tool("ipcrm-rs").arg("shm")).usage_error("ipcrm-rs", "not enough arguments");
}

#[test]
fn ipcrm_reports_each_failure_and_removes_the_rest() {
    if !require_root() {
        return;
    }
    let sb = ipc_sandbox();
    basic_state(&sb);
    let k = keys(&sb, "sem");
    let out = run(
        &sb,
        tool("ipcrm-rs")
            .args(["-v", "-q", "12345", "-m", "0", "-M", "0x5", "-S", &k[1], "-s", "0", "-q", "0", "-q", "0"]),
    );
    out.code(1);
    assert_eq!(out.stderr, "ipcrm-rs: invalid id (12345)\nipcrm-rs: invalid key (0x5)\nipcrm-rs: invalid id (0)\n");
    assert_eq!(
        out.stdout,
        "removing message queue id `12345'\nremoving shared memory segment id `0'\nremoving semaphore id `1'\n\
         removing semaphore id `0'\nremoving message queue id `0'\nremoving message queue id `0'\n"
    );
    let left = ipcs_snapshot(&sb, &["-a"]);
    assert_eq!(left.lines().filter(|l| l.starts_with("0x")).count(), 3, "{left}");
    assert!(keys(&sb, "sem").is_empty());
    // all fine: exit 0
    run(&sb, tool("ipcrm-rs").args(["-m", "1", "-m", "2"])).success().no_stdout().no_stderr();
}

#[test]
fn ipcrm_legacy_syntax_matches_util_linux() {
    if !require_root() {
        return;
    }
    let (mine, theirs) = (ipc_sandbox(), ipc_sandbox());
    basic_state(&mine);
    basic_state(&theirs);
    ipcrm_steps(
        &mine,
        &theirs,
        &[
            &["shm", "2"],
            &["shm", "2"],
            &["shm"],
            &["msg", "0", "1"],
            &["sem", "5"],
            &["sem", "-1"],
            &["-v", "shm", "1"],
            &["shm", "0", "1"],
        ],
    );
}

#[test]
fn ipcrm_permission_errors_match_util_linux() {
    if !require_root() {
        return;
    }
    let (mine, theirs) = (PosixSandbox::new(true), PosixSandbox::new(true));
    for sb in [&mine.sb, &theirs.sb] {
        basic_state(sb);
        sh_ok(sb, "setpriv --reuid 65534 --regid 65534 --clear-groups ipcmk -Q -p 600");
    }
    for args in
        [&["-m", "0"][..], &["-m", "0", "-M", "0x1"], &["-v", "-Q", "{msg2}"], &["-v", "-a"], &["-v", "--all=shm"]]
    {
        let subst = |sb: &Sandbox| -> Vec<String> {
            let k = keys(sb, "msg");
            args.iter().map(|a| a.replace("{msg2}", k.get(2).map(String::as_str).unwrap_or("?"))).collect()
        };
        let ours = run(&mine.sb, setpriv_nobody(ul_named("ipcrm").args(subst(&mine.sb))));
        let ul = run(&theirs.sb, setpriv_nobody(util_linux("ipcrm").args(subst(&theirs.sb))));
        assert_same(&ours, &ul);
        assert_eq!(mask_keys(&all_objects(&mine.sb)), mask_keys(&all_objects(&theirs.sb)));
    }
    // nobody removed its own queue; root's objects are all still there
    assert_eq!(keys(&mine.sb, "msg").len(), 2);
}

#[test]
fn ipcrm_all_matches_util_linux_for_system_v() {
    if !require_root() {
        return;
    }
    // ours also removes POSIX objects with --all: private /dev on both sides
    let (mine, theirs) = (PosixSandbox::new(true), PosixSandbox::new(true));
    for sb in [&mine.sb, &theirs.sb] {
        basic_state(sb);
    }
    ipcrm_steps(&mine.sb, &theirs.sb, &[&["-v", "-ashm"], &["-v", "-amsg", "-m", "7"], &["-v", "--all"], &["-a"]]);
    for sb in [&mine.sb, &theirs.sb] {
        basic_state(sb);
    }
    ipcrm_steps(&mine.sb, &theirs.sb, &[&["-v", "-m", "1", "-a"], &["-amsg", "-ashm"], &["-ashm", "-a"]]);
}

#[test]
fn posix_objects_are_made_and_removed() {
    if !require_root() {
        return;
    }
    let p = PosixSandbox::new(true);
    let sb = &p.sb;
    let mk = |args: &[&str]| run(sb, tool("ipcmk-rs").args(args));
    let rm = |args: &[&str]| run(sb, tool("ipcrm-rs").args(args));
    mk(&["-m", "4K", "-n", "/demo_shm"]).success().no_stderr().stdout_is("POSIX shared memory name: /demo_shm\n");
    mk(&["-m", "1M", "-n", "demo_shm2", "-p", "600"]).success().stdout_is("POSIX shared memory name: demo_shm2\n");
    mk(&["-q", "-n", "/demo_mq"]).success().stdout_is("POSIX message queue name: /demo_mq\n");
    mk(&["-q", "-n", "demo_mq_noslash"])
        .fails_with("ipcmk-rs", "create POSIX message queue failed: Invalid argument", 1)
        .no_stdout();
    mk(&["-s", "-n", "/demo_sem"]).success().stdout_is("POSIX semaphore name: /demo_sem\n");
    mk(&["-m", "abc", "-n", "/x"]).fails_with("ipcmk-rs", "failed to parse size: 'abc': Invalid argument", 1);
    mk(&["-m", "1", "-n", "/a/b"]).fails_with("ipcmk-rs", "create POSIX shared memory failed: Invalid argument", 1);
    // every kind at once, in the fixed order
    mk(&["-s", "-q", "-Q", "-m", "2K", "-M", "1K", "-S", "1", "-n", "/both", "-p", "640"]).success().stdout_is(
        "Shared memory id: 0\nPOSIX shared memory name: /both\nMessage queue id: 0\nPOSIX message queue name: /both\n\
         Semaphore id: 0\nPOSIX semaphore name: /both\n",
    );
    assert_eq!(
        p.listing(),
        "both 2048 640\ndemo_shm 4096 644\ndemo_shm2 1048576 600\nsem.both 32 640\nsem.demo_sem 32 644\nmq both 640\nmq demo_mq 644\n"
    );
    // a glibc program can use the semaphore (glibc's file layout, any build)
    let glibc = "import ctypes; l = ctypes.CDLL(None); l.sem_open.restype = ctypes.c_void_p; \
                 s = ctypes.c_void_p(l.sem_open(b'/demo_sem', 0)); v = ctypes.c_int(-1); \
                 assert s.value and l.sem_post(s) == 0 and l.sem_post(s) == 0 and l.sem_wait(s) == 0; \
                 l.sem_getvalue(s, ctypes.byref(v)); print(v.value)";
    run(sb, Cmd::new("python3").args(["-c", glibc])).success().stdout_is("1\n");
    // ipcs shows only System V objects, like util-linux
    assert_eq!(all_objects(sb).lines().filter(|l| l.starts_with("0x")).count(), 3);

    rm(&["-v", "--posix-shmem", "/demo_shm"])
        .success()
        .no_stderr()
        .stdout_is("removing POSIX shared memory `/demo_shm'\n");
    rm(&["--posix-shmem", "/demo_shm"]).fails_with("ipcrm-rs", "name `/demo_shm' not found", 1);
    rm(&["--posix-mqueue", "demo_mq"]).fails_with("ipcrm-rs", "name failed: Invalid argument", 1);
    rm(&["-v", "--posix-mqueue", "/demo_mq"]).success().stdout_is("removing POSIX message queue `/demo_mq'\n");
    rm(&["-v", "--posix-semaphore", "/demo_sem"]).success().stdout_is("removing POSIX semaphore `/demo_sem'\n");
    assert_eq!(p.listing(), "both 2048 640\ndemo_shm2 1048576 600\nsem.both 32 640\nmq both 640\n");

    // one kind at a time; the short form takes "=TYPE" as util-linux 2.43 does
    rm(&["-v", "-a=psem"]).success().stdout_is("removing POSIX semaphore `both'\n");
    rm(&["-v", "--all=pmsg"]).success().stdout_is("removing POSIX message queue `/both'\n");
    assert_eq!(p.listing(), "both 2048 640\ndemo_shm2 1048576 600\n");
    // --all: System V and POSIX, each object once (2.43 prints POSIX ones twice)
    mk(&["-q", "-s", "-n", "/again"]).success();
    rm(&["-v", "-a"]).success().no_stderr().stdout_is(
        "removing shared memory segment id `0'\nremoving POSIX shared memory `both'\nremoving POSIX shared memory `demo_shm2'\n\
         removing semaphore id `0'\nremoving POSIX semaphore `again'\nremoving message queue id `0'\n\
         removing POSIX message queue `/again'\n",
    );
    assert_eq!(p.listing(), "");
    assert_eq!(all_objects(sb).lines().filter(|l| l.starts_with("0x")).count(), 0);
    rm(&["-a"]).success().no_stdout().no_stderr();
}

#[test]
fn ipcrm_all_warns_when_mqueue_is_not_mounted() {
    if !require_root() {
        return;
    }
    let p = PosixSandbox::new(false);
    sh_ok(&p.sb, "ipcmk -Q >/dev/null && touch /dev/shm/x");
    let out = run(&p.sb, tool("ipcrm-rs").args(["-v", "-a"]));
    out.success().stdout_is("removing POSIX shared memory `x'\nremoving message queue id `0'\n").stderr_is(
        "ipcrm-rs: /dev/mqueue does not seem to be mounted. Use 'mount -t mqueue none /dev/mqueue' to mount it.\n",
    );
    assert_eq!(p.listing(), "");
}
