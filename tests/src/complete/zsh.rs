//! The zsh completion of one tool: an autoloadable `_<tool>` for compsys,
//! whose `_arguments` specs come from the tool's table: `-s` (clusters),
//! `-S` (`--` ends the options), `-A '-*'` for unshare and nsenter (the
//! first operand ends them), `-x+` for a value attached or in the next
//! word, `-x-`/`--x=-` for values that must be attached, and the program
//! operand completed as a command of its own (`_normal`).

use nsutils_common::cli::{HasArg, Mode, Values};
use nsutils_common::ns::NsType;

use super::{helper_call, GENERATED};
use crate::cli::Table;

/// The helpers (each defined once per shell, by whichever file runs first).
const HELPERS: &str = r#"
# a comma-separated list of the arguments (any case) after an optional "+",
# without the names already in it
(( $+functions[_nsutils_list] )) || _nsutils_list() {
  local -a expl used
  local done=${(U)PREFIX}
  done=${done%${done##*[,+]}}
  used=(${(s:,:)${done//+/,}})
  compset -P '*[,+]'
  _wanted values expl value compadd -M 'm:{a-z}={A-Z}' -qS, -F used -- "$@"
}

# signal names (the arguments), any case, with or without SIG
(( $+functions[_nsutils_signals] )) || _nsutils_signals() {
  local -a expl
  compset -P '(#i)sig'
  _wanted signals expl signal compadd -M 'm:{a-z}={A-Z}' -- "$@"
}

# the ids ($2 = id) or keys ($2 = key, as ipcs shows them, IPC_PRIVATE left
# out) of the System V objects in /proc/sysvipc/$1 (our IPC namespace's)
(( $+functions[_nsutils_sysv] )) || _nsutils_sysv() {
  local -a expl out f
  local line k
  [[ -r /proc/sysvipc/$1 ]] || return 1
  for line in ${(f)"$(</proc/sysvipc/$1)"}; do
    f=(${=line})
    [[ $f[1] == key ]] && continue
    if [[ $2 == id ]]; then
      out+=($f[2])
    elif [[ $f[1] != 0 ]]; then
      printf -v k '0x%08x' $(( f[1] & 0xffffffff ))
      out+=($k)
    fi
  done
  _wanted ipc-$2s expl "$1 $2" compadd -a out
}

# the names of the POSIX objects of kind $1 (shm, msg, sem), as /NAME
(( $+functions[_nsutils_posix] )) || _nsutils_posix() {
  local -a expl out
  case $1 in
    shm) out=(/dev/shm/*(N.:t)); out=(${out:#sem.*}) ;;
    sem) out=(/dev/shm/sem.*(N.:t)); out=(${out#sem.}) ;;
    msg) out=(/dev/mqueue/*(N.:t)) ;;
  esac
  _wanted names expl "POSIX $1" compadd -- /${^out}
}

# the bind-mounted namespace files of type $1 (nsfs mount points), and files
(( $+functions[_nsutils_nsfs] )) || _nsutils_nsfs() {
  local -a f mnts
  local line
  for line in ${(f)"$(</proc/self/mountinfo)"}; do
    f=(${=line})
    [[ $f[4] == $1:\[* ]] && mnts+=(${(g:o:)f[5]})
  done
  _alternative "namespace-files:$1 namespace file:compadd -a mnts" 'files:file:_files'
}

# the numeric IDs of the user ($1 = passwd) or group ($1 = group) database
(( $+functions[_nsutils_ids] )) || _nsutils_ids() {
  local -a expl ids
  ids=(${(f)"$(getent $1 2>/dev/null || cat /etc/$1 2>/dev/null)"})
  ids=(${${ids#*:*:}%%:*})
  _wanted ids expl ID compadd -a ids
}

# the inode numbers of the live processes' namespaces
(( $+functions[_nsutils_namespaces] )) || _nsutils_namespaces() {
  local -a expl ids
  ids=(${(f)"$(stat -L -c %i /proc/[0-9]*/ns/* 2>/dev/null | sort -nu)"})
  _wanted namespaces expl namespace compadd -a ids
}

# the PIDs of the live processes
(( $+functions[_nsutils_pids] )) || _nsutils_pids() {
  local -a expl pids
  pids=(/proc/<->(N:t))
  _wanted pids expl PID compadd -a pids
}
"#;

/// The zsh code completing the values of `v` (one command, for `{…}`).
fn value_code(v: &Values) -> String {
    let words = |ws: &[&str]| ws.join(" ");
    match v {
        Values::Nothing | Values::Text => String::new(),
        Values::Words(ws) => format!("_wanted values expl value compadd -- {}", words(ws)),
        Values::Also(ws, other) => {
            format!("_wanted values expl value compadd -- {}; {}", words(ws), value_code(other))
        }
        Values::NsTypes => {
            format!("_wanted types expl type compadd -- {}", words(&NsType::ALL.map(NsType::name)))
        }
        Values::Files => "_files".into(),
        Values::Dirs => "_files -/".into(),
        Values::Users => "_users".into(),
        Values::Groups => "_groups".into(),
        Values::Command => "_command_names -e".into(),
        // the kinds every shell completes with a helper function of the same name
        shared => helper_call(shared, "_nsutils_", words).unwrap_or_default(),
    }
}

/// `text` inside a single-quoted `_arguments` spec: brackets and colons
/// escaped for `_arguments`, single quotes for the shell.
fn esc(text: &str) -> String {
    text.replace('\\', r"\\").replace('[', r"\[").replace(']', r"\]").replace(':', r"\:").replace('\'', r"'\''")
}

/// `:message:action` for a value of kind `v` named `name` (`<file>`).
fn value_spec(name: &str, v: &Values) -> String {
    let message = esc(name.trim_start_matches('<').trim_end_matches('>'));
    let action = value_code(v);
    // an action of one space shows the message and offers nothing
    let action = if action.is_empty() { " ".to_string() } else { format!("{{{}}}", action.replace('\'', r"'\''")) };
    format!("{message}:{action}")
}

/// The zsh completion function of `t`.
pub fn script(t: &Table) -> String {
    let mut specs = Vec::new();
    for o in t.all_opts().filter(|o| !o.hidden) {
        let help = esc(o.help.lines().next().unwrap_or(""));
        let both: Vec<String> =
            o.short.map(|c| format!("-{c}")).into_iter().chain(o.long.map(|l| format!("--{l}"))).collect();
        let excl = format!("({})", both.join(" "));
        if let Some(c) = o.short {
            let value = value_spec(o.value_name, &o.values);
            specs.push(match o.short_arg {
                HasArg::No => format!("{excl}-{c}[{help}]"),
                // options with values may be repeated (lsns -t, ipcrm -m)
                HasArg::Required => format!("*-{c}+[{help}]:{value}"),
                HasArg::Optional => format!("{excl}-{c}-[{help}]:{value}"),
            });
        }
        if let Some(l) = o.long {
            let value = value_spec(o.value_name, &o.values);
            specs.push(match o.arg {
                HasArg::No => format!("{excl}--{l}[{help}]"),
                HasArg::Required => format!("*--{l}=[{help}]:{value}"),
                HasArg::Optional => format!("{excl}--{l}=-[{help}]:{value}"),
            });
        }
    }
    match t.operands {
        Values::Nothing => {}
        Values::Command => {
            specs.push("(-)1:program:_command_names -e".into());
            specs.push("(-)*::program argument:_normal".into());
        }
        v => specs.push(format!("*:{}", value_spec("operand", &v))),
    }
    let flags = if t.mode == Mode::StopAtFirstOperand { "-s -S -A '-*'" } else { "-s -S" };
    let mut s = format!("#compdef {}{GENERATED}\n{HELPERS}\nlocal -a expl\n_arguments {flags} : \\\n", t.name);
    let lines: Vec<String> = specs.iter().map(|sp| format!("  '{sp}'")).collect();
    s += &lines.join(" \\\n");
    s += "\n";
    s
}

/// The zsh completion of `alias` (a util-linux name) as `t`'s.
pub fn alias(t: &Table, alias: &str) -> String {
    format!(
        "#compdef {alias}{GENERATED}\n# {alias} is {name} (make install UTIL_LINUX_NAMES=1)\n_{name} \"$@\"\n",
        name = t.name
    )
}
