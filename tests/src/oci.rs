//! The nsutils container image in a real OCI runtime: rootful podman with
//! runc, for tests/tests/oci.rs.
//!
//! Every image and container a test makes has a unique name and is removed
//! on drop, also when the test fails. The runtime settings that this machine
//! needs are passed per command, never written to podman's global
//! configuration: runc (crun refuses the hybrid cgroup layout), no network,
//! and rlimits below the hard limits the sandbox holds (it lacks
//! CAP_SYS_RESOURCE, so podman's defaults cannot be set).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::container::musl_dir;
use crate::{require_root, skip, unique_name, Cmd, Output};

/// The static pause program (Debian's catatonit, what podman's own pod
/// infra image runs) that keeps a test container alive: the image itself has
/// nothing that waits.
pub const PAUSE: &str = "/usr/bin/catatonit";

/// `podman` with the runtime this machine needs.
pub fn podman() -> Cmd {
    Cmd::new("podman").args(["--runtime", "runc"]).timeout(Duration::from_secs(120))
}

/// The settings every test container runs with (see the module doc).
pub const RUN_SETTINGS: [&str; 5] = ["--network=none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"];

/// The project root (where Containerfile and scripts/ are).
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// An image built from the project's Containerfile by scripts/image.sh,
/// removed on drop.
pub struct Image {
    name: String,
}

impl Image {
    /// Build one from the static binaries in `musl_dir()` under a unique
    /// name, or `None` after a loud skip (not root, no podman, no static
    /// binaries).
    pub fn build(test: &str) -> Option<Image> {
        if !require_root() {
            return None;
        }
        if Cmd::new("podman").arg("--version").run().code != Some(0) {
            skip(test, "no podman (scripts/setup-deps.sh installs it)");
            return None;
        }
        let bins = musl_dir();
        if !bins.join("lsns-rs").is_file() {
            skip(test, &format!("no static binaries in {} (scripts/test.sh builds them)", bins.display()));
            return None;
        }
        let name = format!("localhost/{}:test", unique_name("img").to_lowercase());
        // the guard exists before the build: a build that fails halfway is
        // removed too
        let image = Image { name };
        // the build context in a directory of ours, so a killed build
        // leaves nothing
        let tmp = crate::TempDir::new("ctx");
        let out = Cmd::new(project_root().join("scripts/image.sh"))
            .env("TMPDIR", tmp.path())
            .arg("-b")
            .arg(&bins)
            .args(["-t", &image.name])
            .timeout(Duration::from_secs(300))
            .run();
        out.success();
        assert_eq!(out.stdout.trim(), image.name, "scripts/image.sh names the image it built");
        Some(image)
    }

    /// Its name (`localhost/…:test`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every entry of its file system (`podman export` of a container
    /// created from it, never started), as `tar t` lists them.
    pub fn files(&self) -> Vec<String> {
        let c = Container { name: unique_name("exp"), pid: 0 };
        podman().args(["create", "--name", &c.name]).arg(&self.name).run().success();
        let out =
            Cmd::new("sh").arg("-c").arg("podman --runtime runc export \"$1\" | tar t").args(["sh", &c.name]).run();
        out.success();
        out.stdout.lines().map(str::to_string).collect()
    }

    /// `podman run --rm` of it with the machine's settings, `extra` podman
    /// options, and `args` after the image name.
    pub fn run(&self, extra: &[&str], args: &[&str]) -> Output {
        podman().arg("run").arg("--rm").args(RUN_SETTINGS).args(extra).arg(&self.name).args(args).run()
    }
}

impl Drop for Image {
    fn drop(&mut self) {
        let _ = podman().args(["rmi", "-f", "-i", &self.name]).run();
    }
}

/// A running container of an image, kept alive by [`PAUSE`] (mounted
/// read-only into it, the image stays as it is); removed on drop.
pub struct Container {
    name: String,
    pid: u32,
}

impl Container {
    /// Start a container of `image` with `extra` podman options, or `None`
    /// after a loud skip when there is no pause program.
    pub fn start(test: &str, image: &Image, extra: &[&str]) -> Option<Container> {
        if !Path::new(PAUSE).is_file() {
            skip(test, &format!("no {PAUSE} (scripts/setup-deps.sh installs catatonit)"));
            return None;
        }
        let mut c = Container { name: unique_name("ctr"), pid: 0 };
        podman()
            .args(["run", "-d", "--name", &c.name])
            .args(RUN_SETTINGS)
            .args(extra)
            .args(["-v", &format!("{PAUSE}:/pause:ro"), "--entrypoint", "/pause"])
            .arg(image.name())
            .arg("-P")
            .run()
            .success();
        let pid = c.inspect("{{.State.Pid}}");
        c.pid = pid.parse().unwrap_or_else(|_| panic!("podman inspect gave no pid for {}: {pid:?}", c.name));
        assert!(c.pid > 0, "container {} is not running", c.name);
        Some(c)
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its init process's pid in our PID namespace, from `podman inspect`.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// `podman inspect -f FORMAT`, trimmed.
    pub fn inspect(&self, format: &str) -> String {
        let out = podman().args(["inspect", "-f", format, &self.name]).run();
        out.success();
        out.stdout.trim().to_string()
    }

    /// `podman exec` of `args` in it.
    pub fn exec(&self, args: &[&str]) -> Output {
        podman().args(["exec", &self.name]).args(args).run()
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        let _ = podman().args(["rm", "-f", "-t", "0", &self.name]).run();
    }
}

/// podman options that make the host's glibc and its dynamic programs usable
/// in a scratch container (read-only), for running util-linux beside ours
/// under the same runtime settings.
pub fn host_libraries() -> Vec<String> {
    // Debian's merged /usr: /lib and /lib64 are links into /usr
    ["/usr:/usr:ro", "/usr/lib:/lib:ro", "/usr/lib64:/lib64:ro"]
        .iter()
        .flat_map(|v| ["-v".to_string(), v.to_string()])
        .collect()
}
