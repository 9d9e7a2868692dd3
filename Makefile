# yinfa — build, demo, tests. `make demo` and `make check` install what they need first.

PREFIX   ?= /usr/local
BINDIR   ?= $(PREFIX)/bin
LIBDIR   ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
MANDIR   ?= $(PREFIX)/share/man
DATADIR  ?= $(PREFIX)/share/yinfa
BUILD    ?= build
PKGS     := libxml-2.0 pangocairo pangoft2 cairo-pdf fontconfig json-glib-1.0 icu-uc icu-i18n harfbuzz-subset freetype2 libmicrohttpd librsvg-2.0 libzip freexl
# The library's packages and the libraries without a pkg-config file it uses (yinfa.pc's
# Requires.private and Libs.private): all but the program's HTTP server. tests/test_composer.py
# reads PKGS and the tail of PKG_LIBS as written here.
LIB_PKGS := $(filter-out libmicrohttpd,$(PKGS))
LIB_LIBS_PRIVATE := -lcsv -lhyphen -lm
# The version, from include/yinfa.h; the shared library's soname carries its major number.
VERSION  := $(shell sed -n 's/^\#define YF_VERSION "\(.*\)"/\1/p' include/yinfa.h)
SOMAJOR  := $(firstword $(subst ., ,$(VERSION)))
SONAME   := libyinfa.so.$(SOMAJOR)

CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror -Wno-unused-parameter
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) -lcsv -lhyphen -lm
LIB_LIBS   = $(shell pkg-config --libs $(LIB_PKGS)) $(LIB_LIBS_PRIVATE)
# Printing (cli/print.c): libcups, for the program only — the engine knows no printers. Debian's
# libcups2-dev ships no cups.pc, only cups-config.
CUPS_CFLAGS = $(shell cups-config --cflags)
CUPS_LIBS   = $(shell cups-config --libs)
# The program, the server and the fuzz targets see the public header only.
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) -Iinclude $(PKG_CFLAGS) $(CUPS_CFLAGS) \
             -DYF_DATADIR='"$(DATADIR)"'
# The engine is position independent (it is also a shared library) and exports only what
# include/yinfa.h marks YF_API.
LIB_FLAGS  = -fPIC -fvisibility=hidden

