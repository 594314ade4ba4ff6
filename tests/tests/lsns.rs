//! lsns-rs against the real kernel and against util-linux's lsns.
//!
//! Other tests (and other people) create and kill processes all the time,
//! so comparing two whole-system listings is racy. Every test here builds
//! its own state (`nsutils_tests::suite::lsns`) inside a private PID
//! namespace with its own /proc (and a private mount and network
//! namespace): util-linux's lsns (2.38.1 and HEAD) and lsns-rs run there
//! and see the same small, stable set of processes.
//!
//! util-linux 2.38.1 cannot see the state's three namespaces without
//! processes, so its comparisons run with `-Q "$EX"` excluding them; HEAD
//! is compared on everything, and the three are also tested as properties.

use std::collections::HashMap;

use nsutils_tests::require_root;
use nsutils_tests::suite::lsns::{assert_cases_agree, in_state};

/// Run as nobody, comparing only the namespaces with processes.
const NOBODY: &str = "EX=\"$EX && NPROCS > 0\"; setpriv --reuid=65534 --regid=65534 --clear-groups";

#[test]
fn views_match_util_linux() {
    let cases: &[(&str, &str)] = &[
        ("", ""),
        ("", "-l"),
        ("", "-n"),
        ("", "-u"),
        ("", "-J"),
        ("", "-r"),
        ("", "-r -n"),
        ("", "-J -l"),
        ("", "--output-all"),
        ("", "-J --output-all"),
        ("", "-r --output-all"),
        ("", "--output-all -n -W"),
        ("", "-o NS,TYPE,PATH,NPROCS,PID,PPID,COMMAND,UID,USER,NETNSID,NSFS,PNS,ONS"),
        ("", "-o ns,pid -o +command"),
        ("", "-o +PATH,PPID -t user"),
        ("", "-o NS,PID"),
        ("", "-o PID,NS,COMMAND"),
        ("", "--output-all -o +NS"),
        ("", "-o NS,COMMAND --output-all"),
        ("", "-t net"),
        ("", "-t net -W"),
        ("", "-t net -J"),
        ("", "-t net -J -W"),
        ("", "-t net -r"),
        ("", "-t net -o +NETNSID,NSFS"),
        ("", "-t net -o NS,NSFS,PID"),
        ("", "-t net -t uts"),
        ("", "-t mnt"),
        ("", "-t pid"),
        ("", "-t uts -t ipc"),
        ("", "-t user"),
        ("", "-t cgroup"),
        ("", "-t time"),
        ("", "-t user -t pid -o NS,TYPE,PNS,ONS"),
        ("", "-T"),
        ("", "-Towner"),
        ("", "--tree=owner -J"),
        ("", "-T -r"),
        ("", "-Tparent"),
        ("", "-T=parent -J"),
        ("", "--tree=parent -t pid -t user"),
        ("", "-Tprocess"),
        ("", "-Tprocess -J"),
        ("", "-T -t pid"),
        ("", "-T -t net -t uts"),
        ("", "-T -t user -o TYPE,PID"),
        ("", "-T -J -o TYPE,PID"),
        ("", "-l -T"),
        ("", "--output-all -T"),
        ("", "-p $P_USERNS_CHILD"),
        ("", "-p $P_USERNS_CHILD -T"),
        ("", "-p $P_USERNS_CHILD -Tparent"),
        ("", "-p $P_USERNET -Tparent"),
        ("", "-p $P_USERNET -T -J"),
        ("", "-p $P_DEMO_CHILD -t net -J"),
        ("", "-p 1 --output-all"),
        ("", "-p 999999"),
        ("", "-J -p 999999"),
        ("", "$(ino user $P_USERNS)"),
        ("", "$(ino user $P_USERNS) -l"),
        ("", "-J $(ino user $P_USERNS)"),
        ("", "-r $(ino user $P_USERNS)"),
        ("", "--output-all $(ino user $P_USERNS)"),
        ("", "-T $(ino user $P_USERNS)"),
        ("", "-Tprocess $(ino net $P_DEMO)"),
        ("", "-o NS,PATH,NPROCS,NETNSID,NSFS,PNS,ONS,UID $(ino net $P_DEMO)"),
        ("", "-t net $(ino user $P_USERNS)"),
        ("", "$(ino uts $P_UTSIPC) $(ino ipc $P_UTSIPC)"),
        ("LANG=C", ""),
        ("LANG=C", "-T -J"),
        ("LANG=C", "-t net -t uts"),
        ("LC_ALL=C", "-r"),
        // as nobody: only nobody's process is readable; (ours also finds
        // the bind-mounted demo netns, without processes, as upstream ≥ 2.39)
        (NOBODY, ""),
        (NOBODY, "--output-all -J"),
        (NOBODY, "-T"),
    ];
    let Some(run) = in_state(cases, "") else { return };
    assert_cases_agree(&run, cases);
}

