#!/usr/bin/env bash
# Runs every test with the project's own fonts (tests/fonts.conf) and a fixed PDF date, so the
# results are the same on every machine. Usage: tests/run.sh [CASE-OR-FILE …]
set -euo pipefail
cd "$(dirname "$0")/.."
export YINFA_FONTS_CONF="$PWD/tests/fonts.conf"
export SOURCE_DATE_EPOCH=1767225600
unset YINFA_HOME YINFA_TEMPLATES
# The user's own templates (yinfa extract's, in the XDG data folder) are not the tests': a folder
# that does not exist stands for them.
export XDG_DATA_HOME="${TMPDIR:-/tmp}/yinfa-tests-no-user-data-$$"
# Debian's python3 carries python3-pdfminer; a python3 earlier on PATH may not.
exec /usr/bin/python3 tests/run_tests.py "$@"
