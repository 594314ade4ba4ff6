//! Bytes in messages.
//!
//! Paths, names, arguments and `/proc` data are bytes on Linux, not UTF-8,
//! and util-linux prints them as it got them: `nsenter --net=$'\xff' true`
//! names the file with the byte 0xff. Messages in nsutils are built with
//! `format!`, so this module carries bytes through a `String` without loss,
//! the way Python's "surrogateescape" does:
//!
//! * [`Raw`] displays bytes: valid UTF-8 as itself, every other byte `b` as
//!   the private-use character U+10FF00 + `b`. The UTF-8 encoding of a
//!   character in U+10FF00..=U+10FFFF is itself written byte by byte in that
//!   form, so no input can be mistaken for an escaped byte.
//! * [`to_bytes`] turns such a string back into the original bytes; the one
//!   place text leaves a tool for stderr ([`crate::prog::write_stderr_text`])
//!   calls it.
//!
//! The round trip is exact for any byte string: `to_bytes(&Raw(b).to_string()) == b`.

use std::borrow::Cow;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;

/// The first of the 256 private-use characters that stand for raw bytes.
const BASE: u32 = 0x10_FF00;

/// Bytes shown in a message without loss (see the module docs).
#[derive(Clone, Copy)]
pub struct Raw<'a>(pub &'a [u8]);

/// The bytes of an `OsStr` (an argument, an environment value), for a message.
pub fn raw<S: AsRef<OsStr> + ?Sized>(s: &S) -> Raw<'_> {
    Raw(s.as_ref().as_bytes())
}

/// The bytes of a path, for a message (instead of `Path::display`, which
/// replaces non-UTF-8 bytes with U+FFFD).
pub fn path(p: &Path) -> Raw<'_> {
    Raw(p.as_os_str().as_bytes())
}

fn escaped(b: u8) -> char {
    // BASE + 0..=255 is a valid scalar value (plane 16, private use).
    char::from_u32(BASE + u32::from(b)).unwrap_or(char::REPLACEMENT_CHARACTER)
}

fn is_escape(c: char) -> bool {
    (BASE..=BASE + 0xFF).contains(&u32::from(c))
}

impl fmt::Display for Raw<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use fmt::Write;
        for chunk in self.0.utf8_chunks() {
            for c in chunk.valid().chars() {
                if is_escape(c) {
                    let mut buf = [0; 4];
                    for &b in c.encode_utf8(&mut buf).as_bytes() {
                        f.write_char(escaped(b))?;
                    }
                } else {
                    f.write_char(c)?;
                }
            }
            for &b in chunk.invalid() {
                f.write_char(escaped(b))?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Raw<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.0))
    }
}

/// `bytes` as a message string (the same as `Raw(bytes).to_string()`).
pub fn text(bytes: &[u8]) -> String {
    Raw(bytes).to_string()
}

/// The bytes a message string stands for: escaped bytes back to themselves.
pub fn to_bytes(s: &str) -> Cow<'_, [u8]> {
    if !s.chars().any(is_escape) {
        return Cow::Borrowed(s.as_bytes());
    }
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        if is_escape(c) {
            out.push((u32::from(c) - BASE) as u8);
        } else {
            let mut buf = [0; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    Cow::Owned(out)
}

/// [`to_bytes`] as an `OsString` (e.g. a message string that names a file).
pub fn to_os(s: &str) -> OsString {
    OsString::from_vec(to_bytes(s).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(b: &[u8]) {
        let s = Raw(b).to_string();
        assert_eq!(&*to_bytes(&s), b, "{s:?}");
    }

    #[test]
    fn utf8_is_itself() {
        assert_eq!(Raw("net é".as_bytes()).to_string(), "net é");
        assert!(matches!(to_bytes("net é"), Cow::Borrowed(_)));
    }

    #[test]
    fn any_bytes_round_trip() {
        round(b"\xff\xfe");
        round(b"a\x80b\xc3");
        round("\u{10FF41}".as_bytes());
        round(b"\xf4\x8f\xbc\x81\xff");
        let all: Vec<u8> = (0..=255).collect();
        round(&all);
        round(b"");
    }

    #[test]
    fn escapes_are_not_mistaken_for_input() {
        // a real U+10FF41 in the input stays four bytes, not the byte 0x41
        let s = Raw("\u{10FF41}".as_bytes()).to_string();
        assert_eq!(s.chars().count(), 4);
        assert_eq!(&*to_bytes(&s), "\u{10FF41}".as_bytes());
    }
}
