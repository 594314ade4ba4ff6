//! Errors and messages in util-linux's shape: `<prog>: <what>: <cause>`.
//!
//! Every failure a tool reports is an [`Error`]: a message, the exit status
//! util-linux gives for it (1 unless said otherwise), and optionally a hint
//! line (see [`crate::hints`]). The cause text comes from [`strerror`], a
//! fixed copy of glibc's wording so a static musl build prints the same bytes
//! as the glibc build and as util-linux (musl words some errors differently,
//! e.g. ERANGE).
//!
//! Messages may carry bytes that are not UTF-8 (paths, arguments), escaped
//! by [`crate::bytes::Raw`]; they are written to stderr as the original bytes.

use std::fmt;
use std::io;

/// The result type of everything in nsutils that can fail with a message.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A failure to report on stderr, prefixed by the program name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
    status: i32,
    usage: bool,
    getopt: bool,
    hint: Option<String>,
}

impl Error {
    /// A plain message (`errx(3)` style), exit status 1.
    pub fn msg(message: impl Into<String>) -> Self {
        Error { message: message.into(), status: 1, usage: false, getopt: false, hint: None }
    }

    /// `<what>: <strerror(errno)>` (`err(3)` style), exit status 1.
    pub fn os(what: impl fmt::Display, err: &io::Error) -> Self {
        Error::msg(format!("{what}: {}", io_strerror(err)))
    }

    /// `<what>: <strerror(errno)>` from a raw errno value.
    pub fn errno(what: impl fmt::Display, errno: i32) -> Self {
        Error::msg(format!("{what}: {}", strerror(errno)))
    }

    /// `<what>: <strerror(errno)>` from a failed nix call: glibc's wording,
    /// not nix's own (`Errno::desc` words some errors otherwise).
    pub fn sys(what: impl fmt::Display, errno: nix::errno::Errno) -> Self {
        Error::errno(what, errno as i32)
    }

    /// A bad-usage error: the message is followed by the
    /// `Try '<prog> --help' for more information.` line.
    pub fn usage(message: impl Into<String>) -> Self {
        Error { usage: true, ..Error::msg(message) }
    }

    /// A message of `getopt_long(3)` itself (`unrecognized option '--x'`, …):
    /// a bad-usage error whose first line glibc prefixes with `argv[0]` as
    /// given (`/usr/bin/unshare: unrecognized option '--x'`), where every
    /// other message, and the `Try` line, use the basename.
    pub fn getopt(message: impl Into<String>) -> Self {
        Error { getopt: true, ..Error::usage(message) }
    }

    /// The same error with another exit status.
    pub fn with_status(mut self, status: i32) -> Self {
        self.status = status;
        self
    }

