//! Sizes as util-linux reads and writes them: `ipcmk -M 1.5K` and
//! `ipcs --human` (`1K`, `1.5K`, `10M`, `100B`).

/// Why a size did not parse (the errno util-linux reports with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeError {
    /// Not a size (`EINVAL`).
    Invalid,
    /// Too large (`ERANGE`).
    Range,
}

impl SizeError {
    /// The errno util-linux appends to the message.
    pub fn errno(self) -> i32 {
        match self {
            SizeError::Invalid => libc::EINVAL,
            SizeError::Range => libc::ERANGE,
        }
    }
}

/// Split off the integer part the way `strtoumax(s, &end, 0)` reads it:
/// `0x` hex (only when a hex digit follows), a leading `0` octal, else
/// decimal. Returns the value (None on overflow) and the rest.
fn c_integer(s: &str) -> Option<(Option<u64>, &str)> {
    let (radix, digits) = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(r) if r.starts_with(|c: char| c.is_ascii_hexdigit()) => (16, r),
        _ if s.starts_with('0') => (8, s),
        _ => (10, s),
    };
    let len = digits.find(|c: char| !c.is_digit(radix)).unwrap_or(digits.len());
    if len == 0 {
        return None;
    }
    let value = u64::from_str_radix(&digits[..len], radix).ok();
    Some((value, &digits[len..]))
}

/// Parse a size like util-linux's `strtosize()`: a number (with C base
/// detection: `010` is 8, `0x10` is 16), an optional fraction after `.`,
/// and an optional suffix `K M G T P E Z Y` (either case) alone or with
/// `iB` (powers of 1024) or with `B` (powers of 1000). Leading white space
/// is allowed, a minus sign is not; a fraction needs a suffix.
///
/// Unlike util-linux, whose digit-by-digit fraction arithmetic is off for
/// many inputs (`1.9K` gives 2048, `1.10K` gives 2048), the fraction is
/// applied exactly and rounded down: `1.9K` is 1945 bytes.
pub fn parse_size(s: &str) -> Result<u64, SizeError> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    if t.starts_with('-') {
        return Err(SizeError::Invalid);
    }
    let t = t.strip_prefix('+').unwrap_or(t);
    let (int, rest) = c_integer(t).ok_or(SizeError::Invalid)?;
    let int = int.ok_or(SizeError::Range)?;
    if rest.is_empty() {
        return Ok(int);
    }
    let (frac_digits, rest) = match rest.strip_prefix('.') {
        Some(r) => {
            let len = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            (&r[..len], &r[len..])
        }
        None => ("", rest),
    };
    // a fraction needs a suffix: "1.5" is refused below for lack of a letter
    let mut chars = rest.chars();
    let letter = chars.next().ok_or(SizeError::Invalid)?;
    let power = "KMGTPEZY".find(letter.to_ascii_uppercase()).ok_or(SizeError::Invalid)? as u32 + 1;
    let base: u128 = match chars.as_str() {
        "" | "iB" | "ib" => 1024,
        "B" | "b" => 1000,
        _ => return Err(SizeError::Invalid),
    };
    let mult = base.pow(power);
    if mult > u64::MAX as u128 {
        return Err(SizeError::Range);
    }
    // floor(mult * 0.d1d2…dn), exactly: fold the digits from the right,
    // x = floor((d * mult + x) / 10) (nested floors of integer sums compose).
    let frac = frac_digits.bytes().rev().fold(0u128, |x, d| (u128::from(d - b'0') * mult + x) / 10);
    let total = u128::from(int) * mult + frac;
    u64::try_from(total).map_err(|_| SizeError::Range)
}

