//! The command lines of ipcmk-rs, ipcs-rs and ipcrm-rs (the deprecated
//! `ipcrm shm|msg|sem ID…` form included) turned into plans: no panic,
//! errors with exit status 1. Input: one byte choosing the tool, then the
//! words separated by NUL bytes.
#![no_main]

use ipcmk_rs::{ipcmk, ipcrm, ipcs};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let args = nsutils_fuzz::split_args(rest, 32);
    let check = |r: Result<(), nsutils_common::Error>| {
        if let Err(e) = r {
            assert!(!e.message().is_empty() && e.status() == 1, "{e:?}");
        }
    };
    match which % 3 {
        0 => {
            let Ok(p) = ipcmk::SPEC.parse(&args) else { return };
            if !nsutils_fuzz::asks_for_info(&p) {
                check(ipcmk::plan(&p.opts).map(|plan| assert!(plan.mode <= 0o7777)));
            }
        }
        1 => {
            let Ok(p) = ipcs::SPEC.parse(&args) else { return };
            if !nsutils_fuzz::asks_for_info(&p) {
                check(ipcs::plan(&p.opts).map(|_| ()));
            }
        }
        _ => {
            if let Some(legacy) = ipcrm::legacy_plan(&args) {
                check(legacy.map(|plan| assert!(plan.legacy && !plan.targets.is_empty())));
                return;
            }
            let Ok(p) = ipcrm::SPEC.parse(&args) else { return };
            if !nsutils_fuzz::asks_for_info(&p) {
                check(ipcrm::plan(&p.opts, &p.operands).map(|_| ()));
            }
        }
    }
});
