//! ipcs-rs: show System V IPC objects, their limits and their usage.
//!
//! The text layouts are util-linux's, byte for byte ([`text`]); `--json`
//! and `--raw` are machine-readable forms of the same data ([`machine`]).

use std::ffi::{OsStr, OsString};
use std::io::Write;

use nsutils_common::cli::{self, Build, Mode, Opt, Spec, Values};
use nsutils_common::error::warn;
use nsutils_common::parse::parse_i32;
use nsutils_common::users::NameCache;
use nsutils_common::{prog, Error, Result};

use crate::sysv::{self, Kind};

pub mod machine;
pub mod text;

/// Text being rendered. Rendered for stdout, it goes out in 64 KiB pieces
/// as it grows, so a listing of tens of thousands of objects is never held
/// whole in memory beside the records it is made of; rendered for a test,
/// it is collected. (Pieces, not each fragment written through stdout's
/// buffer: that measured 3–8% slower on 30,000 objects, and a piece as large
/// as that buffer goes past it in one write.)
pub struct Out<'a> {
    buf: String,
    sink: Option<&'a mut dyn std::io::Write>,
    error: Option<std::io::Error>,
}

impl<'a> Out<'a> {
    const PIECE: usize = 64 * 1024;

    /// Collect everything (see [`Out::into_string`]).
    pub fn collect() -> Out<'static> {
        Out { buf: String::new(), sink: None, error: None }
    }

    /// Write to `sink` as the text grows (see [`Out::finish`]).
    pub fn to(sink: &'a mut dyn std::io::Write) -> Out<'a> {
        Out { buf: String::with_capacity(Self::PIECE + 4096), sink: Some(sink), error: None }
    }

    /// Append one character.
    pub fn push(&mut self, c: char) {
        self.buf.push(c);
        self.spill();
    }

    /// Append text.
    pub fn push_str(&mut self, s: &str) {
        self.buf.push_str(s);
        self.spill();
    }

    fn spill(&mut self) {
        if self.buf.len() >= Self::PIECE {
            self.write_out();
        }
    }

    fn write_out(&mut self) {
        if let Some(sink) = self.sink.as_mut() {
            // after an error the rest is dropped: finish reports the error
            if self.error.is_none() {
                self.error = sink.write_all(self.buf.as_bytes()).err();
            }
            self.buf.clear();
        }
    }

    /// Write what is left to the sink; the first write error, if any.
    pub fn finish(mut self) -> std::io::Result<()> {
        self.write_out();
        self.error.map_or(Ok(()), Err)
    }

    /// The collected text.
    pub fn into_string(self) -> String {
        self.buf
    }
}

impl std::fmt::Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.push_str(s);
        Ok(())
    }
}

/// The options of `ipcs-rs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Id {
    /// `-i`, `--id`.
    ObjectId,
    /// `-m`, `--shmems`.
    Shmems,
    /// `-q`, `--queues`.
    Queues,
    /// `-s`, `--semaphores`.
    Semaphores,
    /// `-a`, `--all`.
    All,
    /// `-t`, `--time`.
    Time,
    /// `-p`, `--pid`.
    Pid,
    /// `-c`, `--creator`.
    Creator,
    /// `-l`, `--limits`.
    Limits,
    /// `-u`, `--summary`.
    Summary,
    /// `--human`.
    Human,
    /// `-b`, `--bytes`.
    Bytes,
    /// `--json`.
    Json,
    /// `--raw`.
    Raw,
    /// `--noheadings`.
    Noheadings,
}

const OPTS: &[Opt<Id>] = &[
    Opt::required(Id::ObjectId, Some('i'), "id", "<id>", "show details of the object with <id>")
        .values(Values::IpcIds(None)),
    Opt::flag(Id::Shmems, Some('m'), "shmems", "shared memory segments").in_section(1),
    Opt::flag(Id::Queues, Some('q'), "queues", "message queues").in_section(1),
    Opt::flag(Id::Semaphores, Some('s'), "semaphores", "semaphore sets").in_section(1),
    Opt::flag(Id::All, Some('a'), "all", "all three (the default)").in_section(1),
    Opt::flag(Id::Time, Some('t'), "time", "attach, detach and change times").in_section(2),
    Opt::flag(Id::Pid, Some('p'), "pid", "creator and last-operation PIDs").in_section(2),
    Opt::flag(Id::Creator, Some('c'), "creator", "creators and owners").in_section(2),
    Opt::flag(Id::Limits, Some('l'), "limits", "system limits").in_section(2),
    Opt::flag(Id::Summary, Some('u'), "summary", "current usage").in_section(2),
    Opt::flag(Id::Human, None, "human", "sizes in human-readable units").in_section(3),
    Opt::flag(Id::Bytes, Some('b'), "bytes", "sizes in bytes").in_section(3),
    Opt::flag(Id::Json, None, "json", "JSON output (every field, numbers as numbers)").in_section(4),
    Opt::flag(Id::Raw, None, "raw", "one line per object, fields separated by spaces").in_section(4),
    Opt::flag(Id::Noheadings, None, "noheadings", "print no titles or column headings").in_section(4),
];

