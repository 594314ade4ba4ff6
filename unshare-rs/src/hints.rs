//! One line of advice for the failures specific to unshare: ID map
//! writes, persistence bind mounts, proc and binfmt_misc mounts. (Failures
//! of `unshare(2)` itself get their advice from `nsutils_common::hints`.)

use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use nsutils_common::bytes;
use nsutils_common::ns::NsType;

use crate::options::Plan;

/// Writing `/proc/…/uid_map` or `gid_map` failed.
pub fn map_write(errno: Option<i32>) -> Option<String> {
    match errno? {
        libc::EPERM | libc::EACCES => Some(
            "without CAP_SETUID/CAP_SETGID only your own uid and gid can be mapped, and only if they are \
             mapped in the current user namespace; use --map-users/--map-groups (newuidmap) or run as root"
                .into(),
        ),
        libc::EINVAL => Some("the map has overlapping or out-of-range IDs".into()),
        _ => None,
    }
}

/// `setgroups(2)` failed before `--setgid` (or for `--owner`).
pub fn setgroups(e: &io::Error) -> Option<String> {
    if e.raw_os_error() != Some(libc::EPERM) {
        return None;
    }
    // denied by the user namespace we made, or simply not privileged (no
    // user namespace at all): the advice differs
    let denied = std::fs::read_to_string("/proc/self/setgroups").is_ok_and(|s| s.trim() == "deny");
    Some(if denied {
        "setgroups(2) is denied in this user namespace (-r, -c and --map-group deny it): \
         drop --setgid, or map groups with --map-groups"
            .into()
    } else {
        "changing groups needs CAP_SETGID: run as root, or map your groups in a new user namespace \
         (-r, --map-groups)"
            .into()
    })
}

/// Writing `/proc/self/timens_offsets` failed.
pub fn time_offset(errno: Option<i32>) -> Option<String> {
    match errno? {
        libc::EACCES => Some("offsets can only be set before a process enters the time namespace".into()),
        libc::EPERM => Some("setting clock offsets needs CAP_SYS_TIME in the time namespace's user namespace".into()),
        libc::ERANGE | libc::EINVAL => Some("the offset is out of the range the kernel accepts".into()),
        _ => None,
    }
}

/// Mounting proc for `--mount-proc` failed.
pub fn proc_mount(plan: &Plan, e: &io::Error) -> Option<String> {
    match e.raw_os_error()? {
        libc::EPERM if !plan.creates(NsType::Pid) => {
            Some("proc can only be mounted by the owner of the PID namespace: add --pid --fork (-pf)".into())
        }
        libc::EPERM if !plan.fork => Some("the new PID namespace gets its first process only with --fork (-f)".into()),
        libc::ENOENT => Some("the mount point must exist".into()),
        _ => None,
    }
}

/// Changing the propagation of `/` failed. EINVAL: `/` is not a mount
/// point, which is what a chroot into a plain directory looks like.
pub fn root_propagation(errno: Option<i32>) -> Option<String> {
    (errno? == libc::EINVAL).then(|| {
        "/ is not a mount point here (a chroot?): add --propagation unchanged, or make the directory \
         a mount point first (mount --bind DIR DIR)"
            .into()
    })
}

/// Mounting binfmt_misc failed.
pub fn binfmt_mount(errno: Option<i32>) -> Option<String> {
    match errno? {
        libc::EPERM | libc::ENODEV | libc::EINVAL => {
            Some("binfmt_misc can be mounted in a user namespace since Linux 6.7 (CONFIG_BINFMT_MISC)".into())
        }
        libc::ENOENT => Some("the mount point must exist".into()),
        _ => None,
    }
}

/// Bind-mounting a namespace onto its persistence file failed.
pub fn bind(ty: NsType, file: &Path, errno: Option<i32>) -> Option<String> {
    let shown = bytes::path(file);
    match errno? {
        libc::ENOENT => missing_file(file).or_else(|| {
            (ty == NsType::Pid).then(|| {
                "a PID namespace exists only once its first process is forked: add --fork (-f) to --pid=FILE".into()
            })
        }),
        libc::EINVAL if ty == NsType::Mnt && on_shared_mount(file) == Some(false) => Some(
            "a mount namespace can be bound only from one with a lower id, and ids come in per-CPU \
             batches: in a nested mount namespace a new one made on another CPU can have a lower id \
             than this one; run it again (taskset -c N picks the CPU)"
                .into(),
        ),
        libc::EINVAL if ty == NsType::Mnt => Some(format!(
            "{shown} must not be on a shared mount (make its directory a private mount first: \
             mount --bind DIR DIR; mount --make-private DIR)"
        )),
        libc::EPERM | libc::EACCES => {
            Some("bind mounts need CAP_SYS_ADMIN in the original mount namespace: run as root".into())
        }
        _ => None,
    }
}

/// Whether the mount that `file` is on propagates (`shared:` in
/// /proc/self/mountinfo): the mount whose mount point is the longest
/// prefix of its real path, the later line of equal ones (it is on top).
/// `None` when that cannot be told.
fn on_shared_mount(file: &Path) -> Option<bool> {
    let real = std::fs::canonicalize(file).ok()?;
    let table = std::fs::read("/proc/self/mountinfo").ok()?;
    table
        .split(|&b| b == b'\n')
        .filter_map(nsutils_common::mountinfo::parse_line)
        .map(|m| (nsutils_common::mountinfo::unescape(m.mount_point), m.shared))
        .filter(|(point, _)| real.starts_with(std::ffi::OsStr::from_bytes(point)))
        .fold(None, |best: Option<(usize, bool)>, (point, shared)| match best {
            Some((len, _)) if len > point.len() => best,
            _ => Some((point.len(), shared)),
        })
        .map(|(_, shared)| shared)
}

