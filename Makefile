# Capturebox: the two commands a newcomer needs are `make run` and `make test`.
.PHONY: run test bench install build test-tools clean

# Install, build and run the capture service in the foreground on the embedded store (./data).
run: build
	npm start

# Install everything the tests need, build, and run the whole suite (unit, medium and end-to-end).
test: test-tools build
	npm test

# Benchmark Capturebox beside MailDev and Mailpit (installed once into ~/.cache/capturebox/bench) and write
# bench/results/<timestamp>.{json,md,png}. BENCH_QUICK=1 for a smoke run of about two minutes.
bench: build
	node bench/dist/main.js

install:
	npm ci --no-audit --no-fund

build: install
	npm run build

test-tools:
	./scripts/ensure-test-tools.sh

clean:
	rm -rf node_modules apps/*/node_modules apps/*/dist apps/*/dist-test e2e/dist e2e/node_modules bench/dist bench/node_modules