/// The command line of `ipcs-rs`.
pub const SPEC: Spec<Id> = Spec {
    name: "ipcs-rs",
    usage: &["[resource-option...] [output-option]", "-m|-q|-s -i <id>"],
    about: "Show information on IPC facilities.",
    opts: OPTS,
    section_titles: &[
        "",
        "Resource options:",
        "Output formats (the last one wins):",
        "Sizes (the last one wins):",
        "Machine-readable output:",
    ],
    after_help: "",
    man: "ipcs-rs(1)",
    mode: Mode::Permute,
    operands: Values::Nothing,
    getopt_order: &[],
};

/// Which view of the objects to print (only the last of `-t -p -c -l -u`
/// counts, as in util-linux).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// The listing.
    Default,
    /// `-t`: times.
    Time,
    /// `-p`: pids.
    Pid,
    /// `-c`: creators and owners.
    Creator,
    /// `-l`: limits.
    Limits,
    /// `-u`: usage summary.
    Summary,
}

/// How sizes are shown (the last of `-b` and `--human` counts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// util-linux's default: kilobytes for the shared memory limits,
    /// bytes elsewhere.
    Default,
    /// `-b`.
    Bytes,
    /// `--human`.
    Human,
}

/// Text, JSON or raw output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// util-linux's layouts.
    Text,
    /// `--json`.
    Json,
    /// `--raw`.
    Raw,
}

/// A validated command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Show message queues.
    pub msg: bool,
    /// Show shared memory.
    pub shm: bool,
    /// Show semaphores.
    pub sem: bool,
    /// The view.
    pub format: Format,
    /// Size units.
    pub unit: Unit,
    /// `-i`: one object.
    pub id: Option<i32>,
    /// Output form.
    pub output: Output,
    /// `--noheadings`.
    pub noheadings: bool,
}

/// The option stage of `ipcs-rs`: options as util-linux's loop meets them
/// ([`Build::take`]), then the checks after it ([`Build::finish`]).
pub struct Builder {
    plan: Plan,
    json: bool,
    raw: bool,
}

impl Default for Builder {
    /// Nothing chosen yet: every resource, the listing, in text.
    fn default() -> Builder {
        Builder {
            plan: Plan {
                msg: false,
                shm: false,
                sem: false,
                format: Format::Default,
                unit: Unit::Default,
                id: None,
                output: Output::Text,
                noheadings: false,
            },
            json: false,
            raw: false,
        }
    }
}

impl Build<Id> for Builder {
    type Plan = Plan;

    fn take(&mut self, id: Id, value: Option<&OsStr>) -> Result<()> {
        let p = &mut self.plan;
        match id {
            Id::ObjectId => {
                let arg = cli::text(value);
                p.id = Some(parse_i32(&arg, 10).map_err(|e| e.to_error("failed to parse id argument", &arg))?);
            }
            Id::Shmems => p.shm = true,
            Id::Queues => p.msg = true,
            Id::Semaphores => p.sem = true,
            Id::All => (p.msg, p.shm, p.sem) = (true, true, true),
            Id::Time => p.format = Format::Time,
            Id::Pid => p.format = Format::Pid,
            Id::Creator => p.format = Format::Creator,
            Id::Limits => p.format = Format::Limits,
            Id::Summary => p.format = Format::Summary,
            Id::Human => p.unit = Unit::Human,
            Id::Bytes => p.unit = Unit::Bytes,
            Id::Json => self.json = true,
            Id::Raw => self.raw = true,
            Id::Noheadings => p.noheadings = true,
        }
        Ok(())
    }

