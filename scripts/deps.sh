#!/bin/sh
# Install the Debian packages lungpipe needs, only those that are missing.
# Build: gcc/g++, make, DCMTK, zlib, OpenBLAS, expat, libpng.
# Tests (oracles only, never run-time): python3 with numpy, scipy, sklearn, pydicom;
# DCMTK's command-line tools (dcmcjpeg, dcmcjpls, dcmcrle) to make compressed test copies.
set -e
pkgs="build-essential make pkg-config bc libdcmtk-dev dcmtk zlib1g-dev libopenblas-dev
libexpat1-dev libpng-dev python3 python3-numpy python3-scipy python3-sklearn python3-pydicom
libinsighttoolkit5-dev"
# Benchmark peers (make bench-deps): plastimatch and PyTorch.
[ "${1:-}" = "--bench" ] && pkgs="plastimatch python3-torch hyperfine"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all packages present" >&2
	exit 0
fi
echo "deps: installing$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
