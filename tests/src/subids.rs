//! `/etc/subuid` and `/etc/subgid` of a test's own: a private mount
//! namespace (a [`Sandbox`]) in which both are bind mounts of files in a
//! [`TempDir`] that the test writes. Commands run inside it, so they — and
//! `newuidmap`/`newgidmap`, which read the files themselves — see the
//! test's lines, and the host's files are never touched.

use std::path::Path;

use crate::suite::setpriv_nobody;
use crate::{require_root, skip, Cmd, Sandbox, TempDir, STD_PATH};

/// A private mount namespace with `/etc/subuid` and `/etc/subgid` of
/// the test's own. Dropping it ends the namespace (the bind mounts with
/// it), then removes the files.
pub struct SubidFiles {
    sandbox: Sandbox,
    dir: TempDir,
}

impl SubidFiles {
    /// Both files, empty; `None` after a loud skip when not root or when
    /// the system lacks newuidmap or the files to bind over.
    pub fn new(test: &str) -> Option<SubidFiles> {
        if !require_root() {
            return None;
        }
        let missing = ["/usr/bin/newuidmap", "/usr/bin/newgidmap", "/etc/subuid", "/etc/subgid"]
            .into_iter()
            .find(|p| !Path::new(p).exists());
        if let Some(p) = missing {
            skip(test, &format!("{p} is missing (scripts/setup-deps.sh installs uidmap)"));
            return None;
        }
        let sandbox = Sandbox::new(&["-m"]);
        let dir = TempDir::new("subids");
        let files = SubidFiles { sandbox, dir };
        files.write(b"", b"");
        for name in ["subuid", "subgid"] {
            let copy = files.dir.join(name);
            files.sandbox.sh(&format!("mount --bind '{}' /etc/{name}", copy.display())).success();
        }
        Some(files)
    }

    /// Give the files these contents (the bind mounts show the same files,
    /// so this takes effect at once, inside).
    pub fn write(&self, subuid: &[u8], subgid: &[u8]) {
        for (name, data) in [("subuid", subuid), ("subgid", subgid)] {
            std::fs::write(self.dir.join(name), data).expect("write a subid file");
        }
    }

    /// `cmd` run inside, as root.
    pub fn wrap(&self, cmd: Cmd) -> Cmd {
        self.sandbox.wrap(cmd)
    }

    /// `cmd` run inside as nobody, with a standard `PATH` (`newuidmap` is
    /// found there). `cmd` must run its program under its own name (see
    /// [`setpriv_nobody`]).
    pub fn wrap_nobody(&self, cmd: Cmd) -> Cmd {
        self.sandbox.wrap(setpriv_nobody(cmd.env("PATH", STD_PATH)))
    }
}
