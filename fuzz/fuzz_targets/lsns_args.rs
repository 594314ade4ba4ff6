//! lsns-rs's whole command line turned into an action: no panic, and
//! errors are reported (exit status 1) rather than crashing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lsns_rs::options::{Action, Builder};

fuzz_target!(|data: &[u8]| {
    let args = nsutils_fuzz::split_args(data, 32);
    // --help/--version print to stdout and exit: not what we fuzz
    match nsutils_fuzz::build(&lsns_rs::SPEC, &args, Builder::default()) {
        None => {}
        Some(Ok(Action::List(plan))) => {
            assert!(!plan.columns.is_empty());
            assert!(!plan.types.is_empty());
            if let Some(pid) = plan.task {
                assert!(pid > 0);
            }
        }
        Some(Ok(Action::ListColumns { .. })) => {}
        Some(Err(e)) => assert!(!e.message().is_empty() && e.status() >= 1, "{e:?}"),
    }
});
