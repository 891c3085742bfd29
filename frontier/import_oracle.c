/*
 * import_oracle.c --
 *	Oracle Cloud public_ip_ranges.json: {"regions": [{"region": ...,
 *	"cidrs": [{"cidr": CIDR, "tags": [...]}]}]}.
 */
#include <stdio.h>

#include "import.h"

static int
oracle_parse(const char *data, size_t len, const struct import_sink *sink,
    struct errbuf *eb)
{
	yajl_val root, regions, cidrs;
	char path[128];
	size_t i, j;
	int rc = -1;

	if ((root = import_json_parse(data, len, eb)) == NULL)
		return -1;
	if (import_json_array(root, "", "regions", 1, &regions, eb) == -1)
		goto out;
	for (i = 0; i < regions->u.array.len; i++) {
		snprintf(path, sizeof(path), "regions[%zu]", i);
		if (import_json_array(regions->u.array.values[i], path, "cidrs",
			1, &cidrs, eb) == -1)
			goto out;
		for (j = 0; j < cidrs->u.array.len; j++) {
			snprintf(path, sizeof(path),
			    "regions[%zu].cidrs[%zu].cidr", i, j);
			if (import_json_prefix(
				json_get(cidrs->u.array.values[j], "cidr"),
				path, sink, eb) == -1)
				goto out;
		}
	}
	rc = 0;
out:
	yajl_tree_free(root);
	return rc;
}

const struct import_format import_oracle = {
	"oracle",
	"Oracle Cloud public_ip_ranges.json (regions[].cidrs[].cidr)",
	oracle_parse,
};
