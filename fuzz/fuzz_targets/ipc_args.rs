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
    let check = |r: Option<Result<(), nsutils_common::Error>>| {
        if let Some(Err(e)) = r {
            assert!(!e.message().is_empty() && e.status() == 1, "{e:?}");
        }
    };
    match which % 3 {
        0 => check(
            nsutils_fuzz::build(&ipcmk::SPEC, &args, ipcmk::Builder::default())
                .map(|r| r.map(|plan| assert!(plan.mode <= 0o7777))),
        ),
        1 => check(nsutils_fuzz::build(&ipcs::SPEC, &args, ipcs::Builder::default()).map(|r| r.map(|_| ()))),
        _ => {
            if let Some(legacy) = ipcrm::legacy_plan(&args) {
                check(Some(legacy.map(|plan| assert!(plan.legacy && !plan.targets.is_empty()))));
                return;
            }
            check(
                nsutils_fuzz::build(&ipcrm::SPEC, &args, ipcrm::Builder::default())
                    .map(|r| r.map(|plan| assert!(!plan.legacy))),
            );
        }
    }
});