ENGINE_SRC := $(wildcard engine/*.c)
ENGINE_OBJ := $(ENGINE_SRC:%.c=$(BUILD)/%.o)
CLI_SRC    := $(wildcard cli/*.c)
CLI_OBJ    := $(CLI_SRC:%.c=$(BUILD)/%.o)
HEADERS    := include/yinfa.h $(wildcard engine/*.h) $(wildcard cli/*.h)
WEB_SRC    := $(sort $(wildcard web/*))

.PHONY: all lib deps test-deps demo check bench asan tsan fuzz fuzz-targets clean install uninstall man

all: $(BUILD)/yinfa lib

lib: $(BUILD)/libyinfa.a $(BUILD)/libyinfa.so $(BUILD)/yinfa.pc

# Debian packages: build libraries and the fonts (scripts/install-deps.sh explains each).
deps:
	@bash scripts/install-deps.sh

test-deps:
	@bash scripts/install-deps.sh --test --web

$(BUILD)/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c $< -o $@

$(ENGINE_OBJ): $(BUILD)/engine/%.o: engine/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) $(LIB_FLAGS) -c $< -o $@

# The template grammar, compiled into the library so every load can check against it.
$(BUILD)/schema.c: templates/yinfa-template.rng
	@mkdir -p $(BUILD)
	{ echo 'const char yf_schema_rng[] = {'; od -An -v -tx1 $< | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '0 };'; echo "const unsigned yf_schema_rng_len = $$(wc -c < $<);"; } > $@

$(BUILD)/schema.o: $(BUILD)/schema.c Makefile
	$(CC) $(CFLAGS) $(LIB_FLAGS) -c $< -o $@

$(BUILD)/libyinfa.a: $(ENGINE_OBJ) $(BUILD)/schema.o
	ar rcs $@ $^

# The shared library for other programs (yinfa.pc, python/yinfa): libyinfa.so.VERSION, its
# soname libyinfa.so.MAJOR, and libyinfa.so for the linker.
$(BUILD)/libyinfa.so.$(VERSION): $(ENGINE_OBJ) $(BUILD)/schema.o
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,-z,defs $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LIB_LIBS)

$(BUILD)/libyinfa.so: $(BUILD)/libyinfa.so.$(VERSION)
	ln -sf libyinfa.so.$(VERSION) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $@

# yinfa.pc for PREFIX; `make install PREFIX=…` writes it again for the prefix installed to.
PC_GEN = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' -e 's|@REQUIRES@|$(LIB_PKGS)|' \
	    -e 's|@LIBS_PRIVATE@|$(LIB_LIBS_PRIVATE)|' yinfa.pc.in

$(BUILD)/yinfa.pc: yinfa.pc.in Makefile include/yinfa.h
	$(PC_GEN) > $@

# The web form's page, script and style, compiled into the program: `yinfa serve` needs no files.
$(BUILD)/web_assets.c: $(WEB_SRC) scripts/embed-web.sh
	@mkdir -p $(BUILD)
	bash scripts/embed-web.sh $(WEB_SRC) > $@

$(BUILD)/web_assets.o: $(BUILD)/web_assets.c cli/web_assets.h
	$(CC) $(CFLAGS) -Icli -c $< -o $@

# The program links the static archive: it runs from the build tree and from any prefix with no
# rpath and no ldconfig.
$(BUILD)/yinfa: $(CLI_OBJ) $(BUILD)/web_assets.o $(BUILD)/libyinfa.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CUPS_LIBS)

# The main job: the example speech, rendered to out/speech.pdf.
demo: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p out
	$(BUILD)/yinfa render speech examples/speech/data.json -o out/speech.pdf
	@echo "wrote out/speech.pdf"

# All tests, with the project's own font configuration.
check: test-deps
	@$(MAKE) --no-print-directory all
	@bash tests/run.sh

# Performance figures (medians of several runs) against the targets in bench/run.py.
bench: test-deps
	@$(MAKE) --no-print-directory all
	@/usr/bin/python3 bench/run.py

# Sanitizers: AddressSanitizer and UndefinedBehaviorSanitizer in build-asan/, then every test
# against that binary with LeakSanitizer on. Reports go to files, so a test that expects a failing
# exit still cannot hide one: any report fails the target. tests/lsan.supp names the libraries'
# one-time allocations, each with its reason; a leak of yinfa's own is never suppressed. The tests
# learn of the build from YINFA_SANITIZED (slower: time limits scale) and YINFA_SAN_FLAGS (to link
# a program of their own against this library).
SAN_FLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
SAN_LOGS   := $(CURDIR)/build-asan/reports
SAN_ENV    := ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:exitcode=99:log_path=$(SAN_LOGS)/asan \
              LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
              UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99:log_path=$(SAN_LOGS)/ubsan

asan: test-deps
	@$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" all
	@rm -rf $(SAN_LOGS) && mkdir -p $(SAN_LOGS)
	$(SAN_ENV) YINFA_BIN=$(CURDIR)/build-asan/yinfa YINFA_SANITIZED=1 YINFA_SAN_FLAGS="$(SAN_FLAGS)" \
	    bash tests/run.sh
	@if [ -n "$$(ls $(SAN_LOGS))" ]; then cat $(SAN_LOGS)/*; echo "sanitizer reports above"; exit 1; fi
	@echo "asan: no sanitizer report, no leak"

# ThreadSanitizer: the library built with -fsanitize=thread in build-tsan/, then the threaded part
# of the API test (tests/api/api_test.c: four threads, each rendering with a context of its own,
# compared byte for byte with a render on one thread). tests/tsan.supp names races inside the
# libraries below yinfa (built without TSan, so their atomics and GLib's futex locks are invisible
# to it), each with its reason; a report in yinfa's own code is never suppressed, and any report
# fails the target. G_SLICE=always-malloc: GLib's slice allocator hands memory between threads
# in ways TSan cannot follow; plain malloc it can.
TSAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=thread

tsan:
	@$(MAKE) --no-print-directory BUILD=build-tsan CFLAGS="$(TSAN_FLAGS)" LDFLAGS="$(TSAN_FLAGS)" \
	    build-tsan/libyinfa.a
	$(CC) -std=gnu11 $(WARN) $(TSAN_FLAGS) -Iinclude tests/api/api_test.c build-tsan/libyinfa.a \
	    $(PKG_LIBS) -pthread -o build-tsan/api_test
	@rm -rf build-tsan/api-out && mkdir -p build-tsan/api-out
	G_SLICE=always-malloc TSAN_OPTIONS="suppressions=$(CURDIR)/tests/tsan.supp exitcode=66 history_size=4" \
	    build-tsan/api_test $(CURDIR) build-tsan/api-out threads 2
	@echo "tsan: no data race reported"

# Fuzzing with libFuzzer (clang: scripts/install-deps.sh --fuzz): the template parser, the data
# parser, batch records (JSON Lines, JSON arrays, CSV), a whole render with a 3-page budget and
# mixed-direction text through the composer, each for FUZZ_SECONDS from its seed corpus in
# tests/fuzz-corpus/ (the corpus grows in build-fuzz/, the seeds stay as they are). Leaks are
# checked after every input, except in the render and bidi targets: there Pango keeps its font caches in the
# context the target holds for its whole run, where LeakSanitizer cannot follow them between
# inputs (`make asan` checks renders for leaks, with everything freed).
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := template data render records bidi
FUZZ_FLAGS   := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all

fuzz:
	@bash scripts/install-deps.sh --fuzz
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang \
	    CFLAGS="$(FUZZ_FLAGS) -fsanitize=fuzzer-no-link" fuzz-targets
	@for t in $(FUZZ_TARGETS); do \
	    mkdir -p build-fuzz/corpus/$$t build-fuzz/crashes && \
	    cp -n tests/fuzz-corpus/$$t/* build-fuzz/corpus/$$t/ && \
	    echo "fuzz: $$t for $(FUZZ_SECONDS) s" && \
	    leaks=1 && case $$t in render|bidi) leaks=0;; esac && \
	    ASAN_OPTIONS=detect_leaks=$$leaks \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	    build-fuzz/fuzz_$$t build-fuzz/corpus/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	        -detect_leaks=$$leaks \
	        -rss_limit_mb=1024 -print_final_stats=1 -artifact_prefix=build-fuzz/crashes/$$t- \
	        > build-fuzz/$$t.log 2>&1; rc=$$?; \
	    grep -E '^#[0-9]+[[:space:]]+DONE|^stat::number_of_executed_units' build-fuzz/$$t.log; \
	    if [ $$rc -ne 0 ]; then tail -60 build-fuzz/$$t.log; exit 1; fi; \
	done

fuzz-targets: $(FUZZ_TARGETS:%=$(BUILD)/fuzz_%)

# The fuzz targets see the public header only and link the static archive.
$(BUILD)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h $(BUILD)/libyinfa.a
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -DYF_SOURCE_DIR='"$(CURDIR)"' $< $(BUILD)/libyinfa.a \
	    $(PKG_LIBS) -o $@

# The manual page, from the program's own help text (scripts/make-man.sh, help2man).
man: $(BUILD)/yinfa.1

$(BUILD)/yinfa.1: $(BUILD)/yinfa scripts/make-man.sh
	bash scripts/make-man.sh $(BUILD)/yinfa $@

# Installs the program, the library (shared, static, header, pkg-config file), the share tree
# the program looks up (templates, the font-role map) and the manual page, under DESTDIR/PREFIX.
# `uninstall` removes exactly these files, and the folders of yinfa's own once empty.
LIBFILES := libyinfa.so.$(VERSION) $(SONAME) libyinfa.so libyinfa.a
SHARE    := fonts/yinfa-roles.conf fonts/yinfa-office-names.conf $(shell find -L templates -type f | LC_ALL=C sort)
SHAREDIRS := $(shell find -L templates -type d | LC_ALL=C sort -r) fonts

install: all man
	install -D -m 755 $(BUILD)/yinfa $(DESTDIR)$(BINDIR)/yinfa
	install -D -m 644 $(BUILD)/yinfa.1 $(DESTDIR)$(MANDIR)/man1/yinfa.1
	install -D -m 644 include/yinfa.h $(DESTDIR)$(INCLUDEDIR)/yinfa.h
	mkdir -p $(DESTDIR)$(LIBDIR)/pkgconfig
	$(PC_GEN) > $(DESTDIR)$(LIBDIR)/pkgconfig/yinfa.pc && chmod 644 $(DESTDIR)$(LIBDIR)/pkgconfig/yinfa.pc
	install -D -m 755 $(BUILD)/libyinfa.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libyinfa.so.$(VERSION)
	ln -sf libyinfa.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libyinfa.so
	install -m 644 $(BUILD)/libyinfa.a $(DESTDIR)$(LIBDIR)/libyinfa.a
	@for f in $(SHARE); do install -D -m 644 "$$f" "$(DESTDIR)$(DATADIR)/$$f" || exit 1; done
	@if [ -z "$(DESTDIR)" ] && command -v ldconfig >/dev/null && [ -w /etc/ld.so.cache ]; then ldconfig; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/yinfa $(DESTDIR)$(MANDIR)/man1/yinfa.1 \
	      $(DESTDIR)$(INCLUDEDIR)/yinfa.h $(DESTDIR)$(LIBDIR)/pkgconfig/yinfa.pc \
	      $(LIBFILES:%=$(DESTDIR)$(LIBDIR)/%)
	@for f in $(SHARE); do rm -f "$(DESTDIR)$(DATADIR)/$$f"; done
	@for d in $(SHAREDIRS); do rmdir "$(DESTDIR)$(DATADIR)/$$d" 2>/dev/null || true; done
	@rmdir "$(DESTDIR)$(DATADIR)" 2>/dev/null || true
	@if [ -z "$(DESTDIR)" ] && command -v ldconfig >/dev/null && [ -w /etc/ld.so.cache ]; then ldconfig; fi

clean:
	rm -rf $(BUILD) out
