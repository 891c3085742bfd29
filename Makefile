# ping_service -- top-level build.
#
#   make              build every program (release flags, -O2)
#   make check        install missing packages, build with ASan+UBSan, run
#                     every test; ends with "N passed, N failed"
#   make deps         install the Debian packages the project needs (root)
#   make install      PREFIX=/usr/local DESTDIR= ...
#   make fuzz         run every fuzzer for FUZZ_SECONDS each
#   make SANITIZER=address|undefined|address,undefined   sanitized build
#   make valgrind     run the unit tests under valgrind
#   make clean
#
# Objects live in build/<variant>/ so that a sanitized build never mixes
# with a release one; release binaries are also copied to the names the
# design fixes (worker/pingsvc-worker, ...).

PREFIX		?= /usr/local
DESTDIR		?=
BINDIR		 = $(PREFIX)/bin
# A /usr install puts its configuration in /etc, as Debian packages do.
SYSCONFDIR	?= $(if $(filter /usr,$(PREFIX)),,$(PREFIX))/etc/pingsvc
DATADIR		 = $(PREFIX)/share/pingsvc
MANDIR		 = $(PREFIX)/share/man
UNITDIR		?= $(if $(filter /usr,$(PREFIX)),/lib,$(PREFIX)/lib)/systemd/system
CGIDIR		?= $(PREFIX)/lib/cgi-bin

CC		?= cc
SANITIZER	?=
FUZZ_SECONDS	?= 60

ifeq ($(SANITIZER),)
VARIANT		 = release
OPTFLAGS	 = -O2
else
VARIANT		 = san-$(subst $(comma),-,$(SANITIZER))
OPTFLAGS	 = -O1 -g -fno-omit-frame-pointer -fsanitize=$(SANITIZER) \
		   -fno-sanitize-recover=all
endif
comma		:= ,
O		 = build/$(VARIANT)

WARNINGS	 = -Wall -Wextra -Werror -Wstrict-prototypes \
		   -Wmissing-prototypes -Wshadow -Wpointer-arith -Wcast-qual
PKGS		 = libpq libcurl yajl libconfig libmicrohttpd gnutls
PKG_CFLAGS	:= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	:= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS	:= $(shell pkg-config --libs cmocka 2>/dev/null)

CPPFLAGS	+= -D_GNU_SOURCE -Ilib $(PKG_CFLAGS)
CFLAGS		?=
CFLAGS		+= -std=c11 $(OPTFLAGS) $(WARNINGS) -MMD -MP
LDFLAGS		+= $(filter -fsanitize=%,$(OPTFLAGS))
LDLIBS		+= -lm -lpthread

