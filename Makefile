# p11cert — build, test, demo, install.
# `make check` and `make demo` install what is missing (scripts/install-deps.sh) first,
# so each works alone on a fresh Debian 12 machine.

# p11cert's version: --version prints it; debian/changelog carries the same.
VERSION := 0.1.0
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
# Read-only data that ships with p11cert (the endpoints file of `dns --region`,
# the token profiles in tokens/).
DATADIR ?= $(PREFIX)/share/p11cert
# renew's service and timer (data/systemd/), twice a day.
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
MANDIR  ?= $(PREFIX)/share/man
# Where bash-completion looks for a command's completion (it loads it on demand).
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions

PKGS    := p11-kit-1 libcrypto libssl libp11 ldns jansson libcurl
# acme issue --http-listen: the http-01 responder (net/serve.c)
PKGS    += libmicrohttpd
CC      ?= cc
WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
HARDEN  := -O2 -D_FORTIFY_SOURCE=2 -fstack-protector-strong
CFLAGS  ?= -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread $(WARN) $(HARDEN) $(CFLAGS) \
             -DP11CERT_ENDPOINTS='"$(DATADIR)/endpoints"' -DP11CERT_TOKENS='"$(DATADIR)/tokens"' \
             -DP11CERT_VERSION='"$(VERSION)"' \
             -DP11CERT_BUILT_P11KIT="\"$$(pkg-config --modversion p11-kit-1)\"" \
             -DP11CERT_BUILT_LIBP11="\"$$(pkg-config --modversion libp11)\"" \
             $(CPPFLAGS) $$(pkg-config --cflags $(PKGS)) -Isrc -MMD -MP
LIBS     = $$(pkg-config --libs $(PKGS))

SRCS    := $(sort $(wildcard src/*.c src/*/*.c))
LIB_SRCS:= $(filter-out src/main.c,$(SRCS))
OBJS    := $(SRCS:src/%.c=$(BUILD)/obj/%.o)
LIB_OBJS:= $(LIB_SRCS:src/%.c=$(BUILD)/obj/%.o)

