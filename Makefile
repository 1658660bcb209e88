# qtriage — common tasks. `make test` is the test command CI runs.
GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X github.com/qtriage/qtriage/internal/cli.version=$(VERSION)
FUZZTIME  ?= 20s
PKGS      := ./...

.PHONY: build test check bench fuzz deps clean demo

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/qtriage ./cmd/qtriage

# demo runs qtriage against its built-in Microsoft 365 emulator, with a demo
# tenant and demo mail, on http://127.0.0.1:8080 (data in ./qtriage-demo).
demo: build
	./bin/qtriage demo

# deps installs what the tests use from Debian when it is missing (openssl).
deps:
	@scripts/ensure-deps

test: deps
	$(GO) test -count=1 -timeout 30m $(PKGS)

check:
	@out=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) tool staticcheck $(PKGS)

bench:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# fuzz runs every fuzz target for FUZZTIME each.
fuzz:
	@set -e; for pkg in $$($(GO) list $(PKGS)); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$t"; $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

clean:
	rm -rf bin
