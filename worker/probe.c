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

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The key of the IP packet 'p' ('n' bytes, nothing after it). */
static int
key_of_ip(struct probe_key *k, const uint8_t *p, size_t n)
{
	struct addr dst;
	const uint8_t *t;
	size_t hl, tl;
	uint8_t proto;

	memset(&dst, 0, sizeof(dst));
	if (n >= 20 && p[0] >> 4 == 4 && (hl = (size_t)(p[0] & 15) * 4) >= 20 &&
	    hl <= n && get16(p + 2) == n) {
		proto = p[9];
		dst.af = 4;
		memcpy(dst.b, p + 16, 4);
	} else if (n >= 40 && p[0] >> 4 == 6 &&
	    (size_t)get16(p + 4) + 40 == n) {
		hl = 40;
		proto = p[6];
		dst.af = 6;
		memcpy(dst.b, p + 24, 16);
	} else
		return -1;
	t = p + hl;
	if ((tl = n - hl) < 8)
		return -1;
	switch (proto) {
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (t[0] != (dst.af == 6 ? 128 : 8)) /* echo request */
			return -1;
		probe_key_icmp(k, &dst, get16(t + 4), get16(t + 6));
		return 0;
	case IPPROTO_UDP:
		probe_key_ports(
		    k, IPPROTO_UDP, &dst, get16(t), get16(t + 2), get16(t + 6));
		return 0;
	case IPPROTO_TCP:
		probe_key_ports(k, IPPROTO_TCP, &dst, get16(t), get16(t + 2),
		    (uint32_t)get16(t + 4) << 16 | get16(t + 6));
		return 0;
	}
	return -1;
}

int
probe_key_sent(struct probe_key *k, const uint8_t *b, size_t len)
{
	/* None (tun, ppp), Ethernet, 802.1Q, QinQ, ... */
	static const size_t link[] = { 14, 0, 18, 22, 16, 4 };
	size_t i;

	for (i = 0; i < sizeof(link) / sizeof(link[0]); i++)
		if (link[i] < len &&
		    key_of_ip(k, b + link[i], len - link[i]) == 0)
			return 0;
	return -1;
}
