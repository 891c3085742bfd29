/*
 * import_gcp.c --
 *	Google Cloud cloud.json (https://www.gstatic.com/ipranges/cloud.json):
 *	{"prefixes": [{"ipv4Prefix": CIDR} | {"ipv6Prefix": CIDR}, ...]}.
 */
#include <stdio.h>

#include "import.h"

static int
gcp_parse(const char *data, size_t len, const struct import_sink *sink,
    struct errbuf *eb)
{
	yajl_val root, arr, e, v;
	char path[128];
	const char *member;
	size_t i;
	int rc = -1;

	if ((root = import_json_parse(data, len, eb)) == NULL)
		return -1;
	if (import_json_array(root, "", "prefixes", 1, &arr, eb) == -1)
		goto out;
	for (i = 0; i < arr->u.array.len; i++) {
		e = arr->u.array.values[i];
		member = "ipv4Prefix";
		if ((v = json_get(e, member)) == NULL) {
			member = "ipv6Prefix";
			v = json_get(e, member);
		}
		if (v == NULL) {
			errbuf_set(eb,
			    "prefixes[%zu]: neither ipv4Prefix nor "
			    "ipv6Prefix",
			    i);
			goto out;
		}
		snprintf(path, sizeof(path), "prefixes[%zu].%s", i, member);
		if (import_json_prefix(v, path, sink, eb) == -1)
			goto out;
	}
	rc = 0;
out:
	yajl_tree_free(root);
	return rc;
}

const struct import_format import_gcp = {
	"gcp",
	"Google Cloud cloud.json (prefixes[].ipv4Prefix|ipv6Prefix)",
	gcp_parse,
};
