#!/usr/bin/env bash
# XFRM events through src/xfrm's libev monitor (nltest watch), and the
# ALLOCSPI -> UPDSA sequence an IKE responder uses:
#
#        nl-A                                  nl-B
#  +-----------------------------+  veth  +------------------+
#  | av 2001:db8::1/64           |========| bv 2001:db8::2/64|
#  | e7 vti6 key 7               |        | (answers nothing:|
#  |    2001:db8:7::1/64         |        |  only the outer  |
#  |    10.7.0.1/24              |        |  address is used)|
#  | policy out ::/0, 0.0.0.0/0  |        +------------------+
#  |   mark 7, tmpl A->B reqid 7 |
#  +-----------------------------+
#
# Checked: an ACQUIRE for an IPv6 and an IPv4 packet routed into e7 while
# no SA exists (mark, reqid, policy index, outer and flow addresses); an
# SPI reserved with ALLOCSPI (NEWSA on it: EEXIST) then filled with UPDSA;
# soft then hard EXPIRE from time limits, and from packet limits; the SA
# gone after its hard expiry; no malformed event and no overrun.
# ok() always succeeds, so "test && ok || fail" is an if-then-else:
# shellcheck disable=SC2015
# shellcheck source=tests/vm/netlink/common.sh
. "$(dirname "$0")/common.sh"
require_kernel

A=nl-A B=nl-B
A6=2001:db8::1 B6=2001:db8::2
netns_add $A $B
ip link add av netns $A type veth peer name bv netns $B
ip -n $A addr add $A6/64 dev av nodad
ip -n $B addr add $B6/64 dev bv nodad
ip -n $A link set av up
ip -n $B link set bv up
log=$(mktemp)
trap 'cleanup; rm -f "$log"' EXIT

# watch ARGS...: start nltest watch in $A in the background, wait until it
# has subscribed.
watch() {
	: >"$log"
	nl -n $A watch "$@" >"$log" 2>&1 &
	watcher=$!
	poll 10 grep -q '^ready' "$log" && return 0
	echo "watch did not start:"
	cat "$log"
	return 1
}

# Wait for the watcher to exit; its status is the test's.
watch_done() {
	local rc=0
	wait "$watcher" || rc=$?
	sed 's/^/    > /' "$log"
	return $rc
}

check "vti6 e7 in $A" nl -n $A vti-setup name=e7 local=$A6 remote=$B6 key=7 \
    addr=2001:db8:7::1/64 addr=10.7.0.1/24
for f in inet6 inet; do
	check "policy out $f mark 7 reqid 7" nl -n $A policy-add dir=out \
	    family=$f mark=7 tmpl-src=$A6 tmpl-dst=$B6 reqid=7
done

echo "# ACQUIRE"
# One ACQUIRE per template while its larval SA lives (xfrm_state_find sees
# the acquire in progress), so the IPv4 ping waits for the IPv6 one's larval
# SA to expire (net.core.xfrm_acq_expires=3). The device's own IPv6 chatter
# may be ACQUIREd too: collect for a while, then look for the two flows.
check "watcher subscribed to XFRMNLGRP_ACQUIRE/EXPIRE" watch count=100 \
    types=acquire timeout=14
ip netns exec $A ping -q -c 1 -W 1 2001:db8:7::2 >/dev/null 2>&1 || true
sleep 5
ip netns exec $A ping -q -c 1 -W 1 10.7.0.2 >/dev/null 2>&1 || true
watch_done || true
line6=$(grep -m1 'flow=2001:db8:7::1->2001:db8:7::2' "$log" || true)
line4=$(grep -m1 'flow=10.7.0.1->10.7.0.2' "$log" || true)
case $line6 in
"acquire reqid=7 mark=0x7/0xffffffff index="*" dir=1 src=$A6 dst=$B6 "*)
	ok "IPv6 ACQUIRE: reqid 7, mark 7, out, outer $A6 -> $B6" ;;
*) fail "IPv6 ACQUIRE: '$line6'" ;;
esac
case $line4 in
"acquire reqid=7 mark=0x7/0xffffffff index="*" dir=1 src=$A6 dst=$B6 "*"sel-len=0/0")
	ok "IPv4 ACQUIRE (IPv4 in IPv6): reqid 7, mark 7, policy 0.0.0.0/0" ;;
*) fail "IPv4 ACQUIRE: '$line4'" ;;
esac
idx=$(nl -n $A list | grep 'policy dir=out sel=0.0.0.0/0' | field index)
[ -n "$idx" ] && [ "$(field index <<<"$line4")" = "$idx" ] &&
    ok "ACQUIRE index $idx is the 0.0.0.0/0 policy's" ||
    fail "ACQUIRE index '$(field index <<<"$line4")', policy '$idx'"
