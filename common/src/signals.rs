//! Signal names (`signal(7)`), parsed as util-linux does for
//! `--kill-child=SIGNAME`: case-insensitive, optional `SIG` prefix,
//! `RTMIN+n`/`RTMAX-n`.
//!
//! Real-time signals are numbered as glibc numbers them, in every build:
//! `RTMIN+0` is 34 and `RTMAX-0` is 64. The kernel's real-time signals are
//! 32 to 64; glibc keeps 32 and 33 for itself and musl 32 to 34, so musl's
//! `SIGRTMIN()` is 35 and a static build asking the C library would send
//! other signals than util-linux does. The signals named here are sent by
//! the kernel (`PR_SET_PDEATHSIG`) to the program we run, whatever C
//! library that program has, so the C library we are built with has no
//! say in their numbers.

/// `RTMIN+0`: the first real-time signal a glibc program may use.
pub const RTMIN: i32 = 34;
/// `RTMAX-0`: the kernel's last signal (`_NSIG - 1`).
pub const RTMAX: i32 = 64;

const NAMES: &[(&str, i32)] = &[
    ("HUP", libc::SIGHUP),
    ("INT", libc::SIGINT),
    ("QUIT", libc::SIGQUIT),
    ("ILL", libc::SIGILL),
    ("TRAP", libc::SIGTRAP),
    ("ABRT", libc::SIGABRT),
    ("IOT", libc::SIGIOT),
    ("BUS", libc::SIGBUS),
    ("FPE", libc::SIGFPE),
    ("KILL", libc::SIGKILL),
    ("USR1", libc::SIGUSR1),
    ("SEGV", libc::SIGSEGV),
    ("USR2", libc::SIGUSR2),
    ("PIPE", libc::SIGPIPE),
    ("ALRM", libc::SIGALRM),
    ("TERM", libc::SIGTERM),
    ("STKFLT", libc::SIGSTKFLT),
    ("CHLD", libc::SIGCHLD),
    ("CLD", libc::SIGCHLD),
    ("CONT", libc::SIGCONT),
    ("STOP", libc::SIGSTOP),
    ("TSTP", libc::SIGTSTP),
    ("TTIN", libc::SIGTTIN),
    ("TTOU", libc::SIGTTOU),
    ("URG", libc::SIGURG),
    ("XCPU", libc::SIGXCPU),
    ("XFSZ", libc::SIGXFSZ),
    ("VTALRM", libc::SIGVTALRM),
    ("PROF", libc::SIGPROF),
    ("WINCH", libc::SIGWINCH),
    ("IO", libc::SIGIO),
    ("POLL", libc::SIGPOLL),
    ("PWR", libc::SIGPWR),
    ("SYS", libc::SIGSYS),
];

/// The number of the signal called `name` (`signal(7)`: `TERM`, `sigterm`,
/// `SIGTERM`, `RTMIN+2`); numbers are not names and give `None`.
pub fn from_name(name: &str) -> Option<i32> {
    let upper = name.to_ascii_uppercase();
    let bare = upper.strip_prefix("SIG").unwrap_or(&upper);
    if let Some(&(_, n)) = NAMES.iter().find(|(s, _)| *s == bare) {
        return Some(n);
    }
    // the number after `RTMIN+`/`RTMAX-` is required, as is the sign:
    // util-linux refuses a bare `RTMIN+`, `RTMIN` and `RTMAX`
    let offset = |s: &str| -> Option<i32> {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    if let Some(d) = bare.strip_prefix("RTMIN+") {
        // checked: `RTMIN+2147483647` must not wrap round to a "valid" number
        return RTMIN.checked_add(offset(d)?).filter(|&s| s <= RTMAX);
    }
    if let Some(d) = bare.strip_prefix("RTMAX-") {
        return RTMAX.checked_sub(offset(d)?).filter(|&s| s >= RTMIN);
    }
    None
}

/// The name of signal `sig` without `SIG` (`TERM`; `signal(7)`), if it has one.
pub fn name_of(sig: i32) -> Option<&'static str> {
    NAMES.iter().find(|(_, n)| *n == sig).map(|(s, _)| *s)
}

