//! POSIX IPC objects: shared memory (`shm_open(3)`), message queues
//! (`mq_overview(7)`) and named semaphores (`sem_overview(7)`).
//!
//! glibc and musl map names slightly differently (musl accepts a message
//! queue name without the leading `/`, glibc does not), so names are checked
//! here first and both builds accept and refuse the same names.

use std::ffi::{CString, OsStr, OsString};
use std::io::{self, Write};
use std::os::fd::AsFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::mqueue::mq_unlink;
use nix::sys::mman::{shm_open, shm_unlink};
use nix::sys::stat::Mode;
use nix::unistd::ftruncate;

/// Where POSIX shared memory and semaphores live (tmpfs).
pub const SHM_DIR: &str = "/dev/shm";
/// Where the mqueue filesystem is conventionally mounted.
pub const MQUEUE_DIR: &str = "/dev/mqueue";
/// `MQUEUE_MAGIC` (`<linux/magic.h>`): `statfs.f_type` of an mqueue mount.
const MQUEUE_MAGIC: i64 = 0x1980_0202;
/// Longest file name (`NAME_MAX`).
const NAME_MAX: usize = 255;

/// The three kinds of POSIX IPC object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PKind {
    /// Shared memory (`/dev/shm/NAME`).
    Shm,
    /// Message queue (`/dev/mqueue/NAME`).
    Mqueue,
    /// Named semaphore (`/dev/shm/sem.NAME`).
    Sem,
}

impl PKind {
    /// How `-v` names the kind: `POSIX shared memory`, …
    pub fn describe(self) -> &'static str {
        match self {
            PKind::Shm => "POSIX shared memory",
            PKind::Mqueue => "POSIX message queue",
            PKind::Sem => "POSIX semaphore",
        }
    }
}

/// Check a name the way the C libraries map it to a file, returning the
/// errno they would fail with. Shared memory and semaphore names may have
/// leading slashes; queue names must have exactly one. What remains must be
/// a single, non-empty file name. (For a queue, glibc passes what follows
/// the `/` to the kernel, which finds nothing of an empty name and refuses
/// a `/` in it: ENOENT, EACCES, as util-linux HEAD reports.)
pub fn check_name(kind: PKind, name: &OsStr) -> Result<(), i32> {
    let name = name.as_bytes();
    let base = match kind {
        PKind::Mqueue => name.strip_prefix(b"/").ok_or(libc::EINVAL)?,
        PKind::Shm | PKind::Sem => {
            let skip = name.iter().take_while(|&&b| b == b'/').count();
            &name[skip..]
        }
    };
    if kind == PKind::Mqueue && base.is_empty() {
        return Err(libc::ENOENT);
    }
    if kind == PKind::Mqueue && base.contains(&b'/') {
        return Err(libc::EACCES);
    }
    if base.is_empty() || base.contains(&b'/') || base == b"." || base == b".." || base.contains(&0) {
        return Err(libc::EINVAL);
    }
    let prefix = if kind == PKind::Sem { 4 } else { 0 };
    if base.len() + prefix > NAME_MAX {
        return Err(libc::ENAMETOOLONG);
    }
    Ok(())
}

/// [`check_name`] for a name to remove, with the errno util-linux HEAD
/// gets from glibc's unlink calls: `shm_unlink` and `sem_unlink` report a
/// name they cannot map as not there (ENOENT, where the open calls say
/// EINVAL), except that shared memory `.` and `..` reach `unlink(2)` of a
/// directory (EISDIR); a queue name too long for the kernel is not there.
pub fn check_unlink_name(kind: PKind, name: &OsStr) -> Result<(), i32> {
    let err = match check_name(kind, name) {
        Ok(()) => return Ok(()),
        Err(e) => e,
    };
    let base: &[u8] = {
        let b = name.as_bytes();
        &b[b.iter().take_while(|&&c| c == b'/').count()..]
    };
    Err(match kind {
        PKind::Shm if base == b"." || base == b".." => libc::EISDIR,
        PKind::Shm | PKind::Sem => libc::ENOENT,
        PKind::Mqueue if err == libc::ENAMETOOLONG => libc::ENOENT,
        PKind::Mqueue => err,
    })
}

fn c_name(kind: PKind, name: &OsStr) -> io::Result<CString> {
    check_name(kind, name).map_err(io::Error::from_raw_os_error)?;
    CString::new(name.as_bytes()).map_err(|_| io::Error::from_raw_os_error(libc::EINVAL))
}

/// The permission bits of a new POSIX object: `-p` takes up to `07777`,
/// but these objects are files (in `/dev/shm`, `/dev/mqueue`), where the
/// bits above `0777` would make a setuid, setgid or sticky file. System V
/// objects keep only `0777` too; util-linux passes them on.
fn permissions(mode: u32) -> libc::mode_t {
    (mode & 0o777) as libc::mode_t
}

