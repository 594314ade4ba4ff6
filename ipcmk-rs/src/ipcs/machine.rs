//! `--json` and `--raw`: the same records for every view.
//!
//! The output-format options `-t`, `-p` and `-c` only choose columns of the
//! text layout; here every object record carries all its fields (ids, key,
//! perms, owner and creator, sizes, pids, times), so they make no
//! difference. `-l`, `-u` and `-i` select limits, usage or one object.
//!
//! JSON: an object whose members are `messages`, `sharedmemory` and
//! `semaphores` (those asked for): arrays of records, or one object for
//! `-l`/`-u`. Numbers are numbers (keys as unsigned 32-bit values, perms as
//! the mode bits, times in seconds since the Epoch with 0 = not set); names
//! are `null` when the id has none.
//!
//! Raw: per section a line of field names (unless `--noheadings`) and one
//! line per record, fields separated by one space; keys as `0x%08x`, perms in
//! octal, unknown names as numbers, blanks and backslashes as `\xHH`.

use std::borrow::Cow;
use std::fmt::Write;

use nsutils_common::table;
use nsutils_common::users::NameCache;

use super::text::page_size;
use super::{Out, Report};
use crate::sysv::{Kind, Msg, Perm, Sem, SemValue, Shm, SHM_DEST, SHM_LOCKED};

/// One field value.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Num(i128),
    Key(i32),
    Perms(u32),
    Bool(bool),
    /// A user or group name, or its id when it has none.
    Name(Option<String>, u32),
    /// Nested records (the semaphores of `-i`): JSON only.
    Table(Vec<Record>),
}

type Record = Vec<(&'static str, Val)>;

fn num(v: impl Into<i128>) -> Val {
    Val::Num(v.into())
}

/// A section of output: its JSON member name and either records or one
/// object.
struct Section<'r> {
    name: &'static str,
    records: Records<'r>,
    single: bool,
    /// Field names when there are no records (raw headings).
    fields: &'static [&'static str],
}

/// The records of a section: made one at a time from the listed objects
/// as they are printed (a listing of 10,000s of objects would otherwise
/// hold a record of some twenty fields per object), or made up front.
enum Records<'r> {
    Made(Vec<Record>),
    Msg(&'r [Msg]),
    Shm(&'r [Shm]),
    Sem(&'r [Sem]),
}

impl Records<'_> {
    fn len(&self) -> usize {
        match self {
            Records::Made(v) => v.len(),
            Records::Msg(l) => l.len(),
            Records::Shm(l) => l.len(),
            Records::Sem(l) => l.len(),
        }
    }

    /// Record `i` (< len), made now when it is a listed object's.
    fn get(&self, i: usize, names: &mut NameCache) -> Cow<'_, Record> {
        match self {
            Records::Made(v) => Cow::Borrowed(&v[i]),
            Records::Msg(l) => Cow::Owned(msg_record(&l[i], names, false)),
            Records::Shm(l) => Cow::Owned(shm_record(&l[i], names)),
            Records::Sem(l) => Cow::Owned(sem_record(&l[i], names)),
        }
    }
}

fn section_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Msg => "messages",
        Kind::Shm => "sharedmemory",
        Kind::Sem => "semaphores",
    }
}

const MSG_FIELDS: &[&str] = &[
    "key",
    "msqid",
    "perms",
    "owner",
    "uid",
    "group",
    "gid",
    "cuser",
    "cuid",
    "cgroup",
    "cgid",
    "used_bytes",
    "messages",
    "lspid",
    "lrpid",
    "send_time",
    "recv_time",
    "change_time",
];
const SHM_FIELDS: &[&str] = &[
    "key",
    "shmid",
    "perms",
    "owner",
    "uid",
    "group",
    "gid",
    "cuser",
    "cuid",
    "cgroup",
    "cgid",
    "bytes",
    "nattch",
    "dest",
    "locked",
    "cpid",
    "lpid",
    "attach_time",
    "detach_time",
    "change_time",
];
const SEM_FIELDS: &[&str] = &[
    "key",
    "semid",
    "perms",
    "owner",
    "uid",
    "group",
    "gid",
    "cuser",
    "cuid",
    "cgroup",
    "cgid",
    "nsems",
    "last_op_time",
    "change_time",
];
const SEMVAL_FIELDS: &[&str] = &["semnum", "value", "ncount", "zcount", "pid"];

