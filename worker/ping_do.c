/*
 * ping_do.c --
 *	The ping state machine (see ping_do.h).
 *
 *	ICMP echo (RFC 792): identifier = the process's, sequence = a
 *	process-wide counter, so replies to other pings on the host are
 *	told apart.  TCP: a SYN from a raw socket, so no connection exists
 *	in the kernel; the answer is a SYN-ACK (port open) or a RST (closed),
 *	both proving the host is alive.  The kernel answers the SYN-ACK with
 *	a RST of its own, as it knows no such connection -- harmless, and it
 *	frees the target's half-open state at once.  The sequence number
 *	identifies the probe (the reply acknowledges seq + 1).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ping_do.h"
#include "util.h"

struct ping_do {
	struct ping_cmd cmd; /* allow set not copied */
	struct loop *loop;
	uint16_t sport; /* TCP source port, one per ping */
	uint32_t seq0;  /* TCP initial sequence base */
	struct probe *probes;
	struct ping_outcome out;
};

static int
ping_do_start(void *arg)
{
	struct ping_do *pd = arg;
	int i;

	pd->out.timestamp = (int64_t)time(NULL);
	for (i = 0; i < pd->cmd.count; i++)
		loop_probe_at(pd->loop, &pd->probes[i],
		    (uint64_t)i * (uint64_t)pd->cmd.interval_ms * 1000);
	return 0;
}

static size_t
ping_do_send(void *arg, struct probe *p, uint8_t *pkt, size_t cap)
{
	struct ping_do *pd = arg;
	struct pkt_probe pp;
	uint32_t id = loop_next_id(pd->loop);

	memset(&pp, 0, sizeof(pp));
	pp.src = pd->out.src;
	pp.dst = pd->cmd.dst;
	pp.ttl = 64;
	pp.ipid = (uint16_t)id;
	pp.cksum = -1;
	if (pd->cmd.proto == PROTO_TCP) {
		pp.sport = pd->sport;
		pp.dport = (uint16_t)pd->cmd.port;
		pp.tcp_seq = pd->seq0 + id;
		probe_key_ports(&p->key, IPPROTO_TCP, &pp.dst, pp.sport,
		    pp.dport, pp.tcp_seq);
		return pkt_build_tcp_syn(&pp, pkt, cap);
	}
	pp.icmp_id = loop_icmp_id(pd->loop);
	pp.icmp_seq = (uint16_t)id;
	probe_key_icmp(&p->key, &pp.dst, pp.icmp_id, pp.icmp_seq);
	return pkt_build_icmp_echo(&pp, pkt, cap);
}

static const char *
unreach_name(int code)
{
	static const char *const names[] = { "network unreachable",
		"host unreachable", "protocol unreachable", "port unreachable",
		"fragmentation needed", "source route failed" };

	if (code >= 0 && code < (int)(sizeof(names) / sizeof(names[0])))
		return names[code];
	return "unreachable";
}

/* Keep 'msg' as the probe's error (a copy; without memory, none). */
static void
set_error(struct ping_probe_outcome *o, const char *msg)
{
	free(o->error);
	o->error = strdup(msg);
}

static void
ping_do_reply(void *arg, struct probe *p, const struct probe_reply *r)
{
	struct ping_do *pd = arg;
	struct ping_probe_outcome *o = &pd->out.v[p->index];
	char from[ADDR_STRLEN], msg[128];

	pd->out.endtime = (int64_t)time(NULL);
	if (r->kind == PROBE_REPLY_ICMP && r->icmp->type != ICMP_T_ECHOREPLY) {
		/* An error about our probe: the target did not answer. */
		addr_format(&r->from, from, sizeof(from));
		if (r->icmp->type == ICMP_T_UNREACH)
			snprintf(msg, sizeof(msg), "%s from %s",
			    unreach_name(r->icmp->code), from);
		else
			snprintf(msg, sizeof(msg),
			    "ICMP type %d code %d from %s", r->icmp->type,
			    r->icmp->code, from);
		set_error(o, msg);
		return;
	}
	o->answered = 1;
	o->rtt_us = r->rtt_us;
	o->ttl = r->ttl;
}

static void
ping_do_timeout(void *arg, struct probe *p)
{
	struct ping_do *pd = arg;
	struct ping_probe_outcome *o = &pd->out.v[p->index];
	char msg[128];

	pd->out.endtime = (int64_t)time(NULL);
	if (p->state == PROBE_FAILED) {
		/* Not sent: it does not count in "sent" (ping_json.c). */
		o->send_failed = 1;
		snprintf(msg, sizeof(msg), "send failed: %s", strerror(p->err));
		set_error(o, msg);
	}
}

static void
ping_do_free(void *arg)
{
	struct ping_do *pd = arg;
	int i;

	if (pd == NULL)
		return;
	for (i = 0; i < pd->out.n; i++)
		free(pd->out.v[i].error);
	free(pd); /* one block with its probes and outcomes */
}

const struct probe_ops ping_do_ops = {
	.name = "ping",
	.start = ping_do_start,
	.send = ping_do_send,
	.reply = ping_do_reply,
	.timeout = ping_do_timeout,
	.free = ping_do_free,
};

struct ping_do *
ping_do_new(const struct ping_cmd *c, struct loop *l, const struct addr *src,
    struct errbuf *eb)
{
	struct ping_do *pd;
	int i;

	/*
	 * One block: the ping, then its probes, then their outcomes.  A
	 * sweep holds tens of thousands of pings; one allocation each keeps
	 * them small and together (RSS, cache misses per probe).
	 */
	if ((pd = calloc(1,
		 sizeof(*pd) +
		     (size_t)c->count *
			 (sizeof(*pd->probes) + sizeof(*pd->out.v)))) == NULL) {
		errbuf_set(eb, "out of memory");
		return NULL;
	}
	pd->probes = (struct probe *)(pd + 1);
	pd->out.v = (struct ping_probe_outcome *)(pd->probes + c->count);
	pd->cmd = *c;
	pd->cmd.allow = (struct prefix_set)PREFIX_SET_INIT;
	pd->loop = l;
	pd->out.src = *src;
	pd->out.n = c->count;
	pd->out.endtime = -1;
	pd->out.size =
	    c->proto == PROTO_TCP ? 20 : 8 + 2 + (int)sizeof(PKT_PAYLOAD);
	/* Dynamic ports (RFC 6335); the flow stays put within one ping. */
	pd->sport = (uint16_t)(49152 + util_random32() % 16384);
	pd->seq0 = util_random32();
	for (i = 0; i < c->count; i++) {
		pd->probes[i].ops = &ping_do_ops;
		pd->probes[i].arg = pd;
		pd->probes[i].index = i;
		pd->probes[i].ttl = 64;
		pd->probes[i].timeout_us = (uint32_t)c->timeout_ms * 1000;
	}
	return pd;
}

const struct ping_outcome *
ping_do_outcome(const struct ping_do *pd)
{
	return &pd->out;
}

const struct ping_cmd *
ping_do_cmd(const struct ping_do *pd)
{
	return &pd->cmd;
}
