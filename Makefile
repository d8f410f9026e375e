# The first Python >= 3.12 among python3.13, python3.12, python3.
PY := $(shell for p in python3.13 python3.12 python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers for `make test` (each has its own test database); 0 runs in one process.
PYTEST_WORKERS ?= 2

# (pdflibs: the system libraries and fonts HR letters' PDFs are drawn with)
.PHONY: pdflibs fuzz run test install migrate seed bench schema contract lint clean sdk-check sdk sdk-pack chromium slapd axe token faults pgbouncer gettext

$(STAMP): pyproject.toml
	@test -n "$(PY)" || (echo "Python >= 3.12 is required (python3.13 or python3.12)"; exit 1)
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q ".[test]"
	rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

# `make run PORT=8001 HOST=0.0.0.0`; the banner (Procfile) prints the URLs and demo users last.
run: export DEBUG ?= true
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: export LOG_LEVEL ?= WARNING
run: export LOG_FORMAT ?= console
run: pdflibs seed
	@PATH="$(CURDIR)/$(BIN):$$PATH" HOST=$(HOST) WEB_PORT=$(PORT) $(BIN)/honcho -f Procfile start -p $(PORT)

test: export DEBUG ?= true
test: install chromium slapd axe pdflibs gettext
	@if [ "$(SKIP_SDK_CHECK)" != "1" ]; then $(MAKE) --no-print-directory sdk-check; fi
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --file /dev/null
	SDK_TEST_REQUIRED=1 $(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# The fault suite (tests/faults): its own PostgreSQL, PgBouncer and redis-server on loopback ports, broken on
# purpose (restarts, terminated backends, Redis stopped or hung, processes killed); docs/production.md
# "Failure and recovery". FAULTS_PORTS=17000-17099 keeps its servers to a range of ports.
faults: export DEBUG ?= true
faults: install pgbouncer
	FAULTS=1 $(BIN)/python -m pytest tests/faults $(FAULTS_ARGS)

# The fault suite restarts PostgreSQL behind a PgBouncer of its own (OS package pgbouncer); install it where
# this machine can (root with apt), else that test is skipped.
pgbouncer:
	@command -v pgbouncer >/dev/null 2>&1 || test -x /usr/sbin/pgbouncer || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& echo "Installing PgBouncer (OS package) for the fault suite" \
		&& { DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgbouncer >/dev/null 2>&1 \
		     || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q pgbouncer >/dev/null 2>&1; }; }; } \
		|| echo "PgBouncer could not be installed: the fault suite's PgBouncer test will be skipped"

# HR letters are drawn as PDF by WeasyPrint, which needs Pango and a font: Debian's packages, installed
# where this machine can (root with apt). Without them the letter tests fail with a clear import error.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
pdflibs:
	@{ dpkg -s $(PDF_PACKAGES) >/dev/null 2>&1; } || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& echo "Installing $(PDF_PACKAGES) (OS packages) for HR letters' PDFs" \
		&& { apt-get install -y -q $(PDF_PACKAGES) >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q $(PDF_PACKAGES) >/dev/null 2>&1; }; }; } \
		|| echo "$(PDF_PACKAGES) could not be installed: HR letters cannot make PDFs here"

# The portal's catalogue test collects the marked strings as `makemessages` does, with GNU gettext's xgettext.
gettext:
	@command -v xgettext >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& echo "Installing gettext (OS package) for the translation catalogue test" \
		&& { apt-get install -y -q gettext >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q gettext >/dev/null 2>&1; }; }; } \
		|| echo "gettext could not be installed: the catalogue test will be skipped"

# Browser tests drive the OS package's Chromium (no browser download): install it where this machine
# can (root with apt); otherwise the run ends by saying the browser tests were skipped and why.
chromium:
	@test -x "$${CHROMIUM_PATH:-/usr/bin/chromium}" || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& echo "Installing Chromium (OS package) for the browser tests" \
		&& { apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }; }; } \
		|| echo "Chromium could not be installed: the browser tests will be skipped"

# The LDAP connector's tests run a real OpenLDAP slapd (OS packages slapd, ldap-utils) on a loopback port
# with a temporary config; install it where this machine can (root with apt), else those tests are skipped.
slapd:
	@test -x /usr/sbin/slapd || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& echo "Installing OpenLDAP slapd (OS package) for the LDAP connector tests" \
		&& { DEBIAN_FRONTEND=noninteractive apt-get install -y -q slapd ldap-utils >/dev/null 2>&1 \
		     || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q slapd ldap-utils >/dev/null 2>&1; }; }; } \
		|| echo "slapd could not be installed: the LDAP connector tests will be skipped"