    /// The checks after the loop; extra operands are ignored, as util-linux does.
    fn finish(self, _operands: Vec<OsString>) -> Result<Plan> {
        let mut p = self.plan;
        if self.json && self.raw {
            return Err(Error::msg("options --json and --raw cannot be combined"));
        }
        p.output = if self.json {
            Output::Json
        } else if self.raw {
            Output::Raw
        } else {
            Output::Text
        };
        if p.id.is_some() && [p.msg, p.shm, p.sem].iter().filter(|&&b| b).count() != 1 {
            return Err(Error::msg("when using an ID, a single resource must be specified"));
        }
        if !(p.msg || p.shm || p.sem) {
            (p.msg, p.shm, p.sem) = (true, true, true);
        }
        Ok(p)
    }
}

/// Everything one run shows, read from the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// Object lists (the listing, `-t`, `-p`, `-c`), `None` = not asked for.
    Lists {
        /// Message queues.
        msg: Option<Vec<sysv::Msg>>,
        /// Shared memory segments.
        shm: Option<Vec<sysv::Shm>>,
        /// Semaphore sets.
        sem: Option<Vec<sysv::Sem>>,
    },
    /// `-l`.
    Limits {
        /// Message queue limits.
        msg: Option<sysv::MsgLimits>,
        /// Shared memory limits.
        shm: Option<sysv::ShmLimits>,
        /// Semaphore limits.
        sem: Option<sysv::SemLimits>,
    },
    /// `-u`.
    Summary {
        /// Message queue usage.
        msg: Option<sysv::MsgStatus>,
        /// Shared memory usage.
        shm: Option<sysv::ShmStatus>,
        /// Semaphore usage.
        sem: Option<sysv::SemStatus>,
    },
    /// `-i`: one segment.
    OneShm(sysv::Shm),
    /// `-i`: one queue.
    OneMsg(sysv::Msg),
    /// `-i`: one semaphore set and its semaphores.
    OneSem(sysv::Sem, Vec<sysv::SemValue>),
    /// `-i` with an id that does not exist.
    NotFound(Kind, i32),
}

/// Read what the plan asks for (and nothing more). Fails only when the
/// semaphores of `-i` cannot be read (`semctl(GETVAL) failed: …`).
pub fn gather(plan: &Plan) -> Result<Report> {
    let pick = |want: bool, k: Kind| if want { Some(k) } else { None };
    if let Some(id) = plan.id {
        let kind = [pick(plan.shm, Kind::Shm), pick(plan.msg, Kind::Msg), pick(plan.sem, Kind::Sem)]
            .into_iter()
            .flatten()
            .next()
            .unwrap_or(Kind::Shm);
        let found = match kind {
            Kind::Shm => sysv::find_shm(id).map(Report::OneShm),
            Kind::Msg => sysv::find_msg(id).map(Report::OneMsg),
            Kind::Sem => match sysv::find_sem(id) {
                Some(s) => {
                    let values = sysv::sem_values(s.id, s.nsems)
                        .map_err(|(cmd, e)| Error::os(format!("semctl({cmd}) failed"), &e))?;
                    Some(Report::OneSem(s, values))
                }
                None => None,
            },
        };
        return Ok(found.unwrap_or(Report::NotFound(kind, id)));
    }
    Ok(match plan.format {
        Format::Limits => Report::Limits {
            msg: plan.msg.then(sysv::msg_limits),
            shm: plan.shm.then(sysv::shm_limits),
            sem: plan.sem.then(sysv::sem_limits),
        },
        Format::Summary => Report::Summary {
            msg: plan.msg.then(sysv::msg_status),
            shm: plan.shm.then(sysv::shm_status),
            sem: plan.sem.then(sysv::sem_status),
        },
        // util-linux prints nothing for the semaphores' pids; don't read them
        Format::Pid if plan.output == Output::Text => Report::Lists {
            msg: plan.msg.then(sysv::list_msg),
            shm: plan.shm.then(sysv::list_shm),
            sem: plan.sem.then(Vec::new),
        },
        _ => Report::Lists {
            msg: plan.msg.then(sysv::list_msg),
            shm: plan.shm.then(sysv::list_shm),
            sem: plan.sem.then(sysv::list_sem),
        },
    })
}

impl Plan {
    /// The plan split by resource, in the order they are printed (queues,
    /// segments, semaphores), each part asking for one; `-i` is one part.
    /// Each part is read and printed before the next is read, as util-linux
    /// does, so only one kind's objects are held at a time.
    fn parts(&self) -> Vec<Plan> {
        if self.id.is_some() {
            return vec![*self];
        }
        let one = |msg, shm, sem| Plan { msg, shm, sem, ..*self };
        [(self.msg, one(true, false, false)), (self.shm, one(false, true, false)), (self.sem, one(false, false, true))]
            .into_iter()
            .filter_map(|(wanted, part)| wanted.then_some(part))
            .collect()
    }
}