fn perm_fields(r: &mut Record, idname: &'static str, id: i32, p: &Perm, names: &mut NameCache) {
    r.push(("key", Val::Key(p.key)));
    r.push((idname, num(id)));
    r.push(("perms", Val::Perms(p.mode & 0o777)));
    r.push(("owner", Val::Name(names.user(p.uid).map(str::to_string), p.uid)));
    r.push(("uid", num(p.uid)));
    r.push(("group", Val::Name(names.group(p.gid).map(str::to_string), p.gid)));
    r.push(("gid", num(p.gid)));
    r.push(("cuser", Val::Name(names.user(p.cuid).map(str::to_string), p.cuid)));
    r.push(("cuid", num(p.cuid)));
    r.push(("cgroup", Val::Name(names.group(p.cgid).map(str::to_string), p.cgid)));
    r.push(("cgid", num(p.cgid)));
}

fn msg_record(m: &Msg, names: &mut NameCache, with_qbytes: bool) -> Record {
    let mut r = Vec::with_capacity(19);
    perm_fields(&mut r, "msqid", m.id, &m.perm, names);
    r.push(("used_bytes", num(m.cbytes)));
    r.push(("messages", num(m.qnum)));
    if with_qbytes {
        r.push(("queue_bytes", num(m.qbytes.unwrap_or(0))));
    }
    r.push(("lspid", num(m.lspid)));
    r.push(("lrpid", num(m.lrpid)));
    r.push(("send_time", num(m.stime)));
    r.push(("recv_time", num(m.rtime)));
    r.push(("change_time", num(m.ctime)));
    r
}

fn shm_record(s: &Shm, names: &mut NameCache) -> Record {
    let mut r = Vec::with_capacity(20);
    perm_fields(&mut r, "shmid", s.id, &s.perm, names);
    r.push(("bytes", num(s.size)));
    r.push(("nattch", num(s.nattch)));
    r.push(("dest", Val::Bool(s.perm.mode & SHM_DEST != 0)));
    r.push(("locked", Val::Bool(s.perm.mode & SHM_LOCKED != 0)));
    r.push(("cpid", num(s.cpid)));
    r.push(("lpid", num(s.lpid)));
    r.push(("attach_time", num(s.atime)));
    r.push(("detach_time", num(s.dtime)));
    r.push(("change_time", num(s.ctime)));
    r
}

fn sem_record(s: &Sem, names: &mut NameCache) -> Record {
    let mut r = Vec::with_capacity(15);
    perm_fields(&mut r, "semid", s.id, &s.perm, names);
    r.push(("nsems", num(s.nsems)));
    r.push(("last_op_time", num(s.otime)));
    r.push(("change_time", num(s.ctime)));
    r
}

fn semval_records(values: &[SemValue]) -> Vec<Record> {
    values
        .iter()
        .enumerate()
        .map(|(n, v)| {
            vec![
                ("semnum", num(n as u64)),
                ("value", num(v.value)),
                ("ncount", num(v.ncount)),
                ("zcount", num(v.zcount)),
                ("pid", num(v.pid)),
            ]
        })
        .collect()
}

