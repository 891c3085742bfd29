/*
 * import_aws.c --
 *	AWS ip-ranges.json (https://ip-ranges.amazonaws.com/ip-ranges.json):
 *	{"prefixes": [{"ip_prefix": CIDR, ...}], "ipv6_prefixes":
 *	[{"ipv6_prefix": CIDR, ...}]}.  Other members are ignored.
 */
#include <stdio.h>
#include <stdlib.h>

#include "import.h"

static int
aws_list(yajl_val root, const char *key, const char *member, int required,
    const struct import_sink *sink, struct errbuf *eb)
{
	yajl_val arr;
	char path[128];
	size_t i;

	if (import_json_array(root, "", key, required, &arr, eb) == -1)
		return -1;
	if (arr == NULL)
		return 0;
	for (i = 0; i < arr->u.array.len; i++) {
		snprintf(path, sizeof(path), "%s[%zu].%s", key, i, member);
		if (import_json_prefix(json_get(arr->u.array.values[i], member),
			path, sink, eb) == -1)
			return -1;
	}
	return 0;
}

static int
aws_parse(const char *data, size_t len, const struct import_sink *sink,
    struct errbuf *eb)
{
	yajl_val root;
	int rc = -1;

	if ((root = import_json_parse(data, len, eb)) == NULL)
		return -1;
	if (aws_list(root, "prefixes", "ip_prefix", 1, sink, eb) == -1)
		goto out;
	if (aws_list(root, "ipv6_prefixes", "ipv6_prefix", 0, sink, eb) == -1)
		goto out;
	rc = 0;
out:
	yajl_tree_free(root);
	return rc;
}

const struct import_format import_aws = {
	"aws",
	"AWS ip-ranges.json (prefixes[].ip_prefix, "
	"ipv6_prefixes[].ipv6_prefix)",
	aws_parse,
};