    /// The same error with a line of advice printed after it.
    pub fn with_hint(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    /// The message, without the program prefix.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The exit status the program ends with.
    pub fn status(&self) -> i32 {
        self.status
    }

    /// The advice line, if any.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// Whether the `Try '… --help'` line follows the message.
    pub fn is_usage(&self) -> bool {
        self.usage
    }

    /// Whether this is one of getopt's own messages ([`Error::getopt`]).
    pub fn is_getopt(&self) -> bool {
        self.getopt
    }

    /// Write the error to stderr the way util-linux does.
    pub fn print(&self) {
        let prog = crate::prog::name();
        let first = if self.getopt { crate::prog::argv0() } else { prog };
        let mut text = format!("{first}: {}\n", self.message);
        if let Some(hint) = &self.hint {
            text.push_str(&format!("{prog}: hint: {hint}\n"));
        }
        if self.usage {
            text.push_str(&format!("Try '{prog} --help' for more information.\n"));
        }
        crate::prog::write_stderr_text(&text);
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Print a warning (`warnx(3)` style) on stderr: `<prog>: <message>`.
pub fn warn(message: impl fmt::Display) {
    let text = format!("{}: {message}\n", crate::prog::name());
    crate::prog::write_stderr_text(&text);
}

/// The cause text of an `io::Error`: glibc's `strerror(3)` for OS errors, without
/// Rust's ` (os error N)` suffix.
pub fn io_strerror(err: &io::Error) -> String {
    match err.raw_os_error() {
        Some(errno) => strerror(errno).to_string(),
        None => err.to_string(),
    }
}

/// glibc's `strerror(3)` text for `errno` (Linux errno values), independent of
/// the C library the binary is linked against.
pub fn strerror(errno: i32) -> std::borrow::Cow<'static, str> {
    let text = match errno {
        1 => "Operation not permitted",
        2 => "No such file or directory",
        3 => "No such process",
        4 => "Interrupted system call",
        5 => "Input/output error",
        6 => "No such device or address",
        7 => "Argument list too long",
        8 => "Exec format error",
        9 => "Bad file descriptor",
        10 => "No child processes",
        11 => "Resource temporarily unavailable",
        12 => "Cannot allocate memory",
        13 => "Permission denied",
        14 => "Bad address",
        15 => "Block device required",
        16 => "Device or resource busy",
        17 => "File exists",
        18 => "Invalid cross-device link",
        19 => "No such device",
        20 => "Not a directory",
        21 => "Is a directory",
        22 => "Invalid argument",
        23 => "Too many open files in system",
        24 => "Too many open files",
        25 => "Inappropriate ioctl for device",
        26 => "Text file busy",
        27 => "File too large",
        28 => "No space left on device",
        29 => "Illegal seek",
        30 => "Read-only file system",
        31 => "Too many links",
        32 => "Broken pipe",
        33 => "Numerical argument out of domain",
        34 => "Numerical result out of range",
        35 => "Resource deadlock avoided",
        36 => "File name too long",
        37 => "No locks available",
        38 => "Function not implemented",
        39 => "Directory not empty",
        40 => "Too many levels of symbolic links",
        42 => "No message of desired type",
        43 => "Identifier removed",
        44 => "Channel number out of range",
        45 => "Level 2 not synchronized",
        46 => "Level 3 halted",
        47 => "Level 3 reset",
        48 => "Link number out of range",
        49 => "Protocol driver not attached",
        50 => "No CSI structure available",
        51 => "Level 2 halted",
        52 => "Invalid exchange",
        53 => "Invalid request descriptor",
        54 => "Exchange full",
        55 => "No anode",
        56 => "Invalid request code",
        57 => "Invalid slot",
        59 => "Bad font file format",
        60 => "Device not a stream",
        61 => "No data available",
        62 => "Timer expired",
        63 => "Out of streams resources",
        64 => "Machine is not on the network",
        65 => "Package not installed",
        66 => "Object is remote",
        67 => "Link has been severed",
        68 => "Advertise error",
        69 => "Srmount error",
        70 => "Communication error on send",
        71 => "Protocol error",
        72 => "Multihop attempted",
        73 => "RFS specific error",
        74 => "Bad message",
        75 => "Value too large for defined data type",
        76 => "Name not unique on network",
        77 => "File descriptor in bad state",
        78 => "Remote address changed",
        79 => "Can not access a needed shared library",
        80 => "Accessing a corrupted shared library",
        81 => ".lib section in a.out corrupted",
        82 => "Attempting to link in too many shared libraries",
        83 => "Cannot exec a shared library directly",
        84 => "Invalid or incomplete multibyte or wide character",
        85 => "Interrupted system call should be restarted",
        86 => "Streams pipe error",
        87 => "Too many users",
        88 => "Socket operation on non-socket",
        89 => "Destination address required",
        90 => "Message too long",
        91 => "Protocol wrong type for socket",
        92 => "Protocol not available",
        93 => "Protocol not supported",
        94 => "Socket type not supported",
        95 => "Operation not supported",
        96 => "Protocol family not supported",
        97 => "Address family not supported by protocol",
        98 => "Address already in use",
        99 => "Cannot assign requested address",
        100 => "Network is down",
        101 => "Network is unreachable",
        102 => "Network dropped connection on reset",
        103 => "Software caused connection abort",
        104 => "Connection reset by peer",
        105 => "No buffer space available",
        106 => "Transport endpoint is already connected",
        107 => "Transport endpoint is not connected",
        108 => "Cannot send after transport endpoint shutdown",
        109 => "Too many references: cannot splice",
        110 => "Connection timed out",
        111 => "Connection refused",
        112 => "Host is down",
        113 => "No route to host",
        114 => "Operation already in progress",
        115 => "Operation now in progress",
        116 => "Stale file handle",
        117 => "Structure needs cleaning",
        118 => "Not a XENIX named type file",
        119 => "No XENIX semaphores available",
        120 => "Is a named type file",
        121 => "Remote I/O error",
        122 => "Disk quota exceeded",
        123 => "No medium found",
        124 => "Wrong medium type",
        125 => "Operation canceled",
        126 => "Required key not available",
        127 => "Key has expired",
        128 => "Key has been revoked",
        129 => "Key was rejected by service",
        130 => "Owner died",
        131 => "State not recoverable",
        132 => "Operation not possible due to RF-kill",
        133 => "Memory page has hardware error",
        _ => return std::borrow::Cow::Owned(format!("Unknown error {errno}")),
    };
    std::borrow::Cow::Borrowed(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strerror_uses_glibc_wording() {
        assert_eq!(strerror(libc::ENOENT), "No such file or directory");
        assert_eq!(strerror(libc::ERANGE), "Numerical result out of range");
        assert_eq!(strerror(libc::ENOTTY), "Inappropriate ioctl for device");
        assert_eq!(strerror(4242), "Unknown error 4242");
    }

    #[test]
    fn os_error_has_no_rust_suffix() {
        let e = Error::os("cannot open /x", &io::Error::from_raw_os_error(libc::EACCES));
        assert_eq!(e.message(), "cannot open /x: Permission denied");
        assert_eq!(e.status(), 1);
        assert!(!e.is_usage());
    }

    #[test]
    fn nix_errors_keep_glibc_wording() {
        let e = Error::sys("cannot open /x", nix::errno::Errno::ERANGE);
        assert_eq!(e.message(), "cannot open /x: Numerical result out of range");
        let io: io::Error = nix::errno::Errno::EACCES.into();
        assert_eq!(io_strerror(&io), "Permission denied");
    }

    #[test]
    fn getopt_messages_are_usage_errors() {
        let e = Error::getopt("invalid option -- 'x'");
        assert!(e.is_usage() && e.is_getopt() && e.status() == 1);
        assert!(!Error::usage("bad usage").is_getopt());
    }

    #[test]
    fn usage_and_status_and_hint() {
        let e = Error::usage("bad").with_status(2).with_hint(Some("h".into()));
        assert!(e.is_usage());
        assert_eq!(e.status(), 2);
        assert_eq!(e.hint(), Some("h"));
    }
}