UNIT_SRCS := $(sort $(wildcard tests/unit/test-*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/%)
# Test-only shared libraries (a fault-injecting PKCS#11 module, an LD_PRELOAD
# shim); built without the sanitizers, never installed.
MODULE_SRCS := $(sort $(wildcard tests/helpers/modules/*.c))
MODULE_LIBS := $(MODULE_SRCS:tests/helpers/modules/%.c=$(BUILD)/tests/%.so)

# The man pages: scdoc sources in man/, p11cert(1) and one page per command
# (p11cert-csr(1), p11cert-dns-apply(1), ...); @DATADIR@ becomes the real one.
# tests/softhsm/man.bats compares each page's options with the command's --help.
MAN_SRCS  := $(sort $(wildcard man/*.scd))
MAN_PAGES := $(MAN_SRCS:man/%.scd=$(BUILD)/man/%)
# bash completion (data/bash-completion/p11cert), with the endpoints file's path.
COMPLETION := $(BUILD)/bash-completion/p11cert

.PHONY: all deps check unit e2e demo install uninstall check-style format clean sanitize tsan \
        fuzz man deb package-check package-deps

all: $(BUILD)/p11cert $(MAN_PAGES) $(COMPLETION)

man: $(MAN_PAGES)

# One page: the paths put in, scdoc, then man/tidy.awk (mandoc's warnings).
man_page = sed 's|@DATADIR@|$(DATADIR)|g' $(1) | scdoc | awk -f man/tidy.awk

$(BUILD)/man/%: man/%.scd man/tidy.awk
	@mkdir -p $(dir $@)
	$(call man_page,$<) >$@.tmp && mv $@.tmp $@

$(COMPLETION): data/bash-completion/p11cert
	@mkdir -p $(dir $@)
	sed 's|@DATADIR@|$(DATADIR)|g' $< >$@

$(BUILD)/p11cert: $(OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LIBS)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/tests/test-%: tests/unit/test-%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJS) $(LIBS) $$(pkg-config --libs cmocka)

# Test helpers may call p11cert's layers (dns-txt drives the RFC 2136 API).
$(BUILD)/tests/%: tests/helpers/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJS) $(LIBS)

# net-request drives p11cert's own net layer: it links the program's objects.
$(BUILD)/tests/net-request: tests/helpers/net-request.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJS) $(LIBS)

$(BUILD)/tests/%.so: tests/helpers/modules/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -g -fPIC -shared \
	    $$(pkg-config --cflags p11-kit-1) -o $@ $< -ldl

deps:
	@scripts/install-deps.sh

# Dependencies first, in their own make run: pkg-config must find them before
# anything is compiled. `make check T=tests/softhsm/csr.bats` runs one file
# (or several, or a unit test: T=tests/unit/test-dn.c); `make unit` only the
# unit tests, `make e2e` only the bats files.
check: deps
	@$(MAKE) --no-print-directory $(BUILD)/p11cert $(MAN_PAGES) $(COMPLETION) $(UNIT_BINS) \
	    $(HELPER_BINS) $(MODULE_LIBS)
	@scripts/run-tests.sh $(BUILD) $(T)

unit: deps
	@$(MAKE) --no-print-directory $(UNIT_BINS)
	@scripts/run-tests.sh $(BUILD) unit

e2e: deps
	@$(MAKE) --no-print-directory $(BUILD)/p11cert $(MAN_PAGES) $(COMPLETION) $(HELPER_BINS) \
	    $(MODULE_LIBS)
	@scripts/run-tests.sh $(BUILD) e2e

# The whole suite (unit and end-to-end) against a build with ASan and UBSan,
# in build-sanitize/. Every sanitizer report is written under
# build-sanitize/sanitizer-logs/ and counted as a failure by run-tests.sh;
# leaks are reported only outside tests/sanitize/lsan.supp (each entry there
# says why it is not p11cert's).
SAN_CFLAGS := -g -fsanitize=address,undefined -fno-sanitize-recover=undefined \
              -fno-omit-frame-pointer -U_FORTIFY_SOURCE
sanitize: deps
	@$(MAKE) --no-print-directory BUILD=build-sanitize CFLAGS="$(SAN_CFLAGS)" \
	    build-sanitize/p11cert unit-bins
	@rm -rf build-sanitize/sanitizer-logs && mkdir -p build-sanitize/sanitizer-logs
	@P11CERT_SANITIZER_LOGS=$(CURDIR)/build-sanitize/sanitizer-logs \
	    ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:fast_unwind_on_malloc=0:exitcode=86:log_path=$(CURDIR)/build-sanitize/sanitizer-logs/asan:verify_asan_link_order=0 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitize/lsan.supp:print_suppressions=0 \
	    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=86:log_path=$(CURDIR)/build-sanitize/sanitizer-logs/ubsan \
	    scripts/run-tests.sh build-sanitize

# csr --batch --jobs N under ThreadSanitizer (gcc), in build-tsan/: the tests
# that run threads (tests/softhsm/batch-jobs.bats, or T=...). Like sanitize,
# every report under build-tsan/sanitizer-logs/ counts as a failure; races
# outside p11cert are suppressed in tests/sanitize/tsan.supp, each with why.
# The libraries (OpenSSL, SoftHSM2, p11-kit) are not instrumented: TSan sees
# p11cert's own memory and the pthread calls, not races inside them.
TSAN_CFLAGS := -g -O1 -fsanitize=thread -fno-omit-frame-pointer -U_FORTIFY_SOURCE
tsan: deps
	@$(MAKE) --no-print-directory BUILD=build-tsan CFLAGS="$(TSAN_CFLAGS)" \
	    build-tsan/p11cert unit-bins
	@rm -rf build-tsan/sanitizer-logs && mkdir -p build-tsan/sanitizer-logs
	@P11CERT_SANITIZER_LOGS=$(CURDIR)/build-tsan/sanitizer-logs \
	    TSAN_OPTIONS=exitcode=86:report_signal_unsafe=0:suppressions=$(CURDIR)/tests/sanitize/tsan.supp:log_path=$(CURDIR)/build-tsan/sanitizer-logs/tsan \
	    scripts/run-tests.sh build-tsan $(or $(T),tests/softhsm/batch-jobs.bats)

# What `check` builds besides p11cert, for a BUILD given on the command line.
unit-bins: $(UNIT_BINS) $(HELPER_BINS) $(MODULE_LIBS) $(MAN_PAGES) $(COMPLETION)

# libFuzzer targets (clang 14): build/fuzz/fuzz-NAME from tests/fuzz/fuzz-NAME.c,
# each run for $(FUZZ_SECONDS) seconds on tests/fuzz/corpus/NAME/.
FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
                -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
                -DP11CERT_ENDPOINTS='"$(DATADIR)/endpoints"' $$(pkg-config --cflags $(PKGS)) -Isrc
FUZZ_SRCS    := $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_BINS    := $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
FUZZ_OBJS    := $(LIB_SRCS:src/%.c=build/fuzz/obj/%.o)

# Kept between runs: they are intermediates of the fuzz-% rule.
.SECONDARY: $(FUZZ_OBJS)

build/fuzz/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -c -o $@ $<

build/fuzz/fuzz-%: tests/fuzz/fuzz-%.c $(FUZZ_OBJS)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) $(LIBS)

fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_BINS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ_BINS)

# Benchmarks, not tests (never part of check): scripts/bench.sh counts PKCS#11
# calls and times p11cert against certtool and the libp11 engine, then writes
# BENCHMARKS.md. Its C programs are built into $(BUILD)/bench/.
BENCH_SRCS := $(sort $(wildcard bench/*.c))
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)
# PKCS#11 modules of the benchmark (a per-call delay): built as the test modules are.
BENCH_MODULE_SRCS := $(sort $(wildcard bench/modules/*.c))
BENCH_MODULES := $(BENCH_MODULE_SRCS:bench/modules/%.c=$(BUILD)/bench/%.so)
.PHONY: bench bench-jobs

$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBS)

$(BUILD)/bench/%.so: bench/modules/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(WARN) -O2 -g -fPIC -shared \
	    $$(pkg-config --cflags p11-kit-1) -o $@ $< -ldl

bench: deps
	@$(MAKE) --no-print-directory $(BUILD)/p11cert $(BUILD)/tests/p11-fill $(BENCH_BINS) \
	    $(BENCH_MODULES)
	@scripts/bench.sh $(BUILD)

# Only csr --batch --jobs N against the raw rate over N sessions (a part of
# bench): its markdown section on stdout.
bench-jobs: deps
	@$(MAKE) --no-print-directory $(BUILD)/p11cert $(BUILD)/bench/raw-sign
	@scripts/bench-jobs.sh $(BUILD)

demo: deps
	@$(MAKE) --no-print-directory $(BUILD)/p11cert
	@scripts/demo.sh $(BUILD)

# What make install puts under $(DESTDIR): the binary, the data (endpoints,
# token profiles), renew's systemd units, the man pages and the bash
# completion; make uninstall removes exactly these (and the two directories
# of p11cert's own, when empty). The man pages, the completion and the
# service get the installed paths here, from their sources, so an install
# with another PREFIX than the build's is still right about them.
PROFILES := $(notdir $(wildcard tokens/*.profile))
MAN_NAMES := $(MAN_SRCS:man/%.scd=%)

install: $(BUILD)/p11cert
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/p11cert $(DESTDIR)$(PREFIX)/bin/p11cert
	install -d $(DESTDIR)$(DATADIR)
	install -m 0644 data/endpoints $(DESTDIR)$(DATADIR)/endpoints
	install -d $(DESTDIR)$(DATADIR)/tokens
	install -m 0644 $(addprefix tokens/,$(PROFILES)) $(DESTDIR)$(DATADIR)/tokens/
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|@BINDIR@|$(PREFIX)/bin|g' data/systemd/p11cert-renew.service \
	    >$(DESTDIR)$(SYSTEMDUNITDIR)/p11cert-renew.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/p11cert-renew.service
	install -m 0644 data/systemd/p11cert-renew.timer $(DESTDIR)$(SYSTEMDUNITDIR)/
	install -d $(DESTDIR)$(MANDIR)/man1
	for page in $(MAN_NAMES); do \
	    $(call man_page,man/$$page.scd) >$(DESTDIR)$(MANDIR)/man1/$$page && \
	    chmod 0644 $(DESTDIR)$(MANDIR)/man1/$$page || exit 1; \
	done
	install -d $(DESTDIR)$(BASHCOMPDIR)
	sed 's|@DATADIR@|$(DATADIR)|g' data/bash-completion/p11cert >$(DESTDIR)$(BASHCOMPDIR)/p11cert
	chmod 0644 $(DESTDIR)$(BASHCOMPDIR)/p11cert

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/p11cert
	rm -f $(DESTDIR)$(DATADIR)/endpoints $(addprefix $(DESTDIR)$(DATADIR)/tokens/,$(PROFILES))
	rmdir $(DESTDIR)$(DATADIR)/tokens 2>/dev/null || true
	rmdir $(DESTDIR)$(DATADIR) 2>/dev/null || true
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/p11cert-renew.service \
	    $(DESTDIR)$(SYSTEMDUNITDIR)/p11cert-renew.timer
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(MAN_NAMES))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/p11cert

# The Debian package (debian/, debhelper 13): built by dpkg-buildpackage in a
# copy of the tree under $(BUILD)/deb/, so that everything it writes (the
# .deb, .buildinfo, .changes beside the copy; debian/p11cert/, debian/files
# inside it) stays under $(BUILD) and the tree is left as it was.
# make package-check lints it and lists it (scripts/package-check.sh).
DEB_ARCH = $$(dpkg-architecture -qDEB_HOST_ARCH)
DEB_DIR  = $(BUILD)/deb
DEB      = $(DEB_DIR)/p11cert_$(VERSION)_$(DEB_ARCH).deb

package-deps:
	@scripts/install-deps.sh --package

deb: package-deps
	@version=$$(dpkg-parsechangelog -l debian/changelog -S Version); \
	if [ "$$version" != "$(VERSION)" ]; then \
	    echo "deb: debian/changelog is at $$version, the Makefile's VERSION at $(VERSION)" >&2; \
	    exit 1; \
	fi
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/p11cert-$(VERSION)
	tar --exclude=./.git --exclude=./build --exclude=./build-sanitize --exclude=./$(BUILD) \
	    -cf - . | tar -xf - -C $(DEB_DIR)/p11cert-$(VERSION)
	cd $(DEB_DIR)/p11cert-$(VERSION) && dpkg-buildpackage -b -us -uc
	@echo "deb: $(DEB)"

# The tree must be as make deb found it: git status before and after.
package-check: package-deps
	@before=$$(git status --porcelain --untracked-files=all 2>/dev/null); \
	$(MAKE) --no-print-directory deb && \
	after=$$(git status --porcelain --untracked-files=all 2>/dev/null) && \
	if [ "$$before" != "$$after" ]; then \
	    echo "package-check: make deb changed the source tree (git status):"; \
	    echo "before:"; echo "$$before"; echo "after:"; echo "$$after"; exit 1; \
	fi
	@scripts/package-check.sh $(DEB)

STYLE_FILES = $(wildcard src/*.c src/*/*.c src/*/*.h tests/unit/*.c tests/unit/*.h tests/helpers/*.c)
# The format, and the layers: a folder of src/ includes only what its layer
# may call (scripts/check-layers.sh holds the table).
check-style:
	@clang-format --dry-run --Werror $(STYLE_FILES) && echo "style: ok"
	@scripts/check-layers.sh

format:
	clang-format -i $(STYLE_FILES)

clean:
	rm -rf $(BUILD) build-sanitize build-tsan

-include $(OBJS:.o=.d)
