//! [`TempDir`]: a temporary directory, unmounted below and removed on drop.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{mount_points, unique_name, Cmd};

/// A temporary directory removed (after lazily unmounting anything mounted
/// below it) on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Create a fresh directory under the system temp dir.
    pub fn new(tag: &str) -> TempDir {
        let path = std::env::temp_dir().join(unique_name(tag));
        std::fs::create_dir_all(&path).expect("mkdir temp");
        TempDir { path }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A path inside it.
    pub fn join(&self, p: impl AsRef<Path>) -> PathBuf {
        self.path.join(p)
    }

    /// An empty file inside it (a persistence target, a stop flag), and
    /// its path.
    pub fn touch(&self, name: impl AsRef<Path>) -> PathBuf {
        let p = self.path.join(name);
        std::fs::write(&p, b"").expect("create empty file");
        p
    }

    /// A TempDir that is a private mount of its own, so namespace files
    /// bound below it (a mount namespace's in particular) never sit on a
    /// shared mount, and nothing mounted below it propagates.
    pub fn private(tag: &str) -> TempDir {
        let d = TempDir::new(tag);
        let p = d.path().to_str().expect("utf-8 temp path").to_string();
        Cmd::new("mount").args(["--bind", &p, &p]).run().success();
        Cmd::new("mount").args(["--make-private", &p]).run().success();
        d
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // unmount anything a test bind-mounted below us, deepest first
        // (below: whole path components; /tmp/nsut1x1 is no prefix of
        // another test's /tmp/nsut1x12)
        let mut targets: Vec<PathBuf> = mount_points().into_iter().filter(|t| t.starts_with(&self.path)).collect();
        targets.sort_by_key(|t| std::cmp::Reverse(t.as_os_str().len()));
        for t in targets {
            let _ = Command::new("umount").arg("-l").arg(&t).stderr(Stdio::null()).status();
        }
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
