# frontier/build.mk -- pingsvc-frontier, included by the top-level Makefile.

FRONTIER_PARSERS = frontier/import_formats.c frontier/import_aws.c \
		   frontier/import_gcp.c frontier/import_azure.c \
		   frontier/import_oracle.c frontier/import_list.c \
		   frontier/import_geofeed.c frontier/import_dbip.c \
		   frontier/represent.c

PROGS += frontier/pingsvc-frontier
pingsvc-frontier_SRCS = frontier/main.c frontier/db.c frontier/settings.c \
			frontier/import_cmd.c frontier/fetch.c \
			frontier/schedule.c frontier/geo.c \
			frontier/geo_cmd.c frontier/bogons.c frontier/source.c \
			$(FRONTIER_PARSERS)

# The fuzzers of the format parsers link them (and the address rule).
FUZZ_EXTRA_fuzz_frontier_import = $(FRONTIER_PARSERS)
FUZZ_EXTRA_fuzz_frontier_dbip = $(FRONTIER_PARSERS)
FRONTIER_PARSER_HDRS = frontier/import.h frontier/represent.h \
		       frontier/import_dbip.h
build/fuzz/fuzz_frontier_%: tests/fuzz/fuzz_frontier_%.c $(LIB_SRCS) \
    $(FRONTIER_PARSERS) $(FRONTIER_PARSER_HDRS)
	@mkdir -p $(@D)
	clang $(CPPFLAGS) -Ifrontier $(FUZZ_FLAGS) -o $@ $< \
	    $(FUZZ_EXTRA_fuzz_frontier_$*) $(LIB_SRCS) $(PKG_LIBS) $(LDLIBS)

# Unit tests of the frontier link its parsers and the address rule.
FRONTIER_PARSER_OBJS = $(FRONTIER_PARSERS:%.c=$(O)/%.o)
$(O)/tests/unit/test_frontier_%: tests/unit/test_frontier_%.c \
    $(FRONTIER_PARSER_OBJS) $(LIBPINGSVC)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Ifrontier $(CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(FRONTIER_PARSER_OBJS) $(LIBPINGSVC) $(CMOCKA_LIBS) \
	    $(PKG_LIBS) $(LDLIBS)
