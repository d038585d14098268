#!/usr/bin/env bash
# deploy/up.sh: build and run a single-node Sonia cluster on this machine:
# a private PostgreSQL, one Orleans silo and the HTTP gateway.
#
# Usage: ./deploy/up.sh [--port N] [--detach] [--data-dir DIR]
#                       [--silo-port N] [--gateway-port N] [--pg-port N]
#                       [--metrics-port N]
#
#   --port N          HTTP port of the gateway (default 5080)
#   --detach          return once /readyz answers 200, leaving everything
#                     running; stop it later with ./deploy/down.sh
#   --data-dir DIR    state folder (default ./.data at the repo root, or
#                     $SONIA_DATA_DIR); holds postgres/, run/*.pid, *.out logs
#                     and every process's JSON Lines log under logs/
#   --silo-port N     Orleans silo-to-silo port (default 11111)
#   --gateway-port N  Orleans client gateway port (default 30000)
#   --pg-port N       PostgreSQL port (default: the one recorded in
#                     <data>/postgres.port, else 55432 if free, else any free)
#   --metrics-port N  the silo's Prometheus listener on 127.0.0.1 (scrape
#                     http://127.0.0.1:N/metrics; default 9464, else any free)
#   --no-build        use the existing Release build instead of building
#
# Without --detach it runs in the foreground: Ctrl-C (or SIGTERM) stops the
# gateway, then the silo, then PostgreSQL if this script started it.
# Running it again on the same data folder reuses the data: nothing is ever
# re-initialised or dropped.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"


# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------
HTTP_PORT=5080
DETACH=0
DATA_DIR="${SONIA_DATA_DIR:-$SONIA_REPO_ROOT/.data}"
SILO_PORT=11111
GATEWAY_PORT=30000
PG_PORT_ARG=""
METRICS_PORT_ARG=""
BUILD=1

while (($#)); do
  case "$1" in
    --port)          need_value "$@"; HTTP_PORT="$2"; shift 2 ;;
    --port=*)        HTTP_PORT="${1#*=}"; shift ;;
    --detach|-d)     DETACH=1; shift ;;
    --data-dir)      need_value "$@"; DATA_DIR="$2"; shift 2 ;;
    --data-dir=*)    DATA_DIR="${1#*=}"; shift ;;
    --silo-port)     need_value "$@"; SILO_PORT="$2"; shift 2 ;;
    --silo-port=*)   SILO_PORT="${1#*=}"; shift ;;
    --gateway-port)  need_value "$@"; GATEWAY_PORT="$2"; shift 2 ;;
    --gateway-port=*) GATEWAY_PORT="${1#*=}"; shift ;;
    --pg-port)       need_value "$@"; PG_PORT_ARG="$2"; shift 2 ;;
    --pg-port=*)     PG_PORT_ARG="${1#*=}"; shift ;;
    --metrics-port)  need_value "$@"; METRICS_PORT_ARG="$2"; shift 2 ;;
    --metrics-port=*) METRICS_PORT_ARG="${1#*=}"; shift ;;
    --no-build)      BUILD=0; shift ;;
    -h|--help)       usage; exit 0 ;;
    *)               die "unknown option '$1' (see --help)" ;;
  esac
done

for p in "$HTTP_PORT" "$SILO_PORT" "$GATEWAY_PORT" ${PG_PORT_ARG:+"$PG_PORT_ARG"} ${METRICS_PORT_ARG:+"$METRICS_PORT_ARG"}; do
  valid_port "$p" || die "invalid port '$p' (see --help)"
done

# An explicit relative --data-dir is relative to where the user stands; the
# default is already anchored at the repo root.
DATA_DIR="$(abs_path "$DATA_DIR")"
PG_DATA="$DATA_DIR/postgres"
RUN_DIR="$DATA_DIR/run"
SILO_PIDFILE="$RUN_DIR/silo.pid"
GATEWAY_PIDFILE="$RUN_DIR/gateway.pid"
PG_STARTED_FILE="$RUN_DIR/postgres.started"
SILO_OUT="$DATA_DIR/silo.out"
GATEWAY_OUT="$DATA_DIR/gateway.out"
MIGRATE_OUT="$DATA_DIR/migrate.out"

