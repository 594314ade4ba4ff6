//! The getopt_long-compatible parser of every tool against glibc's
//! getopt_long with the same option table. Input: one byte choosing the
//! tool, then the command line with words separated by NUL bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let args = nsutils_fuzz::split_args(rest, 64);
    nsutils_fuzz::check_getopt(which, &args);
});
