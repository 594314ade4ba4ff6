//! `--map-users`/`--map-groups` ranges: what parses is a range that prints
//! and parses back to itself, and turning ranges into map lines beside a
//! single mapping gives lines the kernel takes, none of which repeats the
//! single mapping's inner or outer ID, with exactly the IDs that are left.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unshare_rs::idmap::{map_lines, map_text, parse_range, IdRange, Wanted};

/// The valid IDs: 0 to 4294967294.
const IDS: u64 = u32::MAX as u64;

/// Whether `id` is among the `count` IDs from `start` on, round the ID space.
fn holds(start: u32, count: u32, id: u32) -> bool {
    (u64::from(id) + IDS - u64::from(start)) % IDS < u64::from(count)
}

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
    let alone = map_lines(None, &[single]);
    let total = |v: &[IdRange]| v.iter().map(|r| u64::from(r.count)).sum::<u64>();
    assert_eq!(total(&alone), u64::from(single.count));
    assert_eq!(map_text(&alone).lines().count(), alone.len());

    let ranges: Vec<Wanted> = specs.filter_map(|s| parse_range(s).ok()).collect();
    let Some(one) = IdRange::new(single.inner, single.outer, 1) else { return };
    let merged = map_lines(Some(one), &ranges);
    assert_eq!(merged[0], one);
    for r in &merged[1..] {
        assert_eq!(IdRange::new(r.inner, r.outer, r.count), Some(*r), "invalid line {r:?}");
        assert!(!holds(r.inner, r.count, one.inner), "{r:?} still holds inner {}", one.inner);
        assert!(!holds(r.outer, r.count, one.outer), "{r:?} still holds outer {}", one.outer);
    }
    // each range keeps what is left of both sides, paired
    let left = |w: &Wanted| {
        let inner = u64::from(w.count) - u64::from(holds(w.inner, w.count, one.inner));
        let outer = u64::from(w.count) - u64::from(holds(w.outer, w.count, one.outer));
        inner.min(outer)
    };
    assert_eq!(total(&merged), 1 + ranges.iter().map(left).sum::<u64>());
});