#[test]
fn terminal_output_matches_util_linux() {
    let cases: &[(&str, &str)] = &[
        ("tty 60", "-t user"),
        ("tty 60", "-u -t user"),
        ("tty 40", ""),
        ("tty 70", "-t net -t uts"),
        ("tty 50", "-t net -W"),
        ("tty 60", "-T"),
        ("tty 60", "-Tparent"),
        ("tty 90", "--output-all"),
        ("tty 30", "-o PID,COMMAND,NS"),
        ("tty 50", "$(ino user $P_USERNS)"),
        ("tty 200", ""),
        ("tty 60", "-r"),
        ("tty 60", "-J -t user"),
    ];
    let Some(run) = in_state(cases, "") else { return };
    assert_cases_agree(&run, cases);
    // truncation happened (the state's PID 1 has a long command line)
    assert!(run.file("1.o.out").lines().all(|l| l.chars().count() <= 60), "{}", run.file("1.o.out"));
    assert!(run.file("2.o.out").lines().any(|l| l.chars().count() > 60), "{}", run.file("2.o.out"));
}

#[test]
fn errors_match_util_linux() {
    if !require_root() {
        return;
    }
    for args in [
        &["-t", "foo"][..],
        &["-o", "FOO"],
        &["-o", "NS,foo"],
        &["-o", "foo,NS"],
        &["-o", "NS,"],
        &["123"],
        &["abc"],
        &["0x10"],
        &["18446744073709551616"],
        &["-p", "abc"],
        &["-p", "1", "123"],
        &["-p", "1", "abc"],
        &["-T", "parent"],
        &["-Tbogus"],
        &["--tree=bogus"],
        &["-t", "foo", "-J", "-r"],
        &["-t", "foo", "--bogus"],
        &["--bogus"],
        &["-x"],
        &["-o"],
        &["--output"],
        &["--output-all=1"],
    ] {
        let (ours, theirs) = nsutils_tests::differential("lsns", args, |c| c);
        nsutils_tests::assert_same(&ours, &theirs);
    }
    // a PID no namespace contains: nothing, exit 0 (as the spec records for
    // 2.38.1). Not compared live: this scans the whole busy host, and 2.38.1
    // exits 1 when a process vanishes under it.
    nsutils_tests::ul_named("lsns").args(["-p", "999999", "-t", "mnt"]).run().success().no_stdout().no_stderr();
    // util-linux fails silently here; we say why, with its exit status
    for list in ["", "NS,,TYPE", "+"] {
        let (ours, theirs) = nsutils_tests::differential("lsns", ["-o", list], |c| c);
        assert_eq!((ours.code, theirs.code), (Some(1), Some(1)));
        assert_eq!(theirs.stderr, "");
        ours.stderr_is(&format!("lsns: failed to parse column list: '{list}'\n"));
    }
}

#[test]
fn exclusive_options_use_head_wording() {
    let lsns = || nsutils_tests::ul_named("lsns");
    lsns().args(["-J", "-r"]).run().fails_with("lsns", "options --json and --raw cannot be combined", 1).no_stdout();
    lsns().args(["--raw", "--json"]).run().fails_with("lsns", "options --raw and --json cannot be combined", 1);
    lsns().args(["-P", "-p", "1"]).run().fails_with("lsns", "options --persistent and --task cannot be combined", 1);
    lsns().args(["-J", "-r", "-t", "foo"]).run().fails_with("lsns", "options --json and --raw cannot be combined", 1);
    lsns().args(["-p", "0"]).run().fails_with("lsns", "invalid PID argument: '0': Numerical result out of range", 1);
    nsutils_tests::tool("lsns-rs").args(["-p", "-1"]).run().fails_with(
        "lsns-rs",
        "invalid PID argument: '-1': Numerical result out of range",
        1,
    );
    // -l and -T are not exclusive (upstream's check never fires): the tree wins
    let out = lsns().args(["-l", "-T", "-o", "NS"]).run();
    out.success().no_stderr();
    assert!(out.stdout.starts_with("NS"), "{}", out.stdout);
}

