//! User and group ID maps of a new user namespace (`user_namespaces(7)`):
//! the `--map-users`/`--map-groups` specifications, `/etc/subuid` and
//! `/etc/subgid` lookups, merging a single mapping into ranges, and the text
//! written to `/proc/PID/uid_map` or passed to `newuidmap(1)`.

use std::fmt;

use nsutils_common::Error;

/// One line of an ID map: `count` IDs starting at `inner` inside the
/// namespace correspond to IDs starting at `outer` in the parent namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdRange {
    /// First ID inside the new namespace.
    pub inner: u32,
    /// First ID in the parent namespace.
    pub outer: u32,
    /// Number of IDs.
    pub count: u32,
}

impl IdRange {
    /// A range, or `None` when it is empty or runs past the 32-bit ID space.
    pub fn new(inner: u32, outer: u32, count: u32) -> Option<IdRange> {
        let fits = |start: u32| start.checked_add(count - 1).is_some();
        (count > 0 && fits(inner) && fits(outer)).then_some(IdRange { inner, outer, count })
    }

    fn contains_inner(&self, id: u32) -> bool {
        id >= self.inner && id - self.inner < self.count
    }
}

impl fmt::Display for IdRange {
    /// The map line as the kernel takes it: `inner outer count`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.inner, self.outer, self.count)
    }
}

/// Which kind of IDs a map is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// User IDs: `uid_map`, `/etc/subuid`, `newuidmap`.
    User,
    /// Group IDs: `gid_map`, `/etc/subgid`, `newgidmap`.
    Group,
}

impl IdKind {
    /// The `/proc/PID/` file name of the map.
    pub fn map_file(self) -> &'static str {
        match self {
            IdKind::User => "uid_map",
            IdKind::Group => "gid_map",
        }
    }

    /// The subordinate ID file of shadow-utils.
    pub fn subid_file(self) -> &'static str {
        match self {
            IdKind::User => "/etc/subuid",
            IdKind::Group => "/etc/subgid",
        }
    }

    /// The setuid helper that writes the map for an unprivileged user.
    pub fn helper(self) -> &'static str {
        match self {
            IdKind::User => "newuidmap",
            IdKind::Group => "newgidmap",
        }
    }
}