/// A size with a one-letter binary suffix, as util-linux's
/// `size_to_human_string(SIZE_SUFFIX_1LETTER)`: the largest power of 1024
/// not above the value, one decimal rounded half up (in 1/1024 steps) and
/// dropped when 0: `0B`, `100B`, `1K`, `1.5K`, `10M`, `16E`.
pub fn human(bytes: u64) -> String {
    const LETTERS: &[u8] = b"BKMGTPE";
    let mut exp = 0;
    while exp < 6 && bytes >> (10 * (exp + 1)) != 0 {
        exp += 1;
    }
    let letter = LETTERS[exp] as char;
    if exp == 0 {
        return format!("{bytes}{letter}");
    }
    let shift = 10 * exp as u32;
    let mut whole = bytes >> shift;
    let rest = bytes & ((1u64 << shift) - 1);
    // the remainder in 1/1024 units, then to tenths rounding half up
    let mut tenth = ((rest >> (shift - 10)) + 50) / 100;
    if tenth == 10 {
        whole += 1;
        tenth = 0;
    }
    if tenth == 0 {
        format!("{whole}{letter}")
    } else {
        format!("{whole}.{tenth}{letter}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_numbers_use_c_base_detection() {
        assert_eq!(parse_size("5"), Ok(5));
        assert_eq!(parse_size(" 5"), Ok(5));
        assert_eq!(parse_size(" +5"), Ok(5));
        assert_eq!(parse_size("010"), Ok(8));
        assert_eq!(parse_size("0x10"), Ok(16));
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("18446744073709551615"), Ok(u64::MAX));
    }

    #[test]
    fn suffixes() {
        assert_eq!(parse_size("1K"), Ok(1024));
        assert_eq!(parse_size("1k"), Ok(1024));
        assert_eq!(parse_size("1KiB"), Ok(1024));
        assert_eq!(parse_size("1kib"), Ok(1024));
        assert_eq!(parse_size("1KB"), Ok(1000));
        assert_eq!(parse_size("1Kb"), Ok(1000));
        assert_eq!(parse_size("1m"), Ok(1 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("0x1K"), Ok(1024));
        assert_eq!(parse_size("010K"), Ok(8192));
        assert_eq!(parse_size("15E"), Ok(15 << 60));
        assert_eq!(parse_size("1EB"), Ok(1_000_000_000_000_000_000));
    }

    #[test]
    fn fractions_are_exact() {
        assert_eq!(parse_size("1.5K"), Ok(1536));
        assert_eq!(parse_size("2.5MiB"), Ok(2_621_440));
        assert_eq!(parse_size("0.5K"), Ok(512));
        assert_eq!(parse_size("1.5KB"), Ok(1500));
        assert_eq!(parse_size("1.K"), Ok(1024));
        assert_eq!(parse_size("1.9K"), Ok(1945));
        assert_eq!(parse_size("1.10K"), Ok(1126));
        assert_eq!(parse_size("1.333K"), Ok(1364));
        assert_eq!(parse_size("1.0000000000000000000000000000000000000000001K"), Ok(1024));
        assert_eq!(parse_size("1.99999999999999999999999999999999999999999K"), Ok(2047));
        assert_eq!(parse_size("0.0001K"), Ok(0));
    }

    #[test]
    fn errors() {
        for bad in [
            "", "abc", "-1", " -1", "1X", "1KiBx", "1KIB", "1.5", ".5K", "1e3", "1 K", "1K ", "08", "0x", "1.5.K",
            "1,5K", "1.",
        ] {
            assert_eq!(parse_size(bad), Err(SizeError::Invalid), "{bad:?}");
        }
        for big in ["1Z", "1Y", "0Z", "16E", "18446744073709551616", "1ZB"] {
            assert_eq!(parse_size(big), Err(SizeError::Range), "{big:?}");
        }
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(0), "0B");
        assert_eq!(human(100), "100B");
        assert_eq!(human(1023), "1023B");
        assert_eq!(human(1024), "1K");
        assert_eq!(human(1536), "1.5K");
        assert_eq!(human(2047), "2K");
        assert_eq!(human(10 << 20), "10M");
        assert_eq!(human(4096), "4K");
        assert_eq!(human(u64::MAX), "16E");
        assert_eq!(human(18446744073692774399), "16E");
    }
}
