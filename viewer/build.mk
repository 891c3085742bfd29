# viewer/build.mk -- included by the top-level Makefile.
#
# pingsvc-viewer.cgi: the CGI viewer and control plane.  VIEWER_LIB_SRCS
# are all its sources but main.c, so the unit tests
# (tests/unit/test_viewer_*.c) can link them.

VIEWER_LIB_SRCS	 = viewer/cgi.c viewer/params.c viewer/csrf.c viewer/html.c viewer/svg.c \
		   viewer/vdb.c viewer/viewer_conf.c viewer/page_common.c \
		   viewer/page_overview.c viewer/page_worker.c \
		   viewer/page_target.c viewer/page_changes.c \
		   viewer/page_graph.c viewer/page_geo.c viewer/page_admin.c
VIEWER_LIB_OBJS	 = $(VIEWER_LIB_SRCS:%.c=$(O)/%.o)

PROGS		+= viewer/pingsvc-viewer.cgi
pingsvc-viewer.cgi_SRCS = viewer/main.c $(VIEWER_LIB_SRCS)

$(O)/tests/unit/test_viewer_%: tests/unit/test_viewer_%.c \
    $(VIEWER_LIB_OBJS) $(LIBPINGSVC)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Iviewer $(CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(VIEWER_LIB_OBJS) $(LIBPINGSVC) $(CMOCKA_LIBS) $(PKG_LIBS) \
	    $(LDLIBS)

# The query-string fuzzer compiles the parser, the parameter table of the
# program and the escaping with the library sources.
FUZZ_EXTRA_fuzz_viewer_query = viewer/cgi.c viewer/params.c viewer/html.c
build/fuzz/fuzz_viewer_%: tests/fuzz/fuzz_viewer_%.c $(LIB_SRCS) \
    viewer/cgi.c viewer/cgi.h viewer/params.c viewer/params.h \
    viewer/html.c viewer/html.h
	@mkdir -p $(@D)
	clang $(CPPFLAGS) -Iviewer $(FUZZ_FLAGS) -o $@ $< \
	    $(FUZZ_EXTRA_fuzz_viewer_$*) $(LIB_SRCS) $(PKG_LIBS) $(LDLIBS)
