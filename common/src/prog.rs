//! The program's identity and its standard streams.
//!
//! * The name in every message is the basename of `argv[0]`, like glibc's
//!   `program_invocation_short_name`: a binary symlinked as `unshare` speaks
//!   as `unshare`. getopt's own messages are the exception: glibc prefixes
//!   them with `argv[0]` exactly as given ([`argv0`]).
//! * [`run_tool`] is every tool's option stage and dispatch: the command
//!   line through the tool's builder, `--help`/`--version` printed, or the
//!   plan handed to the tool's `execute`.
//! * [`main_c`] (each binary's C `main`, through [`tool_main!`](crate::tool_main))
//!   is the one place where a tool's `Result` becomes an exit status and
//!   its error is printed. Standard output is the tools' own buffered
//!   [`Stdout`], whose [`Stdout::finish`] flushes it and turns a failed
//!   write into util-linux's `write error` (see [`Stdout::finish`]).
//! * SIGPIPE is left as inherited, as util-linux leaves it: by default a
//!   closed pipe ends us silently, and a caller that ignores it gets a
//!   `write error` (and the program unshare or nsenter execs inherits the
//!   ignored SIGPIPE, as a daemon under a service manager expects).

use std::ffi::{OsStr, OsString};
use std::io::{self, BufWriter, Write};
use std::os::fd::{BorrowedFd, IntoRawFd};
use std::os::unix::ffi::OsStrExt;

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::stat::Mode;
use std::sync::OnceLock;

use crate::bytes;
use crate::cli::{Build, Outcome, Spec};
use crate::error::{Error, Result};

static NAME: OnceLock<String> = OnceLock::new();
static ARGV0: OnceLock<String> = OnceLock::new();

/// The basename of `argv[0]` (everything after the last `/`), as glibc
/// computes `program_invocation_short_name(3)`; bytes that are not UTF-8
/// are kept (see [`crate::bytes`]).
pub fn basename(argv0: &OsStr) -> String {
    let b = argv0.as_bytes();
    let base = match b.iter().rposition(|&c| c == b'/') {
        Some(p) => &b[p + 1..],
        None => b,
    };
    bytes::text(base)
}

/// Set the program name from `argv[0]` (first call wins).
pub fn init(argv0: Option<&OsStr>, default: &str) {
    let name = argv0.map(basename).filter(|n| !n.is_empty()).unwrap_or_else(|| default.to_string());
    let _ = NAME.set(name);
    let full =
        argv0.map(|a| bytes::text(a.as_bytes())).filter(|n| !n.is_empty()).unwrap_or_else(|| default.to_string());
    let _ = ARGV0.set(full);
}

/// The invoked program name used in messages.
pub fn name() -> &'static str {
    NAME.get().map(String::as_str).unwrap_or("nsutils")
}

/// `argv[0]` exactly as given (glibc's getopt prefixes its own messages with
/// it: `/usr/local/bin/unshare: unrecognized option '--bogus'`).
pub fn argv0() -> &'static str {
    ARGV0.get().map(String::as_str).unwrap_or_else(|| name())
}

/// Write bytes to stderr (fd 2), unbuffered; errors are ignored as there is
/// nowhere left to report them.
pub fn write_stderr(bytes: &[u8]) {
    let _ = io::stderr().lock().write_all(bytes);
}

/// Write a message to stderr, turning the bytes escaped in it by
/// [`crate::bytes::Raw`] back into themselves.
pub fn write_stderr_text(text: &str) {
    write_stderr(&bytes::to_bytes(text));
}

/// Standard output, borrowed for the whole run: we never close fd 1, and
/// [`main_c`] has made sure it is open.
// SAFETY: fd 1 stays open for the life of the process (see above).
pub(crate) const FD1: BorrowedFd<'static> = unsafe { BorrowedFd::borrow_raw(1) };

/// Raw writes to fd 1 (never closes it).
struct Fd1;

