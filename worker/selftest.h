/*
 * selftest.h --
 *	What this worker can measure here: raw ICMP, raw TCP, header-included
 *	sending, kernel time stamps.  `pingsvc-worker selftest` prints it;
 *	the gateway client will report the same capabilities when claiming
 *	jobs, so the frontier never hands an ICMP job to a TCP-only worker.
 */
#ifndef PINGSVC_WORKER_SELFTEST_H
#define PINGSVC_WORKER_SELFTEST_H

#include "addr.h"
#include "buf.h"

/*
 * selftest_json --
 *	Try each socket kind and append one JSON object to 'out':
 *	{"version", "uid", "caps": {"icmp", "tcp", "udp", "icmp_paris",
 *	"timestamps", "ipv4", "ipv6"}, "firewall": {"icmp", "tcp",
 *	"icmp_egress"}} where the firewall entries are "passes", "blocked"
 *	or "untested" (the loopback tests of sock_probe_caps, and its echoes
 *	to 'egress' when not NULL; "blocked" turns the cap off).  Returns 1
 *	when ICMP ping works, 0 when it does not, -1 on memory exhaustion.
 */
int selftest_json(struct buf *out, const struct addr *egress);

#endif