# --- shared library code ------------------------------------------------
LIB_SRCS	 = $(wildcard lib/*.c)
LIB_OBJS	 = $(LIB_SRCS:%.c=$(O)/%.o)
LIBPINGSVC	 = $(O)/lib/libpingsvc.a

# --- programs -----------------------------------------------------------
# Each program folder may hold a build.mk that appends its binary name to
# PROGS and sets <name>_SRCS; the rules below are shared.
PROGS		:=
-include worker/build.mk ingest/build.mk frontier/build.mk viewer/build.mk

# --- tests --------------------------------------------------------------
UNIT_SRCS	 = $(wildcard tests/unit/test_*.c)
UNIT_BINS	 = $(UNIT_SRCS:%.c=$(O)/%)
FUZZ_SRCS	 = $(wildcard tests/fuzz/fuzz_*.c)

DEB_PACKAGES	 = build-essential pkg-config clang libclang-rt-14-dev \
		   libpq-dev postgresql-15 postgresql-15-postgis-3 \
		   postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl \
		   libcurl4-gnutls-dev libyajl-dev libconfig-dev \
		   libmicrohttpd-dev libgnutls28-dev libcmocka-dev \
		   iproute2 iputils-ping traceroute procps util-linux psmisc \
		   nftables time \
		   perl ca-certificates openssl curl valgrind clang-format \
		   docker-compose scamper llvm lighttpd chromium libxml2-utils \
		   python3

.PHONY: all deps check bench unit fuzz fuzz-build valgrind install clean format \
	format-check demo

all: $(LIBPINGSVC) $(foreach p,$(PROGS),$(O)/bin/$(notdir $(p)) $(p)) \
	$(UNIT_BINS)

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

$(LIBPINGSVC): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

# define-program NAME-PATH: link $(O)/bin/NAME from <NAME>_SRCS.
define program_rules
$(O)/bin/$(notdir $(1)): $$($(notdir $(1))_SRCS:%.c=$(O)/%.o) $(LIBPINGSVC)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(PKG_LIBS) $$(LDLIBS)
$(1): $(O)/bin/$(notdir $(1))
	cp $$< $$@
endef
$(foreach p,$(PROGS),$(eval $(call program_rules,$(p))))

$(O)/tests/unit/%: tests/unit/%.c $(LIBPINGSVC)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBPINGSVC) \
	    $(CMOCKA_LIBS) $(PKG_LIBS) $(LDLIBS)

# The load tool of tests/bench/load (simulated workers, libcurl/libpq).
LOAD_BIN	 = $(O)/tests/bench/load
all: $(LOAD_BIN)
# (The binary is not put under a load.d/ directory: '*.d' are included.)
$(LOAD_BIN): tests/bench/load.d/load.c $(LIBPINGSVC)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBPINGSVC) \
	    $(PKG_LIBS) $(LDLIBS)

# Fuzzers need clang's libFuzzer; they compile the library sources again.
# FUZZ_EXTRA_<name> (set in a build.mk) lists further sources a fuzzer needs.
FUZZ_O		 = build/fuzz
FUZZ_FLAGS	 = -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
		   -fno-sanitize-recover=all $(WARNINGS)
FUZZ_BINS	 = $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_O)/%)
$(FUZZ_O)/%: tests/fuzz/%.c $(LIB_SRCS)
	@mkdir -p $(@D)
	clang $(CPPFLAGS) $(FUZZ_FLAGS) -o $@ $< $(LIB_SRCS) $(FUZZ_EXTRA_$*) \
	    $(PKG_LIBS) $(LDLIBS)

# Harnesses of the reliability suite over a program's own parsers.
FUZZ_EXTRA_fuzz_worker_settings = worker/settings.c
FUZZ_EXTRA_fuzz_worker_spool = worker/spool.c
FUZZ_EXTRA_fuzz_ingest_settings = ingest/settings.c ingest/dyndns.c
$(FUZZ_O)/fuzz_worker_settings: worker/settings.c worker/settings.h
$(FUZZ_O)/fuzz_worker_spool: worker/spool.c worker/spool.h
$(FUZZ_O)/fuzz_ingest_settings: ingest/settings.c ingest/settings.h \
    ingest/dyndns.c ingest/dyndns.h

fuzz-build: $(FUZZ_BINS)

fuzz: deps fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run $(FUZZ_BINS)

# deps: a no-op when everything is present; otherwise apt-get (as root).
deps:
	@missing=; for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | \
	        grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	[ -z "$$missing" ] && exit 0; \
	echo "deps: missing:$$missing"; \
	if [ "$$(id -u)" != 0 ]; then \
	    echo "deps: run 'make deps' as root to install them" >&2; exit 1; \
	fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get update -q && apt-get install -y -q --no-install-recommends \
	    $$missing

# check: the whole test suite, sanitized.  The recursive make re-reads the
# pkg-config flags once deps has installed the libraries.
check: deps
	$(MAKE) all
	$(MAKE) SANITIZER=address,undefined all
	$(MAKE) fuzz-build
	tests/run-checks --bin build/san-address-undefined

# bench: every benchmark under tests/bench/, each measuring its own baseline
# in the same run and printing "metric ..." and "ratio ..." lines.
bench: all
	@for b in tests/bench/*; do \
	    [ -f "$$b" ] && [ -x "$$b" ] || continue; \
	    echo "# $$b"; PINGSVC_BIN=$(CURDIR)/$(O)/bin "$$b" || exit 1; \
	done

unit: all
	tests/run-checks --bin $(O) --only unit

valgrind: all
	@for t in $(UNIT_BINS); do \
	    valgrind -q --leak-check=full --error-exitcode=1 $$t || exit 1; \
	done

format:
	clang-format -i $$(git ls-files --cached --others --exclude-standard '*.c' '*.h')

format-check:
	tests/run-checks --only style

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/sql \
	    $(DESTDIR)$(CGIDIR)
	$(foreach p,$(filter-out %.cgi,$(PROGS)),install -m 755 $(p) \
	    $(DESTDIR)$(BINDIR)/;)
	$(foreach p,$(filter %.cgi,$(PROGS)),install -m 755 $(p) \
	    $(DESTDIR)$(CGIDIR)/;)
	cp -R sql/. $(DESTDIR)$(DATADIR)/sql/
	install -d $(DESTDIR)$(SYSCONFDIR) $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(UNITDIR)
	for f in etc/*.conf; do [ -e "$$f" ] || continue; \
	    install -m 644 "$$f" $(DESTDIR)$(SYSCONFDIR)/; done
	for f in */*.8; do [ -e "$$f" ] || continue; \
	    install -m 644 "$$f" $(DESTDIR)$(MANDIR)/man8/; done
	for f in etc/systemd/*.service; do [ -e "$$f" ] || continue; \
	    install -m 644 "$$f" $(DESTDIR)$(UNITDIR)/; done
	install -d $(DESTDIR)$(DATADIR)/web $(DESTDIR)$(DATADIR)/viewer
	for f in etc/web/*; do [ -e "$$f" ] || continue; \
	    install -m 644 "$$f" $(DESTDIR)$(DATADIR)/web/; done
	install -m 755 viewer/load-basemap $(DESTDIR)$(DATADIR)/viewer/

clean:
	rm -rf build $(PROGS)

-include $(shell find build -name '*.d' 2>/dev/null)

# demo: the whole system in the demo's network lab (tests/demo/demo):
# PostgreSQL under ./var, the gateway, the frontier, three workers in lab
# vantages, the viewer on http://127.0.0.1:8080/.  DURATION=SECONDS stops it after that
# long (default: until Ctrl-C); either way it prints a final summary and
# stops everything it started.
demo: deps all
	tests/demo/demo --bin $(O)/bin \
	    $(if $(DURATION),--duration $(DURATION)) \
	    $(if $(ROUTE_EVERY),--route-every $(ROUTE_EVERY))
