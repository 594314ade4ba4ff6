//! ipcs-rs against util-linux's ipcs: every option combination on one rich
//! state (both tools reading the same objects in the same private IPC
//! namespace, with a fixed TZ), the `/proc`-less fallback, bad arguments,
//! and the machine-readable modes. Every test works inside its own private
//! IPC namespace.

use nsutils_tests::fallbacks::{is_ours, without_sysvipc_proc};
use nsutils_tests::suite::ipc::{ipc_sandbox, ipcs_snapshot, long_name_uid, many_objects, sh_ok, RichState, TZ};
use nsutils_tests::suite::setpriv_nobody;
use nsutils_tests::{assert_same, differential, require_root, tool, tool_path, Cmd, Sandbox};

const RESOURCES: &[&[&str]] =
    &[&[], &["-q"], &["-m"], &["-s"], &["-q", "-m"], &["-m", "-s"], &["-a"], &["-s", "-q", "-m"]];
const FORMATS: &[&[&str]] = &[&[], &["-t"], &["-p"], &["-c"], &["-l"], &["-u"], &["-c", "-t"]];
const UNITS: &[&[&str]] = &[&[], &["-b"], &["--human"], &["--human", "-b"]];

fn same_in(sb: &Sandbox, args: &[&str], env: &[(&str, &str)]) {
    let (ours, theirs) = differential("ipcs", args, |c| {
        let mut c = c;
        for (k, v) in env {
            c = c.env(k, v);
        }
        sb.wrap(c)
    });
    assert_same(&ours, &theirs);
}

fn combos() -> Vec<Vec<&'static str>> {
    let mut all = Vec::new();
    for r in RESOURCES {
        for f in FORMATS {
            for u in UNITS {
                all.push(r.iter().chain(f.iter()).chain(u.iter()).copied().collect());
            }
        }
    }
    all
}

#[test]
fn every_view_matches_util_linux_on_a_rich_state() {
    if !require_root() {
        return;
    }
    let state = RichState::new();
    // sanity: the state is what the differential tests rely on
    let listing = ipcs_snapshot(&state.sb, &[]);
    assert!(listing.contains(" dest "), "{listing}");
    assert!(listing.contains("locked"), "{listing}");
    assert!(listing.contains(" 12345 "), "{listing}");
    for args in combos() {
        same_in(&state.sb, &args, &[("TZ", TZ)]);
    }
    // options after operands, long spellings, extra operands ignored
    for args in [&["extra", "--queues", "--time"][..], &["--shmems", "--pid", "x"], &["--semaphores", "--creator"]] {
        same_in(&state.sb, args, &[("TZ", TZ)]);
    }
}

#[test]
fn id_views_match_util_linux() {
    if !require_root() {
        return;
    }
    let state = RichState::new();
    for res in ["-m", "-q", "-s"] {
        for id in ["0", "1", "2", "3", "4", "5", "99999", " 1", "+2"] {
            for unit in [&[][..], &["--human"], &["-b"]] {
                let mut args = vec![res, "-i", id];
                args.extend_from_slice(unit);
                same_in(&state.sb, &args, &[("TZ", TZ)]);
            }
        }
        same_in(&state.sb, &["--id=1", res, "-t"], &[("TZ", TZ)]);
        // util-linux 2.38.1 shows the first object as "shmid=-1" here (-1
        // is its internal "every id"); no object has a negative id
        state
            .sb
            .wrap(tool("ipcs-rs").args([res, "-i", "-1"]))
            .run()
            .success()
            .no_stdout()
            .stderr_is("ipcs-rs: id -1 not found\n");
    }
}

#[test]
fn times_follow_the_time_zone() {
    if !require_root() {
        return;
    }
    let state = RichState::new();
    let mut seen = Vec::new();
    for tz in ["UTC", "Asia/Kolkata", "America/New_York", "XYZ-5:45", ":Europe/Berlin"] {
        for args in [&["-t"][..], &["-s", "-i", "0"], &["-m", "-i", "0"], &["-q", "-i", "0"]] {
            same_in(&state.sb, args, &[("TZ", tz)]);
        }
        let ours = state.sb.wrap(tool("ipcs-rs").args(["-m", "-t"]).env("TZ", tz)).run();
        ours.success();
        seen.push(ours.stdout);
    }
    // UTC and +05:30 differ in the printed times: the zone is honoured
    assert_ne!(seen[0], seen[1]);
    assert_ne!(seen[1], seen[3]);
}

