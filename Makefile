# gwasflow: `make demo` runs the pipeline on testdata/, `make test` runs the test suite.
# Both install the system packages they need (Debian/Ubuntu, as root) and build in release mode.

SWIFT ?= swift
CONFIG ?= release
BIN := .build/$(CONFIG)/gwasflow
APT_PACKAGES := pkg-config libopenblas-dev liblapacke-dev zlib1g-dev gemma plink1.9 plink2
# The tests also drive Snakemake (workflow dry runs) and headless Chromium (report rendering).
TEST_PACKAGES := snakemake chromium python3-numpy
DEMO := demo-out

.PHONY: all deps build test demo workflow-demo clean

all: build

# Installs only what is missing; apt-get update runs at most once per call.
deps:
	@missing=""; for p in $(APT_PACKAGES) $(EXTRA_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "make: missing system packages:$$missing; run as root or: sudo apt-get install$$missing" >&2; exit 1; fi; \
	  echo "installing:$$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "make: swift toolchain not found on PATH (Swift 6 needed)" >&2; exit 1; }

build: deps
	$(SWIFT) build -c $(CONFIG)

test: EXTRA_PACKAGES = $(TEST_PACKAGES)
test: deps
	$(SWIFT) build -c $(CONFIG) --build-tests -Xswiftc -enable-testing
	$(SWIFT) test -c $(CONFIG) -Xswiftc -enable-testing --skip-build --disable-swift-testing

# One line per pipeline step, each reading testdata/ or an earlier step's output in $(DEMO)/.
# Each step has its own prefix (and so its own PREFIX.log); the report reads the whole folder.
demo: build
	@mkdir -p $(DEMO)
	$(BIN) info --bfile testdata/sim --pheno testdata/hormonal.tsv --covar testdata/covariates.tsv --pcs testdata/pcs.eigenvec > $(DEMO)/info.txt && cat $(DEMO)/info.txt
	$(BIN) grm --bfile testdata/sim --out $(DEMO)/relatedness/grm
	$(BIN) eigen --grm $(DEMO)/relatedness/grm.cXX.txt --bfile testdata/sim --out $(DEMO)/relatedness/eigen
	$(BIN) normalize --pheno testdata/hormonal.tsv --bfile testdata/sim --covar testdata/covariates.tsv --grm $(DEMO)/relatedness/grm.cXX.txt --schedule alternating --out $(DEMO)/hormonal
	$(BIN) assoc --bfile testdata/sim --pheno $(DEMO)/hormonal.pheno.txt --eigen $(DEMO)/relatedness/eigen --out $(DEMO)/assoc/hormonal
	$(BIN) loci --assoc $(DEMO)/assoc/hormonal.assoc.txt --bfile testdata/sim --out $(DEMO)/loci/hormonal
	$(BIN) report --run $(DEMO) --out $(DEMO)/report.html
	@echo; cat $(DEMO)/hormonal.lambda.tsv; echo; cat $(DEMO)/hormonal.diagnostics.tsv; echo; cat $(DEMO)/loci/hormonal.loci.tsv
	@echo; echo "demo: outputs in $(DEMO)/, open $(DEMO)/report.html in a browser"

# The Snakemake workflow on testdata/ (workflows/config.yaml) with 2 cores into $(WORKFLOW_DEMO)/,
# ending with $(WORKFLOW_DEMO)/report.html; then checks the comparison table has one row per arm.
WORKFLOW_DEMO := workflow-demo
workflow-demo: EXTRA_PACKAGES = snakemake
workflow-demo: build
	snakemake -s workflows/Snakefile --cores 2 --rerun-incomplete \
	  --config gwasflow=$(abspath $(BIN)) outdir=$(WORKFLOW_DEMO)
	workflows/tests/check_workflow_demo.sh $(WORKFLOW_DEMO)

clean:
	rm -rf .build $(DEMO) $(WORKFLOW_DEMO)
