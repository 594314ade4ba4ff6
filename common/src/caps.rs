//! Capabilities that survive `execve(2)`: the ambient set
//! (`capabilities(7)`, `capget(2)`, `prctl(2)` `PR_CAP_AMBIENT`).
//!
//! Used by `--keep-caps` of unshare and nsenter: after entering a user
//! namespace the process holds every capability in it, but exec of a
//! non-root program drops them unless they are ambient.
//!
//! libc, not nix: nix (0.32) has neither `capget`/`capset` nor the
//! `PR_CAP_AMBIENT` requests of `prctl`.

use std::io;

use nix::errno::Errno;

/// `_LINUX_CAPABILITY_VERSION_3` (`<linux/capability.h>`): 64-bit sets in two words.
const CAP_VERSION_3: u32 = 0x2008_0522;

#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

/// The three capability sets of the calling thread (`capget(2)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CapSets {
    /// Effective set.
    pub effective: u64,
    /// Permitted set.
    pub permitted: u64,
    /// Inheritable set.
    pub inheritable: u64,
}

/// `capget(2)` for the calling thread.
pub fn get() -> io::Result<CapSets> {
    let mut hdr = CapHeader { version: CAP_VERSION_3, pid: 0 };
    let mut data = [CapData::default(); 2];
    // SAFETY: hdr and data are valid for capget's v3 layout.
    Errno::result(unsafe { libc::syscall(libc::SYS_capget, &mut hdr as *mut CapHeader, data.as_mut_ptr()) })?;
    let join = |lo: u32, hi: u32| (hi as u64) << 32 | lo as u64;
    Ok(CapSets {
        effective: join(data[0].effective, data[1].effective),
        permitted: join(data[0].permitted, data[1].permitted),
        inheritable: join(data[0].inheritable, data[1].inheritable),
    })
}

/// `capset(2)` for the calling thread.
pub fn set(sets: CapSets) -> io::Result<()> {
    let mut hdr = CapHeader { version: CAP_VERSION_3, pid: 0 };
    let split = |v: u64| (v as u32, (v >> 32) as u32);
    let (el, eh) = split(sets.effective);
    let (pl, ph) = split(sets.permitted);
    let (il, ih) = split(sets.inheritable);
    let data = [
        CapData { effective: el, permitted: pl, inheritable: il },
        CapData { effective: eh, permitted: ph, inheritable: ih },
    ];
    // SAFETY: hdr and data are valid for capset's v3 layout.
    Errno::result(unsafe { libc::syscall(libc::SYS_capset, &mut hdr as *mut CapHeader, data.as_ptr()) })?;
    Ok(())
}

/// The highest capability number the kernel knows (`/proc/sys/kernel/cap_last_cap`,
/// `capabilities(7)`).
pub fn last_cap() -> u32 {
    std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(40)
        .min(63)
}

/// Make the permitted capabilities inheritable and raise every effective
/// one into the ambient set (`prctl(2)` `PR_CAP_AMBIENT_RAISE`), so they
/// survive exec (`--keep-caps`).
pub fn raise_ambient() -> io::Result<()> {
    let mut sets = get()?;
    sets.inheritable = sets.permitted;
    set(sets)?;
    for cap in 0..=last_cap() {
        if sets.effective & (1u64 << cap) == 0 {
            continue;
        }
        // SAFETY: prctl with integer arguments.
        Errno::result(unsafe {
            libc::prctl(libc::PR_CAP_AMBIENT, libc::PR_CAP_AMBIENT_RAISE as libc::c_ulong, cap as libc::c_ulong, 0, 0)
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capget_reads_our_sets() {
        let s = get().unwrap();
        // effective is always a subset of permitted
        assert_eq!(s.effective & !s.permitted, 0);
        assert!(last_cap() >= 30);
    }
}
