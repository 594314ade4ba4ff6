//! Where the target's cgroup v2 is, for `--join-cgroup`.
//!
//! util-linux looks only at `/sys/fs/cgroup` and refuses unless it is a
//! cgroup2 file system. nsutils finds the cgroup2 (unified) hierarchy
//! wherever it is mounted — `/sys/fs/cgroup` on a pure v2 system,
//! `/sys/fs/cgroup/unified` on a hybrid one — from `/proc/self/mountinfo`,
//! and the target's place in it from the `0::PATH` line of
//! `/proc/PID/cgroup`.
//!
//! Joining writes our PID to one `cgroup.procs`, which moves us in the
//! unified hierarchy only. On a hybrid system the target is in v1
//! hierarchies too (`N:controllers:PATH` lines); we can join only when it
//! is in the same v1 cgroups as we are, so that the move makes the whole
//! of its membership ours. Otherwise the join would be partial, and we
//! refuse with util-linux's message rather than report one that did not
//! happen.
//!
//! Both files show cgroup paths relative to the reader's cgroup namespace,
//! so the target's path is resolved against the mount's root (field 4 of
//! mountinfo), which is relative to the same namespace. Paths are bytes:
//! a cgroup's name need not be UTF-8.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use nsutils_common::{bytes, mountinfo, Error};

/// The message util-linux prints when there is no cgroup v2 to join.
pub const ONLY_V2: &str = "--join-cgroup is only supported in cgroup v2";

/// A cgroup2 mount: the cgroup path it shows at its mount point, and that
/// mount point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// The cgroup directory mounted there (`/` for the whole hierarchy).
    pub root: Vec<u8>,
    /// Where it is mounted.
    pub point: PathBuf,
}

/// Every cgroup2 mount in `/proc/self/mountinfo` text, in order.
pub fn cgroup2_mounts(info: &[u8]) -> Vec<Mount> {
    info.split(|&b| b == b'\n')
        .filter_map(mountinfo::parse_line)
        .filter(|m| m.fstype == b"cgroup2")
        .map(|m| Mount {
            root: mountinfo::unescape(m.root),
            point: PathBuf::from(OsStr::from_bytes(&mountinfo::unescape(m.mount_point))),
        })
        .collect()
}

/// The lines of `/proc/PID/cgroup` text (`cgroups(7)`): the v2 path (the
/// `0::PATH` line), and the v1 lines (`N:controllers:PATH`) as they are.
fn memberships(proc_cgroup: &[u8]) -> (Option<&[u8]>, Vec<&[u8]>) {
    let mut v2 = None;
    let mut v1 = Vec::new();
    for line in proc_cgroup.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        match line.strip_prefix(b"0::") {
            Some(path) => v2 = Some(path),
            None => v1.push(line),
        }
    }
    (v2, v1)
}

/// The `cgroup.procs` file to write to join the cgroup v2 of the target
/// whose `/proc/PID/cgroup` (read from `file`) says `target`, when ours
/// says `own`; `mounts` are the cgroup2 mounts.
pub fn join_file(target: &[u8], own: &[u8], mounts: &[Mount], file: &Path) -> Result<PathBuf, Error> {
    let (Some(path), target_v1) = memberships(target) else {
        let hint = format!("{} has no cgroup v2 (0::) entry", bytes::path(file));
        return Err(Error::msg(ONLY_V2).with_hint(Some(hint)));
    };
    let (_, own_v1) = memberships(own);
    if target_v1 != own_v1 {
        let hint = "this system has cgroup v1 hierarchies too, and the target is in other v1 cgroups \
                    than we are: joining its cgroup v2 would move us in the unified hierarchy only";
        return Err(Error::msg(ONLY_V2).with_hint(Some(hint.into())));
    }
    procs_file(mounts, path)
}

