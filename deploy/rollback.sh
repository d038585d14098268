#!/usr/bin/env bash
# deploy/rollback.sh: switches a release root back to the previous (or a named)
# release and restarts the services it manages.
#
# Usage: ./deploy/rollback.sh --root DIR [--to VERSION] [--dry-run]
#                             [--connection CS] [--provider PostgreSql|SqlServer]
#
#   --root DIR       release root written by deploy/release.sh
#   --to VERSION     the release to go back to; default: the one released just
#                    before the current one
#   --dry-run        print every step, change nothing
#   --connection CS  the database the services use: its applied migrations
#                    (sonia.schema_versions) decide whether the target release
#                    can run on it. Without it the check is skipped (and said so).
#
# The schema rule (expand-then-contract): each release.json records
# `migration` (the highest migration it knows) and `min_compatible_migration`
# (the oldest migration level a release must know to run on its schema). When
# the database's highest applied migration is S, the release that shipped S
# says which older releases still run on it; the rollback is refused when the
# target knows less than that, or when no release under the root knows S.
#
# Services restarted: the systemd units sonia-silo.service and
# sonia-gateway.service when they exist; otherwise the processes recorded under
# DIR/run/: <name>.pid (the PID), <name>.args (the arguments after the dll, one
# a line) and optionally <name>.env (KEY=VALUE lines), name = silo | gateway.
# Such a process is stopped (SIGTERM, then SIGKILL after 30 s) and started again
# as `dotnet DIR/current/<name>/Sonia.<Name>.dll <args>`, output to DIR/run/<name>.out.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/db.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/db.sh"
# shellcheck source-path=SCRIPTDIR source=lib/release.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/release.sh"


ROOT="" TO="" DRY=0 CS="" PROVIDER=""
while (($#)); do
  case "$1" in
    --root)       ROOT="${2:?--root needs a folder}"; shift 2 ;;
    --to)         TO="${2:?--to needs a version}"; shift 2 ;;
    --dry-run)    DRY=1; shift ;;
    --connection) CS="${2:?--connection needs a connection string}"; shift 2 ;;
    --provider)   PROVIDER="${2:?--provider needs a value}"; shift 2 ;;
    -h|--help)    usage; exit 0 ;;
    *)            die "unknown option '$1' (see --help)" ;;
  esac
done
[[ -n "$ROOT" ]] || die "--root DIR is required (see --help)"
command -v python3 >/dev/null 2>&1 || die "python3 is needed to read release.json"
ROOT="$(abs_path "$ROOT")"
[[ -d "$ROOT/releases" ]] || die "$ROOT holds no releases/ (write one with deploy/release.sh)"

# step TEXT: announce a step; in a dry run it is only announced.
step() { if ((DRY)); then say "[dry-run] would $*"; else say "$*"; fi; }

CURRENT="$(release_current "$ROOT")"
declare -A MIGRATION=() MIN_COMPAT=()
ORDER=()
while read -r _ version migration min_compat; do
  ORDER+=("$version"); MIGRATION[$version]="$migration"; MIN_COMPAT[$version]="$min_compat"
done < <(release_versions "$ROOT")

if [[ -z "$TO" ]]; then
  [[ -n "$CURRENT" ]] || die "$ROOT/current points at no release: name one with --to"
  for version in "${ORDER[@]}"; do
    [[ "$version" == "$CURRENT" ]] && break
    TO="$version"
  done
  [[ -n "$TO" ]] || die "release $CURRENT is the oldest under $ROOT: there is nothing to roll back to"
fi
[[ -n "${MIGRATION[$TO]:-}" ]] || die "no release $TO under $ROOT/releases (have: ${ORDER[*]:-none})"
[[ "$TO" != "$CURRENT" ]] || die "release $TO is already current"
say "rolling back from ${CURRENT:-nothing} to $TO (knows migrations up to ${MIGRATION[$TO]})"

