//! Signal names (`signal(7)`), parsed as util-linux does for
//! `--kill-child=SIGNAME`: case-insensitive, optional `SIG` prefix,
//! `RTMIN+n`/`RTMAX-n`.

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
    let rtmin = libc::SIGRTMIN();
    let rtmax = libc::SIGRTMAX();
    // the number after `RTMIN+`/`RTMAX-` is required (util-linux refuses
    // a bare `RTMIN+`)
    let offset = |s: &str| -> Option<i32> {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    if let Some(rest) = bare.strip_prefix("RTMIN") {
        let n = match rest.strip_prefix('+') {
            Some(d) => offset(d)?,
            None if rest.is_empty() => 0,
            None => return None,
        };
        // checked: `RTMIN+2147483647` must not wrap round to a "valid" number
        return rtmin.checked_add(n).filter(|&s| s <= rtmax);
    }
    if let Some(rest) = bare.strip_prefix("RTMAX") {
        let n = match rest.strip_prefix('-') {
            Some(d) => offset(d)?,
            None if rest.is_empty() => 0,
            None => return None,
        };
        return rtmax.checked_sub(n).filter(|&s| s >= rtmin);
    }
    None
}

/// The name of signal `sig` without `SIG` (`TERM`; `signal(7)`), if it has one.
pub fn name_of(sig: i32) -> Option<&'static str> {
    NAMES.iter().find(|(_, n)| *n == sig).map(|(s, _)| *s)
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
        assert_eq!(from_name("RTMIN"), Some(libc::SIGRTMIN()));
        assert_eq!(from_name("RTMIN+1"), Some(libc::SIGRTMIN() + 1));
        assert_eq!(from_name("SIGRTMAX-1"), Some(libc::SIGRTMAX() - 1));
        assert_eq!(from_name("RTMIN+100"), None);
        assert_eq!(from_name("RTMIN1"), None);
        assert_eq!(name_of(libc::SIGINT), Some("INT"));
    }

    #[test]
    fn huge_realtime_offsets_are_not_signals() {
        // found by fuzz/fuzz_targets/signal_name.rs: the offset overflowed
        // (a panic in debug builds, a negative "signal" in release builds)
        assert_eq!(from_name("RTMIN+2147483647"), None);
        assert_eq!(from_name("SIGRTMIN+2147483647"), None);
        assert_eq!(from_name("RTMAX-2147483647"), None);
        assert_eq!(from_name("RTMIN+99999999999"), None);
        assert_eq!(from_name("RTMAX-0"), Some(libc::SIGRTMAX()));
    }

    #[test]
    fn a_sign_needs_a_number() {
        // found by the bad-input matrix (tests/tests/bad_input.rs):
        // util-linux refuses these, we took them for RTMIN and RTMAX
        assert_eq!(from_name("RTMIN+"), None);
        assert_eq!(from_name("SIGRTMAX-"), None);
        assert_eq!(from_name("RTMIN"), Some(libc::SIGRTMIN()));
    }
}
