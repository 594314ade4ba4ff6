//! From discovered namespaces to lsns' rows: which rows, in which order,
//! nested how, with which cell values.
//!
//! * Namespace rows are sorted by inode. In the process tree a row goes
//!   under the row printed last for the parent process of its (lowest-PID)
//!   process; in the owner/parent trees under the owning/parent namespace's
//!   row. The owner's row is printed first if it is not yet (in both
//!   trees), and in the parent tree also the parent's.
//! * For a namespace operand, one row per process in it, in PID order.
//! * `-p` and `-P` select rows; a tree still shows the ancestors of a
//!   selected row, as upstream does for `-p`, but only of the types asked
//!   for (`-t`): an owner or parent of another type is not shown, and its
//!   children are roots. `-Q` hides rows as upstream's print-time filter
//!   does (see [`Builder`]).

use std::io::Write;

use nsutils_common::intmap::IntMap;
use nsutils_common::ns::NsType;
use nsutils_common::table::{Column, Format, RowId, Style, Table};
use nsutils_common::users::NameCache;
use nsutils_common::{prog, Error, Result};

use crate::columns::Col;
use crate::filter::Cell;
use crate::options::{Plan, Tree};
use crate::scan::{Discovery, Need};

/// The JSON root key of lsns.
const JSON_ROOT: &str = "namespaces";

/// The style for stdout: truncation only on a terminal.
fn style(format: Format, headings: bool, json_root: &'static str) -> Style {
    Style { headings, ..Style::for_stdout(format, json_root) }
}

fn print(t: &Table, style: &Style) -> Result<()> {
    let mut out = prog::stdout();
    t.print(&mut out, style).map_err(|e| prog::write_error(&e))?;
    out.finish()
}

/// `-H`: every column, its type and what it shows.
pub fn list_columns(format: Format) -> Result<i32> {
    let cols = vec![Column::new("HOLDER").right(), Column::new("TYPE"), Column::new("DESCRIPTION")];
    let mut t = Table::new(cols);
    for c in Col::ALL {
        t.add_row(None);
        t.push(c.name());
        t.push(if c.is_number() { "<integer>" } else { "<string>" });
        t.push(c.help());
    }
    print(&t, &style(format, false, "lsns-columns"))?;
    Ok(0)
}

/// The row being built: which namespace, which process.
#[derive(Clone, Copy)]
struct Subject {
    ns: usize,
    pid: Option<u32>,
}

/// Cell values of the current row, computed only for the columns used.
struct Cells {
    used: [bool; 13],
    vals: [Vec<u8>; 13],
    need: Need,
    nowrap: bool,
    names: NameCache,
}

impl Cells {
    fn compute(&mut self, d: &mut Discovery, s: Subject) {
        for c in Col::ALL {
            if self.used[c as usize] {
                let mut v = std::mem::take(&mut self.vals[c as usize]);
                v.clear();
                self.value(d, c, s, &mut v);
                self.vals[c as usize] = v;
            }
        }
    }

    fn value(&mut self, d: &mut Discovery, col: Col, s: Subject, out: &mut Vec<u8>) {
        let ns = &d.nss[s.ns];
        let (ino, ty, nprocs) = (ns.ino, ns.ty, ns.nprocs);
        match col {
            Col::Ns => push_num(out, ino),
            Col::Type => out.extend_from_slice(ty.name().as_bytes()),
            Col::Path => {
                if let Some(pid) = s.pid {
                    let _ = write!(out, "/proc/{pid}/ns/{ty}");
                }
            }
            Col::Nprocs => push_num(out, nprocs as u64),
            Col::Pid => {
                if let Some(pid) = s.pid {
                    push_num(out, pid as u64);
                }
            }
            Col::Ppid => {
                if let Some(ppid) = s.pid.and_then(|p| d.ppid(p)) {
                    let _ = write!(out, "{ppid}");
                }
            }
            Col::Command => {
                if let Some(pid) = s.pid {
                    out.extend_from_slice(d.command(pid));
                }
            }
            Col::Uid | Col::User => {
                let uid = match s.pid {
                    Some(pid) => d.uid(pid),
                    None => {
                        d.resolve(s.ns, self.need);
                        Some(d.nss[s.ns].owner_uid)
                    }
                };
                if let Some(uid) = uid {
                    if col == Col::Uid {
                        push_num(out, uid as u64);
                    } else {
                        out.extend_from_slice(self.names.user_or_number(uid).as_bytes());
                    }
                }
            }
            Col::Netnsid => {
                if ty == NsType::Net {
                    d.resolve(s.ns, self.need);
                    match d.nss[s.ns].netnsid {
                        Some(-1) => out.extend_from_slice(b"unassigned"),
                        Some(id) => {
                            let _ = write!(out, "{id}");
                        }
                        None => {}
                    }
                }
            }
            Col::Nsfs => {
                let sep = if self.nowrap { b',' } else { b'\n' };
                for (k, p) in d.nsfs(ino).iter().enumerate() {
                    if k > 0 {
                        out.push(sep);
                    }
                    out.extend_from_slice(p);
                }
            }
            Col::Pns | Col::Ons => {
                d.resolve(s.ns, self.need);
                let ns = &d.nss[s.ns];
                push_num(out, if col == Col::Pns { ns.parent } else { ns.owner });
            }
        }
    }

