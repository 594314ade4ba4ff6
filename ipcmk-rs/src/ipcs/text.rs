//! util-linux's text layouts, byte for byte: fixed-width columns with their
//! trailing spaces, owner names cut to 10 characters (except in `-c`),
//! `ctime` times, and a blank line before the first and after every section.
//!
//! With `--noheadings` only the data lines are printed: no blank lines,
//! titles or column headings.

use std::fmt::Write;

use nsutils_common::users::NameCache;

use super::{Format, Out, Plan, Report, Unit};
use crate::size::human;
use crate::sysv::{Msg, MsgLimits, MsgStatus, Sem, SemLimits, SemStatus, SemValue, Shm, ShmLimits, ShmStatus};
use crate::sysv::{SHM_DEST, SHM_LOCKED};
use crate::timefmt::{ipc_time, ipc_time_short};

/// A sink for one report.
struct Text<'a, 'o> {
    out: &'a mut Out<'o>,
    names: &'a mut NameCache,
    unit: Unit,
    headings: bool,
}

/// C's `%#o`: a leading 0 unless the value is 0.
fn alt_octal(v: u32) -> String {
    if v == 0 {
        "0".to_string()
    } else {
        format!("0{v:o}")
    }
}

/// `%-W.Ps`: at most `p` characters, padded to `w`.
fn cut(s: &str, p: usize) -> &str {
    match s.char_indices().nth(p) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

impl Text<'_, '_> {
    fn line(&mut self, s: &str) {
        if self.headings {
            self.out.push_str(s);
            self.out.push('\n');
        }
    }

    /// A section: util-linux prints its body and then a blank line.
    fn end_section(&mut self) {
        if self.headings {
            self.out.push('\n');
        }
    }

    /// Owner column of the listings: `%-10.10s` of the name, or `%-10u`.
    fn owner10(&mut self, uid: u32) -> String {
        match self.names.user(uid) {
            Some(n) => format!("{:<10}", cut(n, 10)),
            None => format!("{uid:<10}"),
        }
    }

    fn user(&mut self, uid: u32) -> String {
        self.names.user_or_number(uid)
    }

    fn group(&mut self, gid: u32) -> String {
        self.names.group_or_number(gid)
    }

    fn msg_list(&mut self, format: Format, list: &[Msg]) {
        let is_human = self.unit == Unit::Human;
        match format {
            Format::Time => {
                self.line("------ Message Queues Send/Recv/Change Times --------");
                self.line(&format!("{:<8} {:<10} {:<20} {:<20} {:<20}", "msqid", "owner", "send", "recv", "change"));
                for m in list {
                    let owner = self.owner10(m.perm.uid);
                    let _ = write!(self.out, "{:<8} {owner}", m.id);
                    for t in [m.stime, m.rtime, m.ctime] {
                        let _ = write!(self.out, " {:<20}", ipc_time_short(t));
                    }
                    self.out.push('\n');
                }
            }
            Format::Pid => {
                self.line("------ Message Queues PIDs --------");
                self.line(&format!("{:<10} {:<10} {:<10} {:<10}", "msqid", "owner", "lspid", "lrpid"));
                for m in list {
                    let owner = self.owner10(m.perm.uid);
                    let _ = writeln!(self.out, "{:<8} {owner}  {:>5}     {:>5}", m.id, m.lspid, m.lrpid);
                }
            }
            Format::Creator => {
                self.line("------ Message Queues Creators/Owners --------");
                self.creator_header("msqid");
                for m in list {
                    self.creator_row(m.id, m.perm.mode, [m.perm.cuid, m.perm.cgid, m.perm.uid, m.perm.gid]);
                }
            }
            _ => {
                self.line("------ Message Queues --------");
                let size = if is_human { "size" } else { "used-bytes" };
                self.line(&format!(
                    "{:<10} {:<10} {:<10} {:<10} {:<12} {:<12}",
                    "key", "msqid", "owner", "perms", size, "messages"
                ));
                for m in list {
                    let owner = self.owner10(m.perm.uid);
                    let _ = write!(
                        self.out,
                        "0x{:08x} {:<10} {owner} {:<10o} ",
                        m.perm.key as u32,
                        m.id,
                        m.perm.mode & 0o777
                    );
                    if is_human {
                        let _ = write!(self.out, "{:>6}      ", human(m.cbytes));
                    } else {
                        let _ = write!(self.out, "{:<12}", m.cbytes);
                    }
                    let _ = writeln!(self.out, " {:<12}", m.qnum);
                }
            }
        }
    }

    fn shm_list(&mut self, format: Format, list: &[Shm]) {
        let is_human = self.unit == Unit::Human;
        match format {
            Format::Time => {
                self.line("------ Shared Memory Attach/Detach/Change Times --------");
                self.line(&format!(
                    "{:<10} {:<10} {:<20} {:<20} {:<20}",
                    "shmid", "owner", "attached", "detached", "changed"
                ));
                for s in list {
                    let owner = self.owner10(s.perm.uid);
                    let _ = write!(self.out, "{:<10} {owner}", s.id);
                    for t in [s.atime, s.dtime, s.ctime] {
                        let _ = write!(self.out, " {:<20}", ipc_time_short(t));
                    }
                    self.out.push('\n');
                }
            }
            Format::Pid => {
                self.line("------ Shared Memory Creator/Last-op PIDs --------");
                self.line(&format!("{:<10} {:<10} {:<10} {:<10}", "shmid", "owner", "cpid", "lpid"));
                for s in list {
                    let owner = self.owner10(s.perm.uid);
                    let _ = writeln!(self.out, "{:<10} {owner} {:<10} {:<10}", s.id, s.cpid, s.lpid);
                }
            }
            Format::Creator => {
                self.line("------ Shared Memory Segment Creators/Owners --------");
                self.creator_header("shmid");
                for s in list {
                    self.creator_row(s.id, s.perm.mode, [s.perm.cuid, s.perm.cgid, s.perm.uid, s.perm.gid]);
                }
            }
            _ => {
                self.line("------ Shared Memory Segments --------");
                let size = if is_human { "size" } else { "bytes" };
                self.line(&format!(
                    "{:<10} {:<10} {:<10} {:<10} {:<10} {:<10} {:<12}",
                    "key", "shmid", "owner", "perms", size, "nattch", "status"
                ));
                for s in list {
                    let owner = self.owner10(s.perm.uid);
                    let _ = write!(
                        self.out,
                        "0x{:08x} {:<10} {owner} {:<10o} ",
                        s.perm.key as u32,
                        s.id,
                        s.perm.mode & 0o777
                    );
                    if is_human {
                        let _ = write!(self.out, "{:>6}    ", human(s.size));
                    } else {
                        let _ = write!(self.out, "{:<10}", s.size);
                    }
                    let dest = if s.perm.mode & SHM_DEST != 0 { "dest" } else { " " };
                    let locked = if s.perm.mode & SHM_LOCKED != 0 { "locked" } else { " " };
                    let _ = writeln!(self.out, " {:<10} {dest:<6} {locked:<6}", s.nattch);
                }
            }
        }
    }

    fn sem_list(&mut self, format: Format, list: &[Sem]) {
        match format {
            Format::Time => {
                self.line("------ Semaphore Operation/Change Times --------");
                self.line(&format!("{:<8} {:<10} {:<26} {:<26}", "semid", "owner", "last-op", "last-changed"));
                for s in list {
                    let owner = self.owner10(s.perm.uid);
                    let _ = writeln!(
                        self.out,
                        "{:<8} {owner}  {:<26} {:<26}",
                        s.id,
                        cut(&ipc_time(s.otime), 24),
                        cut(&ipc_time(s.ctime), 24)
                    );
                }
            }
            // util-linux has no pid view of semaphores: not even a title
            Format::Pid => {}
            Format::Creator => {
                self.line("------ Semaphore Arrays Creators/Owners --------");
                self.creator_header("semid");
                for s in list {
                    self.creator_row(s.id, s.perm.mode, [s.perm.cuid, s.perm.cgid, s.perm.uid, s.perm.gid]);
                }
            }
            _ => {
                self.line("------ Semaphore Arrays --------");
                self.line(&format!("{:<10} {:<10} {:<10} {:<10} {:<10}", "key", "semid", "owner", "perms", "nsems"));
                for s in list {
                    let owner = self.owner10(s.perm.uid);
                    let _ = writeln!(
                        self.out,
                        "0x{:08x} {:<10} {owner} {:<10o} {:<10}",
                        s.perm.key as u32,
                        s.id,
                        s.perm.mode & 0o777,
                        s.nsems
                    );
                }
            }
        }
    }

    fn creator_header(&mut self, id: &str) {
        self.line(&format!("{:<10} {:<10} {:<10} {:<10} {:<10} {:<10}", id, "perms", "cuid", "cgid", "uid", "gid"));
    }

    /// `-c` rows: names are not cut here.
    fn creator_row(&mut self, id: i32, mode: u32, [cuid, cgid, uid, gid]: [u32; 4]) {
        let cols = [self.user(cuid), self.group(cgid), self.user(uid), self.group(gid)];
        let _ = write!(self.out, "{id:<10} {:<10o}", mode & 0o777);
        for c in cols {
            let _ = write!(self.out, " {c:<10}");
        }
        self.out.push('\n');
    }

    /// `<label> (bytes) = N`, `<label> (kbytes) = N` or `<label> = 1.5K`.
    fn size_line(&mut self, label: &str, bytes: u64, kbytes: Option<u64>) {
        let _ = match (self.unit, kbytes) {
            (Unit::Human, _) => writeln!(self.out, "{label} = {}", human(bytes)),
            (Unit::Default, Some(k)) => writeln!(self.out, "{label} (kbytes) = {k}"),
            _ => writeln!(self.out, "{label} (bytes) = {bytes}"),
        };
    }

    fn msg_limits(&mut self, l: &MsgLimits) {
        self.line("------ Messages Limits --------");
        let _ = writeln!(self.out, "max queues system wide = {}", l.msgmni);
        self.size_line("max size of message", l.msgmax, None);
        self.size_line("default max size of queue", l.msgmnb, None);
    }

    fn shm_limits(&mut self, l: &ShmLimits) {
        let page = page_size();
        self.line("------ Shared Memory Limits --------");
        let _ = writeln!(self.out, "max number of segments = {}", l.shmmni);
        self.size_line("max seg size", l.shmmax, Some(l.shmmax / 1024));
        // shmall is in pages; an overflowing product is clamped to the
        // largest multiple of the factor, as util-linux does
        let total = |factor: u64| l.shmall.checked_mul(factor).unwrap_or(u64::MAX - u64::MAX % factor.max(1));
        let (bytes, kbytes) = (total(page), total(page / 1024));
        self.size_line("max total shared memory", bytes, Some(kbytes));
        self.size_line("min seg size", l.shmmin, None);
    }

    fn sem_limits(&mut self, l: &SemLimits) {
        self.line("------ Semaphore Limits --------");
        let _ = writeln!(self.out, "max number of arrays = {}", l.semmni);
        let _ = writeln!(self.out, "max semaphores per array = {}", l.semmsl);
        let _ = writeln!(self.out, "max semaphores system wide = {}", l.semmns);
        let _ = writeln!(self.out, "max ops per semop call = {}", l.semopm);
        let _ = writeln!(self.out, "semaphore max value = {}", l.semvmx);
    }

    fn msg_status(&mut self, s: &MsgStatus) {
        self.line("------ Messages Status --------");
        let _ = writeln!(self.out, "allocated queues = {}", s.queues);
        let _ = writeln!(self.out, "used headers = {}", s.headers);
        let _ = match self.unit {
            Unit::Human => writeln!(self.out, "used space = {}", human(s.bytes)),
            Unit::Bytes => writeln!(self.out, "used space (bytes) = {}", s.bytes),
            Unit::Default => writeln!(self.out, "used space = {} bytes", s.bytes),
        };
    }

    fn shm_status(&mut self, s: &ShmStatus) {
        self.line("------ Shared Memory Status --------");
        let _ = writeln!(self.out, "segments allocated {}", s.used_ids);
        let _ = writeln!(self.out, "pages allocated {}", s.shm_tot);
        let _ = writeln!(self.out, "pages resident  {}", s.shm_rss);
        let _ = writeln!(self.out, "pages swapped   {}", s.shm_swp);
        let _ = writeln!(self.out, "Swap performance: {} attempts\t {} successes", s.swap_attempts, s.swap_successes);
    }

    fn sem_status(&mut self, s: &SemStatus) {
        self.line("------ Semaphore Status --------");
        let _ = writeln!(self.out, "used arrays = {}", s.arrays);
        let _ = writeln!(self.out, "allocated semaphores = {}", s.semaphores);
    }

    fn one_shm(&mut self, s: &Shm) {
        self.line(&format!("Shared memory Segment shmid={}", s.id));
        let p = &s.perm;
        let _ = writeln!(self.out, "uid={}\tgid={}\tcuid={}\tcgid={}", p.uid, p.gid, p.cuid, p.cgid);
        let _ = writeln!(self.out, "mode={}\taccess_perms={}", alt_octal(p.mode), alt_octal(p.mode & 0o777));
        let _ = match self.unit {
            Unit::Human => write!(self.out, "size={}\t", human(s.size)),
            _ => write!(self.out, "bytes={}\t", s.size),
        };
        let _ = writeln!(self.out, "lpid={}\tcpid={}\tnattch={}", s.lpid, s.cpid, s.nattch);
        let _ = writeln!(self.out, "att_time={:<26}", cut(&ipc_time(s.atime), 24));
        let _ = writeln!(self.out, "det_time={:<26}", cut(&ipc_time(s.dtime), 24));
        let _ = writeln!(self.out, "change_time={:<26}", cut(&ipc_time(s.ctime), 24));
    }

    fn one_msg(&mut self, m: &Msg) {
        self.line(&format!("Message Queue msqid={}", m.id));
        let p = &m.perm;
        let _ = writeln!(
            self.out,
            "uid={}\tgid={}\tcuid={}\tcgid={}\tmode={}",
            p.uid,
            p.gid,
            p.cuid,
            p.cgid,
            alt_octal(p.mode)
        );
        let qbytes = m.qbytes.unwrap_or(0);
        let _ = match self.unit {
            Unit::Human => write!(self.out, "csize={}\tqsize={}\t", human(m.cbytes), human(qbytes)),
            _ => write!(self.out, "cbytes={}\tqbytes={}\t", m.cbytes, qbytes),
        };
        let _ = writeln!(self.out, "qnum={}\tlspid={}\tlrpid={}", m.qnum, m.lspid, m.lrpid);
        let _ = writeln!(self.out, "send_time={:<26}", cut(&ipc_time(m.stime), 24));
        let _ = writeln!(self.out, "rcv_time={:<26}", cut(&ipc_time(m.rtime), 24));
        let _ = writeln!(self.out, "change_time={:<26}", cut(&ipc_time(m.ctime), 24));
    }

    fn one_sem(&mut self, s: &Sem, values: &[SemValue]) {
        self.line(&format!("Semaphore Array semid={}", s.id));
        let p = &s.perm;
        let _ = writeln!(self.out, "uid={}\t gid={}\t cuid={}\t cgid={}", p.uid, p.gid, p.cuid, p.cgid);
        let _ = writeln!(self.out, "mode={}, access_perms={}", alt_octal(p.mode), alt_octal(p.mode & 0o777));
        let _ = writeln!(self.out, "nsems = {}", s.nsems);
        let _ = writeln!(self.out, "otime = {:<26}", cut(&ipc_time(s.otime), 24));
        let _ = writeln!(self.out, "ctime = {:<26}", cut(&ipc_time(s.ctime), 24));
        self.line(&format!("{:<10} {:<10} {:<10} {:<10} {:<10}", "semnum", "value", "ncount", "zcount", "pid"));
        for (n, v) in values.iter().enumerate() {
            let _ = writeln!(self.out, "{n:<10} {:<10} {:<10} {:<10} {:<10}", v.value, v.ncount, v.zcount, v.pid);
        }
    }
}

/// The system page size (for `shmall`, which counts pages).
pub fn page_size() -> u64 {
    match nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE) {
        Ok(Some(n)) if n > 0 => n as u64,
        _ => 4096,
    }
}

