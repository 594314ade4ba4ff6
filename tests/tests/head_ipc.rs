//! ipcmk-rs, ipcs-rs and ipcrm-rs against util-linux HEAD's own tools, the
//! target: what they make, show and remove, byte for byte, System V and
//! POSIX (which only HEAD has). Every test works in private IPC namespaces
//! (and, for POSIX objects, a private /dev); ours and HEAD's each get their
//! own, made the same way, so that what a command changes can be compared.

use nsutils_tests::suite::ipc::{
    all_objects, basic_state, ipc_sandbox, ipcrm_steps, make_object, mask_keys, sh_ok, PosixSandbox, RichState,
    IPCMK_CASES, IPCRM_STEPS, TZ,
};
use nsutils_tests::suite::setpriv_nobody;
use nsutils_tests::{
    assert_same, differential, differential_head, head, require_root, ul_named, util_linux_head, Output, Sandbox,
};

/// ipcmk argument lists only HEAD knows: POSIX objects, the mode's range.
const IPCMK_HEAD_CASES: &[&[&str]] = &[
    &["-p", "999", "-Q"],
    &["-p", "17777", "-Q"],
    &["-p", "-1", "-Q"],
    &["-p", "abc", "-Q"],
    &["-p", "", "-Q"],
    &["-m", "4K", "-n", "/demo_shm"],
    &["-m", "1M", "-n", "demo_shm2", "-p", "600"],
    &["--posix-shmem", "3", "--name", "/long"],
    &["-m", "0", "-n", "/zero"],
    &["-m", "1.5K", "-n", "/frac"],
    &["-q", "-n", "/demo_mq"],
    &["-q", "-n", "/demo_mq"],
    &["--posix-mqueue", "-n", "/mq2", "-p", "600"],
    &["-q", "-n", "demo_mq_noslash"],
    &["-s", "-n", "/demo_sem"],
    &["--posix-semaphore", "--name=sem2"],
    &["-M", "1K", "-m", "1K", "-n", "/both"],
    &["-s", "-q", "-Q", "-m", "2K", "-M", "2K", "-S", "1", "-n", "/all", "-p", "640"],
    &["-s"],
    &["-q"],
    &["-m", "10"],
    &["-n", "/x"],
    &["-Q", "-q"],
    &["-m", "abc", "-n", "/x"],
    &["-m", "1", "-n", "/a/b"],
    &["-m", "1", "-n", ""],
    &["-q", "-n", "/"],
    &["-s", "-n", "/a/b"],
    &["-m"],
    &["-n"],
];

/// Each case through ours and HEAD, each in its own private IPC namespace
/// and /dev: the outputs must agree, and so must what is left (System V
/// objects with their keys masked, POSIX files).
#[test]
fn ipcmk_matches_head() {
    if !require_root() {
        return;
    }
    let Some(head_ipcmk) = util_linux_head("ipcmk") else { return };
    let (mine, theirs) = (PosixSandbox::new(true), PosixSandbox::new(true));
    let mut failures = Vec::new();
    for args in IPCMK_CASES.iter().chain(IPCMK_HEAD_CASES) {
        let ours = mine.sb.wrap(ul_named("ipcmk").args(*args)).run();
        let head = theirs.sb.wrap(head_ipcmk.clone().args(*args)).run();
        head::record("ipcmk", &head::mode_of(*args));
        if (&ours.stdout, &ours.stderr, ours.code) != (&head.stdout, &head.stderr, head.code) {
            failures.push(format!(
                "ipcmk {args:?}\n--- ours (rc {:?}) ---\n{}{}--- HEAD (rc {:?}) ---\n{}{}",
                ours.code, ours.stdout, ours.stderr, head.code, head.stdout, head.stderr
            ));
        }
        assert_eq!(mask_keys(&all_objects(&mine.sb)), mask_keys(&all_objects(&theirs.sb)), "after {args:?}");
        assert_eq!(mine.listing(), theirs.listing(), "POSIX objects after {args:?}");
    }
    assert!(failures.is_empty(), "{} differ:\n{}", failures.len(), failures.join("\n"));
    // and as nobody (0644 objects in root's namespace, POSIX files in /dev/shm)
    for args in
        [&["-Q"][..], &["-M", "1K", "-p", "600"], &["-S", "2"], &["-m", "1K", "-n", "/nobody"], &["-q", "-n", "/nq"]]
    {
        let ours = mine.sb.wrap(setpriv_nobody(ul_named("ipcmk").args(args))).run();
        let head = theirs.sb.wrap(setpriv_nobody(head_ipcmk.clone().args(args))).run();
        head::record("ipcmk", &format!("nobody {}", head::mode_of(args)));
        assert_same(&ours, &head);
        assert_eq!(mask_keys(&all_objects(&mine.sb)), mask_keys(&all_objects(&theirs.sb)), "after {args:?}");
        assert_eq!(mine.listing(), theirs.listing(), "POSIX objects after {args:?}");
    }
}

