//! Packaging: the Debian package (scripts/deb.sh) installed with `dpkg -i`
//! beside util-linux, used, removed and purged; `make install` and
//! `make uninstall` leaving nothing behind.
//!
//! Installing for real would change the machine under every other test and
//! suite running on it (and wait on their apt's locks). So each test runs in
//! a private mount namespace where /usr, /etc and /var are overlays of the
//! real ones with their changes on a tmpfs: dpkg, man and the tools see the
//! real system with util-linux's package in it, and everything written
//! vanishes with the namespace.

use std::path::Path;

use nsutils_tests::container::musl_dir;
use nsutils_tests::oci::project_root;
use nsutils_tests::{helper_path, require_root, skip, util_linux, Cmd, Output, TempDir};

/// Mount the overlays (a lower view of each directory is bind-mounted to
/// $T/<dir>.l first, so a script can tell what was there before).
const OVERLAYS: &str = r#"
set -eu
mount -t tmpfs tmpfs "$T/ovl"
for d in usr etc var; do
  mkdir "$T/ovl/$d.l" "$T/ovl/$d.u" "$T/ovl/$d.w"
  mount --bind "/$d" "$T/ovl/$d.l"
  mount -t overlay overlay -o "lowerdir=$T/ovl/$d.l,upperdir=$T/ovl/$d.u,workdir=$T/ovl/$d.w" "/$d"
done
# what is left in an upper layer after a removal: files and links that were
# not there before, and directories that were not there before
left_in() {
  (cd "$T/ovl/$1.u" && find . -mindepth 1 \( -type f -o -type l -o -type d \) -print) | while read -r p; do
    [ -e "$T/ovl/$1.l/$p" ] || [ -L "$T/ovl/$1.l/$p" ] || echo "/$1/${p#./}"
  done
}
"#;

/// Run `script` (after [`OVERLAYS`]) in a private mount namespace, with
/// `T` = `tmp` and `args` as $1….
fn in_overlay(tmp: &TempDir, script: &str, args: &[&str]) -> Output {
    std::fs::create_dir(tmp.join("ovl")).unwrap();
    util_linux("unshare")
        .args(["-m", "--propagation", "private", "bash", "-c"])
        .arg(format!("{OVERLAYS}\n{script}"))
        .arg("bash")
        .args(args)
        .env("T", tmp.path())
        .timeout(std::time::Duration::from_secs(300))
        .run()
}

/// Generated completions in `dir` (nsutils-gen, as `make completions` does).
fn completions(dir: &Path) {
    Cmd::new(helper_path("nsutils-gen")).arg("completions").arg(dir).run().success();
}

fn static_binaries(test: &str) -> Option<std::path::PathBuf> {
    if !require_root() {
        return None;
    }
    let bins = musl_dir();
    if !bins.join("lsns-rs").is_file() {
        skip(test, &format!("no static binaries in {} (scripts/test.sh builds them)", bins.display()));
        return None;
    }
    Some(bins)
}

