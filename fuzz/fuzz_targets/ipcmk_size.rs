//! ipcmk's `-M`/`--posix-shmem` sizes (`parse_size`) against an independent
//! reference: C base detection for the integer (strtoumax), an exact
//! fraction, `K`…`Y` with `iB` (1024) or `B` (1000).
#![no_main]

use ipcmk_rs::size::{parse_size, SizeError};
use libfuzzer_sys::fuzz_target;

/// The integer prefix as strtoumax(s, &end, 0) reads it, via the C library.
fn c_prefix(s: &str) -> (usize, u64, bool) {
    let c = nsutils_fuzz::c_string(s.as_bytes()).unwrap();
    let mut end: *mut libc::c_char = std::ptr::null_mut();
    // SAFETY: c is a valid C string, end points into it after the call.
    unsafe {
        *libc::__errno_location() = 0;
        let v = libc::strtoull(c.as_ptr(), &mut end, 0);
        let range = *libc::__errno_location() == libc::ERANGE;
        (end.offset_from(c.as_ptr()) as usize, v, range)
    }
}

fn reference(s: &str) -> Option<Result<u64, SizeError>> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    if t.starts_with('-') || t.starts_with("+-") || t.starts_with("++") {
        return Some(Err(SizeError::Invalid));
    }
    let body = t.strip_prefix('+').unwrap_or(t);
    if body.starts_with(|c: char| !c.is_ascii_digit()) || body.is_empty() {
        return Some(Err(SizeError::Invalid));
    }
    let (used, int, range) = c_prefix(body);
    if used == 0 {
        return Some(Err(SizeError::Invalid));
    }
    if range {
        return Some(Err(SizeError::Range));
    }
    let rest = &body[used..];
    if rest.is_empty() {
        return Some(Ok(int));
    }
    let (frac, rest) = match rest.strip_prefix('.') {
        Some(r) => {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            (&r[..n], &r[n..])
        }
        None => ("", rest),
    };
    let mut chars = rest.chars();
    let letter = chars.next()?.to_ascii_uppercase();
    let Some(power) = "KMGTPEZY".find(letter) else { return Some(Err(SizeError::Invalid)) };
    let base: u128 = match chars.as_str() {
        "" | "iB" | "ib" => 1024,
        "B" | "b" => 1000,
        _ => return Some(Err(SizeError::Invalid)),
    };
    let mult = base.pow(power as u32 + 1);
    if mult > u64::MAX as u128 {
        return Some(Err(SizeError::Range));
    }
    if frac.len() > 18 {
        return None; // beyond the reference's exact arithmetic
    }
    let digits: u128 = if frac.is_empty() { 0 } else { frac.parse().unwrap() };
    let part = digits * mult / 10u128.pow(frac.len() as u32);
    let total = int as u128 * mult + part;
    Some(u64::try_from(total).map_err(|_| SizeError::Range))
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if text.contains('\0') {
        return;
    }
    let got = parse_size(text);
    if let Some(want) = reference(text) {
        assert_eq!(got, want, "parse_size({text:?})");
    }
});