SILO_DLL="$SONIA_REPO_ROOT/Silo/bin/Release/net10.0/Sonia.Silo.dll"
GATEWAY_DLL="$SONIA_REPO_ROOT/Gateway/bin/Release/net10.0/Sonia.Gateway.dll"

mkdir -p "$DATA_DIR" "$RUN_DIR"

# ---------------------------------------------------------------------------
# Refuse to start twice on the same data folder
# ---------------------------------------------------------------------------
for f in "$SILO_PIDFILE" "$GATEWAY_PIDFILE"; do
  [[ -f "$f" ]] || continue
  pid="$(read_pidfile "$f")"
  if [[ -n "$pid" ]] && pid_is_sonia "$pid"; then
    die "already running, use deploy/down.sh (pid $pid from $f)"
  fi
  # Stale file from a run that died without cleaning up (e.g. SIGKILL or a
  # reboot): the process is gone, so the file no longer means anything.
  rm -f "$f"
done

# ---------------------------------------------------------------------------
# Cleanup: stop what this run started, in reverse order. Armed before the
# first thing is started, so a failure at any step leaves nothing behind.
# --detach disarms it once the cluster is ready.
# ---------------------------------------------------------------------------
SILO_PID=""
GATEWAY_PID=""
PG_OURS=0          # 1 when postgres.started says we own the running server
PG_PROVISIONED=0   # 1 once this run has taken charge of postgres.started
CLEANED_UP=0

