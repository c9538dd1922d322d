# esafe — the two commands a newcomer needs are `make run` and `make test`.
# Both install any missing Debian packages first (scripts/install-deps.sh).

JOBS      ?= $(shell nproc)
BUILD     ?= build
# Optimised without debug information: -g costs a fifth of the build's time, and `make test`
# builds the tree twice. The sanitizer build keeps line tables (-g1) for readable reports.
# Unity build (cmake/unity.cmake): the heavy headers are parsed once per batch of sources
# rather than once per file, which takes about 40% off each fresh build. ESAFE_UNITY=OFF
# for the file-by-file build.
ESAFE_UNITY ?= ON
CMAKE_ARGS ?= -G Ninja -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" -DESAFE_WERROR=ON \
              -DESAFE_UNITY=$(ESAFE_UNITY)
LISTEN    ?= 127.0.0.1:8080
DB        ?= sqlite:var/esafe.db
FUZZ_SECONDS ?= 20

.PHONY: run test build deps deps-test deps-bench deps-deb sanitize fuzz bench deb clean

run: deps build
	$(BUILD)/esafe serve --db $(DB) --listen $(LISTEN) --demo --activity-log var/activity

# The sanitizer and fuzzing build first; the full suite (unit, integration on SQLite
# and PostgreSQL, Squid, Unbound, browser) runs last so its summary closes the output.
test: deps-test build
	$(MAKE) sanitize
	ESAFE_CONFIG=none ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

build:
	cmake -S . -B $(BUILD) $(CMAKE_ARGS) >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

deps:
	@scripts/install-deps.sh

deps-test:
	@scripts/install-deps.sh --test

deps-deb: deps
	@scripts/install-deps.sh --deb

# The Debian package for a server (README.md, Production): a Release build of its own,
# installed under /usr, packed by CPack with its systemd units and maintainer scripts.
deb: deps-deb
	cmake -S . -B build-deb $(CMAKE_ARGS) -DCMAKE_INSTALL_PREFIX=/usr -DESAFE_BENCH=OFF >/dev/null
	cmake --build build-deb -j $(JOBS) --target esafe
	cd build-deb && cpack -G DEB
	@echo "package: $$(ls -t $(CURDIR)/build-deb/esafe_*.deb | head -1)"

deps-bench: deps
	@scripts/install-deps.sh --bench

# One clang build with AddressSanitizer, UndefinedBehaviorSanitizer and libFuzzer's
# coverage instrumentation serves both: the unit tests run under the sanitizers, and
# every libFuzzer target runs for FUZZ_SECONDS from its seed corpus. One ctest run for
# both, so that the fuzz targets fill the second core while unit.monitoring (the longest
# under ASan) runs; each fuzz test sets its own ASAN_OPTIONS (no leak check).
sanitize:
	CC=clang CXX=clang++ cmake -S . -B build-asan $(CMAKE_ARGS) -DESAFE_SANITIZE=ON -DESAFE_FUZZ=ON \
	  -DESAFE_BENCH=OFF -DESAFE_FUZZ_SECONDS=$(FUZZ_SECONDS) "-DCMAKE_CXX_FLAGS_RELEASE=-O1 -g1 -DNDEBUG" >/dev/null
	cmake --build build-asan -j $(JOBS) --target unit_tests fuzz_targets
	ESAFE_CONFIG=none ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir build-asan --output-on-failure -j $(JOBS) -L 'unit|sqlite|fuzz'

fuzz: sanitize

BENCH_EVENTS ?= 10000000

# Filter: in-process benchmark, then side by side with squidGuard 1.6.
# Activity log: esafe's store against indexed SQLite and zstdcat | grep.
# Monitoring: the alert pipeline's events/s, to set beside the activity ingest rate.
# Load: 500 clients of every role for 60 s against serve on SQLite, then PostgreSQL.
bench: deps-bench build
	$(BUILD)/bench/filter_bench
	bench/compare_squidguard.sh $(BUILD)
	bench/activity_compare.sh $(BUILD) $(BENCH_EVENTS)
	$(BUILD)/bench/monitoring_bench
	bench/load_compare.sh $(BUILD)

clean:
	rm -rf build build-asan build-deb
