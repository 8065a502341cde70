# SPDX-License-Identifier: GPL-2.0-or-later
# The benchmark (issue 7): included from the top Makefile with
#   -include tests/bench/bench.mk
# Builds into $(BUILD)/bench/:
#   sgload   the workload generator (exec, open, openmiss, connect, mix, hold)
#   sgtrue   the tiny static binary sgload's exec mode runs
#   replay   the userspace-path micro-benchmark, linked against libsgd.a
#   floor    no-op BPF programs on sysguardd's tracepoints (floor.bpf.o): the cost floor
# `make bench` runs the whole comparison (minutes, root; auditd last);
# `make bench-quick` runs one short round (seconds) and prints PASS/FAIL/SKIP.
# Pass runner options with BENCH_ARGS, e.g. make bench BENCH_ARGS='--rounds 7 --no-auditd'.

BENCH_DIR  := $(BUILD)/bench
BENCH_BIN  := $(BENCH_DIR)/sgload $(BENCH_DIR)/sgtrue $(BENCH_DIR)/replay $(BENCH_DIR)/floor \
	      $(BENCH_DIR)/floor.bpf.o
BENCH_ARGS ?=

.PHONY: bench bench-quick bench-tools

bench-tools: $(BENCH_BIN)

# static where libc.a exists: no dynamic loader, so no opens before the timed loop
$(BENCH_DIR)/sgload: tests/bench/sgload.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -g -std=gnu11 $(WARN) -D_GNU_SOURCE -static $< -o $@ 2>/dev/null || \
		$(CC) -O2 -g -std=gnu11 $(WARN) -D_GNU_SOURCE $< -o $@

# -nostdlib where sgtrue.c has an entry point for the architecture, else plain -static
$(BENCH_DIR)/sgtrue: tests/bench/sgtrue.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -static -nostdlib -fno-stack-protector -fno-pie -no-pie -DSGTRUE_NOSTDLIB \
		$< -o $@ 2>/dev/null || $(CC) -O2 -static $< -o $@

$(BENCH_DIR)/replay: tests/bench/replay.c $(LIBSGD) $(wildcard shared/*.h sysguardd/*.h bpf/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(LIBSGD) $(PKG_LIBS) -o $@

$(BENCH_DIR)/floor: tests/bench/floor.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(PKG_LIBS) -o $@

$(BENCH_DIR)/floor.bpf.o: tests/bench/floor.bpf.c $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Wall -c $< -o $@

bench: all bench-tools
	$(Q)/usr/bin/python3 tests/bench/run --build $(abspath $(BUILD)) $(BENCH_ARGS)

bench-quick: all bench-tools
	$(Q)tests/bench/run-quick $(abspath $(BUILD))
