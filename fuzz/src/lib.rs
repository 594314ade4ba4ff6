//! Helpers shared by the nsutils fuzz targets: turning fuzzer bytes into
//! command lines, a deterministic [`unshare_rs::options::Host`], and
//! oracles that compare our parsers with the C library's.

use std::ffi::{CString, OsString};
use std::os::unix::ffi::OsStringExt;

pub mod getopt;

use nsutils_common::cli::Spec;

/// Split fuzzer bytes into command-line words at NUL bytes (a word of a
/// real command line cannot contain one), at most `max` words.
pub fn split_args(data: &[u8], max: usize) -> Vec<OsString> {
    data.split(|&b| b == 0).take(max).map(|w| OsString::from_vec(w.to_vec())).collect()
}

/// Every binary's option table.
pub fn specs() -> [&'static Spec; 6] {
    [
        &unshare_rs::SPEC,
        &nsenter_rs::SPEC,
        &lsns_rs::SPEC,
        &ipcmk_rs::ipcmk::SPEC,
        &ipcmk_rs::ipcs::SPEC,
        &ipcmk_rs::ipcrm::SPEC,
    ]
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

/// Whether the command line ends in `--help`/`--version`, which the tools
/// answer before building a plan (`prog::parse_or_info`).
pub fn asks_for_info(parsed: &nsutils_common::cli::Parsed) -> bool {
    matches!(parsed.opts.last().map(|m| m.id), Some("help") | Some("version"))
}
