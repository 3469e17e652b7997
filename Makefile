# Strata — build, test, run and measure. `make run` and `make test` work on a fresh Debian machine:
# `deps` installs the C library (liblmdb-dev) and pkg-config with apt-get when they are missing.

SWIFT ?= swift
DATA_DIR ?= ./data
PORT ?= 8080
BENCH_SECONDS ?= 5
BENCH_READ_EVENTS ?= 1000000
BENCH_REPLAY_EVENTS ?= 1000000
SUDO := $(shell [ "$$(id -u)" != 0 ] && command -v sudo)

.PHONY: client check-imports metrics-test docs deps postgres-deps browser-deps nginx-deps cluster cluster-test build release test swift-test console-test run bench bench-orders format clean crash-test power-loss-test fuzz bench-http bench-http-compare bench-subscriptions

deps:
	@if ! pkg-config --exists lmdb 2>/dev/null || [ ! -f /usr/include/lmdb.h ]; then \
		echo "==> installing liblmdb-dev and pkg-config"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq liblmdb-dev pkg-config; \
	fi

# Debian's PostgreSQL server (initdb, pg_ctl, pg_dump, pgbench) for the tests on PostgreSQL.
postgres-deps:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "==> installing postgresql"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-contrib; }

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

# Builds everything (the crash test runs the strata-log-torture executable), then runs every test:
# the Swift suites, the cluster, the console in a real browser, then power cuts under load.
test: check-imports swift-test cluster-test console-test metrics-test power-loss-test

# The typed Swift client (Sources/StrataClient/Generated) regenerated from docs/openapi.yaml by
# swift-openapi-generator (built from tools/openapi-generator); commit what it writes. A document
# changed without it fails StrataClientTests.
client:
	tools/generate_client.sh

# Every import of every target declared in Package.swift (tools/check_imports.py).
check-imports:
	python3 tools/check_imports.py

# Every suite beside a throwaway PostgreSQL cluster (tools/with_postgres.sh): the store contract
# and PostgreSQL's own tests run against it, everything else on LMDB; then the kit, shop and HTTP
# suites once more with PostgreSQL as their store.
STORE_SUITES ?= StrataKitTests|ShopTests|ShopAPITests|IdentityTests|LedgerTests|StrataSubscriptionsTests|SubscriptionsAPITests|ServerTests\.(ServerTests|LimitsTests|IdempotencyCrashTests|SecretsTests|LedgerCrashTests|SubscriptionCrashTests|TracingTests)
swift-test: deps postgres-deps
	$(SWIFT) build --build-tests
	tools/with_postgres.sh sh -c '$(SWIFT) test --skip-build && \
		echo "==> the kit, shop and HTTP suites on PostgreSQL" && \
		STRATA_TEST_STORE=postgres $(SWIFT) test --skip-build --filter "$(STORE_SUITES)"'

# The operator's console at /admin driven in Debian's headless Chromium by selenium (from PyPI, into
# tools/.venv); screenshots go to .build/console-screenshots. SE_OFFLINE: selenium never downloads.
SELENIUM_VERSION ?= 4.50.0
browser-deps:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		echo "==> installing chromium and chromium-driver"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

tools/.venv/.selenium-$(SELENIUM_VERSION):
	python3 -m venv tools/.venv
	tools/.venv/bin/pip install -q selenium==$(SELENIUM_VERSION)
	touch $@

# /metrics read by Prometheus' own text parser (prometheus_client, from PyPI into tools/.venv).
PROMETHEUS_CLIENT_VERSION ?= 0.21.1
tools/.venv/.prometheus-$(PROMETHEUS_CLIENT_VERSION):
	python3 -m venv tools/.venv
	tools/.venv/bin/pip install -q prometheus-client==$(PROMETHEUS_CLIENT_VERSION)
	touch $@

metrics-test: deps tools/.venv/.prometheus-$(PROMETHEUS_CLIENT_VERSION)
	$(SWIFT) build --product strata-server
	tools/.venv/bin/python tools/metrics_test.py --server .build/debug/strata-server

