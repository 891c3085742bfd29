#!/bin/sh
# etc/docker/viewer-entrypoint.sh -- the viewer container: write the
# database password (PINGSVC_WEB_PASSWORD) to a passfile only www-data can
# read (lighttpd hands CGIs no environment of its own; viewer.conf names the
# passfile in its conninfo), then run lighttpd in the foreground.
set -eu
install -d -o www-data -m 700 /run/pingsvc
umask 077
printf 'db:5432:pingsvc:pingsvc_web:%s\n' "$PINGSVC_WEB_PASSWORD" >/run/pingsvc/pgpass
chown www-data /run/pingsvc/pgpass
unset PINGSVC_WEB_PASSWORD
exec lighttpd -D -f /etc/lighttpd/pingsvc.conf
