# The two commands: `make up` starts the whole platform, `make test` runs every test.
# Both install what they need first (scripts/deps.sh).
#
#   make up             deps, build, Redis + Kafka + every service binary; Ctrl-C stops all
#   make down           stops what `make up` started
#   make test           deps, build, the whole ctest suite (servers started by ctest fixtures)
#   make test SANITIZE=1   the same with ASan+UBSan, in build-asan/
#   make test LABEL=unit   only one tier (unit, integration, fault, ...)
#   make bench          the benchmarks; prints measured numbers with the settings used
#   make build          deps and build only

SANITIZE ?= 0
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= 2
ifeq ($(SANITIZE),1)
BUILD_DIR ?= build-asan
CMAKE_FLAGS += -DRATHAUS_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DRATHAUS_BUILD_BENCH=OFF
else
BUILD_DIR ?= build
CMAKE_FLAGS += -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)
endif
CTEST_ARGS ?=
# ccache hits across clones and build folders (paths are rewritten relative to the checkout).
export CCACHE_BASEDIR := $(CURDIR)
ifdef LABEL
CTEST_ARGS += -L $(LABEL)
endif

.PHONY: all deps build test up down bench clean

all: build

deps:
	@scripts/deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@scripts/servers.sh versions
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 600 $(CTEST_ARGS)
	@grep -h '^einvoice rules:' $(BUILD_DIR)/Testing/Temporary/LastTest.log 2>/dev/null || true

up: build
	@scripts/up.sh $(BUILD_DIR)

down:
	@scripts/down.sh

bench: build
	@scripts/bench.sh $(BUILD_DIR) $(BENCH_ARGS)
	@scripts/bench-einvoice.sh $(BUILD_DIR)
	@scripts/bench-einvoice-memory.sh $(BUILD_DIR)
	@scripts/bench-einvoice-saxon.sh $(BUILD_DIR)
	@scripts/bench-http.sh $(BUILD_DIR)
	@scripts/bench-id-documents.sh $(BUILD_DIR)
	@scripts/bench-registrations.sh $(BUILD_DIR)
	@scripts/bench-efile.sh $(BUILD_DIR)
	@scripts/bench-notifications.sh $(BUILD_DIR)

clean:
	rm -rf build build-asan
