//! System V IPC: the kernel's object records and the calls that create,
//! list, inspect and remove them (`svipc(7)`, `shmctl(2)`, `msgctl(2)`,
//! `semctl(2)`, `proc(5)` `/proc/sysvipc/*`).
//!
//! The `*ctl` calls are made as raw system calls with the kernel's own
//! 64-bit structure layouts (`ipc64_perm`, `shmid64_ds`, …) rather than
//! through the C library's wrappers: glibc and musl disagree on some of
//! their structures (musl's `sem_nsems` is a `short`) and musl's variadic
//! `semctl` does not know every command, so going straight to the kernel
//! makes the glibc and the static musl build see the same bytes.

use std::io::{self, BufRead};

use nix::errno::Errno;

#[cfg(not(target_pointer_width = "64"))]
compile_error!("ipcmk-rs uses the 64-bit kernel IPC structures; build it for a 64-bit Linux target");

/// `IPC_CREAT` (`<linux/ipc.h>`).
pub const IPC_CREAT: i32 = 0o1000;
/// `IPC_EXCL` (`<linux/ipc.h>`).
pub const IPC_EXCL: i32 = 0o2000;
const IPC_RMID: i32 = 0;
const IPC_STAT: i32 = 2;
const IPC_INFO: i32 = 3;
const SHM_STAT: i32 = 13;
const SHM_INFO: i32 = 14;
const SHM_STAT_ANY: i32 = 15;
const MSG_STAT: i32 = 11;
const MSG_INFO: i32 = 12;
const MSG_STAT_ANY: i32 = 13;
const SEM_STAT: i32 = 18;
const SEM_INFO: i32 = 19;
const SEM_STAT_ANY: i32 = 20;
const GETPID: i32 = 11;
const GETVAL: i32 = 12;
const GETNCNT: i32 = 14;
const GETZCNT: i32 = 15;

/// `SHM_DEST` (`<linux/shm.h>`): the segment is removed at its last detach.
pub const SHM_DEST: u32 = 0o1000;
/// `SHM_LOCKED` (`<linux/shm.h>`): the segment is locked in memory.
pub const SHM_LOCKED: u32 = 0o2000;
/// `SEMVMX` (`<linux/sem.h>`): the largest value of a semaphore.
pub const SEMVMX: u64 = 32767;

/// `struct ipc64_perm` (`<asm-generic/ipcbuf.h>`, 64-bit).
#[repr(C)]
#[derive(Default, Clone, Copy)]
struct KPerm {
    key: i32,
    uid: u32,
    gid: u32,
    cuid: u32,
    cgid: u32,
    mode: u32,
    seq: u16,
    pad: u16,
    unused1: u64,
    unused2: u64,
}

/// `struct shmid64_ds` (`<asm-generic/shmbuf.h>`, 64-bit).
#[repr(C)]
#[derive(Default, Clone, Copy)]
struct KShmDs {
    perm: KPerm,
    segsz: u64,
    atime: i64,
    dtime: i64,
    ctime: i64,
    cpid: i32,
    lpid: i32,
    nattch: u64,
    unused4: u64,
    unused5: u64,
}

/// `struct msqid64_ds` (`<asm-generic/msgbuf.h>`, 64-bit).
#[repr(C)]
#[derive(Default, Clone, Copy)]
struct KMsqDs {
    perm: KPerm,
    stime: i64,
    rtime: i64,
    ctime: i64,
    cbytes: u64,
    qnum: u64,
    qbytes: u64,
    lspid: i32,
    lrpid: i32,
    unused4: u64,
    unused5: u64,
}

/// `struct semid64_ds`: x86-64 keeps a padding word after each time
/// (`arch/x86/include/uapi/asm/sembuf.h`), the generic layout does not.
#[repr(C)]
#[derive(Default, Clone, Copy)]
struct KSemDs {
    perm: KPerm,
    otime: i64,
    #[cfg(target_arch = "x86_64")]
    unused1: u64,
    ctime: i64,
    #[cfg(target_arch = "x86_64")]
    unused2: u64,
    nsems: u64,
    unused3: u64,
    unused4: u64,
}

