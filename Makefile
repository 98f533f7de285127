# AIO developer entry points. `make run` and `make test` work on a fresh Debian 12 machine: both
# install the Debian dependencies first (scripts/install-deps.sh, idempotent).
PRESET := release
AIO := build/$(PRESET)/src/server/aio

.PHONY: deps build run test bench-kv bench-mq bench-cache format clean

deps:
	scripts/install-deps.sh

build: deps
	cmake --preset $(PRESET)
	cmake --build --preset $(PRESET)

run: build
	$(AIO) --config conf

test: build
	ctest --preset $(PRESET) -j2 --timeout 600

bench-kv: build
	cmake --build --preset $(PRESET) --target aio-bench
	bench/run-kv.sh build/$(PRESET)/bench/aio-bench $(AIO)

bench-mq: build
	cmake --build --preset $(PRESET) --target aio-nats-bench
	bench/run-mq.sh build/$(PRESET)/bench/aio-nats-bench $(AIO)

bench-cache: build
	bench/run-cache.sh $(AIO)

format:
	find src -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf build
