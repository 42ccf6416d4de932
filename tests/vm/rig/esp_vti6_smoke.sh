#!/usr/bin/env bash
# Rig self-test: the kernel the VM tests run on can carry traffic through a
# vti6 pair protected by AES-GCM ESP SAs and marked policies, as vtid will
# install them. Built with iproute2 alone, so a failure here is the rig's or
# the kernel's, never vtid's.
#
#   netns vtid-smoke-a                         netns vtid-smoke-b
#   +--------------------------+               +--------------------------+
#   | vti6a  fd00:100::1/64    |               | vti6b  fd00:100::2/64    |
#   |   key 10 (mark 10)       |  ESP, tunnel  |   key 10 (mark 10)       |
#   | veth-a 2001:db8:1::1/64  |<------------->| veth-b 2001:db8:1::2/64  |
#   +--------------------------+  spi 0x1001 > +--------------------------+
#                                 < spi 0x2002
#
# Policies: out/in ::/0 <-> ::/0, mark 10, template reqid 1 = the SAs' reqid
# (a template with reqid 0 does not match an SA with reqid 1).
set -euo pipefail

a=vtid-smoke-a
b=vtid-smoke-b
A=2001:db8:1::1
B=2001:db8:1::2
# rfc4106(gcm(aes)) takes the AES key and a 4-byte salt: 16 + 4 bytes.
key_ab=0x0102030405060708090a0b0c0d0e0f1011121314
key_ba=0x2122232425262728292a2b2c2d2e2f3031323334

# shellcheck source=tests/lib/testlib.sh
. "$(dirname "$0")/../../lib/testlib.sh"

dump_state() {	# for fail
	local ns
	for ns in "$a" "$b"; do
		echo "--- $ns: ip -s xfrm state"
		ip -n "$ns" -s xfrm state 2>&1 || true
		echo "--- $ns: ip xfrm policy"
		ip -n "$ns" xfrm policy 2>&1 || true
		echo "--- $ns: XFRM errors"
		ip netns exec "$ns" awk '$2 != 0' /proc/net/xfrm_stat 2>&1 || true
	done
}
cleanup() {
	netns_del "$a" "$b"
}
trap cleanup EXIT

[ "$(id -u)" = 0 ] || fail "must run as root (tests/vm/run does)"
echo "kernel $(uname -r) on $(hostname)${VTID_VM_GUEST:+ (test VM)}"
cleanup
ip netns add "$a"
ip netns add "$b"
ip link add veth-a netns "$a" type veth peer name veth-b netns "$b"
for side in a b; do
	ns=vtid-smoke-$side
	ip -n "$ns" link set lo up
	ip -n "$ns" link set "veth-$side" up
done
# nodad: duplicate address detection would hold the addresses for a second.
ip -n "$a" addr add "$A/64" dev veth-a nodad
ip -n "$b" addr add "$B/64" dev veth-b nodad
ip netns exec "$a" ping -6 -c 1 -W 5 "$B" >/dev/null || fail "no plain IPv6 over the veth pair"
ok "veth pair carries IPv6 in the clear"

# Both SAs in both namespaces; each side's policies point the other way.
add_sas() {
	local ns=$1
	ip -n "$ns" xfrm state add src "$A" dst "$B" proto esp spi 0x1001 reqid 1 \
	    mode tunnel aead 'rfc4106(gcm(aes))' "$key_ab" 128 ||
	    fail "$ns: cannot add the ESP SA A->B (esp6, rfc4106(gcm(aes)))"
	ip -n "$ns" xfrm state add src "$B" dst "$A" proto esp spi 0x2002 reqid 1 \
	    mode tunnel aead 'rfc4106(gcm(aes))' "$key_ba" 128 ||
	    fail "$ns: cannot add the ESP SA B->A"
}
add_policies() {
	local ns=$1 local_ip=$2 remote_ip=$3
	ip -n "$ns" xfrm policy add dir out src ::/0 dst ::/0 mark 10 \
	    tmpl src "$local_ip" dst "$remote_ip" proto esp reqid 1 mode tunnel ||
	    fail "$ns: cannot add the out policy"
	ip -n "$ns" xfrm policy add dir in src ::/0 dst ::/0 mark 10 \
	    tmpl src "$remote_ip" dst "$local_ip" proto esp reqid 1 mode tunnel ||
	    fail "$ns: cannot add the in policy"
}
add_sas "$a"
add_sas "$b"
add_policies "$a" "$A" "$B"
add_policies "$b" "$B" "$A"
ok "ESP SAs with rfc4106(gcm(aes)) and marked policies installed"

ip -n "$a" link add vti6a type vti6 local "$A" remote "$B" key 10 ||
    fail "cannot create a vti6 device (ip6_vti)"
ip -n "$b" link add vti6b type vti6 local "$B" remote "$A" key 10 ||
    fail "cannot create the second vti6 device"
ip -n "$a" addr add fd00:100::1/64 dev vti6a nodad
ip -n "$b" addr add fd00:100::2/64 dev vti6b nodad
ip -n "$a" link set vti6a up
ip -n "$b" link set vti6b up
ok "vti6 pair up, key 10"

ip netns exec "$a" ping -6 -c 3 -i 0.2 -W 5 fd00:100::2 ||
    fail "no ping through the vti6 tunnel"
ok "ping fd00:100::1 -> fd00:100::2 through the tunnel"

# The replies must have been ESP on the wire: each SA counted the packets.
packets() {
	# "lifetime current:" is followed by "  N(bytes), M(packets)".
	ip -n "$1" -s xfrm state get src "$2" dst "$3" proto esp spi "$4" |
	    awk '/lifetime current:/ { getline; sub(/.*\(bytes\), */, "");
	        sub(/\(packets\).*/, ""); print }'
}
for check in "$a $A $B 0x1001" "$a $B $A 0x2002" "$b $A $B 0x1001" "$b $B $A 0x2002"; do
	# shellcheck disable=SC2086 # four words on purpose
	n=$(packets $check)
	[ "${n:-0}" -ge 3 ] || fail "SA ${check#* } in ${check%% *} counted ${n:-no} packets, want >= 3"
done
ok "all four SAs counted the ping's packets"
for ns in "$a" "$b"; do
	errs=$(ip netns exec "$ns" awk '$2 != 0 { print }' /proc/net/xfrm_stat)
	[ -z "$errs" ] || fail "$ns: XFRM error counters: $errs"
done
ok "no XFRM error counters"
# What the kernel loaded on demand (nothing when these are built in).
mods=$(awk '$1 ~ /^(esp6|ip6_vti|xfrm_user|veth|ghash_generic|ghash_clmulni_intel|seqiv|gcm)$/ { print $1 }' \
    /proc/modules | sort | tr '\n' ' ')
ok "modules in use: ${mods:-none (built in)}"
echo "PASS: ESP + vti6 smoke test"
