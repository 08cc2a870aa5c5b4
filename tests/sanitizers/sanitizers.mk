# ---- sanitizers: ASan+UBSan builds of controller, unit tests and agent; valgrind --------
#   make asan-check      unit tests + one real scenario, controller and agent sanitized
#   make valgrind-check  the normal controller under valgrind on one real scenario
# Both are part of make check. Leak reports of libvirt's own one-time allocations are
# suppressed by tests/sanitizers/{lsan,valgrind}.supp, each entry with its reason.
AB := $(B)/asan
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
SAN_SCENARIO ?= scenarios/dimm-memmap-on-memory.scn
ASAN_LIB_OBJ := $(LIB_SRC:%.c=$(AB)/host-obj/%.o)
ASAN_HOST_OBJ := $(HOST_SRC:%.c=$(AB)/host-obj/%.o)
ASAN_HOST_LIBOBJ := $(filter-out $(AB)/host-obj/host/main.o,$(ASAN_HOST_OBJ))
ASAN_UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(AB)/tests/%)

$(AB)/.deps: host/install-deps.sh
	@mkdir -p $(@D)
	EXTRA_PKGS="valgrind cpio" host/install-deps.sh host
	@touch $@

$(AB)/host-obj/%.o: %.c | $(AB)/.deps
	@mkdir -p $(@D)
	@echo "  ASANCC  $<"
	@$(CC) $(CPPFLAGS_ALL) $(VIRT_CFLAGS) $(SAN_FLAGS) $(WARN) -c -o $@ $<

$(AB)/hotplug-test: $(ASAN_HOST_OBJ) $(ASAN_LIB_OBJ)
	@echo "  ASANLD  $@"
	@$(CC) $(SAN_FLAGS) -o $@ $^ $(VIRT_LIBS) -lpthread -lm

$(AB)/tests/%: tests/unit/%.c $(ASAN_HOST_LIBOBJ) $(ASAN_LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  ASANTST $@"
	@$(CC) $(CPPFLAGS_ALL) -Itests/unit $(VIRT_CFLAGS) $(SAN_FLAGS) $(WARN) -o $@ $^ $(VIRT_LIBS) -lpthread -lm

# the agent: dynamic (the sanitizer runtimes cannot link statically), x86_64 only
$(AB)/x86_64/obj/%.o: %.c | $(AB)/.deps
	@mkdir -p $(@D)
	@echo "  ASANCC x86_64 $<"
	@$(CC_x86_64) $(CPPFLAGS_ALL) $(SAN_FLAGS) $(WARN) -c -o $@ $<

$(AB)/x86_64/hp-agent: $(GUEST_SRC:%.c=$(AB)/x86_64/obj/%.o) $(LIB_SRC:%.c=$(AB)/x86_64/obj/%.o)
	@echo "  ASANLD  $@"
	@$(CC_x86_64) $(SAN_FLAGS) -o $@ $^

$(AB)/x86_64/initramfs.cpio: $(AB)/x86_64/hp-agent $(B)/x86_64/initramfs.cpio.gz tests/sanitizers/asan-initramfs.sh
	tests/sanitizers/asan-initramfs.sh $(B)/x86_64/initramfs.cpio.gz $< $@

asan-build: $(AB)/hotplug-test $(ASAN_UNIT_BIN) $(AB)/x86_64/initramfs.cpio
asan-check: asan-build
	@tests/sanitizers/check.sh asan $(SAN_SCENARIO) $(ASAN_UNIT_BIN)
valgrind-check: host guest-x86_64 | $(AB)/.deps
	@tests/sanitizers/check.sh valgrind $(SAN_SCENARIO)
sanitize: asan-check valgrind-check
.PHONY: asan-build asan-check valgrind-check sanitize

-include $(wildcard $(AB)/host-obj/*/*.d $(AB)/x86_64/obj/*/*.d)