/// `struct shm_info` (`<linux/shm.h>`), filled by `SHM_INFO`.
#[repr(C)]
#[derive(Default, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShmStatus {
    /// Segments in use.
    pub used_ids: i32,
    /// Pages allocated.
    pub shm_tot: u64,
    /// Pages resident.
    pub shm_rss: u64,
    /// Pages swapped.
    pub shm_swp: u64,
    /// Swap attempts (always 0 since Linux 2.4).
    pub swap_attempts: u64,
    /// Swap successes (always 0 since Linux 2.4).
    pub swap_successes: u64,
}

/// `struct shminfo64` (`<asm-generic/shmbuf.h>`), filled by `IPC_INFO`.
#[repr(C)]
#[derive(Default, Clone, Copy)]
struct KShmInfo {
    shmmax: u64,
    shmmin: u64,
    shmmni: u64,
    shmseg: u64,
    shmall: u64,
    unused: [u64; 4],
}

/// `struct msginfo` (`<linux/msg.h>`), filled by `IPC_INFO` and `MSG_INFO`.
#[repr(C)]
#[derive(Default, Clone, Copy)]
struct KMsgInfo {
    msgpool: i32,
    msgmap: i32,
    msgmax: i32,
    msgmnb: i32,
    msgmni: i32,
    msgssz: i32,
    msgtql: i32,
    msgseg: u16,
}

/// `struct seminfo` (`<linux/sem.h>`), filled by `IPC_INFO` and `SEM_INFO`.
#[repr(C)]
#[derive(Default, Clone, Copy)]
struct KSemInfo {
    semmap: i32,
    semmni: i32,
    semmns: i32,
    semmnu: i32,
    semmsl: i32,
    semopm: i32,
    semume: i32,
    semusz: i32,
    semvmx: i32,
    semaem: i32,
}

/// The three kinds of System V IPC object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Shared memory segments.
    Shm,
    /// Message queues.
    Msg,
    /// Semaphore sets.
    Sem,
}

impl Kind {
    fn proc_file(self) -> &'static str {
        match self {
            Kind::Shm => "/proc/sysvipc/shm",
            Kind::Msg => "/proc/sysvipc/msg",
            Kind::Sem => "/proc/sysvipc/sem",
        }
    }
}

/// Ownership and permissions of an object (`struct ipc_perm`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Perm {
    /// The key (`IPC_PRIVATE` = 0).
    pub key: i32,
    /// Owner.
    pub uid: u32,
    /// Owner's group.
    pub gid: u32,
    /// Creator.
    pub cuid: u32,
    /// Creator's group.
    pub cgid: u32,
    /// Mode: permission bits plus, for segments, `SHM_DEST`/`SHM_LOCKED`.
    pub mode: u32,
}

impl From<KPerm> for Perm {
    fn from(p: KPerm) -> Perm {
        Perm { key: p.key, uid: p.uid, gid: p.gid, cuid: p.cuid, cgid: p.cgid, mode: p.mode }
    }
}

/// A shared memory segment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shm {
    /// The id (`shmid`).
    pub id: i32,
    /// Owner, creator, mode, key.
    pub perm: Perm,
    /// Size in bytes.
    pub size: u64,
    /// Creator's pid.
    pub cpid: i32,
    /// Pid of the last attach/detach.
    pub lpid: i32,
    /// Number of attaches.
    pub nattch: u64,
    /// Last attach time (0 = never).
    pub atime: i64,
    /// Last detach time.
    pub dtime: i64,
    /// Last change time.
    pub ctime: i64,
}

