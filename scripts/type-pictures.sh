#!/usr/bin/env bash
# Retakes the pictures of every type's README: each pageN.png its README shows, from its sample
# data, at 60 dpi, with the project's pinned fonts (the faces a fresh machine has).
set -euo pipefail
cd "$(dirname "$0")/.."
export YINFA_FONTS_CONF="$PWD/tests/fonts.conf" SOURCE_DATE_EPOCH=1767225600
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for readme in templates/*/README.md; do
  dir=$(dirname "$readme") name=$(basename "$(dirname "$readme")")
  [ -f "$dir/data.json" ] || continue
  pages=$(grep -o 'page[0-9]*\.png' "$readme" | sort -u | sed 's/page\([0-9]*\)\.png/\1/')
  [ -n "$pages" ] || continue
  build/yinfa render "$name" "$dir/data.json" -o "$tmp/$name.pdf" -q
  for p in $pages; do
    pdftoppm -png -r 60 -f "$p" -l "$p" -singlefile "$tmp/$name.pdf" "$dir/page$p"
  done
  echo "$dir: pages $(echo $pages)"
done
