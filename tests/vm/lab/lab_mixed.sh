#!/usr/bin/env bash
# vm_lab_mixed: lab/lab.sh --mixed --xfrm, strongSwan's charon on V3-2 (the
# seed's Junos slot) and vtid on the five other VPN hosts with XFRM
# interfaces (see lab/README.md): XFRM interfaces facing each other and
# charon's VTIs, where vm_lab has VTIs on all six.
export VTID_LAB_DIR=${VTID_LAB_DIR:-/tmp/vtid-lab-test-mixed}
exec "${VTID_SRC:?VTID_SRC unset}/lab/lab.sh" --mixed --xfrm "$@"
