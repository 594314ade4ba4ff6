//! Helpers shared by the nsutils fuzz targets: turning fuzzer bytes into
//! command lines, deterministic hosts for the option stages of unshare-rs
//! and nsenter-rs, and oracles that compare our parsers with the C
//! library's.

use std::ffi::{CString, OsString};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;

pub mod getopt;

use nsutils_common::cli::{Build, Outcome, Spec};
use nsutils_common::Result;

/// Split fuzzer bytes into command-line words at NUL bytes (a word of a
/// real command line cannot contain one), at most `max` words.
pub fn split_args(data: &[u8], max: usize) -> Vec<OsString> {
    data.split(|&b| b == 0).take(max).map(|w| OsString::from_vec(w.to_vec())).collect()
}

/// [`getopt::check`] with the option table of binary number `which`
/// (modulo six).
pub fn check_getopt(which: u8, args: &[OsString]) {
    match which % 6 {
        0 => getopt::check(&unshare_rs::SPEC, args),
        1 => getopt::check(&nsenter_rs::SPEC, args),
        2 => getopt::check(&lsns_rs::SPEC, args),
        3 => getopt::check(&ipcmk_rs::ipcmk::SPEC, args),
        4 => getopt::check(&ipcmk_rs::ipcs::SPEC, args),
        _ => getopt::check(&ipcmk_rs::ipcrm::SPEC, args),
    }
}

/// The option stage of a tool over `args`: `None` when the command line
/// asks for `--help`/`--version` (the tools print and exit there, no plan
/// is made), else the plan or the error.
pub fn build<K, B>(spec: &Spec<K>, args: &[OsString], builder: B) -> Option<Result<B::Plan>>
where
    K: Copy + PartialEq + 'static,
    B: Build<K>,
{
    match spec.build(args, builder) {
        Ok(Outcome::Run(plan)) => Some(Ok(plan)),
        Ok(Outcome::Help | Outcome::Version) => None,
        Err(e) => Some(Err(e)),
    }
}

/// A fixed system for `unshare-rs`'s plan: euid/egid 1000 ("alice"),
/// subordinate ids, an identity map of all ids, a few users, groups and
/// environment variables. Nothing is read from the real system, so a
/// finding reproduces anywhere.
pub struct FuzzHost;

impl unshare_rs::options::Host for FuzzHost {
    fn euid(&self) -> u32 {
        1000
    }
    fn egid(&self) -> u32 {
        1000
    }
    fn read(&self, path: &str) -> Option<Vec<u8>> {
        match path {
            "/etc/subuid" => Some(b"alice:100000:65536\n".to_vec()),
            "/etc/subgid" => Some(b"1000:200000:65536\nbob:1:x\n".to_vec()),
            "/proc/self/uid_map" | "/proc/self/gid_map" => Some(b"         0          0 4294967295\n".to_vec()),
            _ => None,
        }
    }
    fn user_name(&self, uid: u32) -> Option<String> {
        [(0, "root"), (1000, "alice")].iter().find(|(u, _)| *u == uid).map(|(_, n)| n.to_string())
    }
    fn uid_by_name(&self, name: &str) -> Option<u32> {
        [("root", 0), ("daemon", 1), ("alice", 1000)].iter().find(|(n, _)| *n == name).map(|(_, u)| *u)
    }
    fn gid_by_name(&self, name: &str) -> Option<u32> {
        [("root", 0), ("daemon", 1), ("alice", 1000)].iter().find(|(n, _)| *n == name).map(|(_, g)| *g)
    }
    fn var(&self, name: &std::ffi::OsStr) -> Option<OsString> {
        (name == "HOME" || name == "PATH").then(|| OsString::from("/x"))
    }
}

/// A C string of `bytes`, `None` if they hold a NUL.
pub fn c_string(bytes: &[u8]) -> Option<CString> {
    CString::new(bytes).ok()
}

/// For `nsenter-rs`'s option stage: every file "opens" as `/dev/null`, so
/// fuzzing opens nothing the input names (a device, a FIFO).
pub struct FuzzFiles;

impl nsenter_rs::options::Host for FuzzFiles {
    fn open(&self, _path: &Path) -> std::io::Result<OwnedFd> {
        std::fs::File::open("/dev/null").map(OwnedFd::from)
    }
}
