#!/usr/bin/env bash
# deploy/test.sh: restore, build and run Sonia's whole test suite, then print
# one summary line as the very last line of output:
#     N passed, N failed[, N skipped]
# Exit status is non-zero when any test failed, when the run broke before
# producing results (restore/build failure, crashed test host), or when no
# .trx result file was produced; then the explanation is printed just above
# the summary line, which reads "0 passed, 1 failed" when nothing ran.
#
# Usage: ./deploy/test.sh [extra dotnet test args, e.g. --filter Category=Fast]
#
# The integration tests start their own throwaway PostgreSQL server from the
# binaries in $SONIA_PG_BIN, which this script finds (installing Debian's
# postgresql package when needed) and exports. Each run gets its own root
# folder for those servers (exported as SONIA_TEST_ROOT); when the run ends,
# however it ends, any server a crashed or killed test host left running there
# is stopped and the folder removed, so that no run leaks a server.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/test_root.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/test_root.sh"

cd "$SONIA_REPO_ROOT"
RESULTS_DIR="$SONIA_REPO_ROOT/.data/test-results"

# This run's root for the tests' PostgreSQL servers, whatever the caller had.
SONIA_TEST_ROOT=""
# end_test_root: stop what the test hosts left running in this run's root and
# remove it. Runs before the summary line is printed (its messages go to
# stderr), and again on exit, for an interrupted run; the second time is a
# no-op.
end_test_root() {
  [[ -n "$SONIA_TEST_ROOT" ]] || return 0
  test_root_cleanup "$SONIA_TEST_ROOT" >&2 || warn "could not clean up the test root $SONIA_TEST_ROOT"
  SONIA_TEST_ROOT=""
}
trap end_test_root EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# broken WHAT: the run could not produce test results. Explain, print the
# failing summary line last, exit 1.
broken() {
  end_test_root
  printf 'error: %s\n' "$*" >&2
  echo "0 passed, 1 failed"
  exit 1
}

# ---------------------------------------------------------------------------
# Prerequisites
# ---------------------------------------------------------------------------
command -v python3 >/dev/null 2>&1 || broken "python3 is required to read the .trx results"
say "checking PostgreSQL server binaries"
# pg_ensure_bin dies on failure; run it in a subshell first so that a failure
# still ends with the summary line.
( pg_ensure_bin ) || broken "no PostgreSQL server binaries and installing them failed"
pg_ensure_bin
export SONIA_PG_BIN="$PG_BIN"
say "SONIA_PG_BIN=$SONIA_PG_BIN"
( require_dotnet ) || broken "the .NET 10 SDK (dotnet) is not installed"

# ---------------------------------------------------------------------------
# Restore, build
# ---------------------------------------------------------------------------
say "restoring packages (locked mode: packages.lock.json must be up to date)"
dotnet restore Sonia.sln --locked-mode ||
  broken "dotnet restore --locked-mode failed (a missing package, or packages.lock.json out of date: see above)"

say "building Sonia.sln (Release)"
dotnet build Sonia.sln -c Release --no-restore -nologo ||
  broken "the build failed (compiler errors above)"

# ---------------------------------------------------------------------------
# Test. Old results are removed first so only this run is counted.
# LogFilePrefix rather than a fixed LogFileName: with a fixed name every test
# assembly of the solution writes the same file and only the last one
# survives (microsoft/vstest#3026); the prefix gives one file per assembly.
# ---------------------------------------------------------------------------
rm -rf "$RESULTS_DIR"
mkdir -p "$RESULTS_DIR"
SONIA_TEST_ROOT="$(test_root_create)" || broken "cannot create a root folder for the tests' servers"
export SONIA_TEST_ROOT
# The test host stops its PostgreSQL servers from its exit handlers, one after
# the other; dotnet test gives it 100 ms to exit before killing it, which left
# some to end_test_root (above). It may now take up to 30 s (a few suffice).
export VSTEST_TESTHOST_SHUTDOWN_TIMEOUT="${VSTEST_TESTHOST_SHUTDOWN_TIMEOUT:-30000}"
say "running tests (servers under $SONIA_TEST_ROOT)"
test_rc=0
dotnet test Sonia.sln -c Release --no-build \
  --logger "trx;LogFilePrefix=results" \
  --results-directory "$RESULTS_DIR" "$@" || test_rc=$?
end_test_root

# ---------------------------------------------------------------------------
# Summarise every .trx: sum the <ResultSummary><Counters .../> attributes.
# Prints "passed failed skipped files bad" on the last line; any diagnostics
# go to stderr.
# ---------------------------------------------------------------------------
summary="$(python3 - "$RESULTS_DIR" <<'PY'
import pathlib, sys
import xml.etree.ElementTree as ET

root = pathlib.Path(sys.argv[1])
passed = failed = skipped = files = bad = 0
for trx in sorted(root.rglob("*.trx")):
    files += 1
    try:
        tree = ET.parse(trx)
    except ET.ParseError as e:
        print(f"error: cannot parse {trx}: {e}", file=sys.stderr)
        bad += 1
        continue
    counters = None
    for el in tree.iter():
        # The trx namespace prefixes every tag: match on the local name.
        if el.tag.rsplit("}", 1)[-1] == "Counters":
            counters = el
            break
    if counters is None:
        print(f"error: {trx} has no <Counters> element", file=sys.stderr)
        bad += 1
        continue
    n = lambda k: int(counters.get(k, "0") or 0)
    passed += n("passed")
    # error/timeout/aborted are failures too, just reported differently.
    failed += n("failed") + n("error") + n("timeout") + n("aborted")
    # VSTest leaves notExecuted at 0 for xunit skips and only lowers
    # "executed", so a skip is whatever was counted but not executed.
    skipped += max(n("notExecuted"), n("total") - n("executed"))
print(passed, failed, skipped, files, bad)
PY
)" || broken "could not read the test results in $RESULTS_DIR"

read -r passed failed skipped files bad <<<"$summary"

if ((files == 0)); then
  broken "dotnet test (exit status $test_rc) produced no .trx result file in $RESULTS_DIR"
fi
if ((bad > 0)); then
  echo "error: $bad result file(s) could not be read (see above)" >&2
  failed=$((failed + bad))
fi
if ((test_rc != 0 && failed == 0)); then
  # dotnet test failed although no test did: a test host crashed or was
  # aborted, or a project produced no results. Never report that as green.
  echo "error: dotnet test exited with status $test_rc although no test failed (crashed or aborted test run, see above)" >&2
  failed=1
fi

line="$passed passed, $failed failed"
((skipped > 0)) && line+=", $skipped skipped"
echo "$line"
((failed == 0))