/// `-M` and `-m` with different sizes: each object gets its own here;
/// util-linux HEAD makes both the size given last (ipcmk-rs(1), NOTES).
#[test]
fn ipcmk_gives_each_object_its_own_size() {
    if !require_root() {
        return;
    }
    let Some(head_ipcmk) = util_linux_head("ipcmk") else { return };
    let (mine, theirs) = (PosixSandbox::new(true), PosixSandbox::new(true));
    let args = ["-M", "1K", "-m", "2K", "-n", "/both"];
    let ours = mine.sb.wrap(ul_named("ipcmk").args(args)).run();
    let head = theirs.sb.wrap(head_ipcmk.args(args)).run();
    head::record("ipcmk", &head::mode_of(args));
    assert_same(&ours, &head);
    let size = |sb: &Sandbox| sh_ok(sb, "tail -n +2 /proc/sysvipc/shm | awk '{print $4}'").stdout;
    assert_eq!((size(&mine.sb), mine.listing()), ("1024\n".to_string(), "both 2048 644\n".to_string()));
    assert_eq!((size(&theirs.sb), theirs.listing()), ("2048\n".to_string(), "both 2048 644\n".to_string()));
}

/// The same state in two sandboxes: System V objects (basic_state) and
/// POSIX ones, made by HEAD's ipcmk in both.
fn posix_pair() -> Option<(PosixSandbox, PosixSandbox)> {
    let mk = util_linux_head("ipcmk")?;
    let pair = (PosixSandbox::new(true), PosixSandbox::new(true));
    for sb in [&pair.0.sb, &pair.1.sb] {
        basic_state(sb);
        for args in [
            &["-m", "1K", "-n", "/pshm1"][..],
            &["-m", "2K", "-n", "pshm2"],
            &["-q", "-n", "/pmq1"],
            &["-q", "-n", "/pmq2"],
            &["-s", "-n", "/psem1"],
            &["-s", "-n", "psem2"],
        ] {
            sb.wrap(mk.clone().args(args)).run().success();
        }
    }
    Some(pair)
}

/// util-linux HEAD's `ipcrm --all` prints each POSIX object twice; ours
/// once (ipcrm-rs(1), NOTES): HEAD's run without the second of two equal
/// lines in a row.
fn once(mut head: Output) -> Output {
    let mut lines: Vec<&str> = Vec::new();
    for l in head.stdout.lines() {
        if !(l.starts_with("removing POSIX ") && lines.last() == Some(&l)) {
            lines.push(l);
        }
    }
    let out: String = lines.iter().map(|l| format!("{l}\n")).collect();
    head.stdout_bytes = out.clone().into_bytes();
    head.stdout = out;
    head
}

