# worker/build.mk -- included by the top-level Makefile.
#
# pingsvc-worker: the prober.  WORKER_LIB_SRCS are all its sources but
# main.c, so the unit tests (tests/unit/test_worker_*.c) can link them.

WORKER_LIB_SRCS	 = worker/cmd.c worker/icmp_parse.c worker/loop.c \
		   worker/ping_cmd.c worker/ping_do.c worker/ping_json.c \
		   worker/pkt.c worker/probe.c worker/priv.c worker/selftest.c \
		   worker/settings.c worker/sock.c worker/trace_cmd.c \
		   worker/client.c worker/daemon.c worker/metrics.c \
		   worker/spool.c worker/trace_do.c worker/trace_json.c \
		   worker/util.c worker/netlib.c worker/sendhelp.c
WORKER_LIB_OBJS	 = $(WORKER_LIB_SRCS:%.c=$(O)/%.o)

PROGS		+= worker/pingsvc-worker
pingsvc-worker_SRCS = worker/main.c $(WORKER_LIB_SRCS)

# Unit tests of the worker link its objects too (a pattern rule with a
# shorter stem than the generic tests/unit rule, so make prefers it).
$(O)/tests/unit/test_worker_%: tests/unit/test_worker_%.c $(WORKER_LIB_OBJS) \
    $(LIBPINGSVC)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Iworker $(CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(WORKER_LIB_OBJS) $(LIBPINGSVC) $(CMOCKA_LIBS) $(PKG_LIBS) \
	    $(LDLIBS)

# The ICMP fuzzer compiles the parser with the library sources.
FUZZ_EXTRA_fuzz_icmp = worker/icmp_parse.c worker/pkt.c
build/fuzz/fuzz_icmp: worker/icmp_parse.c worker/icmp_parse.h worker/pkt.c \
    worker/pkt.h

# The fuzzer of the gateway's answers compiles the client with the library.
FUZZ_EXTRA_fuzz_worker_client = worker/client.c worker/netlib.c
build/fuzz/fuzz_worker_client: worker/client.c worker/client.h worker/netlib.c \
    worker/netlib.h

# The prerequisite lines above are this file's first explicit targets and
# the file is included before the top-level Makefile's `all`: without this,
# a bare `make` would build build/fuzz/fuzz_icmp only.
.DEFAULT_GOAL	:= all
