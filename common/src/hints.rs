//! One line of advice when a namespace system call fails, naming the likely
//! cause after probing for it (`user_namespaces(7)`, `namespaces(7)`
//! "/proc/sys/user", `seccomp(2)`). util-linux prints only the errno text;
//! "Operation not permitted" alone rarely tells a user what to change.
//!
//! The probe reads files under a root directory (`/` normally), so the
//! decision logic is unit-tested against fake `/proc` trees.

use std::path::PathBuf;

use crate::ns::NsType;

/// Where the hints look for kernel settings and the caller's credentials.
#[derive(Debug, Clone)]
pub struct Probe {
    root: PathBuf,
    euid: u32,
}

impl Probe {
    /// Probe the running system as the current effective user.
    pub fn system() -> Probe {
        Probe { root: PathBuf::from("/"), euid: nix::unistd::geteuid().as_raw() }
    }

    /// Probe a fake tree rooted at `root` as user `euid` (for tests).
    pub fn at(root: impl Into<PathBuf>, euid: u32) -> Probe {
        Probe { root: root.into(), euid }
    }

    fn read(&self, path: &str) -> Option<String> {
        std::fs::read_to_string(self.root.join(path.trim_start_matches('/'))).ok().map(|s| s.trim().to_string())
    }

    fn sysctl(&self, path: &str) -> Option<i64> {
        self.read(path)?.parse().ok()
    }

    fn status_field(&self, field: &str) -> Option<String> {
        let status = self.read("/proc/self/status")?;
        status.lines().find_map(|l| l.strip_prefix(field).map(|v| v.trim_start_matches(':').trim().to_string()))
    }

    fn has_cap_sys_admin(&self) -> bool {
        self.status_field("CapEff")
            .and_then(|v| u64::from_str_radix(&v, 16).ok())
            .map(|caps| caps & (1 << 21) != 0)
            .unwrap_or(self.euid == 0)
    }

    fn seccomp_filtered(&self) -> bool {
        self.status_field("Seccomp").as_deref() == Some("2")
    }

    fn kernel_has(&self, ty: NsType) -> bool {
        self.root.join("proc/self/ns").join(ty.name()).exists()
    }
}

/// Which system call failed, for the wording of the advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `unshare(2)` or `clone(2)` creating namespaces.
    Create,
    /// `setns(2)` entering a namespace.
    Enter,
}

/// The advice for `errno` from creating or entering the namespaces in
/// `types` (the ERRORS of `unshare(2)` and `setns(2)`), or `None` when no
/// cause could be found.
pub fn namespace_error(call: Call, errno: i32, types: &[NsType], probe: &Probe) -> Option<String> {
    let wants_user = types.contains(&NsType::User);
    match errno {
        libc::EPERM | libc::EACCES | libc::ENOSPC | libc::EUSERS if wants_user || errno == libc::ENOSPC => {
            if let Some(h) = limits(types, probe) {
                return Some(h);
            }
            if errno == libc::ENOSPC {
                return Some(limit_reached(types, probe));
            }
            if errno == libc::EUSERS {
                return Some("too many nested user or PID namespaces (the kernel allows 32 levels)".into());
            }
            if call == Call::Create && wants_user && probe.euid != 0 {
                if probe.sysctl("/proc/sys/kernel/unprivileged_userns_clone") == Some(0) {
                    return Some(
                        "unprivileged user namespaces are disabled (sysctl kernel.unprivileged_userns_clone = 0); \
                         set it to 1 or run as root"
                            .into(),
                    );
                }
                if probe.sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == Some(1) {
                    return Some(
                        "AppArmor restricts unprivileged user namespaces \
                         (sysctl kernel.apparmor_restrict_unprivileged_userns = 1); \
                         allow this program in an AppArmor profile or run as root"
                            .into(),
                    );
                }
            }
            permission(call, types, probe)
        }
        libc::EPERM | libc::EACCES => permission(call, types, probe),
        libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP => {
            if let Some(missing) = types.iter().find(|t| !probe.kernel_has(**t)) {
                let extra = if *missing == NsType::Time { " (time namespaces need Linux 5.6)" } else { "" };
                return Some(format!("this kernel does not support {missing} namespaces{extra}"));
            }
            if errno == libc::ENOSYS && probe.seccomp_filtered() {
                return Some(seccomp_advice());
            }
            None
        }
        _ => None,
    }
}

