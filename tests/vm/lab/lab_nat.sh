#!/usr/bin/env bash
# vm_lab_nat: lab/lab.sh --nat --pki, site 3 behind a 1:1 NAT66 router and
# certificates instead of PSKs (see lab/README.md): the seed's checks with
# IKE on 4500 and ESP in UDP on 8 of the 12 tunnels, keepalives from site
# 3, no bare ESP across the NAT, every IKE SA authenticated by the lab CA's
# certificates. One VM test for both keeps the suite's time down; each is
# its own lab/run option.
export VTID_LAB_DIR=${VTID_LAB_DIR:-/tmp/vtid-lab-test-nat}
exec "${VTID_SRC:?VTID_SRC unset}/lab/lab.sh" --nat --pki "$@"
