# SPDX-License-Identifier: GPL-2.0-or-later
# sysguard: one GNU Makefile for the BPF objects, the daemon, the CLI and the tests.
# Everything is built in $(BUILD).  `make V=1` shows the full commands.

BUILD    ?= build
CC       ?= cc
CLANG    ?= clang
BPFTOOL  ?= bpftool
LLVM_STRIP ?= llvm-strip
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
PREFIX   ?= /usr/local
DESTDIR  ?=
VERSION  := 0.1.0

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' -e 's/ppc64le/powerpc/' -e 's/s390x/s390/')

PKGS     := libbpf libevent yaml-0.1 json-c libsystemd libelf
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lz

WARN     := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wno-unused-parameter
ifdef WERROR
WARN     += -Werror
endif
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) -D_GNU_SOURCE -DSG_VERSION='"$(VERSION)"' \
	    -I$(BUILD) -Ibpf -Ishared -Isysguardd $(PKG_CFLAGS)
LDFLAGS  ?=
ifdef SANITIZE
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=address,undefined
endif

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

BPF_SRC  := $(wildcard bpf/*.bpf.c)
BPF_OBJ  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRC))
SKEL     := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRC))

SHARED_SRC := $(wildcard shared/*.c)
DAEMON_SRC := $(filter-out sysguardd/main.c,$(wildcard sysguardd/*.c))
CTL_SRC    := $(wildcard sysguardctl/*.c)

SHARED_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(SHARED_SRC))
DAEMON_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(DAEMON_SRC))
CTL_OBJ    := $(patsubst %.c,$(BUILD)/obj/%.o,$(CTL_SRC))
LIBSGD     := $(BUILD)/libsgd.a

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
UNIT_BIN   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
TOOLS_SRC  := $(wildcard tests/tools/*.c)
TOOLS_BIN  := $(patsubst tests/tools/%.c,$(BUILD)/tests/tools/%,$(TOOLS_SRC))

.PHONY: all clean deps test check unit systest bench install uninstall
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BUILD)/sysguardd $(if $(CTL_SRC),$(BUILD)/sysguardctl)

$(BUILD)/vmlinux.h:
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c bpf/sysguard.h $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Ibpf \
		-Wall -Wno-unused-function -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@

$(BUILD)/obj/%.o: %.c $(SKEL) $(wildcard shared/*.h sysguardd/*.h sysguardctl/*.h bpf/*.h)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIBSGD): $(DAEMON_OBJ) $(SHARED_OBJ)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/sysguardd: $(BUILD)/obj/sysguardd/main.o $(LIBSGD)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

$(BUILD)/sysguardctl: $(CTL_OBJ) $(SHARED_OBJ)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIBSGD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(LIBSGD) $(PKG_LIBS) $(shell pkg-config --libs cmocka) -o $@

$(BUILD)/tests/tools/%: tests/tools/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -Wall -Wextra -D_GNU_SOURCE $< -o $@

unit: $(UNIT_BIN)

# The whole suite, every tier; ends with one "N passed, N failed, N skipped" line.
test check: all $(UNIT_BIN) $(TOOLS_BIN)
	$(Q)BUILD=$(abspath $(BUILD)) tests/run-all

# Only the system tests (root), e.g. make systest PYTEST_ARGS='-k network'
systest: all $(TOOLS_BIN)
	$(Q)cd tests/system && BUILD=$(abspath $(BUILD)) /usr/bin/python3 -m pytest -q $(PYTEST_ARGS)

DEPS := make clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libevent-dev libyaml-dev \
	libjson-c-dev libsystemd-dev libcmocka-dev pkg-config gcc python3 python3-jsonschema python3-pytest \
	iproute2 mandoc procps
deps:
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEPS)

clean:
	rm -rf $(BUILD)
