//! Names unique to this test process ([`unique_name`]), and telling what
//! other test processes made from ours ([`is_foreign`]): several test
//! binaries, and other checkouts' suites, run on the machine at once.

use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub(crate) fn next_id() -> u32 {
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// A name unique to this test process and call, e.g. for a netns:
/// `nsut-<pid>-<n>-<tag>` (kept short: interface names allow 15 bytes).
pub fn unique_name(tag: &str) -> String {
    format!("nsut{}x{}{}", std::process::id() % 100_000, next_id(), tag)
}

/// Whether a path or name belongs to another test process: the harness
/// names everything `nsut<pid>x…` ([`unique_name`]), and other test
/// binaries (or other checkouts' tests) may run beside us.
pub fn is_foreign(path: &str) -> bool {
    let mine = format!("nsut{}x", std::process::id() % 100_000);
    path.split(['/', ' ']).any(|c| c.starts_with("nsut") && !c.starts_with(&mine))
}
