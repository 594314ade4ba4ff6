//! nsenter-rs's whole command line turned into a plan: no panic, errors
//! are ordinary messages with exit status 1, and a plan never holds a
//! combination the validation refuses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsenter_rs::options::Builder;

fuzz_target!(|data: &[u8]| {
    let args = nsutils_fuzz::split_args(data, 48);
    // --help/--version end the run before a plan is made
    match nsutils_fuzz::build(&nsenter_rs::SPEC, &args, Builder::new(&nsutils_fuzz::FuzzFiles)) {
        None => {}
        Some(Ok(plan)) => {
            assert!(!(plan.wdns.is_some() && plan.wd.is_some()));
            if let Some(t) = plan.target {
                assert!(t.pid > 0);
            }
        }
        Some(Err(e)) => assert!(!e.message().is_empty() && e.status() == 1, "{e:?}"),
    }
});