/// A plain decimal ID: digits only (no sign, blanks or `0x`), within 32 bits.
pub(crate) fn decimal(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parse a `--map-users`/`--map-groups` range: `inner:outer:count`
/// (util-linux 2.39+) or the deprecated `outer,inner,count`.
///
/// Stricter than util-linux's `sscanf("%u")`, which silently wraps `-1` and
/// overflowing numbers: every field must be a decimal number, the count must
/// not be zero and the range must fit in 32 bits.
pub fn parse_range(spec: &str) -> Result<IdRange, Error> {
    let fields = |sep: char| -> Option<[u32; 3]> {
        let v: Vec<&str> = spec.split(sep).collect();
        match v.as_slice() {
            [a, b, c] => Some([decimal(a)?, decimal(b)?, decimal(c)?]),
            _ => None,
        }
    };
    let range = if let Some([inner, outer, count]) = fields(':') {
        IdRange::new(inner, outer, count)
    } else if let Some([outer, inner, count]) = fields(',') {
        IdRange::new(inner, outer, count)
    } else {
        None
    };
    range.ok_or_else(|| Error::msg(format!("invalid mapping '{spec}'")))
}

/// The first range of `/etc/subuid` (or `/etc/subgid`) that belongs to the
/// user, whose first field is the user's name or number (`subuid(5)`).
/// `identity` maps the block onto itself (`subids`); otherwise it starts at
/// inner ID 0 (`auto`).
///
/// util-linux looks the group file up by the *user's* name and euid as
/// well, because subgid blocks are allotted per user.
pub fn subid_range(
    kind: IdKind,
    contents: Option<&str>,
    user_name: Option<&str>,
    euid: u32,
    identity: bool,
) -> Result<IdRange, Error> {
    let file = kind.subid_file();
    let uid_text = euid.to_string();
    let shown = user_name.unwrap_or(&uid_text).to_string();
    let no_line = || Error::msg(format!("no line matching user \"{shown}\" in {file}"));
    let contents = contents.ok_or_else(no_line)?;
    for line in contents.lines() {
        let mut f = line.trim().splitn(3, ':');
        let (Some(owner), Some(start), Some(count)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if owner != uid_text && Some(owner) != user_name {
            continue;
        }
        let (Some(start), Some(count)) = (decimal(start.trim()), decimal(count.trim())) else {
            return Err(Error::msg("failed to parse subid map"));
        };
        let inner = if identity { start } else { 0 };
        return IdRange::new(inner, start, count).ok_or_else(|| Error::msg("failed to parse subid map"));
    }
    Err(no_line())
}

/// `all`: every ID this process can use, mapped onto itself. Each line of
/// our own `/proc/self/uid_map` gives the IDs valid in our namespace (its
/// first column).
pub fn identity_of_own_map(map: &str) -> Result<Vec<IdRange>, Error> {
    let mut out = Vec::new();
    for line in map.lines().filter(|l| !l.trim().is_empty()) {
        let v: Vec<u32> = line.split_whitespace().filter_map(decimal).collect();
        match v.as_slice() {
            [inner, _outer, count] => {
                out.push(IdRange::new(*inner, *inner, *count).ok_or_else(|| bad_kernel_map(line))?);
            }
            _ => return Err(bad_kernel_map(line)),
        }
    }
    Ok(out)
}

fn bad_kernel_map(line: &str) -> Error {
    Error::msg(format!("failed to parse ID map line '{}'", line.trim()))
}

/// Merge a single mapping (`--map-user`, `-r`, `-c`) into ranges, as
/// util-linux does: the single mapping comes first, and a range that
/// contains its inner ID is split around it, giving up its top ID so the
/// outer IDs stay contiguous (`0 100000 65536` with `0 → 0` becomes
/// `0 0 1`, `1 100000 65535`).
pub fn merge_single(single: IdRange, ranges: &[IdRange]) -> Vec<IdRange> {
    let id = single.inner;
    let mut out = vec![single];
    for r in ranges {
        if !r.contains_inner(id) {
            out.push(*r);
            continue;
        }
        let below = id - r.inner;
        if below > 0 {
            out.push(IdRange { inner: r.inner, outer: r.outer, count: below });
        }
        let above = r.count - below - 1;
        if above > 0 {
            out.push(IdRange { inner: id + 1, outer: r.outer + below, count: above });
        }
    }
    out
}

/// The map as written to `/proc/PID/uid_map`: one `inner outer count` line each.
pub fn map_text(ranges: &[IdRange]) -> String {
    ranges.iter().map(|r| format!("{r}\n")).collect()
}

/// The arguments of `newuidmap PID inner outer count …`.
pub fn helper_args(pid: i32, ranges: &[IdRange]) -> Vec<String> {
    let mut v = vec![pid.to_string()];
    for r in ranges {
        v.extend([r.inner.to_string(), r.outer.to_string(), r.count.to_string()]);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(inner: u32, outer: u32, count: u32) -> IdRange {
        IdRange::new(inner, outer, count).unwrap()
    }

    #[test]
    fn both_spellings() {
        assert_eq!(parse_range("0:100000:65536").unwrap(), r(0, 100000, 65536));
        assert_eq!(parse_range("100000,0,65536").unwrap(), r(0, 100000, 65536));
    }

    #[test]
    fn bad_ranges() {
        for bad in ["1,2", "1:2", "1:2:3:4", "a:1:1", "-1:0:1", "0:0:0", "4294967295:0:2", "", "1,2:3", " 1:2:3"] {
            assert_eq!(parse_range(bad).unwrap_err().message(), format!("invalid mapping '{bad}'"), "{bad}");
        }
        assert!(parse_range("4294967295:0:1").is_ok());
    }

    #[test]
    fn subids() {
        let file = "# comment\nalice:100000:65536\n1000:300000:10\nbob:200000:65536\n";
        let got = subid_range(IdKind::User, Some(file), Some("bob"), 1001, false).unwrap();
        assert_eq!(got, r(0, 200000, 65536));
        let got = subid_range(IdKind::User, Some(file), Some("carol"), 1000, true).unwrap();
        assert_eq!(got, r(300000, 300000, 10));
        let e = subid_range(IdKind::Group, Some(file), Some("root"), 0, false).unwrap_err();
        assert_eq!(e.message(), "no line matching user \"root\" in /etc/subgid");
        let e = subid_range(IdKind::User, None, None, 4242, false).unwrap_err();
        assert_eq!(e.message(), "no line matching user \"4242\" in /etc/subuid");
        let e = subid_range(IdKind::User, Some("x:1:y\n"), Some("x"), 5, false).unwrap_err();
        assert_eq!(e.message(), "failed to parse subid map");
    }

    #[test]
    fn all_is_identity_of_own_map() {
        let init = "         0          0 4294967295\n";
        assert_eq!(identity_of_own_map(init).unwrap(), vec![r(0, 0, u32::MAX)]);
        let nested = "         0       1000          1\n         1     100000      65536\n";
        assert_eq!(identity_of_own_map(nested).unwrap(), vec![r(0, 0, 1), r(1, 1, 65536)]);
        assert!(identity_of_own_map("1 2\n").is_err());
    }

    #[test]
    fn merging_punches_a_hole() {
        // the sample of util-linux: --map-users=100000,0,65536 -r
        assert_eq!(merge_single(r(0, 0, 1), &[r(0, 100000, 65536)]), vec![r(0, 0, 1), r(1, 100000, 65535)]);
        // an ID in the middle splits the range in two
        assert_eq!(
            merge_single(r(10, 5, 1), &[r(0, 100, 20), r(50, 500, 5)]),
            vec![r(10, 5, 1), r(0, 100, 10), r(11, 110, 9), r(50, 500, 5)]
        );
        // the top ID: nothing above
        assert_eq!(merge_single(r(9, 5, 1), &[r(0, 100, 10)]), vec![r(9, 5, 1), r(0, 100, 9)]);
        // a single-ID range that is the hole disappears
        assert_eq!(merge_single(r(7, 5, 1), &[r(7, 100, 1)]), vec![r(7, 5, 1)]);
    }

    #[test]
    fn texts() {
        let m = [r(0, 0, 1), r(1, 100000, 65535)];
        assert_eq!(map_text(&m), "0 0 1\n1 100000 65535\n");
        assert_eq!(helper_args(42, &m), ["42", "0", "0", "1", "1", "100000", "65535"]);
        assert_eq!(IdKind::Group.helper(), "newgidmap");
    }
}