grep -q '^malformed=0 overruns=0' "$log" && ok "no malformed event, no overrun" ||
    fail "malformed or overruns"

echo "# ALLOCSPI then UPDSA"
# The reservation lives net.core.xfrm_acq_expires seconds: 30 again here.
ip netns exec $A sysctl -qw net.core.xfrm_acq_expires=30
out=$(nl -n $A spi-alloc src=$B6 dst=$A6 reqid=7 mark=7) || out=
spi=${out#spi=}
if [[ $spi =~ ^0xc[0-9a-f]{7}$ ]]; then
	ok "SPI $spi reserved in 0xc0000000-0xcfffffff"
else
	fail "spi-alloc: '$out'"
	spi=0xc0000777
fi
check "larval SA reads back with reqid 7, mark 7" eval "nl -n $A sa-get \
    dst=$A6 spi=$spi mark=7 | grep -c >/dev/null 'reqid=7 mark=0x7/0xffffffff'"
check_fails "NEWSA on the reserved SPI" "File exists" nl -n $A sa-add \
    src=$B6 dst=$A6 spi="$spi" reqid=7 mark=7 enc=gcm128 enc-key="$(hexkey 20)"
check "UPDSA fills the reserved SPI" nl -n $A sa-update src=$B6 dst=$A6 \
    spi="$spi" reqid=7 mark=7 enc=gcm128 enc-key="$(hexkey 20)"
check "the SA is now complete: rfc4106(gcm(aes)), 160-bit key, ICV 128" eval \
    "ip -n $A xfrm state get src $B6 dst $A6 proto esp spi $spi mark 7 |
    grep -c >/dev/null 'aead rfc4106(gcm(aes)) 0x[0-9a-f]\{40\} 128'"
check "and it is deleted" nl -n $A sa-del dst=$A6 spi="$spi" mark=7
ip netns exec $A sysctl -qw net.core.xfrm_acq_expires=3

echo "# EXPIRE by time: soft 2 s, hard 4 s"
check "watcher started" watch count=2 types=soft,hard timeout=30 \
    spi=0xc0000701
check "SA 0xc0000701 with soft-time=2 hard-time=4" nl -n $A sa-add src=$A6 \
    dst=$B6 spi=0xc0000701 reqid=7 mark=7 enc=gcm256 enc-key="$(hexkey 36)" \
    soft-time=2 hard-time=4
check "soft and hard EXPIRE received" watch_done
soft=$(grep -n '^expire soft spi=0xc0000701 reqid=7 mark=0x7/0xffffffff' "$log" | cut -d: -f1)
hard=$(grep -n '^expire hard spi=0xc0000701 reqid=7 mark=0x7/0xffffffff' "$log" | cut -d: -f1)
[ -n "$soft" ] && [ -n "$hard" ] && [ "$soft" -lt "$hard" ] &&
    ok "soft EXPIRE then hard EXPIRE for spi 0xc0000701, reqid 7, mark 7, dst $B6" ||
    fail "time EXPIREs (soft line '$soft', hard line '$hard')"
grep -q "^expire hard spi=0xc0000701 .* src=$A6 dst=$B6 proto=50" "$log" &&
    ok "hard EXPIRE carries src, dst, proto esp" || fail "EXPIRE addresses"
check_fails "SA gone after its hard expiry" "No such process" \
    nl -n $A sa-get dst=$B6 spi=0xc0000701 mark=7

echo "# EXPIRE by packets: soft 3, hard 5"
check "watcher started" watch count=2 types=soft,hard timeout=60 \
    spi=0xc0000702
check "SA 0xc0000702 with soft-packets=3 hard-packets=5" nl -n $A sa-add \
    src=$A6 dst=$B6 spi=0xc0000702 reqid=7 mark=7 enc=cbc128 \
    enc-key="$(hexkey 16)" integ=sha256 integ-key="$(hexkey 32)" \
    soft-packets=3 hard-packets=5
ip netns exec $A ping -q -c 8 -i 0.3 -W 1 2001:db8:7::2 >/dev/null 2>&1 || true
check "soft and hard EXPIRE received" watch_done
sp=$(grep -m1 '^expire soft spi=0xc0000702' "$log" | field packets)
hp=$(grep -m1 '^expire hard spi=0xc0000702' "$log" | field packets)
[ "${sp:-0}" -ge 3 ] && [ "${hp:-0}" -ge 5 ] &&
    ok "soft EXPIRE at $sp packets, hard at $hp" ||
    fail "packet EXPIREs: soft at '${sp:-}', hard at '${hp:-}'"
grep -q '^malformed=0 overruns=0' "$log" && ok "no malformed event, no overrun" ||
    fail "malformed or overruns"

check "clean-up: purge" nl -n $A purge reqid=7-7 mark=7
check "clean-up: e7 deleted" nl -n $A vti-del name=e7
finish
