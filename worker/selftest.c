/*
 * selftest.c --
 *	Capability self-test (see selftest.h).
 */
#include <unistd.h>

#include "json.h"
#include "selftest.h"
#include "sock.h"
#include "version.h"

/* The loopback test's verdict (sock.h). */
static const char *
passes(int v)
{
	return v > 0 ? "passes" : v == 0 ? "blocked" : "untested";
}

int
selftest_json(struct buf *out, const struct addr *egress)
{
	struct sock_caps c;
	struct json_out j;
	int rc = -1;

	sock_probe_caps(&c, egress);
	if (json_out_init(&j, out) == -1)
		return -1;
	/* UDP and Paris ICMP probes need a header-included raw socket. */
	if (json_out_open(&j, NULL, 0) == -1 ||
	    json_out_str(&j, "version", WORKER_VERSION) == -1 ||
	    json_out_int(&j, "uid", (int64_t)getuid()) == -1 ||
	    json_out_open(&j, "caps", 0) == -1 ||
	    json_out_bool(&j, "icmp", sock_caps_icmp(&c)) == -1 ||
	    json_out_bool(&j, "tcp", sock_caps_tcp(&c)) == -1 ||
	    json_out_bool(&j, "udp", sock_caps_udp(&c)) == -1 ||
	    json_out_bool(&j, "icmp_paris", sock_caps_icmp(&c)) == -1 ||
	    json_out_bool(&j, "timestamps", c.timestamp) == -1 ||
	    json_out_bool(&j, "ipv4", 1) == -1 ||
	    json_out_bool(&j, "ipv6", c.ipv6) == -1 ||
	    json_out_close(&j, 0) == -1 ||
	    json_out_open(&j, "firewall", 0) == -1 ||
	    json_out_str(&j, "icmp", passes(c.icmp_passes)) == -1 ||
	    json_out_str(&j, "tcp", passes(c.tcp_passes)) == -1 ||
	    json_out_str(&j, "icmp_egress", passes(c.egress_passes)) == -1 ||
	    json_out_close(&j, 0) == -1 || json_out_close(&j, 0) == -1)
		goto out;
	rc = sock_caps_icmp(&c);
out:
	json_out_free(&j);
	return rc;
}