/// A message queue.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Msg {
    /// The id (`msqid`).
    pub id: i32,
    /// Owner, creator, mode, key.
    pub perm: Perm,
    /// Bytes in the queue.
    pub cbytes: u64,
    /// Messages in the queue.
    pub qnum: u64,
    /// The queue's byte limit, when known (`/proc/sysvipc/msg` lacks it).
    pub qbytes: Option<u64>,
    /// Pid of the last `msgsnd`.
    pub lspid: i32,
    /// Pid of the last `msgrcv`.
    pub lrpid: i32,
    /// Last send time.
    pub stime: i64,
    /// Last receive time.
    pub rtime: i64,
    /// Last change time.
    pub ctime: i64,
}

/// A semaphore set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sem {
    /// The id (`semid`).
    pub id: i32,
    /// Owner, creator, mode, key.
    pub perm: Perm,
    /// Number of semaphores.
    pub nsems: u64,
    /// Last `semop` time.
    pub otime: i64,
    /// Last change time.
    pub ctime: i64,
}

/// One semaphore of a set (`GETVAL`, `GETNCNT`, `GETZCNT`, `GETPID`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SemValue {
    /// Its value.
    pub value: i32,
    /// Processes waiting for it to increase.
    pub ncount: i32,
    /// Processes waiting for it to become zero.
    pub zcount: i32,
    /// Pid of the last operation.
    pub pid: i32,
}

impl From<(i32, KShmDs)> for Shm {
    fn from((id, d): (i32, KShmDs)) -> Shm {
        Shm {
            id,
            perm: d.perm.into(),
            size: d.segsz,
            cpid: d.cpid,
            lpid: d.lpid,
            nattch: d.nattch,
            atime: d.atime,
            dtime: d.dtime,
            ctime: d.ctime,
        }
    }
}

impl From<(i32, KMsqDs)> for Msg {
    fn from((id, d): (i32, KMsqDs)) -> Msg {
        Msg {
            id,
            perm: d.perm.into(),
            cbytes: d.cbytes,
            qnum: d.qnum,
            qbytes: Some(d.qbytes),
            lspid: d.lspid,
            lrpid: d.lrpid,
            stime: d.stime,
            rtime: d.rtime,
            ctime: d.ctime,
        }
    }
}

impl From<(i32, KSemDs)> for Sem {
    fn from((id, d): (i32, KSemDs)) -> Sem {
        Sem { id, perm: d.perm.into(), nsems: d.nsems, otime: d.otime, ctime: d.ctime }
    }
}

/// A `*ctl` call's result: -1 becomes the errno. The SysV calls are made
/// through libc: nix has none of them.
fn check(rc: libc::c_long) -> io::Result<i32> {
    Ok(Errno::result(rc)? as i32)
}

fn shmctl<T>(id: i32, cmd: i32, buf: *mut T) -> io::Result<i32> {
    // SAFETY: buf is null or points to a structure of the size the kernel
    // writes for `cmd`.
    check(unsafe { libc::syscall(libc::SYS_shmctl, id, cmd, buf) })
}

fn msgctl<T>(id: i32, cmd: i32, buf: *mut T) -> io::Result<i32> {
    // SAFETY: as for shmctl.
    check(unsafe { libc::syscall(libc::SYS_msgctl, id, cmd, buf) })
}

fn semctl(id: i32, num: i32, cmd: i32, arg: usize) -> io::Result<i32> {
    // SAFETY: arg is 0 or a pointer to a structure of the size the kernel
    // writes for `cmd` (union semun is passed by value as one word).
    check(unsafe { libc::syscall(libc::SYS_semctl, id, num, cmd, arg) })
}

