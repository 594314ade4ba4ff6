//! Signal names (`--kill-child=SIG`): any text gives a valid signal or
//! none, and every named signal's name leads back to it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsutils_common::signals::{from_name, name_of};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(sig) = from_name(text) {
        assert!((1..=libc::SIGRTMAX()).contains(&sig), "{text:?} gave signal {sig}");
        if let Some(name) = name_of(sig) {
            assert_eq!(from_name(name), Some(sig));
            assert_eq!(from_name(&format!("sig{}", name.to_lowercase())), Some(sig));
        }
        // a name never starts with a digit: numbers are refused
        assert!(!text.starts_with(|c: char| c.is_ascii_digit()), "{text:?}");
    }
});
