# hotplug-test — plain Makefile; every per-arch variable comes from the build table
# kernels/arches.def (through kernels/arch.sh).
#   make              controller + guest images for GUEST_ARCHES
#   make check        lint, unit tests (no VM), fuzz smoke, sanitizers, integration (real guests)
#   make check-fresh  the quick start and make check in a fresh bookworm root (as CI does)
#   make fuzz         libFuzzer targets, FUZZ_SECONDS (60) each (tests/fuzz/fuzz.mk)
#   make sanitize     ASan+UBSan controller/agent and valgrind checks (tests/sanitizers/)
#   make unit         unit tests only
#   make integration  integration tests only
#   make bench        per-phase timings of shipped scenarios; booted vs restored vs bare QEMU
#   make check-restore   restored guests against booted ones (restore.sh, alone)
#   make check-generations   opt-in: every shipped scenario on ppc64le, Debian 6.12 and 7.x, 4K and 64K
#   make check-images all of the distro image guests' tests (make check runs their core; doc/images.md)
#   make guest ARCH=x86_64   kernel + agent + initramfs for one arch
#   make debug-kernel ARCH="x86_64 ppc64le s390x"   opt-in debug kernels (kmemleak,
#                     page_owner, DEBUG_VM); make check-debug ARCH=… runs their checks
#   make minimal-kernel ARCH="x86_64 ppc64le s390x"   opt-in minimal kernels (all built in, from
#                     Debian's linux-source); make check-minimal runs a scenario on them

B := build
# `make` alone builds everything (the first rule below is the generated build/arch.mk's)
.DEFAULT_GOAL := all
CACHE ?= .cache

# The guest arches and their per-arch variables (ARCHES; CC_a: the agent's compiler,
# KARCH_a, CROSS_a: the kernel's ARCH= and CROSS_COMPILE=, BOOT_a: the image booted),
# generated from the build table: a new arch is one row there (kernels/arches.def).
$(B)/arch.mk: kernels/arches.def kernels/arch.sh
	@mkdir -p $(@D)
	@kernels/arch.sh make >$@
include $(B)/arch.mk

# every arch by default: `make check` runs the matrix on all of them (x86_64 alone: faster)
GUEST_ARCHES ?= $(ARCHES)

CC ?= gcc
CFLAGS ?= -O2 -g
# -Wmissing-prototypes: a function used across files is declared in its unit's header
# (tests/lint/prototypes.sh fails on a prototype written in a .c file instead)
WARN := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wshadow -Wformat=2 -Wvla -Wno-format-truncation \
	-Wmissing-prototypes -Wstrict-prototypes