/// Read a `/proc/sysvipc` file and parse each line after the header with
/// `row`; `None` when the file is unusable (missing, unreadable, or a line
/// that does not parse), so the caller falls back to the `*ctl` calls.
fn read_proc<T>(kind: Kind, row: impl Fn(&[&str]) -> Option<T>) -> Option<Vec<T>> {
    // line by line: with tens of thousands of objects the file's text
    // would take more memory than the records made of it
    let mut file = io::BufReader::new(std::fs::File::open(kind.proc_file()).ok()?);
    let mut line = String::new();
    if file.read_line(&mut line).ok()? == 0 {
        return None; // not even the column header
    }
    let mut out = Vec::new();
    loop {
        line.clear();
        if file.read_line(&mut line).ok()? == 0 {
            return Some(out);
        }
        // the rows use the first 14 fields (the kernel writes at most 16)
        let mut fields = [""; 16];
        let mut n = 0;
        for (slot, f) in fields.iter_mut().zip(line.split_ascii_whitespace()) {
            *slot = f;
            n += 1;
        }
        if n > 0 {
            out.push(row(&fields[..n])?);
        }
    }
}

fn num<T: std::str::FromStr>(s: &str) -> Option<T> {
    s.parse().ok()
}

fn octal(s: &str) -> Option<u32> {
    u32::from_str_radix(s, 8).ok()
}

fn proc_perm(f: &[&str], key: usize, perms: usize, ids: usize) -> Option<Perm> {
    Some(Perm {
        key: num(f[key])?,
        mode: octal(f[perms])?,
        uid: num(f[ids])?,
        gid: num(f[ids + 1])?,
        cuid: num(f[ids + 2])?,
        cgid: num(f[ids + 3])?,
    })
}

fn proc_shm(f: &[&str]) -> Option<Shm> {
    // key shmid perms size cpid lpid nattch uid gid cuid cgid atime dtime ctime [rss swap]
    if f.len() < 14 {
        return None;
    }
    Some(Shm {
        id: num(f[1])?,
        perm: proc_perm(f, 0, 2, 7)?,
        size: num(f[3])?,
        cpid: num(f[4])?,
        lpid: num(f[5])?,
        nattch: num(f[6])?,
        atime: num(f[11])?,
        dtime: num(f[12])?,
        ctime: num(f[13])?,
    })
}

fn proc_msg(f: &[&str]) -> Option<Msg> {
    // key msqid perms cbytes qnum lspid lrpid uid gid cuid cgid stime rtime ctime
    if f.len() < 14 {
        return None;
    }
    Some(Msg {
        id: num(f[1])?,
        perm: proc_perm(f, 0, 2, 7)?,
        cbytes: num(f[3])?,
        qnum: num(f[4])?,
        qbytes: None,
        lspid: num(f[5])?,
        lrpid: num(f[6])?,
        stime: num(f[11])?,
        rtime: num(f[12])?,
        ctime: num(f[13])?,
    })
}

fn proc_sem(f: &[&str]) -> Option<Sem> {
    // key semid perms nsems uid gid cuid cgid otime ctime
    if f.len() < 10 {
        return None;
    }
    Some(Sem { id: num(f[1])?, perm: proc_perm(f, 0, 2, 4)?, nsems: num(f[3])?, otime: num(f[8])?, ctime: num(f[9])? })
}

/// Walk the kernel's index `0..=max` with a `*_STAT` command. `stat` returns
/// the object for one index or an error for an unused/unreadable one.
/// `*_STAT_ANY` (Linux 4.17) ignores read permission as `/proc/sysvipc`
/// does; when the kernel does not know it, every call fails with EINVAL and
/// the walk is repeated with the plain `*_STAT`.
fn walk<T>(max: i32, any: bool, stat: impl Fn(i32, bool) -> io::Result<T>) -> Vec<T> {
    let mut out = Vec::new();
    let mut all_einval = true;
    for index in 0..=max {
        match stat(index, any) {
            Ok(v) => {
                all_einval = false;
                out.push(v);
            }
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {}
            Err(_) => all_einval = false,
        }
    }
    if any && all_einval && max >= 0 {
        return walk(max, false, stat);
    }
    out
}

