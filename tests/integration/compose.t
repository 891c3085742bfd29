#!/bin/bash
# docker-compose.yml is valid (docker-compose validates without an engine),
# refuses to start without a database password, and mounts the migrations.
set -u
cd "${PINGSVC_TOP:-$(dirname "$0")/../..}" || exit 1
echo "1..4"
n=0
tap() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

if ! command -v docker-compose >/dev/null; then
	echo "Bail out! docker-compose is not installed (make deps)"
	exit 1
fi
out=$(PINGSVC_DB_PASSWORD=secret docker-compose config 2>&1)
tap $? "docker-compose config accepts the file"
PINGSVC_DB_PASSWORD= docker-compose config -q >/dev/null 2>&1
[ $? -ne 0 ]; tap $? "no default database password"
grep -q 'image: postgis/postgis:15' <<<"$out"; tap $? "database is PostgreSQL 15 with PostGIS"
grep -Eq '/sql/migrate' <<<"$out" && [ -x sql/migrate ]
tap $? "migrate service runs sql/migrate"
