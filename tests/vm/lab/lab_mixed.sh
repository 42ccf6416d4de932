#!/usr/bin/env bash
# vm_lab_mixed: lab/lab.sh --mixed, strongSwan's charon on V3-2 (the seed's
# Junos slot) and vtid on the five other VPN hosts (see lab/README.md).
export VTID_LAB_DIR=${VTID_LAB_DIR:-/tmp/vtid-lab-test-mixed}
exec "${VTID_SRC:?VTID_SRC unset}/lab/lab.sh" --mixed "$@"