/// Why a persistence file cannot be mounted on, if it is missing: mount(2)
/// follows a symbolic link, so for a dangling one the file to create is
/// the link's target, not the link; a missing directory needs `mkdir`
/// first. `None` when the file is there.
fn missing_file(file: &Path) -> Option<String> {
    if file.exists() {
        return None;
    }
    let word = shell_word(file);
    if let Ok(target) = std::fs::read_link(file) {
        let resolved = match file.parent() {
            Some(dir) if target.is_relative() => dir.join(&target),
            _ => target.clone(),
        };
        let create = match resolved.parent().filter(|d| !d.as_os_str().is_empty() && !d.is_dir()) {
            Some(dir) => format!("mkdir -p {} && touch {}", shell_word(dir), shell_word(&resolved)),
            None => format!("touch {}", shell_word(&resolved)),
        };
        return Some(format!(
            "{} is a symbolic link to {}, which does not exist; the namespace would be bound there: \
             create that file ({create}), or name an existing file instead of the link",
            bytes::path(file),
            bytes::path(&target),
        ));
    }
    match file.parent().filter(|d| !d.as_os_str().is_empty() && !d.is_dir()) {
        Some(dir) => Some(format!(
            "{} does not exist: create the directory and the file first (mkdir -p {} && touch {word})",
            bytes::path(dir),
            shell_word(dir)
        )),
        None => Some(format!("{} must exist: create it first (touch {word})", bytes::path(file))),
    }
}

/// `path` as one word for a shell command in advice: as it is when that is
/// safe, else in single quotes (bytes that are not UTF-8 kept).
fn shell_word(path: &Path) -> String {
    let b = path.as_os_str().as_bytes();
    if !b.is_empty() && b.iter().all(|c| c.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(c)) {
        return bytes::Raw(b).to_string();
    }
    let mut out = String::from("'");
    for (i, part) in b.split(|&c| c == b'\'').enumerate() {
        if i > 0 {
            out.push_str("'\\''");
        }
        out.push_str(&bytes::Raw(part).to_string());
    }
    out.push('\'');
    out
}

/// `newuidmap`/`newgidmap` could not be executed.
pub fn id_helper(helper: &str, errno: Option<i32>) -> Option<String> {
    (errno == Some(libc::ENOENT)).then(|| {
        format!(
            "{helper} writes ID ranges for ordinary users: install it (shadow-utils; Debian/Ubuntu package \
             uidmap) and give yourself ranges in /etc/subuid and /etc/subgid, or run as root"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setgroups_advice_depends_on_whether_setgroups_is_denied() {
        let eperm = io::Error::from_raw_os_error(libc::EPERM);
        // the test process is in a user namespace where setgroups is allowed
        let hint = setgroups(&eperm).unwrap();
        assert!(hint.contains("CAP_SETGID"), "{hint}");
        assert_eq!(setgroups(&io::Error::from_raw_os_error(libc::EINVAL)), None);
    }

    #[test]
    fn missing_persistence_files_get_advice_for_their_case() {
        let dir = std::env::temp_dir().join(format!("nsutils-hint-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("net");
        let hint = bind(NsType::Net, &file, Some(libc::ENOENT)).unwrap();
        assert_eq!(hint, format!("{0} must exist: create it first (touch {0})", file.display()));
        // a dangling symlink: the file to create is its target
        let link = dir.join("link");
        std::os::unix::fs::symlink("elsewhere/ns", &link).unwrap();
        let hint = bind(NsType::Net, &link, Some(libc::ENOENT)).unwrap();
        assert!(hint.starts_with(&format!("{} is a symbolic link to elsewhere/ns, which", link.display())), "{hint}");
        assert!(hint.contains(&format!("(mkdir -p {0}/elsewhere && touch {0}/elsewhere/ns)", dir.display())), "{hint}");
        std::fs::create_dir(dir.join("elsewhere")).unwrap();
        let hint = bind(NsType::Net, &link, Some(libc::ENOENT)).unwrap();
        assert!(hint.contains(&format!("(touch {}/elsewhere/ns)", dir.display())), "{hint}");
        // a missing directory
        let deep = dir.join("no dir/net");
        let hint = bind(NsType::Pid, &deep, Some(libc::ENOENT)).unwrap();
        assert!(hint.contains(&format!("(mkdir -p '{0}/no dir' && touch '{0}/no dir/net')", dir.display())), "{hint}");
        // the file is there: a PID namespace without its first process
        std::fs::write(&file, b"").unwrap();
        assert!(bind(NsType::Pid, &file, Some(libc::ENOENT)).unwrap().contains("--fork"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn shell_words_are_quoted_when_needed() {
        assert_eq!(shell_word(Path::new("/run/netns/a")), "/run/netns/a");
        assert_eq!(shell_word(Path::new("/a b/it's")), "'/a b/it'\\''s'");
        let raw = std::ffi::OsStr::from_bytes(b"/\xff");
        assert_eq!(&*bytes::to_bytes(&shell_word(Path::new(raw))), b"'/\xff'");
    }

    #[test]
    fn root_propagation_advice_only_for_einval() {
        assert!(root_propagation(Some(libc::EINVAL)).unwrap().contains("--propagation unchanged"));
        assert_eq!(root_propagation(Some(libc::EPERM)), None);
        assert_eq!(root_propagation(None), None);
    }
}
