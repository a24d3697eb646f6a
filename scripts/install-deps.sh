#!/usr/bin/env bash
#===- install-deps.sh - install the Debian packages quant builds with ---===#
#
# Installs only what is missing; a second run does nothing and returns fast.
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ ccache python3
  llvm-22 llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools
  libfmt-dev googletest libgtest-dev
  libvulkan-dev mesa-vulkan-drivers vulkan-validationlayers spirv-tools
  libopenblas-dev
  time  # /usr/bin/time: bench/model.sh's peak RSS
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "quant: installing missing packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
