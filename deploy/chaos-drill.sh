#!/usr/bin/env bash
# deploy/chaos-drill.sh: run chaos drills 5-8 of issue 13 against real
# processes and write chaos-report.json and chaos-report.md.
#
# Usage: ./deploy/chaos-drill.sh [--out DIR] [--quick] [--drills 5,6,7,8] [--no-build]
#
#   --out DIR       where the reports (and every process's log, under logs/)
#                   go (default ./chaos-report at the repo root)
#   --quick         smaller drills: 100 actions in flight instead of 500, an
#                   8 s executor outage instead of 20 s, 5 s of database
#                   outage instead of 10 s
#   --drills LIST   which drills to run, comma-separated (default 5,6,7,8):
#                     5 executor down, then back: time to the first success
#                       and to every breaker closed, against a 60 s budget
#                     6 one of three silos SIGKILLed with actions in flight
#                     7 PostgreSQL stopped (immediate mode) under load
#                     8 the single silo SIGKILLed and started again at once
#   --no-build      use the existing Release build instead of building
#
# It starts its own throwaway PostgreSQL (as deploy/up.sh does, on a free
# loopback port, in a temporary folder), silos and a gateway on free ports,
# and a fake executor inside the driver that counts side effects per
# idempotency key. Everything it started is stopped by PID when it ends,
# failure or Ctrl-C included. Exit status: 0 when every drill passed, 1 when
# one failed (the report says why), 2 for bad arguments.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"


# Internal: the driver stops and starts PostgreSQL through here, so pg_ctl
# runs as the data folder's owner exactly as deploy/up.sh runs it.
if [[ "${1:-}" == "--pg-ctl" ]]; then
  shift
  [[ -n "${PG_BIN:-}" ]] || die "--pg-ctl needs PG_BIN"
  pg_ctl_as_owner "$@"
  exit
fi

OUT_DIR="$SONIA_REPO_ROOT/chaos-report"
QUICK=()
DRILLS="5,6,7,8"
BUILD=1
need_value() { [[ $# -ge 2 && -n "$2" ]] || { printf 'error: option %s needs a value (see --help)\n' "$1" >&2; exit 2; }; }
while (($#)); do
  case "$1" in
    --out)      need_value "$@"; OUT_DIR="$2"; shift 2 ;;
    --out=*)    OUT_DIR="${1#*=}"; shift ;;
    --quick)    QUICK=(--quick); shift ;;
    --drills)   need_value "$@"; DRILLS="$2"; shift 2 ;;
    --drills=*) DRILLS="${1#*=}"; shift ;;
    --no-build) BUILD=0; shift ;;
    -h|--help)  usage; exit 0 ;;
    *)          printf "error: unknown option '%s' (see --help)\n" "$1" >&2; exit 2 ;;
  esac
done
[[ "$DRILLS" =~ ^[5-8](,[5-8])*$ ]] || { printf "error: --drills takes numbers from 5 to 8, e.g. 5,7\n" >&2; exit 2; }

OUT_DIR="$(abs_path "$OUT_DIR")"
mkdir -p "$OUT_DIR"
rm -f "$OUT_DIR/chaos-report.json" "$OUT_DIR/chaos-report.md"
WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/sonia-chaos.XXXXXX")"
PG_DATA="$WORK_DIR/postgres"
PIDS_FILE="$OUT_DIR/logs/pids"
mkdir -p "$OUT_DIR/logs"
: >"$PIDS_FILE"
DRIVER_PID=""

# shellcheck disable=SC2317  # invoked through the EXIT trap
cleanup() {
  local rc=$? pid
  trap '' INT TERM HUP
  if [[ -n "$DRIVER_PID" ]] && pid_alive "$DRIVER_PID"; then
    kill -TERM "$DRIVER_PID" 2>/dev/null || true
    wait "$DRIVER_PID" 2>/dev/null || true
  fi
  # Silos and gateways the driver started (it records each PID as it starts it).
  while read -r pid; do
    stop_sonia_pid "$pid" "drill process" 5 || true
  done <"$PIDS_FILE"
  if [[ -f "$PG_DATA/PG_VERSION" ]]; then
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK_DIR"
  return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

say "checking PostgreSQL server binaries"
pg_ensure_bin
require_dotnet

if ((BUILD)); then
  say "building Sonia.sln (Release)"
  (cd "$SONIA_REPO_ROOT" && dotnet build Sonia.sln -c Release -nologo -v q) || die "build failed (see the compiler output above)"
fi
SILO_DLL="$SONIA_REPO_ROOT/Silo/bin/Release/net10.0/Sonia.Silo.dll"
DRIVER_DLL="$SONIA_REPO_ROOT/tests/Sonia.Benchmarks/bin/Release/net10.0/Sonia.Benchmarks.dll"
[[ -f "$SILO_DLL" && -f "$DRIVER_DLL" ]] || die "no Release build of the silo and tests/Sonia.Benchmarks (drop --no-build)"

pg_provision "$PG_DATA" "$(free_port)"
CONNECTION="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=sonia"
say "applying database migrations"
if ! (cd "$(dirname "$SILO_DLL")" && Sonia__Database__Provider=PostgreSql Sonia__Database__ConnectionString="$CONNECTION" \
      Sonia__DataPath="$WORK_DIR" dotnet "$SILO_DLL" migrate) >"$OUT_DIR/logs/migrate.out" 2>&1; then
  tail_log "$OUT_DIR/logs/migrate.out" 20
  die "database migration failed"
fi

say "running drills $DRILLS (reports in $OUT_DIR)"
rc=0
dotnet "$DRIVER_DLL" drill --out "$OUT_DIR" --repo "$SONIA_REPO_ROOT" --connection-string "$CONNECTION" \
  --pg-data "$PG_DATA" --pg-bin "$PG_BIN" \
  --pg-options "-p $PG_PORT -k $(pg_socket_dir "$PG_DATA" "$PG_PORT") -c listen_addresses=127.0.0.1" \
  --drills "$DRILLS" "${QUICK[@]}" &
DRIVER_PID=$!
wait "$DRIVER_PID" || rc=$?
DRIVER_PID=""
[[ -f "$OUT_DIR/chaos-report.md" ]] && say "report: $OUT_DIR/chaos-report.md"
exit "$rc"
