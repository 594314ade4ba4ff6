//! What processes and mounts look like now: for finding what a test left
//! behind ([`processes_with_env`], [`zombies`], [`mount_table`]) and for
//! following the processes it made ([`children_of`], [`comm_of`],
//! [`proc_state`], [`ns_link`]).

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::is_foreign;

/// The namespace link text of `pid` (`net:[4026531833]`).
pub fn ns_link(pid: u32, ns: &str) -> String {
    std::fs::read_link(format!("/proc/{pid}/ns/{ns}")).map(|p| p.display().to_string()).unwrap_or_default()
}

/// The pids of the direct children of `pid` (from /proc/PID/task/*/children).
pub fn children_of(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// The command name of `pid` (`/proc/PID/comm`), "" once it is gone.
pub fn comm_of(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default().trim().to_string()
}

/// The state letter of `pid` from `/proc/PID/stat` (`R`, `S`, `T`, `Z`…),
/// `None` once it is gone.
pub fn proc_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // the command name may hold ") ": the state follows the last one
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

/// Every process (pid) whose environment holds `NAME=value` — how a test
/// finds what its commands left running, wherever it was reparented.
/// Zombies have no environment left; see [`zombies`].
pub fn processes_with_env(name: &str, value: &str) -> Vec<u32> {
    let needle = format!("{name}={value}");
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        if let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) {
            if env.split(|&b| b == 0).any(|v| v == needle.as_bytes()) {
                found.push(pid);
            }
        }
    }
    found
}

/// Zombie processes as `(pid, parent pid, command name)`.
pub fn zombies() -> Vec<(u32, u32, String)> {
    let mut found = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let mut rest = stat[close + 1..].split_whitespace();
        if rest.next() == Some("Z") {
            let ppid = rest.next().and_then(|p| p.parse().ok()).unwrap_or(0);
            found.push((pid, ppid, stat[open + 1..close].to_string()));
        }
    }
    found
}

/// The mount points of our mount namespace, in mountinfo order, their
/// octal escapes (`\040` for a space) undone.
pub fn mount_points() -> Vec<PathBuf> {
    use nsutils_common::mountinfo;
    let info = std::fs::read("/proc/self/mountinfo").unwrap_or_default();
    info.split(|&b| b == b'\n')
        .filter_map(mountinfo::parse_line)
        .map(|m| PathBuf::from(OsStr::from_bytes(&mountinfo::unescape(m.mount_point))))
        .collect()
}

/// Whether anything is mounted on `path` in our mount namespace.
pub fn is_mounted(path: &Path) -> bool {
    mount_points().iter().any(|p| p == path)
}

/// Our mount namespace's mounts as `mount point, type, source`, counted,
/// without those of other test processes ([`is_foreign`]): compare two
/// snapshots to see what a test left mounted.
pub fn mount_table() -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for l in std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default().lines() {
        let f: Vec<&str> = l.split(' ').collect();
        let Some(sep) = f.iter().position(|&x| x == "-") else { continue };
        let key = format!("{} {} {}", f[4], f.get(sep + 1).unwrap_or(&""), f.get(sep + 2).unwrap_or(&""));
        if !is_foreign(&key) {
            *m.entry(key).or_default() += 1;
        }
    }
    m
}
