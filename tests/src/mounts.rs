//! The mount table of another process's mount namespace, for leftover
//! checks that run their commands in a private mount namespace (a
//! [`crate::Sandbox`] with `-m`): mounts that anything else on the machine
//! makes meanwhile (`ip netns add`, a container runtime, another suite) do
//! not reach it, so only what the commands could have left shows.

use std::collections::BTreeMap;

/// `mount point, fs type, source` → how many such mounts, as seen by `pid`
/// (`/proc/PID/mountinfo`); the key has [`crate::mount_table`]'s shape.
pub fn mount_table_of(pid: u32) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    let info = std::fs::read_to_string(format!("/proc/{pid}/mountinfo"))
        .unwrap_or_else(|e| panic!("cannot read /proc/{pid}/mountinfo: {e}"));
    for l in info.lines() {
        let f: Vec<&str> = l.split(' ').collect();
        let Some(sep) = f.iter().position(|&x| x == "-") else { continue };
        let key = format!("{} {} {}", f[4], f.get(sep + 1).unwrap_or(&""), f.get(sep + 2).unwrap_or(&""));
        *m.entry(key).or_default() += 1;
    }
    m
}