/// A `user.max_<type>_namespaces` limit of 0 (the file names use the
/// kernel's type names, `mnt`, `net`, …).
fn limits(types: &[NsType], probe: &Probe) -> Option<String> {
    types
        .iter()
        .find(|ty| limit_of(**ty, probe) == Some(0))
        .map(|ty| format!("{ty} namespaces are disabled (sysctl user.max_{ty}_namespaces = 0)"))
}

/// `user.max_<type>_namespaces` of the caller's user namespace.
fn limit_of(ty: NsType, probe: &Probe) -> Option<i64> {
    probe.sysctl(&format!("/proc/sys/user/max_{ty}_namespaces"))
}

/// ENOSPC with no limit at 0: a limit was reached, here or in an ancestor
/// user namespace (each level's count is checked against its own limit),
/// or the 32-level nesting limit of user and PID namespaces.
fn limit_reached(types: &[NsType], probe: &Probe) -> String {
    let limits: Vec<String> =
        types.iter().filter_map(|ty| limit_of(*ty, probe).map(|n| format!("user.max_{ty}_namespaces = {n}"))).collect();
    let limits = if limits.is_empty() { "user.max_*_namespaces".to_string() } else { limits.join(", ") };
    let nesting = if types.iter().any(|t| matches!(t, NsType::User | NsType::Pid)) {
        ", or 32 nested user or PID namespaces"
    } else {
        ""
    };
    format!(
        "a limit on the number of namespaces was reached (sysctl {limits}, \
         here or in a parent user namespace{nesting})"
    )
}

fn seccomp_advice() -> String {
    "a seccomp filter is active (a container?); its runtime must allow unshare/setns/mount".into()
}