CPPFLAGS_ALL := -D_GNU_SOURCE -Ilib -Ihost -MMD -MP
VIRT_CFLAGS := $(shell pkg-config --cflags libvirt 2>/dev/null)
# libvirt for every guest; libguestfs for image guests (run --image, hotplug-test image).
# GUESTFS=no builds without it (the backports stack root has no libguestfs-dev):
# host/image_none.c then answers --image with an ERROR saying so.
GUESTFS ?= yes
ifeq ($(GUESTFS),yes)
VIRT_LIBS := $(shell pkg-config --libs libvirt libvirt-qemu libguestfs 2>/dev/null || echo -lvirt-qemu -lvirt -lguestfs)
HOST_SRC := $(filter-out host/image_none.c,$(wildcard host/*.c))
else
VIRT_LIBS := $(shell pkg-config --libs libvirt libvirt-qemu 2>/dev/null || echo -lvirt-qemu -lvirt)
HOST_SRC := $(filter-out host/image.c host/image_build.c host/image_gfs.c,$(wildcard host/*.c))
endif

LIB_SRC := $(wildcard lib/*.c)
GUEST_SRC := $(wildcard guest/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(B)/host-obj/%.o)
HOST_OBJ := $(HOST_SRC:%.c=$(B)/host-obj/%.o)
HOST_LIBOBJ := $(filter-out $(B)/host-obj/host/main.o,$(HOST_OBJ))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all host deps guest guests debug-kernel minimal-kernel check-minimal check-debug check-restore check-images check-generations check check-fresh lint doc unit integration bench clean distclean fuzz
# a recipe that fails leaves no half-written target that a later make would trust
.DELETE_ON_ERROR:
all: host guests

host: $(B)/hotplug-test

# Debian packages (apt when root, else the command is printed); re-checked when the
# script changes. The controller's here; each arch's (QEMU, cross compiler) with its guest.
$(B)/.deps: host/install-deps.sh
	@mkdir -p $(B)
	@host/install-deps.sh host
	@touch $@
deps: $(B)/.deps
$(HOST_OBJ) $(LIB_OBJ): | $(B)/.deps

$(B)/host-obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS_ALL) $(VIRT_CFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

$(B)/hotplug-test: $(HOST_OBJ) $(LIB_OBJ)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(VIRT_LIBS) -lpthread -lm

# ---- guest side, per arch: hp-agent (static), Debian kernel, initramfs ----------------
# The physical placement probe (guest/probe/) is built against Debian's headers of each
# guest kernel (cross for foreign arches; on s390x it proves where the memmap of boot
# memory blocks offlined and onlined again lives: QEMU 7.2 offers no memory device there).
define GUEST_RULES
$(B)/.deps-$(1): host/install-deps.sh
	@mkdir -p $(B)
	@host/install-deps.sh host $(1)
	@touch $$@

$(B)/$(1)/obj/%.o: %.c | $(B)/.deps-$(1)
	@mkdir -p $$(@D)
	@echo "  CC $(1) $$<"
	@$(CC_$(1)) $(CPPFLAGS_ALL) -Os -g0 $(WARN) -c -o $$@ $$<

$(B)/$(1)/hp-agent: $(GUEST_SRC:%.c=$(B)/$(1)/obj/%.o) $(LIB_SRC:%.c=$(B)/$(1)/obj/%.o)
	@echo "  LD      $$@"
	@$(CC_$(1)) -static -s -o $$@ $$^

$(B)/$(1)/kernel.stamp: kernels/debian-kernel.sh kernels/apt.sh kernels/extract-vmlinux.sh | $(B)/.deps-$(1)
	@mkdir -p $(B)/$(1)
	kernels/debian-kernel.sh $(1) $(CACHE)/kernels $(B)/$(1)/kernel
	$(if $(filter vmlinux,$(BOOT_$(1))),kernels/extract-vmlinux.sh $(B)/$(1)/kernel/vmlinuz $(B)/$(1)/kernel/vmlinux)
	@touch $$@

# the placement probe module, built against Debian's headers of the guest kernel
$(B)/$(1)/probe/hpt_probe.ko: guest/probe/hpt_probe.c guest/probe/Kbuild $(B)/$(1)/kernel.stamp kernels/debian-headers.sh
	@mkdir -p $$(@D)
	@cp guest/probe/hpt_probe.c guest/probe/Kbuild $$(@D)/
	@echo "  KMOD    $$@"
	@$(MAKE) -s -C $$$$(kernels/debian-headers.sh $$$$(cat $(B)/$(1)/kernel/version) $(1) $(CACHE)) \
		ARCH=$(KARCH_$(1)) CROSS_COMPILE=$(CROSS_$(1)) \
		M=$$(abspath $$(@D)) modules >$$(@D)/build.log 2>&1 || { cat $$(@D)/build.log; false; }
	@$(CROSS_$(1))strip --strip-debug $$@

$(B)/$(1)/initramfs.cpio.gz: $(B)/$(1)/hp-agent $(B)/$(1)/kernel.stamp guest/mkinitramfs.sh guest/modules.list kernels/apt.sh $(B)/$(1)/probe/hpt_probe.ko
	HPT_EXTRA_MODULES="$(B)/$(1)/probe/hpt_probe.ko" guest/mkinitramfs.sh $(1) $(B)/$(1)/kernel $(B)/$(1)/hp-agent $(CACHE) $$@

# the same with ndctl/daxctl (guest/tools.list), for scenarios that declare an nvdimm
$(B)/$(1)/initramfs-tools.cpio.gz: $(B)/$(1)/hp-agent $(B)/$(1)/kernel.stamp guest/mkinitramfs.sh guest/modules.list guest/mktools.sh guest/tools.list kernels/apt.sh $(B)/$(1)/probe/hpt_probe.ko
	HPT_GUEST_TOOLS=1 HPT_EXTRA_MODULES="$(B)/$(1)/probe/hpt_probe.ko" guest/mkinitramfs.sh $(1) $(B)/$(1)/kernel $(B)/$(1)/hp-agent $(CACHE) $$@

guest-tools-$(1): $(B)/$(1)/initramfs-tools.cpio.gz
.PHONY: guest-tools-$(1)

guest-$(1): $(B)/$(1)/initramfs.cpio.gz
.PHONY: guest-$(1)

# opt-in debug kernel from linux-source-6.1 (kmemleak, page_owner, DEBUG_VM; ~11 min)
$(B)/$(1)-debug/kernel.stamp: kernels/build-debug-kernel.sh kernels/debug.config
	kernels/build-debug-kernel.sh $(1) $(CACHE)/debug-kernel $(B)/$(1)-debug/kernel
	@touch $$@

# the probe against the debug kernel's own object tree
$(B)/$(1)-debug/probe/hpt_probe.ko: guest/probe/hpt_probe.c guest/probe/Kbuild $(B)/$(1)-debug/kernel.stamp
	@mkdir -p $$(@D)
	@cp guest/probe/hpt_probe.c guest/probe/Kbuild $$(@D)/
	@echo "  KMOD    $$@"
	@$(MAKE) -s -C $(CACHE)/debug-kernel/kbuild-$(1) ARCH=$(KARCH_$(1)) \
		CROSS_COMPILE=$(CROSS_$(1)) M=$$(abspath $$(@D)) modules >$$(@D)/build.log 2>&1 || \
		{ cat $$(@D)/build.log; false; }
	@$(CROSS_$(1))strip --strip-debug $$@

$(B)/$(1)-debug/initramfs.cpio.gz: $(B)/$(1)/hp-agent $(B)/$(1)-debug/kernel.stamp guest/mkinitramfs.sh guest/modules.list kernels/apt.sh $(B)/$(1)-debug/probe/hpt_probe.ko
	HPT_EXTRA_MODULES="$(B)/$(1)-debug/probe/hpt_probe.ko" guest/mkinitramfs.sh $(1) $(B)/$(1)-debug/kernel $(B)/$(1)/hp-agent $(CACHE) $$@

$(B)/$(1)-debug/initramfs-tools.cpio.gz: $(B)/$(1)/hp-agent $(B)/$(1)-debug/kernel.stamp guest/mkinitramfs.sh guest/modules.list guest/mktools.sh guest/tools.list kernels/apt.sh $(B)/$(1)-debug/probe/hpt_probe.ko
	HPT_GUEST_TOOLS=1 HPT_EXTRA_MODULES="$(B)/$(1)-debug/probe/hpt_probe.ko" guest/mkinitramfs.sh $(1) $(B)/$(1)-debug/kernel $(B)/$(1)/hp-agent $(CACHE) $$@

# opt-in minimal kernel from Debian's newest linux-source (every driver built in, the
# probe's build tree kept): doc/kernels.md; boot it with --kernel build/ARCH-minimal/kernel/…
$(B)/$(1)-minimal/kernel.stamp: kernels/build-minimal-kernel.sh kernels/minimal/common.config kernels/minimal/$(1).config kernels/arches.def
	kernels/build-minimal-kernel.sh $(1) $(CACHE)/minimal-kernel $(B)/$(1)-minimal/kernel
	@touch $$@
minimal-kernel-$(1): $(B)/$(1)-minimal/kernel.stamp
.PHONY: minimal-kernel-$(1)

debug-kernel-$(1): $(B)/$(1)-debug/initramfs.cpio.gz
debug-kernel-tools-$(1): $(B)/$(1)-debug/initramfs-tools.cpio.gz
.PHONY: debug-kernel-$(1) debug-kernel-tools-$(1)
endef
$(foreach a,$(ARCHES),$(eval $(call GUEST_RULES,$(a))))

guests: $(GUEST_ARCHES:%=guest-%)
guest: guest-$(or $(ARCH),x86_64)
debug-kernel: $(foreach a,$(or $(ARCH),x86_64),debug-kernel-$(a))
minimal-kernel: $(foreach a,$(or $(ARCH),x86_64),minimal-kernel-$(a))

# ---- tests ---------------------------------------------------------------------------
$(B)/tests/%: tests/unit/%.c $(HOST_LIBOBJ) $(LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  TEST    $@"
	@$(CC) $(CPPFLAGS_ALL) -Itests/unit $(VIRT_CFLAGS) $(CFLAGS) $(WARN) -o $@ $^ $(VIRT_LIBS) -lpthread -lm

unit: $(UNIT_BIN)
	@tests/unit/run-all.sh $(UNIT_BIN)

# restore.sh compares two runs' results.json with it (host/jsonr.c reads them)
$(B)/tests/results-cmp: tests/integration/results_cmp.c $(B)/host-obj/host/jsonr.o $(LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -o $@ $^ -lm

# make bench's bare-QEMU baseline (tests/bench/): the same guest work without libvirt
$(B)/tests/bare: tests/bench/bare.c tests/bench/bare_io.c $(B)/host-obj/lib/proto.o $(B)/host-obj/lib/strbuf.o
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(CPPFLAGS_ALL) -Itests/bench $(CFLAGS) $(WARN) -o $@ $^

# the integration tests' results.json reader (tests/integration/lib.sh)
JGET := $(B)/tests/jget
$(JGET): tests/integration/jget.c $(B)/host-obj/host/jsonr.o $(LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  TEST    $@"
	@$(CC) $(CPPFLAGS_ALL) $(CFLAGS) $(WARN) -o $@ $^ -lm

# Every script is standalone TAP; run.sh runs them and sums up. HPT_IT_STRICT: a missing
# prerequisite is a failure, not a SKIP, unless it is an arch left out of GUEST_ARCHES.
IT_ENV = HPT_IT_STRICT=1 HPT_IT_ALLOW_SKIP="$(filter-out $(GUEST_ARCHES),x86_64 ppc64le s390x)"
integration: all $(JGET) $(B)/tests/results-cmp
	@$(IT_ENV) tests/integration/run.sh

# what needs no guest (tests/lint/): nothing dated in tests, the README's quick start is
# what CI runs, no function prototype written in a .c file, doc/reference.md is what
# `hotplug-test help --markdown` generates
lint: $(B)/hotplug-test
	@tests/lint/dated.sh --self-test
	@tests/lint/dated.sh
	@tests/lint/quickstart.sh
	@tests/lint/prototypes.sh --self-test
	@tests/lint/prototypes.sh
	@tests/lint/reference.sh --self-test
	@tests/lint/reference.sh $(B)/hotplug-test

# doc/reference.md from the units' own tables (make lint checks it is up to date)
doc: $(B)/hotplug-test
	@$(B)/hotplug-test help --markdown >doc/reference.md

check: lint unit fuzz-smoke sanitize integration

# image guests, all of tests/integration/image.sh (make check runs its core: the image
# built from the archive, the DIMM and virtio-mem scenarios and the leak control on it, a
# stranger's copy through matrix --image, bad images); this adds the scenario only an
# image has (doc/images.md)
check-images: host guest-x86_64 $(JGET)
	@HPT_IT_STRICT=1 HPT_IT_IMAGE_ALL=1 tests/integration/run.sh image

# the README's two commands on a bare Debian bookworm root (mmdebstrap, private mount
# namespace), as CI runs them: tests/fresh-root.sh
check-fresh:
	@tests/fresh-root.sh

# opt-in: builds the debug kernel (~11 min the first time) and runs the kmemleak and
# page_owner checks on it
check-debug: all debug-kernel $(JGET)
	@HPT_IT_STRICT=1 DEBUG_ARCHES="$(or $(ARCH),x86_64)" tests/integration/debug.sh

# opt-in: builds the minimal kernel (a kernel build the first time, see doc/kernels.md)
# and boots scenarios on it as a kernel of your own (no --modules)
# opt-in (~11 min of guests at -j 1 once the kernels are prepared): every shipped
# scenario on x86_64 and ppc64le × Debian's trixie and sid kernels
check-generations: all $(JGET)
	@HPT_IT_STRICT=1 tests/integration/generations.sh

check-minimal: all minimal-kernel $(JGET)
	@HPT_IT_STRICT=1 MINIMAL_ARCHES="$(or $(ARCH),x86_64)" tests/integration/minimal.sh

# booted and restored guests compared (part of make check too; ~2 min alone)
check-restore: all $(JGET) $(B)/tests/results-cmp
	@HPT_IT_STRICT=1 tests/integration/restore.sh

bench: all $(JGET) $(B)/tests/bare
	@tests/bench.sh
	@tests/bench/baseline.sh
	@tests/bench/matrix.sh

clean:
	rm -rf $(B)
distclean: clean
	rm -rf $(CACHE) runs

include tests/fuzz/fuzz.mk
include tests/sanitizers/sanitizers.mk
include tests/browser/browser.mk

-include $(wildcard $(B)/host-obj/*/*.d $(B)/*/obj/*/*.d $(B)/tests/*.d)
