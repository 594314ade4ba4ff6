//! Error-path sweeps against util-linux HEAD: tables of bad command lines,
//! each run through ours and HEAD's tool in the same isolated state and
//! compared byte for byte (stdout, stderr and exit status), after taking
//! out only what differs by nature: nsutils' `hint:` lines, PIDs in
//! `/proc/PID` and what a test's own normalizer names (inodes, keys).
//!
//! A case is one line of shell-like words ([`words`]): blanks separate,
//! single quotes group (`-S ''`, `-t '1 '`), and `{NAME}` is replaced by
//! the test's value for it (a PID, a path, a byte that is not UTF-8). A
//! line that starts with `@nobody` runs as uid and gid 65534, one that
//! starts with `@userns` as root of a new user namespace (`unshare -r`),
//! which owns no other namespace.
//!
//! What is kept different on purpose is listed by the test ([`Kept`]): the
//! case as written in the table, and why (each reason is in the tool's man
//! page, NOTES). A kept case must still differ, so that the list shrinks
//! when a difference goes; every other case must agree. Each case counts
//! as one comparison with HEAD ([`crate::head::record`]).

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use crate::head::{mode_of, record};
use crate::suite::setpriv_nobody;
use crate::{ul_named, util_linux, util_linux_head, without_hints, without_proc_pids, Cmd, Output, Sleeper, TempDir};

/// A case kept different from HEAD on purpose: `(the case as written in the
/// table, why)`.
pub type Kept = (&'static str, &'static str);

/// The words of one case: blanks separate, `'…'` groups (nothing escapes
/// inside), `{NAME}` is `vars`' value for NAME (an unknown name panics).
pub fn words(line: &str, vars: &[(&str, OsString)]) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut cur: Option<Vec<u8>> = None;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            ' ' | '\t' => {
                if let Some(w) = cur.take() {
                    out.push(OsString::from_vec(w));
                }
            }
            '\'' => {
                let w = cur.get_or_insert_with(Vec::new);
                let rest = &line[i + 1..];
                let end = rest.find('\'').unwrap_or_else(|| panic!("unterminated quote in {line:?}"));
                w.extend(substitute(&rest[..end], vars));
                for _ in 0..=rest[..end].chars().count() {
                    chars.next();
                }
            }
            _ => {
                let w = cur.get_or_insert_with(Vec::new);
                let len = line[i..].find([' ', '\t', '\'']).unwrap_or(line.len() - i);
                w.extend(substitute(&line[i..i + len], vars));
                for _ in 1..line[i..i + len].chars().count() {
                    chars.next();
                }
            }
        }
    }
    out.extend(cur.map(OsString::from_vec));
    out
}

/// `text` with every `{NAME}` replaced by its value in `vars`, as one word.
pub fn expand(text: &str, vars: &[(&str, OsString)]) -> OsString {
    OsString::from_vec(substitute(text, vars))
}

/// `text` with every `{NAME}` replaced by its value in `vars`.
fn substitute(text: &str, vars: &[(&str, OsString)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else { break };
        let name = &rest[open + 1..close];
        let value = vars.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no value for {{{name}}}"));
        out.extend_from_slice(&rest.as_bytes()[..open]);
        out.extend_from_slice(value.1.as_encoded_bytes());
        rest = &rest[close + 1..];
    }
    out.extend_from_slice(rest.as_bytes());
    out
}

/// One sweep: the cases of one tool (`ul`, util-linux's name), the
/// differences kept on purpose, and what was found.
pub struct Sweep {
    ul: &'static str,
    head: Cmd,
    kept: &'static [Kept],
    kept_seen: Vec<bool>,
    failures: Vec<String>,
    cases: usize,
    head_stdout: Option<HeadStdout>,
    states: Option<States>,
}

/// What ours' and HEAD's states hold after a case (see
/// [`Sweep::comparing_states`]).
pub type States = Box<dyn Fn() -> (String, String)>;

/// What a sweep takes off HEAD's stdout before comparing: `(key, stdout)`
/// to the stdout to compare (see [`Sweep::taking_off_heads_stdout`]).
pub type HeadStdout = Box<dyn Fn(&str, &str) -> String>;

