# Capturebox: the two commands a newcomer needs are `make run` and `make test`.
.PHONY: run test install build test-tools clean

# Install, build and run the capture service in the foreground on the embedded store (./data).
run: build
	npm start

# Install everything the tests need, build, and run the whole suite (unit, medium and end-to-end).
test: test-tools build
	npm test

install:
	npm ci --no-audit --no-fund

build: install
	npm run build

test-tools:
	./scripts/ensure-test-tools.sh

clean:
	rm -rf node_modules apps/*/node_modules apps/*/dist e2e/dist e2e/node_modules
