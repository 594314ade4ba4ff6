//! glibc's `getopt_long(3)` as the oracle for `nsutils_common::cli`: the
//! same option table is handed to both, and they must agree on which
//! options (with which values) and which operands a command line has, and
//! on whether it is an error.

use std::ffi::{c_char, c_int, CString, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

use nsutils_common::cli::{HasArg, Matched, Mode, Opt, Spec, HELP, VERSION};

extern "C" {
    static mut optind: c_int;
    static mut opterr: c_int;
    static mut optarg: *mut c_char;
}

/// What glibc saw, in order.
#[derive(Debug, PartialEq, Eq)]
pub enum Event {
    /// An option (its id) and its argument.
    Opt(&'static str, Option<Vec<u8>>),
    /// `?` or `:`: an unknown option, a missing or unexpected argument,
    /// an ambiguous abbreviation.
    Error,
}

fn all_opts(spec: &Spec) -> Vec<&Opt> {
    spec.opts.iter().chain([&HELP, &VERSION]).collect()
}

/// Run glibc's `getopt_long` over `args` with `spec`'s table; returns the
/// events and the operands (argv after `optind`, as glibc permuted it).
pub fn glibc(spec: &Spec, args: &[OsString]) -> (Vec<Event>, Vec<Vec<u8>>) {
    let opts = all_opts(spec);
    let mut optstring = String::new();
    if spec.mode == Mode::StopAtFirstOperand {
        optstring.push('+');
    }
    for o in &opts {
        if let Some(c) = o.short {
            optstring.push(c);
            match o.short_arg {
                HasArg::No => {}
                HasArg::Required => optstring.push(':'),
                HasArg::Optional => optstring.push_str("::"),
            }
        }
    }
    let optstring = CString::new(optstring).unwrap();
    let names: Vec<Option<CString>> = opts.iter().map(|o| o.long.map(|l| CString::new(l).unwrap())).collect();
    // val = 1000 + index of the first option with the same id, so aliases
    // are "the same option" for glibc's ambiguity rule as they are for ours
    let val_of = |i: usize| 1000 + opts.iter().position(|o| o.id == opts[i].id).unwrap() as c_int;
    let mut longopts: Vec<libc::option> = Vec::new();
    for (i, o) in opts.iter().enumerate() {
        if let Some(name) = &names[i] {
            let has_arg = match o.arg {
                HasArg::No => 0,
                HasArg::Required => 1,
                HasArg::Optional => 2,
            };
            longopts.push(libc::option { name: name.as_ptr(), has_arg, flag: std::ptr::null_mut(), val: val_of(i) });
        }
    }
    longopts.push(libc::option { name: std::ptr::null(), has_arg: 0, flag: std::ptr::null_mut(), val: 0 });

    let words: Vec<CString> = std::iter::once(CString::new("prog").unwrap())
        .chain(args.iter().map(|a| CString::new(a.as_bytes()).expect("no NUL in words")))
        .collect();
    let mut argv: Vec<*mut c_char> = words.iter().map(|w| w.as_ptr() as *mut c_char).collect();
    argv.push(std::ptr::null_mut());
    let argc = words.len() as c_int;

    let mut events = Vec::new();
    // SAFETY: getopt_long's globals are only touched from this (single)
    // fuzzing thread; argv, optstring and longopts outlive the calls, and
    // optind = 0 makes glibc start afresh.
    unsafe {
        opterr = 0;
        optind = 0;
        loop {
            let mut idx: c_int = -1;
            let r = libc::getopt_long(argc, argv.as_ptr(), optstring.as_ptr(), longopts.as_ptr(), &mut idx);
            if r == -1 {
                break;
            }
            if r == '?' as c_int || r == ':' as c_int {
                events.push(Event::Error);
                continue;
            }
            let (opt, short) = if r >= 1000 {
                (opts[(r - 1000) as usize], false)
            } else {
                (*opts.iter().find(|o| o.short.map(|c| c as c_int) == Some(r)).expect("known short"), true)
            };
            let mut value = (!optarg.is_null()).then(|| std::ffi::CStr::from_ptr(optarg).to_bytes().to_vec());
            // util-linux ≥2.39 strips a leading '=' from attached optional
            // short arguments; our parser does it for every tool
            if short && opt.short_arg == HasArg::Optional {
                if let Some(v) = &mut value {
                    if v.first() == Some(&b'=') {
                        v.remove(0);
                    }
                }
            }
            events.push(Event::Opt(opt.id, value));
        }
        let operands = argv[optind as usize..words.len()]
            .iter()
            .map(|&p| std::ffi::CStr::from_ptr(p).to_bytes().to_vec())
            .collect();
        (events, operands)
    }
}

/// Panic (a fuzzer finding) unless our parser and glibc agree on `args`.
///
/// Intended differences: we stop at `--help`/`--version` (what comes after
/// them, errors included, is ignored, as util-linux's option loops exit
/// there), and we stop at the first error where glibc goes on.
pub fn check(spec: &Spec, args: &[OsString]) {
    let ours = spec.parse(args);
    let (events, operands) = glibc(spec, args);
    let mut expected: Vec<Matched> = Vec::new();
    let mut stopped = false;
    for e in &events {
        match e {
            Event::Error => {
                assert!(ours.is_err(), "glibc reports an error, we accept {args:?}: {ours:?}\nglibc: {events:?}");
                return;
            }
            Event::Opt(id, value) => {
                expected.push(Matched {
                    id,
                    value: value.clone().map(OsString::from_vec),
                    short: false, // compared without the spelling
                });
                if *id == HELP.id || *id == VERSION.id {
                    stopped = true;
                    break;
                }
            }
        }
    }
    let ours = match ours {
        Ok(p) => p,
        Err(e) => panic!("we reject {args:?} ({}), glibc accepts: {events:?}", e.message()),
    };
    let got: Vec<(&str, Option<OsString>)> = ours.opts.iter().map(|m| (m.id, m.value.clone())).collect();
    let want: Vec<(&str, Option<OsString>)> = expected.iter().map(|m| (m.id, m.value.clone())).collect();
    assert_eq!(got, want, "options differ for {args:?}");
    if !stopped {
        let got: Vec<Vec<u8>> = ours.operands.iter().map(|o| o.as_bytes().to_vec()).collect();
        assert_eq!(got, operands, "operands differ for {args:?}");
    }
}
