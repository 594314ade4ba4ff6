//! What the run's environment decides: root or not, CI or not, loud skips
//! ([`skip`], [`require_root`]), and the reliability tests' scale knobs.

use std::io::Write;

/// Whether we are root.
pub fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Whether this is a CI run (`CI=true`).
pub fn in_ci() -> bool {
    std::env::var("CI").map(|v| v == "true" || v == "1").unwrap_or(false)
}

/// Report a skipped test loudly, outside libtest's output capture. Under
/// `CI=true` as root a skip is a failure (panics).
pub fn skip(test: &str, why: &str) {
    if in_ci() && is_root() {
        panic!("{test}: cannot run ({why}), and skips are failures under CI=true as root");
    }
    let line = format!("\n*** SKIPPED {test}: {why} ***\n");
    // io::stderr (unlike eprintln!) is not captured by the test harness.
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// True when running as root; otherwise reports the skip of the running
/// test, named by [`test_name`] (see [`skip`]).
pub fn require_root() -> bool {
    if is_root() {
        return true;
    }
    skip(&test_name(), "needs root");
    false
}

/// The name of the running test (libtest names each test's thread after
/// it; `test` on another thread).
pub fn test_name() -> String {
    std::thread::current().name().unwrap_or("test").to_string()
}

/// A number from the environment variable `name`, else `default` (the
/// scale knobs of the reliability tests).
pub fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}
