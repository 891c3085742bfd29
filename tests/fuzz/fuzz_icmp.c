/*
 * fuzz_icmp.c --
 *	libFuzzer harness for the parsers of packets off the wire:
 *	icmp_parse4 and icmp_parse6 (echo replies, ICMP errors, quoted
 *	probes of either family, RFC 4884 extensions with MPLS stacks) and
 *	pkt_parse_tcp4/6 (SYN-ACK/RST).  Each input is fed to all of them.  The
 *	seed corpus (tests/fuzz/corpus/fuzz_icmp/) holds packets captured in
 *	the lab (echo reply, time exceeded, port unreachable) and two with
 *	an MPLS extension (RFC 4884 and pre-4884 layout).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../worker/icmp_parse.h"
#include "../../worker/pkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct icmp_reply r;
	struct pkt_tcp_reply t;
	struct errbuf eb;
	struct addr from6;
	uint8_t *copy;

	/* An exact-size heap copy, so ASan sees any read past the end. */
	if ((copy = malloc(size == 0 ? 1 : size)) == NULL)
		return 0;
	memcpy(copy, data, size);
	if (icmp_parse4(copy, size, &r, &eb) == ICMP_PARSE_OK) {
		if (r.nmpls > RESULT_MAX_MPLS || r.size > size)
			abort();
		if (r.has_quote && r.q_src.af != 4)
			abort();
	}
	if (pkt_parse_tcp4(copy, size, &t) == 0 && t.size > size)
		abort();
	/* The same bytes as an ICMPv6 message (no IP header on AF_INET6). */
	memset(&from6, 0, sizeof(from6));
	from6.af = 6;
	from6.b[15] = 1;
	if (icmp_parse6(copy, size, &from6, 64, &r, &eb) == ICMP_PARSE_OK &&
	    (r.nmpls > RESULT_MAX_MPLS || r.size != size ||
		(r.has_quote && r.q_src.af != 6)))
		abort();
	if (pkt_parse_tcp6(copy, size, &from6, 64, &t) == 0 && t.size != size)
		abort();
	free(copy);
	return 0;
}
