//! The steps between `unshare(2)` and `execve(2)`, in util-linux's order.
//!
//! In the process that will run the program (the child with `--fork`):
//! parent-death signal → uid map → `setgroups` deny → gid map →
//! `--setgroups` → root propagation → (binfmt_misc before chroot for `F`)
//! → chroot/chdir → proc → binfmt_misc → `setgroups`+`setgid` → `setuid` →
//! ambient capabilities. The order is the interface: `-r -G 0` fails because
//! setgroups was denied first, `-r --mount-proc` without `-p` fails because
//! proc needs the PID namespace's owner, and so on.
//!
//! Time offsets are written by the process that called `unshare(2)`,
//! before any process exists in the new time namespace.

use std::path::{Path, PathBuf};

use nsutils_common::ns::NsType;
use nsutils_common::{bytes, Error, Result};

use crate::hints;
use crate::kernel::{Kernel, WriteError};
use crate::options::{IdMap, Plan, Propagation, SetGroups};

/// `/proc/self/setgroups` (Linux 3.19).
const SETGROUPS: &str = "/proc/self/setgroups";
/// `/proc/self/timens_offsets` (Linux 5.6).
const TIMENS_OFFSETS: &str = "/proc/self/timens_offsets";

/// Whether the process may go on to exec the program.
#[derive(Debug, PartialEq, Eq)]
pub enum Ready {
    /// Everything is set up.
    Exec,
    /// `--kill-child`: the parent died before the death signal was armed,
    /// so it will never come; end quietly with status 1, as util-linux does.
    ParentGone,
}

/// util-linux's messages for writing a control file: `cannot open <path>`
/// or `write failed <path>`, with the cause.
pub fn write_error(path: &Path, e: WriteError) -> Error {
    match e {
        WriteError::Open(e) => Error::os(format!("cannot open {}", bytes::path(path)), &e),
        WriteError::Write(e) => Error::os(format!("write failed {}", bytes::path(path)), &e),
    }
}

/// Write `/proc/self/setgroups`; a kernel without the file (before 3.19)
/// has no setgroups restriction, so its absence is not an error.
fn write_setgroups(k: &mut dyn Kernel, value: SetGroups) -> Result<()> {
    let path = Path::new(SETGROUPS);
    match k.write_file(path, value.word().as_bytes()) {
        Err(WriteError::Open(e)) if e.raw_os_error() == Some(libc::ENOENT) => Ok(()),
        Err(e) => Err(write_error(path, e)),
        Ok(()) => Ok(()),
    }
}

/// A single-ID map line, written without a newline as util-linux does.
fn write_single_map(k: &mut dyn Kernel, file: &str, map: &IdMap) -> Result<()> {
    let IdMap::Single(r) = map else {
        return Ok(());
    };
    let path = PathBuf::from(format!("/proc/self/{file}"));
    let line = format!("{} {} 1", r.inner, r.outer);
    k.write_file(&path, line.as_bytes()).map_err(|e| {
        let hint = hints::map_write(e.errno());
        write_error(&path, e).with_hint(hint)
    })
}

/// `--boottime` then `--monotonic` into `/proc/self/timens_offsets`
/// (`"7 <secs> 0"`, `"1 <secs> 0"`: clock id, seconds, nanoseconds).
pub fn set_time_offsets(plan: &Plan, k: &mut dyn Kernel) -> Result<()> {
    let path = Path::new(TIMENS_OFFSETS);
    for (clock, offset) in [(libc::CLOCK_BOOTTIME, plan.boottime), (libc::CLOCK_MONOTONIC, plan.monotonic)] {
        let Some(secs) = offset else { continue };
        k.write_file(path, format!("{clock} {secs} 0").as_bytes()).map_err(|e| match e {
            WriteError::Open(e) => Error::os("failed to open /proc/self/timens_offsets", &e),
            WriteError::Write(e) => Error::os("failed to write to /proc/self/timens_offsets", &e)
                .with_hint(hints::time_offset(e.raw_os_error())),
        })?;
    }
    Ok(())
}

/// `--owner`: become the namespace's owner before `unshare(2)`; an ID of
/// 4294967295 (`-1`) is left as it is, as util-linux 2.43 does.
pub fn become_owner(k: &mut dyn Kernel, (uid, gid): (u32, u32)) -> Result<()> {
    let change = |id: u32| (id != u32::MAX).then_some(id);
    become_ids(k, change(uid), change(gid))
}

