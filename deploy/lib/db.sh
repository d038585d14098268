#!/usr/bin/env bash
# deploy/lib/db.sh: connection handling shared by deploy/db-backup.sh and
# deploy/db-verify.sh. Sourced after common.sh, never executed.
#
# What lives here:
#   - db_connect CS PROVIDER DATADIR: resolve which database to talk to (the
#     --connection string, or the database of ./deploy/up.sh) into DB_* globals
#   - pg_client_env: export libpq's PG* variables for the resolved database, so
#     no password ever appears on a command line (ps shows command lines)
#   - sqlcmd_find / sqlcmd_run: run one of deploy/sql/sqlserver/ops/*.sql
# shellcheck shell=bash

if [[ -n "${SONIA_DB_SH_LOADED:-}" ]]; then
  return 0
fi
SONIA_DB_SH_LOADED=1

# Folder of the operational SQL scripts. They sit below the migration folders,
# which the silo embeds non-recursively (Silo/Sonia.Silo.csproj: sql/<dialect>/*.sql),
# so the migrator never runs them.
SONIA_OPS_SQL="$SONIA_REPO_ROOT/deploy/sql"

# cs_get CS KEY...: print the value of the first KEY present in the ADO.NET
# connection string CS ("Key=Value;Key=Value"). Keys compare without case or
# spaces ("User Id" = "userid"); a value may be quoted with " or ' to hold ";".
cs_get() {
  local cs="$1"; shift
  local -a parts=()
  local part="" quote="" ch i
  for ((i = 0; i < ${#cs}; i++)); do
    ch="${cs:i:1}"
    if [[ -n "$quote" ]]; then
      if [[ "$ch" == "$quote" ]]; then quote=""; else part+="$ch"; fi
    elif [[ "$ch" == '"' || "$ch" == "'" ]]; then
      quote="$ch"
    elif [[ "$ch" == ";" ]]; then
      parts+=("$part"); part=""
    else
      part+="$ch"
    fi
  done
  parts+=("$part")
  local want p key
  for want in "$@"; do
    want="$(printf '%s' "$want" | tr -d ' ' | tr '[:upper:]' '[:lower:]')"
    for p in "${parts[@]}"; do
      [[ "$p" == *=* ]] || continue
      key="$(printf '%s' "${p%%=*}" | tr -d ' ' | tr '[:upper:]' '[:lower:]')"
      if [[ "$key" == "$want" ]]; then
        # Trim the blanks around the value, keep those inside it.
        local value="${p#*=}"
        value="${value#"${value%%[![:space:]]*}"}"
        printf '%s\n' "${value%"${value##*[![:space:]]}"}"
        return 0
      fi
    done
  done
  return 1
}

# db_guess_provider CS: PostgreSql or SqlServer from keys only one of the two
# drivers uses; empty when the string could be either ("Server=..;Database=..").
db_guess_provider() {
  local cs="$1"
  if cs_get "$cs" host username "ssl mode" sslmode >/dev/null; then
    echo PostgreSql
  elif cs_get "$cs" "data source" "initial catalog" "integrated security" trusted_connection \
      trustservercertificate encrypt >/dev/null; then
    echo SqlServer
  fi
}

# db_connect CS PROVIDER DATADIR: set DB_PROVIDER (PostgreSql|SqlServer),
# DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD, DB_TRUSTED (0/1),
# DB_TRUST_CERT (0/1) and DB_DESCRIPTION (no password). With an empty CS the
# database is the one ./deploy/up.sh runs for DATADIR, which must be up.
# shellcheck disable=SC2034  # the DB_* globals are read by the callers
db_connect() {
  local cs="$1" provider="$2" data_dir="$3"
  DB_PASSWORD=""; DB_TRUSTED=0; DB_TRUST_CERT=0
  if [[ -z "$cs" ]]; then
    [[ -z "$provider" || "$provider" == PostgreSql ]] ||
      die "without --connection the database is ./deploy/up.sh's PostgreSQL; --provider $provider needs --connection"
    local port_file="$data_dir/postgres.port" port
    [[ -f "$port_file" ]] && port="$(tr -dc '0-9' <"$port_file")"
    [[ -n "${port:-}" ]] ||
      die "no --connection given and $port_file does not exist: start Sonia with ./deploy/up.sh (or pass --connection / --data-dir)"
    DB_PROVIDER=PostgreSql; DB_HOST=127.0.0.1; DB_PORT="$port"; DB_NAME=sonia; DB_USER=postgres
  else
    [[ -n "$provider" ]] || provider="$(db_guess_provider "$cs")"
    [[ -n "$provider" ]] || provider="${Sonia__Database__Provider:-}"
    case "${provider,,}" in
      postgresql|postgres) DB_PROVIDER=PostgreSql ;;
      sqlserver|mssql)     DB_PROVIDER=SqlServer ;;
      "") die "cannot tell whether the connection string is PostgreSQL or SQL Server: pass --provider PostgreSql|SqlServer" ;;
      *)  die "unknown provider '$provider' (PostgreSql or SqlServer)" ;;
    esac
    DB_PASSWORD="$(cs_get "$cs" password pwd psw || true)"
    if [[ "$DB_PROVIDER" == PostgreSql ]]; then
      DB_HOST="$(cs_get "$cs" host server || echo localhost)"
      DB_PORT="$(cs_get "$cs" port || echo 5432)"
      DB_NAME="$(cs_get "$cs" database db || true)"
      DB_USER="$(cs_get "$cs" username "user name" "user id" uid user || echo "${USER:-postgres}")"
    else
      DB_HOST="$(cs_get "$cs" server "data source" address addr "network address" || true)"
      DB_PORT=""
      DB_NAME="$(cs_get "$cs" database "initial catalog" || true)"
      DB_USER="$(cs_get "$cs" "user id" uid user || true)"
      case "$(cs_get "$cs" "integrated security" trusted_connection || true)" in
        [Tt]rue|[Yy]es|[Ss]spi) DB_TRUSTED=1 ;;
      esac
      case "$(cs_get "$cs" trustservercertificate || true)" in
        [Tt]rue|[Yy]es) DB_TRUST_CERT=1 ;;
      esac
      [[ -n "$DB_HOST" ]] || die "the SQL Server connection string names no Server / Data Source"
    fi
    [[ -n "$DB_NAME" ]] || die "the connection string names no Database"
  fi
  if [[ "$DB_PROVIDER" == PostgreSql ]]; then
    DB_DESCRIPTION="PostgreSQL at $DB_HOST:$DB_PORT (database $DB_NAME)"
  else
    DB_DESCRIPTION="SQL Server at $DB_HOST (database $DB_NAME)"
  fi
}

