//! glibc's `getopt_long(3)` as the oracle for `nsutils_common::cli`: the
//! same option table is handed to both, and they must agree on which
//! options (with which values) and which operands a command line has, and
//! on where it is an error.

use std::ffi::{c_char, c_int, CString, OsString};
use std::fmt::Debug;
use std::os::unix::ffi::OsStrExt;

use nsutils_common::cli::{HasArg, Hit, Mode, Opt, Spec};

extern "C" {
    static mut optind: c_int;
    static mut opterr: c_int;
    static mut optarg: *mut c_char;
}

/// What glibc saw, in order.
#[derive(Debug, PartialEq, Eq)]
pub enum Event<K> {
    /// An option and its argument.
    Opt(Hit<K>, Option<Vec<u8>>),
    /// `?` or `:`: an unknown option, a missing or unexpected argument,
    /// an ambiguous abbreviation.
    Error,
}

/// Run glibc's `getopt_long` over `args` with `spec`'s table; returns the
/// events and the operands (argv after `optind`, as glibc permuted it).
pub fn glibc<K: Copy + PartialEq + 'static>(spec: &Spec<K>, args: &[OsString]) -> (Vec<Event<K>>, Vec<Vec<u8>>) {
    let rows: Vec<(Hit<K>, Opt<()>)> = spec.rows().collect();
    let mut optstring = String::new();
    if spec.mode == Mode::StopAtFirstOperand {
        optstring.push('+');
    }
    for (_, o) in &rows {
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
    let names: Vec<Option<CString>> = rows.iter().map(|(_, o)| o.long.map(|l| CString::new(l).unwrap())).collect();
    // val = 1000 + index of the first row with the same hit, so spellings
    // of one option are "the same option" for glibc's ambiguity rule as
    // they are for ours
    let val_of = |i: usize| 1000 + rows.iter().position(|(h, _)| *h == rows[i].0).unwrap() as c_int;
    let mut longopts: Vec<libc::option> = Vec::new();
    for (i, (_, o)) in rows.iter().enumerate() {
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
            let hit = if r >= 1000 {
                rows[(r - 1000) as usize].0
            } else {
                rows.iter().find(|(_, o)| o.short.map(|c| c as c_int) == Some(r)).expect("known short").0
            };
            // values as given, '=' and all: the tools drop a leading '='
            // where util-linux's option handlers do
            let value = (!optarg.is_null()).then(|| std::ffi::CStr::from_ptr(optarg).to_bytes().to_vec());
            events.push(Event::Opt(hit, value));
        }
        let operands = argv[optind as usize..words.len()]
            .iter()
            .map(|&p| std::ffi::CStr::from_ptr(p).to_bytes().to_vec())
            .collect();
        (events, operands)
    }
}

/// Panic (a fuzzer finding) unless our option loop and glibc agree on
/// `args`: the same options with the same values in the same order, an
/// error where glibc reports its first one, the same operands.
///
/// Intended differences: we stop at `--help`/`--version` (what comes after
/// them, errors included, is ignored, as util-linux's option loops exit
/// there), and at the first error where glibc goes on.
pub fn check<K: Copy + PartialEq + Debug + 'static>(spec: &Spec<K>, args: &[OsString]) {
    let (events, operands) = glibc(spec, args);
    let mut ours = spec.getopt(args);
    for e in &events {
        let got = ours.next();
        match (e, got) {
            (Event::Error, Some(Err(_))) => return,
            (Event::Opt(hit, value), Some(Ok((h, v)))) => {
                let v = v.map(|v| v.as_bytes().to_vec());
                assert_eq!((h, &v), (*hit, value), "options differ for {args:?}\nglibc: {events:?}");
                if matches!(hit, Hit::Help | Hit::Version) {
                    assert!(ours.next().is_none(), "we go on after {hit:?}: {args:?}");
                    return;
                }
            }
            (e, got) => panic!("{args:?}: glibc {e:?}, we {got:?}\nglibc: {events:?}"),
        }
    }
    if let Some(extra) = ours.next() {
        panic!("{args:?}: glibc ends the options, we go on with {extra:?}\nglibc: {events:?}");
    }
    let got: Vec<Vec<u8>> = ours.into_operands().iter().map(|o| o.as_bytes().to_vec()).collect();
    assert_eq!(got, operands, "operands differ for {args:?}");
}
