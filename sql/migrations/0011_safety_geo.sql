-- 0011_safety_geo: the frontier's safety lists and geolocation:
-- load_bogons() (replace the bogon rows of special_ranges, keeping the
-- special-purpose ones), 64:ff9b::/96 refused in special_ranges as in
-- lib/addr.c, schedule_cycle v2 (honours special_ranges, bogons included),
-- geolocations v2 (method, region, city, area), the frontier may record
-- worker locations, and estimate_hop_locations() (RTT-constraint
-- geolocation of hops) with its aggregate geography_intersection.
--
-- Landed migrations are never edited, nor the files they include.  Run by
-- sql/migrate as a superuser, in one transaction.

SET ROLE pingsvc_owner;

\ir ../tables/special_ranges_nat64.sql
\ir ../functions/load_bogons.sql
\ir ../functions/schedule_cycle_v2.sql

\ir ../tables/geolocations_v2.sql
\ir ../tables/workers_location_frontier.sql
\ir ../tables/frontier_state_locate.sql
\ir ../functions/geography_intersection.sql
\ir ../functions/estimate_hop_locations.sql

RESET ROLE;
