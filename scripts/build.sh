#!/usr/bin/env bash
#===- build.sh - configure (once) and build quant -------------------------===#
#
# Usage: scripts/build.sh [ninja targets...]   (default: everything)
# The build directory is $QUANT_BUILD_DIR, or build/ in the source tree.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/install-deps.sh"
build=${QUANT_BUILD_DIR:-$root/build}
if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release
fi
ninja -C "$build" -j"$(nproc)" "$@"
