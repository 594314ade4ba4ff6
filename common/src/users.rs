//! User and group names (`getpwuid(3)`, `getgrgid(3)`, `getpwnam(3)`,
//! `getgrnam(3)`).
//!
//! Uses the C library's reentrant lookups: with glibc that includes NSS
//! (LDAP, sssd, …) like util-linux; a static musl binary reads
//! `/etc/passwd` and `/etc/group` itself. Where there is no such file or no
//! entry (a scratch container), lookups return `None` and callers show the
//! number.

use std::ffi::OsString;

use nix::errno::Errno;
use nix::unistd::{Gid, Group, Uid, User};

use crate::intmap::IntMap;

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

/// Whether a lookup's error means "no such entry": `getpwnam(3)` lists 0,
/// ENOENT, ESRCH, EBADF and EPERM for it. Anything else (EMFILE, ENOMEM,
/// EIO) means the database could not be read, and showing the number
/// instead of the name would be a wrong answer.
fn not_found(e: Errno) -> bool {
    matches!(e, Errno::UnknownErrno | Errno::ENOENT | Errno::ESRCH | Errno::EBADF | Errno::EPERM)
}

/// A nix lookup (`getpwuid_r(3)` and friends, the buffer grown on ERANGE
/// up to 1 MiB) telling "not found" (`Ok(None)`) from "could not look" (`Err`).
fn checked<T>(found: nix::Result<Option<T>>) -> std::io::Result<Option<T>> {
    match found {
        Err(e) if not_found(e) => Ok(None),
        other => Ok(other?),
    }
}

fn user_name_checked(uid: u32) -> std::io::Result<Option<String>> {
    Ok(checked(User::from_uid(Uid::from_raw(uid)))?.map(|u| u.name))
}

fn group_name_checked(gid: u32) -> std::io::Result<Option<String>> {
    Ok(checked(Group::from_gid(Gid::from_raw(gid)))?.map(|g| g.name))
}

fn passwd(user: User) -> Passwd {
    Passwd { name: user.name, uid: user.uid.as_raw(), gid: user.gid.as_raw(), shell: user.shell.into_os_string() }
}

/// The passwd entry of `uid` (`getpwuid_r(3)`).
pub fn passwd_by_uid(uid: u32) -> Option<Passwd> {
    checked(User::from_uid(Uid::from_raw(uid))).ok().flatten().map(passwd)
}

/// The passwd entry named `name` (`getpwnam_r(3)`).
pub fn passwd_by_name(name: &str) -> Option<Passwd> {
    checked(User::from_name(name)).ok().flatten().map(passwd)
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
    group_name_checked(gid).ok().flatten()
}

/// The gid of group `name` (`getgrnam_r(3)`).
pub fn gid_by_name(name: &str) -> Option<u32> {
    checked(Group::from_name(name)).ok().flatten().map(|g| g.gid.as_raw())
}

/// A uid → name cache for tools that show many rows (lsns, ipcs): each uid
/// is looked up once; unknown ids show as their number. A lookup that
/// failed (the database could not be read, e.g. no descriptor left to
/// open `/etc/passwd`) also shows the number, and is kept for
/// [`NameCache::check`]: the caller must not pass such output for complete.
#[derive(Debug, Default)]
pub struct NameCache {
    users: IntMap<u32, Option<String>>,
    groups: IntMap<u32, Option<String>>,
    failure: Option<crate::Error>,
}

impl NameCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The user's name, if known.
    pub fn user(&mut self, uid: u32) -> Option<&str> {
        if !self.users.contains_key(&uid) {
            let name = user_name_checked(uid).unwrap_or_else(|e| {
                self.failure.get_or_insert_with(|| crate::Error::os(format!("cannot look up user {uid}"), &e));
                None
            });
            self.users.insert(uid, name);
        }
        self.users[&uid].as_deref()
    }

    /// A failed lookup since the last check, as the run's error.
    pub fn check(&mut self) -> crate::Result<()> {
        match self.failure.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The user's name, or the number as text.
    pub fn user_or_number(&mut self, uid: u32) -> String {
        self.user(uid).map(str::to_string).unwrap_or_else(|| uid.to_string())
    }

    /// The group's name, if known.
    pub fn group(&mut self, gid: u32) -> Option<&str> {
        if !self.groups.contains_key(&gid) {
            let name = group_name_checked(gid).unwrap_or_else(|e| {
                self.failure.get_or_insert_with(|| crate::Error::os(format!("cannot look up group {gid}"), &e));
                None
            });
            self.groups.insert(gid, name);
        }
        self.groups[&gid].as_deref()
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
        assert!(c.check().is_ok(), "an unknown id is not a failure");
    }

    #[test]
    fn a_database_that_cannot_be_read_is_not_taken_for_no_entry() {
        let not_found = |e| not_found(Errno::from_raw(e));
        assert!(not_found(0) && not_found(libc::ENOENT) && not_found(libc::ESRCH));
        assert!(!not_found(libc::EMFILE) && !not_found(libc::ENOMEM) && !not_found(libc::EIO));
    }
}
