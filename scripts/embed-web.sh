#!/usr/bin/env bash
# Writes C source holding the web form's files (web/*), for `yinfa serve`: the page, its script and
# its style are compiled into the program, so a server never depends on finding a share folder.
# Usage: scripts/embed-web.sh web/index.html web/app.js … > build/web_assets.c
set -euo pipefail
echo '#include "web_assets.h"'
i=0
for f in "$@"; do
  echo "static const unsigned char asset$i[] = {"
  od -An -v -tx1 "$f" | sed 's/\([0-9a-f][0-9a-f]\)/0x\1,/g'
  echo '0 };'
  i=$((i + 1))
done
echo 'const yf_web_asset yf_web_assets[] = {'
i=0
for f in "$@"; do
  echo "  { \"/${f##*/}\", asset$i, sizeof asset$i - 1 },"
  i=$((i + 1))
done
echo '  { 0, 0, 0 }'
echo '};'
