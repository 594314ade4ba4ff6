# nsutils — build, test, demo, install.
#
#   make demo        build the tools and run the seeds' walkthrough (as root)
#   make test        run every test (what CI runs)
#   make static      stripped static musl binaries of all six for x86_64 and
#                    aarch64 (STATIC_TARGETS), with their sizes
#   make image       the container image (Containerfile: FROM scratch, the six
#                    static binaries) with podman; IMAGE_ARCH=aarch64 for arm64
#   make dist        release tarballs (binaries, man pages, completions,
#                    licences, README, CHANGELOG) and .deb packages for
#                    x86_64 and aarch64 with SHA256SUMS, in target/dist
#   make deb         nsutils_<version>_<arch>.deb of the host's static build
#   make completions bash/zsh/fish completions into target/completions
#   make install     binaries (the static build), man pages and completions
#                    under $(DESTDIR)$(PREFIX)
#                    UTIL_LINUX_NAMES=1 also links unshare -> unshare-rs, …
#   make uninstall   remove what install put there
#   make bench       benchmarks against util-linux (bench/README.md)
#   make soak        the reliability suite at scale: 10,000 leftover runs and
#                    20,000 churn runs (scripts/soak.sh; a few minutes, as root)
#   make fuzz        every cargo-fuzz target for 10 minutes (scripts/fuzz.sh;
#                    FUZZ_SECONDS=60 for a shorter run)

CARGO   ?= cargo
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
BASHDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHDIR  ?= $(PREFIX)/share/zsh/site-functions
FISHDIR ?= $(PREFIX)/share/fish/vendor_completions.d
# The host architecture's static musl build is what `install` installs: it
# starts in a tenth of the CPU time of the glibc build (no dynamic loader,
# no libc.so/libgcc_s.so to map and relocate; `unshare-rs -V`: 0.08 ms
# against 0.85 ms, util-linux 0.87 ms) and is as fast at scale (bench/RESULTS.md).
# BINSRC=target/release installs the glibc build instead (built by `make release`);
# any other BINSRC is taken as it is.
HOST_STATIC := $(shell uname -m)-unknown-linux-musl
BINSRC  ?= target/$(HOST_STATIC)/release
UTIL_LINUX_NAMES ?= 0
STATIC_TARGETS ?= x86_64-unknown-linux-musl aarch64-unknown-linux-musl

TOOLS    := unshare-rs nsenter-rs lsns-rs ipcmk-rs ipcs-rs ipcrm-rs
PACKAGES := -p unshare-rs -p nsenter-rs -p lsns-rs -p ipcmk-rs
MANPAGES := man/unshare-rs.1 man/nsenter-rs.1 man/lsns-rs.8 man/ipcmk-rs.1 man/ipcs-rs.1 man/ipcrm-rs.1
COMPL    := target/completions

.PHONY: all build release test demo static static-host image dist deb completions install uninstall bench soak fuzz
all: build

build:
	$(CARGO) build --workspace --bins

release:
	$(CARGO) build --release $(PACKAGES) --bins

test:
	scripts/test.sh

demo:
	scripts/setup-deps.sh
	$(CARGO) build --release $(PACKAGES) --bins
	scripts/demo.sh target/release

static:
	scripts/static.sh $(STATIC_TARGETS)

# release tarballs and Debian packages for x86_64 and aarch64, with
# SHA256SUMS, in target/dist (scripts/dist.sh)
dist:
	scripts/dist.sh

# the Debian package of the host's static build (scripts/deb.sh)
deb: static-host completions
	scripts/deb.sh -b target/$(HOST_STATIC)/release -o target/dist

IMAGE_ARCH ?= x86_64
image:
	scripts/static.sh $(IMAGE_ARCH)-unknown-linux-musl
	scripts/image.sh -b target/$(IMAGE_ARCH)-unknown-linux-musl/release

# GEN: an already built nsutils-gen (else cargo builds and runs it)
completions:
	$(if $(GEN),$(GEN),$(CARGO) run --quiet -p nsutils-tests --bin nsutils-gen --) completions $(COMPL)

bench:
	bench/run.sh

soak:
	scripts/soak.sh

FUZZ_SECONDS ?= 600
fuzz:
	scripts/fuzz.sh $(FUZZ_SECONDS)

# the host's static release build, without static.sh's size gate
static-host:
	$(CARGO) build --release --target $(HOST_STATIC) $(PACKAGES) --bins

# `install` builds the binaries it installs first, unless BINSRC points elsewhere
install: $(if $(filter target/$(HOST_STATIC)/release,$(BINSRC)),static-host,$(if $(filter target/release,$(BINSRC)),release)) completions
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(BASHDIR) $(DESTDIR)$(ZSHDIR) $(DESTDIR)$(FISHDIR)
	for t in $(TOOLS); do install -m 0755 $(BINSRC)/$$t $(DESTDIR)$(BINDIR)/$$t; done
	for m in $(MANPAGES); do s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	for t in $(TOOLS); do \
		install -m 0644 $(COMPL)/bash/$$t $(DESTDIR)$(BASHDIR)/$$t; \
		install -m 0644 $(COMPL)/zsh/_$$t $(DESTDIR)$(ZSHDIR)/_$$t; \
		install -m 0644 $(COMPL)/fish/$$t.fish $(DESTDIR)$(FISHDIR)/$$t.fish; \
	done
	if [ "$(UTIL_LINUX_NAMES)" = 1 ]; then \
		for t in $(TOOLS); do ln -sf $$t $(DESTDIR)$(BINDIR)/$${t%-rs}; done; \
	fi

uninstall:
	for t in $(TOOLS); do \
		rm -f $(DESTDIR)$(BINDIR)/$$t $(DESTDIR)$(BASHDIR)/$$t $(DESTDIR)$(ZSHDIR)/_$$t $(DESTDIR)$(FISHDIR)/$$t.fish; \
		l=$(DESTDIR)$(BINDIR)/$${t%-rs}; [ -L $$l ] && [ "$$(readlink $$l)" = $$t ] && rm -f $$l || true; \
	done
	for m in $(MANPAGES); do s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m#man/}; done
	@# the directories install made, where now empty, and their empty parents:
	@# up to DESTDIR in a staged tree; on the system itself not PREFIX, its
	@# bin and share, or the man directory, which others use too
	for d in $(BINDIR) $(MANDIR)/man1 $(MANDIR)/man8 $(BASHDIR) $(ZSHDIR) $(FISHDIR); do \
		while [ -n "$$d" ] && [ "$$d" != / ] && [ "$$d" != . ]; do \
			if [ -z "$(DESTDIR)" ]; then \
				case $$d in $(PREFIX)|$(PREFIX)/bin|$(PREFIX)/share|$(MANDIR)) break ;; esac; \
			fi; \
			rmdir "$(DESTDIR)$$d" 2>/dev/null || break; \
			d=$${d%/*}; \
		done; \
	done