    fn get(&self, c: Col) -> &[u8] {
        &self.vals[c as usize]
    }
}

fn push_num(out: &mut Vec<u8>, n: u64) {
    crate::proc::push_decimal(out, n);
}

/// List namespaces (or the processes of the operand's namespace) as the
/// plan says; returns the exit status.
pub fn list(plan: &Plan) -> Result<i32> {
    let mut used = [false; 13];
    for c in &plan.columns {
        used[*c as usize] = true;
    }
    if let Some(f) = &plan.filter {
        for &h in f.holders() {
            used[h] = true;
        }
    }
    let uses = |c: Col| used[c as usize];
    let ns_tree = plan.namespace.is_none() && matches!(plan.tree, Tree::Owner | Tree::Parent);
    let need = Need {
        relations: uses(Col::Pns) || uses(Col::Ons) || ns_tree,
        ghosts: ns_tree,
        netnsid: uses(Col::Netnsid),
        owner_uid: uses(Col::Uid) || uses(Col::User),
    };
    let mut d = Discovery::new(plan.types).map_err(|e| Error::os("cannot open /proc", &e))?;
    let mut cells = Cells {
        used,
        vals: Default::default(),
        need: Need { ghosts: false, ..need },
        nowrap: plan.nowrap,
        names: NameCache::new(),
    };

    let columns: Vec<Column> = plan
        .columns
        .iter()
        .map(|c| {
            let l = c.layout(plan.notruncate, plan.nowrap);
            match (c, plan.tree) {
                (Col::Command, Tree::Process) => l.tree(),
                (Col::Ns, Tree::Owner | Tree::Parent) if ns_tree => l.tree().left(),
                _ => l,
            }
        })
        .collect();
    // without a tree column rows print in the order they are made, so the
    // process tree needs no parent lookups
    let process_tree = plan.tree == Tree::Process && columns.iter().any(|c| c.tree);
    let mut t = Table::new(columns);

    match plan.namespace {
        Some(target) => {
            d.scan_processes(Some(target), None, false);
            if d.find(target).is_none() {
                // perhaps a namespace no process is in
                d.read_mountinfo();
                d.scan_fds_only();
                d.discover_persistent();
            }
            d.check()?;
            let Some(ns) = d.find(target) else {
                return Err(Error::msg(format!("not found namespace: {target}")));
            };
            if uses(Col::Nsfs) {
                d.read_mountinfo();
            }
            let mut last_row: IntMap<u32, RowId> = IntMap::default();
            for pid in std::mem::take(&mut d.members) {
                let s = Subject { ns, pid: Some(pid) };
                cells.compute(&mut d, s);
                if !passes(plan, &cells) {
                    continue;
                }
                let parent =
                    if process_tree { d.ppid(pid).and_then(|pp| last_row.get(&(pp as u32)).copied()) } else { None };
                let row = add_row(&mut t, &plan.columns, &cells, parent);
                last_row.insert(pid, row);
            }
        }
        None => {
            let persistent_possible = plan.task.is_none();
            d.scan_processes(None, plan.task.map(|p| p as u32), persistent_possible);
            if persistent_possible {
                d.read_mountinfo();
                d.discover_persistent();
            } else if uses(Col::Nsfs) {
                d.read_mountinfo();
            }
            if ns_tree {
                // resolving may add ghost namespaces, which are resolved in turn
                let mut i = 0;
                while i < d.nss.len() {
                    d.resolve(i, need);
                    i += 1;
                }
            }
            let mut order: Vec<usize> = (0..d.nss.len()).collect();
            order.sort_unstable_by_key(|&i| d.nss[i].ino);
            let mut b = Builder {
                plan,
                process_tree,
                rows: vec![None; d.nss.len()],
                last_row: IntMap::default(),
                visited: vec![false; d.nss.len()],
            };
            for i in order {
                if b.visited[i] || !b.selected(&d, i) {
                    continue;
                }
                b.show(&mut d, &mut cells, &mut t, i);
            }
        }
    }
    // an incomplete scan is an error, not a shorter list
    d.check()?;
    cells.names.check()?;
    let st = style(plan.format, plan.headings, JSON_ROOT);
    print(&t, &st)?;
    Ok(d.status)
}

