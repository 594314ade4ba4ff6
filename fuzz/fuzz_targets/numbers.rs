//! The C-like number parsers of nsutils_common::parse against the C
//! library's strtoull/strtoll (whole string, errno). Input: one byte
//! choosing the base, then the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsutils_common::parse::{parse_i32, parse_i64, parse_u32, parse_u64, NumError};

/// What C says about `text` in `base`: (whole string used, ERANGE, value).
fn c_parse<T>(
    text: &str,
    base: u32,
    f: impl Fn(*const libc::c_char, *mut *mut libc::c_char, i32) -> T,
) -> (bool, bool, T) {
    let c = nsutils_fuzz::c_string(text.as_bytes()).unwrap();
    let mut end: *mut libc::c_char = std::ptr::null_mut();
    // SAFETY: errno is thread-local; c is a valid C string and end points
    // into it after the call.
    unsafe {
        *libc::__errno_location() = 0;
        let v = f(c.as_ptr(), &mut end, base as i32);
        let range = *libc::__errno_location() == libc::ERANGE;
        let whole = !std::ptr::eq(end, c.as_ptr()) && *end == 0;
        (whole, range, v)
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&b, rest)) = data.split_first() else { return };
    let base = [0, 10, 16, 8][b as usize % 4];
    let Ok(text) = std::str::from_utf8(rest) else { return };
    if text.contains('\0') {
        return;
    }
    // SAFETY (both closures): valid C string and end pointer.
    let (whole, range, v) = c_parse(text, base, |s, e, b| unsafe { libc::strtoull(s, e, b) });
    let negative = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']).starts_with('-');
    let want = if !whole {
        Err(NumError::Invalid)
    } else if range || (negative && v != 0) {
        Err(NumError::Range)
    } else {
        Ok(v)
    };
    assert_eq!(parse_u64(text, base), want, "parse_u64({text:?}, {base})");
    let want32 = want.and_then(|v| u32::try_from(v).map_err(|_| NumError::Range));
    assert_eq!(parse_u32(text, base), want32, "parse_u32({text:?}, {base})");

    let (whole, range, v) = c_parse(text, base, |s, e, b| unsafe { libc::strtoll(s, e, b) });
    let want = if !whole {
        Err(NumError::Invalid)
    } else if range {
        Err(NumError::Range)
    } else {
        Ok(v)
    };
    assert_eq!(parse_i64(text, base), want, "parse_i64({text:?}, {base})");
    let want32 = want.and_then(|v| i32::try_from(v).map_err(|_| NumError::Range));
    assert_eq!(parse_i32(text, base), want32, "parse_i32({text:?}, {base})");
});