/// `setgroups(0)` + `setgid` for a gid, then `setuid` for a uid (util-linux 2.42+ wording).
fn become_ids(k: &mut dyn Kernel, uid: Option<u32>, gid: Option<u32>) -> Result<()> {
    if let Some(gid) = gid {
        k.clear_groups().map_err(|e| Error::os("setgroups failed", &e).with_hint(hints::setgroups(&e)))?;
        k.setgid(gid).map_err(|e| Error::os("setgid() failed", &e))?;
    }
    if let Some(uid) = uid {
        k.setuid(uid).map_err(|e| Error::os("setuid() failed", &e))?;
    }
    Ok(())
}

/// Mount binfmt_misc and register the interpreter, if asked to.
fn binfmt(plan: &Plan, k: &mut dyn Kernel) -> Result<()> {
    let Some(dir) = &plan.binfmt else {
        return Ok(());
    };
    let flags = libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC;
    k.mount("binfmt_misc", dir, Some("binfmt_misc"), flags).map_err(|e| {
        Error::os(format!("mount {} failed", bytes::path(dir)), &e).with_hint(hints::binfmt_mount(e.raw_os_error()))
    })?;
    if let Some(def) = &plan.interpreter {
        let register = dir.join("register");
        use std::os::unix::ffi::OsStrExt;
        k.write_file(&register, def.as_bytes()).map_err(|e| write_error(&register, e))?;
    }
    Ok(())
}

