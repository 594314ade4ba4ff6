//! The system calls the setup steps make, behind a small trait so the
//! order of the steps is unit-tested with a recording fake as an ordinary
//! user (see `setup.rs`); [`Real`] makes the calls.

use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

use nix::errno::Errno;
use nix::mount::MsFlags;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::unistd::{self, Gid, Uid};

/// Why writing a small control file (`/proc/self/uid_map`, …) failed.
#[derive(Debug)]
pub enum WriteError {
    /// `open(2)` failed.
    Open(io::Error),
    /// `write(2)` failed.
    Write(io::Error),
}

impl WriteError {
    /// The errno of the failed call.
    pub fn errno(&self) -> Option<i32> {
        match self {
            WriteError::Open(e) | WriteError::Write(e) => e.raw_os_error(),
        }
    }
}

/// The system calls of the setup steps.
pub trait Kernel {
    /// `prctl(PR_SET_PDEATHSIG, sig)`.
    fn set_pdeathsig(&mut self, sig: i32) -> io::Result<()>;
    /// Whether the process that forked us has already exited (then the
    /// parent-death signal will never come).
    fn parent_gone(&mut self) -> bool;
    /// Open `path` for writing and write `data` in one `write(2)`.
    fn write_file(&mut self, path: &Path, data: &[u8]) -> Result<(), WriteError>;
    /// `mount(2)`.
    fn mount(&mut self, source: &str, target: &Path, fstype: Option<&str>, flags: libc::c_ulong) -> io::Result<()>;
    /// `chroot(2)`.
    fn chroot(&mut self, dir: &Path) -> io::Result<()>;
    /// `chdir(2)`.
    fn chdir(&mut self, dir: &Path) -> io::Result<()>;
    /// `setgroups(0, NULL)`.
    fn clear_groups(&mut self) -> io::Result<()>;
    /// `setgid(2)`.
    fn setgid(&mut self, gid: u32) -> io::Result<()>;
    /// `setuid(2)`.
    fn setuid(&mut self, uid: u32) -> io::Result<()>;
    /// Make the permitted capabilities inheritable and ambient.
    fn keep_caps(&mut self) -> io::Result<()>;
}

/// The real system calls. `parent` is a pidfd of the process that forked
/// us, for [`Kernel::parent_gone`].
pub struct Real {
    /// A pidfd of our parent (`--kill-child`), if we forked.
    pub parent: Option<OwnedFd>,
}

impl Kernel for Real {
    fn set_pdeathsig(&mut self, sig: i32) -> io::Result<()> {
        // libc, not nix: nix's set_pdeathsig takes a `Signal`, which cannot
        // name the real-time signals --kill-child accepts.
        // SAFETY: prctl with integer arguments.
        Errno::result(unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, sig as libc::c_ulong, 0, 0, 0) })?;
        Ok(())
    }

    fn parent_gone(&mut self) -> bool {
        let Some(fd) = &self.parent else {
            return false;
        };
        // a pidfd polls readable once its process has exited
        let mut p = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
        let n = poll(&mut p, PollTimeout::ZERO).unwrap_or(0);
        n > 0 && p[0].revents().is_some_and(|r| r.contains(PollFlags::POLLIN))
    }

    fn write_file(&mut self, path: &Path, data: &[u8]) -> Result<(), WriteError> {
        let mut f = std::fs::OpenOptions::new().write(true).open(path).map_err(WriteError::Open)?;
        // nothing to write is no write(2), as with util-linux (`-l ''`):
        // binfmt_misc's register refuses an empty one
        if data.is_empty() {
            return Ok(());
        }
        // the kernel takes a map in a single write
        match f.write(data) {
            Ok(n) if n == data.len() => Ok(()),
            Ok(_) => Err(WriteError::Write(io::Error::from_raw_os_error(libc::EIO))),
            Err(e) => Err(WriteError::Write(e)),
        }
    }

    fn mount(&mut self, source: &str, target: &Path, fstype: Option<&str>, flags: libc::c_ulong) -> io::Result<()> {
        Ok(nix::mount::mount(Some(source), target, fstype, MsFlags::from_bits_retain(flags), None::<&str>)?)
    }

    fn chroot(&mut self, dir: &Path) -> io::Result<()> {
        Ok(unistd::chroot(dir)?)
    }

    fn chdir(&mut self, dir: &Path) -> io::Result<()> {
        Ok(unistd::chdir(dir)?)
    }

    fn clear_groups(&mut self) -> io::Result<()> {
        Ok(unistd::setgroups(&[])?)
    }

    fn setgid(&mut self, gid: u32) -> io::Result<()> {
        Ok(unistd::setgid(Gid::from_raw(gid))?)
    }

    fn setuid(&mut self, uid: u32) -> io::Result<()> {
        Ok(unistd::setuid(Uid::from_raw(uid))?)
    }

    fn keep_caps(&mut self) -> io::Result<()> {
        nsutils_common::caps::raise_ambient()
    }
}

