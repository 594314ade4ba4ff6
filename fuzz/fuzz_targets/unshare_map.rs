//! `--map-users`/`--map-groups` ranges: what parses is a valid range that
//! prints and parses back to itself, and merging a single mapping into
//! parsed ranges keeps every range valid and punches exactly one hole.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unshare_rs::idmap::{map_text, merge_single, parse_range, IdRange};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut specs = text.split('\n');
    let Some(first) = specs.next() else { return };
    let Ok(single) = parse_range(first) else {
        // the error names the value
        assert_eq!(parse_range(first).unwrap_err().message(), format!("invalid mapping '{first}'"));
        return;
    };
    let again = format!("{}:{}:{}", single.inner, single.outer, single.count);
    assert_eq!(parse_range(&again).unwrap(), single);
    let legacy = format!("{},{},{}", single.outer, single.inner, single.count);
    assert_eq!(parse_range(&legacy).unwrap(), single);
    assert_eq!(map_text(&[single]), format!("{} {} {}\n", single.inner, single.outer, single.count));

    let ranges: Vec<IdRange> = specs.filter_map(|s| parse_range(s).ok()).collect();
    let one = IdRange::new(single.inner, single.outer, 1).unwrap();
    let merged = merge_single(one, &ranges);
    assert_eq!(merged[0], one);
    let id = one.inner;
    let holes = ranges.iter().filter(|r| id >= r.inner && id - r.inner < r.count).count() as u64;
    for r in &merged[1..] {
        assert_eq!(IdRange::new(r.inner, r.outer, r.count), Some(*r), "invalid range {r:?}");
        assert!(!(id >= r.inner && id - r.inner < r.count), "{r:?} still holds {id}");
    }
    let total = |v: &[IdRange]| v.iter().map(|r| r.count as u64).sum::<u64>();
    assert_eq!(total(&merged), 1 + total(&ranges) - holes);
});
