# Sluice build. Everything generated goes to $(OUT); nothing generated is committed.
OUT ?= build
PREFIX ?= /usr/local
CC ?= cc
CLANG ?= clang
BPFTOOL ?= bpftool
FUZZ_CC ?= clang

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wshadow -D_GNU_SOURCE \
	  -Iinclude -Iuser -I$(OUT)/gen -fstack-protector-strong
LDLIBS_LIB := -lyaml
LDLIBS_AGENT := -lbpf -lelf -lz -lmnl -lyaml

# The HTTP/1.1 parser is library code (the fuzz target builds it alone); the rest of
# user/proxy/ is the sluice-proxy binary.
LIB_SRCS := $(sort $(wildcard user/common/*.c user/model/*.c user/config/*.c user/state/*.c \
			      user/proxy/http1*.c))
AGENT_SRCS := $(sort $(wildcard user/agent/*.c))
PROXY_SRCS := $(sort $(filter-out user/proxy/http1%,$(wildcard user/proxy/*.c)))
CTL_SRCS := $(sort $(wildcard user/ctl/*.c))
BPF_SRCS := $(sort $(wildcard bpf/*.bpf.c))
BPF_HDRS := $(wildcard bpf/lib/*.h include/sluice/*.h)
TOOL_SRCS := $(sort $(wildcard tests/tools/*.c))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))

LIB_OBJS := $(LIB_SRCS:%.c=$(OUT)/obj/%.o)
AGENT_OBJS := $(AGENT_SRCS:%.c=$(OUT)/obj/%.o)
CTL_OBJS := $(CTL_SRCS:%.c=$(OUT)/obj/%.o)
PROXY_OBJS := $(PROXY_SRCS:%.c=$(OUT)/obj/%.o)
BPF_OBJS := $(BPF_SRCS:bpf/%.bpf.c=$(OUT)/bpf/%.bpf.o)
SKELS := $(BPF_SRCS:bpf/%.bpf.c=$(OUT)/gen/%.skel.h)
TOOLS := $(TOOL_SRCS:tests/tools/%.c=$(OUT)/tools/%)
UNITS := $(UNIT_SRCS:tests/unit/%.c=$(OUT)/tests/%)
FUZZERS := $(FUZZ_SRCS:tests/fuzz/%.c=$(OUT)/fuzz/%)
LIB := $(OUT)/libsluice.a

.SECONDARY:
.PHONY: all install deps test unit fuzz tools format format-check clean demo bench bench-quick bench-smoke bench-policy bench-l7
all: $(OUT)/bin/sluiced $(OUT)/bin/sluicectl $(OUT)/bin/sluice-proxy

$(OUT)/gen/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(OUT)/bpf/%.tmp.o: bpf/%.bpf.c $(BPF_HDRS) $(OUT)/gen/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_x86 -Wall -Wno-unused-function \
		-I$(OUT)/gen -Iinclude -Ibpf -c $< -o $@

$(OUT)/bpf/%.bpf.o: $(OUT)/bpf/%.tmp.o
	$(BPFTOOL) gen object $@ $<

$(OUT)/gen/%.skel.h: $(OUT)/bpf/%.bpf.o
	@mkdir -p $(@D)
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(OUT)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(AGENT_OBJS): $(SKELS)

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

# The agent refuses L7 configuration the proxy would refuse, with the proxy's own check,
# so an apply is never taken by the kernel and refused by the proxy.
AGENT_L7_OBJS := $(OUT)/obj/user/proxy/route_check.o $(OUT)/obj/user/proxy/regex.o
$(OUT)/bin/sluiced: $(AGENT_OBJS) $(AGENT_L7_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_AGENT)

$(OUT)/bin/sluicectl: $(CTL_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_LIB)

$(OUT)/bin/sluice-proxy: $(PROXY_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_LIB) -luring -lpthread

$(OUT)/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_LIB)

# Unit tests link the agent's and the proxy's modules too (all but their mains), so map
# reconciliation can be tested against real kernel maps and the proxy's logic directly.
AGENT_LIB_OBJS := $(filter-out $(OUT)/obj/user/agent/main.o,$(AGENT_OBJS))
PROXY_LIB_OBJS := $(filter-out $(OUT)/obj/user/proxy/main.o,$(PROXY_OBJS))
$(OUT)/tests/%: tests/unit/%.c $(AGENT_LIB_OBJS) $(PROXY_LIB_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_AGENT) -lcmocka -luring -lpthread

# Fuzz targets: the library rebuilt with clang, libFuzzer, ASan and UBSan.
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	      -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser -I$(OUT)/gen
$(OUT)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ $(LDLIBS_LIB)

# The path normalizer is the proxy's, but reads every client's request-target.
$(OUT)/fuzz/fuzz_path_norm: user/proxy/path_norm.c
# uriRegexRewrite runs a regex over every client's path of its routes.
$(OUT)/fuzz/fuzz_regex_rewrite: user/proxy/regex.c user/proxy/rewrite_regex.c

tools: $(TOOLS)
unit: $(UNITS)
fuzz: $(FUZZERS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(OUT)/bin/sluiced $(OUT)/bin/sluicectl $(OUT)/bin/sluice-proxy \
		$(DESTDIR)$(PREFIX)/bin/

deps:
	scripts/install-deps

test: all tools unit fuzz
	tests/run

demo: all tools
	scripts/demo

# Benchmarks: Sluice side by side with the alternatives, in one run (bench/README.md).
bench: all tools
	bench/run --full
bench-quick: all tools
	bench/run --quick
bench-smoke: all tools
	bench/run --smoke
# AuthorizationPolicy programming time at scale (1,000 policies over 10,000 pods).
bench-policy: all tools
	bench/policy-apply
# sluice-proxy against HAProxy and nginx as per-node HTTP proxies, one worker each.
bench-l7: all tools
	bench/l7-proxies

format:
	clang-format -i $(LIB_SRCS) $(AGENT_SRCS) $(CTL_SRCS) $(PROXY_SRCS) $(BPF_SRCS) $(wildcard user/*/*.h bpf/lib/*.h include/sluice/*.h)

format-check:
	clang-format --dry-run --Werror $(LIB_SRCS) $(AGENT_SRCS) $(CTL_SRCS) $(PROXY_SRCS) $(BPF_SRCS) $(wildcard user/*/*.h bpf/lib/*.h include/sluice/*.h)

clean:
	rm -rf $(OUT)

-include $(shell find $(OUT)/obj -name '*.d' 2>/dev/null)
