//! Lines of `/proc/PID/mountinfo` (`proc(5)`): the fields nsutils reads —
//! the root of the mount, its mount point and its file system type — with
//! the kernel's octal escapes (`\040` for a space, …) undone.
//!
//! lsns-rs reads it for nsfs bind mounts (NSFS column, namespaces held only
//! by a mount), nsenter-rs for the cgroup2 mount of `--join-cgroup`.

/// The fields of one mountinfo line that nsutils uses (`proc(5)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountLine<'a> {
    /// Field 4: the path within the file system that is mounted (escaped),
    /// e.g. `/` or, for nsfs, `net:[4026532177]`.
    pub root: &'a [u8],
    /// Field 5: the mount point (escaped; see [`unescape`]).
    pub mount_point: &'a [u8],
    /// The file system type, after the ` - ` separator.
    pub fstype: &'a [u8],
    /// Whether the optional fields hold `shared:N`: the mount is in a
    /// peer group, and mounts under it propagate.
    pub shared: bool,
}

/// Split one `/proc/PID/mountinfo` line (`proc(5)`) into the fields
/// nsutils uses; `None` for a line that does not have them.
pub fn parse_line(line: &[u8]) -> Option<MountLine<'_>> {
    let mut fields = line.split(|&b| b == b' ');
    let root = fields.nth(3)?;
    let mount_point = fields.next()?;
    // optional fields end at the lone "-", then comes the file system type
    let mut shared = false;
    let mut rest = fields.skip(1).skip_while(|f| {
        shared |= f.starts_with(b"shared:");
        *f != b"-"
    });
    rest.next()?;
    let fstype = rest.next()?;
    Some(MountLine { root, mount_point, fstype, shared })
}

/// Undo mountinfo's `\NNN` octal escapes (space, tab, newline, backslash;
/// `proc(5)`).
pub fn unescape(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\' && i + 3 < s.len() && s[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c)) {
            out.push((s[i + 1] - b'0') * 64 + (s[i + 2] - b'0') * 8 + (s[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_of_a_line() {
        let l = parse_line(b"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime shared:9 - cgroup2 cgroup2 rw").unwrap();
        assert_eq!(l.root, b"/");
        assert_eq!(l.mount_point, b"/sys/fs/cgroup/unified");
        assert_eq!(l.fstype, b"cgroup2");
        assert!(l.shared);
        let l = parse_line(b"600 25 0:4 net:[4026532177] /run/netns/a\\040b rw - nsfs nsfs rw").unwrap();
        assert_eq!(l.root, b"net:[4026532177]");
        assert_eq!(unescape(l.mount_point), b"/run/netns/a b");
        assert_eq!(l.fstype, b"nsfs");
        assert!(!l.shared);
        assert!(!parse_line(b"7 1 0:5 / /x rw,shared:3 master:1 - tmpfs t rw").unwrap().shared);
        assert_eq!(parse_line(b"1 2 3"), None);
        assert_eq!(parse_line(b"1 2 3 / /x rw"), None);
    }

    #[test]
    fn octal_escapes() {
        assert_eq!(unescape(b"a\\040b\\011c\\134"), b"a b\tc\\");
        assert_eq!(unescape(b"a\\04"), b"a\\04");
        assert_eq!(unescape(b"\\012"), b"\n");
    }
}
