# Cascade: every command a developer or CI needs. Targets install what they use.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

export PATH := $(HOME)/.cargo/bin:$(PATH)
# The wasm-bindgen CLI must match the library version locked in Cargo.lock exactly.
WASM_BINDGEN_VERSION := $(shell awk '/^name = "wasm-bindgen"$$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
# trunk 0.22 needs a newer rustc than this machine's stable; 0.21.14 builds on it.
TRUNK_VERSION := 0.21.14
CHROMIUM ?= /usr/bin/chromium
CHROMEDRIVER ?= /usr/bin/chromedriver
export CHROMEDRIVER
E2E := tests/e2e
BENCH_SECONDS ?= 60
BENCH_RUNS ?= 3

.PHONY: help tools browser-tools node-deps build serve fmt lint check-core-web-free \
        test-native doc publish-check msrv test-browser test-e2e test screenshots bench soak clean

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{ printf "  make %-20s %s\n", $$1, $$2 }'

tools: ## Install the Rust tools (wasm32 target, rustfmt, clippy, trunk, wasm-bindgen-cli) if missing
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
	@rustup component list --installed | grep -q '^clippy' || rustup component add clippy
	@trunk --version 2>/dev/null | grep -qx 'trunk $(TRUNK_VERSION)' || cargo install trunk --version $(TRUNK_VERSION) --locked
	@test -n "$(WASM_BINDGEN_VERSION)" || { echo "wasm-bindgen is not in Cargo.lock"; exit 1; }
	@wasm-bindgen --version 2>/dev/null | grep -qx 'wasm-bindgen $(WASM_BINDGEN_VERSION)' || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)

browser-tools: ## Install Chromium and ChromeDriver through apt if missing (needs root)
	@if [ -x "$(CHROMIUM)" ] && [ -x "$(CHROMEDRIVER)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else \
		echo "Chromium is missing: run 'sudo apt-get install -y chromium chromium-driver' (or set CHROMIUM and CHROMEDRIVER)"; exit 1; \
	fi

node-deps: ## Install the end-to-end test dependencies (Playwright, no browser download)
	@command -v npm >/dev/null || { echo "Node.js and npm are needed for the end-to-end tests"; exit 1; }
	@[ -d $(E2E)/node_modules/playwright-core ] && [ -d $(E2E)/node_modules/axe-core ] || npm ci --prefix $(E2E) --no-audit --no-fund

build: tools ## Build the site into dist/ (release)
	trunk build --release

serve: tools ## Build and serve the playground on http://127.0.0.1:8080
	trunk serve --release

fmt: ## Format all Rust code
	cargo fmt --all

lint: tools ## rustfmt check and clippy (native and wasm32) with warnings as errors
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	cargo clippy -p cascade --all-targets --target wasm32-unknown-unknown --locked -- -D warnings

check-core-web-free: ## Fail if the simulation core depends on a web crate
	@found=$$(cargo tree -p cascade-sim --target all -e normal,build --prefix none --locked \
		| grep -E '^(yew|web-sys|js-sys|wasm-bindgen|gloo[a-z-]*|getrandom) v' || true); \
	if [ -n "$$found" ]; then echo "cascade-sim must stay web-free, but depends on:"; echo "$$found"; exit 1; fi; \
	echo "cascade-sim has no web dependency"

# `cargo test` runs the doctests of every library crate too (the core's crate-level example
# among them): its output has a "Doc-tests cascade_sim" section.
test-native: ## Unit, scenario, model and doc tests on the host
	cargo test --workspace --locked

doc: ## The API documentation of the core and the CLI as docs.rs builds it, warnings as errors (target/doc/)
	RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked -p cascade-sim -p cascade-cli

# Packages both crates as crates.io would (only what `include` lists), then builds each from its
# package, the CLI against the packaged core: cargo publish of several packages at once (cargo
# 1.90 or newer) verifies them together although cascade-sim is not on crates.io. Reads the
# crates.io index. Cargo warns that the packages leave the tests and the benchmark out: they
# stay in the repository on purpose.
publish-check: ## cargo publish --dry-run of cascade-sim and cascade-cli
	@# Cargo unpacks the packaged core into its registry sources under a name made from this
	@# checkout's path, and a registry crate is never rebuilt once built (it cannot change): a
	@# later dry run with changed sources would build the CLI against a stale copy. So the
	@# copies are removed and the verification builds in a target directory of its own, new
	@# each time (about a minute of compiling).
	rm -rf "$${CARGO_HOME:-$$HOME/.cargo}"/registry/src/-*/cascade-sim-* "$${CARGO_HOME:-$$HOME/.cargo}"/registry/src/-*/cascade-cli-* \
		"$${CARGO_TARGET_DIR:-target}/publish-check"
	CARGO_TARGET_DIR="$${CARGO_TARGET_DIR:-target}/publish-check" \
		cargo publish --dry-run --allow-dirty --locked -p cascade-sim -p cascade-cli

MSRV := $(shell sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
msrv: ## The native tests on the oldest Rust Cargo.toml claims (its rust-version), installed by rustup if missing
	@rustup toolchain list | grep -q '^$(MSRV)-' || rustup toolchain install $(MSRV) --profile minimal
	cargo +$(MSRV) test --workspace --locked

test-browser: tools browser-tools ## wasm-bindgen tests in headless Chromium
	cargo test --target wasm32-unknown-unknown --test browser --locked

test-e2e: build browser-tools node-deps ## End-to-end tests against dist/ in headless Chromium
	cargo build --locked -p cascade-cli
	CASCADE_CLI=$(CURDIR)/target/debug/cascade npm test --prefix $(E2E)

test: tools browser-tools node-deps lint check-core-web-free test-native doc publish-check test-browser test-e2e ## Everything CI runs
	@echo "make test: all checks passed"

screenshots: build browser-tools node-deps ## The README's pictures (1280 and 360 px, light and dark) into docs/screenshots/
	node $(E2E)/screenshots.mjs

bench: build browser-tools node-deps ## Every performance figure with its budget (native and wasm speed, frame work, bundle, first topology, CLI memory); updates the README table
	@[ -x /usr/bin/time ] || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq time >/dev/null; } || \
		{ echo "GNU time is needed for the CLI's peak memory: apt-get install time"; exit 1; }
	@cargo build --quiet --release --locked -p cascade-cli
	@cargo build --quiet --release --locked -p cascade-sim --example bench
	@# The CLI's own peak resident memory, measured by GNU time around the process alone.
	@start=$$(date +%s.%N); \
	peak_kb=$$(/usr/bin/time -f %M target/release/cascade run --preset reference --rate 1000 --duration 1h 2>&1 >/dev/null | tail -n 1); \
	end=$$(date +%s.%N); \
	cli=$$(awk -v kb="$$peak_kb" -v s="$$start" -v e="$$end" 'BEGIN { printf "{\"peak_kb\": %d, \"wall_s\": %.2f}", kb, e - s }'); \
	native=$$(target/release/examples/bench $(BENCH_SECONDS) $(BENCH_RUNS)); \
	node $(E2E)/bench.mjs "$$native" $(BENCH_SECONDS) $(BENCH_RUNS) "$$cli"

soak: ## The seed swarm with 100,000 random topologies and a million fuzzed share links (release)
	SWARM_CASES=100000 cargo test --release --locked -p cascade-sim --test all -- swarm::
	SHARE_FUZZ_CASES=1000000 cargo test --release --locked -p cascade --test model share_fuzz -- --nocapture

clean: ## Remove build output
	cargo clean
	rm -rf dist