impl Sweep {
    /// A sweep of `ul` against HEAD, or `None` after a loud skip when the
    /// oracle is missing.
    pub fn new(ul: &'static str, kept: &'static [Kept]) -> Option<Sweep> {
        let head = util_linux_head(ul)?;
        Some(Sweep {
            ul,
            head,
            kept,
            kept_seen: vec![false; kept.len()],
            failures: Vec::new(),
            cases: 0,
            head_stdout: None,
            states: None,
        })
    }

    /// After each case, compare what `f` says the two states (ours, HEAD's)
    /// hold too: a command that fails the same way must have changed the
    /// same, or nothing.
    pub fn comparing_states(mut self, f: States) -> Sweep {
        self.states = Some(f);
        self
    }

    /// Compare what `f(key, stdout)` leaves of HEAD's stdout: for output
    /// HEAD prints by mistake, kept on purpose (the test says why).
    pub fn taking_off_heads_stdout(mut self, f: HeadStdout) -> Sweep {
        self.head_stdout = Some(f);
        self
    }

    /// Run `line` ([`words`]) through ours and HEAD, each wrapped by `wrap`
    /// (the same isolated state), and compare after `normalize` (on top of
    /// the hints and `/proc/PID`).
    pub fn case(
        &mut self,
        line: &str,
        vars: &[(&str, OsString)],
        wrap: &dyn Fn(Cmd) -> Cmd,
        normalize: &dyn Fn(&str) -> String,
    ) {
        self.case_keyed(line, line, vars, wrap, normalize);
    }

    /// [`Sweep::case`] for a case that the kept list names by `key` (when
    /// the same line runs in several states).
    pub fn case_keyed(
        &mut self,
        key: &str,
        line: &str,
        vars: &[(&str, OsString)],
        wrap: &dyn Fn(Cmd) -> Cmd,
        normalize: &dyn Fn(&str) -> String,
    ) {
        let (who, text) = As::of(line);
        self.case_in(key, words(text, vars), who, (wrap, wrap), normalize);
    }

    /// [`Sweep::case_keyed`] with the arguments given as they are (for
    /// values that hold quotes), as uid 65534 when `nobody`.
    pub fn case_argv(
        &mut self,
        key: &str,
        args: Vec<OsString>,
        nobody: bool,
        wrap: &dyn Fn(Cmd) -> Cmd,
        normalize: &dyn Fn(&str) -> String,
    ) {
        let who = if nobody { As::Nobody } else { As::Root };
        self.case_in(key, args, who, (wrap, wrap), normalize);
    }

    /// [`Sweep::case_keyed`] with ours and HEAD each wrapped otherwise
    /// (`wraps`: ours, HEAD's): in states of their own, made the same way,
    /// for commands that change what they work on, or each made to take
    /// the same path.
    pub fn case_apart(
        &mut self,
        key: &str,
        line: &str,
        vars: &[(&str, OsString)],
        wraps: (&dyn Fn(Cmd) -> Cmd, &dyn Fn(Cmd) -> Cmd),
        normalize: &dyn Fn(&str) -> String,
    ) {
        let (who, text) = As::of(line);
        self.case_in(key, words(text, vars), who, wraps, normalize);
    }