fn single(name: &'static str, r: Record) -> Section<'static> {
    Section { name, records: Records::Made(vec![r]), single: true, fields: &[] }
}

fn list(name: &'static str, records: Vec<Record>, fields: &'static [&'static str]) -> Section<'static> {
    Section { name, records: Records::Made(records), single: false, fields }
}

fn listed<'r>(name: &'static str, records: Records<'r>, fields: &'static [&'static str]) -> Section<'r> {
    Section { name, records, single: false, fields }
}

/// The sections of a report.
fn sections<'r>(report: &'r Report, names: &mut NameCache) -> Vec<Section<'r>> {
    let mut out = Vec::new();
    match report {
        Report::Lists { msg, shm, sem } => {
            if let Some(l) = msg {
                out.push(listed("messages", Records::Msg(l), MSG_FIELDS));
            }
            if let Some(l) = shm {
                out.push(listed("sharedmemory", Records::Shm(l), SHM_FIELDS));
            }
            if let Some(l) = sem {
                out.push(listed("semaphores", Records::Sem(l), SEM_FIELDS));
            }
        }
        Report::Limits { msg, shm, sem } => {
            if let Some(l) = msg {
                out.push(single(
                    "messages",
                    vec![("msgmni", num(l.msgmni)), ("msgmax", num(l.msgmax)), ("msgmnb", num(l.msgmnb))],
                ));
            }
            if let Some(l) = shm {
                out.push(single(
                    "sharedmemory",
                    vec![
                        ("shmmni", num(l.shmmni)),
                        ("shmmax", num(l.shmmax)),
                        ("shmall", num(l.shmall)),
                        ("shmmin", num(l.shmmin)),
                        ("pagesize", num(page_size())),
                    ],
                ));
            }
            if let Some(l) = sem {
                out.push(single(
                    "semaphores",
                    vec![
                        ("semmni", num(l.semmni)),
                        ("semmsl", num(l.semmsl)),
                        ("semmns", num(l.semmns)),
                        ("semopm", num(l.semopm)),
                        ("semvmx", num(l.semvmx)),
                    ],
                ));
            }
        }
        Report::Summary { msg, shm, sem } => {
            if let Some(s) = msg {
                out.push(single(
                    "messages",
                    vec![("queues", num(s.queues)), ("headers", num(s.headers)), ("used_bytes", num(s.bytes))],
                ));
            }
            if let Some(s) = shm {
                out.push(single(
                    "sharedmemory",
                    vec![
                        ("segments", num(s.used_ids)),
                        ("pages_allocated", num(s.shm_tot)),
                        ("pages_resident", num(s.shm_rss)),
                        ("pages_swapped", num(s.shm_swp)),
                        ("swap_attempts", num(s.swap_attempts)),
                        ("swap_successes", num(s.swap_successes)),
                    ],
                ));
            }
            if let Some(s) = sem {
                out.push(single("semaphores", vec![("arrays", num(s.arrays)), ("semaphores", num(s.semaphores))]));
            }
        }
        Report::OneShm(s) => out.push(list("sharedmemory", vec![shm_record(s, names)], SHM_FIELDS)),
        Report::OneMsg(m) => out.push(list("messages", vec![msg_record(m, names, true)], MSG_FIELDS)),
        Report::OneSem(s, values) => {
            let mut r = sem_record(s, names);
            r.push(("semaphores", Val::Table(semval_records(values))));
            out.push(list("semaphores", vec![r], SEM_FIELDS));
        }
        Report::NotFound(kind, _) => {
            let fields = match kind {
                Kind::Msg => MSG_FIELDS,
                Kind::Shm => SHM_FIELDS,
                Kind::Sem => SEM_FIELDS,
            };
            out.push(list(section_name(*kind), Vec::new(), fields));
        }
    }
    out
}

/// A quoted JSON string, escaped as every nsutils JSON output is.
fn json_string(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len() + 2);
    table::json_string(s.as_bytes(), &mut out);
    String::from_utf8(out).expect("escaping keeps UTF-8 valid")
}

fn json_value(out: &mut impl Write, v: &Val, indent: usize) {
    let _ = match v {
        Val::Num(n) => write!(out, "{n}"),
        Val::Key(k) => write!(out, "{}", *k as u32),
        Val::Perms(p) => write!(out, "{p}"),
        Val::Bool(b) => write!(out, "{b}"),
        Val::Name(Some(n), _) => out.write_str(&json_string(n)),
        Val::Name(None, _) => out.write_str("null"),
        Val::Table(records) => {
            json_array(out, records.len(), |k| Cow::Borrowed(&records[k]), indent);
            Ok(())
        }
    };
}

fn json_object(out: &mut impl Write, r: &Record, indent: usize) {
    let pad = " ".repeat(indent + 3);
    let _ = out.write_str("{\n");
    for (i, (k, v)) in r.iter().enumerate() {
        let _ = write!(out, "{pad}\"{k}\": ");
        json_value(out, v, indent + 3);
        let _ = out.write_str(if i + 1 < r.len() { ",\n" } else { "\n" });
    }
    let _ = write!(out, "{}}}", " ".repeat(indent));
}

/// An array of `n` objects, `record(k)` giving the k-th (made as it is
/// written, for the listings).
fn json_array<'r>(out: &mut impl Write, n: usize, mut record: impl FnMut(usize) -> Cow<'r, Record>, indent: usize) {
    if n == 0 {
        let _ = out.write_str("[]");
        return;
    }
    let pad = " ".repeat(indent + 3);
    let _ = out.write_str("[\n");
    for k in 0..n {
        let _ = out.write_str(&pad);
        json_object(out, &record(k), indent + 3);
        let _ = out.write_str(if k + 1 < n { ",\n" } else { "\n" });
    }
    let _ = write!(out, "{}]", " ".repeat(indent));
}

/// The members of the JSON object for the report (3-space indentation,
/// like util-linux's JSON), separated by `,\n`, without the braces around
/// them and without a final newline: the output is `{\n`, the members of
/// each part of the report joined by `,\n`, and `\n}\n`.
pub fn json_members(report: &Report, names: &mut NameCache) -> String {
    let mut out = Out::collect();
    json_members_into(report, names, &mut out);
    out.into_string()
}

/// [`json_members`] into `out`, one record at a time.
pub fn json_members_into(report: &Report, names: &mut NameCache, out: &mut Out<'_>) {
    for (i, s) in sections(report, names).iter().enumerate() {
        if i > 0 {
            out.push_str(",\n");
        }
        let _ = write!(out, "   \"{}\": ", s.name);
        if s.single {
            json_object(out, &s.records.get(0, names), 3);
        } else {
            json_array(out, s.records.len(), |k| s.records.get(k, names), 3);
        }
    }
}

