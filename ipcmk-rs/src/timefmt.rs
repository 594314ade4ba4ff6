//! `ctime(3)` text in the local time zone, as `ipcs` prints times.
//!
//! The broken-down time comes from the C library's `localtime_r(3)` (glibc
//! and musl both honour `TZ`, including zoneinfo names such as
//! `TZ=Europe/Berlin`); the text is formatted here, so both builds print the
//! same fixed English `ctime` layout: `Sun Nov 22 20:58:16 2026`.

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `ctime()` without its newline: `Www Mmm dd hh:mm:ss yyyy`, in local time;
/// `None` when the time cannot be converted.
pub fn ctime(t: i64) -> Option<String> {
    // time_t is 64-bit on every 64-bit target (musl included, since 1.2)
    #[allow(deprecated)]
    let tt = t as libc::time_t;
    // libc, not nix: nix has no localtime (the C library's reads TZ and
    // the zone files as util-linux's does).
    // SAFETY: an all-zero tm is a valid out-buffer; valid pointers to a
    // time_t and a tm.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&tt, &mut tm).is_null() {
            return None;
        }
        tm
    };
    let day = DAYS.get(tm.tm_wday as usize)?;
    let month = MONTHS.get(tm.tm_mon as usize)?;
    Some(format!(
        "{day} {month}{:3} {:02}:{:02}:{:02} {}",
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        i64::from(tm.tm_year) + 1900
    ))
}

/// The text `ipcs` shows for a time: `ctime()`, or `Not set` for 0.
pub fn ipc_time(t: i64) -> String {
    if t == 0 {
        return "Not set".to_string();
    }
    ctime(t).unwrap_or_else(|| t.to_string())
}

/// The short form of the listings (`ctime() + 4`, 16 characters, e.g.
/// `Nov 22 20:58:16 `), or `Not set`.
pub fn ipc_time_short(t: i64) -> String {
    if t == 0 {
        return "Not set".to_string();
    }
    match ctime(t) {
        // "Www " skipped; the 16 characters keep the space before the year
        Some(s) => s.chars().skip(4).take(16).collect(),
        None => t.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        // the test process's zone is whatever TZ says; check the shape only
        let s = ctime(1_795_383_067).unwrap();
        assert_eq!(s.len(), 24, "{s}");
        assert_eq!(&s[3..4], " ");
        assert_eq!(ipc_time(0), "Not set");
        assert_eq!(ipc_time_short(0), "Not set");
        assert_eq!(ipc_time_short(1_795_383_067).len(), 16);
        assert!(ipc_time_short(1_795_383_067).ends_with(' '));
    }
}