#[test]
fn the_deb_installs_beside_util_linux_works_and_leaves_nothing_when_purged() {
    let test = "the_deb_installs_beside_util_linux_works_and_leaves_nothing_when_purged";
    let Some(bins) = static_binaries(test) else { return };
    let tmp = TempDir::new("deb");
    completions(&tmp.join("compl"));
    // the debug builds, stripped as the release ones are: compressing their
    // debug information would take most of a minute
    let stripped = tmp.join("bin");
    std::fs::create_dir(&stripped).unwrap();
    for (t, _) in nsutils_tests::TOOLS {
        Cmd::new("strip").arg("-o").arg(stripped.join(t)).arg(bins.join(t)).run().success();
    }
    let built = Cmd::new(project_root().join("scripts/deb.sh"))
        .arg("-b")
        .arg(&stripped)
        .arg("-o")
        .arg(tmp.join("out"))
        .arg("-c")
        .arg(tmp.join("compl"))
        // its staging directory too, so a killed build leaves nothing
        .env("TMPDIR", tmp.path())
        // the util-linux names stay out of the package whatever the
        // environment says (their files are util-linux's)
        .env("UTIL_LINUX_NAMES", "1")
        .run();
    built.success();
    let deb = built.stdout.trim().to_string();
    assert_eq!(deb, tmp.join(format!("out/nsutils_{}_amd64.deb", env!("CARGO_PKG_VERSION"))).display().to_string());

    let out = in_overlay(
        &tmp,
        r#"
deb=$1
ul_before=$(dpkg-query -W -f '${Status} ${Version}' util-linux)
dpkg -i "$deb" >/dev/null
echo "status: $(dpkg-query -W -f '${Status}' nsutils)"
dpkg -L nsutils >"$T/files"
for t in unshare-rs nsenter-rs lsns-rs ipcmk-rs ipcs-rs ipcrm-rs; do
  echo "path: $(command -v $t)"
  $t -V | sed 's/ from nsutils .*//; s/^/version: /'
done
# the installed tools at work on real namespaces
echo "uts: $(unshare-rs -u sh -c 'hostname nsutils-pkg; hostname')"
echo "ipc: $(unshare-rs -i sh -c 'ipcmk-rs -Q >/dev/null; ipcs-rs -q | grep -c ^0x')"
nsenter-rs -t $$ -m -u true && echo "nsenter: ok"
lsns-rs -p $$ -n -o TYPE | sort | tr '\n' ' ' | sed 's/^/lsns: /; s/ $/\n/'
echo "man: $(MANPAGER=cat MANWIDTH=200 man unshare-rs 2>&1 | grep -m1 -o 'unshare-rs *- .*' | tr -s ' ')"
echo "man8: $(MANPAGER=cat MANWIDTH=200 man 8 lsns-rs 2>&1 | grep -m1 -o 'lsns-rs *- .*' | tr -s ' ')"
for f in /usr/share/bash-completion/completions/unshare-rs /usr/share/zsh/vendor-completions/_lsns-rs /usr/share/fish/vendor_completions.d/ipcs-rs.fish /usr/share/doc/nsutils/copyright /usr/share/doc/nsutils/changelog.gz; do
  [ -s "$f" ] && echo "file: $f"
done
# beside util-linux: its package untouched, its files its own, none of
# them in ours
echo "util-linux unchanged: $([ "$(dpkg-query -W -f '${Status} ${Version}' util-linux)" = "$ul_before" ] && echo yes)"
dpkg -L util-linux | sort >"$T/ul-files"
sort "$T/files" | comm -12 - "$T/ul-files" | while read -r f; do [ -d "$f" ] || echo "shared with util-linux: $f"; done
grep -E '/(unshare|nsenter|lsns|ipcmk|ipcs|ipcrm)(\.[18](\.gz)?|\.fish)?$|/_(unshare|nsenter|lsns|ipcmk|ipcs|ipcrm)$' "$T/files" | sed 's/^/util-linux name: /'
echo "bash completion of unshare is util-linux's: $(dpkg -S /usr/share/bash-completion/completions/unshare | cut -d: -f1)"
echo "unshare is util-linux's: $(dpkg -S /usr/bin/unshare | cut -d: -f1)"
dpkg --verify util-linux nsutils && echo "verify: ok"
# no conffiles: removing it is purging it
dpkg -r nsutils >/dev/null
echo "after -r: $(dpkg-query -W -f '${Status}' nsutils 2>&1)"
# its files gone (directories are judged by the layers: there before, or not)
while read -r f; do [ -d "$f" ] || [ ! -e "$f" ] || echo "left: $f"; done <"$T/files"
left_in usr | sed 's/^/left: /'
left_in etc | sed 's/^/left: /'
ls /var/lib/dpkg/info/nsutils.* 2>/dev/null | sed 's/^/left: /'
echo done
"#,
        &[&deb],
    );
    out.success();
    let version = env!("CARGO_PKG_VERSION");
    let mut want = String::from("status: install ok installed\n");
    for (t, _) in nsutils_tests::TOOLS {
        want += &format!("path: /usr/bin/{t}\nversion: {t}\n");
    }
    want += "uts: nsutils-pkg\nipc: 1\nnsenter: ok\nlsns: cgroup ipc mnt net pid time user uts\n";
    want += "man: unshare-rs - run a program with some namespaces unshared from the parent\nman8: lsns-rs - list namespaces\n";
    for f in [
        "/usr/share/bash-completion/completions/unshare-rs",
        "/usr/share/zsh/vendor-completions/_lsns-rs",
        "/usr/share/fish/vendor_completions.d/ipcs-rs.fish",
        "/usr/share/doc/nsutils/copyright",
        "/usr/share/doc/nsutils/changelog.gz",
    ] {
        want += &format!("file: {f}\n");
    }
    want += "util-linux unchanged: yes\nbash completion of unshare is util-linux's: util-linux\n";
    want += "unshare is util-linux's: util-linux\nverify: ok\n";
    want += "after -r: dpkg-query: no packages found matching nsutils\ndone\n";
    assert_eq!(out.stdout, want, "stderr:\n{}\n(version {version})", out.stderr);
}