/// Raw-format escaping shared with lsns-rs (blanks, backslash and every
/// byte that is not printable ASCII as `\xHH`).
fn raw_escape(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    table::encode_raw(s.as_bytes(), &mut out);
    String::from_utf8(out).expect("raw escaping yields ASCII")
}

fn raw_value(v: &Val) -> String {
    match v {
        Val::Num(n) => n.to_string(),
        Val::Key(k) => format!("0x{:08x}", *k as u32),
        Val::Perms(p) => format!("{p:o}"),
        Val::Bool(b) => u8::from(*b).to_string(),
        Val::Name(Some(n), _) => raw_escape(n),
        Val::Name(None, id) => id.to_string(),
        Val::Table(_) => String::new(),
    }
}

fn raw_headings(out: &mut Out<'_>, fields: &[&str]) {
    out.push_str(&fields.join(" "));
    out.push('\n');
}

fn raw_row(out: &mut Out<'_>, r: &Record) {
    let cols: Vec<String> = r.iter().filter(|(_, v)| !matches!(v, Val::Table(_))).map(|(_, v)| raw_value(v)).collect();
    out.push_str(&cols.join(" "));
    out.push('\n');
}

/// The report as raw lines.
pub fn raw(report: &Report, noheadings: bool, names: &mut NameCache) -> String {
    let mut out = Out::collect();
    raw_into(report, noheadings, names, &mut out);
    out.into_string()
}

/// [`raw`] into `out`, one record at a time.
pub fn raw_into(report: &Report, noheadings: bool, names: &mut NameCache, out: &mut Out<'_>) {
    for s in sections(report, names) {
        let n = s.records.len();
        if !noheadings {
            // the first record's fields (`-i` of a queue adds queue_bytes)
            let fields: Vec<&str> = match n {
                0 => s.fields.to_vec(),
                _ => s
                    .records
                    .get(0, names)
                    .iter()
                    .filter(|(_, v)| !matches!(v, Val::Table(_)))
                    .map(|(k, _)| *k)
                    .collect(),
            };
            raw_headings(out, &fields);
        }
        for k in 0..n {
            let r = s.records.get(k, names);
            raw_row(out, &r);
        }
        // the semaphores of `-i`: a second table, after the first
        let Records::Made(made) = &s.records else { continue };
        for r in made {
            for (_, v) in r {
                if let Val::Table(rows) = v {
                    if !noheadings {
                        raw_headings(out, SEMVAL_FIELDS);
                    }
                    rows.iter().for_each(|row| raw_row(out, row));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The report as a whole JSON document.
    fn json(report: &Report, names: &mut NameCache) -> String {
        format!("{{\n{}\n}}\n", json_members(report, names))
    }

    fn sample() -> Report {
        let perm = Perm { key: -2, uid: 0, gid: 0, cuid: 3_999_999_999, cgid: 0, mode: 0o644 };
        let sem = Sem { id: 7, perm, nsems: 2, otime: 0, ctime: 100 };
        Report::OneSem(sem, vec![SemValue { value: 5, ncount: 0, zcount: 0, pid: 42 }, SemValue::default()])
    }

    #[test]
    fn json_shape() {
        let j = json(&sample(), &mut NameCache::new());
        let v: serde_json::Value = serde_json::from_str(&j).unwrap();
        let s = &v["semaphores"][0];
        assert_eq!(s["key"], 0xffff_fffeu32);
        assert_eq!(s["semid"], 7);
        assert_eq!(s["perms"], 0o644);
        assert_eq!(s["owner"], "root");
        assert_eq!(s["cuser"], serde_json::Value::Null);
        assert_eq!(s["cuid"], 3_999_999_999u32);
        assert_eq!(s["change_time"], 100);
        assert_eq!(s["semaphores"][0]["value"], 5);
        assert_eq!(s["semaphores"][1]["pid"], 0);
        let empty = json(&Report::NotFound(Kind::Shm, 5), &mut NameCache::new());
        assert_eq!(empty, "{\n   \"sharedmemory\": []\n}\n");
    }

    #[test]
    fn raw_shape() {
        let r = raw(&sample(), false, &mut NameCache::new());
        let lines: Vec<&str> = r.lines().collect();
        assert_eq!(lines[0], SEM_FIELDS.join(" "));
        assert_eq!(lines[1], "0xfffffffe 7 644 root 0 root 0 3999999999 3999999999 root 0 2 0 100");
        assert_eq!(lines[2], "semnum value ncount zcount pid");
        assert_eq!(lines[3], "0 5 0 0 42");
        let r = raw(&sample(), true, &mut NameCache::new());
        assert_eq!(r.lines().count(), 3);
        assert_eq!(raw_escape("a b\\"), "a\\x20b\\x5c");
    }
}
