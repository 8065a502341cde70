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

.PHONY: all clean deps test-deps test check unit systest bench install uninstall vmtest soak \
	sanitize container-image
.DELETE_ON_ERROR:
.SECONDARY:

all: $(BUILD)/sysguardd $(if $(CTL_SRC),$(BUILD)/sysguardctl)

$(BUILD)/vmlinux.h:
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) shared/sg_limits.h $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Ibpf -Ishared \
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

# The CLI converts Sigma rules itself (policy import-sigma): the policy engine
# comes from the daemon's archive, of which only what it uses is linked.
$(BUILD)/sysguardctl: $(CTL_OBJ) $(SHARED_OBJ) $(LIBSGD)
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

$(BUILD)/tests/test_%: tests/unit/test_%.c $(LIBSGD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(LIBSGD) $(PKG_LIBS) $(shell pkg-config --libs cmocka) -o $@

# liburing's own tool (io_uring submissions for the system tests)
$(BUILD)/tests/tools/sguring: tests/tools/sguring.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -Wall -Wextra -D_GNU_SOURCE $< -o $@ $(shell pkg-config --libs liburing 2>/dev/null || echo -luring)

# the daemon's container module on a real pid (tests/system/test_container_meta.py)
$(BUILD)/tests/tools/sgctr: tests/tools/sgctr.c $(LIBSGD)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< $(LIBSGD) $(PKG_LIBS) -pthread -o $@

$(BUILD)/tests/tools/%: tests/tools/%.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 -Wall -Wextra -D_GNU_SOURCE $< -o $@

unit: $(UNIT_BIN)

# The whole suite, every tier; ends with one "N passed, N failed, N skipped" line.
test check: all $(UNIT_BIN) $(TOOLS_BIN) bench-tools
	$(Q)BUILD=$(abspath $(BUILD)) tests/run-all

# Only the system tests (root), e.g. make systest PYTEST_ARGS='-k network'
systest: all $(TOOLS_BIN)
	$(Q)cd tests/system && BUILD=$(abspath $(BUILD)) /usr/bin/python3 -m pytest -q $(PYTEST_ARGS)

# Soak (root, not part of make test): SOAK_S seconds (600) of mixed load, reloads,
# block churn and subscribers; fails on growing RSS, fds, map entries or process table.
SOAK_S ?= 600
soak: all
	$(Q)BUILD=$(abspath $(BUILD)) SOAK_S=$(SOAK_S) /usr/bin/python3 tests/soak/soak.py

# The sanitizer tier alone (tests/run-all runs it too): ASan/UBSan/LSan build in
# build-asan, unit tests and a subset of system tests against that daemon.
sanitize:
	$(Q)BUILD=$(abspath $(BUILD)) tests/sanitize/run

-include tests/bench/bench.mk

# ---- dependencies (Debian 12, as root; README) ---------------------------------------------
# make deps: what `make` and running ./build/sysguardd need, and nothing else: gcc and
# libc6-dev (daemon and CLI), clang, llvm (llvm-strip) and bpftool (the BPF objects, their
# skeletons, vmlinux.h), pkg-config and the libraries of PKGS (zlib1g-dev for -lz).
DEPS := make gcc libc6-dev pkg-config clang llvm bpftool \
	libbpf-dev libelf-dev zlib1g-dev libevent-dev libyaml-dev libjson-c-dev libsystemd-dev

# make test-deps: what the tiers of `make test` use besides, each with the tests that use it.
# tests/unit: cmocka
TEST_DEPS := libcmocka-dev
# tests/system (pytest); jsonschema checks every event against proto/event.schema.json
# (conftest.py); liburing builds tests/tools/sguring (test_core.py::test_io_uring).  python3
# also runs tests/run-all's result parsing, the sanitizer tier and the quick benchmark.
TEST_DEPS += python3 python3-pytest python3-jsonschema liburing-dev
# tests/fuzz/run-brief: clang's libFuzzer and sanitizer runtimes (-fsanitize=fuzzer)
TEST_DEPS += libclang-rt-dev
# tests/vm: qemu; a static busybox for the initramfs; depmod (kmod) for the downloaded
# kernel's modules; pgrep (procps) in guest-test, which runs on this machine's root
TEST_DEPS += qemu-system-x86 busybox-static kmod procps
# test_policy.py, the default policy against the real tools: nc, ncat, socat, nmap
# (c2-net-tool-exec; nc and socat in the reverse shells), curl and wget (a download piped
# into a shell), openssl (the openssl reverse shell)
TEST_DEPS += netcat-openbsd ncat socat nmap curl wget openssl
# test_sigma.py: ip netns (the network rules' addresses live in a namespace)
TEST_DEPS += iproute2
# test_docs.py: mandoc -Tlint
TEST_DEPS += mandoc
# test_output_faults.py::test_logrotate: rotation by the real logrotate
TEST_DEPS += logrotate
# test_forwarding.py: the rsyslog and jq recipes of docs/forwarding.md
TEST_DEPS += rsyslog jq
# test_package.py: dpkg-buildpackage and debian/control's Build-Depends beyond DEPS
# (build-essential, debhelper, systemd); test_service.py: systemd-analyze, systemd-sysusers
TEST_DEPS += build-essential debhelper systemd
# container tests: podman with runc (and busybox-static, above, for the images they build);
# test_in_container.py checks the DaemonSet manifest's YAML with python3-yaml
TEST_DEPS += podman runc python3-yaml
# test_metrics.py runs prometheus itself (its own configuration and storage, on a free
# loopback port, stopped at the end) and promtool check metrics: it needs the two programs,
# not a server.  Debian's package would also create a user and enable and start its service
# on :9090 wherever systemd runs, so the programs are unpacked from the package (apt-get
# download, dpkg-deb -x) into PROM_DIR, where test_metrics.py looks first; the package is not
# installed.  Nothing is done when PROM_DIR has them already.
PROM_DIR ?= /var/cache/sysguard-tests/prometheus

deps:
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEPS)

