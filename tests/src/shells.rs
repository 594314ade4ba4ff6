//! The generated shell completions run in the real shells: what bash, zsh
//! and fish offer for a command line with the cursor at its end.
//!
//! * bash: the script's completion function called as bash calls it, with
//!   `COMP_WORDS` split as readline splits the line (blanks, and `=`/`:`
//!   as words of their own, COMP_WORDBREAKS' default), `COMP_LINE`,
//!   `COMP_POINT` and `COMP_CWORD`; with or without the bash-completion
//!   framework loaded.
//! * zsh: an interactive `zsh -f` on a pseudo-terminal (zpty) with compsys
//!   (`compinit`) and the generated functions in `fpath`; Tab is typed and
//!   every match compsys adds is recorded by wrapping `compadd`.
//! * fish: `complete -C LINE` with the generated files in
//!   `fish_complete_path`, loaded by command name as fish loads them.
//!
//! Each returns the offered words in order, duplicates removed.

use std::path::{Path, PathBuf};

use crate::{bin_dir, helper_path, skip, Cmd, Sandbox, TempDir};

/// Generated completions in a temporary directory (`nsutils-gen completions`).
pub struct Completions {
    dir: TempDir,
}

impl Completions {
    /// Generate them.
    pub fn generate() -> Completions {
        let dir = TempDir::new("compl");
        Cmd::new(helper_path("nsutils-gen")).arg("completions").arg(dir.path()).run().success().no_stderr();
        Completions { dir }
    }

    /// Where they are (`bash/`, `zsh/`, `fish/`, `util-linux-names/`).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Whether `shell` can be run; skips `test` loudly when it cannot.
pub fn have_shell(test: &str, shell: &str) -> bool {
    if Cmd::new("sh").args(["-c", &format!("command -v {shell}")]).run().code == Some(0) {
        return true;
    }
    skip(test, &format!("{shell} is not installed (scripts/setup-deps.sh installs it)"));
    false
}

/// The bash completion framework's main file, if it is installed.
pub fn bash_completion_framework() -> Option<PathBuf> {
    let p = PathBuf::from("/usr/share/bash-completion/bash_completion");
    p.is_file().then_some(p)
}

/// How to run a completion.
#[derive(Default, Clone, Copy)]
pub struct With<'a> {
    /// bash: load the bash-completion framework first.
    pub framework: bool,
    /// Shell code run before completing (defining a command and its completion).
    pub setup: &'a str,
    /// Complete inside these namespaces (their IPC objects, mounts).
    pub sandbox: Option<&'a Sandbox>,
    /// The completions installed below this `share` directory (`make
    /// install`), found by command name as the shells find them: bash
    /// through bash-completion's loader and `XDG_DATA_DIRS`, zsh through
    /// `fpath` (`zsh/site-functions`), fish through `fish_complete_path`
    /// (`fish/vendor_completions.d`), before the system's own.
    pub installed: Option<&'a Path>,
}

