#!/usr/bin/env bash
# deploy/db-verify.sh: proves a backup written by deploy/db-backup.sh can be
# restored and holds what the database held when it was taken.
#
# Usage: ./deploy/db-verify.sh FILE [--connection CS] [--provider P]
#                                   [--data-dir DIR] [--tables FILE.tables.json]
#
#   FILE               the backup (PostgreSQL: a pg_dump -Fc file; SQL Server:
#                      a path on the SQL Server machine)
#   --connection CS    the server to verify on (default: the PostgreSQL of
#                      ./deploy/up.sh); its own database is never touched
#   --provider P       PostgreSql or SqlServer, when the string does not tell
#   --data-dir DIR     the data folder of ./deploy/up.sh, used without --connection
#   --tables F         the record of the tables (default FILE.tables.json)
#
# PostgreSQL: checks the file's SHA-256 against the record, restores it into a
# scratch database created on the same server (same major version, roles and
# extensions as where it came from; dropped again whatever happens), then
# compares every table's row count and checksum with those recorded at backup
# time, and prints one line per table. SQL Server: RESTORE VERIFYONLY ... WITH
# CHECKSUM (deploy/sql/sqlserver/ops/verify_backup.sql).
#
# Exit status 0 only when everything matches; otherwise each mismatch is named.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/db.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/db.sh"


FILE=""
TABLES=""
CONNECTION=""
PROVIDER=""
DATA_DIR="${SONIA_DATA_DIR:-$SONIA_REPO_ROOT/.data}"
while (($#)); do
  case "$1" in
    --connection)   need_value "$@"; CONNECTION="$2"; shift 2 ;;
    --connection=*) CONNECTION="${1#*=}"; shift ;;
    --provider)     need_value "$@"; PROVIDER="$2"; shift 2 ;;
    --provider=*)   PROVIDER="${1#*=}"; shift ;;
    --data-dir)     need_value "$@"; DATA_DIR="$2"; shift 2 ;;
    --data-dir=*)   DATA_DIR="${1#*=}"; shift ;;
    --tables)       need_value "$@"; TABLES="$2"; shift 2 ;;
    --tables=*)     TABLES="${1#*=}"; shift ;;
    -h|--help)      usage; exit 0 ;;
    -*)             die "unknown option '$1' (see --help)" ;;
    *)              [[ -z "$FILE" ]] || die "one backup file at a time (see --help)"; FILE="$1"; shift ;;
  esac
done
[[ -n "$FILE" ]] || die "which backup? ./deploy/db-verify.sh FILE (see --help)"

db_connect "$CONNECTION" "$PROVIDER" "$(abs_path "$DATA_DIR")"

if [[ "$DB_PROVIDER" == SqlServer ]]; then
  say "RESTORE VERIFYONLY of $FILE on $DB_DESCRIPTION, WITH CHECKSUM"
  sqlcmd_run verify_backup.sql "$FILE" || die "FAILED: $FILE did not verify (see the SQL Server messages above)"
  say "PASSED: $FILE is complete and its checksums match"
  exit 0
fi

FILE="$(abs_path "$FILE")"
TABLES="$(abs_path "${TABLES:-$FILE.tables.json}")"
[[ -f "$FILE" ]] || die "$FILE does not exist"
[[ -f "$TABLES" ]] || die "$TABLES does not exist: it is written by deploy/db-backup.sh beside the backup"
pg_client_bin
pg_client_env

failures=()
fail() { failures+=("$*"); printf 'MISMATCH: %s\n' "$*"; }
WORK="$(mktemp -d)"
SCRATCH="sonia_verify_$(date -u +%Y%m%d%H%M%S)_$$"
SCRATCH_CREATED=0
# shellcheck disable=SC2317  # invoked through the EXIT trap
cleanup() {
  if ((SCRATCH_CREATED)); then
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS \"$SCRATCH\" WITH (FORCE)" ||
      warn "could not drop the scratch database $SCRATCH on $DB_DESCRIPTION: drop it by hand"
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# psql_value SQL: one value computed from the record (the JSON is passed as a
# psql variable, so no JSON tool is needed and nothing is interpolated by hand).
RECORD="$(cat "$TABLES")"
psql_value() { "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -v recorded="$RECORD" <<<"$1"; }
recorded_sha="$(psql_value "SELECT :'recorded'::jsonb ->> 'dump_sha256'")" ||
  die "$TABLES is not a backup record (not JSON?)"
recorded_at="$(psql_value "SELECT :'recorded'::jsonb ->> 'created_at'")"
say "verifying $FILE (taken $recorded_at) on $DB_DESCRIPTION"

# 1. The file is the one that was written.
actual_sha="$(sha256sum "$FILE" | cut -d' ' -f1)"
if [[ "$actual_sha" == "$recorded_sha" ]]; then
  say "file sha256 matches the record ($actual_sha)"
else
  fail "file sha256 is $actual_sha, the record says ${recorded_sha:-nothing}: the file changed after the backup"
fi

# 2. It restores, completely, into a scratch database.
restored=0
"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$SCRATCH\" TEMPLATE template0 ENCODING 'UTF8'" ||
  die "cannot create the scratch database $SCRATCH on $DB_DESCRIPTION (the user needs CREATEDB)"
SCRATCH_CREATED=1
say "restoring into scratch database $SCRATCH"
# --no-owner/--no-acl: the copy is read by this user only; ownership is not data.
if "$PG_BIN/pg_restore" --exit-on-error --no-owner --no-acl -d "$SCRATCH" "$FILE" 2>"$WORK/restore.log"; then
  restored=1
else
  cat "$WORK/restore.log" >&2
  fail "pg_restore failed: the file is damaged or not a pg_dump -Fc backup ($(head -n 1 "$WORK/restore.log"))"
fi

# 3. Every table holds what it held at backup time.
if ((restored)); then
  restored_json="$(PGDATABASE="$SCRATCH" "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 \
    -f "$SONIA_OPS_SQL/postgresql/ops/table_checksums.sql")" || die "could not checksum the restored tables"
  PGDATABASE="$SCRATCH" "$PG_BIN/psql" -X -q -A -t -F $'\t' -v ON_ERROR_STOP=1 \
    -v recorded="$RECORD" -v restored="$restored_json" \
    -f "$SONIA_OPS_SQL/postgresql/ops/compare_checksums.sql" >"$WORK/compare.tsv" ||
    die "could not compare the tables with $TABLES (is it a backup record?)"
  printf '%-44s %12s %12s  %-16s %-16s %s\n' TABLE ROWS_BACKUP ROWS_RESTORED SHA256_BACKUP SHA256_RESTORED RESULT
  ok_tables=0
  while IFS=$'\t' read -r table rows_b rows_r sha_b sha_r result; do
    printf '%-44s %12s %12s  %-16s %-16s %s\n' "$table" "$rows_b" "$rows_r" "${sha_b:0:16}" "${sha_r:0:16}" "$result"
    if [[ "$result" == ok ]]; then ok_tables=$((ok_tables + 1)); else fail "table $table: $result"; fi
  done <"$WORK/compare.tsv"
  say "$ok_tables table(s) match"
fi

if ((${#failures[@]})); then
  printf 'FAILED: %s does not verify (%d problem(s)):\n' "$FILE" "${#failures[@]}" >&2
  printf '  - %s\n' "${failures[@]}" >&2
  exit 1
fi
say "PASSED: $FILE restores and every table matches the record"