#[test]
fn make_install_and_uninstall_leave_nothing_behind() {
    let test = "make_install_and_uninstall_leave_nothing_behind";
    let Some(bins) = static_binaries(test) else { return };
    let tmp = TempDir::new("inst");
    let gen = helper_path("nsutils-gen");
    let make = |dest: &str, what: &str, extra: &[&str]| {
        Cmd::new("make")
            .arg("-s")
            .arg("-C")
            .arg(project_root())
            .arg(what)
            .arg(format!("DESTDIR={dest}"))
            .arg(format!("BINSRC={}", bins.display()))
            .arg(format!("GEN={}", gen.display()))
            .arg(format!("COMPL={}", tmp.join("compl").display()))
            .args(extra)
            .run()
    };
    // staged (packaging): the tree empties completely
    let stage = tmp.join("stage");
    std::fs::create_dir(&stage).unwrap();
    let dest = stage.display().to_string();
    make(&dest, "install", &["PREFIX=/usr", "UTIL_LINUX_NAMES=1"]).success();
    assert!(stage.join("usr/bin/lsns-rs").is_file() && stage.join("usr/share/man/man8/lsns-rs.8").is_file());
    assert_eq!(std::fs::read_link(stage.join("usr/bin/nsenter")).unwrap(), Path::new("nsenter-rs"));
    // the util-linux names' man pages and completions
    assert_eq!(std::fs::read_link(stage.join("usr/share/man/man1/unshare.1")).unwrap(), Path::new("unshare-rs.1"));
    assert_eq!(std::fs::read_link(stage.join("usr/share/man/man8/lsns.8")).unwrap(), Path::new("lsns-rs.8"));
    for f in [
        "usr/share/bash-completion/completions/ipcrm",
        "usr/share/zsh/site-functions/_nsenter",
        "usr/share/fish/vendor_completions.d/lsns.fish",
    ] {
        let text = std::fs::read_to_string(stage.join(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        assert!(text.contains("Generated by nsutils-gen"), "{f}: {text}");
    }
    make(&dest, "uninstall", &["PREFIX=/usr", "UTIL_LINUX_NAMES=1"]).success();
    let left: Vec<_> = std::fs::read_dir(&stage).unwrap().map(|e| e.unwrap().path()).collect();
    assert!(left.is_empty(), "left in the staged tree: {left:?}");

    // on the system (/usr/local, in the overlay): nothing that was not
    // there before, and what was there (bin, share, share/man) stays
    let script = r#"
make -s -C "$1" install BINSRC="$2" GEN="$3" COMPL="$T/compl" UTIL_LINUX_NAMES=1 >/dev/null
[ -x /usr/local/bin/unshare-rs ] && [ -f /usr/local/share/man/man1/unshare-rs.1 ] && echo installed
# the util-linux names shadow util-linux's: PATH, man, bash-completion's loader
PATH=/usr/local/bin:$PATH
echo "unshare: $(unshare -V | cut -d' ' -f1-3)"
echo "man: $(MANPAGER=cat MANWIDTH=200 man unshare 2>&1 | grep -m1 -o 'unshare-rs *- .*' | tr -s ' ')"
echo "bash: $(bash --norc -c '. /usr/share/bash-completion/bash_completion; __load_completion unshare; complete -p unshare')"
# with PREFIX=/usr they would replace util-linux's own: refused, nothing changed
make -s -C "$1" install PREFIX=/usr BINSRC="$2" GEN="$3" COMPL="$T/compl" UTIL_LINUX_NAMES=1 >/dev/null 2>"$T/err" || echo "refused: $(grep -c 'not nsutils' "$T/err")"
[ -e /usr/bin/unshare-rs ] && echo "installed in /usr"
echo "unshare is util-linux's: $(dpkg -S /usr/bin/unshare | cut -d: -f1)"
make -s -C "$1" uninstall >/dev/null
left_in usr | sed 's/^/left: /'
for d in /usr/local /usr/local/bin /usr/local/share; do [ -d $d ] || echo "removed: $d"; done
echo done
"#;
    let out = in_overlay(
        &tmp,
        script,
        &[&project_root().display().to_string(), &bins.display().to_string(), &gen.display().to_string()],
    );
    out.success();
    let want = "installed\nunshare: unshare from nsutils\n\
                man: unshare-rs - run a program with some namespaces unshared from the parent\n\
                bash: complete -F _nsutils_unshare_rs unshare\nrefused: 1\nunshare is util-linux's: util-linux\ndone\n";
    assert_eq!(out.stdout, want, "stderr:\n{}", out.stderr);
}
