//! Documentation and packaging: the man pages match the CLIs and are clean
//! roff, the generated shell completions work, and `make install` /
//! `make uninstall` put and remove exactly what they should.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use nsutils_tests::suite::files_below;
use nsutils_tests::{helper_path, specs, tool_path, Cmd, TempDir};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn man_page(tool: &str) -> PathBuf {
    let section = if tool == "lsns-rs" { 8 } else { 1 };
    repo().join("man").join(format!("{tool}.{section}"))
}

/// The option spellings documented in the OPTIONS section: every `--long`
/// and `-x` in the tag lines (the line after `.TP`).
fn documented_options(page: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut in_options = false;
    let mut tag_next = false;
    for line in page.lines() {
        if let Some(title) = line.strip_prefix(".SH ") {
            in_options = title.trim_matches('"').starts_with("OPTIONS");
            continue;
        }
        if !in_options {
            continue;
        }
        if line.starts_with(".TP") {
            tag_next = true;
            continue;
        }
        if !tag_next {
            continue;
        }
        tag_next = false;
        let plain = strip_roff(line);
        for word in plain.split(|c: char| c.is_whitespace() || c == ',' || c == '[' || c == '=' || c == '"') {
            let bytes = word.as_bytes();
            if let Some(long) = word.strip_prefix("--") {
                let name: String = long.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
                if !name.is_empty() {
                    found.insert(format!("--{name}"));
                }
            } else if bytes.len() >= 2 && bytes[0] == b'-' && bytes[1].is_ascii_alphanumeric() {
                found.insert(word[..2].to_string());
            }
        }
    }
    found
}

/// Remove font escapes and turn `\-` into `-`.
fn strip_roff(line: &str) -> String {
    let mut s = line.replace("\\-", "-").replace("\\(em", " ").replace("\\&", "");
    for f in ["\\fB", "\\fI", "\\fR", "\\fP", "\\f(CW"] {
        s = s.replace(f, "");
    }
    // macro name at the start (.B, .BR, .IR, .I, …)
    if s.starts_with('.') {
        s = s.split_once(' ').map(|(_, rest)| rest.to_string()).unwrap_or_default();
    }
    s
}

#[test]
fn every_option_is_documented_and_nothing_else() {
    for (tool, spec) in specs() {
        let path = man_page(tool);
        let page = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let documented = documented_options(&page);
        let mut cli = BTreeSet::new();
        let mut hidden = BTreeSet::new();
        for o in spec.all_opts() {
            let set = if o.hidden { &mut hidden } else { &mut cli };
            if let Some(l) = o.long {
                set.insert(format!("--{l}"));
            }
            if let Some(c) = o.short {
                set.insert(format!("-{c}"));
            }
        }
        let missing: Vec<_> = cli.difference(&documented).collect();
        let extra: Vec<_> = documented.difference(&cli).filter(|o| !hidden.contains(*o)).collect();
        assert!(missing.is_empty(), "{}: options the page lacks: {missing:?}", path.display());
        assert!(extra.is_empty(), "{}: documented options the CLI lacks: {extra:?}", path.display());
    }
}

#[test]
fn man_pages_have_the_required_sections() {
    for (tool, _) in specs() {
        let page = std::fs::read_to_string(man_page(tool)).unwrap();
        for section in [
            "NAME",
            "SYNOPSIS",
            "DESCRIPTION",
            "OPTIONS",
            "EXIT STATUS",
            "ENVIRONMENT",
            "NOTES",
            "EXAMPLES",
            "SEE ALSO",
        ] {
            let present = page
                .lines()
                .any(|l| l.strip_prefix(".SH ").map(|t| t.trim_matches('"').trim() == section).unwrap_or(false));
            assert!(present, "{tool}: man page lacks .SH {section}");
        }
        assert!(page.replace("\\-", "-").contains(tool), "{tool}: the page never names the binary");
    }
}

#[test]
fn man_pages_are_clean_roff() {
    for (tool, _) in specs() {
        let out = Cmd::new("groff").args(["-man", "-ww", "-z"]).arg(man_page(tool)).run();
        out.success();
        assert!(out.stderr.is_empty(), "{tool}: groff warns:\n{}", out.stderr);
    }
}

#[test]
fn man_pages_render_with_man() {
    if Cmd::new("sh").args(["-c", "command -v man"]).run().code != Some(0) {
        // `man` itself is optional on a build machine; groff above checks the roff
        nsutils_tests::skip("man_pages_render_with_man", "man(1) is not installed");
        return;
    }
    for (tool, _) in specs() {
        let out = Cmd::new("man").arg(man_page(tool)).env("MANPAGER", "cat").env("PAGER", "cat").run();
        out.success();
        assert!(out.stdout.contains("NAME"), "{tool}: {}", out.stdout);
    }
}

fn generate_completions(dir: &Path) {
    Cmd::new(helper_path("nsutils-gen")).arg("completions").arg(dir).run().success().no_stderr();
}