/// Everything between `unshare(2)` (and the fork) and exec, in the process
/// that runs the program.
pub fn prepare_child(plan: &Plan, k: &mut dyn Kernel) -> Result<Ready> {
    if let Some(sig) = plan.kill_child {
        k.set_pdeathsig(sig).map_err(|e| Error::os("prctl failed", &e))?;
        // the signal only comes if the parent dies *after* this point
        if k.parent_gone() {
            return Ok(Ready::ParentGone);
        }
    }

    write_single_map(k, "uid_map", &plan.uid_map)?;
    let single_gid = matches!(plan.gid_map, IdMap::Single(_));
    if single_gid {
        // unprivileged gid_map writes need setgroups denied first (Linux 3.19)
        write_setgroups(k, SetGroups::Deny)?;
        write_single_map(k, "gid_map", &plan.gid_map)?;
    }
    match plan.setgroups {
        // already denied; util-linux writes it again, which the kernel
        // refuses once gid_map is written (EPERM)
        Some(SetGroups::Deny) if single_gid => {}
        Some(value) => write_setgroups(k, value)?,
        None => {}
    }

    if plan.creates(NsType::Mnt) && plan.propagation != Propagation::Unchanged {
        k.mount("none", Path::new("/"), None, plan.propagation.mount_flags()).map_err(|e| {
            Error::os("cannot change root filesystem propagation", &e)
                .with_hint(hints::root_propagation(e.raw_os_error()))
        })?;
    }

    let binfmt_first = plan.binfmt_before_root();
    if binfmt_first {
        binfmt(plan, k)?;
    }
    if let Some(root) = &plan.root {
        k.chroot(root)
            .map_err(|e| Error::os(format!("cannot change root directory to '{}'", bytes::path(root)), &e))?;
    }
    let wd = plan.wd.clone().or_else(|| plan.root.as_ref().map(|_| PathBuf::from("/")));
    if let Some(wd) = wd {
        k.chdir(&wd).map_err(|e| Error::os(format!("cannot change directory to {}", bytes::path(&wd)), &e))?;
    }

    if let Some(dir) = &plan.mount_proc {
        // keep the new proc from propagating back to the parent namespace
        // when / was not made private
        if plan.root.is_none() && plan.propagation != Propagation::Private {
            match k.mount("none", dir, None, libc::MS_PRIVATE | libc::MS_REC) {
                Err(e) if e.raw_os_error() != Some(libc::EINVAL) => {
                    return Err(Error::os(format!("cannot change {} filesystem propagation", bytes::path(dir)), &e));
                }
                _ => {}
            }
        }
        let flags = libc::MS_NOSUID | libc::MS_NOEXEC | libc::MS_NODEV;
        k.mount("proc", dir, Some("proc"), flags).map_err(|e| {
            Error::os(format!("mount {} failed", bytes::path(dir)), &e).with_hint(hints::proc_mount(plan, &e))
        })?;
    }
    if !binfmt_first {
        binfmt(plan, k)?;
    }

    become_ids(k, plan.setuid, plan.setgid)?;

    if plan.keep_caps && plan.creates(NsType::User) {
        k.keep_caps().map_err(|e| Error::os("prctl(PR_CAP_AMBIENT) failed", &e))?;
    }
    Ok(Ready::Exec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::Recorder;
    use crate::options::tests::{plan_as, FakeHost};

    fn plan(args: &[&str]) -> Plan {
        plan_as(&FakeHost::user(1000, 1000), args).unwrap()
    }

    fn calls(args: &[&str]) -> Vec<String> {
        let mut k = Recorder::default();
        assert_eq!(prepare_child(&plan(args), &mut k).unwrap(), Ready::Exec);
        k.calls
    }

    const PRIVATE: &str = "0x44000";
    const PROC_FLAGS: &str = "0xe";

    #[test]
    fn nothing_to_do() {
        assert!(calls(&["-n"]).is_empty());
    }

    #[test]
    fn the_util_linux_order() {
        // the strace of util-linux `-r -m -n -u -p --mount-proc -f --kill-child`
        assert_eq!(
            calls(&["-r", "-m", "-n", "-u", "-p", "--mount-proc", "-f", "--kill-child"]),
            [
                "pdeathsig 9",
                "parent-gone?",
                "write /proc/self/uid_map 0 1000 1",
                "write /proc/self/setgroups deny",
                "write /proc/self/gid_map 0 1000 1",
                &format!("mount none / - {PRIVATE}"),
                &format!("mount proc /proc proc {PROC_FLAGS}"),
            ]
        );
    }

    #[test]
    fn everything_in_order() {
        let got = calls(&[
            "-c",
            "--setgroups=deny",
            "--propagation=slave",
            "-R",
            "/r",
            "-w",
            "/w",
            "--mount-proc=/p",
            "--mount-binfmt=/b",
            "-l",
            ":x:E::x::/bin/sh:",
            "-S",
            "5",
            "-G",
            "6",
            "--keep-caps",
        ]);
        assert_eq!(
            got,
            [
                "write /proc/self/uid_map 1000 1000 1",
                "write /proc/self/setgroups deny",
                "write /proc/self/gid_map 1000 1000 1",
                "mount none / - 0x84000",
                "chroot /r",
                "chdir /w",
                "mount proc /p proc 0xe",
                "mount binfmt_misc /b binfmt_misc 0xe",
                "write /b/register :x:E::x::/bin/sh:",
                "setgroups []",
                "setgid 6",
                "setuid 5",
                "keep-caps",
            ]
        );
    }

    #[test]
    fn binfmt_with_fix_binary_flag_goes_before_chroot() {
        let got = calls(&["-R", "/r", "-l", ":x:E::x::/bin/sh:F"]);
        assert_eq!(
            got,
            [
                "mount none / - 0x44000",
                "mount binfmt_misc /proc/sys/fs/binfmt_misc binfmt_misc 0xe",
                "write /proc/sys/fs/binfmt_misc/register :x:E::x::/bin/sh:F",
                "chroot /r",
                "chdir /",
                "mount proc /proc proc 0xe",
            ]
        );
    }

    #[test]
    fn proc_is_made_private_when_root_is_not() {
        let got = calls(&["--mount-proc", "--propagation=shared"]);
        assert_eq!(got, ["mount none / - 0x104000", "mount none /proc - 0x44000", "mount proc /proc proc 0xe"]);
        let got = calls(&["--mount-proc", "--propagation=unchanged"]);
        assert_eq!(got, ["mount none /proc - 0x44000", "mount proc /proc proc 0xe"]);
    }

    #[test]
    fn propagation_needs_a_mount_namespace_and_keep_caps_a_user_namespace() {
        assert!(calls(&["--propagation=shared", "--keep-caps", "-n"]).is_empty());
        assert_eq!(calls(&["-U", "--keep-caps"]), ["keep-caps"]);
    }

    #[test]
    fn ranges_are_not_written_here() {
        assert!(calls(&["--map-users=0:100000:10", "--map-groups=0:100000:10"]).is_empty());
        // but a single map for the other kind is
        assert_eq!(calls(&["--map-users=0:100000:10", "--map-group=0"]).len(), 2);
    }

    #[test]
    fn dead_parent_stops_everything() {
        let mut k = Recorder { parent_gone: true, ..Recorder::default() };
        assert_eq!(prepare_child(&plan(&["--kill-child=TERM", "-r"]), &mut k).unwrap(), Ready::ParentGone);
        assert_eq!(k.calls, ["pdeathsig 15", "parent-gone?"]);
    }

    fn fails(args: &[&str], prefix: &str, errno: i32) -> Error {
        let mut k = Recorder::failing(prefix, errno);
        prepare_child(&plan(args), &mut k).unwrap_err()
    }

    #[test]
    fn messages() {
        let e = fails(&["-w", "/x"], "chdir", libc::ENOENT);
        assert_eq!(e.message(), "cannot change directory to /x: No such file or directory");
        let e = fails(&["-R", "/x"], "chroot", libc::ENOENT);
        assert_eq!(e.message(), "cannot change root directory to '/x': No such file or directory");
        let e = fails(&["-r", "-G", "0"], "setgroups", libc::EPERM);
        assert_eq!(e.message(), "setgroups failed: Operation not permitted");
        assert!(e.hint().is_some());
        let e = fails(&["-S", "1"], "setuid", libc::EINVAL);
        assert_eq!(e.message(), "setuid() failed: Invalid argument");
        let e = fails(&["-G", "1"], "setgid", libc::EPERM);
        assert_eq!(e.message(), "setgid() failed: Operation not permitted");
        let e = fails(&["--mount-proc=/nonexistent"], "mount proc", libc::ENOENT);
        assert_eq!(e.message(), "mount /nonexistent failed: No such file or directory");
        let e = fails(&["-r", "--mount-proc"], "mount proc", libc::EPERM);
        assert!(e.hint().unwrap().contains("--pid"), "{:?}", e.hint());
        let e = fails(&["-m"], "mount none /", libc::EINVAL);
        assert_eq!(e.message(), "cannot change root filesystem propagation: Invalid argument");
        let e = fails(&["-r"], "write /proc/self/uid_map", libc::EPERM);
        assert_eq!(e.message(), "write failed /proc/self/uid_map: Operation not permitted");
        let e = fails(&["-r"], "open /proc/self/gid_map", libc::EACCES);
        assert_eq!(e.message(), "cannot open /proc/self/gid_map: Permission denied");
        let e = fails(&["--kill-child"], "pdeathsig", libc::EINVAL);
        assert_eq!(e.message(), "prctl failed: Invalid argument");
    }

    #[test]
    fn explicit_setgroups() {
        assert_eq!(calls(&["-U", "--setgroups=allow"]), ["write /proc/self/setgroups allow"]);
        assert_eq!(calls(&["--map-user=0", "--setgroups=deny"]).len(), 2);
        assert_eq!(calls(&["--map-users=0:0:1", "--map-groups=0:0:1", "--setgroups=deny"]).len(), 1);
    }

    #[test]
    fn missing_setgroups_file_is_fine() {
        let mut k = Recorder::failing("open /proc/self/setgroups", libc::ENOENT);
        prepare_child(&plan(&["-r"]), &mut k).unwrap();
        assert_eq!(k.calls.len(), 3);
    }

    #[test]
    fn time_offsets_boottime_first() {
        let mut k = Recorder::default();
        set_time_offsets(&plan(&["-T", "--monotonic", "10", "--boottime", "-20"]), &mut k).unwrap();
        assert_eq!(k.calls, ["write /proc/self/timens_offsets 7 -20 0", "write /proc/self/timens_offsets 1 10 0"]);
        let mut k = Recorder::failing("open /proc/self/timens_offsets", libc::ENOENT);
        let e = set_time_offsets(&plan(&["-T", "--monotonic", "1"]), &mut k).unwrap_err();
        assert_eq!(e.message(), "failed to open /proc/self/timens_offsets: No such file or directory");
    }

    #[test]
    fn owner_order() {
        let mut k = Recorder::default();
        become_owner(&mut k, (7, 8)).unwrap();
        assert_eq!(k.calls, ["setgroups []", "setgid 8", "setuid 7"]);
        let mut k = Recorder::default();
        become_owner(&mut k, (u32::MAX, 8)).unwrap();
        assert_eq!(k.calls, ["setgroups []", "setgid 8"]);
        let mut k = Recorder::default();
        become_owner(&mut k, (7, u32::MAX)).unwrap();
        assert_eq!(k.calls, ["setuid 7"]);
    }
}
