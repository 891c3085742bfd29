#!/bin/bash
# docker-compose.yml is valid (docker-compose validates without an engine),
# refuses to start without its passwords, mounts the migrations, and runs
# every part: database, migrate step, gateway (8443), frontier, viewer under
# a web server, one worker with CAP_NET_RAW; the images' Dockerfile and the
# files the services mount exist.
set -u
cd "${PINGSVC_TOP:-$(dirname "$0")/../..}" || exit 1
echo "1..14"
n=0
tap() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

if ! command -v docker-compose >/dev/null; then
	echo "Bail out! docker-compose is not installed (make deps)"
	exit 1
fi
pw() { env PINGSVC_DB_PASSWORD=${1-s1} PINGSVC_GW_PASSWORD=${2-s2} \
	PINGSVC_FR_PASSWORD=${3-s3} PINGSVC_WEB_PASSWORD=${4-s4} docker-compose config "${@:5}"; }
out=$(pw s1 s2 s3 s4 2>&1)
tap $? "docker-compose config accepts the file"
pw '' s2 s3 s4 -q >/dev/null 2>&1
[ $? -ne 0 ]; tap $? "no default database password"
pw s1 '' s3 s4 -q >/dev/null 2>&1 && pw s1 s2 s3 '' -q >/dev/null 2>&1
[ $? -ne 0 ]; tap $? "no default password for the services' roles"
grep -q 'image: postgis/postgis:15' <<<"$out"; tap $? "database is PostgreSQL 15 with PostGIS"
grep -Eq '/sql/migrate' <<<"$out" && [ -x sql/migrate ]
tap $? "migrate service runs sql/migrate"
services=$(pw s1 s2 s3 s4 --services 2>/dev/null | sort | tr '\n' ' ')
[ "$services" = "db frontier gateway migrate viewer worker " ]
tap $? "services: db, migrate, gateway, frontier, viewer, worker ($services)"
grep -q 'pingsvc-ingest' <<<"$out" && grep -Eq "published: ['\"]?8443|8443:8443" <<<"$out"
tap $? "gateway serves on 8443"
grep -Eq "127\.0\.0\.1.*8080|host_ip: 127\.0\.0\.1" <<<"$out" && grep -q lighttpd etc/docker/viewer-entrypoint.sh
tap $? "viewer under lighttpd, published on 127.0.0.1 only"
grep -q 'pingsvc-frontier' <<<"$out"; tap $? "frontier runs"
worker=$(sed -n '/^  worker:/,/^  [a-z]*:$/p' <<<"$out")
grep -q 'NET_RAW' <<<"$worker" && grep -A1 'cap_drop' <<<"$worker" | grep -q ALL
tap $? "the worker gets NET_RAW (and drops the rest)"
! sed -n '/^  \(gateway\|frontier\|viewer\|db\|migrate\):/,/^  [a-z]*:$/p' <<<"$out" | grep -q NET_RAW
tap $? "no other service gets NET_RAW"
[ -f etc/docker/Dockerfile ] && grep -q '^FROM debian:12' etc/docker/Dockerfile
tap $? "images built from etc/docker/Dockerfile (Debian 12)"
ok=0
for f in etc/docker/ingest.conf etc/docker/frontier.conf etc/docker/viewer.conf \
	etc/docker/worker.conf etc/docker/init-roles.sh etc/docker/lighttpd.conf; do
	[ -f "$f" ] || ok=1
done
tap $ok "every file the services mount or copy exists"
! grep -Eq '198\.18|allow = \[ *"' etc/docker/*.conf
tap $? "safety defaults: no special-purpose range allowed in the container configs"