fn stat_shm(index: i32, any: bool) -> io::Result<Shm> {
    let mut ds = KShmDs::default();
    let id = shmctl(index, if any { SHM_STAT_ANY } else { SHM_STAT }, &mut ds)?;
    Ok((id, ds).into())
}

fn stat_msg(index: i32, any: bool) -> io::Result<Msg> {
    let mut ds = KMsqDs::default();
    let id = msgctl(index, if any { MSG_STAT_ANY } else { MSG_STAT }, &mut ds)?;
    Ok((id, ds).into())
}

fn stat_sem(index: i32, any: bool) -> io::Result<Sem> {
    let mut ds = KSemDs::default();
    let id = semctl(index, 0, if any { SEM_STAT_ANY } else { SEM_STAT }, &mut ds as *mut KSemDs as usize)?;
    Ok((id, ds).into())
}

/// The highest index in use (`*_INFO` returns it), or -1 when none is.
fn max_index(kind: Kind) -> i32 {
    let rc = match kind {
        Kind::Shm => shmctl(0, SHM_INFO, &mut ShmStatus::default()),
        Kind::Msg => msgctl(0, MSG_INFO, &mut KMsgInfo::default()),
        Kind::Sem => semctl(0, 0, SEM_INFO, &mut KSemInfo::default() as *mut KSemInfo as usize),
    };
    rc.unwrap_or(-1)
}

/// Every shared memory segment of our IPC namespace, in index order.
pub fn list_shm() -> Vec<Shm> {
    if let Some(v) = read_proc(Kind::Shm, proc_shm) {
        return v;
    }
    walk(max_index(Kind::Shm), true, stat_shm)
}

/// Every message queue of our IPC namespace, in index order.
pub fn list_msg() -> Vec<Msg> {
    if let Some(v) = read_proc(Kind::Msg, proc_msg) {
        return v;
    }
    walk(max_index(Kind::Msg), true, stat_msg)
}

/// Every semaphore set of our IPC namespace, in index order.
pub fn list_sem() -> Vec<Sem> {
    if let Some(v) = read_proc(Kind::Sem, proc_sem) {
        return v;
    }
    walk(max_index(Kind::Sem), true, stat_sem)
}

/// The ids the caller may read, found by `*_STAT` (not `*_STAT_ANY`): what
/// `ipcrm --all` walks, like util-linux, so an unprivileged caller is not
/// told about objects it cannot even see.
pub fn visible_ids(kind: Kind) -> Vec<i32> {
    let max = max_index(kind);
    match kind {
        Kind::Shm => walk(max, false, stat_shm).iter().map(|o| o.id).collect(),
        Kind::Msg => walk(max, false, stat_msg).iter().map(|o| o.id).collect(),
        Kind::Sem => walk(max, false, stat_sem).iter().map(|o| o.id).collect(),
    }
}

/// One segment by id (`IPC_STAT`).
pub fn stat_shm_id(id: i32) -> io::Result<Shm> {
    let mut ds = KShmDs::default();
    shmctl(id, IPC_STAT, &mut ds)?;
    Ok((id, ds).into())
}

/// One queue by id (`IPC_STAT`).
pub fn stat_msg_id(id: i32) -> io::Result<Msg> {
    let mut ds = KMsqDs::default();
    msgctl(id, IPC_STAT, &mut ds)?;
    Ok((id, ds).into())
}

/// One semaphore set by id (`IPC_STAT`).
pub fn stat_sem_id(id: i32) -> io::Result<Sem> {
    let mut ds = KSemDs::default();
    semctl(id, 0, IPC_STAT, &mut ds as *mut KSemDs as usize)?;
    Ok((id, ds).into())
}

/// Find one segment by id the way the listing does (`/proc` or `*_STAT`),
/// falling back to `IPC_STAT` on the id itself.
pub fn find_shm(id: i32) -> Option<Shm> {
    if let Some(v) = read_proc(Kind::Shm, proc_shm) {
        return v.into_iter().find(|o| o.id == id);
    }
    stat_shm_id(id).ok()
}

