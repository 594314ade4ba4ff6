//! lsns `-o` column lists: what parses is a non-empty list of known
//! columns within the limit; an unknown name is reported with the rest of
//! the list from that name on, as util-linux does.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lsns_rs::columns::{add_list, Col, MAX_COLUMNS};

fuzz_target!(|data: &[u8]| {
    let Ok(list) = std::str::from_utf8(data) else { return };
    let mut cols = vec![Col::Ns, Col::Type];
    let before = cols.len();
    match add_list(list, &mut cols) {
        Ok(()) => {
            assert!(!cols.is_empty() && cols.len() <= MAX_COLUMNS);
            if !list.starts_with('+') {
                let names: Vec<&str> = list.split(',').collect();
                assert!(cols.len() <= names.len(), "{list:?} gave {cols:?}");
            } else {
                assert!(cols.len() > before);
            }
        }
        Err(Some(message)) => {
            let rest = message.strip_prefix("unknown column: ").expect("the message");
            assert!(list.ends_with(rest), "{message:?} for {list:?}");
        }
        Err(None) => {}
    }
});
