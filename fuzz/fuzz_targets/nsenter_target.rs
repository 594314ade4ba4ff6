//! nsenter-rs `-t PID[:INODE]`: what parses is a positive PID that fits a
//! pid_t and a non-zero inode, and prints back to an equal target; what
//! does not gets util-linux's message.
#![no_main]

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use libfuzzer_sys::fuzz_target;
use nsenter_rs::options::{Builder, Plan};

fn target_of(text: OsString) -> Result<Plan, nsutils_common::Error> {
    let args = vec![OsString::from("-t"), text, OsString::from("-u"), OsString::from("true")];
    nsutils_fuzz::build(&nsenter_rs::SPEC, &args, Builder::new(&nsutils_fuzz::FuzzFiles)).expect("no --help")
}

fuzz_target!(|data: &[u8]| {
    if data.contains(&0) {
        return;
    }
    let text = OsString::from_vec(data.to_vec());
    match target_of(text.clone()) {
        Ok(plan) => {
            let t = plan.target.expect("a target");
            assert!(t.pid > 0);
            assert_ne!(t.inode, Some(0));
            let again = match t.inode {
                Some(i) => format!("{}:{i}", t.pid),
                None => t.pid.to_string(),
            };
            assert_eq!(target_of(again.into()).unwrap().target, Some(t));
        }
        Err(e) => {
            // messages carry the argument's bytes (nsutils_common::bytes)
            let shown = nsutils_common::bytes::text(data);
            assert!(
                e.message().starts_with(&format!("failed to parse PID argument '{shown}': ")),
                "{:?} for {shown:?}",
                e.message()
            );
        }
    }
});
