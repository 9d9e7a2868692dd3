#!/usr/bin/env bash
# Installs the Debian packages yinfa needs to build, run and test.
# Idempotent: packages already present are skipped; apt runs only when something is missing.
set -euo pipefail

build_pkgs=(build-essential pkg-config libxml2-dev libpango1.0-dev libcairo2-dev libicu-dev
            libjson-glib-dev libfontconfig-dev libharfbuzz-dev libcsv-dev)
font_pkgs=(fonts-noto-cjk fonts-noto-cjk-extra fonts-arphic-ukai fonts-lxgw-wenkai)
test_pkgs=(poppler-utils python3-pdfminer python3 valgrind)

want=("${build_pkgs[@]}" "${font_pkgs[@]}")
case "${1:-}" in
  --test) want+=("${test_pkgs[@]}") ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: not root; please run: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
