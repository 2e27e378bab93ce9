# cvmconform — the two set-up commands are `make run` and `make test`.

GO        ?= go
# Packages with goroutines and shared state get the race detector.
RACE_PKGS ?= ./runner/... ./conformance/...

.PHONY: run test bench bench-smoke bench-run lint soak selftest load

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
