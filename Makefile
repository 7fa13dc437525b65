# Capturebox: the two commands a newcomer needs are `make run` and `make test`.
.PHONY: run test bench install build build-app test-tools clean

# Install (when the lockfile changed), build what the service needs (incrementally) and run it in the
# foreground on the embedded store (./data), listening on 127.0.0.1 unless CAPTUREBOX_BIND says otherwise.
run: build-app
	CAPTUREBOX_BIND="$${CAPTUREBOX_BIND:-127.0.0.1}" npm start

# Install everything the tests need, build, and run the whole suite (unit, medium and end-to-end).
test: test-tools build
	npm test

# Benchmark Capturebox beside MailDev and Mailpit (installed once into ~/.cache/capturebox/bench) and write
# bench/results/<timestamp>.{json,md,png}. BENCH_QUICK=1 for a smoke run of about two minutes.
bench: build
	node bench/dist/main.js

# npm ci only when the lockfile or a package.json is newer than the last install (npm rewrites
# node_modules/.package-lock.json on every install).
WORKSPACE_MANIFESTS := package.json package-lock.json $(wildcard packages/*/package.json apps/*/package.json) e2e/package.json operator/package.json bench/package.json examples/signup-suite/package.json
node_modules/.package-lock.json: $(WORKSPACE_MANIFESTS)
	npm ci --no-audit --no-fund
	@touch $@

install: node_modules/.package-lock.json

build: install
	npm run build

# The service's build (the shared limits, tsc, then the web UI's esbuild) only when one of its inputs is newer
# than the last build that finished: finding nothing to do takes tsc and esbuild seconds, make a few stat calls.
APP_BUILD_INPUTS := $(shell find packages/limits/src apps/capture/src apps/capture/web-ui -type f) packages/limits/package.json apps/capture/package.json apps/capture/tsconfig.json tsconfig.base.json
apps/capture/dist/.build-app.stamp: $(APP_BUILD_INPUTS) node_modules/.package-lock.json
	npm run build --workspace packages/limits
	npm run build:app --workspace apps/capture
	@touch $@

build-app: apps/capture/dist/.build-app.stamp

test-tools:
	./scripts/ensure-test-tools.sh

clean:
	rm -rf node_modules packages/*/dist apps/*/node_modules apps/*/dist apps/*/dist-test e2e/dist e2e/node_modules bench/dist bench/node_modules
