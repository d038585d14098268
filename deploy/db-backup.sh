#!/usr/bin/env bash
# deploy/db-backup.sh: a native backup of the whole database, not only Sonia's records.
#
# Usage: ./deploy/db-backup.sh [--out FILE] [--connection CS] [--provider P]
#                              [--data-dir DIR] [--force]
#
#   --out FILE         where to write the backup (default, PostgreSQL:
#                      <data>/backups/<database>-<UTC time>.dump). For SQL
#                      Server it is required, and is a path on the SQL Server
#                      machine (the server writes the file)
#   --connection CS    ADO.NET connection string, as Sonia__Database__ConnectionString
#                      (default: the PostgreSQL database of ./deploy/up.sh)
#   --provider P       PostgreSql or SqlServer, when the string does not tell
#   --data-dir DIR     the data folder of ./deploy/up.sh (default ./.data or
#                      $SONIA_DATA_DIR); used without --connection
#   --force            overwrite FILE if it exists
#
# PostgreSQL: `pg_dump -Fc` to FILE, and beside it FILE.tables.json with each
# table's row count and checksum and the dump's SHA-256. Both come from one
# snapshot: a session opens a REPEATABLE READ transaction and exports its
# snapshot, pg_dump reads through that exact snapshot (--snapshot), and the
# same session counts and checksums every table inside it, alongside. So
# writes running during the backup change neither, and the two always agree.
# SQL Server: BACKUP DATABASE ... WITH CHECKSUM, COPY_ONLY through sqlcmd
# (deploy/sql/sqlserver/ops/backup_database.sql).
#
# Verify a backup with ./deploy/db-verify.sh FILE. Prints the backup's path on
# the last line.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/db.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/db.sh"


OUT=""
CONNECTION=""
PROVIDER=""
DATA_DIR="${SONIA_DATA_DIR:-$SONIA_REPO_ROOT/.data}"
FORCE=0
while (($#)); do
  case "$1" in
    --out)          need_value "$@"; OUT="$2"; shift 2 ;;
    --out=*)        OUT="${1#*=}"; shift ;;
    --connection)   need_value "$@"; CONNECTION="$2"; shift 2 ;;
    --connection=*) CONNECTION="${1#*=}"; shift ;;
    --provider)     need_value "$@"; PROVIDER="$2"; shift 2 ;;
    --provider=*)   PROVIDER="${1#*=}"; shift ;;
    --data-dir)     need_value "$@"; DATA_DIR="$2"; shift 2 ;;
    --data-dir=*)   DATA_DIR="${1#*=}"; shift ;;
    --force)        FORCE=1; shift ;;
    -h|--help)      usage; exit 0 ;;
    *)              die "unknown option '$1' (see --help)" ;;
  esac
done

db_connect "$CONNECTION" "$PROVIDER" "$(abs_path "$DATA_DIR")"

if [[ "$DB_PROVIDER" == SqlServer ]]; then
  [[ -n "$OUT" ]] || die "SQL Server writes the backup on its own machine: pass --out <path on the SQL Server host>"
  say "backing up $DB_DESCRIPTION to $OUT (on the server) WITH CHECKSUM"
  sqlcmd_run backup_database.sql "$OUT"
  say "verify it with: ./deploy/db-verify.sh '$OUT' --connection '<the same connection string>'"
  printf '%s\n' "$OUT"
  exit 0
fi

pg_client_bin
pg_client_env
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
[[ -n "$OUT" ]] || OUT="$(abs_path "$DATA_DIR")/backups/$DB_NAME-$stamp.dump"
OUT="$(abs_path "$OUT")"
TABLES="$OUT.tables.json"
if ((!FORCE)); then
  [[ ! -e "$OUT" ]] || die "$OUT already exists (pass --force to overwrite)"
fi
mkdir -p "$(dirname "$OUT")"

# Everything is written beside the target under temporary names and renamed
# only once complete, so a failed run never leaves a file that looks like a backup.
WORK="$(mktemp -d "$(dirname "$OUT")/.db-backup.XXXXXX")"
SESSION_PID=""
# shellcheck disable=SC2317  # invoked through the EXIT trap
cleanup() {
  if [[ -n "$SESSION_PID" ]]; then kill "$SESSION_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

say "backing up $DB_DESCRIPTION to $OUT"
# The snapshot session: it stays open (and its transaction with it) until the
# dump and the checksums are done. -q -A -t: bare values, one per line.
coproc SNAP { exec "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 2>"$WORK/session.log"; }
# Our own copy of the PID: bash may clear SNAP_PID once the coprocess exits.
SESSION_PID="$SNAP_PID"
SNAP_IN="${SNAP[1]}"
SNAP_OUT="${SNAP[0]}"
printf '%s\n' 'BEGIN ISOLATION LEVEL REPEATABLE READ;' 'SELECT pg_export_snapshot();' >&"$SNAP_IN"
snapshot=""
if ! read -r -t 60 snapshot <&"$SNAP_OUT" || [[ -z "$snapshot" ]]; then
  tail_log "$WORK/session.log"
  die "could not open a snapshot on $DB_DESCRIPTION"
fi

# The session counts and checksums in its own transaction, hence in the
# snapshot pg_dump reads; both run at once (the answer is read after the dump).
cat "$SONIA_OPS_SQL/postgresql/ops/table_checksums.sql" >&"$SNAP_IN"
if ! "$PG_BIN/pg_dump" -Fc --snapshot="$snapshot" -f "$WORK/dump" 2>"$WORK/pg_dump.log"; then
  tail_log "$WORK/pg_dump.log"
  die "pg_dump failed"
fi

tables_json=""
if ! read -r tables_json <&"$SNAP_OUT" || [[ "$tables_json" != \[* ]]; then
  tail_log "$WORK/session.log"
  die "could not count and checksum the tables"
fi
printf '%s\n' 'COMMIT;' '\q' >&"$SNAP_IN"
exec {SNAP_IN}>&-
wait "$SESSION_PID" || { tail_log "$WORK/session.log"; die "the snapshot session failed"; }
SESSION_PID=""

json_string() { local s="${1//\\/\\\\}"; printf '"%s"' "${s//\"/\\\"}"; }
dump_sha="$(sha256sum "$WORK/dump" | cut -d' ' -f1)"
dump_bytes="$(stat -c %s "$WORK/dump")"
server_version="$("$PG_BIN/psql" -X -tAc 'SHOW server_version')"
{
  printf '{\n'
  printf '  "format": "sonia-db-backup/1",\n'
  printf '  "created_at": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  printf '  "database": %s,\n' "$(json_string "$DB_NAME")"
  printf '  "server_version": %s,\n' "$(json_string "$server_version")"
  printf '  "snapshot": "%s",\n' "$snapshot"
  printf '  "dump_file": %s,\n' "$(json_string "$(basename "$OUT")")"
  printf '  "dump_bytes": %s,\n' "$dump_bytes"
  printf '  "dump_sha256": "%s",\n' "$dump_sha"
  printf '  "tables": %s\n' "$tables_json"
  printf '}\n'
} >"$WORK/tables.json"

mv -f "$WORK/dump" "$OUT"
mv -f "$WORK/tables.json" "$TABLES"
table_count="$({ grep -o '"table":' "$TABLES" || true; } | wc -l)"
say "wrote $OUT ($dump_bytes bytes, sha256 $dump_sha)"
say "wrote $TABLES ($table_count tables counted and checksummed in the dump's snapshot)"
printf '%s\n' "$OUT"
