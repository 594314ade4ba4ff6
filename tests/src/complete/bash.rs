//! The bash completion of one tool.
//!
//! The script walks the words before the cursor with getopt's rules, from
//! the tool's own table: which words are values of options (attached,
//! `--name=value`, or the next word), abbreviated long options, clusters
//! of short options, `--`, and where the operands start (the first one
//! ends the options of unshare and nsenter). Then it offers what the word
//! under the cursor can be. It needs nothing but bash 4.2; where the
//! bash-completion framework is loaded (it is what loads completions by
//! command name) it completes files with its `_filedir` and hands the
//! words after unshare's or nsenter's program to that program's own
//! completion with its `_command_offset`.

use std::fmt::Write;

use nsutils_common::cli::{HasArg, Mode, Values};
use nsutils_common::ns::NsType;

use super::{helper_call, ident, kinds, quote, GENERATED};
use crate::cli::Table;

/// The helpers every nsutils bash completion defines (the same text in
/// each file, so each file works alone). Each adds to COMPREPLY what
/// matches `$cur`, a variable of the caller.
const HELPERS: &str = r#"
# COMPREPLY += those of the arguments that start with $cur
_nsutils_reply()
{
    local w
    for w; do [[ $w == "$cur"* ]] && COMPREPLY+=("$w"); done
}

# COMPREPLY += what `compgen $1` gives for $cur (-u users, -g groups, -c commands)
_nsutils_compgen()
{
    local w
    while IFS= read -r w; do COMPREPLY+=("$w"); done < <(compgen "$1" -- "$cur")
}

# COMPREPLY += the files (-d: the directories) that start with $cur
_nsutils_files()
{
    if declare -F _filedir >/dev/null; then
        _filedir "$@"
        return
    fi
    compopt -o filenames 2>/dev/null
    local w
    while IFS= read -r w; do COMPREPLY+=("$w"); done < <(compgen "${1:--f}" -- "$cur")
}

