#!/usr/bin/env bash
# Installs the Debian packages yinfa needs to build, run and test.
# Idempotent: packages already present are skipped; apt runs only when something is missing.
#   --test  the test tools          --web  the browser test: Chromium, node, playwright-core
#   --fuzz  clang and its libFuzzer runtime (make fuzz)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

build_pkgs=(build-essential pkg-config libxml2-dev libpango1.0-dev libcairo2-dev libicu-dev
            libjson-glib-dev libfontconfig-dev libharfbuzz-dev libcsv-dev libmicrohttpd-dev
            librsvg2-dev libzip-dev libfreexl-dev help2man)
font_pkgs=(fonts-noto-cjk fonts-noto-cjk-extra fonts-arphic-ukai fonts-lxgw-wenkai)
# Stroke sequences of 75 000 characters, for names 按姓氏笔画为序 (engine/collate.c).
data_pkgs=(rime-data-stroke)
test_pkgs=(poppler-utils python3-pdfminer python3 valgrind man-db python3-openpyxl
           libreoffice-calc-nogui)

want=("${build_pkgs[@]}" "${font_pkgs[@]}" "${data_pkgs[@]}")
web=0
for arg in "$@"; do
  case "$arg" in
    --test) want+=("${test_pkgs[@]}") ;;
    --fuzz) want+=(clang libclang-rt-14-dev) ;;
    # A node already on PATH (the machine's own, newer than Debian's) is kept.
    --web) web=1; want+=(chromium)
           command -v node >/dev/null || want+=(nodejs)
           command -v npm >/dev/null || want+=(npm) ;;
  esac
done

# The browser test's driver, at the version tests/web/package-lock.json pins.
web_modules() {
  [ "$web" = 1 ] && [ ! -d "$root/tests/web/node_modules/playwright-core" ] || return 0
  echo "install-deps: npm ci in tests/web" >&2
  npm ci --prefix "$root/tests/web" --no-audit --no-fund >&2
}

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  web_modules
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: not root; please run: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
web_modules
