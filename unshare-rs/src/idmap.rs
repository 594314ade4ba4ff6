//! User and group ID maps of a new user namespace (`user_namespaces(7)`):
//! the `--map-users`/`--map-groups` specifications, `/etc/subuid` and
//! `/etc/subgid` lookups, merging a single mapping into ranges, and the text
//! written to `/proc/PID/uid_map` or passed to `newuidmap(1)`.

use std::fmt;

use nsutils_common::bytes;
use nsutils_common::parse::parse_u32;
use nsutils_common::process::ChildStatus;
use nsutils_common::{signals, Error};

/// How many IDs there are: 0 to 4294967294. `(uid_t)-1` is no ID (the
/// kernel refuses it in a map, and `setuid(2)` reads it as "unchanged").
const IDS: u64 = u32::MAX as u64;

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
    /// A line the kernel takes, or `None` when it is empty or runs past
    /// the last ID, 4294967294 (`user_namespaces(7)`: `first + count`
    /// must not overflow 32 bits).
    pub fn new(inner: u32, outer: u32, count: u32) -> Option<IdRange> {
        let fits = |start: u32| u64::from(start) + u64::from(count) <= IDS;
        (count > 0 && fits(inner) && fits(outer)).then_some(IdRange { inner, outer, count })
    }
}

impl fmt::Display for IdRange {
    /// The map line as the kernel takes it: `inner outer count`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.inner, self.outer, self.count)
    }
}

/// A range as asked for (`--map-users`, a subordinate ID block, `all`),
/// before it becomes map lines.
///
/// As util-linux does, IDs count round the ID space: an ID past 4294967294
/// is taken from 0 on (`1:0:4294967295` maps inner 1–4294967294 and then
/// inner 0), and 4294967295 itself is 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    /// First ID inside the new namespace (below 4294967295).
    pub inner: u32,
    /// First ID in the parent namespace (below 4294967295).
    pub outer: u32,
    /// Number of IDs (at least 1).
    pub count: u32,
    /// `auto`: only the outer IDs were chosen, the inner ones are "from 0
    /// up". A single mapping whose inner ID falls among them moves the rest
    /// up by one instead of costing one of the block's IDs.
    pub inner_moves: bool,
}

impl Wanted {
    /// `count` IDs from `outer` seen as IDs from `inner`; `None` for a
    /// count of 0.
    pub fn new(inner: u32, outer: u32, count: u32) -> Option<Wanted> {
        let wrap = |id: u32| (u64::from(id) % IDS) as u32;
        (count > 0).then_some(Wanted { inner: wrap(inner), outer: wrap(outer), count, inner_moves: false })
    }
}

/// How the uid or gid map of the new user namespace is written.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum IdMap {
    /// No map (IDs show as the overflow ID, 65534).
    #[default]
    None,
    /// One ID, written by the process itself (allowed for its own ID).
    Single(IdRange),
    /// Ranges, written by a helper that stays outside: directly as root,
    /// otherwise through `newuidmap`/`newgidmap`.
    Ranges(Vec<IdRange>),
}

/// The inner ID of a single mapping (`--map-user`, `-r`, `-c`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SingleId {
    /// This ID.
    Id(u32),
    /// `-c`: the outer ID itself, whatever it turns out to be (the
    /// `--owner`'s when there is one).
    Same,
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

/// A decimal ID of the command line, as `strtoul(3)` reads one after
/// leading blanks and a `+` (util-linux takes those); nothing may follow
/// the digits, and there is no `-` (which `strtoul` wraps round) or `0x`.
pub(crate) fn argument_id(s: &str) -> Option<u32> {
    let s = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    decimal(s.strip_prefix('+').unwrap_or(s))
}

