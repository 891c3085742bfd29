# ingest/build.mk -- included by the top-level Makefile.
#
# pingsvc-ingest: the HTTPS gateway, the importer and worker enrolment.
# INGEST_LIB_SRCS are all its sources but main.c, so the unit tests
# (tests/unit/test_ingest_*.c) can link them.

INGEST_LIB_SRCS	 = ingest/api.c ingest/db.c ingest/dyndns.c ingest/enroll.c \
		   ingest/import.c ingest/rows.c \
		   ingest/metrics.c ingest/pool.c ingest/scope.c ingest/server.c \
		   ingest/settings.c ingest/store.c ingest/submit_parse.c \
		   ingest/token.c
INGEST_LIB_OBJS	 = $(INGEST_LIB_SRCS:%.c=$(O)/%.o)

# libcurl (the dyndns updater, dyndns.c) and GnuTLS come with PKG_LIBS,
# the top-level Makefile's pkg-config list, as for the worker.
PROGS		+= ingest/pingsvc-ingest
pingsvc-ingest_SRCS = ingest/main.c $(INGEST_LIB_SRCS)

# Unit tests of the gateway link its objects too (a pattern rule with a
# shorter stem than the generic tests/unit rule, so make prefers it).
$(O)/tests/unit/test_ingest_%: tests/unit/test_ingest_%.c $(INGEST_LIB_OBJS) \
    $(LIBPINGSVC)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Iingest $(CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(INGEST_LIB_OBJS) $(LIBPINGSVC) $(CMOCKA_LIBS) $(PKG_LIBS) \
	    $(LDLIBS)

# The submit-body fuzzer compiles the parser with the library sources.  Its
# own rule (a shorter stem than the generic build/fuzz/% rule) adds the
# ingest source, so the top-level fuzz rule needs no change.
FUZZ_EXTRA_fuzz_ingest_submit = ingest/submit_parse.c
build/fuzz/fuzz_ingest_%: tests/fuzz/fuzz_ingest_%.c $(LIB_SRCS) \
    ingest/submit_parse.c ingest/submit_parse.h
	@mkdir -p $(@D)
	clang $(CPPFLAGS) -Iingest $(FUZZ_FLAGS) -o $@ $< \
	    $(FUZZ_EXTRA_fuzz_ingest_$*) $(LIB_SRCS) $(PKG_LIBS) $(LDLIBS)
