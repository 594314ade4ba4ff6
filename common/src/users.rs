//! User and group names (`getpwuid(3)`, `getgrgid(3)`, `getpwnam(3)`,
//! `getgrnam(3)`).
//!
//! Uses the C library's reentrant lookups: with glibc that includes NSS
//! (LDAP, sssd, …) like util-linux; a static musl binary reads
//! `/etc/passwd` and `/etc/group` itself. Where there is no such file or no
//! entry (a scratch container), lookups return `None` and callers show the
//! number.

use std::collections::HashMap;
use std::ffi::{CStr, CString, OsString};
use std::os::unix::ffi::OsStringExt;

/// One passwd entry's fields that nsutils uses (`passwd(5)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passwd {
    /// Login name.
    pub name: String,
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Login shell.
    pub shell: OsString,
}

fn buf_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let n = unsafe { libc::sysconf(libc::_SC_GETPW_R_SIZE_MAX) };
    if n > 0 {
        n as usize
    } else {
        1024
    }
}

/// The C structs the `get*_r` lookups fill in; all-zero bytes are a valid
/// value of each.
trait Entry {}
impl Entry for libc::passwd {}
impl Entry for libc::group {}

/// Call a reentrant lookup (`getpwuid_r(3)`, `getgrnam_r(3)`, …) into a
/// zeroed entry, growing the buffer on ERANGE, and read the entry found
/// while its strings still point into the buffer.
fn lookup_r<E: Entry, T>(
    call: impl Fn(*mut E, &mut [u8], *mut *mut E) -> libc::c_int,
    read: impl FnOnce(&E) -> T,
) -> Option<T> {
    let mut buf = vec![0u8; buf_size()];
    loop {
        // SAFETY: an all-zero Entry is a valid out-buffer.
        let mut entry: E = unsafe { std::mem::zeroed() };
        let mut result: *mut E = std::ptr::null_mut();
        let rc = call(&mut entry, &mut buf, &mut result);
        if rc == libc::ERANGE && buf.len() < (1 << 20) {
            buf.resize(buf.len() * 2, 0);
            continue;
        }
        if rc != 0 || result.is_null() {
            return None;
        }
        return Some(read(&entry));
    }
}

fn lookup_pw(call: impl Fn(*mut libc::passwd, &mut [u8], *mut *mut libc::passwd) -> libc::c_int) -> Option<Passwd> {
    lookup_r(call, |pw: &libc::passwd| {
        // SAFETY: on success the string fields point into the buffer,
        // NUL-terminated.
        unsafe {
            Passwd {
                name: CStr::from_ptr(pw.pw_name).to_string_lossy().into_owned(),
                uid: pw.pw_uid,
                gid: pw.pw_gid,
                shell: OsString::from_vec(CStr::from_ptr(pw.pw_shell).to_bytes().to_vec()),
            }
        }
    })
}

/// The passwd entry of `uid` (`getpwuid_r(3)`).
pub fn passwd_by_uid(uid: u32) -> Option<Passwd> {
    lookup_pw(|pw, buf, res| {
        // SAFETY: valid out-pointers and buffer.
        unsafe { libc::getpwuid_r(uid, pw, buf.as_mut_ptr().cast(), buf.len(), res) }
    })
}

/// The passwd entry named `name` (`getpwnam_r(3)`).
pub fn passwd_by_name(name: &str) -> Option<Passwd> {
    let c = CString::new(name).ok()?;
    lookup_pw(|pw, buf, res| {
        // SAFETY: valid C string, out-pointers and buffer.
        unsafe { libc::getpwnam_r(c.as_ptr(), pw, buf.as_mut_ptr().cast(), buf.len(), res) }
    })
}

/// The name of user `uid`, if it has one (`getpwuid_r(3)`).
pub fn user_name(uid: u32) -> Option<String> {
    passwd_by_uid(uid).map(|p| p.name)
}

/// The uid of user `name` (`getpwnam_r(3)`).
pub fn uid_by_name(name: &str) -> Option<u32> {
    passwd_by_name(name).map(|p| p.uid)
}

/// The login shell of user `uid` (`getpwuid_r(3)`).
pub fn user_shell(uid: u32) -> Option<OsString> {
    passwd_by_uid(uid).map(|p| p.shell)
}

/// The name of group `gid`, if it has one (`getgrgid_r(3)`).
pub fn group_name(gid: u32) -> Option<String> {
    lookup_r(
        |gr, buf, res| {
            // SAFETY: valid out-pointers and buffer.
            unsafe { libc::getgrgid_r(gid, gr, buf.as_mut_ptr().cast(), buf.len(), res) }
        },
        // SAFETY: on success gr_name points into the buffer, NUL-terminated.
        |gr: &libc::group| unsafe { CStr::from_ptr(gr.gr_name) }.to_string_lossy().into_owned(),
    )
}

/// The gid of group `name` (`getgrnam_r(3)`).
pub fn gid_by_name(name: &str) -> Option<u32> {
    let c = CString::new(name).ok()?;
    lookup_r(
        |gr, buf, res| {
            // SAFETY: valid C string, out-pointers and buffer.
            unsafe { libc::getgrnam_r(c.as_ptr(), gr, buf.as_mut_ptr().cast(), buf.len(), res) }
        },
        |gr: &libc::group| gr.gr_gid,
    )
}

/// A uid → name cache for tools that show many rows (lsns, ipcs): each uid
/// is looked up once; unknown ids show as their number.
#[derive(Debug, Default)]
pub struct NameCache {
    users: HashMap<u32, Option<String>>,
    groups: HashMap<u32, Option<String>>,
}

impl NameCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The user's name, if known.
    pub fn user(&mut self, uid: u32) -> Option<&str> {
        self.users.entry(uid).or_insert_with(|| user_name(uid)).as_deref()
    }

    /// The user's name, or the number as text.
    pub fn user_or_number(&mut self, uid: u32) -> String {
        self.user(uid).map(str::to_string).unwrap_or_else(|| uid.to_string())
    }

    /// The group's name, if known.
    pub fn group(&mut self, gid: u32) -> Option<&str> {
        self.groups.entry(gid).or_insert_with(|| group_name(gid)).as_deref()
    }

    /// The group's name, or the number as text.
    pub fn group_or_number(&mut self, gid: u32) -> String {
        self.group(gid).map(str::to_string).unwrap_or_else(|| gid.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_root() {
        assert_eq!(user_name(0).as_deref(), Some("root"));
        assert_eq!(uid_by_name("root"), Some(0));
        assert_eq!(group_name(0).as_deref(), Some("root"));
        assert_eq!(gid_by_name("root"), Some(0));
        assert!(user_shell(0).is_some());
    }

    #[test]
    fn unknown_ids_fall_back_to_numbers() {
        let mut c = NameCache::new();
        assert_eq!(c.user_or_number(3_999_999_999), "3999999999");
        assert_eq!(c.group_or_number(3_999_999_999), "3999999999");
        assert_eq!(uid_by_name("no-such-user-nsutils"), None);
    }
}