/// Find one queue by id; its `qbytes` comes from `IPC_STAT` (not in `/proc`).
pub fn find_msg(id: i32) -> Option<Msg> {
    if let Some(v) = read_proc(Kind::Msg, proc_msg) {
        let mut m = v.into_iter().find(|o| o.id == id)?;
        m.qbytes = stat_msg_id(id).ok().and_then(|s| s.qbytes);
        return Some(m);
    }
    stat_msg_id(id).ok()
}

/// Find one semaphore set by id.
pub fn find_sem(id: i32) -> Option<Sem> {
    if let Some(v) = read_proc(Kind::Sem, proc_sem) {
        return v.into_iter().find(|o| o.id == id);
    }
    stat_sem_id(id).ok()
}

/// The value, waiter counts and last pid of each semaphore of a set. On
/// failure, the name of the command that failed (`GETVAL`, …) and why.
pub fn sem_values(id: i32, nsems: u64) -> Result<Vec<SemValue>, (&'static str, io::Error)> {
    let get = |num: i32, cmd: i32, name: &'static str| semctl(id, num, cmd, 0).map_err(|e| (name, e));
    (0..nsems.min(i32::MAX as u64) as i32)
        .map(|n| {
            Ok(SemValue {
                value: get(n, GETVAL, "GETVAL")?,
                ncount: get(n, GETNCNT, "GETNCNT")?,
                zcount: get(n, GETZCNT, "GETZCNT")?,
                pid: get(n, GETPID, "GETPID")?,
            })
        })
        .collect()
}

/// Message queue limits (`/proc/sys/kernel/msg*`, else `IPC_INFO`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MsgLimits {
    /// Queues system-wide (`msgmni`).
    pub msgmni: u64,
    /// Largest message in bytes (`msgmax`).
    pub msgmax: u64,
    /// Default queue size in bytes (`msgmnb`).
    pub msgmnb: u64,
}

/// Shared memory limits (`/proc/sys/kernel/shm*`, else `IPC_INFO`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ShmLimits {
    /// Segments system-wide (`shmmni`).
    pub shmmni: u64,
    /// Largest segment in bytes (`shmmax`).
    pub shmmax: u64,
    /// Total shared memory in pages (`shmall`).
    pub shmall: u64,
    /// Smallest segment in bytes (always 1).
    pub shmmin: u64,
}

/// Semaphore limits (`/proc/sys/kernel/sem`, else `IPC_INFO`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SemLimits {
    /// Sets system-wide (`semmni`).
    pub semmni: u64,
    /// Semaphores per set (`semmsl`).
    pub semmsl: u64,
    /// Semaphores system-wide (`semmns`).
    pub semmns: u64,
    /// Operations per `semop` call (`semopm`).
    pub semopm: u64,
    /// Largest semaphore value (`SEMVMX`).
    pub semvmx: u64,
}

fn sysctl_u64s(name: &str) -> Option<Vec<u64>> {
    let text = std::fs::read_to_string(format!("/proc/sys/kernel/{name}")).ok()?;
    let v: Option<Vec<u64>> = text.split_ascii_whitespace().map(|w| w.parse().ok()).collect();
    v.filter(|v| !v.is_empty())
}

fn sysctl_u64(name: &str) -> Option<u64> {
    sysctl_u64s(name).map(|v| v[0])
}

/// Message queue limits.
pub fn msg_limits() -> MsgLimits {
    let info = || {
        let mut i = KMsgInfo::default();
        let _ = msgctl(0, IPC_INFO, &mut i);
        i
    };
    if let (Some(msgmni), Some(msgmax), Some(msgmnb)) =
        (sysctl_u64("msgmni"), sysctl_u64("msgmax"), sysctl_u64("msgmnb"))
    {
        return MsgLimits { msgmni, msgmax, msgmnb };
    }
    let i = info();
    MsgLimits { msgmni: i.msgmni.max(0) as u64, msgmax: i.msgmax.max(0) as u64, msgmnb: i.msgmnb.max(0) as u64 }
}