/// ipcrm's removals: by id, key, name, kind, legacy syntax, `-a`; one
/// step after another on identical states, each compared with HEAD, the
/// state too.
#[test]
fn ipcrm_matches_head() {
    if !require_root() {
        return;
    }
    let Some(head_ipcrm) = util_linux_head("ipcrm") else { return };
    let oracle = || head_ipcrm.clone();
    let posix: &[&[&str]] = &[
        &["-v", "--posix-shmem", "/pshm1"],
        &["--posix-shmem", "/pshm1"],
        &["-v", "--posix-shmem", "pshm2"],
        &["--posix-mqueue", "pmq1"],
        &["-v", "--posix-mqueue", "/pmq1"],
        &["-v", "--posix-semaphore", "/psem1"],
        &["--posix-semaphore", "/nothere"],
        &["shm"],
        &["msg", "0", "1"],
        &["sem", "5"],
    ];
    let steps: Vec<&[&str]> = IPCRM_STEPS.iter().chain(posix).copied().collect();
    let Some((mine, theirs)) = posix_pair() else { return };
    ipcrm_steps(&mine.sb, &theirs.sb, &oracle, &steps);
    assert_eq!(mine.listing(), theirs.listing());
    head::record_n("ipcrm", "steps", steps.len());
    // --all and -a TYPE, on fresh pairs (HEAD's doubled POSIX lines aside;
    // `-a shm`, which HEAD runs as -a and then refuses, is a kept deviation
    // tested in ipc.rs)
    for args in [
        &["-v", "-a"][..],
        &["-v", "--all=pshm"],
        &["-v", "-a=pmsg"],
        &["-v", "--all=psem"],
        &["-v", "-ashm", "-apshm"],
        &["-a"],
    ] {
        let Some((mine, theirs)) = posix_pair() else { return };
        let ours = mine.sb.wrap(ul_named("ipcrm").args(args)).run();
        let head = once(theirs.sb.wrap(head_ipcrm.clone().args(args)).run());
        head::record("ipcrm", &head::mode_of(args));
        assert_same(&ours, &head);
        assert_eq!(mask_keys(&all_objects(&mine.sb)), mask_keys(&all_objects(&theirs.sb)), "after {args:?}");
        assert_eq!(mine.listing(), theirs.listing(), "POSIX objects after {args:?}");
    }
}

/// Objects with odd keys, sizes and owners: the negative and the largest
/// keys, IPC_PRIVATE ones, sizes around every unit of `--human`, a
/// segment larger than 4 GiB, 250 semaphores, owners without a name.
fn odd_state() -> Sandbox {
    let sb = ipc_sandbox();
    for (kind, key, n, mode) in [
        ("shm", 0xffff_ffff, 1, 0o600),
        ("shm", 0x7fff_ffff, 1023, 0o644),
        ("shm", 0, 1024, 0o640),
        ("shm", 0, 1025, 0o777),
        ("shm", 0x8000_0000, 1_048_575, 0o400),
        ("shm", 0x1, 1_048_576, 0o444),
        ("shm", 0x2, 1_572_864, 0o666),
        ("shm", 0x3, 1_073_741_824, 0o600),
        ("shm", 0x4, 5_000_000_000, 0o600),
        ("msg", 0xffff_fffe, 0, 0o600),
        ("msg", 0, 0, 0o777),
        ("sem", 0xdead_beef, 250, 0o600),
        ("sem", 0, 1, 0o1),
    ] {
        make_object(&sb, kind, key, n, mode);
    }
    sh_ok(
        &sb,
        "set -e; setpriv --reuid=4000000000 --regid=4000000000 --clear-groups ipcmk -Q -M 100 -S 1; \
         setpriv --reuid=998 --regid=12345 --clear-groups ipcmk -Q -M 5000 -S 3",
    );
    sb
}

const RESOURCES: &[&[&str]] = &[&[], &["-q"], &["-m"], &["-s"], &["-a"], &["-m", "-s"]];
const FORMATS: &[&[&str]] = &[&[], &["-t"], &["-p"], &["-c"], &["-l"], &["-u"]];
const UNITS: &[&[&str]] = &[&[], &["-b"], &["--human"], &["--human", "-b"]];

fn same_in(sb: &Sandbox, args: &[&str]) {
    let (ours, theirs) = differential("ipcs", args, |c| sb.wrap(c.env("TZ", TZ)));
    assert!(theirs.head.is_some() || util_linux_head("ipcs").is_none());
    assert_same(&ours, &theirs);
}

/// Every resource, format and unit of ipcs, and `-i` of every object, on
/// the odd objects and on the rich state (which ipcs.rs compares with
/// 2.38.1 and HEAD already), as root and as nobody.
#[test]
fn ipcs_matches_head_on_odd_objects() {
    if !require_root() {
        return;
    }
    for sb in [odd_state(), RichState::new().sb] {
        for r in RESOURCES {
            for f in FORMATS {
                for u in UNITS {
                    let args: Vec<&str> = r.iter().chain(f.iter()).chain(u.iter()).copied().collect();
                    same_in(&sb, &args);
                }
            }
        }
        for res in ["-m", "-q", "-s"] {
            for id in 0..12 {
                let id = id.to_string();
                for unit in [&[][..], &["--human"], &["-b"]] {
                    let mut args = vec![res, "-i", id.as_str()];
                    args.extend_from_slice(unit);
                    same_in(&sb, &args);
                }
            }
        }
        for args in [&[][..], &["-c"], &["-t"], &["-p"], &["-u"], &["-l", "--human"], &["-m", "-i", "1"]] {
            let (ours, theirs) = differential("ipcs", args, |c| sb.wrap(setpriv_nobody(c.env("TZ", TZ))));
            assert_same(&ours, &theirs);
        }
    }
}

