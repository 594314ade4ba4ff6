//! The program's identity and its standard streams.
//!
//! * The name in every message is the basename of `argv[0]`, like glibc's
//!   `program_invocation_short_name`: a binary symlinked as `unshare` speaks
//!   as `unshare`.
//! * [`main`] is the one place where a tool's `Result` becomes an exit
//!   status, stdout is flushed and a write error is reported
//!   (`<prog>: write error: No space left on device`, exit 1).
//! * SIGPIPE is restored to its default at start-up (Rust ignores it), so a
//!   closed pipe ends us silently as it ends util-linux, and the program we
//!   exec does not inherit an ignored SIGPIPE.

use std::ffi::{OsStr, OsString};
use std::io::{self, BufWriter, Write};
use std::os::unix::ffi::OsStrExt;
use std::sync::OnceLock;

use crate::cli::{Parsed, Spec};
use crate::error::{Error, Result};

static NAME: OnceLock<String> = OnceLock::new();

/// The basename of `argv[0]` (everything after the last `/`), as glibc
/// computes `program_invocation_short_name(3)`.
pub fn basename(argv0: &OsStr) -> String {
    let b = argv0.as_bytes();
    let base = match b.iter().rposition(|&c| c == b'/') {
        Some(p) => &b[p + 1..],
        None => b,
    };
    String::from_utf8_lossy(base).into_owned()
}

/// Set the program name from `argv[0]` (first call wins).
pub fn init(argv0: Option<&OsStr>, default: &str) {
    let name = argv0.map(basename).filter(|n| !n.is_empty()).unwrap_or_else(|| default.to_string());
    let _ = NAME.set(name);
}

/// The invoked program name used in messages.
pub fn name() -> &'static str {
    NAME.get().map(String::as_str).unwrap_or("nsutils")
}

/// Write bytes to stderr (fd 2), unbuffered; errors are ignored as there is
/// nowhere left to report them.
pub fn write_stderr(bytes: &[u8]) {
    let _ = io::stderr().lock().write_all(bytes);
}

/// Raw writes to fd 1 (never closes it).
struct Fd1;

impl Write for Fd1 {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        loop {
            // SAFETY: buf is a valid slice for the length given.
            let n = unsafe { libc::write(1, buf.as_ptr().cast(), buf.len()) };
            if n >= 0 {
                return Ok(n as usize);
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(err);
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
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl Stdout {
    /// Flush, turning a failure into util-linux's `write error: <cause>`.
    pub fn finish(mut self) -> Result<()> {
        self.inner.flush().map_err(|e| write_error(&e))
    }
}

/// Standard output with a 64 KiB buffer (Rust's own stdout is line buffered,
/// which costs a syscall per row of a long table).
pub fn stdout() -> Stdout {
    Stdout { inner: BufWriter::with_capacity(64 * 1024, Fd1) }
}

/// `write error: <strerror>` for a failed write to stdout.
pub fn write_error(err: &io::Error) -> Error {
    Error::os("write error", err)
}

/// Print `text` on stdout and flush it (for `--help` and `--version`).
pub fn print_stdout(text: &str) -> Result<()> {
    let mut out = stdout();
    out.write_all(text.as_bytes()).map_err(|e| write_error(&e))?;
    out.finish()
}

/// Restore SIGPIPE's default action (`signal(7)`; Rust's runtime sets it to
/// ignored).
pub fn restore_sigpipe() {
    // SAFETY: setting a signal disposition to SIG_DFL has no memory effects.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Run a tool: set the program name, call `run` with the arguments after
/// argv\[0\], report its error, and exit with its status.
pub fn main(default_name: &str, run: fn(Vec<OsString>) -> Result<i32>) -> ! {
    restore_sigpipe();
    let mut args = std::env::args_os();
    let argv0 = args.next();
    init(argv0.as_deref(), default_name);
    let status = match run(args.collect()) {
        Ok(code) => code,
        Err(e) => {
            e.print();
            e.status()
        }
    };
    std::process::exit(status)
}

/// Parse the command line with `spec` and handle `-h`/`-V` (print and
/// return `Ok(None)`); otherwise return the parsed options.
///
/// Tools that must act on options before `--help` (none do today) can call
/// [`Spec::parse`] themselves.
pub fn parse_or_info(spec: &Spec, args: &[OsString]) -> Result<Option<Parsed>> {
    let parsed = spec.parse(args)?;
    match parsed.opts.last().map(|m| m.id) {
        Some("help") => {
            print_stdout(&spec.help_text(name()))?;
            Ok(None)
        }
        Some("version") => {
            print_stdout(&spec.version_text(name()))?;
            Ok(None)
        }
        _ => Ok(Some(parsed)),
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