/// Create (or open) shared memory `name` with `mode` and set its size.
pub fn create_shm(name: &OsStr, size: u64, mode: u32) -> io::Result<()> {
    let c = c_name(PKind::Shm, name)?;
    let mode = Mode::from_bits_retain(permissions(mode));
    let size = libc::off_t::try_from(size).map_err(|_| Errno::EFBIG)?;
    let fd = shm_open(c.as_c_str(), OFlag::O_RDWR | OFlag::O_CREAT | OFlag::O_CLOEXEC, mode)?;
    Ok(ftruncate(fd, size)?)
}

/// Create (or open) message queue `name` with `mode` and default attributes.
///
/// libc, not nix: nix's `mq_open` (0.32) passes no mode when no attributes
/// are given, and the kernel's defaults (`/proc/sys/fs/mqueue/*_default`)
/// are what util-linux's queue gets.
pub fn create_mqueue(name: &OsStr, mode: u32) -> io::Result<()> {
    let c = c_name(PKind::Mqueue, name)?;
    let mode = permissions(mode);
    let attr: *const libc::mq_attr = std::ptr::null();
    // SAFETY: a valid C string; mode and a null attr are the variadic
    // arguments O_CREAT asks for; the queue descriptor is ours to close.
    let mq = unsafe {
        let mq = libc::mq_open(c.as_ptr(), libc::O_RDWR | libc::O_CREAT | libc::O_CLOEXEC, mode, attr);
        if mq >= 0 {
            libc::mq_close(mq);
        }
        mq
    };
    Errno::result(mq)?;
    Ok(())
}

/// The file of named semaphore `name`: `/dev/shm/sem.NAME`.
fn sem_path(name: &OsStr) -> PathBuf {
    let base: Vec<u8> = name.as_bytes().iter().copied().skip_while(|&b| b == b'/').collect();
    let mut file = b"sem.".to_vec();
    file.extend_from_slice(&base);
    Path::new(SHM_DIR).join(OsStr::from_bytes(&file))
}

/// A named semaphore as glibc lays it out in its file (`sem_t`, 32 bytes):
/// the value (0) and waiter count in the first 8 bytes, then the futex
/// flags word, `FUTEX_SHARED` (128) for a semaphore shared between
/// processes, then padding.
const SEM_IMAGE: [u8; 32] = {
    let mut image = [0u8; 32];
    image[8] = 128;
    image
};