/// A fake that records every call and fails the ones told to.
#[cfg(test)]
#[derive(Default)]
pub struct Recorder {
    /// The calls made, as text.
    pub calls: Vec<String>,
    /// Calls (by prefix of their text) that fail, with their errno.
    pub failures: Vec<(String, i32)>,
    /// What [`Kernel::parent_gone`] answers.
    pub parent_gone: bool,
}

#[cfg(test)]
impl Recorder {
    /// A recorder failing calls that start with `prefix` with `errno`.
    pub fn failing(prefix: &str, errno: i32) -> Recorder {
        Recorder { failures: vec![(prefix.to_string(), errno)], ..Recorder::default() }
    }

    fn call(&mut self, text: String) -> io::Result<()> {
        let fail = self.failures.iter().find(|(p, _)| text.starts_with(p.as_str())).map(|f| f.1);
        self.calls.push(text);
        match fail {
            Some(errno) => Err(io::Error::from_raw_os_error(errno)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
impl Kernel for Recorder {
    fn set_pdeathsig(&mut self, sig: i32) -> io::Result<()> {
        self.call(format!("pdeathsig {sig}"))
    }
    fn parent_gone(&mut self) -> bool {
        self.calls.push("parent-gone?".into());
        self.parent_gone
    }
    fn write_file(&mut self, path: &Path, data: &[u8]) -> Result<(), WriteError> {
        let text = format!("write {} {}", path.display(), String::from_utf8_lossy(data));
        // "open <path>" failures fail the open, others the write
        let open_fail = self.failures.iter().find(|(p, _)| format!("open {}", path.display()) == *p).map(|f| f.1);
        if let Some(errno) = open_fail {
            self.calls.push(text);
            return Err(WriteError::Open(io::Error::from_raw_os_error(errno)));
        }
        self.call(text).map_err(WriteError::Write)
    }
    fn mount(&mut self, source: &str, target: &Path, fstype: Option<&str>, flags: libc::c_ulong) -> io::Result<()> {
        self.call(format!("mount {source} {} {} {flags:#x}", target.display(), fstype.unwrap_or("-")))
    }
    fn chroot(&mut self, dir: &Path) -> io::Result<()> {
        self.call(format!("chroot {}", dir.display()))
    }
    fn chdir(&mut self, dir: &Path) -> io::Result<()> {
        self.call(format!("chdir {}", dir.display()))
    }
    fn clear_groups(&mut self) -> io::Result<()> {
        self.call("setgroups []".into())
    }
    fn setgid(&mut self, gid: u32) -> io::Result<()> {
        self.call(format!("setgid {gid}"))
    }
    fn setuid(&mut self, uid: u32) -> io::Result<()> {
        self.call(format!("setuid {uid}"))
    }
    fn keep_caps(&mut self) -> io::Result<()> {
        self.call("keep-caps".into())
    }
}
