//! unshare-rs's whole command line, parsed and turned into a plan against
//! a fixed host: no panic, and every implication the man page states holds
//! in the plan.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsutils_common::ns::NsType;
use unshare_rs::options::{Builder, IdMap};

fuzz_target!(|data: &[u8]| {
    let args = nsutils_fuzz::split_args(data, 48);
    // --help/--version end the run before a plan is made
    let plan = match nsutils_fuzz::build(&unshare_rs::SPEC, &args, Builder::new(&nsutils_fuzz::FuzzHost)) {
        None => return,
        Some(Ok(p)) => p,
        Some(Err(e)) => {
            assert!(!e.message().is_empty() && e.status() == 1, "{e:?}");
            return;
        }
    };
    let has = |t: NsType| plan.creates(t);
    if plan.kill_child.is_some() || plan.forward_signals {
        assert!(plan.fork);
    }
    if let Some(sig) = plan.kill_child {
        assert!((1..=libc::SIGRTMAX()).contains(&sig), "kill-child signal {sig}");
    }
    if plan.mount_proc.is_some() {
        assert!(has(NsType::Mnt));
    }
    if plan.binfmt.is_some() || plan.interpreter.is_some() {
        assert!(has(NsType::Mnt) && has(NsType::User));
    }
    if plan.uid_map != IdMap::None || plan.gid_map != IdMap::None || plan.owner.is_some() {
        assert!(has(NsType::User));
    }
    if plan.monotonic.is_some() || plan.boottime.is_some() {
        assert!(has(NsType::Time));
    }
    for (ty, _) in &plan.persist {
        assert!(has(*ty), "{ty:?} persisted but not unshared");
    }
    for map in [&plan.uid_map, &plan.gid_map] {
        if let IdMap::Ranges(r) = map {
            assert!(!r.is_empty());
        }
    }
});