/// Parse a `--map-users`/`--map-groups` range: `inner:outer:count`
/// (util-linux 2.39+) or the deprecated `outer,inner,count`.
///
/// Stricter than util-linux's `sscanf("%u")`, which silently wraps `-1` and
/// numbers past 4294967295 and takes a count of 0 for "no map": every field
/// must be a decimal number below 2^32 (leading blanks and `+` are fine,
/// as there) and the count must not be zero.
pub fn parse_range(spec: &str) -> Result<Wanted, Error> {
    let fields = |sep: char| -> Option<[u32; 3]> {
        let v: Vec<&str> = spec.split(sep).collect();
        match v.as_slice() {
            [a, b, c] => Some([argument_id(a)?, argument_id(b)?, argument_id(c)?]),
            _ => None,
        }
    };
    let range = if let Some([inner, outer, count]) = fields(':') {
        Wanted::new(inner, outer, count)
    } else if let Some([outer, inner, count]) = fields(',') {
        Wanted::new(inner, outer, count)
    } else {
        None
    };
    range.ok_or_else(|| Error::msg(format!("invalid mapping '{spec}'")))
}

/// The first range of `/etc/subuid` (or `/etc/subgid`) that belongs to the
/// user: a `name:start:count` line whose first field is the user's name or
/// number (`subuid(5)`). `identity` maps the block onto itself (`subids`);
/// otherwise its inner IDs are from 0 up (`auto`).
///
/// util-linux looks the group file up by the *user's* name and euid as
/// well, because subgid blocks are allotted per user. Lines are taken as
/// they are, as util-linux and `newuidmap(1)` take them: a blank around
/// the name makes it another name, and a number followed by anything (a
/// blank, the `\r` of a CRLF line) is an error naming the field.
pub fn subid_range(
    kind: IdKind,
    contents: Option<&[u8]>,
    user_name: Option<&str>,
    euid: u32,
    identity: bool,
) -> Result<Wanted, Error> {
    let file = kind.subid_file();
    let shown = user_name.map_or_else(|| euid.to_string(), str::to_string);
    let no_line = || Error::msg(format!("no line matching user \"{shown}\" in {file}"));
    let contents = contents.ok_or_else(no_line)?;
    let is_ours = |owner: &[u8]| {
        Some(owner) == user_name.map(str::as_bytes) || std::str::from_utf8(owner).ok().and_then(decimal) == Some(euid)
    };
    for line in contents.split(|&b| b == b'\n') {
        let mut f = line.splitn(3, |&b| b == b':');
        let (Some(owner), Some(start), Some(count)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        if !is_ours(owner) {
            continue;
        }
        let number = |field: &[u8]| {
            let text = bytes::text(field);
            // strtoul's number: blanks before it, no sign, nothing after
            std::str::from_utf8(field)
                .map_err(|_| nsutils_common::parse::NumError::Invalid)
                .and_then(|s| parse_u32(s, 10))
                .map_err(|e| e.to_error("failed to parse subid map", &text))
        };
        let (start, count_n) = (number(start)?, number(count)?);
        let inner = if identity { start } else { 0 };
        let Some(mut wanted) = Wanted::new(inner, start, count_n) else {
            // util-linux writes no map at all for a count of 0
            return Err(Error::msg(format!("failed to parse subid map: '{}'", bytes::text(count))));
        };
        wanted.inner_moves = !identity;
        return Ok(wanted);
    }
    Err(no_line())
}

/// `all`: every ID this process can use, mapped onto itself. Each line of
/// our own `/proc/self/uid_map` gives the IDs valid in our namespace (its
/// first column).
pub fn identity_of_own_map(map: &[u8]) -> Result<Vec<Wanted>, Error> {
    let map = String::from_utf8_lossy(map);
    let mut out = Vec::new();
    for line in map.lines().filter(|l| !l.trim().is_empty()) {
        let v: Vec<u32> = line.split_whitespace().filter_map(decimal).collect();
        match v.as_slice() {
            [inner, _outer, count] => {
                out.push(Wanted::new(*inner, *inner, *count).ok_or_else(|| bad_kernel_map(line))?)
            }
            _ => return Err(bad_kernel_map(line)),
        }
    }
    Ok(out)
}

fn bad_kernel_map(line: &str) -> Error {
    Error::msg(format!("failed to parse ID map line '{}'", line.trim()))
}

/// The map of one kind: the single mapping of `single` (its inner ID) to
/// `outer` (the ID the namespace is made with), and the `wanted` ranges.
/// With ranges, or when `helper_writes` (`--owner`: after giving up root
/// we may no longer write our own map), the helper writes everything.
pub fn plan_map(single: Option<SingleId>, outer: u32, wanted: &[Wanted], helper_writes: bool) -> IdMap {
    let single = single.and_then(|s| {
        let inner = match s {
            SingleId::Id(id) => id,
            SingleId::Same => outer,
        };
        IdRange::new(inner, outer, 1)
    });
    match single {
        Some(s) if wanted.is_empty() && !helper_writes => IdMap::Single(s),
        None if wanted.is_empty() => IdMap::None,
        _ => IdMap::Ranges(map_lines(single, wanted)),
    }
}

/// The map lines of `wanted` ranges beside a single mapping, as util-linux
/// 2.43 makes them: the single mapping comes first; each range gives up
/// its inner ID and its outer ID (the kernel refuses a map in which an ID
/// appears twice on either side), and what is left of both sides is paired
/// in order. So `0:100000:65536` beside `0 → 0` keeps inner 1–65535 for
/// outer 100000–165534, `all` (`0:0:4294967295`) beside `5 → 0` maps inner
/// 0–4 to outer 1–5 and the rest onto itself, and an `auto` block keeps
/// every one of its IDs (inner 1–65536). A range at the top of the ID
/// space continues at 0.
///
/// util-linux 2.43 also cuts a range whose end is just below the single
/// mapping's inner ID, and maps an `auto` block past its end when it holds
/// our own outer ID; here neither happens.
pub fn map_lines(single: Option<IdRange>, wanted: &[Wanted]) -> Vec<IdRange> {
    let mut out: Vec<IdRange> = single.into_iter().collect();
    for w in wanted {
        // an `auto` block's inner side may use one ID more, to step over
        // the single mapping's; the pairing stops where the outer IDs end
        let inner_len = u64::from(w.count) + u64::from(w.inner_moves);
        let inner = run_without(w.inner, inner_len, single.map(|s| s.inner));
        let outer = run_without(w.outer, u64::from(w.count), single.map(|s| s.outer));
        out.extend(pair(&inner, &outer));
    }
    out
}

/// `len` IDs from `start` on, round the ID space, without `hole`: as
/// stretches `(first, length)` in order.
fn run_without(start: u32, len: u64, hole: Option<u32>) -> Vec<(u64, u64)> {
    let start = u64::from(start);
    let len = len.min(IDS);
    let to_top = len.min(IDS - start);
    let mut stretches = vec![(start, to_top)];
    if len > to_top {
        stretches.push((0, len - to_top));
    }
    let Some(hole) = hole.map(u64::from) else { return stretches };
    let mut out = Vec::with_capacity(stretches.len() + 1);
    for (first, n) in stretches {
        if hole >= first && hole - first < n {
            out.push((first, hole - first));
            out.push((hole + 1, n - (hole - first) - 1));
        } else {
            out.push((first, n));
        }
    }
    out.retain(|&(_, n)| n > 0);
    out
}

/// Pair two sequences of IDs in order, as map lines.
fn pair(inner: &[(u64, u64)], outer: &[(u64, u64)]) -> Vec<IdRange> {
    let mut out = Vec::new();
    let (mut ins, mut outs) = (inner.iter().copied(), outer.iter().copied());
    let (mut a, mut b) = (ins.next(), outs.next());
    while let (Some((i, il)), Some((o, ol))) = (a, b) {
        let n = il.min(ol);
        // both below IDS, n ≤ the distance of each to IDS: a valid line
        out.push(IdRange { inner: i as u32, outer: o as u32, count: n as u32 });
        a = if il > n { Some((i + n, il - n)) } else { ins.next() };
        b = if ol > n { Some((o + n, ol - n)) } else { outs.next() };
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

/// What the end of `newuidmap`/`newgidmap` means: its exit status (it
/// printed why it failed), or, when a signal killed it, an error saying so
/// (the map may not be written; util-linux 2.43 carries on as if it were).
pub fn helper_outcome(kind: IdKind, status: ChildStatus) -> Result<i32, Error> {
    match status {
        ChildStatus::Exited(code) => Ok(code),
        ChildStatus::Signaled(sig) | ChildStatus::Stopped(sig) => {
            Err(Error::msg(format!("{} was killed by {}", kind.helper(), signals::describe(sig))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(inner: u32, outer: u32, count: u32) -> IdRange {
        IdRange::new(inner, outer, count).unwrap()
    }

    fn w(inner: u32, outer: u32, count: u32) -> Wanted {
        Wanted::new(inner, outer, count).unwrap()
    }

    fn auto(outer: u32, count: u32) -> Wanted {
        Wanted { inner_moves: true, ..w(0, outer, count) }
    }

    #[test]
    fn both_spellings() {
        assert_eq!(parse_range("0:100000:65536").unwrap(), w(0, 100000, 65536));
        assert_eq!(parse_range("100000,0,65536").unwrap(), w(0, 100000, 65536));
    }

    #[test]
    fn bad_ranges() {
        for bad in ["1,2", "1:2", "1:2:3:4", "a:1:1", "-1:0:1", "0:0:0", "4294967296:0:1", "", "1,2:3", "1 :2:3"] {
            assert_eq!(parse_range(bad).unwrap_err().message(), format!("invalid mapping '{bad}'"), "{bad}");
        }
        // strtoul's leading blanks and plus sign, as util-linux takes them
        assert_eq!(parse_range(" 1:+2:\t3").unwrap(), w(1, 2, 3));
        assert!(parse_range("++1:0:1").is_err() && parse_range("+ 1:0:1").is_err());
    }

    #[test]
    fn lines_are_valid_for_the_kernel() {
        assert!(IdRange::new(4294967294, 0, 1).is_some());
        assert!(IdRange::new(0, 0, u32::MAX).is_some());
        // the kernel refuses a line that reaches (uid_t)-1
        assert!(IdRange::new(4294967295, 0, 1).is_none());
        assert!(IdRange::new(1, 0, u32::MAX).is_none());
        assert!(IdRange::new(0, 4294967294, 2).is_none());
        assert!(IdRange::new(0, 0, 0).is_none());
    }

    #[test]
    fn ranges_at_the_top_continue_at_zero() {
        // util-linux 2.43: IDs count round the 4294967295 valid ones
        let lines = |spec: &str| map_lines(None, &[parse_range(spec).unwrap()]);
        assert_eq!(lines("1:0:4294967295"), [r(1, 0, 4294967294), r(0, 4294967294, 1)]);
        assert_eq!(lines("0:1:4294967295"), [r(0, 1, 4294967294), r(4294967294, 0, 1)]);
        assert_eq!(lines("2:0:4294967294"), [r(2, 0, 4294967293), r(0, 4294967293, 1)]);
        assert_eq!(lines("4294967295:0:1"), [r(0, 0, 1)]);
        assert_eq!(lines("0:4294967295:1"), [r(0, 0, 1)]);
        assert_eq!(lines("4294967294:0:2"), [r(4294967294, 0, 1), r(0, 1, 1)]);
        assert_eq!(lines("4294967295:0:4294967295"), [r(0, 0, 4294967295)]);
        assert_eq!(lines("100:0:4294967295"), [r(100, 0, 4294967195), r(0, 4294967195, 100)]);
        assert_eq!(lines("0:0:4294967295"), [r(0, 0, 4294967295)]);
    }

    #[test]
    fn subids() {
        let file = b"# comment\nalice:100000:65536\n1000:300000:10\nbob:200000:65536\n";
        let got = subid_range(IdKind::User, Some(file), Some("bob"), 1001, false).unwrap();
        assert_eq!(got, auto(200000, 65536));
        let got = subid_range(IdKind::User, Some(file), Some("carol"), 1000, true).unwrap();
        assert_eq!(got, w(300000, 300000, 10));
        let e = subid_range(IdKind::Group, Some(file), Some("root"), 0, false).unwrap_err();
        assert_eq!(e.message(), "no line matching user \"root\" in /etc/subgid");
        let e = subid_range(IdKind::User, None, None, 4242, false).unwrap_err();
        assert_eq!(e.message(), "no line matching user \"4242\" in /etc/subuid");
        let e = subid_range(IdKind::User, Some(b"x:1:y\n"), Some("x"), 5, false).unwrap_err();
        assert_eq!(e.message(), "failed to parse subid map: 'y'");
    }

    #[test]
    fn subid_lines_are_taken_as_they_are() {
        let get = |file: &[u8]| subid_range(IdKind::User, Some(file), Some("alice"), 1000, false);
        let err = |file: &[u8]| get(file).unwrap_err().message().to_string();
        // what util-linux 2.43 says
        assert_eq!(err(b"alice:100000:65536\r\n"), "failed to parse subid map: '65536\r'");
        assert_eq!(err(b"alice:100000:65536 \n"), "failed to parse subid map: '65536 '");
        assert_eq!(err(b"alice:100000 :65536\n"), "failed to parse subid map: '100000 '");
        assert_eq!(err(b"alice:100000:65536:x\n"), "failed to parse subid map: '65536:x'");
        assert_eq!(err(b"alice::1\n"), "failed to parse subid map: ''");
        assert_eq!(err(b"alice:-1:1\n"), "failed to parse subid map: '-1': Numerical result out of range");
        assert_eq!(err(b" alice:100000:65536\n"), "no line matching user \"alice\" in /etc/subuid");
        assert_eq!(err(b"alice :100000:65536\n"), "no line matching user \"alice\" in /etc/subuid");
        assert_eq!(err(b"alice:100000\n:1\n"), "no line matching user \"alice\" in /etc/subuid");
        // strtoul's leading blanks and sign are fine, as for util-linux
        assert_eq!(get(b"alice: 100000:\t+65536\n").unwrap(), auto(100000, 65536));
        // the last line needs no newline; other users' lines may hold anything
        assert_eq!(get(b"b\xffb:1:1\nalice:100000:65536").unwrap(), auto(100000, 65536));
        // a number in a bad field is shown with its bytes
        assert_eq!(err(b"alice:1\xff:1\n"), format!("failed to parse subid map: '1{}'", bytes::text(b"\xff")));
        // refused where util-linux writes no map (count 0) or wraps
        assert_eq!(err(b"alice:100000:0\n"), "failed to parse subid map: '0'");
        assert_eq!(
            err(b"alice:1:4294967296\n"),
            "failed to parse subid map: '4294967296': Numerical result out of range"
        );
        // the ID space is round here too
        assert_eq!(map_lines(None, &[get(b"alice:4294967200:1000\n").unwrap()]), [r(0, 4294967200, 95), r(95, 0, 905)]);
    }

    #[test]
    fn all_is_identity_of_own_map() {
        let init = b"         0          0 4294967295\n";
        assert_eq!(identity_of_own_map(init).unwrap(), vec![w(0, 0, u32::MAX)]);
        let nested = b"         0       1000          1\n         1     100000      65536\n";
        assert_eq!(identity_of_own_map(nested).unwrap(), vec![w(0, 0, 1), w(1, 1, 65536)]);
        assert!(identity_of_own_map(b"1 2\n").is_err());
    }

    /// `single` (inner → outer) merged into ranges.
    fn merged(single: (u32, u32), wanted: &[Wanted]) -> Vec<IdRange> {
        map_lines(Some(r(single.0, single.1, 1)), wanted)
    }

    #[test]
    fn the_inner_id_makes_a_hole() {
        // the sample of util-linux: --map-users=100000,0,65536 -r
        assert_eq!(merged((0, 0), &[w(0, 100000, 65536)]), [r(0, 0, 1), r(1, 100000, 65535)]);
        // an ID in the middle splits the range in two
        assert_eq!(
            merged((10, 5), &[w(0, 100, 20), w(50, 500, 5)]),
            [r(10, 5, 1), r(0, 100, 10), r(11, 110, 9), r(50, 500, 5)]
        );
        // the top ID: nothing above
        assert_eq!(merged((9, 5), &[w(0, 100, 10)]), [r(9, 5, 1), r(0, 100, 9)]);
        // a single-ID range that is the hole disappears
        assert_eq!(merged((7, 5), &[w(7, 100, 1)]), [r(7, 5, 1)]);
        // just above a range: nothing to cut (util-linux 2.43 cuts one ID)
        assert_eq!(merged((1, 0), &[w(0, 100000, 1)]), [r(1, 0, 1), r(0, 100000, 1)]);
        assert_eq!(merged((10, 0), &[w(0, 100, 10), w(10, 200, 10)]), [r(10, 0, 1), r(0, 100, 10), r(11, 200, 9)]);
    }

    #[test]
    fn the_outer_id_makes_a_hole_too() {
        // util-linux 2.43: `--map-users=all -r` as root
        assert_eq!(merged((0, 0), &[w(0, 0, u32::MAX)]), [r(0, 0, 1), r(1, 1, 4294967294)]);
        // `--map-groups=all --map-group=5`
        assert_eq!(merged((5, 0), &[w(0, 0, u32::MAX)]), [r(5, 0, 1), r(0, 1, 5), r(6, 6, 4294967289)]);
        assert_eq!(merged((0, 0), &[w(0, 0, 65536)]), [r(0, 0, 1), r(1, 1, 65535)]);
        assert_eq!(merged((100, 0), &[w(0, 0, 65536)]), [r(100, 0, 1), r(0, 1, 100), r(101, 101, 65435)]);
        // only the outer side: the range loses its last inner ID
        assert_eq!(merged((7, 0), &[w(10, 0, 100)]), [r(7, 0, 1), r(10, 1, 99)]);
        assert_eq!(merged((0, 0), &[w(200000, 0, 10)]), [r(0, 0, 1), r(200000, 1, 9)]);
        // our outer ID in the middle of a block (nobody with 65000:1000)
        assert_eq!(
            merged((600, 65534), &[w(0, 65000, 1000)]),
            [r(600, 65534, 1), r(0, 65000, 534), r(534, 65535, 66), r(601, 65601, 399)]
        );
    }

    #[test]
    fn an_auto_block_keeps_all_its_ids() {
        // util-linux 2.43: --map-auto -r (root:100000:65536)
        assert_eq!(merged((0, 0), &[auto(100000, 65536)]), [r(0, 0, 1), r(1, 100000, 65536)]);
        assert_eq!(merged((5, 0), &[auto(100000, 65536)]), [r(5, 0, 1), r(0, 100000, 5), r(6, 100005, 65531)]);
        assert_eq!(
            merged((65535, 0), &[auto(100000, 65536)]),
            [r(65535, 0, 1), r(0, 100000, 65535), r(65536, 165535, 1)]
        );
        assert_eq!(merged((65536, 0), &[auto(100000, 65536)]), [r(65536, 0, 1), r(0, 100000, 65536)]);
        // -c as nobody: 65534 is among the inner IDs
        assert_eq!(
            merged((65534, 65534), &[auto(100000, 65536)]),
            [r(65534, 65534, 1), r(0, 100000, 65534), r(65535, 165534, 2)]
        );
        // our own ID inside the block: it is left out, and nothing past the
        // block's end is mapped (util-linux 2.43 maps 65535–66000)
        assert_eq!(merged((0, 65534), &[auto(65000, 1000)]), [r(0, 65534, 1), r(1, 65000, 534), r(535, 65535, 465)]);
        // `subids` is no auto block: its inner IDs are fixed
        assert_eq!(
            merged((100005, 0), &[w(100000, 100000, 65536)]),
            [r(100005, 0, 1), r(100000, 100000, 5), r(100006, 100005, 65530)]
        );
    }

    /// Every combination of IDs near the edges (0, the middle, the top of
    /// the ID space): the lines are valid for the kernel, repeat neither
    /// side of the single mapping, and keep exactly what is left.
    #[test]
    fn lines_are_whole_and_valid_at_every_edge() {
        let ids = [0, 1, 2, 99, 100, 101, 65535, 65536, 4294967293, 4294967294, 4294967295];
        let counts = [1, 2, 100, 65536, 4294967294, 4294967295];
        let holds = |start: u32, count: u64, id: u32| (u64::from(id) + IDS - u64::from(start)) % IDS < count;
        for &(si, so) in &[(0, 0), (5, 0), (0, 100), (101, 65535), (4294967294, 1), (100, 100)] {
            let single = r(si, so, 1);
            for &inner in &ids {
                for &outer in &ids {
                    for &count in &counts {
                        for moves in [false, true] {
                            let mut wanted = w(inner, outer, count);
                            wanted.inner_moves = moves;
                            let lines = map_lines(Some(single), &[wanted]);
                            assert_eq!(lines[0], single);
                            let mut total = 0;
                            for l in &lines[1..] {
                                assert_eq!(IdRange::new(l.inner, l.outer, l.count), Some(*l), "{wanted:?}");
                                assert!(!holds(l.inner, l.count.into(), si), "{wanted:?}: {l:?}");
                                assert!(!holds(l.outer, l.count.into(), so), "{wanted:?}: {l:?}");
                                total += u64::from(l.count);
                            }
                            let (inner, outer) = (wanted.inner, wanted.outer);
                            let inner_len = (u64::from(count) + u64::from(moves)).min(IDS);
                            let left_inner = inner_len - u64::from(holds(inner, inner_len, si));
                            let left_outer = u64::from(count) - u64::from(holds(outer, count.into(), so));
                            assert_eq!(total, left_inner.min(left_outer), "{single:?} {wanted:?}: {lines:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn plans() {
        let single = Some(SingleId::Id(0));
        assert_eq!(plan_map(single, 1000, &[], false), IdMap::Single(r(0, 1000, 1)));
        assert_eq!(plan_map(single, 1000, &[], true), IdMap::Ranges(vec![r(0, 1000, 1)]));
        assert_eq!(plan_map(Some(SingleId::Same), 7, &[], false), IdMap::Single(r(7, 7, 1)));
        assert_eq!(plan_map(None, 7, &[], true), IdMap::None);
        assert_eq!(plan_map(None, 7, &[w(0, 9, 1)], false), IdMap::Ranges(vec![r(0, 9, 1)]));
    }

    #[test]
    fn texts() {
        let m = [r(0, 0, 1), r(1, 100000, 65535)];
        assert_eq!(map_text(&m), "0 0 1\n1 100000 65535\n");
        assert_eq!(helper_args(42, &m), ["42", "0", "0", "1", "1", "100000", "65535"]);
        assert_eq!(IdKind::Group.helper(), "newgidmap");
    }

    #[test]
    fn a_helper_killed_by_a_signal_is_an_error() {
        assert_eq!(helper_outcome(IdKind::User, ChildStatus::Exited(3)).unwrap(), 3);
        let e = helper_outcome(IdKind::Group, ChildStatus::Signaled(libc::SIGKILL)).unwrap_err();
        assert_eq!(e.message(), "newgidmap was killed by SIGKILL");
        assert_eq!(e.status(), 1);
    }
}