# axe-core for the browser tests' accessibility checks: a pinned npm devDependency (tests/e2e/package.json),
# read from node_modules by the tests (tests/e2e/accessibility.py), never fetched by a page.
E2E := tests/e2e
AXE_STAMP := $(E2E)/node_modules/.installed-$(shell cat $(E2E)/package-lock.json | cksum | cut -d' ' -f1)

$(AXE_STAMP): $(E2E)/package.json $(E2E)/package-lock.json
	cd $(E2E) && npm ci --no-audit --no-fund --loglevel=error
	touch $(AXE_STAMP)

axe: $(AXE_STAMP)

# The OpenAPI schema and the TypeScript SDK (clients/typescript): regenerate both, lint the schema
# (Redocly recommended + Spectral oas, 0 errors), compile the SDK with --strict, and fail if the
# committed files differ from what the code generates (commit the regenerated files to fix).
SDK := clients/typescript
SDK_STAMP := $(SDK)/node_modules/.installed-$(shell cat $(SDK)/package-lock.json | cksum | cut -d' ' -f1)

$(SDK_STAMP): $(SDK)/package.json $(SDK)/package-lock.json
	cd $(SDK) && npm ci --no-audit --no-fund --loglevel=error
	touch $(SDK_STAMP)

sdk: install $(SDK_STAMP)
	$(BIN)/python manage.py spectacular --validate --fail-on-warn --format openapi-json --file $(SDK)/openapi.json
	cd $(SDK) && npx --no-install openapi-ts >/dev/null
	cd $(SDK) && npx --no-install tsc -p tsconfig.json --noEmit

sdk-check: sdk
	cd $(SDK) && npx --no-install redocly lint --config redocly.yaml --format=summary openapi.json
	cd $(SDK) && npx --no-install spectral lint --ruleset .spectral.yaml --fail-severity error openapi.json
	@git diff --quiet -- $(SDK) && test -z "$$(git status --porcelain -- $(SDK))" \
		|| (git status --short -- $(SDK); echo "The schema or the generated SDK is out of date: commit the files above."; exit 1)

# schemathesis against the live schema with 200 generated requests an operation (CI runs 12 in `make test`),
# then every check and the stateful phase over every operation, 50 examples each, the by-design refusals read
# from tests/quality/fuzz_refusals.toml (CI runs 5 over a few operations).
fuzz: export DEBUG ?= true
fuzz: install
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-200} $(BIN)/python -m pytest tests/quality/test_api_fuzz.py -p xdist -n 2 $(PYTEST_ARGS)
	FUZZ_ALL_EXAMPLES=$${FUZZ_ALL_EXAMPLES:-50} FUZZ_ALL_OPERATIONS="$${FUZZ_ALL_OPERATIONS:-^/api/v1/}" \
		$(BIN)/python -m pytest tests/quality/test_api_fuzz_all_checks.py -p xdist -n 2 $(PYTEST_ARGS)

# The SDK as integrators install it: clients/typescript/backoffice-sdk-<version>.tgz (dist/ built by prepack).
sdk-pack: $(SDK_STAMP)
	cd $(SDK) && npm pack --pack-destination .

schema: install
	$(BIN)/python manage.py spectacular --format openapi-json --file SCHEMA.json
	@test ! -f ../shared/tools/contract_check.py || python3 ../shared/tools/contract_check.py SCHEMA.json

bench: install
	$(BIN)/python -m tests.bench.run $(BENCH_ARGS)
	$(BIN)/python -m tests.bench.fanout $(FANOUT_ARGS)
	$(BIN)/python -m tests.bench.admin_pages $(ADMIN_BENCH_ARGS)
	$(BIN)/python -m tests.bench.mail $(MAIL_BENCH_ARGS)
	$(BIN)/python -m tests.bench.provisioning $(PROVISIONING_BENCH_ARGS)
	$(BIN)/python -m tests.bench.scim_push $(SCIM_PUSH_BENCH_ARGS)
	$(BIN)/python -m tests.bench.scale $(SCALE_BENCH_ARGS)
	$(BIN)/python -m tests.bench.due_sweeps $(DUE_SWEEPS_BENCH_ARGS)
	$(BIN)/python -m tests.bench.offboarding $(OFFBOARDING_BENCH_ARGS)
	$(BIN)/python -m tests.bench.reviews $(REVIEWS_BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles artifacts