/// The `cgroup.procs` file to write to join the cgroup `path`, through the
/// first cgroup2 mount that shows it.
pub fn procs_file(mounts: &[Mount], path: &[u8]) -> Result<PathBuf, Error> {
    if mounts.is_empty() {
        return Err(
            Error::msg(ONLY_V2).with_hint(Some("no cgroup2 file system is mounted (see /proc/self/mountinfo)".into()))
        );
    }
    for m in mounts {
        let end = m.root.iter().rposition(|&b| b != b'/').map_or(0, |i| i + 1);
        let root = &m.root[..end];
        let rel = if root.is_empty() {
            Some(path)
        } else if path == root {
            Some(&b""[..])
        } else {
            path.strip_prefix(root).filter(|r| r.starts_with(b"/"))
        };
        if let Some(rel) = rel {
            let rel = rel.strip_prefix(b"/").unwrap_or(rel);
            let mut file = m.point.clone();
            file.push(OsStr::from_bytes(rel));
            file.push("cgroup.procs");
            return Ok(file);
        }
    }
    Err(Error::msg(format!("cannot join cgroup {}: it is not below any cgroup2 mount", bytes::Raw(path))))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYBRID: &[u8] = b"\
25 1 0:23 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755
31 25 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";

    #[test]
    fn finds_the_unified_hierarchy_of_a_hybrid_system() {
        let m = cgroup2_mounts(HYBRID);
        assert_eq!(m, vec![Mount { root: b"/".to_vec(), point: "/sys/fs/cgroup/unified".into() }]);
        let f = procs_file(&m, b"/box/a").unwrap();
        assert_eq!(f, PathBuf::from("/sys/fs/cgroup/unified/box/a/cgroup.procs"));
        assert_eq!(procs_file(&m, b"/").unwrap(), PathBuf::from("/sys/fs/cgroup/unified/cgroup.procs"));
    }

    #[test]
    fn a_mount_of_a_sub_tree_and_escapes() {
        let info = b"50 1 0:40 /box /mnt/my\\040cg rw - cgroup2 none rw\n";
        let m = cgroup2_mounts(info);
        assert_eq!(m[0].point, PathBuf::from("/mnt/my cg"));
        assert_eq!(procs_file(&m, b"/box/x").unwrap(), PathBuf::from("/mnt/my cg/x/cgroup.procs"));
        assert_eq!(procs_file(&m, b"/box").unwrap(), PathBuf::from("/mnt/my cg/cgroup.procs"));
        let e = procs_file(&m, b"/boxer").unwrap_err();
        assert!(e.message().contains("not below any cgroup2 mount"), "{}", e.message());
    }

    #[test]
    fn names_need_not_be_utf8() {
        let m = cgroup2_mounts(b"50 1 0:40 / /sys/fs/cgroup rw - cgroup2 none rw\n");
        let f = procs_file(&m, b"/b\xffx").unwrap();
        assert_eq!(f.as_os_str().as_bytes(), b"/sys/fs/cgroup/b\xffx/cgroup.procs");
        let e = procs_file(&cgroup2_mounts(b"50 1 0:40 /a /m rw - cgroup2 none rw\n"), b"/\xff").unwrap_err();
        assert_eq!(bytes::to_bytes(e.message()), &b"cannot join cgroup /\xff: it is not below any cgroup2 mount"[..]);
    }

    #[test]
    fn no_cgroup2_is_the_util_linux_error_with_a_hint() {
        let e = procs_file(&cgroup2_mounts(b"25 1 0:23 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"), b"/").unwrap_err();
        assert_eq!(e.message(), ONLY_V2);
        assert!(e.hint().unwrap().contains("no cgroup2"));
    }

    #[test]
    fn a_join_must_be_whole() {
        let m = cgroup2_mounts(HYBRID);
        let file = Path::new("/proc/7/cgroup");
        // pure v2: the v2 path is all there is
        assert_eq!(
            join_file(b"0::/a/b\n", b"0::/\n", &m, file).unwrap(),
            PathBuf::from("/sys/fs/cgroup/unified/a/b/cgroup.procs")
        );
        // hybrid, the same v1 cgroups as ours: moving in v2 is the whole join
        let ours = b"4:memory:/x\n1:name=systemd:/u\n0::/\n";
        let f = join_file(b"4:memory:/x\n1:name=systemd:/u\n0::/box\n", ours, &m, file).unwrap();
        assert_eq!(f, PathBuf::from("/sys/fs/cgroup/unified/box/cgroup.procs"));
        // hybrid, other v1 cgroups: refused as util-linux refuses
        let e = join_file(b"4:memory:/y\n1:name=systemd:/u\n0::/box\n", ours, &m, file).unwrap_err();
        assert_eq!(e.message(), ONLY_V2);
        assert!(e.hint().unwrap().contains("other v1 cgroups"), "{:?}", e.hint());
        // no v2 line at all
        let e = join_file(b"4:memory:/x\n", b"4:memory:/x\n", &m, file).unwrap_err();
        assert_eq!(e.message(), ONLY_V2);
        assert!(e.hint().unwrap().contains("/proc/7/cgroup has no cgroup v2"), "{:?}", e.hint());
    }
}
