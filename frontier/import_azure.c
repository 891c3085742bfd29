/*
 * import_azure.c --
 *	Microsoft Azure Service Tags (ServiceTags_Public_*.json):
 *	{"values": [{"name": ..., "properties": {"addressPrefixes": [CIDR,
 *	...]}}]}.  A prefix appears under several tags (a region's tag and the
 *	global one); the representative-address rule removes the repeats.
 */
#include <stdio.h>

#include "import.h"

static int
azure_parse(const char *data, size_t len, const struct import_sink *sink,
    struct errbuf *eb)
{
	yajl_val root, values, props, arr;
	char path[128];
	size_t i, j;
	int rc = -1;

	if ((root = import_json_parse(data, len, eb)) == NULL)
		return -1;
	if (import_json_array(root, "", "values", 1, &values, eb) == -1)
		goto out;
	for (i = 0; i < values->u.array.len; i++) {
		snprintf(path, sizeof(path), "values[%zu]", i);
		props = json_get(values->u.array.values[i], "properties");
		if (props == NULL) {
			errbuf_set(eb, "%s.properties: missing", path);
			goto out;
		}
		snprintf(path, sizeof(path), "values[%zu].properties", i);
		if (import_json_array(
			props, path, "addressPrefixes", 1, &arr, eb) == -1)
			goto out;
		for (j = 0; j < arr->u.array.len; j++) {
			snprintf(path, sizeof(path),
			    "values[%zu].properties.addressPrefixes[%zu]", i,
			    j);
			if (import_json_prefix(
				arr->u.array.values[j], path, sink, eb) == -1)
				goto out;
		}
	}
	rc = 0;
out:
	yajl_tree_free(root);
	return rc;
}

const struct import_format import_azure = {
	"azure",
	"Azure Service Tags (values[].properties.addressPrefixes[])",
	azure_parse,
};
