# Builds, tests and deploys the appointment-request functions.
#
# SAM builds each function with `make build-<LogicalId>` (BuildMethod:
# makefile), passing ARTIFACTS_DIR; the tests use the same targets with
# GOARCH set to the machine's own architecture.

GOARCH ?= arm64
ARTIFACTS_DIR ?= .aws-sam/local
FUZZTIME ?= 5s
GO ?= go

# go-bootstrap builds the Lambda bootstrap of the function in directory $(1)
# for the provided.al2023 runtime.
define go-bootstrap
	mkdir -p "$(ARTIFACTS_DIR)"
	CGO_ENABLED=0 GOOS=linux GOARCH=$(GOARCH) $(GO) build -tags lambda.norpc -trimpath -ldflags="-s -w" -o "$(ARTIFACTS_DIR)/bootstrap" ./functions/$(1)
endef

.PHONY: build build-SubmitFunction build-NotifyFunction test unit fuzz lint fmt-check vet cfn-lint bench deploy clean

build-SubmitFunction:
	$(call go-bootstrap,submit)

build-NotifyFunction:
	$(call go-bootstrap,notify)

build:
	sam build

## test: everything: format, vet, template lint, unit and integration tests, fuzzing
test: lint unit fuzz

unit:
	$(GO) test -race -count=1 ./...

fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzDecode$$' -fuzztime=$(FUZZTIME) ./internal/httpapi
	$(GO) test -run='^$$' -fuzz='^FuzzCompose$$' -fuzztime=$(FUZZTIME) ./internal/email

lint: fmt-check vet cfn-lint

fmt-check:
	@out=$$(gofmt -l $$(find . -name '*.go' -not -path './.aws-sam/*')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

cfn-lint:
	@command -v cfn-lint >/dev/null || { echo "cfn-lint is missing: pip install cfn-lint"; exit 1; }
	cfn-lint template.yaml

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

deploy:
	sam build && sam deploy --guided

clean:
	rm -rf .aws-sam
