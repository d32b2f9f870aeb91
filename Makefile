# Entry points for a fresh Debian 12 machine (see README.md):
#   make run    install dependencies, build (release), run the example workflow
#   make test   install dependencies, build (release), run the test suite
BUILD ?= build
JOBS ?= $(shell nproc)
BALER_DATA_DIR ?= $(abspath ../shared/data)
CTEST_ARGS ?=
# LibTorch's OpenMP threads spin while they wait; with two processes on two cores (ctest -j2)
# spinning made an epoch 10-100x slower (bench/bench_train_results.md). Sleep instead.
export OMP_WAIT_POLICY ?= passive

.PHONY: run test deps build clean bench

deps:
	bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DBALER_DEFAULT_DATA_DIR=$(BALER_DATA_DIR)
	cmake --build $(BUILD) -j $(JOBS)

run: build
	BALER_DATA_DIR=$(BALER_DATA_DIR) bash scripts/example.sh $(BUILD)/tools/baler/baler

test: build
	cd $(BUILD) && BALER_DATA_DIR=$(BALER_DATA_DIR) ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# Regenerates bench/results/ (README.md, "Benchmarks"); review the diff before committing.
bench: build
	BALER_DATA_DIR=$(BALER_DATA_DIR) $(BUILD)/bench/bench_compare --out bench/results --command "make bench" > /dev/null

clean:
	rm -rf $(BUILD)
