//! The fish completion of one tool: a `complete` line per option (fish
//! itself completes `-x VALUE`, `-xVALUE` and `--long=VALUE` from an
//! option's `-a` list), value lists read when Tab is pressed, and for
//! unshare and nsenter a walk of the words before the cursor with
//! getopt's rules, to find the program operand: after it, options are the
//! program's, and so is the completion.

use std::fmt::Write;

use nsutils_common::cli::{HasArg, Mode, Values};
use nsutils_common::ns::NsType;

use super::{helper_call, ident, quote, GENERATED};
use crate::cli::Table;

/// The helpers every nsutils fish completion defines.
const HELPERS: &str = r#"
# the value being typed: the current token without an option in front of it
function __nsutils_value
    set -l t (commandline -ct)
    switch $t
        case '--*=*'
            string replace -r -- '^[^=]*=' '' $t
        case '-?*'
            string sub -s 3 -- $t
        case '*'
            printf '%s\n' $t
    end
end

# the arguments (upper-case words) in the case of what is being typed, $1:
# lower case when it is all in lower case (fish replaces the whole word with
# a match of another case, the option in front of the value too)
function __nsutils_case
    if string match -qr -- '[a-z]' $argv[1]; and test "$argv[1]" = (string lower -- $argv[1])
        string lower -- $argv[2..]
    else
        printf '%s\n' $argv[2..]
    end
end

# a comma-separated list of the arguments (any case) after an optional "+"
function __nsutils_list
    set -l v (__nsutils_value)
    set -l head (string match -r -- '^.*[,+]' $v)
    set -l used (string split -n , -- (string upper -- (string replace -a + , -- "$head")))
    set -l part (string sub -s (math (string length -- "$head") + 1) -- $v)
    for w in $argv
        contains -- $w $used; or printf '%s%s\n' "$head" (__nsutils_case "$part" $w)
    end
end

# signal names (the arguments), with SIG when it is being typed
function __nsutils_signals
    set -l v (__nsutils_value)
    set -l sig
    string match -qi -- 'sig*' $v; and set sig (string sub -l 3 -- $v)
    printf "$sig%s\n" (__nsutils_case (string sub -s (math (string length -- "$sig") + 1) -- $v) $argv)
end

# whether the current word is no option (an operand)
function __nsutils_operand_word
    not string match -q -- '-*' (commandline -ct)
end

