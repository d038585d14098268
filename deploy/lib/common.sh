#!/usr/bin/env bash
# deploy/lib/common.sh: helpers shared by deploy/up.sh, deploy/down.sh and
# deploy/test.sh. Sourced, never executed; the callers set `set -euo pipefail`.
#
# What lives here:
#   - logging (say / warn / die)
#   - locating (and, if needed, installing) the PostgreSQL server binaries
#   - pg_provision / pg_stop for a private PostgreSQL instance in a data folder
#   - port helpers (is a port free, pick a free port)
#   - wait_for_http: poll a URL until it answers 200, with a deadline
#   - PID-file helpers that never signal an unrelated process
# shellcheck shell=bash

# Guard against being sourced twice (up.sh may source it and call a script
# that sources it again).
if [[ -n "${SONIA_COMMON_SH_LOADED:-}" ]]; then
  return 0
fi
SONIA_COMMON_SH_LOADED=1

# Repository root = two levels above this file (deploy/lib/common.sh).
SONIA_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
export SONIA_REPO_ROOT

# Keep the dotnet CLI quiet and offline-friendly: no telemetry ping, no
# first-run banner in every log.
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# ---------------------------------------------------------------------------
# Logging
# ---------------------------------------------------------------------------
say()  { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

# usage: print the calling script's header comment (its --help), the lines after
# the shebang up to the first line that is not a comment.
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

# need_value OPTION [VALUE...]: die unless OPTION was given a non-empty value.
need_value() { [[ $# -ge 2 && -n "$2" ]] || die "option $1 needs a value (see --help)"; }

# tail_log FILE [LINES]: print the tail of a log file with a header, for error
# reports. Silent about files that do not exist yet.
tail_log() {
  local file="$1" lines="${2:-40}"
  if [[ -s "$file" ]]; then
    printf -- '----- last %s lines of %s -----\n' "$lines" "$file" >&2
    tail -n "$lines" "$file" >&2 || true
    printf -- '----- end of %s -----\n' "$file" >&2
  else
    printf -- '(%s is empty or missing)\n' "$file" >&2
  fi
}

# abs_path PATH: absolute form of PATH (relative to the current directory),
# whether or not it exists yet.
abs_path() {
  local p="$1"
  [[ "$p" == /* ]] || p="$PWD/$p"
  realpath -m -- "$p"
}

# require_dotnet: the .NET 10 SDK must be on PATH. We cannot install it here
# (it is not a Debian package), so explain how instead of failing obscurely.
require_dotnet() {
  if ! command -v dotnet >/dev/null 2>&1; then
    cat >&2 <<'EOF'
error: `dotnet` was not found on PATH.
Sonia needs the .NET 10 SDK. Install it, then re-run this script:
  - Debian/Ubuntu: add Microsoft's package feed and `apt-get install dotnet-sdk-10.0`
    (see https://learn.microsoft.com/dotnet/core/install/linux), or
  - any Linux: the dotnet-install.sh script with `--channel 10.0`, then add
    ~/.dotnet to PATH.
Check with: dotnet --version   (must print 10.x)
EOF
    exit 1
  fi
}

# ---------------------------------------------------------------------------
# Privilege helpers
# ---------------------------------------------------------------------------

# as_root CMD...: run CMD as root, through sudo when we are not root.
as_root() {
  if [[ "$(id -u)" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root to run '$*' (not root, and sudo is not installed)"
  fi
}

# PostgreSQL's initdb, pg_ctl and postgres refuse to run as root. When we are
# root (CI is), the server runs as the `postgres` OS user instead; when we are
# an ordinary user, the server simply runs as that user.
pg_os_user_needed() { [[ "$(id -u)" -eq 0 ]]; }

# ensure_postgres_os_user: when root, make sure the `postgres` user exists.
# Debian's postgresql package creates it; this only matters for binaries that
# came from elsewhere.
ensure_postgres_os_user() {
  pg_os_user_needed || return 0
  if ! id postgres >/dev/null 2>&1; then
    say "creating system user 'postgres' (PostgreSQL refuses to run as root)"
    useradd --system --user-group --no-create-home \
      --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
}

# pg_as_owner CMD...: run CMD as the user that owns the PostgreSQL data
# folder. The `cd /` avoids "could not change directory" noise when the
# current directory (e.g. /root) is not readable by `postgres`.
pg_as_owner() {
  if pg_os_user_needed; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

# pg_server_tunables: the GLIBC_TUNABLES a PostgreSQL server starts with. Its
# malloc backs large allocations with transparent huge pages (glibc 2.35 and
# later; older ones ignore it): verifying a backup, a backend builds each
# artifact whole for sha256(), and on a VM where a 4 KB page fault is dear
# that cost 3x the hash itself (360 MB: 3.1 s, against 0.9 s with this; see
# the README's "Database and migrations"). SONIA_PG_MALLOC_HUGETLB=0 leaves
# it out; an operator's own GLIBC_TUNABLES are kept.
pg_server_tunables() {
  if [[ "${SONIA_PG_MALLOC_HUGETLB:-1}" == "0" ]]; then
    printf '%s' "${GLIBC_TUNABLES:-}"
  else
    printf '%s' "${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1"
  fi
}

# pg_ctl_as_owner ARGS...: pg_ctl, as the data folder's owner, with the
# server's tunables (see pg_server_tunables) for the server it starts.
pg_ctl_as_owner() {
  pg_as_owner env "GLIBC_TUNABLES=$(pg_server_tunables)" "$PG_BIN/pg_ctl" "$@"
}

# ensure_traversable DIR: when the server runs as `postgres` but DIR was
# created by root, every parent of DIR needs the "x" (search) bit for
# `postgres`, or the server cannot even reach its own data folder. We add
# o+x only where missing: it allows walking *through* a directory by name, not
# listing or reading it (e.g. /root becomes 0701 if the repo lives there).
ensure_traversable() {
  pg_os_user_needed || return 0
  local dir
  dir="$(abs_path "$1")"
  while [[ "$dir" != "/" ]]; do
    dir="$(dirname "$dir")"
    if ! runuser -u postgres -- test -x "$dir" 2>/dev/null; then
      say "granting search permission (o+x) on $dir so the postgres user can reach the data folder"
      chmod o+x "$dir"
    fi
  done
}

# ---------------------------------------------------------------------------
# PostgreSQL binaries
# ---------------------------------------------------------------------------

# pg_bin_ok DIR: DIR holds every server binary we use.
pg_bin_ok() {
  local dir="$1" b
  for b in initdb pg_ctl postgres pg_isready psql; do
    [[ -x "$dir/$b" ]] || return 1
  done
}

# pg_find_bin: print the PostgreSQL server bin folder, or return 1.
# Preference: $SONIA_PG_BIN if valid, then 15 (what Sonia is developed
# against), then the newest installed major version.
pg_find_bin() {
  if [[ -n "${SONIA_PG_BIN:-}" ]] && pg_bin_ok "$SONIA_PG_BIN"; then
    printf '%s\n' "$SONIA_PG_BIN"; return 0
  fi
  if pg_bin_ok /usr/lib/postgresql/15/bin; then
    printf '%s\n' /usr/lib/postgresql/15/bin; return 0
  fi
  local dir
  # Versions sort naturally with -V (9.6 < 10 < 15 < 16); take the newest.
  while IFS= read -r dir; do
    if pg_bin_ok "$dir"; then printf '%s\n' "$dir"; return 0; fi
  done < <(compgen -G '/usr/lib/postgresql/*/bin' | sort -rV)
  return 1
}

# pg_ensure_bin: set PG_BIN, installing Debian's `postgresql` when no server
# binaries exist. Debian's package also creates and may start its own
# "main" cluster (port 5432, /var/lib/postgresql/<v>/main): we never use it,
# because every Sonia instance has its own data folder, port and socket
# directory, so that cluster is irrelevant and left alone.
pg_ensure_bin() {
  if PG_BIN="$(pg_find_bin)"; then
    export PG_BIN
    return 0
  fi
  say "PostgreSQL server binaries not found; installing Debian's postgresql package"
  command -v apt-get >/dev/null 2>&1 ||
    die "no PostgreSQL server found and apt-get is unavailable; install PostgreSQL 15 server binaries (initdb, pg_ctl, postgres) and re-run, or set SONIA_PG_BIN=<bindir>"
  as_root apt-get update ||
    die "apt-get update failed; cannot install PostgreSQL"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql ||
    die "apt-get install postgresql failed"
  PG_BIN="$(pg_find_bin)" ||
    die "installed postgresql but found no server binaries under /usr/lib/postgresql/*/bin"
  export PG_BIN
}

# ---------------------------------------------------------------------------
# Private PostgreSQL instance
# ---------------------------------------------------------------------------

# pg_running_port DATADIR: print the port of the postmaster running for
# DATADIR (line 4 of postmaster.pid), or return 1 when none is running.
pg_running_port() {
  local dir="$1"
  [[ -f "$dir/postmaster.pid" ]] || return 1
  pg_as_owner "$PG_BIN/pg_ctl" -D "$dir" status >/dev/null 2>&1 || return 1
  sed -n '4p' "$dir/postmaster.pid"
}

# pg_socket_dir DATADIR PORT: where the server puts its Unix socket. The data
# folder keeps instances apart, but a Unix socket path must fit in 107 bytes
# and is passed through pg_ctl's shell command line, so fall back to /tmp for
# long paths or paths with characters that would need quoting.
pg_socket_dir() {
  local dir="$1" port="$2"
  local sock="$dir/.s.PGSQL.$port.lock"
  if [[ ${#sock} -lt 100 && "$dir" =~ ^[A-Za-z0-9._/+-]+$ ]]; then
    printf '%s\n' "$dir"
  else
    printf '%s\n' /tmp
  fi
}

# pg_provision DATADIR PORT: make sure a PostgreSQL server for DATADIR is
# initialised, running on 127.0.0.1:PORT, and has a database `sonia`.
# - initdb only when DATADIR has no PG_VERSION (existing data is never
#   re-initialised or dropped);
# - if a postmaster is already running for DATADIR, it is reused, and
#   PG_STARTED_BY_US=0 tells the caller not to stop it later; its actual port
#   is returned in PG_PORT (it may differ from PORT if started elsewhere).
# Sets globals: PG_STARTED_BY_US (0/1), PG_PORT (read by the callers).
# shellcheck disable=SC2034
pg_provision() {
  local dir port
  dir="$(abs_path "$1")"; port="$2"
  [[ -n "${PG_BIN:-}" ]] || pg_ensure_bin
  ensure_postgres_os_user

  PG_STARTED_BY_US=0
  PG_PORT="$port"

  mkdir -p "$dir"
  if pg_os_user_needed; then
    ensure_traversable "$dir"
    # Only chown a folder that we are about to initdb, or one whose owner is
    # wrong; a data folder already owned by postgres is left untouched.
    if [[ "$(stat -c %U "$dir")" != "postgres" ]]; then
      chown -R postgres:postgres "$dir"
    fi
  fi

  if [[ ! -f "$dir/PG_VERSION" ]]; then
    say "initialising PostgreSQL data folder $dir"
    # --no-locale (= C): initdb otherwise inherits LANG/LC_ALL, and fails
    # when they name a locale that is not installed on this machine.
    pg_as_owner "$PG_BIN/initdb" -D "$dir" -U postgres --auth=trust -E UTF8 \
      --no-locale >"$dir.initdb.log" 2>&1 || {
        tail_log "$dir.initdb.log"
        die "initdb failed for $dir"
      }
    rm -f "$dir.initdb.log"
  fi

  local running_port
  if running_port="$(pg_running_port "$dir")"; then
    say "PostgreSQL already running for $dir on port $running_port; reusing it"
    PG_PORT="$running_port"
  else
    local sockdir
    sockdir="$(pg_socket_dir "$dir" "$port")"
    say "starting PostgreSQL on 127.0.0.1:$port (data $dir)"
    # -w: wait until the server accepts connections. listen_addresses keeps
    # the trust-auth server reachable from this machine only.
    if ! pg_ctl_as_owner -D "$dir" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $sockdir -c listen_addresses=127.0.0.1" start >/dev/null; then
      tail_log "$dir/server.log"
      die "PostgreSQL failed to start (data $dir, port $port)"
    fi
    PG_STARTED_BY_US=1
  fi

  # pg_ctl -w already waited, but a reused server may still be recovering:
  # poll pg_isready over TCP (the path the application uses) for up to 60 s.
  local deadline=$((SECONDS + 60))
  until "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2; do
    if ((SECONDS >= deadline)); then
      tail_log "$dir/server.log"
      die "PostgreSQL on 127.0.0.1:$PG_PORT is not accepting connections"
    fi
    sleep 0.5
  done

  # Create the application database once; never drop or recreate it.
  local exists
  exists="$("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
    -v ON_ERROR_STOP=1 -tAc "SELECT 1 FROM pg_database WHERE datname='sonia'")" ||
    die "cannot query PostgreSQL on 127.0.0.1:$PG_PORT"
  if [[ "$exists" != "1" ]]; then
    say "creating database sonia"
    "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres \
      -v ON_ERROR_STOP=1 -qc 'CREATE DATABASE sonia' ||
      die "cannot create database sonia"
  fi
}

# pg_stop DATADIR: fast shutdown (disconnect clients, roll back open
# transactions, checkpoint) of the server running for DATADIR. No-op when it
# is not running.
pg_stop() {
  local dir
  dir="$(abs_path "$1")"
  [[ -n "${PG_BIN:-}" ]] || PG_BIN="$(pg_find_bin)" ||
    die "cannot stop PostgreSQL: no server binaries found"
  if ! pg_running_port "$dir" >/dev/null; then
    say "PostgreSQL for $dir is not running"
    return 0
  fi
  say "stopping PostgreSQL (data $dir)"
  if ! pg_as_owner "$PG_BIN/pg_ctl" -D "$dir" -w -t 60 stop -m fast >/dev/null; then
    # Someone else (a concurrent down.sh) may have stopped it meanwhile.
    if pg_running_port "$dir" >/dev/null; then
      warn "pg_ctl stop failed for $dir"
      return 1
    fi
  fi
}

# ---------------------------------------------------------------------------
# Ports
# ---------------------------------------------------------------------------

# port_is_free PORT: nothing listens on PORT. Binding the wildcard address
# collides with a listener on any local address, so this is the strict check.
port_is_free() {
  local port="$1"
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$port" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
# SO_REUSEADDR: ignore sockets lingering in TIME_WAIT, but still fail when a
# socket is actually listening on the port.
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
  else
    # Fallback: a successful TCP connect means something listens there.
    ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
  fi
}

# free_port: print a TCP port that is free right now (chosen by the kernel).
free_port() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
  else
    local p tries=0
    while ((tries++ < 200)); do
      p=$((20000 + RANDOM % 40000))
      if port_is_free "$p"; then printf '%s\n' "$p"; return 0; fi
    done
    die "could not find a free TCP port"
  fi
}

# valid_port VALUE: VALUE is a TCP port number (1-65535).
valid_port() {
  [[ "$1" =~ ^[0-9]{1,5}$ ]] || return 1
  (( 10#$1 > 0 && 10#$1 < 65536 ))
}

# require_free_port PORT WHAT: fail early with a clear message rather than
# letting a service crash later with an obscure bind error.
require_free_port() {
  local port="$1" what="$2"
  valid_port "$port" || die "invalid $what port: '$port'"
  port_is_free "$port" ||
    die "$what port $port is already in use; choose a free one"
}

# ---------------------------------------------------------------------------
# HTTP readiness
# ---------------------------------------------------------------------------

# wait_for_http URL TIMEOUT_S [--pid PID]... [--log FILE]...
# Poll URL until it answers HTTP 200. Fails (return 1, after printing the
# tail of every --log file) when the deadline passes or when any --pid dies
# first: no point waiting 120 s for a process that already crashed.
wait_for_http() {
  local url="$1" timeout="$2"; shift 2
  local -a pids=() logs=()
  while (($#)); do
    case "$1" in
      --pid) pids+=("$2"); shift 2 ;;
      --log) logs+=("$2"); shift 2 ;;
      *) die "wait_for_http: unknown argument '$1'" ;;
    esac
  done
  local deadline=$((SECONDS + timeout)) code="" pid reason=""
  while :; do
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url" 2>/dev/null || true)"
    [[ "$code" == "200" ]] && return 0
    for pid in "${pids[@]}"; do
      if ! pid_alive "$pid"; then
        reason="process $pid ($(pid_name "$pid")) exited before $url became ready"
        break 2
      fi
    done
    if ((SECONDS >= deadline)); then
      reason="$url did not answer 200 within ${timeout}s (last status: ${code:-none})"
      break
    fi
    sleep 1
  done
  printf 'error: %s\n' "$reason" >&2
  local f
  for f in "${logs[@]}"; do tail_log "$f"; done
  return 1
}

# ---------------------------------------------------------------------------
# Processes and PID files
# ---------------------------------------------------------------------------

# pid_alive PID: the process exists and is not a zombie (an exited child we
# have not reaped yet still answers `kill -0`).
pid_alive() {
  local pid="$1" state
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  [[ -n "$state" && "$state" != "Z" ]]
}

# pid_name PID: short description from /proc/<pid>/cmdline, for messages.
pid_name() {
  tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | cut -c1-120 || true
}

# pid_is_sonia PID: alive AND its command line mentions a Sonia assembly
# (`dotnet .../Sonia.Silo.dll`). A PID recorded long ago may have been reused
# by an unrelated process; this check keeps us from signalling it.
pid_is_sonia() {
  local pid="$1"
  pid_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'Sonia\.'
}

# read_pidfile FILE: print the PID stored in FILE (empty when missing/bad).
read_pidfile() {
  local f="$1" pid=""
  [[ -f "$f" ]] && pid="$(tr -dc '0-9' <"$f")"
  printf '%s\n' "$pid"
}

# stop_sonia_pid PID NAME [TIMEOUT_S]: SIGTERM, wait up to TIMEOUT_S
# (default 30) for a graceful shutdown, then SIGKILL. Only signals a live
# Sonia process. Returns 0 when it is gone (or was never running).
stop_sonia_pid() {
  local pid="$1" name="$2" timeout="${3:-30}"
  if ! pid_is_sonia "$pid"; then
    return 0
  fi
  say "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + timeout))
  while pid_alive "$pid"; do
    if ((SECONDS >= deadline)); then
      warn "$name (pid $pid) did not exit within ${timeout}s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.5
  done
}