    fn case_in(
        &mut self,
        key: &str,
        args: Vec<OsString>,
        who: As,
        (wrap_ours, wrap_head): (&dyn Fn(Cmd) -> Cmd, &dyn Fn(Cmd) -> Cmd),
        normalize: &dyn Fn(&str) -> String,
    ) {
        let run = |cmd: Cmd, wrap: &dyn Fn(Cmd) -> Cmd| {
            let cmd = cmd.args(&args);
            wrap(match who {
                As::Root => cmd,
                As::Nobody => setpriv_nobody(cmd),
                As::UserNs => in_user_namespace(cmd),
            })
            .run()
        };
        let mut ours = run(ul_named(self.ul), wrap_ours);
        let mut head = run(self.head.clone(), wrap_head);
        if let Some(states) = &self.states {
            let (o, h) = states();
            for (run, state) in [(&mut ours, o), (&mut head, h)] {
                let text = format!("--- what the state holds afterwards ---\n{state}");
                run.stdout.push_str(&text);
                run.stdout_bytes.extend_from_slice(text.as_bytes());
            }
        }
        if let Some(f) = &self.head_stdout {
            let kept = f(key, &head.stdout);
            if kept != head.stdout {
                head.stdout_bytes = kept.clone().into_bytes();
                head.stdout = kept;
            }
        }
        self.cases += 1;
        let mode = mode_of(&args);
        record(
            self.ul,
            &match who {
                As::Root => mode,
                As::Nobody => format!("nobody {mode}"),
                As::UserNs => format!("user namespace {mode}"),
            },
        );
        self.judge(key, &ours, &head, normalize);
    }

    /// Compare one case's runs, or note a kept difference.
    fn judge(&mut self, line: &str, ours: &Output, head: &Output, normalize: &dyn Fn(&str) -> String) {
        let norm = |s: &str| normalize(&without_proc_pids(&without_hints(s)));
        let outcome = |o: &Output| (norm(&o.stdout), o.code, o.signal, norm(&o.stderr));
        // stdout as bytes too (the text is decoded lossily), unless the
        // normalizer had something to take out of it
        let untouched = |o: &Output| norm(&o.stdout) == o.stdout;
        let same = outcome(ours) == outcome(head)
            && (ours.stdout_bytes == head.stdout_bytes || !(untouched(ours) && untouched(head)));
        let kept = self.kept.iter().position(|(l, _)| *l == line);
        match (same, kept) {
            (true, None) => {}
            (true, Some(_)) => {
                self.failures.push(format!("{} {line}: now the same as HEAD: take it off the kept list", self.ul))
            }
            (false, Some(k)) => {
                self.kept_seen[k] = true;
                let msg = format!(
                    "\n*** KEPT DIFFERENCE FROM HEAD: {} {line}: {}\n    HEAD: {}    ours: {} ***\n",
                    self.ul,
                    self.kept[k].1,
                    first_line(head),
                    first_line(ours)
                );
                let _ = std::io::Write::write_all(&mut std::io::stderr(), msg.as_bytes());
            }
            (false, None) => self.failures.push(format!(
                "{} {line}\n--- ours (status {:?}{}) ---\n{}{}--- HEAD (status {:?}{}) ---\n{}{}",
                self.ul,
                ours.code,
                ours.signal.map(|s| format!(", signal {s}")).unwrap_or_default(),
                ours.stdout,
                ours.stderr,
                head.code,
                head.signal.map(|s| format!(", signal {s}")).unwrap_or_default(),
                head.stdout,
                head.stderr
            )),
        }
    }

    /// The number of cases run so far.
    pub fn cases(&self) -> usize {
        self.cases
    }

    /// Fail with every case that differs (and every kept case that was not
    /// met: a stale entry); say how many were compared.
    #[track_caller]
    pub fn finish(self) {
        let mut failures = self.failures;
        for (i, seen) in self.kept_seen.iter().enumerate() {
            if !seen && !failures.iter().any(|f| f.contains(self.kept[i].0)) {
                failures.push(format!("{} {}: on the kept list but not in any table", self.ul, self.kept[i].0));
            }
        }
        let line = format!("\n*** {} error-path cases of {} compared with util-linux HEAD ***\n", self.cases, self.ul);
        let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
        assert!(
            failures.is_empty(),
            "{} of {} cases differ from HEAD:\n{}",
            failures.len(),
            self.cases,
            failures.join("\n")
        );
    }
}

/// Who runs a case (the line's prefix).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum As {
    Root,
    /// `@nobody`: uid and gid 65534.
    Nobody,
    /// `@userns`: root of a new user namespace.
    UserNs,
}

impl As {
    fn of(line: &str) -> (As, &str) {
        if let Some(rest) = line.strip_prefix("@nobody ") {
            (As::Nobody, rest)
        } else if let Some(rest) = line.strip_prefix("@userns ") {
            (As::UserNs, rest)
        } else {
            (As::Root, line)
        }
    }
}

