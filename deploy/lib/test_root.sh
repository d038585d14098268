#!/usr/bin/env bash
# deploy/lib/test_root.sh: the root folder of one test run. deploy/test.sh
# exports it as SONIA_TEST_ROOT; the tests' PostgresServer puts every server it
# starts there (<root>/sonia-test-pg-<id>). The test host stops those servers
# when it exits normally; test_root_cleanup stops whatever a crashed or killed
# test host left running, then removes the root. Sourced after common.sh,
# never executed.
# shellcheck shell=bash

# test_root_create: make a fresh root under $TMPDIR and print its path. The
# servers run as `postgres` when we are root: they must be able to walk
# through the root to their data folders (o+x, not o+r).
test_root_create() {
  local root
  root="$(mktemp -d "${TMPDIR:-/tmp}/sonia-test-run.XXXXXX")"
  chmod 0711 "$root"
  printf '%s\n' "$root"
}

# test_root_postmaster DATADIR: print the PID of the postmaster serving
# DATADIR, when one is running. The PID comes from DATADIR/postmaster.pid and
# counts only if that process is alive and was started for DATADIR (its
# command line names it): a PID left by a dead server and reused since by any
# other process is never reported, so never signalled.
test_root_postmaster() {
  local dir="$1" pid
  [[ -f "$dir/postmaster.pid" ]] || return 1
  pid="$(head -n 1 "$dir/postmaster.pid" 2>/dev/null | tr -dc '0-9')"
  pid_alive "$pid" || return 1
  tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "$dir" || return 1
  printf '%s\n' "$pid"
}

# test_root_cleanup ROOT: stop every PostgreSQL server still running from a
# data folder directly under ROOT (immediate mode: its data is thrown away
# next), then remove ROOT. Prints a line per server it had to stop, on
# stderr; silent when the test host had cleaned up after itself. A no-op for
# an empty or missing ROOT.
test_root_cleanup() {
  local root="${1:-}" dir pid
  [[ -n "$root" && -d "$root" ]] || return 0
  root="$(abs_path "$root")"
  for dir in "$root"/*/; do
    dir="${dir%/}"
    pid="$(test_root_postmaster "$dir")" || continue
    warn "stopping PostgreSQL left running by the test run (pid $pid, data $dir)"
    [[ -n "${PG_BIN:-}" ]] || PG_BIN="$(pg_find_bin)" || true
    if [[ -z "${PG_BIN:-}" ]] || ! pg_as_owner "$PG_BIN/pg_ctl" -D "$dir" -m immediate -w -t 30 stop >/dev/null 2>&1; then
      # No pg_ctl, or it failed: SIGQUIT is the postmaster's own immediate
      # shutdown, which is what pg_ctl -m immediate sends.
      kill -QUIT "$pid" 2>/dev/null || true
    fi
  done
  rm -rf -- "$root"
}