function __nsutils_pids
    string replace -rf -- '^/proc/([0-9]+)$' '$1' /proc/*
end

function __nsutils_namespaces
    stat -L -c %i /proc/*/ns/* 2>/dev/null | sort -nu
end

# ids ($argv[2] = id) or keys (key, as ipcs shows them, IPC_PRIVATE left out)
# of the System V objects in /proc/sysvipc/$argv[1] (our IPC namespace's)
function __nsutils_sysv
    test -r /proc/sysvipc/$argv[1]; or return
    while read -l key id rest
        test "$key" = key; and continue
        if test $argv[2] = id
            printf '%s\n' $id
        else if test "$key" != 0
            printf '0x%s\n' (string pad -w 8 -c 0 -- (string sub -s -8 -- (printf '%x' $key)))
        end
    end </proc/sysvipc/$argv[1]
end

# the names of the POSIX objects of kind $argv[1] (shm, msg, sem), as /NAME
function __nsutils_posix
    switch $argv[1]
        case shm
            for f in /dev/shm/*
                test -f $f; and not string match -q 'sem.*' -- (basename $f); and printf '/%s\n' (basename $f)
            end
        case sem
            for f in /dev/shm/sem.*
                test -f $f; and printf '/%s\n' (string replace -r '^.*/sem\.' '' -- $f)
            end
        case msg
            for f in /dev/mqueue/*
                test -f $f; and printf '/%s\n' (basename $f)
            end
    end
end

# the bind-mounted namespace files of type $argv[1] (nsfs mount points), and files
function __nsutils_nsfs
    while read -l id parent dev root mnt rest
        string match -q -- "$argv[1]:\[*" $root; and string unescape -- $mnt
    end </proc/self/mountinfo
    __fish_complete_path (__nsutils_value)
end

# the numeric IDs of the user (passwd) or group (group) database
function __nsutils_ids
    begin
        getent $argv[1] 2>/dev/null; or cat /etc/$argv[1] 2>/dev/null
    end | string split -f3 :
end

# the first operand before the cursor (its position in the command line), by
# getopt's rules; $argv[1]: short options whose value may be the next word,
# $argv[2]: those that take the rest of their word, $argv[3..]: long options
# whose value may be the next word
function __nsutils_operand
    set -l tokens (commandline -opc)
    set -l expect 0
    for i in (seq 2 (count $tokens))
        set -l w $tokens[$i]
        if test $expect = 1
            set expect 0
            continue
        end
        switch $w
            case --
                test $i -lt (count $tokens); and echo (math $i + 1); and return 0
                return 1
            case '--*=*'
            case '--?*'
                set -l name (string sub -s 3 -- $w)
                if contains -- $name $argv[3..]; or test (count (string match -- "$name*" $argv[3..])) = 1
                    set expect 1
                end
            case '-?*'
                set -l letters (string split '' -- (string sub -s 2 -- $w))
                for j in (seq (count $letters))
                    if string match -q -- "*$letters[$j]*" $argv[1]
                        test $j = (count $letters); and set expect 1
                        break
                    end
                    string match -q -- "*$letters[$j]*" $argv[2]; and break
                end
            case '*'
                echo $i
                return 0
        end
    end
    return 1
end
"#;

/// The fish code printing the values of `v`, one a line.
fn value_code(v: &Values) -> String {
    let words = |ws: &[&str]| ws.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ");
    match v {
        Values::Nothing | Values::Text => String::new(),
        Values::Words(ws) => format!("printf '%s\\n' {}", words(ws)),
        Values::Also(ws, other) => format!("printf '%s\\n' {}; {}", words(ws), value_code(other)),
        Values::NsTypes => format!("printf '%s\\n' {}", words(&NsType::ALL.map(NsType::name))),
        Values::Files => "__fish_complete_path (__nsutils_value)".into(),
        Values::Dirs => "__fish_complete_directories (__nsutils_value)".into(),
        Values::Users => "__fish_complete_users".into(),
        Values::Groups => "__fish_complete_groups".into(),
        Values::Command => "__fish_complete_command".into(),
        // the kinds every shell completes with a helper function of the same name
        shared => helper_call(shared, "__nsutils_", words).unwrap_or_default(),
    }
}

/// `s` in single quotes for fish.
fn fq(s: &str) -> String {
    format!("'{}'", s.replace('\\', r"\\").replace('\'', r"\'"))
}

/// The fish completion script of `t`.
pub fn script(t: &Table) -> String {
    let c = t.name;
    let f = format!("__nsutils_{}", ident(c));
    let mut s = format!("# fish completion for {c}{GENERATED}\n{HELPERS}");
    let stop = t.mode == Mode::StopAtFirstOperand;
    // options are the program's once it is given
    let cond = if stop { format!(" -n 'not {f}_operand'") } else { String::new() };
    if stop {
        let (mut next, mut rest, mut longs) = (String::new(), String::new(), Vec::new());
        for o in t.all_opts() {
            match (o.short, o.short_arg) {
                (Some(ch), HasArg::Required) => next.push(ch),
                (Some(ch), HasArg::Optional) => rest.push(ch),
                _ => {}
            }
            if let (Some(l), HasArg::Required) = (o.long, o.arg) {
                longs.push(l);
            }
        }
        let _ = write!(
            s,
            "\nfunction {f}_operand\n    __nsutils_operand {} {} {}\nend\n",
            fq(&next),
            fq(&rest),
            longs.join(" ")
        );
        let _ = write!(
            s,
            "\n# the program and its arguments: the program's own completion\n\
             function {f}_program\n    set -l i ({f}_operand); or return\n    \
             set -l tokens (commandline -opc) (commandline -ct)\n    \
             __fish_complete_subcommand --commandline $tokens[$i..]\nend\n"
        );
    }
    s += "\n";
    // no file names unless a value or operand is one
    let _ = writeln!(s, "complete -c {c} -f");
    for o in t.all_opts().filter(|o| !o.hidden) {
        let mut line = format!("complete -c {c}{cond}");
        if let Some(ch) = o.short {
            let _ = write!(line, " -s {ch}");
        }
        if let Some(l) = o.long {
            let _ = write!(line, " -l {l}");
        }
        let takes = if o.long.is_some() { o.arg } else { o.short_arg };
        // the value functions print file names themselves where they are wanted
        match takes {
            HasArg::Required => line += " -x",
            HasArg::Optional => line += " -f",
            HasArg::No => {}
        }
        let code = value_code(&o.values);
        if takes != HasArg::No && !code.is_empty() {
            let _ = write!(line, " -a {}", fq(&format!("({code})")));
        }
        let _ = write!(line, " -d {}", fq(o.help.lines().next().unwrap_or("")));
        s += &line;
        s += "\n";
    }
    match t.operands {
        Values::Nothing => {}
        Values::Command => {
            let _ = writeln!(
                s,
                "complete -c {c} -n 'not {f}_operand; and __nsutils_operand_word' -a '(__fish_complete_command)'"
            );
            let _ = writeln!(s, "complete -c {c} -n '{f}_operand' -a '({f}_program)'");
        }
        v => {
            let code = value_code(&v);
            if !code.is_empty() {
                let _ = writeln!(s, "complete -c {c} -n __nsutils_operand_word -a {}", fq(&format!("({code})")));
            }
        }
    }
    s
}

/// The fish completion of `alias` (a util-linux name) as `t`'s.
pub fn alias(t: &Table, alias: &str) -> String {
    format!(
        "# fish completion for {alias}, which is {name} (make install UTIL_LINUX_NAMES=1){GENERATED}\n\
         complete -c {alias} --wraps {name}\n",
        name = t.name
    )
}
