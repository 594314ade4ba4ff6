# nsutils — build, test, demo and install.
#
#   make demo      build the tools and run the walkthrough (root)
#   make test      run every test (the command CI runs)

CARGO ?= cargo

.PHONY: all build release test demo
all: build

build:
	$(CARGO) build --workspace --bins

release:
	$(CARGO) build --release --workspace --bins

test:
	scripts/test.sh

demo:
	scripts/setup-deps.sh
	$(CARGO) build --release --workspace --bins
	scripts/demo.sh target/release
