#!/usr/bin/env bash
# Installs the Debian packages yinfa needs to build, run and test.
# Idempotent: packages already present are skipped; apt runs only when something is missing.
# The Fandol faces (FandolFang, the free 仿宋) are taken out of texlive-lang-chinese once.
#   --test  the test tools          --web  the browser test: Chromium, node, playwright-core
#   --fuzz  clang and its libFuzzer runtime (make fuzz)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

build_pkgs=(build-essential pkg-config libxml2-dev libpango1.0-dev libcairo2-dev libicu-dev
            libjson-glib-dev libfontconfig-dev libharfbuzz-dev libcsv-dev libmicrohttpd-dev
            librsvg2-dev libzip-dev libfreexl-dev help2man libhyphen-dev)
font_pkgs=(fonts-noto-cjk fonts-noto-cjk-extra fonts-arphic-ukai fonts-lxgw-wenkai)
# English hyphenation patterns (libhyphen's hyph_en_US.dic): long English words in Chinese text.
hyph_pkgs=(hyphen-en-us)
# Stroke sequences of 75 000 characters, for names 按姓氏笔画为序 (engine/collate.c).
data_pkgs=(rime-data-stroke)
test_pkgs=(poppler-utils python3-pdfminer python3 valgrind man-db python3-openpyxl
           libreoffice-calc-nogui libreoffice-writer-nogui)

want=("${build_pkgs[@]}" "${font_pkgs[@]}" "${data_pkgs[@]}" "${hyph_pkgs[@]}")
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

# The Fandol faces (GPL with the font exception): FandolFang has exactly GB2312's 6 763
# characters, like 仿宋_GB2312, and is the free 仿宋 of the body. Debian ships them only inside
# TeX Live's Chinese package; the font files alone are taken out of it (apt-get download +
# dpkg -x), without installing TeX, into the folder fonts/yinfa-roles.conf and tests/fonts.conf
# read. Done once: nothing happens when the faces are there.
fandol_dir=/usr/local/share/fonts/yinfa-fandol
fandol_faces=(FandolFang-Regular.otf FandolKai-Regular.otf FandolHei-Regular.otf
              FandolHei-Bold.otf FandolSong-Regular.otf FandolSong-Bold.otf)
fandol() {
  local f have=1
  for f in "${fandol_faces[@]}"; do [ -s "$fandol_dir/$f" ] || have=0; done
  [ "$have" = 1 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: the Fandol faces are missing from $fandol_dir; run this script as root" >&2
    return 1
  fi
  echo "install-deps: extracting the Fandol faces from texlive-lang-chinese into $fandol_dir" >&2
  local tmp
  tmp=$(mktemp -d)
  ( cd "$tmp" && apt-get download -q texlive-lang-chinese >&2 ) ||
    { apt-get update -q >&2 && ( cd "$tmp" && apt-get download -q texlive-lang-chinese >&2 ); }
  dpkg -x "$tmp"/texlive-lang-chinese_*.deb "$tmp/x"
  mkdir -p "$fandol_dir"
  for f in "${fandol_faces[@]}"; do
    install -m 644 "$tmp/x/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/$f" "$fandol_dir/"
  done
  gzip -dc "$tmp/x/usr/share/doc/texlive-doc/fonts/fandol/COPYING.gz" > "$fandol_dir/COPYING" || true
  rm -rf "$tmp"
  fc-cache -f "$fandol_dir" >/dev/null 2>&1 || true
}

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  fandol
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
fandol
web_modules