/// Bad input to the three tools, against HEAD: messages and statuses.
/// (The first pass of the error sweep; what still differs is listed in
/// `OPEN` with where it is to be fixed.)
#[test]
fn ipc_errors_match_head() {
    if !require_root() {
        return;
    }
    let p = PosixSandbox::new(true);
    let sb = &p.sb;
    basic_state(sb);
    // (kept on purpose, see the NOTES of ipcs-rs(1) and ipcrm-rs(1): `ipcs
    // -i` of a negative id, which HEAD shows as an object; `ipcrm -M` of a
    // key wider than 32 bits, which HEAD cuts to its low bits)
    let out = sb.wrap(ul_named("ipcs").args(["-m", "-i", "-5"])).run();
    out.success().no_stdout().stderr_is("ipcs: id -5 not found\n");
    let cases: &[(&str, &[&str])] = &[
        ("ipcs", &["-i", "0"]),
        ("ipcs", &["-m", "-q", "-i", "0"]),
        ("ipcs", &["-a", "-i", "0"]),
        ("ipcs", &["-i", "abc", "-m"]),
        ("ipcs", &["-m", "-i", "99999999999"]),
        ("ipcs", &["-m", "-i", ""]),
        ("ipcs", &["-m", "-i", "777"]),
        ("ipcs", &["-m", "-i"]),
        ("ipcs", &["-x"]),
        ("ipcs", &["--shmem"]),
        ("ipcs", &["--human=1"]),
        ("ipcs", &["--id"]),
        ("ipcmk", &[]),
        ("ipcmk", &["-M", "abc"]),
        ("ipcmk", &["-M", "1X"]),
        ("ipcmk", &["-S", "0"]),
        ("ipcmk", &["-S", "abc"]),
        ("ipcmk", &["-S", "99999999999"]),
        ("ipcmk", &["-p", "8", "-Q"]),
        ("ipcmk", &["--bogus"]),
        ("ipcmk", &["-n"]),
        ("ipcrm", &[]),
        ("ipcrm", &["-m", "zz"]),
        ("ipcrm", &["-M", "zz"]),
        ("ipcrm", &["-m", "2147483648"]),
        ("ipcrm", &["-M", "0"]),
        ("ipcrm", &["-S", "0x0"]),
        ("ipcrm", &["-m", "99"]),
        ("ipcrm", &["-q", "99"]),
        ("ipcrm", &["-s", "99"]),
        ("ipcrm", &["-M", "0x99"]),
        ("ipcrm", &["-afoo"]),
        ("ipcrm", &["--posix-mqueue", "noslash"]),
        ("ipcrm", &["--posix-shmem", "a/b"]),
        ("ipcrm", &["--posix-semaphore", ""]),
        ("ipcrm", &["--posix-shmem", "."]),
        ("ipcrm", &["--posix-semaphore", ".."]),
        ("ipcrm", &["--posix-mqueue", "/"]),
        ("ipcrm", &["--posix-mqueue", "/a/b"]),
        ("ipcrm", &["--posix-mqueue", "//x"]),
        ("ipcrm", &["--posix-shmem", "//x"]),
        ("ipcrm", &["--posix-mqueue", ""]),
        ("ipcrm", &["shm", "abc"]),
        ("ipcrm", &["sem", "1", "0x1"]),
        ("ipcrm", &["msg"]),
        ("ipcrm", &["--bogus"]),
    ];
    let mut failures = Vec::new();
    for (tool, args) in cases {
        let Some((ours, head)) = differential_head(tool, *args, |c| sb.wrap(c)) else { return };
        if (&ours.stdout, &ours.stderr, ours.code) != (&head.stdout, &head.stderr, head.code) {
            failures.push(format!(
                "{tool} {args:?}\n--- ours (rc {:?}) ---\n{}{}--- HEAD (rc {:?}) ---\n{}{}",
                ours.code, ours.stdout, ours.stderr, head.code, head.stdout, head.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
