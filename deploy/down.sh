#!/usr/bin/env bash
# deploy/down.sh: stop a Sonia cluster started by deploy/up.sh.
#
# Usage: ./deploy/down.sh [--data-dir DIR]
#
#   --data-dir DIR  the state folder given to up.sh (default ./.data at the
#                   repo root, or $SONIA_DATA_DIR)
#
# Stops exactly the processes recorded in <data>/run/{gateway,silo}.pid
# (gateway first, so no request reaches a silo that is going away), each with
# SIGTERM, up to 30 s for a graceful exit, then SIGKILL; then PostgreSQL, but
# only when <data>/run/postgres.started says up.sh started it. Data is kept.
# Idempotent: with nothing running it says so and exits 0.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

usage() { sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

DATA_DIR="${SONIA_DATA_DIR:-$SONIA_REPO_ROOT/.data}"
while (($#)); do
  case "$1" in
    --data-dir)   [[ $# -ge 2 && -n "$2" ]] || die "option --data-dir needs a value"
                  DATA_DIR="$2"; shift 2 ;;
    --data-dir=*) DATA_DIR="${1#*=}"; shift ;;
    -h|--help)    usage; exit 0 ;;
    *)            die "unknown option '$1' (see --help)" ;;
  esac
done

DATA_DIR="$(abs_path "$DATA_DIR")"
RUN_DIR="$DATA_DIR/run"
PG_DATA="$DATA_DIR/postgres"
PG_STARTED_FILE="$RUN_DIR/postgres.started"

stopped_any=0

# Gateway first, then silo.
for name in gateway silo; do
  pidfile="$RUN_DIR/$name.pid"
  [[ -f "$pidfile" ]] || continue
  pid="$(read_pidfile "$pidfile")"
  if [[ -n "$pid" ]] && pid_is_sonia "$pid"; then
    stop_sonia_pid "$pid" "$name" 30
    stopped_any=1
  elif [[ -n "$pid" ]] && pid_alive "$pid"; then
    # The PID was reused by something else after our process died: never
    # signal it, just forget the stale record.
    say "$name: pid $pid is no longer Sonia ($(pid_name "$pid")); not touching it"
  else
    say "$name: not running (stale pid file)"
  fi
  rm -f "$pidfile"
done

if [[ "$(cat "$PG_STARTED_FILE" 2>/dev/null || true)" == "1" ]]; then
  if PG_BIN="$(pg_find_bin)"; then
    export PG_BIN   # used by pg_running_port / pg_stop
    if pg_running_port "$PG_DATA" >/dev/null; then
      pg_stop "$PG_DATA"
      stopped_any=1
    fi
  else
    warn "cannot stop PostgreSQL for $PG_DATA: no server binaries found"
    exit 1
  fi
  rm -f "$PG_STARTED_FILE"
elif [[ -f "$PG_DATA/postmaster.pid" ]]; then
  say "PostgreSQL for $PG_DATA was not started by deploy/up.sh; leaving it running"
  rm -f "$PG_STARTED_FILE"
fi

if ((stopped_any)); then
  say "Sonia is down (data kept in $DATA_DIR)"
else
  say "nothing running for $DATA_DIR"
fi
