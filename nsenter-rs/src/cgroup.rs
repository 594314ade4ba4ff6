//! Where the target's cgroup v2 is, for `--join-cgroup`.
//!
//! util-linux looks only at `/sys/fs/cgroup` and refuses unless it is a
//! cgroup2 file system. nsutils finds the cgroup2 (unified) hierarchy
//! wherever it is mounted — `/sys/fs/cgroup` on a pure v2 system,
//! `/sys/fs/cgroup/unified` on a hybrid one — from `/proc/self/mountinfo`,
//! and the target's place in it from the `0::PATH` line of
//! `/proc/PID/cgroup`. Joining moves us in that hierarchy only; on a hybrid
//! system the v1 controller hierarchies are left as they are.
//!
//! Both files show cgroup paths relative to the reader's cgroup namespace,
//! so the target's path is resolved against the mount's root (field 4 of
//! mountinfo), which is relative to the same namespace.

use std::path::PathBuf;

use nsutils_common::{mountinfo, Error};

/// The message util-linux prints when there is no cgroup v2 to join.
pub const ONLY_V2: &str = "--join-cgroup is only supported in cgroup v2";

/// A cgroup2 mount: the cgroup path it shows at its mount point, and that
/// mount point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// The cgroup directory mounted there (`/` for the whole hierarchy).
    pub root: String,
    /// Where it is mounted.
    pub point: PathBuf,
}

/// Every cgroup2 mount in `/proc/self/mountinfo` text, in order.
pub fn cgroup2_mounts(info: &str) -> Vec<Mount> {
    let text = |f: &[u8]| String::from_utf8_lossy(&mountinfo::unescape(f)).into_owned();
    info.lines()
        .filter_map(|line| mountinfo::parse_line(line.as_bytes()))
        .filter(|m| m.fstype == b"cgroup2")
        .map(|m| Mount { root: text(m.root), point: PathBuf::from(text(m.mount_point)) })
        .collect()
}

/// The v2 path of `/proc/PID/cgroup` text (the `0::PATH` line).
pub fn v2_path(proc_cgroup: &str) -> Option<String> {
    proc_cgroup.lines().find_map(|l| l.strip_prefix("0::")).map(str::to_string)
}

/// The `cgroup.procs` file to write to join the cgroup `path`, through the
/// first cgroup2 mount that shows it.
pub fn procs_file(mounts: &[Mount], path: &str) -> Result<PathBuf, Error> {
    if mounts.is_empty() {
        return Err(
            Error::msg(ONLY_V2).with_hint(Some("no cgroup2 file system is mounted (see /proc/self/mountinfo)".into()))
        );
    }
    for m in mounts {
        let root = m.root.trim_end_matches('/');
        let rel = if root.is_empty() {
            Some(path)
        } else if path == root {
            Some("")
        } else {
            path.strip_prefix(root).filter(|r| r.starts_with('/'))
        };
        if let Some(rel) = rel {
            let mut file = m.point.clone();
            file.push(rel.trim_start_matches('/'));
            file.push("cgroup.procs");
            return Ok(file);
        }
    }
    Err(Error::msg(format!("cannot join cgroup {path}: it is not below any cgroup2 mount")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID: &str = "\
25 1 0:23 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755
31 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";

    #[test]
    fn finds_the_unified_hierarchy_of_a_hybrid_system() {
        let m = cgroup2_mounts(HYBRID);
        assert_eq!(m, vec![Mount { root: "/".into(), point: "/sys/fs/cgroup/unified".into() }]);
        let f = procs_file(&m, "/box/a").unwrap();
        assert_eq!(f, PathBuf::from("/sys/fs/cgroup/unified/box/a/cgroup.procs"));
        assert_eq!(procs_file(&m, "/").unwrap(), PathBuf::from("/sys/fs/cgroup/unified/cgroup.procs"));
    }

    #[test]
    fn a_mount_of_a_sub_tree_and_escapes() {
        let info = "50 1 0:40 /box /mnt/my\\040cg rw - cgroup2 none rw\n";
        let m = cgroup2_mounts(info);
        assert_eq!(m[0].point, PathBuf::from("/mnt/my cg"));
        assert_eq!(procs_file(&m, "/box/x").unwrap(), PathBuf::from("/mnt/my cg/x/cgroup.procs"));
        assert_eq!(procs_file(&m, "/box").unwrap(), PathBuf::from("/mnt/my cg/cgroup.procs"));
        let e = procs_file(&m, "/boxer").unwrap_err();
        assert!(e.message().contains("not below any cgroup2 mount"), "{}", e.message());
    }

    #[test]
    fn no_cgroup2_is_the_util_linux_error_with_a_hint() {
        let e = procs_file(&cgroup2_mounts("25 1 0:23 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"), "/").unwrap_err();
        assert_eq!(e.message(), ONLY_V2);
        assert!(e.hint().unwrap().contains("no cgroup2"));
    }

    #[test]
    fn v2_line() {
        assert_eq!(v2_path("4:memory:/x\n0::/a/b\n").as_deref(), Some("/a/b"));
        assert_eq!(v2_path("4:memory:/x\n"), None);
    }
}