# applied_migration: the highest NNNN in the DbUp journal of the database db_connect resolved.
applied_migration() {
  local names
  if [[ "$DB_PROVIDER" == PostgreSql ]]; then
    pg_client_bin; pg_client_env
    names="$("$PG_BIN/psql" -X -A -t -v ON_ERROR_STOP=1 -c 'SELECT scriptname FROM sonia.schema_versions')" ||
      die "could not read sonia.schema_versions from $DB_DESCRIPTION"
  else
    local sqlcmd
    sqlcmd="$(sqlcmd_find)" || die "the connection is SQL Server but sqlcmd was not found"
    local -a args=(-b -h -1 -W -S "$DB_HOST" -d "$DB_NAME" -Q "SET NOCOUNT ON; SELECT ScriptName FROM sonia.schema_versions")
    if ((DB_TRUSTED)); then args+=(-E); else args+=(-U "$DB_USER"); fi
    if ((DB_TRUST_CERT)); then args+=(-C); fi
    names="$(SQLCMDPASSWORD="$DB_PASSWORD" "$sqlcmd" "${args[@]}")" ||
      die "could not read sonia.schema_versions from $DB_DESCRIPTION"
  fi
  # Journal names look like Sonia.Sql.postgresql.0009_recovery.sql.
  grep -oE '[0-9]{4}_[^.]*\.sql' <<<"$names" | cut -c1-4 | sort | tail -n 1
}

if [[ -z "$CS" ]]; then
  warn "schema check skipped: no --connection given, so the database's applied migrations are unknown"
else
  db_connect "$CS" "$PROVIDER" ""
  APPLIED="$(applied_migration)"
  [[ -n "$APPLIED" ]] || die "refused: $DB_DESCRIPTION has no applied migration in sonia.schema_versions"
  say "$DB_DESCRIPTION: highest applied migration $APPLIED"
  # The release that shipped the schema: the oldest one that knows migration APPLIED.
  SHIPPED=""
  for version in "${ORDER[@]}"; do
    if ((10#${MIGRATION[$version]} >= 10#$APPLIED)); then SHIPPED="$version"; break; fi
  done
  [[ -n "$SHIPPED" ]] ||
    die "refused: the database is at migration $APPLIED, newer than every release under $ROOT; release $TO knows up to ${MIGRATION[$TO]} and nothing says it still runs on that schema"
  NEEDED="${MIN_COMPAT[$SHIPPED]}"
  ((10#${MIGRATION[$TO]} >= 10#$NEEDED)) ||
    die "refused: the database is at migration $APPLIED (shipped by release $SHIPPED, which runs only releases that know migration $NEEDED or later); release $TO knows up to ${MIGRATION[$TO]}"
  say "schema check passed: release $TO knows migration ${MIGRATION[$TO]} >= $NEEDED, the oldest level migration $APPLIED supports"
fi

# Services: systemd units first, else the pid-file convention under run/.
UNITS=()
if command -v systemctl >/dev/null 2>&1; then
  for unit in sonia-silo.service sonia-gateway.service; do
    if systemctl cat "$unit" >/dev/null 2>&1; then UNITS+=("$unit"); fi
  done
fi
PROCS=()
if ((${#UNITS[@]} == 0)); then
  for name in gateway silo; do
    if [[ -f "$ROOT/run/$name.pid" ]]; then PROCS+=("$name"); fi
  done
fi

step "switch $ROOT/current to releases/$TO"
if ((!DRY)); then release_switch_current "$ROOT" "$TO"; fi

if ((${#UNITS[@]})); then
  step "restart ${UNITS[*]} (systemctl restart)"
  if ((!DRY)); then as_root systemctl restart "${UNITS[@]}"; fi
elif ((${#PROCS[@]} == 0)); then
  say "no service to restart: no sonia-*.service unit and no pid file under $ROOT/run"
fi
# Gateway stopped first (no requests into a silo going away), silo started first.
for name in "${PROCS[@]}"; do
  pid="$(read_pidfile "$ROOT/run/$name.pid")"
  step "stop $name (pid ${pid:-none} from $ROOT/run/$name.pid)"
  if ((!DRY)) && [[ -n "$pid" ]]; then stop_sonia_pid "$pid" "$name" 30; fi
done
for ((i = ${#PROCS[@]} - 1; i >= 0; i--)); do
  name="${PROCS[i]}"
  dll="$ROOT/current/$name/Sonia.${name^}.dll"
  step "start $name: dotnet $dll (arguments from $ROOT/run/$name.args, output to $ROOT/run/$name.out)"
  if ((!DRY)); then
    args=()
    if [[ -f "$ROOT/run/$name.args" ]]; then mapfile -t args <"$ROOT/run/$name.args"; fi
    (
      if [[ -f "$ROOT/run/$name.env" ]]; then set -a; source "$ROOT/run/$name.env"; set +a; fi
      cd "$ROOT/current/$name"
      exec nohup dotnet "$dll" "${args[@]}" >>"$ROOT/run/$name.out" 2>&1 </dev/null
    ) &
    echo $! >"$ROOT/run/$name.pid"
  fi
done
if ((DRY)); then say "dry run: nothing was changed"; else say "release $TO is current"; fi
