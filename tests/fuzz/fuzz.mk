# ---- fuzzing: libFuzzer targets of tests/fuzz/ (clang and libFuzzer from Debian) -------
#   make fuzz         every target for FUZZ_SECONDS (default 60) each
#   make fuzz-smoke   FUZZ_SMOKE_SECONDS (default 4) each; part of make check
# Seeds live in tests/fuzz/corpus/<target>/; what a run finds goes to build/fuzz/corpus/
# and crash inputs to build/fuzz/crashes/ (tests/fuzz/run.sh reports them and fails).
FUZZ_CC ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 4
FUZZ_TARGETS := scenario proto_host proto_agent bundle probe guest_json replies guest_view
FB := $(B)/fuzz
FUZZ_CFLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined
# after $(WARN): clang has no -Wformat-truncation, and -Wformat=2 flags our printf wrappers
FUZZ_WARN := -Wno-unknown-warning-option -Wno-format-nonliteral -Wno-missing-field-initializers
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(FB)/obj/%.o)
FUZZ_HOST_OBJ := $(filter-out $(FB)/obj/host/main.o,$(HOST_SRC:%.c=$(FB)/obj/%.o))
FUZZ_GUEST_OBJ := $(filter-out $(FB)/obj/guest/agent.o,$(GUEST_SRC:%.c=$(FB)/obj/%.o))
FUZZ_BIN := $(FUZZ_TARGETS:%=$(FB)/fuzz_%)

# clang-14 and its compiler-rt (libFuzzer) on a fresh machine
$(FB)/.deps: host/install-deps.sh
	@mkdir -p $(@D)
	EXTRA_PKGS="clang-14 libclang-rt-14-dev" host/install-deps.sh host
	@touch $@

$(FB)/obj/%.o: %.c | $(FB)/.deps
	@mkdir -p $(@D)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(CPPFLAGS_ALL) $(VIRT_CFLAGS) $(FUZZ_CFLAGS) $(WARN) $(FUZZ_WARN) -c -o $@ $<

$(FB)/fuzz_scenario $(FB)/fuzz_proto_host: $(FUZZ_HOST_OBJ)
$(FB)/fuzz_probe $(FB)/fuzz_guest_json $(FB)/fuzz_replies $(FB)/fuzz_guest_view: $(FUZZ_HOST_OBJ)
$(FB)/fuzz_proto_agent: $(FUZZ_GUEST_OBJ)
$(FB)/fuzz_%: $(FB)/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB_OBJ)
	@echo "  FUZZLD  $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(VIRT_LIBS) -lpthread -lm

.SECONDARY: $(FUZZ_LIB_OBJ) $(FUZZ_TARGETS:%=$(FB)/obj/tests/fuzz/fuzz_%.o)
fuzz-build: $(FUZZ_BIN)
fuzz: $(FUZZ_BIN)
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)
fuzz-smoke: $(FUZZ_BIN)
	@tests/fuzz/run.sh $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)
.PHONY: fuzz fuzz-smoke fuzz-build

-include $(wildcard $(FB)/obj/*/*.d $(FB)/obj/tests/fuzz/*.d)