/// Calls bash's completion function for $2 (the line) after loading $1
/// (the script), with the words split as readline splits them.
const BASH_DRIVER: &str = r#"
script=$1 line=$2
if [[ $FRAMEWORK ]]; then . "$FRAMEWORK" || exit 99; fi
eval "$SETUP"
if [[ $script ]]; then . "$script" || exit 98; else __load_completion "${line%% *}" || exit 96; fi
COMP_LINE=$line COMP_POINT=${#line} COMP_TYPE=9 COMP_KEY=9
w=() cur=
for ((k = 0; k < ${#line}; k++)); do
    ch=${line:k:1}
    case $ch in
    ' ') [[ $cur ]] && w+=("$cur"); cur= ;;
    [=:]) [[ $cur && $cur != [=:]* ]] && w+=("$cur") && cur=; cur+=$ch ;;
    *) [[ $cur == [=:]* ]] && w+=("$cur") && cur=; cur+=$ch ;;
    esac
done
w+=("$cur")
COMP_WORDS=("${w[@]}") COMP_CWORD=$((${#w[@]} - 1))
spec=$(complete -p "${w[0]}") || exit 97
f=${spec##* -F }
f=${f%% *}
"$f" "${w[0]}" "${w[COMP_CWORD]}" "${w[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}"
"#;

/// Types `$2` and Tab in an interactive zsh with compsys and the functions
/// of the directories `$1` (`:`-separated, first first); prints every match
/// added, one a line. `$3`: code to run before.
const ZSH_DRIVER: &str = r#"
zmodload zsh/zpty || exit 99
zpty z zsh -f -i
zpty -w z "setopt nobeep nolistbeep; PS1='<P>'; PS2=''; fpath=(${(@q)${(s.:.)1}} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi; local -a __hits; builtin compadd -A __hits "$@"; local h; for h in $__hits; do print -r -- "<${:-M}>$h</${:-M}>"; done; builtin compadd "$@"; }'
zpty -w z "zstyle ':completion:*' list-prompt ''; zstyle ':completion:*' menu no; $3"
zpty -w z 'print READY''-MARK'
# the prompt after the mark: zle has set the terminal up (input typed
# ahead may be flushed before that); -r with a pattern reads until it
# matches, lines or not
local out m
zpty -r z out '*READY-MARK*<P>*' || exit 95
zpty -w -n z "$2"$'\t'
zpty -w -n z $'\C-u'
zpty -w z 'print END''-MARK'
zpty -r z out '*END-MARK*' || exit 94
while [[ $out == *'<M>'*'</M>'* ]]; do
    m=${out#*<M>}
    print -r -- ${m%%</M>*}
    out=${out#*</M>}
done
zpty -d z
"#;

fn lines(out: &str) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for l in out.lines().filter(|l| !l.is_empty()) {
        if !v.iter().any(|x| x == l) {
            v.push(l.to_string());
        }
    }
    v
}

fn run(cmd: Cmd, with: With) -> crate::Output {
    // the built tools on PATH: fish completes only commands it can find
    let path = format!("{}:{}", bin_dir().display(), std::env::var("PATH").unwrap_or_default());
    let cmd = cmd.timeout(std::time::Duration::from_secs(60)).env("PATH", path);
    let out = match with.sandbox {
        Some(s) => s.wrap(cmd).run(),
        None => cmd.run(),
    };
    out.success();
    out
}

/// What bash offers for `line` (its first word names the script in `c`'s
/// `bash/`).
pub fn bash(c: &Completions, line: &str, with: With) -> Vec<String> {
    let cmd0 = line.split(' ').next().unwrap_or_default();
    let (script, data_dirs) = match with.installed {
        Some(share) => (PathBuf::new(), format!("{}:/usr/local/share:/usr/share", share.display())),
        None => (c.path().join("bash").join(cmd0), std::env::var("XDG_DATA_DIRS").unwrap_or_default()),
    };
    let framework = if with.framework || with.installed.is_some() {
        bash_completion_framework().expect("bash-completion is installed").display().to_string()
    } else {
        String::new()
    };
    let cmd = Cmd::new("bash")
        .args(["--norc", "--noprofile", "-c", BASH_DRIVER, "bash"])
        .arg(&script)
        .arg(line)
        .env("FRAMEWORK", framework)
        .env("XDG_DATA_DIRS", data_dirs)
        .env("SETUP", with.setup);
    lines(&run(cmd, with).stdout)
}

/// What zsh's compsys offers for `line`.
pub fn zsh(c: &Completions, line: &str, with: With) -> Vec<String> {
    let dirs = match with.installed {
        Some(share) => vec![share.join("zsh/site-functions").display().to_string()],
        None => vec![c.path().join("zsh").display().to_string()],
    };
    let cmd = Cmd::new("zsh").args(["-f", "-c", ZSH_DRIVER, "zsh"]).arg(dirs.join(":")).arg(line).arg(with.setup);
    lines(&run(cmd, with).stdout)
}

/// What fish offers for `line` (`complete -C`), the words without their
/// descriptions.
pub fn fish(c: &Completions, line: &str, with: With) -> Vec<String> {
    let path = match with.installed {
        Some(share) => vec![share.join("fish/vendor_completions.d").display().to_string()],
        None => vec![c.path().join("fish").display().to_string()],
    };
    let code = format!(
        "set fish_complete_path {} $fish_complete_path; {}\ncomplete -C {}",
        path.iter().map(|p| format!("'{p}'")).collect::<Vec<_>>().join(" "),
        with.setup,
        fish_quote(line)
    );
    let cmd = Cmd::new("fish").args(["--no-config", "-c", &code]);
    let out = run(cmd, with);
    assert!(out.stderr.is_empty(), "fish said:\n{}", out.stderr);
    lines(&out.stdout).into_iter().map(|l| l.split('\t').next().unwrap_or_default().to_string()).collect()
}

fn fish_quote(s: &str) -> String {
    format!("'{}'", s.replace('\\', r"\\").replace('\'', r"\'"))
}