/// `cmd` run as root of a new user namespace (util-linux's `unshare -r`),
/// with its argv\[0\].
fn in_user_namespace(cmd: Cmd) -> Cmd {
    let arg0 = cmd.arg0.clone().unwrap_or_else(|| cmd.program.clone().into_os_string());
    let mut w = util_linux("unshare").args(["-r", "bash", "-c", "exec -a \"$0\" \"$@\""]).arg(arg0);
    w.env = cmd.env.clone();
    w.env_clear = cmd.env_clear;
    w.timeout = cmd.timeout;
    w.seccomp = cmd.seccomp.clone();
    w.arg(&cmd.program).args(&cmd.args)
}

/// A directory for cases to name (`{D}`): a file `f`, a directory `d`, a
/// FIFO `fifo`, and a directory `private` (holding `x`) that only root may
/// enter; the directory itself is open to everyone.
pub fn case_files(tag: &str) -> TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new(tag);
    std::fs::write(dir.join("f"), b"").expect("create f");
    std::fs::create_dir_all(dir.join("d")).expect("create d");
    std::fs::create_dir_all(dir.join("private/x")).expect("create private/x");
    std::fs::set_permissions(dir.join("private"), std::fs::Permissions::from_mode(0o700)).expect("chmod private");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod the directory");
    Cmd::new("mkfifo").arg(dir.join("fifo")).run().success();
    dir
}

/// A private PID namespace (with its own /proc, in a private mount
/// namespace) whose init is a sleeping process in a UTS namespace of its
/// own: a tool run inside ([`PidSandbox::wrap`]) sees only that process
/// (PID 1) and itself, whatever other tests start and end beside it.
/// Dropping it kills the init, and with it the namespace.
pub struct PidSandbox {
    init: Sleeper,
}

impl PidSandbox {
    /// Start it. Mounts of ours (a namespace bound on a file) are copied
    /// into it as they are now.
    pub fn new() -> PidSandbox {
        let unshare = util_linux("unshare").args(["--kill-child", "-f", "-p", "--mount-proc", "-m", "-u"]);
        PidSandbox { init: Sleeper::start(unshare.args(["--propagation", "private", "sleep", "1000000"])) }
    }

    /// `cmd` run inside (through util-linux's nsenter, which forks into
    /// the PID namespace), with its environment and argv\[0\].
    pub fn wrap(&self, cmd: Cmd) -> Cmd {
        let pid = self.init.pid().to_string();
        let mut w = util_linux("nsenter").args(["-t", &pid, "-p", "-m"]);
        w.env = cmd.env.clone();
        w.env_clear = cmd.env_clear;
        w.timeout = cmd.timeout;
        let arg0 = cmd.arg0.clone().unwrap_or_else(|| cmd.program.clone().into_os_string());
        w = w.args(["bash", "-c", "exec -a \"$0\" \"$@\""]).arg(arg0).arg(&cmd.program);
        w.args(&cmd.args)
    }
}

impl Default for PidSandbox {
    fn default() -> Self {
        PidSandbox::new()
    }
}

/// The first line of a run's stderr (else stdout), for the kept notes.
fn first_line(o: &Output) -> String {
    let text = if o.stderr.is_empty() { &o.stdout } else { &o.stderr };
    format!("{}\n", text.lines().next().unwrap_or(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_quote_and_substitute() {
        let vars = [("T", OsString::from("42")), ("FF", OsString::from_vec(vec![0xff]))];
        let w = |l: &str| words(l, &vars);
        assert_eq!(w("-t {T} -n true"), ["-t", "42", "-n", "true"]);
        assert_eq!(w("-S '' x"), ["-S", "", "x"]);
        assert_eq!(w("-t '{T}: 1'"), ["-t", "42: 1"]);
        assert_eq!(w("--net=a'b c'd"), ["--net=ab cd"]);
        assert_eq!(w("-n{FF}"), [OsString::from_vec(b"-n\xff".to_vec())]);
        assert_eq!(w("  "), Vec::<OsString>::new());
    }
}