/// `-o NS,TYPE,…` as JSON objects by namespace inode.
fn rows_by_ns(json: &serde_json::Value) -> HashMap<u64, serde_json::Value> {
    let mut m = HashMap::new();
    fn walk(v: &serde_json::Value, m: &mut HashMap<u64, serde_json::Value>) {
        for o in v.as_array().into_iter().flatten() {
            if let Some(ns) = o["ns"].as_u64() {
                m.insert(ns, o.clone());
            }
            walk(&o["children"], m);
        }
    }
    walk(&json["namespaces"], &mut m);
    m
}

fn json_of(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}):\n{text}"))
}

#[test]
fn namespaces_held_by_fd_socket_or_bind_mount() {
    let body = r#"
"$OURS" -J --output-all > "$OUT/all.json"
"$OURS" -P -J -o NS,TYPE,NPROCS > "$OUT/persistent.json"
"$OURS" -P -t net -r -n -o NS > "$OUT/persistent-net"
"$OURS" -P -r -n -o NS,TYPE,NPROCS,PID,USER,UID,COMMAND > "$OUT/persistent.raw"
"$OURS" -l -t uts > "$OUT/uts.table"
"$OURS" $X_UTS > "$OUT/operand.out"; echo $? > "$OUT/operand.rc"
"$OURS" -T -J -o NS,TYPE,NPROCS -t user -t net > "$OUT/tree.json"
"$OURS" -P -p 1 2> "$OUT/pp.err"; echo $? > "$OUT/pp.rc"
"#;
    let Some(run) = in_state(&[], body) else { return };
    let all = rows_by_ns(&json_of(&run.file("all.json")));
    let d = run.var("D");
    for (x, ty) in [("X_FD", "net"), ("X_SOCK", "net"), ("X_UTS", "uts")] {
        let ino: u64 = run.var(x).parse().unwrap();
        let row = all.get(&ino).unwrap_or_else(|| panic!("{x} {ino} missing: {}", run.file("all.json")));
        assert_eq!(row["type"], ty, "{x}: {row}");
        assert_eq!(row["nprocs"], 0, "{x}: {row}");
        for key in ["pid", "ppid", "path", "command"] {
            assert!(row[key].is_null(), "{x}: {key} should be empty: {row}");
        }
        assert_eq!(row["uid"], 0, "{x}: the owner of the owning user namespace: {row}");
        assert_eq!(row["user"], "root", "{x}: {row}");
        assert!(row["ons"].as_u64().unwrap() > 0, "{x}: {row}");
        if ty == "net" {
            assert_eq!(row["netnsid"], "unassigned", "{x}: {row}");
        }
    }
    let uts: u64 = run.var("X_UTS").parse().unwrap();
    assert_eq!(all[&uts]["nsfs"], format!("{d}/uts"));
    // -P lists exactly these three
    let mut persistent: Vec<u64> = rows_by_ns(&json_of(&run.file("persistent.json"))).into_keys().collect();
    persistent.sort_unstable();
    let mut expected: Vec<u64> = ["X_FD", "X_SOCK", "X_UTS"].iter().map(|v| run.var(v).parse().unwrap()).collect();
    expected.sort_unstable();
    assert_eq!(persistent, expected, "{}", run.file("persistent.json"));
    let mut net: Vec<u64> = run.file("persistent-net").lines().map(|l| l.parse().unwrap()).collect();
    net.sort_unstable();
    let mut want: Vec<u64> = ["X_FD", "X_SOCK"].iter().map(|v| run.var(v).parse().unwrap()).collect();
    want.sort_unstable();
    assert_eq!(net, want);
    // raw: empty cells are empty strings; an empty last cell leaves the separator
    for line in run.file("persistent.raw").lines() {
        let cells: Vec<&str> = line.split(' ').collect();
        assert_eq!(cells.len(), 7, "{line:?}");
        assert_eq!((cells[2], cells[3], cells[4], cells[5], cells[6]), ("0", "", "root", "0", ""), "{line:?}");
    }
    // the table: an empty PID and COMMAND, the trailing separator of USER
    let table = run.file("uts.table");
    let line = table.lines().find(|l| l.starts_with(run.var("X_UTS"))).unwrap_or_else(|| panic!("{table}"));
    assert!(line.ends_with(" root "), "{line:?}");
    assert_eq!(line.split_whitespace().collect::<Vec<_>>(), [run.var("X_UTS"), "uts", "0", "root"], "{line:?}");
    // a namespace operand with no process: nothing to list, success
    assert_eq!((run.file("operand.out").as_str(), run.file("operand.rc").trim()), ("", "0"));
    // in the owner tree they hang under the initial user namespace
    let tree = json_of(&run.file("tree.json"));
    let roots = tree["namespaces"].as_array().unwrap();
    assert_eq!(roots.len(), 1, "{tree}");
    let children: Vec<u64> = roots[0]["children"].as_array().unwrap().iter().filter_map(|c| c["ns"].as_u64()).collect();
    for x in ["X_FD", "X_SOCK"] {
        assert!(children.contains(&run.var(x).parse().unwrap()), "{x} not under the init user ns: {tree}");
    }
    assert_eq!(run.file("pp.err"), "lsns: options --persistent and --task cannot be combined\n");
    assert_eq!(run.file("pp.rc").trim(), "1");
}

