# srtscope: `make run` sets up and opens the app, `make test` sets up and
# runs every check. Both install missing system packages first.
GO      ?= go
BIN     := bin/srtscope
SHOTS   := build/screenshots
export CGO_ENABLED := 1

.PHONY: setup build run test fmt-check vet lint unit smoke clean

setup:
	@bash scripts/setup.sh

build: setup
	$(GO) build -o $(BIN) .

run: build
	./$(BIN) --demo

test: setup
	@$(MAKE) --no-print-directory fmt-check vet lint unit build smoke

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change: $$out" >&2; exit 1; fi

vet:
	$(GO) vet ./...

# golangci-lint (.golangci.yml) is a tool of the separate tools module, so its
# dependencies never move the app's; the first run builds it (~3 min on 2 cores).
lint:
	$(GO) tool -modfile=tools/go.mod golangci-lint run ./...

unit:
	$(GO) test -race -timeout 15m ./...

smoke:
	bash scripts/smoke.sh $(BIN) $(SHOTS)

clean:
	rm -rf bin build dist

# Installable packages (issue 7, DESIGN.md section 9), written to dist/:
# srtscope-<version>-linux-amd64.tar.xz and srtscope-<version>-windows-amd64.exe.
# `make package` builds both and tests them. They package the committed tree
# (HEAD); PACKAGE_SOURCE=worktree packages uncommitted edits too, VERSION=x.y.z
# overrides FyneApp.toml. The Windows build needs mingw-w64 (~540 MB), so only
# package-windows installs it.
.PHONY: package package-linux package-windows package-test

package-linux: setup
	bash scripts/package-build.sh linux

package-windows:
	@SRTSCOPE_EXTRA_PACKAGES=gcc-mingw-w64-x86-64 bash scripts/setup.sh
	bash scripts/package-build.sh windows

package-test:
	bash scripts/package-test.sh

package: package-linux package-windows
	@$(MAKE) --no-print-directory package-test
