#!/usr/bin/env bash
# Installs the system programs Estúdio drives (Debian/Ubuntu): LibreOffice for slide images,
# metric-compatible fonts so layouts do not re-wrap, poppler for PDF -> PNG, ffmpeg for ffprobe.
# ffmpeg itself and espeak-ng come from Python packages. Idempotent: installs only what is missing.
# Usage: system-packages.sh [--browser]   (--browser adds Chromium for the web page tests)
set -euo pipefail

packages=()
fonts=$(fc-list : family 2>/dev/null || true)
command -v soffice >/dev/null 2>&1 || packages+=(libreoffice-impress)
command -v pdftoppm >/dev/null 2>&1 || packages+=(poppler-utils)
command -v ffprobe >/dev/null 2>&1 || packages+=(ffmpeg)
grep -qi carlito <<<"$fonts" || packages+=(fonts-crosextra-carlito)
grep -qi caladea <<<"$fonts" || packages+=(fonts-crosextra-caladea)
grep -qi "liberation sans" <<<"$fonts" || packages+=(fonts-liberation2)
grep -qi "noto sans" <<<"$fonts" || packages+=(fonts-noto-core)
if [[ "${1:-}" == "--browser" ]]; then
  command -v chromium >/dev/null 2>&1 || packages+=(chromium)
fi

if [[ ${#packages[@]} -eq 0 ]]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Please install: ${packages[*]} (LibreOffice, poppler-utils, ffmpeg and the fonts)." >&2
  exit 1
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "Installing system packages: ${packages[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