#[test]
fn netnsid_is_what_ip_reports() {
    let body = r#"
ip netns add other
ip link add vx0 type veth peer name vx1 netns other
ip netns exec other sleep 1000 & P_OTHER=$!
until [ "$(cat /proc/$P_OTHER/comm)" = sleep ]; do sleep 0.01; done
ip netns list-id > "$OUT/list-id"
ip -o link show vx0 > "$OUT/link"
echo "$(ino net $P_OTHER)" > "$OUT/other-ino"
echo "$(ino net $P_DEMO)" > "$OUT/demo-ino"
echo "$(ino net 1)" > "$OUT/self-ino"
"$OURS" -t net -r -n -o NS,NETNSID > "$OUT/ours"
"$OURS" -t net -J -o NS,NETNSID > "$OUT/ours.json"
"$OURS" -Q 'NETNSID == "7"' -r -n -o NS > "$OUT/filter7"
"#;
    let Some(run) = in_state(&[], body) else { return };
    let ours: HashMap<String, String> = run
        .file("ours")
        .lines()
        .map(|l| {
            let (ns, id) = l.split_once(' ').unwrap();
            (ns.to_string(), id.to_string())
        })
        .collect();
    let list_id = run.file("list-id");
    // "nsid 7 (iproute2 netns name: demo)"
    let id_of = |name: &str| -> String {
        let line =
            list_id.lines().find(|l| l.contains(&format!("name: {name})"))).unwrap_or_else(|| panic!("{list_id}"));
        line.split_whitespace().nth(1).unwrap().to_string()
    };
    let demo = run.file("demo-ino").trim().to_string();
    let other = run.file("other-ino").trim().to_string();
    assert_eq!(ours[&demo], "7");
    assert_eq!(ours[&demo], id_of("demo"));
    assert_eq!(ours[&other], id_of("other"), "the id the kernel gave for the veth peer");
    let link = run.file("link");
    assert!(link.contains("link-netns other") || link.contains(&format!("link-netnsid {}", ours[&other])), "{link}");
    assert_eq!(ours[run.file("self-ino").trim()], "unassigned");
    assert_eq!(ours[run.var("X_FD")], "unassigned");
    // JSON: NETNSID is a string
    let json = rows_by_ns(&json_of(&run.file("ours.json")));
    assert_eq!(json[&demo.parse::<u64>().unwrap()]["netnsid"], "7");
    assert_eq!(run.file("filter7").trim(), demo);
}

