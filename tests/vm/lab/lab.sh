#!/usr/bin/env bash
# vm_lab: lab/lab.sh with vtid on all six VPN hosts (see lab/README.md).
# ctest gives VTID_BUILD and VTID_SRC; packages and build are tests/run's.
export VTID_LAB_DIR=${VTID_LAB_DIR:-/tmp/vtid-lab-test}
exec "${VTID_SRC:?VTID_SRC unset}/lab/lab.sh" "$@"