# words, at, cword and cur from COMP_WORDS, with what bash split at an "="
# or ":" (COMP_WORDBREAKS) glued back together as the command sees it:
# `--net=/run/x` is one word. at[i] is the index of words[i] in COMP_WORDS.
_nsutils_words()
{
    local i w line=$COMP_LINE blank sep=0
    words=() at=() cword=0
    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
        w=${COMP_WORDS[i]}
        blank=${line%%[![:space:]]*}
        line=${line#"$blank"}
        line=${line#"$w"}
        if ((i > 1)) && [[ -z $blank ]] && { ((sep)) || [[ -n $w && -z ${w//[=:]/} ]]; }; then
            words[${#words[@]} - 1]+=$w
        else
            words+=("$w")
            at+=("$i")
        fi
        sep=0
        [[ -n $w && -z ${w//[=:]/} ]] && sep=1
        ((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
    done
    cur=${words[cword]-}
}

# opt = what the caller's `long` table says of the long option $1 (an
# unambiguous abbreviation as getopt takes it); fails for an unknown one
_nsutils_long()
{
    local name=${1%%=*} k found=
    [[ $name ]] || return 1
    opt=${long[$name]-}
    [[ $opt ]] && return 0
    for k in "${!long[@]}"; do
        [[ $k == "$name"* ]] || continue
        [[ $found && ${long[$k]} != "$found" ]] && return 1
        found=${long[$k]}
    done
    opt=$found
    [[ $opt ]]
}

# COMPREPLY: each reply with $1 in front (the option it is attached to)
_nsutils_prefix()
{
    local i
    for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]=$1${COMPREPLY[i]}; done
}

# a comma-separated list of the arguments (any case) after an optional "+";
# names already in the list are not offered again
_nsutils_list()
{
    local head=${cur%"${cur##*[,+]}"} w
    local cur=${cur##*[,+]}
    cur=${cur^^}
    for w; do
        [[ ,${head^^}, == *[,+]"$w",* ]] && continue
        [[ $w == "$cur"* ]] && COMPREPLY+=("$head$w")
    done
    compopt -o nospace 2>/dev/null
}

# signal names (the arguments), any case, with or without SIG
_nsutils_signals()
{
    local cur=${cur^^} w sig=
    [[ $cur == SIG* ]] && sig=SIG cur=${cur#SIG}
    for w; do [[ $w == "$cur"* ]] && COMPREPLY+=("$sig$w"); done
}

# the PIDs of the live processes
_nsutils_pids()
{
    local p=(/proc/[0-9]*)
    _nsutils_reply "${p[@]#/proc/}"
}

# the inode numbers of the live processes' namespaces
_nsutils_namespaces()
{
    local w ids=()
    while IFS= read -r w; do ids+=("$w"); done < <(stat -L -c %i /proc/[0-9]*/ns/* 2>/dev/null | sort -nu)
    _nsutils_reply "${ids[@]}"
}

# the ids ($2 = id) or keys ($2 = key, as ipcs shows them, IPC_PRIVATE
# left out) of the System V objects in /proc/sysvipc/$1: those of our IPC
# namespace, which the command will be in
_nsutils_sysv()
{
    local key id rest out=() k
    [[ -r /proc/sysvipc/$1 ]] || return
    while read -r key id rest; do
        [[ $key == key ]] && continue
        if [[ $2 == id ]]; then
            out+=("$id")
        elif [[ $key != 0 ]]; then
            printf -v k '0x%08x' $((key & 0xffffffff))
            out+=("$k")
        fi
    done </proc/sysvipc/$1
    _nsutils_reply "${out[@]}"
}

# the names of the POSIX objects of kind $1 (shm, msg, sem), as /NAME
_nsutils_posix()
{
    local f out=()
    case $1 in
    shm) for f in /dev/shm/*; do [[ -f $f && ${f##*/} != sem.* ]] && out+=("/${f##*/}"); done ;;
    sem) for f in /dev/shm/sem.*; do [[ -f $f ]] && out+=("/${f##*/sem.}"); done ;;
    msg) for f in /dev/mqueue/*; do [[ -f $f ]] && out+=("/${f##*/}"); done ;;
    esac
    _nsutils_reply "${out[@]}"
}

# the mount points of the namespaces of type $1 bound to files (nsfs:
# `ip netns add`, `unshare --net=FILE`), then any file
_nsutils_nsfs()
{
    local id parent dev root mnt rest out=()
    while read -r id parent dev root mnt rest; do
        [[ $root == "$1:["* ]] && printf -v mnt '%b' "$mnt" && out+=("$mnt")
    done 2>/dev/null </proc/self/mountinfo
    _nsutils_files
    _nsutils_reply "${out[@]}"
}

# the numeric IDs in the user ($1 = passwd) or group ($1 = group) database
_nsutils_ids()
{
    local name x id rest out=()
    while IFS=: read -r name x id rest; do out+=("$id"); done < <(getent "$1" 2>/dev/null || cat "/etc/$1" 2>/dev/null)
    _nsutils_reply "${out[@]}"
}

# a program: command names, or a file when a path is being typed
_nsutils_command()
{
    if [[ $cur == */* ]]; then
        _nsutils_files
    else
        _nsutils_compgen -c
    fi
}

# the words from COMP_WORDS[$1] on are a program and its arguments: the
# program's own completion (bash-completion's _command_offset), else files
_nsutils_program()
{
    if declare -F _command_offset >/dev/null; then
        _command_offset "$1"
    else
        _nsutils_files
    fi
}
"#;

/// The bash code that adds the values of `v` to COMPREPLY.
fn value_code(v: &Values) -> String {
    let words = |ws: &[&str]| ws.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ");
    match v {
        Values::Nothing | Values::Text => ":".into(),
        Values::Words(ws) => format!("_nsutils_reply {}", words(ws)),
        Values::Also(ws, other) => format!("_nsutils_reply {}; {}", words(ws), value_code(other)),
        Values::NsTypes => {
            format!("_nsutils_reply {}", words(&NsType::ALL.map(NsType::name)))
        }
        Values::Files => "_nsutils_files".into(),
        Values::Dirs => "_nsutils_files -d".into(),
        Values::Users => "_nsutils_compgen -u".into(),
        Values::Groups => "_nsutils_compgen -g".into(),
        Values::Command => "_nsutils_command".into(),
        // the kinds every shell completes with a helper function of the same name
        shared => helper_call(shared, "_nsutils_", words).unwrap_or_default(),
    }
}

fn arg_letter(a: HasArg) -> char {
    match a {
        HasArg::No => 'n',
        HasArg::Required => 'r',
        HasArg::Optional => 'o',
    }
}

/// The bash completion script of `t`.
pub fn script(t: &Table) -> String {
    let f = format!("_nsutils_{}", ident(t.name));
    let kinds = kinds(t);
    let kind_of = |v: &Values| kinds.iter().position(|k| k == v).unwrap_or(0);
    let mut s = format!("# bash completion for {}{GENERATED}\n", t.name);
    s += HELPERS;

    // the values of each option, by the number `long` and `short` give them
    let _ = writeln!(s, "\n# the values of the option kind $1\n{f}_value()\n{{\n    case $1 in");
    for (i, k) in kinds.iter().enumerate() {
        let _ = writeln!(s, "    {i}) {} ;;", value_code(k));
    }
    s += "    esac\n}\n";

    let mut long = Vec::new();
    let mut short = Vec::new();
    let mut shown = Vec::new();
    for o in t.all_opts() {
        let kind = kind_of(&o.values);
        if let Some(l) = o.long {
            long.push(format!("[{l}]={}:{kind}", arg_letter(o.arg)));
            if !o.hidden {
                shown.push(format!("--{l}"));
            }
        }
        if let Some(c) = o.short {
            short.push(format!("[{c}]={}:{kind}", arg_letter(o.short_arg)));
        }
    }
    let stop = u8::from(t.mode == Mode::StopAtFirstOperand);
    let operand = value_code(&t.operands);
    let _ = write!(
        s,
        r#"
{f}()
{{
    local cur words at cword opt= i j w pre prog=0 ends=0 expect=
    local -A long=({long}) short=({short})
    COMPREPLY=()
    _nsutils_words
    # the words before the cursor, as getopt reads them
    for ((i = 1; i < cword; i++)); do
        w=${{words[i]}}
        if [[ $expect ]]; then
            expect=
        elif ((ends)); then
            (({stop})) && prog=$i && break
        else
            case $w in
            --) ends=1 ;;
            --?*) _nsutils_long "${{w#--}}" && [[ $opt == r* && $w != *=* ]] && expect=1 ;;
            -?*)
                for ((j = 1; j < ${{#w}}; j++)); do
                    opt=${{short[${{w:j:1}}]-}}
                    [[ $opt == n* ]] && continue
                    [[ $opt == r* ]] && ((j == ${{#w}} - 1)) && expect=1
                    break
                done
                ;;
            *) (({stop})) && prog=$i && break ;;
            esac
        fi
    done
    if ((prog)); then
        _nsutils_program "${{at[prog]}}"
        return
    fi
    # the word under the cursor
    if [[ $expect ]]; then
        {f}_value "${{opt#*:}}"
        return
    fi
    if ((ends)); then
        {operand}
        return
    fi
    case $cur in
    --*=*)
        _nsutils_long "${{cur#--}}" && [[ $opt != n* ]] || return
        # what bash replaces starts after the "=" when "=" breaks words
        pre=${{cur%%=*}}=
        [[ $COMP_WORDBREAKS == *=* ]] && pre=
        cur=${{cur#*=}}
        {f}_value "${{opt#*:}}"
        _nsutils_prefix "$pre"
        ;;
    -|--*)
        _nsutils_reply {shown}
        ;;
    -?*)
        # a cluster of short options; the value of the first that takes one
        # is the rest of the word
        for ((j = 1; j < ${{#cur}}; j++)); do
            opt=${{short[${{cur:j:1}}]-}}
            [[ $opt == n* ]] || break
        done
        if [[ $opt == [ro]* ]] && ((j < ${{#cur}} - 1)); then
            pre=${{cur:0:j+1}}
            cur=${{cur:j+1}}
            {f}_value "${{opt#*:}}"
            _nsutils_prefix "$pre"
        elif [[ $opt ]]; then
            COMPREPLY=("$cur")
        fi
        ;;
    *)
        {operand}
        ;;
    esac
}}
complete -F {f} {name}
"#,
        long = long.join(" "),
        short = short.join(" "),
        shown = shown.join(" "),
        name = t.name,
    );
    s
}

/// The bash completion of `alias` (a util-linux name) as `t`'s.
pub fn alias(t: &Table, alias: &str) -> String {
    format!(
        "# bash completion for {alias}, which is {name} (make install UTIL_LINUX_NAMES=1){GENERATED}\n\
         . \"${{BASH_SOURCE[0]%/*}}/{name}\" && complete -F _nsutils_{id} {alias}\n",
        name = t.name,
        id = ident(t.name),
    )
}
