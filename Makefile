# p11cert — build, test, demo, install.
# `make check` and `make demo` install what is missing (scripts/install-deps.sh) first,
# so each works alone on a fresh Debian 12 machine.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
# Read-only data that ships with p11cert (the endpoints file of `dns --region`).
DATADIR ?= $(PREFIX)/share/p11cert

PKGS    := p11-kit-1 libcrypto libssl libp11 ldns jansson
CC      ?= cc
WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
HARDEN  := -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong
CFLAGS  ?= -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(HARDEN) $(CFLAGS) \
             -DP11CERT_ENDPOINTS='"$(DATADIR)/endpoints"' \
             $$(pkg-config --cflags $(PKGS)) -Isrc -MMD -MP
LIBS     = $$(pkg-config --libs $(PKGS))

SRCS    := $(sort $(wildcard src/*.c))
LIB_SRCS:= $(filter-out src/main.c,$(SRCS))
OBJS    := $(SRCS:src/%.c=$(BUILD)/obj/%.o)
LIB_OBJS:= $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)

UNIT_SRCS := $(sort $(wildcard tests/unit/test-*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/%)

.PHONY: all deps check unit e2e demo install uninstall check-style format clean

all: $(BUILD)/p11cert

$(BUILD)/p11cert: $(OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $(OBJS) $(LIBS)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/test-%: tests/unit/test-%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJS) $(LIBS) $$(pkg-config --libs cmocka)

$(BUILD)/tests/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBS)

deps:
	@scripts/install-deps.sh

# Dependencies first, in their own make run: pkg-config must find them before
# anything is compiled.
check: deps
	@$(MAKE) --no-print-directory $(BUILD)/p11cert $(UNIT_BINS) $(HELPER_BINS)
	@scripts/run-tests.sh $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory $(BUILD)/p11cert
	@scripts/demo.sh $(BUILD)

install: $(BUILD)/p11cert
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/p11cert $(DESTDIR)$(PREFIX)/bin/p11cert
	install -d $(DESTDIR)$(DATADIR)
	install -m 0644 data/endpoints $(DESTDIR)$(DATADIR)/endpoints

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/p11cert
	rm -f $(DESTDIR)$(DATADIR)/endpoints
	rmdir $(DESTDIR)$(DATADIR) 2>/dev/null || true

STYLE_FILES = $(wildcard src/*.c src/*.h tests/unit/*.c tests/helpers/*.c)
check-style:
	@clang-format --dry-run --Werror $(STYLE_FILES) && echo "style: ok"

format:
	clang-format -i $(STYLE_FILES)

clean:
	rm -rf $(BUILD)

-include $(OBJS:.o=.d)
