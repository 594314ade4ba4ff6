//! A scratch container for the drop-in tests: a root filesystem holding
//! nothing but our static binaries (`/bin/*-rs`) and an empty `/proc` to
//! mount on — no shell, no `/etc/passwd`, no dynamic loader.
//!
//! Commands run inside it the way a container runtime starts them: in a new
//! mount namespace whose root is the rootfs (`pivot_root(2)`, old root
//! detached), optionally after joining another process's IPC namespace and
//! with the host's `/proc` mounted. All of that happens in the forked child
//! between `fork` and `exec` (raw syscalls only); the test process itself
//! never changes namespace.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{Output, TempDir};

/// The static binaries' directory: `$NSUTILS_MUSL_DIR`, else
/// `target/x86_64-unknown-linux-musl/debug` (built by `scripts/test.sh`).
pub fn musl_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("NSUTILS_MUSL_DIR") {
        return PathBuf::from(d);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().join("target/x86_64-unknown-linux-musl/debug")
}

/// The static build of tool `name` for a privileged test that needs one
/// (to run where there is no loader), or `None` after reporting the skip
/// (a failure under CI=true as root).
pub fn static_tool(test: &str, name: &str) -> Option<PathBuf> {
    if !crate::require_root() {
        return None;
    }
    let p = musl_dir().join(name);
    if !p.exists() {
        crate::skip(test, &format!("no static {} (scripts/test.sh builds it)", p.display()));
        return None;
    }
    Some(p)
}

/// Copy a program that is to be executed, with cp(1). Not with
/// `std::fs::copy`: the copy's write descriptor would live in this
/// multithreaded test process, where another test's fork can inherit it
/// for the moment before its exec, and executing the copy then fails with
/// ETXTBSY ("Text file busy").
pub fn copy_executable(src: &Path, dst: &Path) {
    crate::Cmd::new("cp").arg(src).arg(dst).run().success();
}

/// How a command enters the container.
#[derive(Debug, Clone, Copy, Default)]
pub struct Enter {
    /// Join the IPC namespace of this pid first.
    pub ipc_of: Option<u32>,
    /// Mount the (host pid namespace's) proc on the container's /proc.
    pub mount_proc: bool,
}

/// A root filesystem with only our static binaries.
pub struct Rootfs {
    dir: TempDir,
}

impl Rootfs {
    /// Build it from the binaries in `musl_dir`; `None` when they are missing.
    pub fn new(musl_dir: &Path) -> Option<Rootfs> {
        let dir = TempDir::new("rootfs");
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        std::fs::create_dir_all(dir.join("proc")).unwrap();
        for (tool, _) in crate::TOOLS {
            let src = musl_dir.join(tool);
            if !src.is_file() {
                return None;
            }
            copy_executable(&src, &dir.join("bin").join(tool));
        }
        Some(Rootfs { dir })
    }

    /// The rootfs directory on the host.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A command running `argv` inside the container (clean environment
    /// with `PATH=/bin`; stdio is the caller's to set).
    pub fn command(&self, argv: &[&str], enter: Enter) -> Command {
        let mut c = Command::new(argv[0]);
        c.args(&argv[1..]).env_clear().env("PATH", "/bin");
        let root = CString::new(self.path().as_os_str().as_bytes()).unwrap();
        let proc_dir = CString::new(self.path().join("proc").as_os_str().as_bytes()).unwrap();
        let ipc_path = enter.ipc_of.map(|p| CString::new(format!("/proc/{p}/ns/ipc")).unwrap());
        let mount_proc = enter.mount_proc;
        // SAFETY: only raw system calls between fork and exec; every string
        // was allocated before the fork.
        unsafe {
            c.pre_exec(move || {
                let check = |r: libc::c_long| {
                    if r < 0 {
                        Err(std::io::Error::last_os_error())
                    } else {
                        Ok(())
                    }
                };
                if let Some(p) = &ipc_path {
                    let fd = libc::open(p.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC);
                    check(fd as libc::c_long)?;
                    check(libc::setns(fd, libc::CLONE_NEWIPC) as libc::c_long)?;
                    libc::close(fd);
                }
                check(libc::unshare(libc::CLONE_NEWNS) as libc::c_long)?;
                let none = c"none".as_ptr();
                check(libc::mount(
                    none,
                    c"/".as_ptr(),
                    std::ptr::null(),
                    libc::MS_REC | libc::MS_PRIVATE,
                    std::ptr::null(),
                ) as libc::c_long)?;
                check(libc::mount(
                    root.as_ptr(),
                    root.as_ptr(),
                    std::ptr::null(),
                    libc::MS_BIND | libc::MS_REC,
                    std::ptr::null(),
                ) as libc::c_long)?;
                if mount_proc {
                    check(libc::mount(c"proc".as_ptr(), proc_dir.as_ptr(), c"proc".as_ptr(), 0, std::ptr::null())
                        as libc::c_long)?;
                }
                check(libc::chdir(root.as_ptr()) as libc::c_long)?;
                check(libc::syscall(libc::SYS_pivot_root, c".".as_ptr(), c".".as_ptr()))?;
                check(libc::umount2(c".".as_ptr(), libc::MNT_DETACH) as libc::c_long)?;
                check(libc::chdir(c"/".as_ptr()) as libc::c_long)?;
                Ok(())
            });
        }
        c
    }

    /// Run `argv` inside the container to completion.
    pub fn run(&self, argv: &[&str], enter: Enter) -> Output {
        let out = self
            .command(argv, enter)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot start {argv:?} in the container: {e}"));
        Output::of(format!("[container] {}", argv.join(" ")), out)
    }
}