/// Signal `sig` for a message: `SIGTERM`, `SIGRTMIN+2`, or `signal 33`
/// for one without a name.
pub fn describe(sig: i32) -> String {
    match name_of(sig) {
        Some(name) => format!("SIG{name}"),
        None if (RTMIN..=RTMAX).contains(&sig) => format!("SIGRTMIN+{}", sig - RTMIN),
        None => format!("signal {sig}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(from_name("SIGTERM"), Some(libc::SIGTERM));
        assert_eq!(from_name("term"), Some(libc::SIGTERM));
        assert_eq!(from_name("sigKill"), Some(libc::SIGKILL));
        assert_eq!(from_name("9"), None);
        assert_eq!(from_name("FOO"), None);
        assert_eq!(from_name(""), None);
        assert_eq!(from_name("RTMIN+1"), Some(35));
        assert_eq!(from_name("SIGRTMAX-1"), Some(63));
        assert_eq!(from_name("RTMIN+100"), None);
        assert_eq!(from_name("RTMIN1"), None);
        assert_eq!(name_of(libc::SIGINT), Some("INT"));
    }

    #[test]
    fn real_time_signals_are_numbered_as_glibc_numbers_them() {
        // util-linux (glibc) sends 34 for RTMIN+0, in the static musl
        // build too, whose own SIGRTMIN() is 35
        assert_eq!(from_name("RTMIN+0"), Some(34));
        assert_eq!(from_name("RTMIN+30"), Some(64));
        assert_eq!(from_name("RTMIN+31"), None);
        assert_eq!(from_name("RTMAX-0"), Some(64));
        assert_eq!(from_name("RTMAX-30"), Some(34));
        assert_eq!(from_name("RTMAX-31"), None);
        assert_eq!(from_name("rtmin+02"), Some(36));
        // the glibc build agrees with its C library
        #[cfg(target_env = "gnu")]
        assert_eq!((RTMIN, RTMAX), (libc::SIGRTMIN(), libc::SIGRTMAX()));
    }

    #[test]
    fn bare_rtmin_and_rtmax_are_no_names() {
        // util-linux 2.38.1 and 2.43 refuse them
        for bare in ["RTMIN", "RTMAX", "SIGRTMIN", "sigrtmax", "rtmin"] {
            assert_eq!(from_name(bare), None, "{bare}");
        }
    }

    #[test]
    fn descriptions() {
        assert_eq!(describe(libc::SIGKILL), "SIGKILL");
        assert_eq!(describe(34), "SIGRTMIN+0");
        assert_eq!(describe(64), "SIGRTMIN+30");
        assert_eq!(describe(33), "signal 33");
    }

    #[test]
    fn huge_realtime_offsets_are_not_signals() {
        // found by fuzz/fuzz_targets/signal_name.rs: the offset overflowed
        // (a panic in debug builds, a negative "signal" in release builds)
        assert_eq!(from_name("RTMIN+2147483647"), None);
        assert_eq!(from_name("SIGRTMIN+2147483647"), None);
        assert_eq!(from_name("RTMAX-2147483647"), None);
        assert_eq!(from_name("RTMIN+99999999999"), None);
        assert_eq!(from_name("RTMAX-0"), Some(RTMAX));
    }

    #[test]
    fn a_sign_needs_a_number() {
        // found by the bad-input matrix (tests/tests/bad_input.rs):
        // util-linux refuses these, we took them for RTMIN and RTMAX
        assert_eq!(from_name("RTMIN+"), None);
        assert_eq!(from_name("SIGRTMAX-"), None);
        assert_eq!(from_name("RTMIN+0"), Some(RTMIN));
    }
}
