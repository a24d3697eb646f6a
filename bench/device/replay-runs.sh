#!/usr/bin/env bash
#===- replay-runs.sh - repeat the end-to-end tests' recorded runs ---------===#
#
# The end-to-end tests record every run of an executable they built as
# <work dir>/<label>.args (test/e2e/DeviceReplay.h). This repeats each one
# inside its directory, with the environment variables recorded beside it
# (<label>.env), leaving <label>.rc/.out/.err and whatever files the
# run writes, so the tests can check the results later with
# QUANT_E2E_DEVICE_OUTPUTS=DIR (docs/testing.md). Environment variables
# (QUANT_VK_VALIDATION, VK_DRIVER_FILES, ...) pass through; a run is stopped
# after REPLAY_TIMEOUT seconds (default 120; exit code 124). Exits 1 when a
# run failed.
# Usage: replay-runs.sh DIR     (DIR/<work root>/<program>/*.args)
set -uo pipefail
root=${1:?usage: replay-runs.sh DIR}
runs=0 failed=0
for args in "$root"/*/*/*.args; do
  [ -e "$args" ] || continue
  dir=$(dirname "$args") label=$(basename "$args" .args)
  mapfile -t argv <"$args"
  # The variables the recorded run had set (<label>.env: NAME=VALUE lines).
  environment=()
  [ -f "$dir/$label.env" ] && mapfile -t environment <"$dir/$label.env"
  (cd "$dir" && env "${environment[@]}" timeout "${REPLAY_TIMEOUT:-120}" "${argv[@]}" >"$label.out" 2>"$label.err")
  rc=$?
  echo "$rc" >"$dir/$label.rc"
  runs=$((runs + 1))
  if [ "$rc" != 0 ]; then
    failed=$((failed + 1))
    echo "replay: ${dir#"$root"/}/$label: exit code $rc: $(head -c 300 "$dir/$label.err")"
  fi
done
echo "replay: $runs runs, $failed failed"
[ "$failed" = 0 ]