impl Write for Fd1 {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        loop {
            match nix::unistd::write(FD1, buf) {
                Err(Errno::EINTR) => continue,
                written => return Ok(written?),
            }
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A buffered writer on fd 1.
pub struct Stdout {
    inner: BufWriter<Fd1>,
    /// Bytes given to it so far.
    total: usize,
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.total += n;
        Ok(n)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf)?;
        self.total += buf.len();
        Ok(())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The size of stdio's buffer on a pipe or file (`st_blksize`, a page):
/// util-linux writes its output in pieces of this size.
const STDIO_BUFSIZ: usize = 4096;

impl Stdout {
    /// Flush, with util-linux's verdict on a failure (its `close_stdout`):
    /// output longer than one stdio buffer failed while it was being
    /// written, which it reports as a bare `write error`; a failing final
    /// flush says `write error: <cause>`, except a reader that went away
    /// (`EPIPE`, with SIGPIPE ignored), which is not an error.
    pub fn finish(mut self) -> Result<()> {
        match self.inner.flush() {
            Ok(()) => Ok(()),
            Err(_) if self.total > STDIO_BUFSIZ => Err(Error::msg("write error")),
            Err(e) if e.raw_os_error() == Some(libc::EPIPE) => Ok(()),
            Err(e) => Err(Error::os("write error", &e)),
        }
    }
}

/// Standard output with a 64 KiB buffer (Rust's own stdout is line buffered,
/// which costs a syscall per row of a long table).
pub fn stdout() -> Stdout {
    Stdout { inner: BufWriter::with_capacity(64 * 1024, Fd1), total: 0 }
}

/// A write to stdout failed before the end of the output (so past our
/// 64 KiB buffer, and many stdio buffers). util-linux learns of such a
/// failure only at exit, from the stream's error flag, and says a bare
/// `write error` whatever the cause (ENOSPC and EPIPE alike): so do we.
pub fn write_error(_err: &io::Error) -> Error {
    Error::msg("write error")
}

/// Print `text` on stdout and flush it (for `--help` and `--version`).
pub fn print_stdout(text: &str) -> Result<()> {
    let mut out = stdout();
    out.write_all(&bytes::to_bytes(text)).map_err(|e| write_error(&e))?;
    out.finish()
}

/// Run a tool: set the program name, call `run` with the arguments after
/// argv\[0\], report its error, and exit with its status.
fn main_with(default_name: &str, run: fn(Vec<OsString>) -> Result<i32>, mut args: Vec<OsString>) -> ! {
    let argv0 = (!args.is_empty()).then(|| args.remove(0));
    init(argv0.as_deref(), default_name);
    let status = match run(args) {
        Ok(code) => code,
        Err(e) => {
            e.print();
            e.status()
        }
    };
    std::process::exit(status)
}

/// The body of each binary's C `main` (see [`tool_main!`](crate::tool_main)):
/// the binaries are `#![no_main]`, because std's own start-up costs a glibc
/// build ~0.15 ms a call (it reads /proc/self/maps to find the main thread's
/// stack guard and installs stack-overflow handlers), a sixth of a short
/// call's time and nothing a tool needs. The one thing it does that matters is done
/// here: closed fds 0–2 are opened on /dev/null, so that no file we open
/// later takes the place of stdin, stdout or stderr (an error message
/// must not land in a uid_map or a namespace file).
///
/// # Safety
/// `argv` must point to `argc` NUL-terminated strings, as the C runtime
/// passes them to `main`.
pub unsafe fn main_c(
    default_name: &str,
    run: fn(Vec<OsString>) -> Result<i32>,
    argc: libc::c_int,
    argv: *const *const libc::c_char,
) -> ! {
    open_standard_fds();
    let args = (0..usize::try_from(argc).unwrap_or(0))
        // SAFETY: the caller's contract: argc valid pointers in argv.
        .map(|i| unsafe { *argv.add(i) })
        .take_while(|p| !p.is_null())
        // SAFETY: each is a NUL-terminated string that lives as long as we do.
        .map(|p| OsStr::from_bytes(unsafe { std::ffi::CStr::from_ptr(p) }.to_bytes()).to_os_string())
        .collect();
    main_with(default_name, run, args)
}

/// Open /dev/null on each of fds 0–2 that is closed, as std's start-up
/// does (and, like it, abort if that fails: running on with a standard fd
/// free is what this prevents). These stand in for inherited streams, so
/// they are not close-on-exec.
///
/// `poll(2)` and `fcntl(2)` through libc, not nix: nix takes a `BorrowedFd`,
/// which promises an open descriptor, and whether these are open is the
/// question.
fn open_standard_fds() {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd { fd, events: 0, revents: 0 });
    // SAFETY: three valid pollfds, no timeout.
    let polled = unsafe { libc::poll(fds.as_mut_ptr(), 3, 0) } >= 0;
    for p in fds {
        let closed = if polled {
            p.revents & libc::POLLNVAL != 0
        } else {
            // SAFETY: F_GETFD only reads the descriptor's flags.
            let flags = unsafe { libc::fcntl(p.fd, libc::F_GETFD) };
            flags == -1 && Errno::last() == Errno::EBADF
        };
        // open takes the lowest free fd, which is this one as the lower
        // ones are open by now; it is kept open for good (into_raw_fd)
        if closed
            && nix::fcntl::open(c"/dev/null", OFlag::O_RDWR, Mode::empty()).map(IntoRawFd::into_raw_fd) != Ok(p.fd)
        {
            std::process::abort();
        }
    }
}

/// Define the C `main` of a `#![no_main]` tool binary, which calls
/// [`main_c`] with the tool's default name and entry point:
/// `nsutils_common::tool_main!("unshare-rs", unshare_rs::run);` in a crate
/// marked `#![cfg_attr(not(test), no_main)]`. It also makes
/// [`crate::alloc::Alloc`] the binary's global allocator.
#[macro_export]
macro_rules! tool_main {
    ($name:literal, $run:path) => {
        // util-linux's ending when memory runs out, not an abort
        #[cfg(not(test))]
        #[global_allocator]
        static ALLOC: $crate::alloc::Alloc = $crate::alloc::Alloc;

        // (a test build of the binary keeps the harness's main)
        #[cfg(not(test))]
        #[no_mangle]
        extern "C" fn main(argc: ::std::ffi::c_int, argv: *const *const ::std::ffi::c_char) -> ::std::ffi::c_int {
            // SAFETY: argc and argv are what the C runtime passes to main.
            unsafe { $crate::prog::main_c($name, $run, argc, argv) }
        }
    };
}

/// A tool's run: the command line (`args`, without argv\[0\]) through
/// `spec`'s option loop into `builder` ([`Spec::build`]); `-h`/`-V` print
/// the help or version (exit 0), otherwise the plan goes to `execute`,
/// whose status is the tool's.
pub fn run_tool<K, B>(
    spec: &Spec<K>,
    args: &[OsString],
    builder: B,
    execute: impl FnOnce(B::Plan) -> Result<i32>,
) -> Result<i32>
where
    K: Copy + PartialEq + 'static,
    B: Build<K>,
{
    match spec.build(args, builder)? {
        Outcome::Run(plan) => execute(plan),
        Outcome::Help => print_stdout(&spec.help_text(name())).map(|()| 0),
        Outcome::Version => print_stdout(&spec.version_text(name())).map(|()| 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basename_like_glibc() {
        assert_eq!(basename(OsStr::new("/usr/bin/unshare")), "unshare");
        assert_eq!(basename(OsStr::new("unshare-rs")), "unshare-rs");
        assert_eq!(basename(OsStr::new("./x/")), "");
    }
}
