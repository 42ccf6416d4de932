#!/bin/sh
# vtid-import: the seed lab's six hosts, every keyword it cannot convert,
# binary PSKs (import_test.py says how).
set -eu
# -B: no __pycache__ written into the source tree beside vtid-import.
exec /usr/bin/python3 -B "$(dirname "$0")/import_test.py" \
    "${VTID_BUILD:?}/src/daemon/vtid" "${VTID_SRC:?}"
