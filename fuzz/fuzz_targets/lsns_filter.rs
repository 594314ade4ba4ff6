//! lsns `-Q` filter expressions: parsing any text either gives a filter
//! that evaluates on any row without panicking, or an error whose offset
//! lies in the expression and can be pointed at.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lsns_rs::columns::Col;
use lsns_rs::filter::{Cell, Filter, FilterError};

const CELLS: [&[u8]; 9] = [b"", b"0", b"1", b"4026531840", b"abc", b"-5", b"1.5", b"x y", b"net"];

fuzz_target!(|data: &[u8]| {
    let Ok(expr) = std::str::from_utf8(data) else { return };
    let resolve = |name: &str| Col::from_name(name).and_then(|c| Col::ALL.iter().position(|&x| x == c));
    match Filter::guarded(expr, &resolve) {
        Ok(filter) => {
            for &h in filter.holders() {
                assert!(h < Col::ALL.len());
            }
            for shift in 0..3 {
                let mut cell =
                    |id: usize| Cell { text: CELLS[(id + shift) % CELLS.len()], number: Col::ALL[id].is_number() };
                let _ = filter.matches(&mut cell);
            }
        }
        Err(FilterError::Syntax { message, offset }) => {
            assert!(!message.is_empty());
            assert!(offset <= expr.len(), "offset {offset} past {expr:?}");
            let _ = FilterError::pointer(expr, offset);
        }
        Err(FilterError::UnknownColumn(names)) => assert!(names.iter().all(|n| !n.is_empty()) && !names.is_empty()),
    }
});
