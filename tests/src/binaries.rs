//! The binaries under test and the oracles: where they are, and commands
//! that run them — ours ([`tool`]), the installed util-linux
//! ([`util_linux`]), ours under util-linux's name ([`ul_named`], which makes
//! messages byte-comparable) — and the option tables and clap commands of
//! all six ([`specs`], [`clis`]).

use std::path::{Path, PathBuf};

use crate::names::next_id;
use crate::Cmd;

/// The six binaries and the util-linux tool each replaces.
pub const TOOLS: [(&str, &str); 6] = [
    ("unshare-rs", "unshare"),
    ("nsenter-rs", "nsenter"),
    ("lsns-rs", "lsns"),
    ("ipcmk-rs", "ipcmk"),
    ("ipcs-rs", "ipcs"),
    ("ipcrm-rs", "ipcrm"),
];

/// The directory holding the built binaries: `$NSUTILS_BIN_DIR`, else the
/// cargo target directory of this test executable (`target/<profile>`).
pub fn bin_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("NSUTILS_BIN_DIR") {
        return PathBuf::from(d);
    }
    cargo_bin_dir()
}

/// The cargo target directory of this test executable (`target/<profile>`).
fn cargo_bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    // target/<profile>/deps/<test-binary>
    exe.parent().and_then(Path::parent).expect("target dir").to_path_buf()
}

/// A binary of this crate (`nsutils-gen`): from the cargo target directory
/// even when `NSUTILS_BIN_DIR` points the tests at other builds of the tools.
pub fn helper_path(name: &str) -> PathBuf {
    let p = cargo_bin_dir().join(name);
    assert!(p.exists(), "{} is missing: build it first (`cargo build --workspace`)", p.display());
    p
}

/// The path of one of our binaries; panics with advice when it is missing.
pub fn tool_path(name: &str) -> PathBuf {
    let p = bin_dir().join(name);
    assert!(
        p.exists(),
        "{} is missing: build the binaries first (`cargo build --workspace`), \
         or point NSUTILS_BIN_DIR at them",
        p.display()
    );
    p
}

/// Whether our binary `name` is linked statically (the musl build, whose
/// C library's regcomp and execvp behave otherwise than glibc's): it names
/// no dynamic loader.
pub fn linked_statically(name: &str) -> bool {
    let bytes = std::fs::read(tool_path(name)).expect("our binary");
    !bytes.windows(b"ld-linux".len()).any(|w| w == b"ld-linux")
}

/// A command running one of our binaries, e.g. `tool("unshare-rs")`.
pub fn tool(name: &str) -> Cmd {
    Cmd::new(tool_path(name))
}

/// The installed util-linux binary for `name` (`/usr/bin/unshare`), run
/// with argv\[0\] = `name` as a PATH lookup would. (glibc's getopt prefixes
/// its messages with argv\[0\] verbatim, util-linux's own messages with the
/// basename; nsutils does the same.)
pub fn util_linux(name: &str) -> Cmd {
    Cmd::new(util_linux_path(name)).arg0(name)
}

/// Where the installed util-linux `name` lives.
pub fn util_linux_path(name: &str) -> PathBuf {
    for dir in ["/usr/bin", "/bin", "/usr/sbin", "/sbin"] {
        let p = Path::new(dir).join(name);
        if p.exists() {
            return p;
        }
    }
    panic!("util-linux {name} is not installed (the differential tests need it)");
}

/// Our binary for util-linux tool `ul` invoked through a symlink named `ul`
/// with argv\[0\] = `ul`, as [`util_linux`] runs the real one (so it prints
/// `unshare: …`, getopt's messages included, like the real one).
pub fn ul_named(ul: &str) -> Cmd {
    Cmd::new(ul_named_path(ul)).arg0(ul)
}

/// The path of the symlink `<target>/util-linux-names/<ul>` → our binary.
pub fn ul_named_path(ul: &str) -> PathBuf {
    let ours = TOOLS.iter().find(|(_, u)| *u == ul).map(|(o, _)| *o).expect("known util-linux name");
    symlink_as(ours, ul)
}

/// A symlink called `link_name` pointing at our binary `ours`, created in
/// the target directory (idempotent and safe under parallel tests).
pub fn symlink_as(ours: &str, link_name: &str) -> PathBuf {
    let dir = bin_dir().join("util-linux-names");
    std::fs::create_dir_all(&dir).expect("create link dir");
    let link = dir.join(link_name);
    let target = tool_path(ours);
    if std::fs::read_link(&link).ok().as_deref() != Some(target.as_path()) {
        let tmp = dir.join(format!(".{link_name}.{}.{}", std::process::id(), next_id()));
        std::os::unix::fs::symlink(&target, &tmp).expect("symlink");
        std::fs::rename(&tmp, &link).expect("rename symlink");
    }
    link
}
