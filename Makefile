# Builds, tests and deploys the appointment-request functions.
#
# SAM builds each function with `make build-<LogicalId>` (BuildMethod:
# makefile), passing ARTIFACTS_DIR; the tests use the same targets with
# GOARCH set to the machine's own architecture.

GOARCH ?= arm64
ARTIFACTS_DIR ?= .aws-sam/local
# Fuzzing budgets are counts of executions, about five seconds each here:
# with a duration, Go 1.26's fuzzing coordinator can report its own
# deadline as a failure when a busy machine leaves a worker mid-run at the
# end (golang/go#75804). Set FUZZTIME (such as 60s) to fuzz every target
# for that long instead.
FUZZ_DECODE ?= 100000x
FUZZ_COMPOSE ?= 4000x
FUZZ_ADDRESS ?= 50000x
FUZZ_GREETING ?= 50000x
FUZZ_PAGES ?= 2000x
ifdef FUZZTIME
FUZZ_DECODE = $(FUZZTIME)
FUZZ_COMPOSE = $(FUZZTIME)
FUZZ_ADDRESS = $(FUZZTIME)
FUZZ_GREETING = $(FUZZTIME)
FUZZ_PAGES = $(FUZZTIME)
endif
GO ?= go

# go-bootstrap builds the Lambda bootstrap of the function in directory $(1)
# for the provided.al2023 runtime.
define go-bootstrap
	mkdir -p "$(ARTIFACTS_DIR)"
	CGO_ENABLED=0 GOOS=linux GOARCH=$(GOARCH) $(GO) build -tags lambda.norpc -trimpath -ldflags="-s -w" -o "$(ARTIFACTS_DIR)/bootstrap" ./functions/$(1)
endef

.PHONY: run bench-local build build-SubmitFunction build-NotifyFunction build-ManageFunction build-DigestFunction build-FeedbackFunction build-RemindFunction test unit fuzz lint fmt-check vet cfn-lint bench deploy clean invoke screenshots

## run: the local server on http://localhost:3000 (PORT overrides); embedded
## database in .local/, or DynamoDB and SES at AWS_ENDPOINT_URL; ARGS passes
## flags, such as ARGS="-data .local-2"
run:
	$(GO) run ./cmd/local $(ARGS)

## bench-local: the local server's throughput, latency and restart time with
## 20,000 requests stored (docs/performance.md)
bench-local:
	$(GO) run ./devtools/benchlocal

build-SubmitFunction:
	$(call go-bootstrap,submit)

build-NotifyFunction:
	$(call go-bootstrap,notify)

build-ManageFunction:
	$(call go-bootstrap,manage)

build-DigestFunction:
	$(call go-bootstrap,digest)

build-FeedbackFunction:
	$(call go-bootstrap,feedback)

build-RemindFunction:
	$(call go-bootstrap,remind)

build:
	sam build

## test: everything: format, vet, template lint, unit and integration tests, fuzzing
test: lint unit fuzz

unit: node_modules/.package-lock.json
	$(GO) test -race -count=1 ./...

# Test tools pinned by package-lock.json: axe-core for the demo form's
# accessibility check, and @cloud-copilot/iam-simulate, which evaluates
# every AWS call the functions make in the tests against their IAM roles
# (internal/testing/iamsim, run by Node.js as a separate process; never built into
# anything deployed). Without npm the accessibility check is skipped
# locally (and fails in CI), with a message saying so; the IAM checks fail
# with the command that installs it.
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund; \
	else echo "npm is missing (apt-get install -y npm): the demo form's accessibility check and the IAM simulation cannot run"; fi

## screenshots: refresh docs/screenshots from the browser test
screenshots: node_modules/.package-lock.json
	$(GO) test -count=1 -run '^TestBrowser(ActionPage)?Screenshots$$' ./internal/local/devserver -update-screenshots

fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzDecode$$' -fuzztime=$(FUZZ_DECODE) ./internal/httpapi
	$(GO) test -run='^$$' -fuzz='^FuzzCompose$$' -fuzztime=$(FUZZ_COMPOSE) ./internal/email
	$(GO) test -run='^$$' -fuzz='^FuzzSESAddress$$' -fuzztime=$(FUZZ_ADDRESS) ./internal/appointment
	$(GO) test -run='^$$' -fuzz='^FuzzGreetingName$$' -fuzztime=$(FUZZ_GREETING) ./internal/appointment
	$(GO) test -run='^$$' -fuzz='^FuzzCheckFile$$' -fuzztime=$(FUZZ_PAGES) ./internal/local/localstore

lint: fmt-check vet cfn-lint

fmt-check:
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './.aws-sam/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

cfn-lint:
	@command -v cfn-lint >/dev/null || { echo "cfn-lint is missing: pip install cfn-lint"; exit 1; }
	cfn-lint template.yaml

## bench: each function's bootstrap size, cold start, warm latency, CPU,
## AWS calls and memory beside a hello-world function's, then the Go
## benchmarks (devtools/bench); BENCHFLAGS passes flags, such as -short or
## -o table.md. Then a burst of 150 requests drained through
## NotifyFunction's handler against SES limited to 14 sends a second
## (devtools/burst, with moto_server); BURSTFLAGS passes flags, such as -busy
bench:
	env -u AWS_CA_BUNDLE $(GO) run ./devtools/bench $(BENCHFLAGS)
	env -u AWS_CA_BUNDLE $(GO) run ./devtools/burst $(BURSTFLAGS)

deploy:
	sam build && sam deploy

clean:
	rm -rf .aws-sam

## invoke: run one function's bootstrap under the Lambda Runtime Interface
## Emulator, like sam local invoke without Docker:
## make invoke FN=<LogicalId> EVENT=<file> [PARAMS='Name=Value ...']
invoke:
	@test -n "$(FN)" && test -n "$(EVENT)" || { echo "usage: make invoke FN=<LogicalId> EVENT=<file> [PARAMS='Name=Value ...']" >&2; exit 2; }
	@$(MAKE) --no-print-directory build-$(FN) ARTIFACTS_DIR=.aws-sam/invoke/$(FN) GOARCH=$$($(GO) env GOHOSTARCH) >&2
	@$(GO) run ./cmd/invoke -function '$(FN)' -event '$(EVENT)' -bootstrap '.aws-sam/invoke/$(FN)/bootstrap' $(addprefix -param ,$(PARAMS))
