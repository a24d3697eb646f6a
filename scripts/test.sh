#!/usr/bin/env bash
#===- test.sh - build everything and run every test -----------------------===#
#
# Runs the lit tests, the GoogleTest suites (also under AddressSanitizer) and
# the tool tests through ctest, which ends with its summary line.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/build.sh"
build=${QUANT_BUILD_DIR:-$root/build}
ctest --test-dir "$build" --output-on-failure -j"$(nproc)"