fn permission(call: Call, types: &[NsType], probe: &Probe) -> Option<String> {
    if probe.has_cap_sys_admin() {
        if probe.seccomp_filtered() {
            return Some(seccomp_advice());
        }
        // privileged, unfiltered, and still refused a user namespace: the
        // kernel refuses them to a chrooted process (or an LSM does)
        return (call == Call::Create && types.contains(&NsType::User)).then(|| {
            "a process in a chroot(2) may not create user namespaces (nor may one a security module \
             restricts): run it outside the chroot (--root enters the directory after creating \
             the namespaces)"
                .into()
        });
    }
    Some(match call {
        // unprivileged users may create user namespaces: a filter is the
        // likelier cause (a container runtime's default profile)
        Call::Create if types.contains(&NsType::User) && probe.seccomp_filtered() => seccomp_advice(),
        Call::Create if types.contains(&NsType::User) => {
            "the kernel refused to create a user namespace for this user".to_string()
        }
        Call::Create => "creating namespaces needs CAP_SYS_ADMIN: run as root, or add --map-root-user (-r) \
             to create a user namespace first"
            .to_string(),
        Call::Enter => "entering a namespace needs CAP_SYS_ADMIN in the user namespace that owns it; \
             enter that user namespace too (-U) or run as root"
            .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    struct FakeProc(PathBuf);

    impl FakeProc {
        fn new(name: &str) -> FakeProc {
            let dir = std::env::temp_dir().join(format!("nsutils-hints-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(dir.join("proc/sys/user")).unwrap();
            fs::create_dir_all(dir.join("proc/sys/kernel")).unwrap();
            fs::create_dir_all(dir.join("proc/self/ns")).unwrap();
            for t in NsType::ALL {
                fs::write(dir.join("proc/self/ns").join(t.name()), "").unwrap();
            }
            fs::write(dir.join("proc/self/status"), "CapEff:\t0000000000000000\nSeccomp:\t0\n").unwrap();
            FakeProc(dir)
        }
        fn set(&self, path: &str, value: &str) -> &Self {
            fs::write(self.0.join(path), value).unwrap();
            self
        }
    }

    impl Drop for FakeProc {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn disabled_user_namespaces() {
        let f = FakeProc::new("maxuser");
        f.set("proc/sys/user/max_user_namespaces", "0\n");
        let h = namespace_error(Call::Create, libc::ENOSPC, &[NsType::User], &Probe::at(&f.0, 1000)).unwrap();
        assert!(h.contains("user.max_user_namespaces = 0"), "{h}");
    }

    #[test]
    fn debian_sysctl_and_apparmor() {
        let f = FakeProc::new("clone");
        f.set("proc/sys/kernel/unprivileged_userns_clone", "0");
        let h = namespace_error(Call::Create, libc::EPERM, &[NsType::User], &Probe::at(&f.0, 1000)).unwrap();
        assert!(h.contains("unprivileged_userns_clone"), "{h}");
        let f = FakeProc::new("apparmor");
        f.set("proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1");
        let h = namespace_error(Call::Create, libc::EACCES, &[NsType::User], &Probe::at(&f.0, 1000)).unwrap();
        assert!(h.contains("AppArmor"), "{h}");
    }

    #[test]
    fn missing_capability_and_seccomp() {
        let f = FakeProc::new("cap");
        let h = namespace_error(Call::Create, libc::EPERM, &[NsType::Net], &Probe::at(&f.0, 1000)).unwrap();
        assert!(h.contains("CAP_SYS_ADMIN") && h.contains("-r"), "{h}");
        let h = namespace_error(Call::Enter, libc::EPERM, &[NsType::Net], &Probe::at(&f.0, 1000)).unwrap();
        assert!(h.contains("entering"), "{h}");
        f.set("proc/self/status", "CapEff:\t000001ffffffffff\nSeccomp:\t2\n");
        let h = namespace_error(Call::Create, libc::EPERM, &[NsType::Net], &Probe::at(&f.0, 0)).unwrap();
        assert!(h.contains("seccomp"), "{h}");
        f.set("proc/self/status", "CapEff:\t000001ffffffffff\nSeccomp:\t0\n");
        assert_eq!(namespace_error(Call::Create, libc::EPERM, &[NsType::Net], &Probe::at(&f.0, 0)), None);
        // unprivileged, filtered, refused a user namespace: the filter
        f.set("proc/self/status", "CapEff:\t0000000000000000\nSeccomp:\t2\n");
        let h = namespace_error(Call::Create, libc::EPERM, &[NsType::User], &Probe::at(&f.0, 1000)).unwrap();
        assert!(h.contains("seccomp"), "{h}");
        f.set("proc/self/status", "CapEff:\t000001ffffffffff\nSeccomp:\t0\n");
        // privileged and refused a user namespace: a chroot
        let h = namespace_error(Call::Create, libc::EPERM, &[NsType::User], &Probe::at(&f.0, 0)).unwrap();
        assert!(h.contains("chroot"), "{h}");
        assert_eq!(namespace_error(Call::Enter, libc::EPERM, &[NsType::User], &Probe::at(&f.0, 0)), None);
    }

    #[test]
    fn missing_namespace_type_and_limits() {
        let f = FakeProc::new("time");
        fs::remove_file(f.0.join("proc/self/ns/time")).unwrap();
        let h = namespace_error(Call::Create, libc::EINVAL, &[NsType::Time], &Probe::at(&f.0, 0)).unwrap();
        assert!(h.contains("time namespaces") && h.contains("5.6"), "{h}");
        f.set("proc/sys/user/max_net_namespaces", "0");
        let h = namespace_error(Call::Create, libc::ENOSPC, &[NsType::Net], &Probe::at(&f.0, 0)).unwrap();
        assert!(h.contains("user.max_net_namespaces = 0"), "{h}");
        assert_eq!(namespace_error(Call::Create, libc::EBUSY, &[NsType::Net], &Probe::at(&f.0, 0)), None);
        // a limit above 0 that was reached
        f.set("proc/sys/user/max_net_namespaces", "3");
        f.set("proc/sys/user/max_uts_namespaces", "9");
        let h = namespace_error(Call::Create, libc::ENOSPC, &[NsType::Net, NsType::Uts], &Probe::at(&f.0, 0)).unwrap();
        assert!(h.contains("reached (sysctl user.max_net_namespaces = 3, user.max_uts_namespaces = 9, here or in a parent user namespace)"), "{h}");
        let h = namespace_error(Call::Create, libc::ENOSPC, &[NsType::Pid], &Probe::at(&f.0, 0)).unwrap();
        assert!(h.contains("(sysctl user.max_*_namespaces, here or in a parent user namespace, or 32 nested"), "{h}");
    }
}