test-deps:
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(TEST_DEPS)
	$(Q)if [ -x $(PROM_DIR)/prometheus ] && [ -x $(PROM_DIR)/promtool ]; then \
		echo "prometheus, promtool: in $(PROM_DIR)"; \
	else \
		d=$$(mktemp -d) || exit 1; chown _apt: "$$d" 2>/dev/null; \
		(cd "$$d" && apt-get download prometheus) && \
		dpkg-deb -x "$$d"/prometheus_*.deb "$$d/root" && \
		install -d $(PROM_DIR) && \
		install -m 0755 "$$d/root/usr/bin/prometheus" "$$d/root/usr/bin/promtool" $(PROM_DIR)/ && \
		echo "prometheus, promtool: unpacked into $(PROM_DIR) (the package is not installed)"; \
		rc=$$?; rm -rf "$$d"; exit $$rc; \
	fi

clean:
	rm -rf $(BUILD)

# ---- install / uninstall (issue 6) ----------------------------------------
# make install [PREFIX=/usr/local] [DESTDIR=]: binaries under PREFIX; the unit,
# sysusers.d and bash completion where systemd and bash-completion look for
# them (pkg-config); configuration in /etc/sysguard, never overwriting a file
# the administrator changed (the new version goes next to it as .dist).
SBINDIR     ?= $(PREFIX)/sbin
BINDIR      ?= $(PREFIX)/bin
DATADIR     ?= $(PREFIX)/share
MANDIR      ?= $(DATADIR)/man
SYSCONFDIR  ?= /etc
pkgvar = $(or $(shell pkg-config --variable=$(1) $(2) 2>/dev/null),$(3))
UNITDIR     ?= $(call pkgvar,systemdsystemunitdir,systemd,/lib/systemd/system)
SYSUSERSDIR ?= $(call pkgvar,sysusersdir,systemd,/usr/lib/sysusers.d)
COMPLETIONSDIR ?= $(call pkgvar,completionsdir,bash-completion,/usr/share/bash-completion/completions)
CONFDIR     := $(SYSCONFDIR)/sysguard
LOGROTATEDIR := $(SYSCONFDIR)/logrotate.d
MANPAGES    := $(wildcard man/*.[0-9])
COMPLETION  := $(wildcard sysguardctl/sysguardctl.bash-completion)
POLICY_DEFAULT := $(wildcard policies/default.yaml)

# $(call install_conf,SRC,DEST): install unless DEST exists and differs; then as DEST.dist
install_conf = if [ -e "$(2)" ] && ! cmp -s "$(1)" "$(2)"; then \
		install -m 0644 "$(1)" "$(2).dist"; \
		echo "  KEEP     $(2) (changed; the new version is $(2).dist)"; \
	else install -m 0644 "$(1)" "$(2)"; rm -f "$(2).dist"; fi

$(BUILD)/sysguardd.service: systemd/sysguardd.service.in
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)sed 's|@SBINDIR@|$(SBINDIR)|g' $< > $@

$(BUILD)/sysguard.logrotate: conf/sysguard.logrotate.in
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)sed 's|@BINDIR@|$(BINDIR)|g' $< > $@

install: all $(BUILD)/sysguardd.service $(BUILD)/sysguard.logrotate
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(CONFDIR)/policies.d $(DESTDIR)$(DATADIR)/sysguard \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(LOGROTATEDIR)
	$(Q)install -m 0755 $(BUILD)/sysguardd $(DESTDIR)$(SBINDIR)/sysguardd
	$(Q)if [ -x $(BUILD)/sysguardctl ]; then install -m 0755 $(BUILD)/sysguardctl $(DESTDIR)$(BINDIR)/sysguardctl; fi
	$(Q)install -m 0644 $(BUILD)/sysguardd.service $(DESTDIR)$(UNITDIR)/sysguardd.service
	$(Q)install -m 0644 systemd/sysguard.sysusers $(DESTDIR)$(SYSUSERSDIR)/sysguard.conf
	$(Q)$(call install_conf,conf/sysguard.yaml,$(DESTDIR)$(CONFDIR)/sysguard.yaml)
	$(Q)$(call install_conf,$(BUILD)/sysguard.logrotate,$(DESTDIR)$(LOGROTATEDIR)/sysguard)
	$(Q)$(if $(POLICY_DEFAULT),install -m 0644 $(POLICY_DEFAULT) $(DESTDIR)$(DATADIR)/sysguard/default.yaml;) \
	$(if $(POLICY_DEFAULT),$(call install_conf,$(POLICY_DEFAULT),$(DESTDIR)$(CONFDIR)/policies.d/default.yaml);) true
	$(Q)for m in $(MANPAGES); do install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/; done
	$(Q)$(if $(COMPLETION),install -d $(DESTDIR)$(COMPLETIONSDIR) && \
		install -m 0644 $(COMPLETION) $(DESTDIR)$(COMPLETIONSDIR)/sysguardctl;) true
	$(Q)if [ -z "$(DESTDIR)" ]; then \
		systemd-sysusers $(SYSUSERSDIR)/sysguard.conf 2>/dev/null || true; \
		if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi; \
	fi

# Removes what install put there; configuration only if unchanged (and .dist copies).
uninstall: $(BUILD)/sysguard.logrotate
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(DESTDIR)$(SBINDIR)/sysguardd $(DESTDIR)$(BINDIR)/sysguardctl \
		$(DESTDIR)$(UNITDIR)/sysguardd.service $(DESTDIR)$(SYSUSERSDIR)/sysguard.conf \
		$(DESTDIR)$(COMPLETIONSDIR)/sysguardctl $(DESTDIR)$(DATADIR)/sysguard/default.yaml \
		$(foreach m,$(MANPAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m)))
	$(Q)for f in $(DESTDIR)$(CONFDIR)/sysguard.yaml:conf/sysguard.yaml \
		$(DESTDIR)$(LOGROTATEDIR)/sysguard:$(BUILD)/sysguard.logrotate \
		$(if $(POLICY_DEFAULT),$(DESTDIR)$(CONFDIR)/policies.d/default.yaml:$(POLICY_DEFAULT)); do \
		dst=$${f%%:*} src=$${f#*:}; rm -f "$$dst.dist"; \
		if cmp -s "$$src" "$$dst"; then rm -f "$$dst"; \
		elif [ -e "$$dst" ]; then echo "  KEEP     $$dst (changed)"; fi; \
	done
	$(Q)rmdir $(DESTDIR)$(CONFDIR)/policies.d $(DESTDIR)$(CONFDIR) $(DESTDIR)$(DATADIR)/sysguard 2>/dev/null || true
	$(Q)if [ -n "$(DESTDIR)" ]; then rmdir $(DESTDIR)$(LOGROTATEDIR) 2>/dev/null || true; fi
	$(Q)if [ -z "$(DESTDIR)" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi

# Only the VM tier: sysguardd as a systemd service, systemd as PID 1 in qemu (root).
vmtest: all
	$(Q)tests/vm/run-tier $(BUILD)

# The container image (root, podman; no registry): a base of this host's shared
# libraries imported with podman, then container/Containerfile adds the build.
# docs/kubernetes.md says how to run it.  CONTAINER_IMAGE names it.
CONTAINER_IMAGE ?= localhost/sysguard:$(VERSION)
container-image: all
	$(Q)container/build-image $(BUILD) $(VERSION) $(CONTAINER_IMAGE)
