/*
 * probe.c --
 *	Probe keys (see probe.h): the one place that decides which header
 *	fields identify a probe, used both when sending and when matching.
 */
#include <string.h>

#include <netinet/in.h>

#include "probe.h"

void
probe_key_icmp(
    struct probe_key *k, const struct addr *dst, uint16_t id, uint16_t seq)
{
	memset(k, 0, sizeof(*k));
	k->proto = dst->af == 6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
	k->af = dst->af;
	k->a = id;
	k->c = seq;
	memcpy(k->dst, dst->b, sizeof(k->dst));
}

void
probe_key_ports(struct probe_key *k, uint8_t proto, const struct addr *dst,
    uint16_t sport, uint16_t dport, uint32_t c)
{
	memset(k, 0, sizeof(*k));
	k->proto = proto;
	k->af = dst->af;
	k->a = sport;
	k->b = dport;
	k->c = c;
	memcpy(k->dst, dst->b, sizeof(k->dst));
}