console-test: deps browser-deps tools/.venv/.selenium-$(SELENIUM_VERSION)
	$(SWIFT) build --product strata-server
	$(SWIFT) build --product strata-admin
	SE_OFFLINE=true tools/.venv/bin/python tools/console_test.py --server .build/debug/strata-server \
		--admin .build/debug/strata-admin --screenshots .build/console-screenshots

# A throwaway PostgreSQL cluster, $(SERVERS) servers sharing one database and nginx in front on
# $(PORT), for trying several servers by hand (tools/cluster/run.sh; Ctrl-C stops everything).
SERVERS ?= 3
cluster: release postgres-deps nginx-deps
	SERVERS=$(SERVERS) PORT=$(PORT) tools/cluster/run.sh

nginx-deps:
	@command -v nginx >/dev/null || { echo "==> installing nginx"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; }

# The same cluster with the debug build, tried by tools/cluster_test.py: 64 buyers through nginx,
# the live feed through it, caches across servers, idempotency keys on another server, an online
# rebuild, and a rolling restart under load.
cluster-test: deps postgres-deps nginx-deps
	$(SWIFT) build --product strata-server
	python3 tools/cluster_test.py --binary .build/debug/strata-server

# Starts the server on $(DATA_DIR), port $(PORT); STRATA_* variables configure it further.
run: release
	exec .build/release/strata-server --data-dir $(DATA_DIR) --port $(PORT)

# Prints the figures recorded in docs/benchmarks.md: the event log against a raw LMDB loop, then
# replay of imported events against a raw cursor scan.
bench: deps
	$(SWIFT) build -c release --product strata-bench
	.build/release/strata-bench log --seconds $(BENCH_SECONDS) --read-events $(BENCH_READ_EVENTS)
	.build/release/strata-bench replay --events $(BENCH_REPLAY_EVENTS)

# kill -9 the server under concurrent orders and cancellations, restart, check (tools/crash_test.py):
# on LMDB, then on PostgreSQL (a throwaway cluster that keeps running while the server dies).
CRASH_ROUNDS ?= 20
crash-test: deps postgres-deps
	$(SWIFT) build --product strata-server
	$(SWIFT) build --product strata-admin
	python3 tools/crash_test.py --server .build/debug/strata-server --admin .build/debug/strata-admin --rounds $(CRASH_ROUNDS)
	tools/with_postgres.sh sh -c 'python3 tools/crash_test.py --server .build/debug/strata-server --admin .build/debug/strata-admin \
		--rounds $(CRASH_ROUNDS) --postgres "$$STRATA_TEST_POSTGRES_URL"' 

# Power cuts under concurrent orders (tools/power_loss_test.py): the server runs with a model of
# the disk preloaded (tools/powerloss/shim.c, built here with the C compiler), which keeps what
# was synced; each round kills it and restarts it on the synced image plus part of what was not.
POWER_LOSS_ROUNDS ?= 5
power-loss-test: deps
	$(SWIFT) build --product strata-server
	$(SWIFT) build --product strata-admin
	mkdir -p .build/powerloss
	cc -O2 -Wall -Wextra -shared -fPIC -o .build/powerloss/libstrata_powerloss.so tools/powerloss/shim.c -ldl -lpthread
	python3 tools/power_loss_test.py --server .build/debug/strata-server --admin .build/debug/strata-admin \
		--shim .build/powerloss/libstrata_powerloss.so --rounds $(POWER_LOSS_ROUNDS)

# schemathesis (from PyPI, into tools/.venv) against docs/openapi.yaml on a live server, as a
# customer and as an admin, repeated with new seeds until FUZZ_CASES cases have run.
FUZZ_EXAMPLES ?= 40
FUZZ_CASES ?= 10000
SCHEMATHESIS_VERSION ?= 4.32.5
tools/.venv/bin/schemathesis:
	python3 -m venv tools/.venv
	tools/.venv/bin/pip install -q schemathesis==$(SCHEMATHESIS_VERSION)

