#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, only those missing.
set -euo pipefail

packages=(build-essential pkg-config ca-certificates curl postgresql-client)
# The citizen app (Dioxus desktop on WebKitGTK), and what its end-to-end test
# drives it with: a virtual X screen, the accessibility bus, mouse clicks,
# screenshots.
packages+=(libwebkit2gtk-4.1-dev libxdo-dev xvfb xdotool imagemagick python3-pyatspi at-spi2-core dbus-daemon)
# Node.js for the tests driven by JavaScript clients (tus-js-client, and
# Playwright driving Debian's Chromium through the staff dashboard).
command -v npm >/dev/null || packages+=(nodejs npm)
packages+=(chromium fonts-dejavu-core)
# `setup.sh bench`: also what the benchmarks compare against or measure with.
if [ "${1:-}" = bench ]; then
  packages+=(libvips-tools time)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "Installazione pacchetti / installing packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
if ! command -v cargo >/dev/null; then
  echo "cargo non trovato: installa Rust con rustup (https://rustup.rs) / cargo not found: install Rust with rustup" >&2
  exit 1
fi
