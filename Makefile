# srtscope: `make run` sets up and opens the app, `make test` sets up and
# runs every check. Both install missing system packages first.
GO      ?= go
BIN     := bin/srtscope
SHOTS   := build/screenshots
export CGO_ENABLED := 1

.PHONY: setup build run test fmt-check vet unit smoke clean

setup:
	@bash scripts/setup.sh

build: setup
	$(GO) build -o $(BIN) .

run: build
	./$(BIN) --demo

test: setup
	@$(MAKE) --no-print-directory fmt-check vet unit build smoke

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change: $$out" >&2; exit 1; fi

vet:
	$(GO) vet ./...

unit:
	$(GO) test -race -timeout 15m ./...

smoke:
	bash scripts/smoke.sh $(BIN) $(SHOTS)

clean:
	rm -rf bin build dist