fn passes(plan: &Plan, cells: &Cells) -> bool {
    match &plan.filter {
        Some(f) => f.matches(&mut |id| {
            let c = Col::ALL[id];
            Cell { text: cells.get(c), number: c.is_number() }
        }),
        None => true,
    }
}

fn add_row(t: &mut Table, columns: &[Col], cells: &Cells, parent: Option<RowId>) -> RowId {
    let row = t.add_row(parent);
    for c in columns {
        t.push(cells.get(*c));
    }
    row
}

/// Namespace rows in tree order.
///
/// `-Q` hides rows as upstream does. In the owner and parent trees the
/// rows are made in the order of the whole tree (an owner pulled in first
/// by a namespace the filter hides still comes first) and a row whose
/// owner or parent is hidden is a root; in the process tree a row goes
/// under the row shown last for its parent process.
struct Builder<'p> {
    plan: &'p Plan,
    /// Rows nest under their process's parent's row.
    process_tree: bool,
    /// Each namespace's row; `None` before it is made or when `-Q` hides it.
    rows: Vec<Option<RowId>>,
    /// The row shown last for each process (the process tree).
    last_row: IntMap<u32, RowId>,
    /// Namespaces whose row is made or being made (guards the owner and
    /// parent recursion).
    visited: Vec<bool>,
}

impl Builder<'_> {
    /// Whether a row of namespace `i` may be shown at all: only the types
    /// asked for. The owner and parent trees find namespaces of other
    /// types (the user namespaces owning a `-t net` row); upstream shows
    /// none of them, and a row whose owner is not shown is a root.
    fn wanted(&self, d: &Discovery, i: usize) -> bool {
        self.plan.types.contains(d.nss[i].ty)
    }

    /// Whether namespace `i` is listed (`-t`, `-p`, `-P`; `-Q` is applied
    /// as its row is made).
    fn selected(&self, d: &Discovery, i: usize) -> bool {
        let ns = &d.nss[i];
        self.wanted(d, i)
            && (self.plan.task.is_none() || d.task_inos.contains(&ns.ino))
            && !(self.plan.persistent && ns.nprocs > 0)
    }

    fn show(&mut self, d: &mut Discovery, cells: &mut Cells, t: &mut Table, i: usize) {
        self.visited[i] = true;
        let parent = match self.plan.tree {
            Tree::Owner | Tree::Parent => {
                // upstream prints the owner's row first, in both trees, and
                // in the parent tree also the parent's
                let ns = &d.nss[i];
                let owner = d.find(ns.owner).filter(|_| ns.owner != 0);
                let parent = d.find(ns.parent).filter(|_| ns.parent != 0);
                let first = if self.plan.tree == Tree::Parent { [owner, parent] } else { [owner, None] };
                for rel in first.into_iter().flatten() {
                    if !self.visited[rel] && self.wanted(d, rel) {
                        self.show(d, cells, t, rel);
                    }
                }
                let up = if self.plan.tree == Tree::Owner { owner } else { parent };
                up.and_then(|u| self.rows[u])
            }
            Tree::Process => {
                let pid = d.nss[i].pid;
                if pid == 0 || !self.process_tree {
                    None
                } else {
                    d.ppid(pid).and_then(|pp| self.last_row.get(&(pp as u32)).copied())
                }
            }
            Tree::None => None,
        };
        let pid = d.nss[i].pid;
        cells.compute(d, Subject { ns: i, pid: (pid != 0).then_some(pid) });
        let row = passes(self.plan, cells).then(|| add_row(t, &self.plan.columns, cells, parent));
        self.rows[i] = row;
        if let Some(row) = row.filter(|_| pid != 0) {
            self.last_row.insert(pid, row);
        }
    }
}