/// Shared memory limits.
pub fn shm_limits() -> ShmLimits {
    if let (Some(shmmni), Some(shmmax), Some(shmall)) =
        (sysctl_u64("shmmni"), sysctl_u64("shmmax"), sysctl_u64("shmall"))
    {
        return ShmLimits { shmmni, shmmax, shmall, shmmin: 1 };
    }
    let mut i = KShmInfo::default();
    let _ = shmctl(0, IPC_INFO, &mut i);
    ShmLimits { shmmni: i.shmmni, shmmax: i.shmmax, shmall: i.shmall, shmmin: 1 }
}

/// Semaphore limits.
pub fn sem_limits() -> SemLimits {
    if let Some(v) = sysctl_u64s("sem").filter(|v| v.len() >= 4) {
        return SemLimits { semmsl: v[0], semmns: v[1], semopm: v[2], semmni: v[3], semvmx: SEMVMX };
    }
    let mut i = KSemInfo::default();
    let _ = semctl(0, 0, IPC_INFO, &mut i as *mut KSemInfo as usize);
    let u = |v: i32| v.max(0) as u64;
    SemLimits { semmni: u(i.semmni), semmsl: u(i.semmsl), semmns: u(i.semmns), semopm: u(i.semopm), semvmx: SEMVMX }
}

/// Message queue usage (`MSG_INFO`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MsgStatus {
    /// Queues in use.
    pub queues: i32,
    /// Messages in all queues.
    pub headers: i32,
    /// Bytes in all queues.
    pub bytes: u64,
}

/// Semaphore usage (`SEM_INFO`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SemStatus {
    /// Sets in use.
    pub arrays: i32,
    /// Semaphores in all sets.
    pub semaphores: i32,
}

/// Shared memory usage (`SHM_INFO`).
pub fn shm_status() -> ShmStatus {
    let mut s = ShmStatus::default();
    let _ = shmctl(0, SHM_INFO, &mut s);
    s
}

/// Message queue usage (`MSG_INFO`).
pub fn msg_status() -> MsgStatus {
    let mut i = KMsgInfo::default();
    let _ = msgctl(0, MSG_INFO, &mut i);
    // msgtql holds the byte count as an int (the kernel clamps it)
    MsgStatus { queues: i.msgpool, headers: i.msgmap, bytes: i.msgtql as u32 as u64 }
}

/// Semaphore usage (`SEM_INFO`).
pub fn sem_status() -> SemStatus {
    let mut i = KSemInfo::default();
    let _ = semctl(0, 0, SEM_INFO, &mut i as *mut KSemInfo as usize);
    SemStatus { arrays: i.semusz, semaphores: i.semaem }
}

/// Remove an object by id (`IPC_RMID`).
pub fn remove(kind: Kind, id: i32) -> io::Result<()> {
    match kind {
        Kind::Shm => shmctl::<u8>(id, IPC_RMID, std::ptr::null_mut()),
        Kind::Msg => msgctl::<u8>(id, IPC_RMID, std::ptr::null_mut()),
        Kind::Sem => semctl(id, 0, IPC_RMID, 0),
    }
    .map(|_| ())
}

/// The id of the object with `key` (`shmget`/`msgget`/`semget` without
/// `IPC_CREAT`).
pub fn id_of_key(kind: Kind, key: i32) -> io::Result<i32> {
    let what = match kind {
        Kind::Shm => Create::Shm(0),
        Kind::Msg => Create::Msg,
        Kind::Sem => Create::Sem(0),
    };
    get(what, key, 0)
}

