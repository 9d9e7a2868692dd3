#!/usr/bin/env bash
# Runs every test with the project's own fonts (tests/fonts.conf) and a fixed PDF date, so the
# results are the same on every machine. Usage: tests/run.sh [CASE-OR-FILE …]
set -euo pipefail
cd "$(dirname "$0")/.."
export YINFA_FONTS_CONF="$PWD/tests/fonts.conf"
export SOURCE_DATE_EPOCH=1767225600
unset YINFA_HOME YINFA_TEMPLATES
# Debian's python3 carries python3-pdfminer; a python3 earlier on PATH may not.
exec /usr/bin/python3 tests/run_tests.py "$@"
