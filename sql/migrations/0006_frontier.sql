-- 0006_frontier: what pingsvc-frontier needs: import bookkeeping, per
-- protocol reliability scores, the periodic-task table, a location label on
-- targets, the opt-out table if no earlier migration made it, and the
-- functions score_targets, schedule_cycle and opt_out_add.
--
-- Depends only on 0001_core.  Landed migrations are never edited, nor the
-- files they include.  Run by sql/migrate as a superuser, in one
-- transaction.

SET ROLE pingsvc_owner;

\ir ../tables/opt_outs_if_missing.sql
\ir ../tables/import_sources.sql
\ir ../tables/target_scores.sql
\ir ../tables/frontier_state.sql
\ir ../tables/targets_location_label.sql
\ir ../tables/targets_due_indexes.sql

\ir ../functions/frontier_special_purpose.sql
\ir ../functions/score_targets.sql
\ir ../functions/schedule_cycle.sql
\ir ../functions/opt_out_add.sql

RESET ROLE;
