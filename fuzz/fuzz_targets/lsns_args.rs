//! lsns-rs's whole command line turned into an action: no panic, and
//! errors are reported (exit status 1) rather than crashing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lsns_rs::options::{parse, Action};

fuzz_target!(|data: &[u8]| {
    let args = nsutils_fuzz::split_args(data, 32);
    // --help/--version print to stdout and exit: not what we fuzz
    if let Ok(p) = lsns_rs::SPEC.parse(&args) {
        if nsutils_fuzz::asks_for_info(&p) {
            return;
        }
    }
    match parse(&args) {
        Ok(Action::List(plan)) => {
            assert!(!plan.columns.is_empty());
            if let Some(pid) = plan.task {
                assert!(pid > 0);
            }
        }
        Ok(_) => {}
        Err(e) => assert!(!e.message().is_empty() && e.status() >= 1, "{e:?}"),
    }
});
