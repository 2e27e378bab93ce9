# cvmconform — the two set-up commands are `make run` and `make test`.

GO        ?= go
# Packages with goroutines and shared state get the race detector.
RACE_PKGS ?= ./runner/... ./conformance/...

.PHONY: run test bench bench-smoke bench-run lint soak selftest load report-shot

## run: the conformance suite against the embedded emulator
run:
	$(GO) run ./cmd/cvmconform run

## test: vet, every test, the race detector where it matters
test:
	$(GO) vet ./...
	$(GO) test ./...
	$(GO) test -race -short $(RACE_PKGS)
	$(MAKE) bench-smoke

## bench-smoke: every benchmark once, timing nothing, so that none can rot unseen (make test runs it)
bench-smoke:
	$(GO) test -run '^$$' -bench . -benchtime 1x ./...

## bench: benchmarks, reported as ratios against a baseline measured in the same run
bench:
	$(GO) test -run '^$$' -bench . -skip MakeRun -benchmem -count 5 ./...

## bench-run: the whole of make run, timed, next to the scheduler's critical path
bench-run:
	$(GO) test -run '^$$' -bench MakeRun -benchtime 1x ./conformance

## lint: gofmt and go vet
lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

## soak: the whole suite 20 times in a row against the embedded emulator, its lanes in parallel; any failure is spurious
soak:
	@$(GO) build -o /tmp/cvmconform-soak ./cmd/cvmconform
	@fails=0; for i in $$(seq 20); do \
		if /tmp/cvmconform-soak run >/tmp/cvmconform-soak-$$i.txt 2>&1; then echo "run $$i: pass ($$(tail -2 /tmp/cvmconform-soak-$$i.txt | head -1))"; \
		else fails=$$((fails+1)); echo "run $$i: FAIL (see /tmp/cvmconform-soak-$$i.txt)"; fi; done; \
	echo "$$fails of 20 runs failed"; test $$fails -eq 0

## selftest: precision (the suite passes 20 random emulator variants) and recall (it catches every fault)
selftest:
	$(GO) run ./cmd/cvmconform selftest

## load: LOAD_CLIENTS clients hammer the emulator on loopback for LOAD_DURATION, then stop; only RequestLimitExceeded may refuse, every accepted stop ends STOPPED, fleets are conserved, memory stays flat; prints req/s, p50/p99 latency, RSS
LOAD_DURATION ?= 30s
LOAD_CLIENTS  ?= 32
load:
	$(GO) test ./runner/emulator -run '^TestLoad$$' -count=1 -v -timeout 10m -load.duration $(LOAD_DURATION) -load.clients $(LOAD_CLIENTS)

## report-shot: the HTML report of a run against `emulate --fault stop-any-state`, rendered by headless Chromium to $(SHOT_DIR)/report.png (installs Debian's chromium when missing)
SHOT_DIR    ?= /tmp/cvmconform-report-shot
SHOT_WINDOW ?= 1280,2200
report-shot:
	@command -v chromium >/dev/null 2>&1 || { sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; }
	@mkdir -p $(SHOT_DIR)
	$(GO) build -o $(SHOT_DIR)/cvmconform ./cmd/cvmconform
	@# The emulator's credentials stay in a private temporary file, removed on exit.
	@out=$$(mktemp); chmod 600 $$out; \
	$(SHOT_DIR)/cvmconform emulate --listen 127.0.0.1:0 --fault stop-any-state >$$out 2>&1 & pid=$$!; \
	trap 'kill $$pid 2>/dev/null; rm -f $$out' EXIT; \
	for i in $$(seq 100); do grep -q '^listening on ' $$out && break; sleep 0.1; done; \
	url=$$(sed -n 's/^listening on //p' $$out); \
	test -n "$$url" || { echo "report-shot: the emulator did not start"; exit 1; }; \
	eval "$$(grep '^export ' $$out)"; \
	$(SHOT_DIR)/cvmconform run --endpoint $$url --all-instances --seed 44 --html $(SHOT_DIR)/report.html >$(SHOT_DIR)/run.txt 2>&1; rc=$$?; \
	test $$rc -eq 1 || { echo "report-shot: the run should fail (exit 1), it exited $$rc: see $(SHOT_DIR)/run.txt"; exit 1; }; \
	prof=$$(mktemp -d); trap 'kill $$pid 2>/dev/null; rm -rf $$out $$prof' EXIT; \
	chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-zygote --user-data-dir=$$prof \
		--hide-scrollbars --window-size=$(SHOT_WINDOW) --screenshot=$(abspath $(SHOT_DIR))/report.png file://$(abspath $(SHOT_DIR))/report.html >/dev/null 2>&1; \
	test -s $(SHOT_DIR)/report.png || { echo "report-shot: chromium wrote no PNG"; exit 1; }; \
	echo "$(SHOT_DIR)/report.png: $$(tail -1 $(SHOT_DIR)/run.txt)"
