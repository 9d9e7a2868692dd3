# yinfa — build, demo, tests. `make demo` and `make check` install what they need first.

PREFIX   ?= /usr/local
DATADIR  ?= $(PREFIX)/share/yinfa
BUILD    ?= build
PKGS     := libxml-2.0 pangocairo pangoft2 cairo-pdf fontconfig json-glib-1.0 icu-uc icu-i18n harfbuzz-subset freetype2 libmicrohttpd

CC       ?= cc
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror -Wno-unused-parameter
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) -lcsv -lm
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) -Iinclude -Iengine $(PKG_CFLAGS) \
             -DYF_DATADIR='"$(DATADIR)"'

ENGINE_SRC := $(wildcard engine/*.c)
ENGINE_OBJ := $(ENGINE_SRC:%.c=$(BUILD)/%.o)
CLI_SRC    := $(wildcard cli/*.c)
CLI_OBJ    := $(CLI_SRC:%.c=$(BUILD)/%.o)
HEADERS    := include/yinfa.h $(wildcard engine/*.h) $(wildcard cli/*.h)
WEB_SRC    := $(sort $(wildcard web/*))

.PHONY: all deps test-deps demo check bench clean install

all: $(BUILD)/yinfa

# Debian packages: build libraries and the fonts (scripts/install-deps.sh explains each).
deps:
	@bash scripts/install-deps.sh

test-deps:
	@bash scripts/install-deps.sh --test --web

$(BUILD)/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c $< -o $@

# The template grammar, compiled into the library so every load can check against it.
$(BUILD)/schema.c: templates/yinfa-template.rng
	@mkdir -p $(BUILD)
	{ echo 'const char yf_schema_rng[] = {'; od -An -v -tx1 $< | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'; \
	  echo '0 };'; echo "const unsigned yf_schema_rng_len = $$(wc -c < $<);"; } > $@

$(BUILD)/schema.o: $(BUILD)/schema.c
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libyinfa.a: $(ENGINE_OBJ) $(BUILD)/schema.o
	ar rcs $@ $^

# The web form's page, script and style, compiled into the program: `yinfa serve` needs no files.
$(BUILD)/web_assets.c: $(WEB_SRC) scripts/embed-web.sh
	@mkdir -p $(BUILD)
	bash scripts/embed-web.sh $(WEB_SRC) > $@

$(BUILD)/web_assets.o: $(BUILD)/web_assets.c cli/web_assets.h
	$(CC) $(CFLAGS) -Icli -c $< -o $@

$(BUILD)/yinfa: $(CLI_OBJ) $(BUILD)/web_assets.o $(BUILD)/libyinfa.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

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

install: all
	install -D -m 755 $(BUILD)/yinfa $(DESTDIR)$(PREFIX)/bin/yinfa
	install -D -m 644 fonts/yinfa-roles.conf $(DESTDIR)$(DATADIR)/fonts/yinfa-roles.conf
	mkdir -p $(DESTDIR)$(DATADIR)
	cp -R templates $(DESTDIR)$(DATADIR)/

clean:
	rm -rf $(BUILD) out
