#!/bin/bash
# etc/docker/init-roles.sh -- the compose file's migrate step: apply the
# migrations (sql/migrate, idempotent), then create the login roles the
# services use, each in its group role, with the passwords given:
#   PINGSVC_GW_PASSWORD  -> pingsvc_gw  in pingsvc_ingest   (gateway)
#   PINGSVC_FR_PASSWORD  -> pingsvc_fr  in pingsvc_frontier (frontier)
#   PINGSVC_WEB_PASSWORD -> pingsvc_web in pingsvc_viewer   (viewer)
# and permit nothing special: allowed_ranges stays empty (real internet).
set -eu
"${PINGSVC_MIGRATE:-/usr/share/pingsvc/sql/migrate}"
role()
{
	psql -X -q -v ON_ERROR_STOP=1 -v name="$1" -v grp="$2" -v pw="$3" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN IN ROLE %I', :'name', :'grp')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name') \gexec
SELECT format('ALTER ROLE %I PASSWORD %L', :'name', :'pw') \gexec
SQL
}
role pingsvc_gw pingsvc_ingest "$PINGSVC_GW_PASSWORD"
role pingsvc_fr pingsvc_frontier "$PINGSVC_FR_PASSWORD"
role pingsvc_web pingsvc_viewer "$PINGSVC_WEB_PASSWORD"
