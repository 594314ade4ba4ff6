//! Processes that hold things for a test and take them away on drop, even
//! when the test fails: [`Sandbox`] (private namespaces commands run in),
//! [`NetnsGuard`] (a named network namespace), [`ChildGuard`], [`Sleeper`]
//! (a long-lived target process); and [`wait_until`].

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{children_of, comm_of, unique_name, util_linux, util_linux_path, Cmd, Output};

/// The unshare flags a [`Sandbox`] takes, with the namespace each makes.
const SANDBOX_FLAGS: [(&str, &str); 6] =
    [("-i", "ipc"), ("-n", "net"), ("-m", "mnt"), ("-u", "uts"), ("-C", "cgroup"), ("-U", "user")];

/// A process holding private namespaces; commands run inside them through
/// util-linux's `nsenter`. Dropping it kills the holder, and with it the
/// namespaces and everything made inside (IPC objects, mounts, links).
pub struct Sandbox {
    holder: Child,
    enter: Vec<&'static str>,
}

impl Sandbox {
    /// Private namespaces of the given unshare letters, e.g. `&["-i"]`,
    /// `&["-i", "-m"]`, `&["-n"]`. A mount namespace gets private
    /// propagation, so nothing mounted inside leaks out.
    pub fn new(flags: &[&'static str]) -> Sandbox {
        // checked before the holder starts, so a bad flag leaves nothing running
        let ns_of = |flag: &str| {
            SANDBOX_FLAGS
                .iter()
                .find(|(f, _)| *f == flag)
                .map(|(_, ns)| *ns)
                .unwrap_or_else(|| panic!("Sandbox: unsupported flag {flag}"))
        };
        let namespaces: Vec<&str> = flags.iter().map(|f| ns_of(f)).collect();
        let ns = namespaces.first().copied().unwrap_or("ipc");
        let mut c = Command::new(util_linux_path("unshare"));
        c.args(flags);
        if flags.contains(&"-m") {
            c.args(["--propagation", "private"]);
        }
        c.args(["sleep", "1000000"]).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        let sandbox = Sandbox { holder: c.spawn().expect("start sandbox holder"), enter: flags.to_vec() };
        // wait until the holder has left the caller's namespaces (a timeout
        // panics, and dropping the sandbox kills the holder)
        let pid = sandbox.pid();
        wait_until(10, &format!("the sandbox holder to unshare {ns}"), || {
            let mine = std::fs::read_link(format!("/proc/self/ns/{ns}")).ok();
            let theirs = std::fs::read_link(format!("/proc/{pid}/ns/{ns}")).ok();
            theirs.is_some() && theirs != mine
        });
        sandbox
    }

    /// The holder's pid (for `nsenter -t`).
    pub fn pid(&self) -> u32 {
        self.holder.id()
    }

    /// Wrap `cmd` so it runs inside the sandbox's namespaces.
    pub fn wrap(&self, cmd: Cmd) -> Cmd {
        let mut w = util_linux("nsenter").arg("-t").arg(self.pid().to_string()).args(&self.enter);
        w.stdin = cmd.stdin.clone();
        w.env = cmd.env.clone();
        w.env_clear = cmd.env_clear;
        w.user = cmd.user;
        w.cwd = cmd.cwd.clone();
        w.timeout = cmd.timeout;
        if let Some(a0) = &cmd.arg0 {
            // nsenter cannot set argv[0]: go through bash's exec -a
            w = w.args(["bash", "-c", "exec -a \"$0\" \"$@\""]).arg(a0).arg(&cmd.program);
        } else {
            w = w.arg(&cmd.program);
        }
        w.args(&cmd.args)
    }

    /// Run a shell script inside the sandbox.
    pub fn sh(&self, script: &str) -> Output {
        self.wrap(Cmd::new("sh").arg("-c").arg(script)).run()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

/// A named network namespace (`ip netns add`), deleted on drop.
pub struct NetnsGuard {
    /// Its name (under /run/netns).
    pub name: String,
}

impl NetnsGuard {
    /// Create `ip netns add <unique name>`.
    pub fn add(tag: &str) -> NetnsGuard {
        let name = unique_name(tag);
        Cmd::new("ip").args(["netns", "add", &name]).run().success();
        NetnsGuard { name }
    }

    /// Reserve a unique name and create an empty file for it under
    /// /run/netns (for `unshare --net=/run/netns/NAME`), deleted on drop
    /// after unmounting.
    pub fn reserve_file(tag: &str) -> NetnsGuard {
        let name = unique_name(tag);
        std::fs::create_dir_all("/run/netns").expect("mkdir /run/netns");
        std::fs::write(format!("/run/netns/{name}"), b"").expect("create netns file");
        NetnsGuard { name }
    }

    /// `/run/netns/<name>`.
    pub fn path(&self) -> PathBuf {
        PathBuf::from(format!("/run/netns/{}", self.name))
    }
}

impl Drop for NetnsGuard {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.name]).stderr(Stdio::null()).status();
        let p = self.path();
        // `ip netns del` unmounts and removes; make sure of both
        let _ = Command::new("umount").arg("-l").arg(&p).stderr(Stdio::null()).status();
        let _ = std::fs::remove_file(&p);
    }
}

/// Kill a background child (and reap it) on drop.
pub struct ChildGuard(pub Child);

impl ChildGuard {
    /// The child's pid.
    pub fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Wait until `cond` holds (polling every 5 ms), panicking after `secs`.
#[track_caller]
pub fn wait_until(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A long-lived target process: `cmd` (typically `unshare --kill-child -f
/// … sleep N`) is started and we wait until its first child — or `cmd`
/// itself — is `sleep`. On drop the sleeper is killed and its holder
/// reaped, so nothing outlives a failing test.
pub struct Sleeper {
    holder: ChildGuard,
    pid: u32,
}

impl Sleeper {
    /// Start `cmd` and wait (up to 20 s) for its sleeper; panics with the
    /// holder's stderr if it exits first.
    pub fn start(cmd: Cmd) -> Sleeper {
        let mut holder = ChildGuard(cmd.spawn());
        let hp = holder.pid();
        let mut pid = 0;
        wait_until(20, "the target to sleep", || {
            if let Ok(Some(status)) = holder.0.try_wait() {
                let mut err = String::new();
                if let Some(mut e) = holder.0.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut e, &mut err);
                }
                panic!("target {} exited with {status}: {err}", cmd.cmdline());
            }
            let candidate = if comm_of(hp) == "sleep" { Some(hp) } else { children_of(hp).first().copied() };
            match candidate {
                Some(p) if comm_of(p) == "sleep" => {
                    pid = p;
                    true
                }
                _ => false,
            }
        });
        Sleeper { holder, pid }
    }

    /// The sleeper's pid.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The pid of the process we started (the sleeper's parent, or itself).
    pub fn holder_pid(&self) -> u32 {
        self.holder.pid()
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        // SAFETY: kill has no memory effects.
        unsafe { libc::kill(self.pid as i32, libc::SIGKILL) };
        // let the holder reap it and exit by itself (no orphaned zombie for
        // init); the ChildGuard then kills whatever remains
        for _ in 0..200 {
            if !matches!(self.holder.0.try_wait(), Ok(None)) {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