/// `shmget(2)`, `msgget(2)` or `semget(2)` (libc: nix has no SysV IPC).
fn get(what: Create, key: i32, flags: i32) -> io::Result<i32> {
    // SAFETY: plain system calls without pointers.
    let rc = unsafe {
        match what {
            Create::Shm(size) => libc::shmget(key, size as libc::size_t, flags),
            Create::Msg => libc::msgget(key, flags),
            Create::Sem(n) => libc::semget(key, n, flags),
        }
    };
    Ok(Errno::result(rc)?)
}

/// What to create.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Create {
    /// A segment of this many bytes.
    Shm(u64),
    /// A queue.
    Msg,
    /// A set of this many semaphores.
    Sem(i32),
}

/// A random key that is not `IPC_PRIVATE` (`getrandom(2)`).
pub fn random_key() -> io::Result<i32> {
    loop {
        let mut b = [0u8; 4];
        // libc: nix has no getrandom.
        // SAFETY: b is a valid 4-byte buffer.
        let n = match Errno::result(unsafe { libc::getrandom(b.as_mut_ptr().cast(), b.len(), 0) }) {
            Err(Errno::EINTR) => continue,
            n => n?,
        };
        if n as usize == b.len() {
            let key = i32::from_ne_bytes(b);
            if key != 0 {
                return Ok(key);
            }
        }
    }
}

/// Create an object with a fresh random key and `mode`; returns its id.
///
/// `IPC_EXCL` with a new key on `EEXIST` makes sure we never hand out an
/// existing object whose key we happened to draw (util-linux does not check).
pub fn create(what: Create, mode: u32) -> io::Result<i32> {
    let flags = (mode & 0o777) as i32 | IPC_CREAT | IPC_EXCL;
    loop {
        let key = random_key()?;
        match get(what, key, flags) {
            Err(e) if e.raw_os_error() == Some(libc::EEXIST) => continue,
            made => return made,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_struct_sizes() {
        assert_eq!(std::mem::size_of::<KPerm>(), 48);
        assert_eq!(std::mem::size_of::<KShmDs>(), 112);
        assert_eq!(std::mem::size_of::<KMsqDs>(), 120);
        #[cfg(target_arch = "x86_64")]
        assert_eq!(std::mem::size_of::<KSemDs>(), 104);
        assert_eq!(std::mem::size_of::<ShmStatus>(), 48);
        assert_eq!(std::mem::size_of::<KSemInfo>(), 40);
        assert_eq!(std::mem::size_of::<KMsgInfo>(), 32);
    }

    #[test]
    fn proc_lines_parse() {
        let shm = "-334897207          0   644                  1024  8373     0      0     0     0     0     0          0          0 1795383067                     0                     0";
        let f: Vec<&str> = shm.split_ascii_whitespace().collect();
        let s = proc_shm(&f).unwrap();
        assert_eq!(
            (s.id, s.perm.key, s.perm.mode, s.size, s.cpid, s.ctime),
            (0, -334897207, 0o644, 1024, 8373, 1795383067)
        );
        let msg = "-1526901140          3   600          12          2     7     8     1     2     3     4          5          6 1795383067";
        let f: Vec<&str> = msg.split_ascii_whitespace().collect();
        let m = proc_msg(&f).unwrap();
        assert_eq!((m.id, m.perm.mode, m.cbytes, m.qnum, m.lspid, m.lrpid), (3, 0o600, 12, 2, 7, 8));
        assert_eq!((m.perm.uid, m.perm.gid, m.perm.cuid, m.perm.cgid, m.stime, m.rtime), (1, 2, 3, 4, 5, 6));
        let sem = "2085910019          0  1644          3     0     0     0     0          9 1795383067";
        let f: Vec<&str> = sem.split_ascii_whitespace().collect();
        let s = proc_sem(&f).unwrap();
        assert_eq!((s.perm.mode, s.nsems, s.otime), (0o1644, 3, 9));
        assert!(proc_sem(&["1", "2"]).is_none());
        assert!(proc_sem(&["x", "0", "644", "3", "0", "0", "0", "0", "0", "0"]).is_none());
    }
}