# shellcheck disable=SC2317  # invoked through the EXIT trap
cleanup() {
  local rc=$?
  ((CLEANED_UP)) && return 0
  CLEANED_UP=1
  # A second Ctrl-C must not abort the orderly shutdown half-way; each step
  # below is bounded (30 s then SIGKILL), so this cannot hang forever.
  trap '' INT TERM HUP
  if [[ -n "$GATEWAY_PID" ]]; then
    stop_sonia_pid "$GATEWAY_PID" gateway 30
    wait "$GATEWAY_PID" 2>/dev/null || true   # reap our child
  fi
  if [[ -n "$SILO_PID" ]]; then
    stop_sonia_pid "$SILO_PID" silo 30
    wait "$SILO_PID" 2>/dev/null || true
  fi
  # PG_STARTED_BY_US covers a failure inside pg_provision after the start.
  if ((PG_OURS || ${PG_STARTED_BY_US:-0})); then
    pg_stop "$PG_DATA" || true
  fi
  rm -f "$SILO_PIDFILE" "$GATEWAY_PIDFILE"
  # Leave postgres.started alone if we failed before reaching PostgreSQL: it
  # may describe a server a previous (killed) run started, for down.sh.
  if ((PG_PROVISIONED)); then rm -f "$PG_STARTED_FILE"; fi
  return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------------------
# 1. PostgreSQL binaries, and dotnet (checked now so we fail before starting
#    anything when the SDK is missing).
# ---------------------------------------------------------------------------
say "checking PostgreSQL server binaries"
pg_ensure_bin
say "using PostgreSQL binaries in $PG_BIN"
require_dotnet

# ---------------------------------------------------------------------------
# 2. PostgreSQL port: keep the one recorded for this data folder so its
#    connection string stays stable across runs.
# ---------------------------------------------------------------------------
PG_PORT_FILE="$DATA_DIR/postgres.port"
if running="$(pg_running_port "$PG_DATA" 2>/dev/null)"; then
  pg_port="$running"   # a server already runs for this folder: use its port
elif [[ -n "$PG_PORT_ARG" ]]; then
  require_free_port "$PG_PORT_ARG" "PostgreSQL (--pg-port)"
  pg_port="$PG_PORT_ARG"
elif [[ -f "$PG_PORT_FILE" ]] && recorded="$(tr -dc '0-9' <"$PG_PORT_FILE")" && [[ -n "$recorded" ]]; then
  if port_is_free "$recorded"; then
    pg_port="$recorded"
  else
    pg_port="$(free_port)"
    warn "recorded PostgreSQL port $recorded is taken by another program; using $pg_port"
  fi
elif port_is_free 55432; then
  pg_port=55432
else
  pg_port="$(free_port)"
fi

# The application ports are checked before anything starts, so a clash is
# reported in one clear line rather than as a bind error deep in a log.
require_free_port "$HTTP_PORT" "HTTP (--port)"
require_free_port "$SILO_PORT" "silo (--silo-port)"
require_free_port "$GATEWAY_PORT" "gateway (--gateway-port)"
# The silo's metrics port: as asked, else the Prometheus exporter's usual 9464, else any free one (it is printed).
if [[ -n "$METRICS_PORT_ARG" ]]; then
  require_free_port "$METRICS_PORT_ARG" "silo metrics (--metrics-port)"
  METRICS_PORT="$METRICS_PORT_ARG"
elif port_is_free 9464; then
  METRICS_PORT=9464
else
  METRICS_PORT="$(free_port)"
  warn "port 9464 is taken; the silo serves its metrics on $METRICS_PORT"
fi

# ---------------------------------------------------------------------------
# 3. Provision / start PostgreSQL under <data>/postgres
# ---------------------------------------------------------------------------
say "provisioning PostgreSQL in $PG_DATA"
# A previous run that was killed outright (SIGKILL) may have left the
# server it started running, with postgres.started=1; we keep owning it then.
prev_owned=0
[[ "$(cat "$PG_STARTED_FILE" 2>/dev/null || true)" == "1" ]] && prev_owned=1
pg_provision "$PG_DATA" "$pg_port"
if ((PG_STARTED_BY_US || prev_owned)); then PG_OURS=1; fi
PG_PROVISIONED=1
printf '%s\n' "$PG_OURS" >"$PG_STARTED_FILE"
# PG_PORT is set by pg_provision (the port actually in use).
# shellcheck disable=SC2153
printf '%s\n' "$PG_PORT" >"$PG_PORT_FILE"

# Configuration shared by every Sonia process (see the C# Options classes).
export Sonia__Database__Provider=PostgreSql
export Sonia__Database__ConnectionString="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=sonia"
# ADO.NET membership even for one silo: a silo started later against the same database joins (README "Several silos").
export Sonia__Cluster__Clustering=AdoNet
export Sonia__Cluster__SiloPort="$SILO_PORT"
export Sonia__Cluster__GatewayPort="$GATEWAY_PORT"
export Sonia__Actions__Drills__Enabled=true  # drill.fail/drill.sleep for local chaos drills; off unless set

# ---------------------------------------------------------------------------
# 4. Build
# ---------------------------------------------------------------------------
if ((BUILD)); then
  say "building Sonia.sln (Release)"
  (cd "$SONIA_REPO_ROOT" && dotnet build Sonia.sln -c Release -nologo -v q) ||
    die "build failed (see the compiler output above)"
fi
[[ -f "$SILO_DLL" ]] || die "build produced no $SILO_DLL"
[[ -f "$GATEWAY_DLL" ]] || die "build produced no $GATEWAY_DLL"

# ---------------------------------------------------------------------------
# 5. Migrations. Run from the assembly's folder so its appsettings*.json are
#    found (the .NET host uses the current directory as content root).
# ---------------------------------------------------------------------------
say "applying database migrations"
if ! (cd "$(dirname "$SILO_DLL")" &&
      Sonia__DataPath="$DATA_DIR" dotnet "$SILO_DLL" migrate) >"$MIGRATE_OUT" 2>&1; then
  tail_log "$MIGRATE_OUT" 20
  die "database migration failed"
fi

# ---------------------------------------------------------------------------
# 6./7. Silo, then gateway.
# Each is started as a direct background child (`dotnet ... &` in this
# shell, not inside a `( cd && ... )` subshell), so `$!` is the PID of the
# dotnet process itself: that is what we record, signal and wait for.
# We `cd` this shell into the assembly folder for the content root, then back.
# With --detach they get their own session (setsid execs in place, PID
# unchanged), so closing the terminal does not SIGHUP them. In the foreground
# they stay in our process group: if this script's group is killed
# outright, they go with it instead of leaking.
# ---------------------------------------------------------------------------
launcher=()
((DETACH)) && launcher=(setsid)

say "starting silo (silo port $SILO_PORT, gateway port $GATEWAY_PORT, metrics port $METRICS_PORT)"
# Read by the silo only; the gateway serves its own metrics at /metrics.
export Sonia__Telemetry__PrometheusUrl="http://127.0.0.1:$METRICS_PORT/metrics"
cd "$(dirname "$SILO_DLL")"
Sonia__DataPath="$DATA_DIR" "${launcher[@]}" dotnet "$SILO_DLL" </dev/null >"$SILO_OUT" 2>&1 &
SILO_PID=$!
cd "$SONIA_REPO_ROOT"
printf '%s\n' "$SILO_PID" >"$SILO_PIDFILE"

# Give the silo a moment: if it dies at once (bad config, port clash), say
# so now with its log instead of starting the gateway against nothing. The
# gateway itself retries connecting to the cluster, so no long wait is needed.
sleep 2
if ! pid_alive "$SILO_PID"; then
  tail_log "$SILO_OUT"
  die "the silo exited during startup"
fi

say "starting gateway on http://127.0.0.1:$HTTP_PORT"
cd "$(dirname "$GATEWAY_DLL")"
# The data folder too, or the gateway's JSON Lines log lands under the build output.
Sonia__DataPath="$DATA_DIR" ASPNETCORE_URLS="http://127.0.0.1:$HTTP_PORT" "${launcher[@]}" dotnet "$GATEWAY_DLL" </dev/null >"$GATEWAY_OUT" 2>&1 &
GATEWAY_PID=$!
cd "$SONIA_REPO_ROOT"
printf '%s\n' "$GATEWAY_PID" >"$GATEWAY_PIDFILE"

# ---------------------------------------------------------------------------
# 8. Ready when the gateway's /readyz answers 200 (cluster and DB reachable).
# ---------------------------------------------------------------------------
say "waiting for http://127.0.0.1:$HTTP_PORT/readyz"
if ! wait_for_http "http://127.0.0.1:$HTTP_PORT/readyz" 120 \
    --pid "$SILO_PID" --pid "$GATEWAY_PID" --log "$SILO_OUT" --log "$GATEWAY_OUT"; then
  die "Sonia did not become ready; stopping what was started"
fi

echo "Sonia is up: http://127.0.0.1:$HTTP_PORT"
echo "metrics: http://127.0.0.1:$HTTP_PORT/metrics (gateway, operator key), http://127.0.0.1:$METRICS_PORT/metrics (silo)"

if ((DETACH)); then
  # Leave everything running; deploy/down.sh uses the recorded PID files.
  trap - EXIT INT TERM HUP
  echo "logs: $SILO_OUT, $GATEWAY_OUT"
  printf 'stop with: ./deploy/down.sh --data-dir %q\n' "$DATA_DIR"
  exit 0
fi

# Foreground: run until either process exits or we get a signal (the traps
# turn INT/TERM/HUP into `exit`, and the EXIT trap shuts everything down).
echo "press Ctrl-C to stop"
rc=0
wait -n "$SILO_PID" "$GATEWAY_PID" || rc=$?
if ! pid_alive "$SILO_PID"; then
  warn "the silo exited (status $rc); shutting down"; tail_log "$SILO_OUT" 20
elif ! pid_alive "$GATEWAY_PID"; then
  warn "the gateway exited (status $rc); shutting down"; tail_log "$GATEWAY_OUT" 20
fi
((rc != 0)) || rc=1   # an unexpected exit is a failure even if it said 0
exit "$rc"