# pg_client_env [DATABASE]: export PGHOST, PGPORT, PGUSER, PGDATABASE (the
# resolved one unless DATABASE is given) and PGPASSWORD when there is one.
pg_client_env() {
  export PGHOST="$DB_HOST" PGPORT="$DB_PORT" PGUSER="$DB_USER" PGDATABASE="${1:-$DB_NAME}"
  export PGAPPNAME=sonia-db-backup
  if [[ -n "$DB_PASSWORD" ]]; then export PGPASSWORD="$DB_PASSWORD"; fi
}

# pg_client_bin: set PG_BIN to the folder of PostgreSQL's client tools. The
# server binaries common.sh looks for come with them (same package).
pg_client_bin() {
  if [[ -z "${PG_BIN:-}" ]]; then
    PG_BIN="$(pg_find_bin)" ||
      die "PostgreSQL client tools (pg_dump, pg_restore, psql) not found: install PostgreSQL 15 or set SONIA_PG_BIN=<bindir>"
  fi
  local b
  for b in pg_dump pg_restore psql; do
    [[ -x "$PG_BIN/$b" ]] || die "$PG_BIN/$b is missing"
  done
}

# sqlcmd_find: print the sqlcmd to use (PATH, then Microsoft's package folders).
sqlcmd_find() {
  local c
  for c in "$(command -v sqlcmd 2>/dev/null || true)" /opt/mssql-tools18/bin/sqlcmd /opt/mssql-tools/bin/sqlcmd; do
    if [[ -n "$c" && -x "$c" ]]; then printf '%s\n' "$c"; return 0; fi
  done
  return 1
}

# sqlcmd_run SCRIPT BACKUP_FILE: run deploy/sql/sqlserver/ops/SCRIPT against
# the resolved SQL Server database with $(BackupFile) = BACKUP_FILE. -b makes
# any SQL error a non-zero exit; the password travels in SQLCMDPASSWORD.
sqlcmd_run() {
  local script="$SONIA_OPS_SQL/sqlserver/ops/$1" file="$2" sqlcmd
  sqlcmd="$(sqlcmd_find)" || die "the connection is SQL Server but sqlcmd was not found: install mssql-tools18 (or go-sqlcmd) and put sqlcmd on PATH"
  # The path is substituted inside an N'...' literal: a quote would end it.
  [[ "$file" != *"'"* ]] || die "the backup path must not contain a single quote: $file"
  local -a args=(-b -S "$DB_HOST" -d "$DB_NAME" -i "$script" -v "BackupFile=$file")
  if ((DB_TRUSTED)); then args+=(-E); else args+=(-U "$DB_USER"); fi
  if ((DB_TRUST_CERT)); then args+=(-C); fi
  SQLCMDPASSWORD="$DB_PASSWORD" "$sqlcmd" "${args[@]}"
}