#[test]
fn ordinary_users_see_the_same_as_with_util_linux() {
    if !require_root() {
        return;
    }
    let state = RichState::new();
    for args in [
        &[][..],
        &["-c"],
        &["-t"],
        &["-u"],
        &["-l"],
        &["-m", "-i", "1"],
        &["-s", "-i", "1"],
        &["-q", "-i", "1"],
        &["-s", "-i", "4"],
    ] {
        let (ours, theirs) = differential("ipcs", args, |c| state.sb.wrap(setpriv_nobody(c.env("TZ", TZ))));
        assert_same(&ours, &theirs);
    }
}

#[test]
fn an_empty_namespace_matches_util_linux() {
    if !require_root() {
        return;
    }
    let sb = ipc_sandbox();
    for args in combos().into_iter().step_by(3) {
        same_in(&sb, &args, &[]);
    }
    for args in [&["-m", "-i", "0"][..], &["-q", "-i", "0"], &["-s", "-i", "0"]] {
        same_in(&sb, args, &[]);
    }
}

#[test]
fn the_syscall_fallback_matches() {
    if !require_root() {
        return;
    }
    let state = RichState::new();
    // ours with /proc/sysvipc and /proc/sys/kernel hidden vs util-linux with them
    let hidden = |c: Cmd| if is_ours(&c) { without_sysvipc_proc(c) } else { c };
    for args in
        combos().into_iter().step_by(2).chain([vec!["-q", "-i", "1"], vec!["-s", "-i", "0"], vec!["-m", "-i", "5"]])
    {
        let (ours, theirs) = differential("ipcs", &args, |c| state.sb.wrap(hidden(c.env("TZ", TZ))));
        assert_same(&ours, &theirs);
    }
    // and the fallback was taken: no /proc/sysvipc to read
    let listing = state.sb.wrap(without_sysvipc_proc(Cmd::new("ls").arg("/proc/sysvipc"))).run();
    listing.success();
    assert_eq!(listing.stdout, "");
}

#[test]
fn unusable_proc_files_make_both_fall_back() {
    if !require_root() {
        return;
    }
    // a private mount namespace where /proc/sysvipc and /proc/sys/kernel
    // are empty directories: both tools must ask the kernel instead
    let sb = Sandbox::new(&["-i", "-m"]);
    sh_ok(
        &sb,
        "set -e; ipcmk -Q; ipcmk -M 4K -p 600; ipcmk -S 4; ipcmk -Q; ipcrm -q 0; \
         mount -t tmpfs none /proc/sysvipc; mount -t tmpfs none /proc/sys/kernel",
    );
    assert_eq!(sh_ok(&sb, "ls /proc/sysvipc | wc -l").stdout, "0\n");
    for args in
        combos().into_iter().step_by(2).chain([vec!["-q", "-i", "1"], vec!["-q", "-i", "0"], vec!["-s", "-i", "0"]])
    {
        same_in(&sb, &args, &[("TZ", TZ)]);
    }
    // and ours shows the objects (the fallback is not just empty on both sides)
    let out = sb.wrap(tool("ipcs-rs").arg("-q")).run();
    out.success();
    assert_eq!(out.stdout.lines().filter(|l| l.starts_with("0x")).count(), 1, "{}", out.stdout);
}

#[test]
fn bad_arguments_match_util_linux() {
    if !require_root() {
        return;
    }
    let sb = ipc_sandbox();
    for args in [
        &["-i", "0"][..],
        &["-m", "-q", "-i", "0"],
        &["-a", "-i", "0"],
        &["-i", "abc", "-m"],
        &["-m", "-i", "99999999999"],
        &["-m", "-i", ""],
        &["-m", "-i"],
        &["-x"],
        &["--shmem"],
        &["--id"],
    ] {
        same_in(&sb, args, &[]);
    }
    // beyond util-linux
    tool("ipcs-rs").args(["--json", "--raw"]).run().fails_with(
        "ipcs-rs",
        "options --json and --raw cannot be combined",
        1,
    );
}

/// The fields of the object rows of one section of util-linux's text: in
/// the default listing (key, id, owner, perms, size, count), in `-c` (id,
/// perms, cuid, cgid, uid, gid).
fn listing_rows(text: &str, section: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut inside = false;
    for l in text.lines() {
        if l.starts_with("------") {
            inside = l.contains(section);
            continue;
        }
        if inside && l.starts_with(|c: char| c.is_ascii_digit()) {
            rows.push(l.split_whitespace().map(str::to_string).collect());
        }
    }
    rows
}

