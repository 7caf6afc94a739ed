#!/usr/bin/env bash
# Installs the system packages srtscope needs to build, test and analyse media
# (DESIGN.md section 2). Idempotent: does nothing when everything is present.
# Without root or password-less sudo it prints the exact command and fails.
set -euo pipefail

packages=(
  # build (cgo + GL + X11/Wayland headers for Fyne)
  gcc pkg-config libgl1-mesa-dev libgl1-mesa-dri libx11-dev libxcursor-dev
  libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev libwayland-dev libxkbcommon-dev
  # window tests
  xvfb xauth xdotool imagemagick
  # media analysis, fixtures, interop, report checks, packaging
  ffmpeg srt-tools poppler-utils file xz-utils
  # the service's tests: promtool checks the shipped config and rules, and a
  # test scrapes a running serve with Debian's prometheus
  prometheus
)
packages+=(${SRTSCOPE_EXTRA_PACKAGES:-})

if ! command -v go >/dev/null 2>&1; then
  echo "setup: Go is not on PATH; install Go 1.26 or newer from go.dev/dl and run again" >&2
  exit 1
fi

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "setup: not a Debian/Ubuntu system; install the packages the README lists for your OS" >&2
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo)
else
  echo "setup: missing system packages: ${missing[*]}" >&2
  echo "setup: run this, then try again:" >&2
  echo "  sudo apt-get update && sudo ${cmd[*]}" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" "${cmd[@]}" -qq