/// Run `ipcs-rs` with the arguments after argv\[0\]; returns the exit status.
pub fn run(args: Vec<OsString>) -> Result<i32> {
    prog::run_tool(&SPEC, &args, Builder::default(), execute)
}

/// Read and print what the plan asks for, one resource at a time.
fn execute(plan: Plan) -> Result<i32> {
    let mut names = NameCache::new();
    let mut stdout = prog::stdout();
    for (i, part) in plan.parts().iter().enumerate() {
        let first = i == 0;
        let report = gather(part)?;
        if let Report::NotFound(_, id) = report {
            warn(format!("id {id} not found"));
        }
        let mut out = Out::to(&mut stdout);
        match plan.output {
            Output::Text => text::render_into(part, &report, &mut names, first, &mut out),
            Output::Json => {
                out.push_str(if first { "{\n" } else { ",\n" });
                machine::json_members_into(&report, &mut names, &mut out);
            }
            Output::Raw => machine::raw_into(&report, plan.noheadings, &mut names, &mut out),
        }
        // a uid shown as a number because /etc/passwd could not be read
        // (no descriptor left) is a wrong answer, not a nameless user
        names.check()?;
        out.finish().map_err(|e| prog::write_error(&e))?;
    }
    if plan.output == Output::Json {
        stdout.write_all(b"\n}\n").map_err(|e| prog::write_error(&e))?;
    }
    stdout.finish()?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use nsutils_common::cli::{os_args, Outcome};

    fn plan_of(args: &[&str]) -> Result<Plan> {
        match SPEC.build(&os_args(args), Builder::default())? {
            Outcome::Run(plan) => Ok(plan),
            other => panic!("{args:?}: {other:?}"),
        }
    }

    #[test]
    fn defaults_and_last_wins() {
        let p = plan_of(&[]).unwrap();
        assert!(p.msg && p.shm && p.sem);
        assert_eq!((p.format, p.unit, p.output), (Format::Default, Unit::Default, Output::Text));
        let p = plan_of(&["-m", "-t", "-c", "--human", "-b"]).unwrap();
        assert!(p.shm && !p.msg && !p.sem);
        assert_eq!((p.format, p.unit), (Format::Creator, Unit::Bytes));
        assert_eq!(plan_of(&["-l", "-u"]).unwrap().format, Format::Summary);
    }

    #[test]
    fn id_needs_one_resource() {
        assert_eq!(plan_of(&["-m", "-i", "5"]).unwrap().id, Some(5));
        for bad in [&["-i", "0"][..], &["-m", "-q", "-i", "0"], &["-a", "-i", "0"]] {
            assert_eq!(plan_of(bad).unwrap_err().message(), "when using an ID, a single resource must be specified");
        }
        assert_eq!(plan_of(&["-i", "abc", "-m"]).unwrap_err().message(), "failed to parse id argument: 'abc'");
        assert_eq!(
            plan_of(&["-m", "-i", "99999999999"]).unwrap_err().message(),
            "failed to parse id argument: '99999999999': Numerical result out of range"
        );
        assert_eq!(plan_of(&["-i", "abc", "--bogus"]).unwrap_err().message(), "failed to parse id argument: 'abc'");
        assert_eq!(plan_of(&["-i", "0", "--bogus"]).unwrap_err().message(), "unrecognized option '--bogus'");
    }

    #[test]
    fn parts_one_resource_each_in_print_order() {
        let kinds = |args: &[&str]| -> Vec<(bool, bool, bool)> {
            plan_of(args).unwrap().parts().iter().map(|p| (p.msg, p.shm, p.sem)).collect()
        };
        let all = vec![(true, false, false), (false, true, false), (false, false, true)];
        assert_eq!(kinds(&[]), all);
        assert_eq!(kinds(&["-s", "-m", "-l"]), all[1..]);
        assert_eq!(kinds(&["-q", "-i", "3"]), all[..1]);
        let p = plan_of(&["-m", "-t", "--human", "--noheadings"]).unwrap();
        assert_eq!(p.parts(), vec![p]);
    }

    #[test]
    fn machine_modes() {
        assert_eq!(plan_of(&["--json"]).unwrap().output, Output::Json);
        assert_eq!(plan_of(&["--raw", "--noheadings"]).unwrap().output, Output::Raw);
        assert_eq!(plan_of(&["--json", "--raw"]).unwrap_err().message(), "options --json and --raw cannot be combined");
    }
}
