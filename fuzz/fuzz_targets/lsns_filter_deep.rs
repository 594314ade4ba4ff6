//! lsns `-Q` filters built deep and long: each input byte picks a piece
//! (an opening parenthesis, `!`, a comparison, `&&`, `||`, a group in a
//! regular expression, …) and the next byte how often to repeat it, so
//! that a few bytes make an expression as deep or as long as one argument
//! can be (128 KiB). Random text almost never nests a thousand levels;
//! these do at once. Parsing, evaluating and dropping must neither
//! overflow the stack nor panic: the result is a filter or an error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lsns_rs::columns::Col;
use lsns_rs::filter::{Cell, Filter, FilterError};

/// The most one argument holds (`MAX_ARG_STRLEN`, less the NUL).
const MAX: usize = 128 * 1024 - 1;

const PIECES: [&str; 16] =
    ["(", ")", "!", "not ", "NS", "NS==", "1<", "&&", "||", " and ", "NPROCS", "'x'", "COMMAND =~ '", "(a", ")", "'"];

fuzz_target!(|data: &[u8]| {
    let mut expr = String::new();
    for pair in data.chunks(2) {
        let piece = PIECES[usize::from(pair[0]) % PIECES.len()];
        // 1..=65536 repetitions: 256 squared, so deep nesting is one byte away
        let times = pair.get(1).map_or(1, |&b| (usize::from(b) + 1) * (usize::from(b) + 1));
        let room = (MAX - expr.len()) / piece.len();
        expr.push_str(&piece.repeat(times.min(room)));
        if room <= times {
            break;
        }
    }
    let resolve = |name: &str| Col::from_name(name).and_then(|c| Col::ALL.iter().position(|&x| x == c));
    match Filter::guarded(&expr, &resolve) {
        Ok(filter) => {
            let mut cell = |id: usize| Cell { text: b"1", number: Col::ALL[id].is_number() };
            let _ = filter.matches(&mut cell);
        }
        Err(FilterError::Syntax { message, offset }) => {
            assert!(!message.is_empty() && offset <= expr.len());
            let _ = FilterError::pointer(&expr, offset);
        }
        Err(FilterError::UnknownColumn(_)) => {}
    }
});
