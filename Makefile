# Entry points for a fresh Debian 12 machine (see README.md):
#   make run    install dependencies, build (release), run the example workflow
#   make test   install dependencies, build (release), run the test suite, then every fuzz
#               target for a short smoke run (FUZZ_SMOKE_SECONDS each)
#   make fuzz   build the libFuzzer targets (clang, ASan + UBSan) and run each for FUZZ_SECONDS;
#               results in FUZZ_RESULTS (fuzz/README.md)
BUILD ?= build
JOBS ?= $(shell nproc)
BALER_DATA_DIR ?= $(abspath ../shared/data)
CTEST_ARGS ?=
# LibTorch's OpenMP threads spin while they wait; with two processes on two cores (ctest -j2)
# spinning made an epoch 10-100x slower (bench/bench_train_results.md). Sleep instead.
export OMP_WAIT_POLICY ?= passive

FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 600
FUZZ_RESULTS ?= fuzz/results.md
FUZZ_SMOKE_SECONDS ?= 30

SANITIZE_BUILD ?= build-asan

.PHONY: run test deps build clean bench fuzz fuzz-build fuzz-smoke test-sanitize

deps:
	bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DBALER_DEFAULT_DATA_DIR=$(BALER_DATA_DIR)
	cmake --build $(BUILD) -j $(JOBS)

run: build
	BALER_DATA_DIR=$(BALER_DATA_DIR) bash scripts/example.sh $(BUILD)/tools/baler/baler

test: build
	cd $(BUILD) && BALER_DATA_DIR=$(BALER_DATA_DIR) ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)
	$(MAKE) fuzz-smoke

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer (gcc, LibTorch included).
test-sanitize: deps
	cmake -S . -B $(SANITIZE_BUILD) -DCMAKE_BUILD_TYPE=Release -DBALER_SANITIZE=address,undefined \
	  -DBALER_DEFAULT_DATA_DIR=$(BALER_DATA_DIR)
	cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	cd $(SANITIZE_BUILD) && BALER_DATA_DIR=$(BALER_DATA_DIR) \
	  LSAN_OPTIONS=suppressions=$(abspath fuzz/lsan.supp):print_suppressions=0 \
	  UBSAN_OPTIONS=print_stacktrace=1 ASAN_OPTIONS=allocator_may_return_null=1 \
	  ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

fuzz-build: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBALER_FUZZ=ON \
	  -DBALER_WITH_TORCH=OFF -DBALER_BUILD_TESTS=OFF -DBALER_BUILD_BENCH=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_targets

fuzz: fuzz-build
	BALER_DATA_DIR=$(BALER_DATA_DIR) bash scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_RESULTS) $(JOBS)

# Every target for FUZZ_SMOKE_SECONDS (8 targets, 2 at a time: ~2 min): a parser regression
# fails. A fixed seed makes a failing smoke run repeatable.
FUZZ_SMOKE_TARGETS ?= container container_resealed model npy npz csv hdf5 root
fuzz-smoke: fuzz-build
	FUZZ_TARGETS="$(FUZZ_SMOKE_TARGETS)" FUZZ_SEED=1 BALER_DATA_DIR=$(BALER_DATA_DIR) bash scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SMOKE_SECONDS) $(FUZZ_BUILD)/smoke-results.md $(JOBS)

# Regenerates bench/results/ (README.md, "Benchmarks"); review the diff before committing.
bench: build
	BALER_DATA_DIR=$(BALER_DATA_DIR) $(BUILD)/bench/bench_compare --out bench/results --command "make bench" > /dev/null

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(SANITIZE_BUILD)

# The JSROOT cross-check alone (tests/jsroot/README.md): installs jsroot with npm on first use.
.PHONY: test-jsroot
test-jsroot: build
	cd $(BUILD) && BALER_DATA_DIR=$(BALER_DATA_DIR) ctest --output-on-failure -R '^jsroot_'
