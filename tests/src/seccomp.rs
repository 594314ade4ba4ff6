//! seccomp(2) filters that make the kernel answer as an older kernel or a
//! container runtime's profile would: the way tests force a tool's
//! fallbacks from outside, with no switch compiled into the tools.
//!
//! * [`Rule`] — fail one system call with an errno, optionally only when
//!   its second argument has one value (`setns(fd, CLONE_NEWUTS |
//!   CLONE_NEWNET)`: nsenter-rs's probe of pidfd entry and nothing else).
//! * [`filter`] builds the classic BPF program, [`install`] loads it (the
//!   harness's [`crate::Cmd::seccomp_deny`] between fork and exec; the
//!   `nsutils-seccomp` wrapper for commands run by a shell script).

use std::io;

/// One system call to fail: `nr` (`libc::SYS_*`), with `errno`; when
/// `arg1` is given, only calls whose second argument's low 32 bits are it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// The system call number.
    pub nr: i64,
    /// The value the second argument must have, if any.
    pub arg1: Option<u32>,
    /// What the call fails with.
    pub errno: i32,
}

impl Rule {
    /// Fail every call of `nr` with `errno`.
    pub const fn deny(nr: i64, errno: i32) -> Rule {
        Rule { nr, arg1: None, errno }
    }

    /// Fail the calls of `nr` whose second argument is `arg1`.
    pub const fn deny_with_arg1(nr: i64, arg1: u32, errno: i32) -> Rule {
        Rule { nr, arg1: Some(arg1), errno }
    }

    /// The rule as one word for `nsutils-seccomp`: `NR[:ARG1]=ERRNO`.
    pub fn word(&self) -> String {
        match self.arg1 {
            Some(a) => format!("{}:{a}={}", self.nr, self.errno),
            None => format!("{}={}", self.nr, self.errno),
        }
    }

    /// A word made by [`Rule::word`].
    pub fn parse(word: &str) -> Option<Rule> {
        let (call, errno) = word.split_once('=')?;
        let errno = errno.parse().ok()?;
        Some(match call.split_once(':') {
            Some((nr, arg1)) => Rule::deny_with_arg1(nr.parse().ok()?, arg1.parse().ok()?, errno),
            None => Rule::deny(call.parse().ok()?, errno),
        })
    }
}

/// Offsets in `struct seccomp_data`: the call number, and the low half of
/// the second argument (x86_64 and aarch64 are little-endian).
const NR: u32 = 0;
const ARG1_LOW: u32 = 16 + 8;

/// A classic BPF program for `seccomp(2)` returning `SECCOMP_RET_ERRNO |
/// errno` for the first rule a call matches, `SECCOMP_RET_ALLOW` otherwise.
/// (No check of the architecture: the tests run natively.)
pub fn filter(rules: &[Rule]) -> Vec<libc::sock_filter> {
    const LD_W_ABS: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
    const JEQ_K: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
    const RET_K: u16 = (libc::BPF_RET | libc::BPF_K) as u16;
    let op = |code, jt, jf, k| libc::sock_filter { code, jt, jf, k };
    let mut prog = Vec::new();
    for r in rules {
        let nr = u32::try_from(r.nr).expect("a system call number");
        let ret = op(RET_K, 0, 0, libc::SECCOMP_RET_ERRNO | (r.errno as u32 & libc::SECCOMP_RET_DATA));
        prog.push(op(LD_W_ABS, 0, 0, NR));
        match r.arg1 {
            // not this call: skip the argument test and the return
            Some(a) => {
                prog.push(op(JEQ_K, 0, 3, nr));
                prog.push(op(LD_W_ABS, 0, 0, ARG1_LOW));
                prog.push(op(JEQ_K, 0, 1, a));
            }
            None => prog.push(op(JEQ_K, 0, 1, nr)),
        }
        prog.push(ret);
    }
    prog.push(op(RET_K, 0, 0, libc::SECCOMP_RET_ALLOW));
    prog
}

/// Load `filter` for this thread and what it starts (after
/// `PR_SET_NO_NEW_PRIVS`, which an unprivileged filter needs).
///
/// # Safety
/// Only async-signal-safe calls are made, so it may run between fork and
/// exec; the program must stay alive during the call.
pub unsafe fn install(filter: &[libc::sock_filter]) -> io::Result<()> {
    let prog = libc::sock_fprog { len: filter.len() as u16, filter: filter.as_ptr().cast_mut() };
    // SAFETY: prctl with a valid sock_fprog that outlives the call.
    unsafe {
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
            || libc::prctl(libc::PR_SET_SECCOMP, libc::SECCOMP_MODE_FILTER, &prog) != 0
        {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for r in [Rule::deny(434, 38), Rule::deny_with_arg1(308, 0x4400_0000, 22)] {
            assert_eq!(Rule::parse(&r.word()), Some(r));
        }
        assert_eq!(Rule::parse("x=1"), None);
    }

    #[test]
    fn a_rule_with_an_argument_jumps_over_its_test_and_return() {
        let p = filter(&[Rule::deny_with_arg1(308, 7, 22), Rule::deny(434, 38)]);
        // ld nr; jeq 308 (else +3); ld arg1; jeq 7 (else +1); ret errno;
        // ld nr; jeq 434 (else +1); ret errno; ret allow
        assert_eq!(p.len(), 9);
        assert_eq!((p[1].jf, p[3].jf, p[6].jf), (3, 1, 1));
        assert_eq!(p[4].k & libc::SECCOMP_RET_DATA, 22);
        assert_eq!(p[8].k, libc::SECCOMP_RET_ALLOW);
    }
}