#[test]
fn json_has_every_object_with_numbers() {
    if !require_root() {
        return;
    }
    let state = RichState::new();
    let text = ipcs_snapshot(&state.sb, &[]);
    let creators = ipcs_snapshot(&state.sb, &["-c"]);
    for view in [&[][..], &["-t"], &["-p"], &["-c"]] {
        let out = state.sb.wrap(tool("ipcs-rs").args(view).arg("--json")).run();
        out.success().no_stderr();
        let j = out.json();
        for (section, name, id_field, size_field) in [
            ("Message Queues", "messages", "msqid", "used_bytes"),
            ("Shared Memory", "sharedmemory", "shmid", "bytes"),
            ("Semaphore", "semaphores", "semid", "nsems"),
        ] {
            let rows = listing_rows(&text, section);
            let crows = listing_rows(&creators, section);
            let recs = j[name].as_array().unwrap_or_else(|| panic!("{name} missing: {}", out.stdout));
            assert_eq!(recs.len(), rows.len(), "{name}");
            assert_eq!(recs.len(), crows.len(), "{name} in -c");
            // a name, or the id when it has none
            let name_of = |rec: &serde_json::Value, name: &str, id: &str| {
                rec[name].as_str().map(str::to_string).unwrap_or_else(|| rec[id].to_string())
            };
            for ((rec, row), crow) in recs.iter().zip(&rows).zip(&crows) {
                assert_eq!(format!("0x{:08x}", rec["key"].as_u64().unwrap()), row[0]);
                assert_eq!(rec[id_field].as_i64().unwrap().to_string(), row[1]);
                let owner = name_of(rec, "owner", "uid");
                assert!(owner.starts_with(&row[2]), "{owner} vs {}", row[2]);
                assert_eq!(format!("{:o}", rec["perms"].as_u64().unwrap()), row[3]);
                assert_eq!(rec[size_field].as_u64().unwrap().to_string(), row[4]);
                assert!(rec["change_time"].as_i64().unwrap() > 1_000_000_000);
                // the creators' view agrees on the creator and owner names
                // (not cut to 10 characters there)
                let names = [("cuser", "cuid"), ("cgroup", "cgid"), ("owner", "uid"), ("group", "gid")];
                let want: Vec<String> = names.iter().map(|(n, id)| name_of(rec, n, id)).collect();
                assert_eq!(crow[0], row[1], "{name} in -c");
                assert_eq!(crow[2..], want, "{name} {}", row[1]);
            }
        }
        assert_eq!(j["sharedmemory"][5]["dest"], true);
        assert_eq!(j["sharedmemory"][2]["locked"], true);
        assert_eq!(j["sharedmemory"][0]["nattch"], 1);
        assert_eq!(j["messages"][0]["messages"], 2);
        assert_eq!(j["messages"][4]["owner"], serde_json::Value::Null);
        assert_eq!(j["messages"][4]["uid"], 12345);
        assert!(j["messages"][1]["recv_time"].as_i64().unwrap() > 0);
        assert_eq!(j["messages"][2]["recv_time"], 0);
    }
    // -i: one object, with the queue limit and the semaphores' values
    let one = state.sb.wrap(tool("ipcs-rs").args(["-s", "-i", "0", "--json"])).run();
    let j = one.json();
    let vals: Vec<i64> =
        j["semaphores"][0]["semaphores"].as_array().unwrap().iter().map(|v| v["value"].as_i64().unwrap()).collect();
    assert_eq!(vals, vec![5, 2, 0]);
    let q = state.sb.wrap(tool("ipcs-rs").args(["-q", "-i", "0", "--json"])).run().json();
    assert_eq!(q["messages"][0]["queue_bytes"], 16384);
    // -l / -u
    let l = state.sb.wrap(tool("ipcs-rs").args(["-l", "--json"])).run().json();
    let sysctl = |n: &str| sh_ok(&state.sb, &format!("cat /proc/sys/kernel/{n}")).stdout.trim().to_string();
    assert_eq!(l["messages"]["msgmni"].to_string(), sysctl("msgmni"));
    assert_eq!(l["sharedmemory"]["shmmax"].to_string(), sysctl("shmmax"));
    assert_eq!(l["semaphores"]["semvmx"], 32767);
    let u = state.sb.wrap(tool("ipcs-rs").args(["-u", "-q", "--json"])).run().json();
    assert_eq!(u["messages"]["queues"], 5);
    assert_eq!(u["messages"]["headers"], 2);
    assert_eq!(u["messages"]["used_bytes"], 12);
    assert!(u.get("sharedmemory").is_none());
    // an unknown id: warning, empty array, exit 0 (as util-linux)
    let none = state.sb.wrap(tool("ipcs-rs").args(["-m", "-i", "777", "--json"])).run();
    none.success().stderr_is("ipcs-rs: id 777 not found\n");
    assert_eq!(none.json()["sharedmemory"].as_array().unwrap().len(), 0);
}