/// Create named semaphore `name` with `mode` and value 0, or leave an
/// existing one alone (`sem_open(name, O_CREAT, mode, 0)`).
///
/// Done here rather than by the C library's `sem_open`: musl names the file
/// `/dev/shm/NAME`, where POSIX shared memory of the same name lives (it
/// would take that object for a semaphore), glibc `/dev/shm/sem.NAME`.
/// Following glibc keeps the static build compatible with glibc programs
/// and with `ipcrm --all=psem`. Like glibc, the file is written under a
/// temporary name and linked into place, so nobody sees it half made.
pub fn create_sem(name: &OsStr, mode: u32) -> io::Result<()> {
    check_name(PKind::Sem, name).map_err(io::Error::from_raw_os_error)?;
    let mode = permissions(mode);
    let path = sem_path(name);
    loop {
        match std::fs::OpenOptions::new().read(true).write(true).custom_flags(libc::O_NOFOLLOW).open(&path) {
            Ok(_) => return Ok(()),
            Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {}
            Err(e) => return Err(e),
        }
        let tmp = Path::new(SHM_DIR).join(format!("sem.{:08x}", crate::sysv::random_key()? as u32));
        let mut f = match std::fs::OpenOptions::new().read(true).write(true).create_new(true).mode(mode).open(&tmp) {
            Ok(f) => f,
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => continue,
            Err(e) => return Err(e),
        };
        let linked = f.write_all(&SEM_IMAGE).and_then(|_| std::fs::hard_link(&tmp, &path));
        let _ = std::fs::remove_file(&tmp);
        match linked {
            Ok(()) => return Ok(()),
            // made by someone else meanwhile: open theirs
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Remove a POSIX object by name (`shm_unlink`, `mq_unlink`, `sem_unlink`).
pub fn unlink(kind: PKind, name: &OsStr) -> io::Result<()> {
    let c = c_name(kind, name)?;
    match kind {
        PKind::Shm => Ok(shm_unlink(c.as_c_str())?),
        PKind::Mqueue => Ok(mq_unlink(c.as_c_str())?),
        // glibc's file name (see create_sem); EPERM as sem_unlink says it
        PKind::Sem => std::fs::remove_file(sem_path(name)).map_err(|e| match e.raw_os_error() {
            Some(libc::EPERM) => io::Error::from_raw_os_error(libc::EACCES),
            _ => e,
        }),
    }
}

/// Regular files in `dir`, in the directory's order (as util-linux HEAD
/// lists and removes them; on tmpfs the newest first); none when there is
/// no such directory. Any other failure (EMFILE, a read error midway) is an
/// error: `ipcrm --all` would otherwise remove nothing, or some, and say it
/// succeeded.
fn files_in(dir: &Path) -> io::Result<Vec<OsString>> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut names = Vec::new();
    for e in rd {
        let e = e?;
        if e.file_type()?.is_file() {
            names.push(e.file_name());
        }
    }
    Ok(names)
}

/// The POSIX objects of one kind, by the names `unlink` takes: shared
/// memory as the files of `/dev/shm` other than `sem.*`, semaphores as
/// `sem.NAME` → `NAME`, queues as `/NAME` for the files of `/dev/mqueue`.
/// For queues, `None` means `/dev/mqueue` is not an mqueue mount.
pub fn list(kind: PKind) -> io::Result<Option<Vec<OsString>>> {
    Ok(match kind {
        PKind::Shm => {
            Some(files_in(Path::new(SHM_DIR))?.into_iter().filter(|n| !n.as_bytes().starts_with(b"sem.")).collect())
        }
        PKind::Sem => Some(
            files_in(Path::new(SHM_DIR))?
                .into_iter()
                .filter_map(|n| n.as_bytes().strip_prefix(b"sem.").map(|b| OsString::from_vec(b.to_vec())))
                .filter(|n| !n.is_empty())
                .collect(),
        ),
        PKind::Mqueue => {
            if !is_mqueue_mount(MQUEUE_DIR)? {
                return Ok(None);
            }
            Some(
                files_in(Path::new(MQUEUE_DIR))?
                    .into_iter()
                    .map(|n| {
                        let mut b = b"/".to_vec();
                        b.extend_from_slice(n.as_bytes());
                        OsString::from_vec(b)
                    })
                    .collect(),
            )
        }
    })
}

/// Whether `path` is an mqueue mount; a missing directory is not one, a
/// failure to look (EMFILE) is an error rather than "not mounted".
fn is_mqueue_mount(path: &str) -> io::Result<bool> {
    let dir = match nsutils_common::ns::open_cloexec(Path::new(path), libc::O_PATH | libc::O_DIRECTORY) {
        Ok(dir) => dir,
        Err(e) if matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ENOTDIR)) => return Ok(false),
        Err(e) => return Err(e),
    };
    Ok(nsutils_common::ns::fstatfs_type(dir.as_fd())? == MQUEUE_MAGIC)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_name(kind: PKind, name: &str) -> Result<(), i32> {
        super::check_name(kind, OsStr::new(name))
    }

    #[test]
    fn names() {
        assert_eq!(check_name(PKind::Shm, "/demo"), Ok(()));
        assert_eq!(check_name(PKind::Shm, "demo"), Ok(()));
        assert_eq!(check_name(PKind::Sem, "//demo"), Ok(()));
        assert_eq!(check_name(PKind::Mqueue, "/demo"), Ok(()));
        assert_eq!(check_name(PKind::Mqueue, "demo"), Err(libc::EINVAL));
        assert_eq!(check_name(PKind::Mqueue, "//demo"), Err(libc::EACCES));
        assert_eq!(check_name(PKind::Mqueue, "/"), Err(libc::ENOENT));
        assert_eq!(check_name(PKind::Shm, "/a/b"), Err(libc::EINVAL));
        assert_eq!(check_name(PKind::Shm, "/"), Err(libc::EINVAL));
        assert_eq!(check_name(PKind::Shm, ""), Err(libc::EINVAL));
        assert_eq!(check_name(PKind::Sem, ".."), Err(libc::EINVAL));
        assert_eq!(check_name(PKind::Shm, &"x".repeat(255)), Ok(()));
        assert_eq!(check_name(PKind::Sem, &"x".repeat(255)), Err(libc::ENAMETOOLONG));
    }

    #[test]
    fn names_to_remove_fail_as_the_unlink_calls_do() {
        // what util-linux HEAD reports for each (glibc's unlink calls)
        let unlink = |kind, name: &str| check_unlink_name(kind, OsStr::new(name));
        for name in ["a/b", "", "/", "/a/b", &"x".repeat(300)] {
            assert_eq!(unlink(PKind::Shm, name), Err(libc::ENOENT), "{name}");
            assert_eq!(unlink(PKind::Sem, name), Err(libc::ENOENT), "{name}");
        }
        assert_eq!(unlink(PKind::Shm, "."), Err(libc::EISDIR));
        assert_eq!(unlink(PKind::Shm, ".."), Err(libc::EISDIR));
        assert_eq!(unlink(PKind::Sem, ".."), Err(libc::ENOENT));
        for (name, errno) in [("a/b", libc::EINVAL), ("", libc::EINVAL), (".", libc::EINVAL), ("/", libc::ENOENT)] {
            assert_eq!(unlink(PKind::Mqueue, name), Err(errno), "{name}");
        }
        assert_eq!(unlink(PKind::Mqueue, "/a/b"), Err(libc::EACCES));
        assert_eq!(unlink(PKind::Mqueue, &format!("/{}", "x".repeat(300))), Err(libc::ENOENT));
        assert_eq!(unlink(PKind::Shm, "/ok"), Ok(()));
    }
}