#[test]
fn nsfs_lists_every_bind_path() {
    let body = r#"
mkdir -p "$D/more"; touch "$D/more/third"; mount --bind /run/netns/demo "$D/more/third"
N=$(ino net $P_DEMO)
"$OURS" -l -n -o NS,NSFS -Q "NS == $N" > "$OUT/table"
"$OURS" -l -n -W -o NSFS -Q "NS == $N" > "$OUT/nowrap"
"$OURS" -r -n -o NSFS -Q "NS == $N" > "$OUT/raw"
"$OURS" -J -o NSFS -Q "NS == $N" > "$OUT/json"
"$OURS" -l -n -o NSFS,NS -Q "NS == $N" > "$OUT/nsfs-first"
"#;
    let Some(run) = in_state(&[], body) else { return };
    let d = run.var("D");
    let paths = ["/run/netns/demo".to_string(), format!("{d}/nb"), format!("{d}/n b"), format!("{d}/more/third")];
    assert_eq!(run.file("nowrap").trim_end(), paths.join(","));
    let json = json_of(&run.file("json"));
    assert_eq!(json["namespaces"][0]["nsfs"], paths.join("\n"));
    let raw = paths.join(",").replace(' ', "\\x20");
    assert_eq!(run.file("raw"), format!("{raw}\n"));
    // table: one line per path, the continuation lines blank under NS
    let table = run.file("table");
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 4, "{table}");
    for (line, path) in lines.iter().zip(&paths) {
        assert_eq!(&line[11..], path, "{table}");
    }
    assert!(lines[1..].iter().all(|l| l.starts_with("           ")), "{table}");
    // not the last column: every line padded to the column's width
    let width = paths.iter().map(|p| p.len()).max().unwrap();
    for line in run.file("nsfs-first").lines().skip(1) {
        assert_eq!(line.len(), width + 1, "{:?}", line);
    }
}

#[test]
fn pns_and_ons_are_the_parent_and_owner_inodes() {
    let body = r#"
C=$P_USERNS_CHILD
{
  echo "userns $(ino user $P_USERNS) $(ino user 1) $(ino user 1)"
  echo "pidns $(ino pid $C) $(ino pid 1) $(ino user $P_USERNS)"
  echo "mntns $(ino mnt $P_USERNS) 0 $(ino user $P_USERNS)"
  echo "usernet $(ino net $P_USERNET) 0 $(ino user $P_USERNET)"
  echo "initnet $(ino net 1) 0 $(ino user 1)"
} > "$OUT/expected"
"$OURS" -r -n -o NS,PNS,ONS > "$OUT/ours"
"$OURS" -r -n -o NS,PNS,ONS -t user -t pid -Tparent > "$OUT/ours-tree"
"#;
    let Some(run) = in_state(&[], body) else { return };
    let ours: HashMap<String, (String, String)> = run
        .file("ours")
        .lines()
        .map(|l| {
            let v: Vec<&str> = l.split(' ').collect();
            (v[0].to_string(), (v[1].to_string(), v[2].to_string()))
        })
        .collect();
    for line in run.file("expected").lines() {
        let v: Vec<&str> = line.split(' ').collect();
        let got = ours.get(v[1]).unwrap_or_else(|| panic!("{} missing:\n{}", v[0], run.file("ours")));
        assert_eq!((got.0.as_str(), got.1.as_str()), (v[2], v[3]), "{}", v[0]);
    }
    // the init user namespace has neither (EPERM from the kernel)
    let init_user = run.file("expected").lines().next().unwrap().split(' ').nth(2).unwrap().to_string();
    assert_eq!(ours[&init_user], ("0".to_string(), "0".to_string()));
}