/// Render a report in util-linux's layout; `first`: the report is the
/// first part of the output, which starts with a blank line.
pub fn render(plan: &Plan, report: &Report, names: &mut NameCache, first: bool) -> String {
    let mut out = Out::collect();
    render_into(plan, report, names, first, &mut out);
    out.into_string()
}

/// [`render`] into `out`.
pub fn render_into(plan: &Plan, report: &Report, names: &mut NameCache, first: bool, out: &mut Out<'_>) {
    let mut t = Text { out, names, unit: plan.unit, headings: !plan.noheadings };
    // the blank line that starts the output (none for an unknown -i id)
    if first && !matches!(report, Report::NotFound(..)) && t.headings {
        t.out.push('\n');
    }
    match report {
        Report::Lists { msg, shm, sem } => {
            if let Some(l) = msg {
                t.msg_list(plan.format, l);
                t.end_section();
            }
            if let Some(l) = shm {
                t.shm_list(plan.format, l);
                t.end_section();
            }
            if let Some(l) = sem {
                t.sem_list(plan.format, l);
                t.end_section();
            }
        }
        Report::Limits { msg, shm, sem } => {
            if let Some(l) = msg {
                t.msg_limits(l);
                t.end_section();
            }
            if let Some(l) = shm {
                t.shm_limits(l);
                t.end_section();
            }
            if let Some(l) = sem {
                t.sem_limits(l);
                t.end_section();
            }
        }
        Report::Summary { msg, shm, sem } => {
            if let Some(s) = msg {
                t.msg_status(s);
                t.end_section();
            }
            if let Some(s) = shm {
                t.shm_status(s);
                t.end_section();
            }
            if let Some(s) = sem {
                t.sem_status(s);
                t.end_section();
            }
        }
        Report::OneShm(s) => {
            t.one_shm(s);
            t.end_section();
        }
        Report::OneMsg(m) => {
            t.one_msg(m);
            t.end_section();
        }
        Report::OneSem(s, v) => {
            t.one_sem(s, v);
            t.end_section();
        }
        Report::NotFound(..) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sysv::Perm;

    fn plan(format: Format, unit: Unit) -> Plan {
        Plan {
            msg: true,
            shm: true,
            sem: true,
            format,
            unit,
            id: None,
            output: super::super::Output::Text,
            noheadings: false,
        }
    }

    #[test]
    fn empty_listing_layout() {
        let r = Report::Lists { msg: Some(vec![]), shm: Some(vec![]), sem: Some(vec![]) };
        let s = render(&plan(Format::Default, Unit::Default), &r, &mut NameCache::new(), true);
        assert_eq!(
            s,
            "\n------ Message Queues --------\nkey        msqid      owner      perms      used-bytes   messages    \n\n\
             ------ Shared Memory Segments --------\nkey        shmid      owner      perms      bytes      nattch     status      \n\n\
             ------ Semaphore Arrays --------\nkey        semid      owner      perms      nsems     \n\n"
        );
        let s = render(
            &plan(Format::Pid, Unit::Default),
            &Report::Lists { msg: None, shm: None, sem: Some(vec![]) },
            &mut NameCache::new(),
            true,
        );
        assert_eq!(s, "\n\n");
    }

    #[test]
    fn rows_and_limits() {
        let perm = Perm { key: -1, uid: 0, gid: 0, cuid: 0, cgid: 0, mode: 0o1600 };
        let shm = Shm { id: 3, perm, size: 1536, nattch: 1, ..Shm::default() };
        let r = Report::Lists { msg: None, shm: Some(vec![shm]), sem: None };
        let s = render(&plan(Format::Default, Unit::Human), &r, &mut NameCache::new(), true);
        assert!(
            s.contains("0xffffffff 3          root       600          1.5K     1          dest         \n"),
            "{s:?}"
        );
        let l = ShmLimits { shmmni: 4096, shmmax: 18446744073692774399, shmall: 18446744073692774399, shmmin: 1 };
        let r = Report::Limits { msg: None, shm: Some(l), sem: None };
        let s = render(&plan(Format::Limits, Unit::Default), &r, &mut NameCache::new(), true);
        assert!(s.contains("max seg size (kbytes) = 18014398509465599\n"), "{s}");
        if page_size() == 4096 {
            assert!(s.contains("max total shared memory (kbytes) = 18446744073709551612\n"), "{s}");
            let s = render(&plan(Format::Limits, Unit::Bytes), &r, &mut NameCache::new(), true);
            assert!(s.contains("max total shared memory (bytes) = 18446744073709547520\n"), "{s}");
        }
    }

    #[test]
    fn octal_like_c() {
        assert_eq!(alt_octal(0), "0");
        assert_eq!(alt_octal(0o644), "0644");
        assert_eq!(alt_octal(0o1644), "01644");
    }
}