#[test]
fn raw_and_noheadings() {
    if !require_root() {
        return;
    }
    let state = RichState::new();
    let raw = state.sb.wrap(tool("ipcs-rs").args(["-m", "--raw"])).run();
    raw.success();
    let lines: Vec<&str> = raw.stdout.lines().collect();
    assert_eq!(lines.len(), 7, "{}", raw.stdout);
    assert!(lines[0].starts_with("key shmid perms owner uid "), "{}", lines[0]);
    let width = lines[0].split(' ').count();
    for l in &lines[1..] {
        assert_eq!(l.split(' ').count(), width, "{l}");
        assert!(l.starts_with("0x"), "{l}");
    }
    // names are never cut in raw output; unknown ones are numbers
    assert!(raw.stdout.contains(" 12345 12345 "), "{}", raw.stdout);
    if let Some(uid) = long_name_uid() {
        let name = nsutils_tests::Cmd::new("id").args(["-nu", &uid.to_string()]).run().stdout.trim().to_string();
        assert!(raw.stdout.contains(&format!(" {name} ")), "{}", raw.stdout);
    }
    let bare = state.sb.wrap(tool("ipcs-rs").args(["-a", "--raw", "--noheadings"])).run();
    assert_eq!(bare.stdout.lines().count(), 5 + 6 + 5);
    assert!(bare.stdout.lines().all(|l| l.starts_with("0x")));
    // --noheadings on the text layout keeps exactly util-linux's data lines
    for view in [&[][..], &["-t"], &["-c"], &["-p"]] {
        let ul = ipcs_snapshot(&state.sb, view);
        // drop blank lines, titles and the heading line after each title
        let mut rows = Vec::new();
        let mut after_title = false;
        for l in ul.lines() {
            if l.starts_with("------") {
                after_title = true;
            } else if after_title {
                after_title = false;
            } else if !l.is_empty() {
                rows.push(l);
            }
        }
        let ours = state.sb.wrap(tool("ipcs-rs").args(view).arg("--noheadings").env("TZ", TZ)).run();
        ours.success();
        assert_eq!(ours.stdout, rows.iter().map(|r| format!("{r}\n")).collect::<String>(), "view {view:?}");
    }
}

/// Thousands of objects: the listings are written out in pieces as they
/// are rendered (not held whole), and must still match util-linux byte for
/// byte across the piece boundaries; the machine forms hold every object;
/// a full disk is one `write error`, exit 1.
#[test]
fn large_listings_match_and_stream() {
    if !require_root() {
        return;
    }
    let sb = ipc_sandbox();
    let n = 2000;
    many_objects(&sb, n);
    // (not --human: sizes of 4,096 + i bytes hit the rounding where ours is exact
    // and util-linux is not, a documented difference)
    for args in [&["-a"][..], &["-t"], &["-c"], &["-p", "-m"], &["-b", "-m"], &["-s"]] {
        same_in(&sb, args, &[("TZ", TZ)]);
    }
    let json = sb.wrap(tool("ipcs-rs").arg("--json")).run();
    json.success().no_stderr();
    assert!(json.stdout.len() > 1 << 20, "{} bytes", json.stdout.len());
    let v = json.json();
    for (member, key) in
        [("messages", 0x10000 + n - 1), ("sharedmemory", 0x20000 + n - 1), ("semaphores", 0x30000 + n - 1)]
    {
        let rows = v[member].as_array().unwrap_or_else(|| panic!("no {member}"));
        assert_eq!(rows.len(), n, "{member}");
        assert!(rows.iter().any(|r| r["key"] == key), "{member}: no key {key:#x}");
    }
    let raw = sb.wrap(tool("ipcs-rs").args(["--raw", "--noheadings"])).run();
    raw.success().no_stderr();
    assert_eq!(raw.stdout.lines().count(), 3 * n);
    for args in [&["-a"][..], &["--json"], &["--raw"]] {
        let full = sb
            .wrap(Cmd::new("sh").args(["-c", "exec \"$0\" \"$@\" >/dev/full"]).arg(tool_path("ipcs-rs")).args(args))
            .run();
        // past one stdio buffer util-linux HEAD says a bare "write error"
        full.fails_with("ipcs-rs", "write error", 1);
        assert_eq!(full.stderr.lines().count(), 1, "{}", full.stderr);
    }
}