#[test]
fn filter_expressions_select_rows() {
    // (expression, the same predicate on util-linux's JSON rows)
    type Pred = fn(&serde_json::Value, &HashMap<String, String>) -> bool;
    let exprs: &[(&str, Pred)] = &[
        ("TYPE == \"net\"", |r, _| r["type"] == "net"),
        ("TYPE == 'net' && NPROCS > 0", |r, _| r["type"] == "net" && r["nprocs"].as_u64() > Some(0)),
        ("NETNSID == '7'", |r, _| r["netnsid"] == "7"),
        ("NETNSID == \"unassigned\"", |r, _| r["netnsid"] == "unassigned"),
        ("COMMAND =~ \"^sleep\"", |r, _| r["command"].as_str().is_some_and(|c| c.starts_with("sleep"))),
        ("COMMAND !~ 'sleep'", |r, _| !r["command"].as_str().is_some_and(|c| c.contains("sleep"))),
        ("NPROCS == 1 AND type EQ 'mnt'", |r, _| r["nprocs"] == 1 && r["type"] == "mnt"),
        ("NPROCS ge 2 or TYPE eq 'time'", |r, _| r["nprocs"].as_u64() >= Some(2) || r["type"] == "time"),
        ("NOT (TYPE == 'net' || TYPE == 'mnt')", |r, _| r["type"] != "net" && r["type"] != "mnt"),
        ("! NETNSID", |r, _| r["netnsid"].is_null()),
        ("PID && NETNSID", |r, _| !r["pid"].is_null() && !r["netnsid"].is_null()),
        ("NSFS", |r, _| !r["nsfs"].is_null()),
        ("NPROCS < 1K && NPROCS <= 1.5", |r, _| r["nprocs"].as_u64() <= Some(1)),
        ("PID > 1 && UID == 0", |r, _| r["pid"].as_u64() > Some(1) && r["uid"] == 0),
        ("USER != 'root'", |r, _| r["user"] != "root"),
        ("true", |_, _| true),
        ("FALSE", |_, _| false),
        ("NS == $(ino user $P_USERNS) && NPROCS == 2", |r, v| {
            r["ns"].as_u64() == v["userns"].parse().ok() && r["nprocs"] == 2
        }),
        ("PPID == $P_USERNS", |r, v| r["ppid"].as_u64() == v["P_USERNS"].parse().ok()),
        ("ONS == $(ino user $P_USERNS)", |r, v| r["ons"].as_u64() == v["userns"].parse().ok()),
        ("(TYPE == 'user') == true", |r, _| r["type"] == "user"),
    ];
    let mut body = String::from(
        "echo \"userns=$(ino user $P_USERNS)\" >> \"$OUT/vars\"\n\
         lsns -J --output-all > \"$OUT/theirs.json\"\n",
    );
    for (i, (e, _)) in exprs.iter().enumerate() {
        body.push_str(&format!(
            "\"$OURS\" -J --output-all -Q \"$EX && ({})\" > \"$OUT/f{i}.json\" 2>\"$OUT/f{i}.err\"\n",
            e.replace('"', "\\\"")
        ));
        // the filter's columns need not be shown
        body.push_str(&format!("\"$OURS\" -r -n -o NS -Q \"$EX && ({})\" > \"$OUT/g{i}\"\n", e.replace('"', "\\\"")));
    }
    let Some(run) = in_state(&[], &body) else { return };
    let theirs = json_of(&run.file("theirs.json"));
    let rows: Vec<&serde_json::Value> = theirs["namespaces"].as_array().unwrap().iter().collect();
    for (i, (e, pred)) in exprs.iter().enumerate() {
        assert_eq!(run.file(&format!("f{i}.err")), "", "{e}");
        let ours = json_of(&run.file(&format!("f{i}.json")));
        let want: Vec<&serde_json::Value> = rows.iter().copied().filter(|r| pred(r, &run.vars)).collect();
        let got: Vec<&serde_json::Value> = ours["namespaces"].as_array().unwrap().iter().collect();
        assert_eq!(got, want, "filter {e}");
        let ns: Vec<String> = want.iter().map(|r| r["ns"].to_string()).collect();
        let g = run.file(&format!("g{i}"));
        assert_eq!(g.lines().collect::<Vec<_>>(), ns, "filter {e} with -o NS");
    }
    // the issue's examples all select something in this state
    for (i, e) in exprs.iter().enumerate().take(5) {
        assert!(run.file(&format!("g{i}")).lines().count() > 0, "{} selects nothing", e.0);
    }
}

#[test]
fn filter_errors_point_at_the_problem() {
    let lsns = || nsutils_tests::ul_named("lsns");
    let out = lsns().args(["-Q", "FOO == 1"]).run();
    out.code(1).no_stdout().stderr_is("lsns: unknown column: FOO\nlsns: failed to initialize filter\n");
    let out = lsns().args(["-Q", "NS =="]).run();
    out.code(1).no_stdout();
    assert_eq!(
        out.stderr,
        "lsns: failed to parse \"NS ==\": syntax error, unexpected end of file\n    NS ==\n         ^\n"
    );
    for (expr, msg, caret) in [
        ("NS == 1 )", "syntax error, unexpected ')', expecting end of file", 8),
        ("(TYPE == 'net'", "syntax error, unexpected end of file", 14),
        ("NS 1", "syntax error, unexpected NUMBER, expecting end of file", 3),
        ("TYPE == 'net", "syntax error, unexpected invalid token", 8),
        ("NS @ 1", "syntax error, unexpected NUMBER, expecting end of file", 5),
        ("NS == 1Q", "syntax error, unexpected HOLDER, expecting end of file", 7),
        ("COMMAND =~ '('", "Unmatched ( or \\(", 11),
    ] {
        let out = lsns().args(["-Q", expr]).run();
        out.code(1).no_stdout();
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert!(lines[0].starts_with(&format!("lsns: failed to parse \"{expr}\": {msg}")), "{expr}: {}", out.stderr);
        assert_eq!(lines[1], format!("    {expr}"), "{expr}");
        assert_eq!(lines[2], format!("    {}^", " ".repeat(caret)), "{expr}: {}", out.stderr);
    }
}

