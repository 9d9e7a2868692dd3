#!/usr/bin/env bash
# Retakes the README's pictures of the web form (docs/img/serve-*.png): the browser tests'
# speech session (tests/web/e2e.mjs) and notice session (tests/web/form.mjs: the seal picker and
# the fonts panel) with a folder for screenshots. Needs `make` (or a binary
# in $YINFA_BIN) and `scripts/install-deps.sh --web` first.
set -euo pipefail
cd "$(dirname "$0")/.."
export YINFA_FONTS_CONF="$PWD/tests/fonts.conf"
out=$(mktemp -d)
"${YINFA_BIN:-build/yinfa}" serve --port 0 -q > "$out/url" &
server=$!
trap 'kill $server; rm -rf "$out"' EXIT
for _ in $(seq 100); do
  grep -q http "$out/url" && break
  sleep 0.1
done
url=$(grep -o 'http://[^ ]*' "$out/url")
mkdir -p docs/img
node tests/web/e2e.mjs speech "$url" examples/union-speech/data.json "$out" docs/img > /dev/null
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); d.pop("印章"); json.dump(d, open(sys.argv[2], "w"), ensure_ascii=False)' \
  templates/notice/data.json "$out/unsealed.json"
node tests/web/form.mjs notice "$url" "$out/unsealed.json" "$out" docs/img > /dev/null
ls -l docs/img/serve-*.png
# The README's pictures stay small enough for a repository.
big=$(find docs/img -name 'serve-*.png' -size +200k)
[ -z "$big" ] || { echo "web-screenshots: over 200 KB: $big" >&2; exit 1; }
