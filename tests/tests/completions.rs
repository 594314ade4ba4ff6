//! The shell completions complete values: every value kind of the option
//! tables (`common::cli::Values`) in a real bash (with and without the
//! bash-completion framework), zsh (compsys on a pseudo-terminal) and fish,
//! live values (PIDs, IPC objects, bind-mounted namespaces) from the
//! shell's own namespaces, the program after unshare's and nsenter's
//! options completed as itself, and the util-linux names' files. And the
//! word lists offered are the ones the parsers accept.

use nsutils_common::ns::NsType;
use nsutils_tests::shells::{self, bash_completion_framework, have_shell, Completions, With};
use nsutils_tests::{is_root, require_root, skip, specs, tool, NetnsGuard, Sandbox, Sleeper, TempDir, TOOLS};

fn set(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

fn ns_types() -> Vec<String> {
    set(&NsType::ALL.map(NsType::name))
}

/// The column names lsns-rs lists with `-H`.
fn lsns_columns() -> Vec<String> {
    let out = tool("lsns-rs").args(["-H", "-r", "-n"]).run();
    out.success();
    out.stdout.lines().map(|l| l.split(' ').next().unwrap().to_string()).collect()
}

/// bash, without and (when installed) with the bash-completion framework:
/// both must offer the same.
fn bash_both(c: &Completions, line: &str, with: With) -> Vec<String> {
    let plain = shells::bash(c, line, With { framework: false, ..with });
    if bash_completion_framework().is_some() {
        let framed = shells::bash(c, line, With { framework: true, ..with });
        assert_eq!(sorted(framed), sorted(plain.clone()), "{line}: with bash-completion loaded");
    }
    plain
}

/// bash, without and (when installed) with the framework, each offer
/// containing `want` (live values: other processes come and go).
fn bash_has(c: &Completions, line: &str, want: &str) {
    let mut frameworks = vec![false];
    if bash_completion_framework().is_some() {
        frameworks.push(true);
    }
    for framework in frameworks {
        let got = shells::bash(c, line, With { framework, ..With::default() });
        assert!(got.iter().any(|g| g == want), "{line} (bash-completion: {framework}): {want} not in {got:?}");
    }
}

/// The fixed lists: namespace types, columns (`+` and comma lists, any
/// case), propagation, setgroups, tree, ipcrm's kinds, signal names, words
/// beside IDs; with values attached (`-tnet`, `--type=net`, `-o+NS`),
/// abbreviated long options and the next word.
#[test]
fn bash_completes_the_fixed_values() {
    let c = Completions::generate();
    let b = |line: &str| sorted(bash_both(&c, line, With::default()));
    let cols = lsns_columns();
    assert_eq!(cols.len(), 13, "{cols:?}");

    assert_eq!(b("lsns-rs -t "), ns_types());
    assert_eq!(b("lsns-rs --type=ne"), set(&["net"]));
    assert_eq!(b("lsns-rs --ty ti"), set(&["time"]));
    assert_eq!(b("lsns-rs -tu"), set(&["-tuser", "-tuts"]));
    assert_eq!(b("lsns-rs -o "), sorted(cols.clone()));
    assert_eq!(b("lsns-rs -o +NS,TY"), set(&["+NS,TYPE"]));
    assert_eq!(b("lsns-rs -o+NS,TY"), set(&["-o+NS,TYPE"]));
    // any case, and no name twice
    assert_eq!(b("lsns-rs -o ns,ty"), set(&["ns,TYPE"]));
    let rest = b("lsns-rs --output=NS,");
    assert_eq!(rest.len(), cols.len() - 1, "{rest:?}");
    assert!(rest.contains(&"NS,TYPE".to_string()) && !rest.contains(&"NS,NS".to_string()), "{rest:?}");
    assert_eq!(b("lsns-rs -o +NS,TYPE,PID,p"), set(&["+NS,TYPE,PID,PATH", "+NS,TYPE,PID,PPID", "+NS,TYPE,PID,PNS"]));
    assert_eq!(b("lsns-rs --tree="), set(&["owner", "parent", "process"]));
    assert_eq!(b("lsns-rs -Tp"), set(&["-Tparent", "-Tprocess"]));

    assert_eq!(b("unshare-rs --propagation "), set(&["private", "shared", "slave", "unchanged"]));
    assert_eq!(b("unshare-rs --prop=sh"), set(&["shared"]));
    assert_eq!(b("unshare-rs --setgroups="), set(&["allow", "deny"]));
    assert_eq!(b("unshare-rs --kill-child=ki"), set(&["KILL"]));
    assert_eq!(b("unshare-rs --kill-child=sigte"), set(&["SIGTERM"]));
    assert_eq!(b("unshare-rs --kill-child=US"), set(&["USR1", "USR2"]));
    assert_eq!(b("ipcrm-rs --all=p"), set(&["pmsg", "pshm", "psem"]));
    assert_eq!(b("ipcrm-rs -as"), set(&["-ashm", "-asem"]));
    assert_eq!(b("nsenter-rs -S f"), set(&["follow"]));
    assert!(b("nsenter-rs --setgid ").contains(&"follow".to_string()));

    // options: every visible long one, hidden ones not
    assert_eq!(b("lsns-rs --no"), set(&["--noheadings", "--notruncate", "--nowrap"]));
    assert_eq!(b("ipcs-rs --h"), set(&["--help", "--human"]));
    // free text offers nothing, not file names
    assert_eq!(b("ipcmk-rs -M "), Vec::<String>::new());
    assert_eq!(b("unshare-rs --monotonic="), Vec::<String>::new());
}

/// Users, groups and numeric IDs; files, directories and namespace files.
#[test]
fn bash_completes_ids_and_files() {
    let c = Completions::generate();
    let b = |line: &str| sorted(bash_both(&c, line, With::default()));
    assert!(b("unshare-rs --map-user=ro").contains(&"root".to_string()));
    assert!(b("unshare-rs --map-group ro").contains(&"root".to_string()));
    // -S/-G take numbers only
    assert_eq!(b("unshare-rs -S 6553"), set(&["65534"]));
    assert!(b("unshare-rs -G ").contains(&"0".to_string()));
    assert!(!b("unshare-rs -S ").contains(&"root".to_string()));

    let tmp = TempDir::new("cfiles");
    tmp.touch("persist");
    std::fs::create_dir(tmp.join("dir")).unwrap();
    let p = tmp.path().display().to_string();
    assert_eq!(b(&format!("unshare-rs --net={p}/pe")), set(&[&format!("{p}/persist")]));
    // directories only
    assert_eq!(b(&format!("unshare-rs -w {p}/")), set(&[&format!("{p}/dir")]));
    assert_eq!(b(&format!("nsenter-rs --root={p}/")), set(&[&format!("{p}/dir")]));
    // nsenter's -n takes an attached file
    assert_eq!(b(&format!("nsenter-rs -n{p}/pe")), set(&[&format!("-n{p}/persist")]));
}

/// Namespace files: the bind-mounted namespaces of the option's type
/// (as mountinfo escapes them, a space in a name included), then files.
#[test]
fn bash_completes_bound_namespace_files() {
    if !require_root() {
        return;
    }
    let c = Completions::generate();
    let netns = NetnsGuard::add("cns");
    let bound = netns.path().display().to_string();
    // the host's /run/netns is shared with other tests, which add and
    // remove namespaces there: look for ours, not for a fixed list
    bash_has(&c, "nsenter-rs --net=/", &bound);
    for framework in [false, bash_completion_framework().is_some()] {
        let got = shells::bash(&c, "nsenter-rs --mount /", With { framework, ..With::default() });
        assert!(!got.contains(&bound), "a net namespace offered for --mount: {got:?}");
    }

    // in a private mount namespace: a UTS namespace bound to a file whose
    // name has a space
    let sandbox = Sandbox::new(&["-m"]);
    let tmp = TempDir::new("cnsf");
    let file = tmp.join("uts ns");
    let out = sandbox.sh(&format!("touch '{0}' && unshare --uts='{0}' true", file.display()));
    out.success();
    let got = bash_both(&c, "nsenter-rs --uts=/", With { sandbox: Some(&sandbox), ..With::default() });
    assert!(got.contains(&file.display().to_string()), "{got:?}");
}

/// Live PIDs (nsenter -t, lsns -p) and namespace inodes (lsns' operand).
#[test]
fn bash_completes_pids_and_namespaces() {
    let c = Completions::generate();
    let sleeper = Sleeper::start(nsutils_tests::Cmd::new("sleep").arg("60"));
    let pid = sleeper.pid().to_string();
    bash_has(&c, &format!("nsenter-rs -t {pid}"), &pid);
    let got = shells::bash(&c, &format!("nsenter-rs -t {pid}"), With::default());
    assert!(got.iter().all(|p| p.starts_with(&pid) && p.bytes().all(|b| b.is_ascii_digit())), "{got:?}");
    bash_has(&c, &format!("lsns-rs -p{pid}"), &format!("-p{pid}"));
    bash_has(&c, &format!("lsns-rs --task={pid}"), &pid);
    // lsns' operand: the namespaces of live processes
    let inode = nsutils_tests::ns_link(std::process::id(), "uts");
    let inode = inode.trim_start_matches("uts:[").trim_end_matches(']');
    bash_has(&c, &format!("lsns-rs -l {}", &inode[..6]), inode);
}

/// Make a message queue, a segment and a semaphore set (keyed), and POSIX
/// objects, in a private IPC and mount namespace; returns what ipcs-rs
/// says of the System V ones: (ids, keys) per kind. The namespace gets a
/// /dev of its own (a tmpfs with the host's devices bound in) with its own
/// /dev/shm and /dev/mqueue (which this machine may lack) and its own
/// pseudo-terminals (for zsh's zpty): nothing made
/// there is seen outside, and everything goes with the namespace.
fn ipc_objects(sandbox: &Sandbox, tmp: &TempDir) -> Vec<(char, Vec<String>, Vec<String>)> {
    std::fs::create_dir(tmp.join("dev")).unwrap();
    let out = sandbox.sh(&format!(
        "set -e; export PATH='{}':$PATH; T='{}'; mount --rbind /dev \"$T/dev\"; mount -t tmpfs tmpfs /dev; \
         for n in null zero full random urandom tty; do touch /dev/$n; mount --bind \"$T/dev/$n\" /dev/$n; done; \
         mkdir /dev/pts /dev/shm /dev/mqueue; ln -s /proc/self/fd /dev/fd; \
         mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts; ln -s pts/ptmx /dev/ptmx; \
         mount -t tmpfs tmpfs /dev/shm; mount -t mqueue mqueue /dev/mqueue; \
         for k in 1 2; do ipcmk-rs -Q >/dev/null; ipcmk-rs -M 4096 >/dev/null; ipcmk-rs -S 1 >/dev/null; done; \
         ipcmk-rs -q -n /nsutq >/dev/null; ipcmk-rs -m 4096 -n /nsutm >/dev/null; ipcmk-rs -s -n /nsuts >/dev/null",
        nsutils_tests::bin_dir().display(),
        tmp.path().display()
    ));
    out.success();
    let mut kinds = Vec::new();
    for kind in ['q', 'm', 's'] {
        let listed = sandbox.wrap(tool("ipcs-rs").arg(format!("-{kind}"))).run();
        listed.success();
        let rows: Vec<Vec<String>> = listed
            .stdout
            .lines()
            .filter(|l| l.starts_with("0x"))
            .map(|l| l.split_whitespace().map(String::from).collect())
            .collect();
        assert_eq!(rows.len(), 2, "{}", listed.stdout);
        kinds.push((kind, rows.iter().map(|r| r[1].clone()).collect(), rows.iter().map(|r| r[0].clone()).collect()));
    }
    kinds
}

/// ipcrm's and ipcs' live IDs and keys, and POSIX names, in the shell's
/// own (private) IPC namespace: exactly what ipcs-rs lists there.
#[test]
fn bash_completes_live_ipc_objects() {
    if !require_root() {
        return;
    }
    let c = Completions::generate();
    let tmp = TempDir::new("cipc");
    let sandbox = Sandbox::new(&["-i", "-m"]);
    let objects = ipc_objects(&sandbox, &tmp);
    let with = With { sandbox: Some(&sandbox), ..With::default() };
    let b = |line: &str| sorted(bash_both(&c, line, with));
    let mut all_ids = Vec::new();
    for (kind, ids, keys) in &objects {
        let upper = kind.to_ascii_uppercase();
        assert_eq!(b(&format!("ipcrm-rs -{kind} ")), sorted(ids.clone()), "-{kind}");
        assert_eq!(b(&format!("ipcrm-rs -{upper} ")), sorted(keys.clone()), "-{upper}");
        assert_eq!(
            b(&format!("ipcrm-rs -v -{upper}0x")),
            sorted(keys.iter().map(|k| format!("-{upper}{k}")).collect())
        );
        all_ids.extend(ids.clone());
    }
    all_ids.sort();
    all_ids.dedup();
    assert_eq!(b("ipcs-rs -q -i "), all_ids);
    assert_eq!(b("ipcrm-rs --queue-key="), sorted(objects[0].2.clone()));
    assert_eq!(b("ipcrm-rs --posix-mqueue "), set(&["/nsutq"]));
    assert_eq!(b("ipcrm-rs --posix-shmem "), set(&["/nsutm"]));
    assert_eq!(b("ipcrm-rs --posix-semaphore="), set(&["/nsuts"]));
    // outside, the objects are not there (the shell's namespace decides)
    let outside = shells::bash(&c, "ipcrm-rs --posix-mqueue /nsut", With::default());
    assert!(outside.is_empty(), "{outside:?}");
}

/// After unshare's and nsenter's options, the program: command names, then
/// the program's own completion (options included), not ours; values of
/// options taking the next word are not the program.
#[test]
fn bash_completes_the_program_and_its_arguments() {
    let c = Completions::generate();
    let setup = "nsutcmd() { :; }; complete -W 'alpha beta --gamma' nsutcmd";
    let plain = With { setup, ..With::default() };
    let b = |line: &str| sorted(shells::bash(&c, line, plain));
    assert!(b("unshare-rs -f nsutc").contains(&"nsutcmd".to_string()));
    assert!(b("unshare-rs -S 0 nsutc").contains(&"nsutcmd".to_string()));
    assert!(b("nsenter-rs -t 1 --wd=/ -- nsutc").contains(&"nsutcmd".to_string()));
    assert!(b("unshare-rs --propagation slave -- nsutc").contains(&"nsutcmd".to_string()));
    // -S takes the next word: it is no program
    assert_eq!(b("unshare-rs -S 655"), set(&["65534"]));
    if bash_completion_framework().is_none() {
        skip("bash_completes_the_program_and_its_arguments", "bash-completion is not installed");
        return;
    }
    let framed = With { framework: true, setup, ..With::default() };
    let b = |line: &str| sorted(shells::bash(&c, line, framed));
    assert_eq!(b("unshare-rs -fn nsutcmd "), set(&["--gamma", "alpha", "beta"]));
    assert_eq!(b("unshare-rs -fn nsutcmd --"), set(&["--gamma"]));
    assert_eq!(b("nsenter-rs -t 1 -n -- nsutcmd a"), set(&["alpha"]));
    assert_eq!(b("nsenter-rs --target=1 --net nsutcmd alpha b"), set(&["beta"]));
    assert_eq!(b("unshare-rs --wd / -S 0 nsutcmd "), set(&["--gamma", "alpha", "beta"]));
}

/// The word lists offered are what the tools accept: each word of every
/// fixed list, given to its option, passes the parser (`-V` after it ends
/// the loop once the value is checked); a word not offered is refused.
#[test]
fn every_word_offered_is_accepted() {
    use nsutils_common::cli::{HasArg, Values};
    let mut checked = 0;
    for (name, table) in specs() {
        for o in table.all_opts() {
            let words: Vec<String> = match o.values {
                Values::Words(w) | Values::Also(w, _) => w.iter().map(|s| s.to_string()).collect(),
                Values::NsTypes => NsType::ALL.map(|t| t.name().to_string()).to_vec(),
                Values::Signals => nsutils_common::signals::NAMES.iter().map(|(n, _)| n.to_string()).collect(),
                _ => continue,
            };
            let long = o.long.expect("a long name");
            assert_ne!(o.arg, HasArg::No, "{name} --{long}: values for a flag");
            for w in words.iter().map(String::as_str).chain(["nsutils-bogus"]) {
                let out = tool(name).arg(format!("--{long}={w}")).arg("-V").run();
                if w == "nsutils-bogus" {
                    assert_eq!(out.code, Some(1), "{name} --{long}={w} accepted: {}", out.stderr);
                } else {
                    out.success();
                    checked += 1;
                }
            }
            // a "a|b" value name in --help names exactly the words offered
            if !o.value_name.contains('<') && o.value_name.contains('|') {
                assert_eq!(o.value_name.split('|').collect::<Vec<_>>(), words, "{name} --{long}");
            }
        }
    }
    // lsns' columns: each name, in either case, is a column lsns-rs shows
    for (i, col) in lsns_columns().into_iter().enumerate() {
        let word = if i % 2 == 0 { col.to_lowercase() } else { col.clone() };
        let out = tool("lsns-rs").args(["-n", "-r", "-t", "uts", "-o"]).arg(&word).run();
        out.success();
        checked += 1;
    }
    assert!(checked > 60, "{checked}");
}

/// Live System V ids and keys and POSIX names, made in a private IPC
/// namespace, completed by `complete` (one shell's driver) for ipcrm-rs.
fn completes_live_ipc(test: &str, c: &Completions, complete: fn(&Completions, &str, With) -> Vec<String>) {
    if !is_root() {
        skip(test, "the IPC cases need root (a private IPC namespace)");
        return;
    }
    let tmp = TempDir::new("cipc");
    let sandbox = Sandbox::new(&["-i", "-m"]);
    let objects = ipc_objects(&sandbox, &tmp);
    let with = With { sandbox: Some(&sandbox), ..With::default() };
    for (kind, ids, keys) in &objects {
        let upper = kind.to_ascii_uppercase();
        assert_eq!(sorted(complete(c, &format!("ipcrm-rs -{kind} "), with)), sorted(ids.clone()));
        assert_eq!(sorted(complete(c, &format!("ipcrm-rs -{upper} "), with)), sorted(keys.clone()));
    }
    assert_eq!(complete(c, "ipcrm-rs --posix-mqueue ", with), set(&["/nsutq"]));
}

#[test]
fn zsh_completes_values_and_the_program() {
    let test = "zsh_completes_values_and_the_program";
    if !have_shell(test, "zsh") {
        return;
    }
    let c = Completions::generate();
    let z = |line: &str| sorted(shells::zsh(&c, line, With::default()));
    assert_eq!(z("lsns-rs -t "), ns_types());
    assert_eq!(z("lsns-rs --type=c"), set(&["cgroup"]));
    assert_eq!(z("lsns-rs -o +NS,TY"), set(&["TYPE"]));
    let rest = z("lsns-rs --output=ns,");
    assert_eq!(rest.len(), 12, "{rest:?}");
    assert!(!rest.contains(&"NS".to_string()));
    assert_eq!(z("lsns-rs -T"), set(&["owner", "parent", "process"]));
    assert_eq!(z("unshare-rs --propagation "), set(&["private", "shared", "slave", "unchanged"]));
    assert_eq!(z("unshare-rs --setgroups="), set(&["allow", "deny"]));
    assert_eq!(z("unshare-rs --kill-child=sigte"), set(&["TERM"]));
    assert_eq!(z("unshare-rs -S 6553"), set(&["65534"]));
    assert!(z("unshare-rs --map-user=ro").contains(&"root".to_string()));
    assert!(z("nsenter-rs -S ").contains(&"follow".to_string()));
    assert_eq!(z("ipcrm-rs --all=p"), set(&["pmsg", "pshm", "psem"]));
    let sleeper = Sleeper::start(nsutils_tests::Cmd::new("sleep").arg("60"));
    let pid = sleeper.pid().to_string();
    assert!(z(&format!("nsenter-rs -t {pid}")).contains(&pid));
    // the program, and its own completion
    let setup = "nsutcmd() { :; }; _nsutcmd() { compadd alpha beta }; compdef _nsutcmd nsutcmd";
    let zp = |line: &str| sorted(shells::zsh(&c, line, With { setup, ..With::default() }));
    assert!(zp("unshare-rs -f nsutc").contains(&"nsutcmd".to_string()));
    assert_eq!(zp("unshare-rs -fn nsutcmd "), set(&["alpha", "beta"]));
    assert_eq!(zp("nsenter-rs -t 1 -n -- nsutcmd a"), set(&["alpha"]));
    completes_live_ipc(test, &c, shells::zsh);
}

#[test]
fn fish_completes_values_and_the_program() {
    let test = "fish_completes_values_and_the_program";
    if !have_shell(test, "fish") {
        return;
    }
    let c = Completions::generate();
    let f = |line: &str| sorted(shells::fish(&c, line, With::default()));
    assert_eq!(f("lsns-rs -t "), ns_types());
    assert_eq!(f("lsns-rs --type=c"), set(&["--type=cgroup"]));
    assert_eq!(f("lsns-rs -o +NS,TY"), set(&["+NS,TYPE"]));
    let rest = f("lsns-rs --output=NS,");
    assert_eq!(rest.len(), 12, "{rest:?}");
    assert!(!rest.contains(&"--output=NS,NS".to_string()));
    assert_eq!(f("unshare-rs --propagation "), set(&["private", "shared", "slave", "unchanged"]));
    assert_eq!(f("unshare-rs --setgroups="), set(&["--setgroups=allow", "--setgroups=deny"]));
    assert_eq!(f("unshare-rs --kill-child=SIGTE"), set(&["--kill-child=SIGTERM"]));
    // in the case typed (fish would otherwise replace the whole word)
    assert_eq!(f("unshare-rs --kill-child=te"), set(&["--kill-child=term"]));
    assert_eq!(f("lsns-rs -o ns,ty"), set(&["ns,type"]));
    assert_eq!(f("unshare-rs -S 6553"), set(&["65534"]));
    assert!(f("nsenter-rs -S ").contains(&"follow".to_string()));
    assert_eq!(f("ipcrm-rs --all=p"), set(&["--all=pmsg", "--all=pshm", "--all=psem"]));
    let sleeper = Sleeper::start(nsutils_tests::Cmd::new("sleep").arg("60"));
    let pid = sleeper.pid().to_string();
    assert!(f(&format!("nsenter-rs -t {pid}")).contains(&pid));
    let setup = "function nsutcmd; end; complete -c nsutcmd -f -a 'alpha beta'";
    let fp = |line: &str| sorted(shells::fish(&c, line, With { setup, ..With::default() }));
    assert!(fp("unshare-rs -f nsutc").contains(&"nsutcmd".to_string()));
    assert_eq!(fp("unshare-rs -fn nsutcmd "), set(&["alpha", "beta"]));
    assert_eq!(fp("nsenter-rs -t 1 -n -- nsutcmd a"), set(&["alpha"]));
    assert_eq!(fp("unshare-rs -S 0 nsutcmd b"), set(&["beta"]));
    completes_live_ipc(test, &c, shells::fish);
}

/// `make install UTIL_LINUX_NAMES=1`: `unshare` … complete as
/// `unshare-rs` … in all three shells, found by name in the installed tree
/// before the system's own (util-linux's bash completions, zsh's _unshare).
#[test]
fn util_linux_names_complete_as_the_tools() {
    let test = "util_linux_names_complete_as_the_tools";
    if bash_completion_framework().is_none() {
        skip(test, "bash-completion is not installed");
        return;
    }
    let c = Completions::generate();
    let dest = TempDir::new("culn");
    let bins = nsutils_tests::tool_path("lsns-rs").parent().unwrap().to_path_buf();
    nsutils_tests::Cmd::new("make")
        .arg("-s")
        .arg("-C")
        .arg(nsutils_tests::oci::project_root())
        .args(["install", "PREFIX=/usr", "UTIL_LINUX_NAMES=1"])
        .arg(format!("DESTDIR={}", dest.path().display()))
        .arg(format!("BINSRC={}", bins.display()))
        .arg("GEN=true")
        .arg(format!("COMPL={}", c.path().display()))
        .run()
        .success();
    let share = dest.join("usr/share");
    let with = With { installed: Some(&share), ..With::default() };
    for (_, ul) in TOOLS {
        assert_eq!(shells::bash(&c, &format!("{ul} --he"), with), vec!["--help".to_string()], "{ul}");
    }
    // what util-linux's own completion does not offer
    assert_eq!(sorted(shells::bash(&c, "lsns -t ", with)), ns_types());
    assert_eq!(shells::bash(&c, "unshare --kill-child=sigk", with), vec!["SIGKILL".to_string()]);
    assert_eq!(shells::bash(&c, "nsenter -S fol", with), vec!["follow".to_string()]);
    if have_shell(test, "zsh") {
        assert_eq!(sorted(shells::zsh(&c, "unshare --setgroups=", with)), set(&["allow", "deny"]));
        assert_eq!(sorted(shells::zsh(&c, "lsns -T", with)), set(&["owner", "parent", "process"]));
    }
    if have_shell(test, "fish") {
        assert_eq!(sorted(shells::fish(&c, "lsns -t ", with)), ns_types());
        assert_eq!(
            sorted(shells::fish(&c, "unshare --setgroups=", with)),
            set(&["--setgroups=allow", "--setgroups=deny"])
        );
    }
}
