//! Number parsing with C `strtoul(3)`/`strtol(3)` acceptance and
//! util-linux's error messages (`<what>: '<arg>'`, with
//! `: Numerical result out of range` appended for overflow).

use crate::error::Error;

/// Why a number did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumError {
    /// Not a number, or trailing garbage (`EINVAL`).
    Invalid,
    /// Does not fit, or a negative value for an unsigned (`ERANGE`).
    Range,
}

impl NumError {
    /// The `errno` C's `strto*(3)` would set (`EINVAL`, `ERANGE`), for
    /// messages in the `<what>: <strerror>` shape.
    pub fn errno(self) -> i32 {
        match self {
            NumError::Invalid => libc::EINVAL,
            NumError::Range => libc::ERANGE,
        }
    }

    /// util-linux's `strtoxx_or_err()` message: `<what>: '<arg>'`, plus
    /// `: Numerical result out of range` for [`NumError::Range`].
    pub fn to_error(self, what: &str, arg: &str) -> Error {
        match self {
            NumError::Invalid => Error::msg(format!("{what}: '{arg}'")),
            NumError::Range => Error::errno(format!("{what}: '{arg}'"), self.errno()),
        }
    }
}

/// Split off C's accepted prefix: leading white space and one sign.
fn sign_and_digits(s: &str) -> (bool, &str) {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    if let Some(r) = t.strip_prefix('-') {
        (true, r)
    } else {
        (false, t.strip_prefix('+').unwrap_or(t))
    }
}

/// Base detection as C does for base 0: `0x` hex, leading `0` octal, else decimal.
fn radix_of(digits: &str, base: u32) -> (u32, &str) {
    if base == 0 || base == 16 {
        if let Some(r) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
            if r.starts_with(|c: char| c.is_ascii_hexdigit()) {
                return (16, r);
            }
        }
    }
    if base == 0 {
        if digits.len() > 1 && digits.starts_with('0') {
            return (8, &digits[1..]);
        }
        return (10, digits);
    }
    (base, digits)
}

/// Parse an unsigned number as `strtoul(3)` accepts it: white space and `+`
/// accepted, `-` refused as out of range (as util-linux ≥2.39 does), the
/// whole string must be used. `base` 0 auto-detects `0x`/`0` prefixes.
pub fn parse_u64(s: &str, base: u32) -> Result<u64, NumError> {
    let (neg, digits) = sign_and_digits(s);
    let (radix, digits) = radix_of(digits, base);
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(NumError::Invalid);
    }
    let v = u64::from_str_radix(digits, radix).map_err(|_| NumError::Range)?;
    if neg && v != 0 {
        return Err(NumError::Range);
    }
    Ok(v)
}

/// [`parse_u64`] limited to 32 bits.
pub fn parse_u32(s: &str, base: u32) -> Result<u32, NumError> {
    u32::try_from(parse_u64(s, base)?).map_err(|_| NumError::Range)
}

/// Parse a signed 64-bit number (`strtoll(3)` acceptance, whole string used).
pub fn parse_i64(s: &str, base: u32) -> Result<i64, NumError> {
    let (neg, digits) = sign_and_digits(s);
    let (radix, digits) = radix_of(digits, base);
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(NumError::Invalid);
    }
    let mag = u64::from_str_radix(digits, radix).map_err(|_| NumError::Range)?;
    if neg {
        if mag > i64::MAX as u64 + 1 {
            return Err(NumError::Range);
        }
        Ok((mag as i64).wrapping_neg())
    } else {
        i64::try_from(mag).map_err(|_| NumError::Range)
    }
}

/// Parse a number that must be in `i32` range (`strtos32_or_err`).
pub fn parse_i32(s: &str, base: u32) -> Result<i32, NumError> {
    i32::try_from(parse_i64(s, base)?).map_err(|_| NumError::Range)
}

/// The decimal digits of `n`, written into `buf` (no allocation: the
/// out-of-memory message uses it).
pub fn decimal_digits(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_digits_of_the_extremes() {
        let mut buf = [0; 20];
        assert_eq!(decimal_digits(0, &mut buf), b"0");
        assert_eq!(decimal_digits(u64::MAX, &mut buf), b"18446744073709551615");
        assert_eq!(decimal_digits(4096, &mut buf), b"4096");
    }

    #[test]
    fn unsigned() {
        assert_eq!(parse_u64("42", 10), Ok(42));
        assert_eq!(parse_u64(" +42", 10), Ok(42));
        assert_eq!(parse_u64("0x1F", 0), Ok(31));
        assert_eq!(parse_u64("010", 0), Ok(8));
        assert_eq!(parse_u64("010", 10), Ok(10));
        assert_eq!(parse_u64("0", 0), Ok(0));
        assert_eq!(parse_u64("", 10), Err(NumError::Invalid));
        assert_eq!(parse_u64("12a", 10), Err(NumError::Invalid));
        assert_eq!(parse_u64("-1", 10), Err(NumError::Range));
        assert_eq!(parse_u64("99999999999999999999", 10), Err(NumError::Range));
        assert_eq!(parse_u32("4294967296", 10), Err(NumError::Range));
        assert_eq!(parse_u32("4294967295", 10), Ok(u32::MAX));
        assert_eq!(parse_u64("08", 0), Err(NumError::Invalid));
    }

    #[test]
    fn signed() {
        assert_eq!(parse_i64("-5", 10), Ok(-5));
        assert_eq!(parse_i64("-9223372036854775808", 10), Ok(i64::MIN));
        assert_eq!(parse_i64("9223372036854775808", 10), Err(NumError::Range));
        assert_eq!(parse_i64("1e3", 10), Err(NumError::Invalid));
        assert_eq!(parse_i32("2147483648", 10), Err(NumError::Range));
    }

    #[test]
    fn messages() {
        assert_eq!(NumError::Invalid.to_error("failed to parse uid", "abc").message(), "failed to parse uid: 'abc'");
        assert_eq!(
            NumError::Range.to_error("failed to parse uid", "-1").message(),
            "failed to parse uid: '-1': Numerical result out of range"
        );
    }
}