#[test]
fn list_columns() {
    let lsns = || nsutils_tests::ul_named("lsns");
    let out = lsns().arg("-H").run();
    out.success().no_stderr();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 13, "{}", out.stdout);
    assert!(lines[0].starts_with("     NS <integer> "), "{}", out.stdout);
    assert!(lines[9].starts_with("NETNSID <string>  "), "{}", out.stdout);
    let json = lsns().args(["-H", "-J"]).run().json();
    let cols = json["lsns-columns"].as_array().unwrap();
    let names: Vec<&str> = cols.iter().map(|c| c["holder"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["NS", "TYPE", "PATH", "NPROCS", "PID", "PPID", "COMMAND", "UID", "USER", "NETNSID", "NSFS", "PNS", "ONS"]
    );
    assert!(cols.iter().all(|c| c["description"].as_str().is_some_and(|d| !d.is_empty())));
    assert_eq!(cols[9]["type"], "<string>");
    assert_eq!(cols[0]["type"], "<integer>");
    let raw = lsns().args(["-H", "-r"]).run();
    raw.success();
    // three cells per line, blanks in the descriptions escaped
    assert!(raw.stdout.lines().all(|l| l.split(' ').count() == 3 && l.contains("\\x20")), "{}", raw.stdout);
}

#[test]
fn processes_vanishing_during_the_scan_are_skipped_silently() {
    // processes and namespaces come and go as fast as a shell can make
    // them, while lsns-rs lists them 200 times in several modes
    let body = r#"
( while :; do
    for i in 1 2 3 4 5 6 7 8; do sleep 0.05 & done
    unshare -u -i true & unshare -n true &
    sleep 0.002 & kill $! 2>/dev/null
    bash -c 'exit 0' &
    wait
  done ) &
CHURN=$!
fails=0
for i in $(seq 200); do
  case $((i % 5)) in
    0) args="" ;;
    1) args="-J --output-all" ;;
    2) args="-T -o +PNS,ONS,NETNSID,NSFS,PATH,PPID,UID" ;;
    3) args="-t net -t uts -o +NETNSID" ;;
    4) args="-Tparent -r" ;;
  esac
  "$OURS" $args > /dev/null 2> "$OUT/err.$i"; rc=$?
  if [ $rc -ne 0 ] || [ -s "$OUT/err.$i" ]; then fails=$((fails+1)); echo "run $i ($args): rc=$rc $(cat "$OUT/err.$i")"; fi
done
kill $CHURN
echo "fails=$fails"
"#;
    let Some(run) = in_state(&[], body) else { return };
    assert!(run.body.stdout.contains("fails=0\n"), "{}\n{}", run.body.stdout, run.body.stderr);
}

#[test]
fn empty_results_print_nothing() {
    if !require_root() {
        return;
    }
    let lsns = || nsutils_tests::ul_named("lsns");
    lsns().args(["-p", "4000000"]).run().success().no_stdout().no_stderr();
    lsns().args(["-p", "4000000", "-r"]).run().success().no_stdout();
    lsns().args(["-J", "-p", "4000000"]).run().success().stdout_is("{\n   \"namespaces\": [\n\n   ]\n}\n");
    lsns().args(["-Q", "false"]).run().success().no_stdout().no_stderr();
}

#[test]
fn help_lists_every_option() {
    let out = nsutils_tests::tool("lsns-rs").arg("--help").run();
    out.success();
    for opt in [
        "-J, --json",
        "-l, --list",
        "-n, --noheadings",
        "-o, --output <list>",
        "--output-all",
        "-P, --persistent",
        "-p, --task <pid>",
        "-Q, --filter <expr>",
        "-r, --raw",
        "-u, --notruncate",
        "-W, --nowrap",
        "-t, --type <name>",
        "-T, --tree[=<rel>]",
        "-H, --list-columns",
    ] {
        assert!(out.stdout.contains(opt), "{opt} missing:\n{}", out.stdout);
    }
}
