//! ipcrm's `-M/-Q/-S KEY` (`parse_key`) against the C library's
//! strtoul(…, 0) — minus the one intended difference: a value that does not
//! fit a 32-bit key is refused instead of being cut to its low bits.
#![no_main]

use ipcmk_rs::ipcrm::parse_key;
use libfuzzer_sys::fuzz_target;
use nsutils_common::parse::NumError;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Some(c) = nsutils_fuzz::c_string(text.as_bytes()) else { return };
    let mut end: *mut libc::c_char = std::ptr::null_mut();
    // SAFETY: c is a valid C string, end points into it after the call.
    let (whole, range, v) = unsafe {
        *libc::__errno_location() = 0;
        let v = libc::strtoul(c.as_ptr(), &mut end, 0);
        (!std::ptr::eq(end, c.as_ptr()) && *end == 0, *libc::__errno_location() == libc::ERANGE, v)
    };
    let negative = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']).starts_with('-');
    let want = if !whole {
        Err(NumError::Invalid)
    } else if range {
        Err(NumError::Range)
    } else if negative {
        // C negated the magnitude in unsigned arithmetic
        let magnitude = v.wrapping_neg();
        if magnitude > 1 << 31 {
            Err(NumError::Range)
        } else {
            Ok((magnitude as i64).wrapping_neg() as i32)
        }
    } else {
        u32::try_from(v).map(|k| k as i32).map_err(|_| NumError::Range)
    };
    assert_eq!(parse_key(text), want, "parse_key({text:?})");
});