fuzz: deps tools/.venv/bin/schemathesis
	$(SWIFT) build --product strata-server
	python3 tools/fuzz.py --server .build/debug/strata-server --schemathesis tools/.venv/bin/schemathesis --examples $(FUZZ_EXAMPLES) --min-cases $(FUZZ_CASES)

# The fast loop for the order path: after an incremental release build, the LMDB order load, the
# cached GET and the baseline server only (BENCH_ORDERS_SECONDS each, 64 connections, 64 products),
# then the same orders in-process without HTTP (strata-bench orders: µs and allocations per order).
BENCH_ORDERS_SECONDS ?= 10
bench-orders: deps
	@command -v wrk >/dev/null || { echo "==> installing wrk"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(SWIFT) build -c release --product strata-server
	$(SWIFT) build -c release --product strata-admin
	$(SWIFT) build -c release --product strata-http-baseline
	$(SWIFT) build -c release --product strata-bench
	python3 tools/bench_http.py --server .build/release/strata-server --baseline .build/release/strata-http-baseline \
		--seconds $(BENCH_ORDERS_SECONDS) --products 64 --lmdb-only $(if $(BENCH_BEFORE),--before $(BENCH_BEFORE))
	.build/release/strata-bench orders --seconds 5 --callers 1 64

# wrk and PostgreSQL from Debian's packages; strata-server against the baseline Hummingbird
# server (tools/http-baseline) and pgbench appends, each for BENCH_HTTP_SECONDS with 64 connections.
BENCH_HTTP_SECONDS ?= 10
bench-http: deps
	@command -v wrk >/dev/null && [ -x /usr/lib/postgresql/15/bin/initdb ] || { \
		echo "==> installing wrk and postgresql"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk postgresql; }
	$(SWIFT) build -c release --product strata-server
	$(SWIFT) build -c release --product strata-admin
	$(SWIFT) build -c release --product strata-http-baseline
	python3 tools/bench_http.py --server .build/release/strata-server --baseline .build/release/strata-http-baseline --seconds $(BENCH_HTTP_SECONDS) $(if $(BENCH_BEFORE),--before $(BENCH_BEFORE))

# Consumer groups: 4 consumers polling 100 at a time drain a group of every order, then a push group
# POSTs the same events to a receiver on loopback, beside the order rate of the same run, on LMDB
# and on PostgreSQL (tools/bench_subscriptions.py).
bench-subscriptions: deps
	@command -v wrk >/dev/null && [ -x /usr/lib/postgresql/15/bin/initdb ] || { \
		echo "==> installing wrk and postgresql"; \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk postgresql; }
	$(SWIFT) build -c release --product strata-server
	python3 tools/bench_subscriptions.py --server .build/release/strata-server --seconds $(BENCH_HTTP_SECONDS)

# The same, with the strata loads also run on the build of an earlier commit (BEFORE=<rev>), in
# the same run: before and after side by side. The earlier commit is built in .bench/before.
BEFORE ?= HEAD~1
bench-http-compare: deps
	rm -rf .bench/before && mkdir -p .bench && git worktree prune && git worktree add --detach -f .bench/before $(BEFORE)
	cd .bench/before && $(SWIFT) build -c release --product strata-server && $(SWIFT) build -c release --product strata-admin
	$(MAKE) bench-http BENCH_BEFORE=.bench/before/.build/release/strata-server

# The DocC guide (swift-docc-plugin): StrataKit with the article "Your domain on Strata", the store
# and the HTTP layers, as static sites in .build/docs/<target> (open index.html through any web server).
DOC_TARGETS ?= StrataKit StrataStore StrataHTTP
docs: deps
	mkdir -p .build/docs && rm -rf $(addprefix .build/docs/,$(DOC_TARGETS))
	for target in $(DOC_TARGETS); do \
		$(SWIFT) package --allow-writing-to-directory .build/docs generate-documentation --target $$target \
			--output-path .build/docs/$$target --transform-for-static-hosting --hosting-base-path $$target --warnings-as-errors || exit 1; \
	done

format:
	$(SWIFT) format format --in-place --recursive Package.swift Sources Tests

clean:
	rm -rf .build