/// Complete `words` (the last one being completed) with the bash script.
fn bash_complete(script: &Path, words: &[&str]) -> Vec<String> {
    let cmd = words[0];
    let line = format!(
        "source '{}'; f=$(complete -p {cmd} | sed -E 's/.* -F ([^ ]+) .*/\\1/'); \
         COMP_WORDS=({}); COMP_CWORD={}; \"$f\" {cmd} '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        words.iter().map(|w| format!("'{w}'")).collect::<Vec<_>>().join(" "),
        words.len() - 1,
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = Cmd::new("bash").args(["--norc", "-c", &line]).run();
    out.success();
    out.stdout.lines().map(str::to_string).filter(|l| !l.is_empty()).collect()
}

#[test]
fn bash_completion_completes_options() {
    let dir = TempDir::new("compl");
    generate_completions(dir.path());
    let got = bash_complete(&dir.join("bash/unshare-rs"), &["unshare-rs", "--map-"]);
    let want: BTreeSet<String> = nsutils_tests::specs()
        .into_iter()
        .find(|(t, _)| *t == "unshare-rs")
        .unwrap()
        .1
        .all_opts()
        .filter_map(|o| o.long)
        .filter(|l| l.starts_with("map-"))
        .map(|l| format!("--{l}"))
        .collect();
    assert!(want.len() >= 6, "unshare-rs should have the --map-* family: {want:?}");
    assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), want);
    for (tool, _) in specs() {
        let got = bash_complete(&dir.join(format!("bash/{tool}")), &[tool, "--he"]);
        assert_eq!(got, vec!["--help".to_string()], "{tool}");
    }
}

#[test]
fn zsh_and_fish_completions_are_generated_for_all() {
    let dir = TempDir::new("compl2");
    generate_completions(dir.path());
    for (tool, _) in specs() {
        let zsh = std::fs::read_to_string(dir.join(format!("zsh/_{tool}"))).unwrap();
        assert!(zsh.starts_with(&format!("#compdef {tool}")), "{tool}: {zsh:.80}");
        let fish = std::fs::read_to_string(dir.join(format!("fish/{tool}.fish"))).unwrap();
        assert!(fish.contains(&format!("complete -c {tool}")), "{tool}");
        assert!(fish.contains("-l help"), "{tool}");
    }
    if Cmd::new("sh").args(["-c", "command -v fish"]).run().code == Some(0) {
        let out = Cmd::new("fish").args(["-n"]).arg(dir.join("fish/unshare-rs.fish")).run();
        out.success();
    }
}

#[test]
fn make_install_and_uninstall() {
    let dest = TempDir::new("dest");
    let bin = tool_path("unshare-rs").parent().unwrap().to_path_buf();
    let make = |target: &str| {
        Cmd::new("make")
            .cwd(repo())
            .args(["-s", target, "PREFIX=/usr/local", "UTIL_LINUX_NAMES=1"])
            .arg(format!("DESTDIR={}", dest.path().display()))
            .arg(format!("BINSRC={}", bin.display()))
            .arg(format!("COMPL={}", dest.join("gen").display()))
            .arg(format!("GEN={}", helper_path("nsutils-gen").display()))
            .timeout(std::time::Duration::from_secs(300))
            .run()
    };
    make("install").success();
    let root = dest.join("usr/local");
    for (tool, _) in specs() {
        assert!(root.join("bin").join(tool).is_file(), "{tool} not installed");
        let ul = tool.trim_end_matches("-rs");
        let link = root.join("bin").join(ul);
        assert_eq!(std::fs::read_link(&link).unwrap(), Path::new(tool));
        // the link speaks with the util-linux name
        let v = Cmd::new(&link).arg("--version").run();
        v.success();
        assert!(v.stdout.starts_with(&format!("{ul} from nsutils")), "{}", v.stdout);
        let section = if tool == "lsns-rs" { 8 } else { 1 };
        assert!(root.join(format!("share/man/man{section}/{tool}.{section}")).is_file());
        assert!(root.join(format!("share/bash-completion/completions/{tool}")).is_file());
        assert!(root.join(format!("share/zsh/site-functions/_{tool}")).is_file());
        assert!(root.join(format!("share/fish/vendor_completions.d/{tool}.fish")).is_file());
    }
    make("uninstall").success();
    let left: Vec<_> = files_below(&root).into_iter().filter(|p| !p.is_dir()).collect();
    assert!(left.is_empty(), "uninstall left {left:?}");
}

#[test]
fn help_lists_every_visible_option() {
    for (tool, spec) in specs() {
        let out = nsutils_tests::tool(tool).arg("--help").run();
        out.success();
        for o in spec.all_opts().filter(|o| !o.hidden) {
            if let Some(l) = o.long {
                assert!(out.stdout.contains(&format!("--{l}")), "{tool} --help lacks --{l}");
            }
        }
    }
}
