/*
 * selftest.c --
 *	Capability self-test (see selftest.h).
 */
#include <unistd.h>

#include "json.h"
#include "selftest.h"
#include "sock.h"
#include "version.h"

int
selftest_json(struct buf *out)
{
	struct sock_caps c;
	struct json_out j;
	int rc = -1;

	sock_probe_caps(&c);
	if (json_out_init(&j, out) == -1)
		return -1;
	/* UDP and Paris ICMP probes need a header-included raw socket. */
	if (json_out_open(&j, NULL, 0) == -1 ||
	    json_out_str(&j, "version", WORKER_VERSION) == -1 ||
	    json_out_int(&j, "uid", (int64_t)getuid()) == -1 ||
	    json_out_open(&j, "caps", 0) == -1 ||
	    json_out_bool(&j, "icmp", c.icmp && c.hdrincl) == -1 ||
	    json_out_bool(&j, "tcp", c.tcp && c.hdrincl) == -1 ||
	    json_out_bool(&j, "udp", c.icmp && c.hdrincl) == -1 ||
	    json_out_bool(&j, "icmp_paris", c.icmp && c.hdrincl) == -1 ||
	    json_out_bool(&j, "timestamps", c.timestamp) == -1 ||
	    json_out_bool(&j, "ipv4", 1) == -1 ||
	    json_out_bool(&j, "ipv6", c.ipv6) == -1 ||
	    json_out_close(&j, 0) == -1 || json_out_close(&j, 0) == -1)
		goto out;
	rc = c.icmp && c.hdrincl;
out:
	json_out_free(&j);
	return rc;
}
