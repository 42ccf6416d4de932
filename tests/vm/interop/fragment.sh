#!/usr/bin/env bash
# IKE fragmentation (RFC 7383) between vtid and strongSwan over a path
# that drops IP fragments: the veth MTU is 340 and an nftables rule in
# both namespaces drops every IPv4 fragment before reassembly, so an IKE
# message in a datagram above 340 bytes cannot pass whole. Both sides
# announce IKEV2_FRAGMENTATION_SUPPORTED and send fragments of at most
# 300 bytes (vtid's fragment_size, charon's charon.fragment_size), so
# IKE_AUTH and CREATE_CHILD_SA go as Encrypted Fragment payloads; the
# suite uses X25519 so that IKE_SA_INIT (never fragmented) stays below
# the MTU.
#
#   io-v-priv: vti7 169.254.1.0/31
#   io-v:      vtid, peer C     192.0.2.1 --+  veth MTU 340,
#                                           |  nft: ip frag-off & 0x3fff != 0 drop
#   io-c:      charon, conn V   192.0.2.2 --+  (prerouting, priority -450)
#   io-c-priv: vti7 169.254.1.1/31
#
# Phases:
#   vtid-initiates    vtid start / charon auto=add; then "vtictl rekey C"
#   charon-initiates  vtid add / charon auto=start; then "swanctl --rekey
#                     --child V"
# Each checks: the path drops a 600-byte ping (its fragments counted by
# nft), the tunnel comes up, pings pass, a CHILD SA rekey completes, and
# fragments were sent and reassembled both ways (vtid's metrics, charon's
# "EF(n/m)" log lines), with the numbers printed.
. "$(dirname "$0")/lib.sh"

SUITE=aes256gcm16-prfsha384-x25519
MTU=340
FRAG=300

# path_drops_fragments: the veth MTU and the fragment-dropping rule on both
# sides, then a ping that must be fragmented gets nothing back.
path_drops_fragments() {
	local out drops
	drop_fragments "$MTU"
	out=$(ip netns exec io-v ping -c 2 -i 0.2 -W 1 -M dont -s 600 "$C_ADDR" 2>&1) &&
		fail "a 600-byte ping crossed a path that drops fragments"
	drops=$(nft_drops io-c)
	[ "$drops" -ge 2 ] || fail "nft in io-c dropped $drops fragments of the 600-byte ping"
	ping_through io-v "$C_ADDR" 2
	ok "path: MTU $MTU, IP fragments dropped (a 600-byte ping: $(echo "$out" | grep -o '[0-9]* received'), $drops fragments dropped in io-c); small pings pass"
}
nft_drops() {
	ip netns exec "$1" nft list table ip nofrag |
	    sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | head -1
}
# vtid_metric EVENT: vtid_ike_fragments_total{event="EVENT"}
vtid_metric() {
	ctl metrics | awk -v k="vtid_ike_fragments_total{event=\"$1\"}" '$1 == k { print $2 }'
}
vtid_reassembled() {
	ctl metrics | awk '$1 == "vtid_ike_fragmented_messages_total{result=\"reassembled\"}" { print $2 }'
}
# frag_report WHAT MIN-SENT MIN-RECEIVED: vtid's counters and charon's
# fragment lines, each at least the minimum.
frag_report() {
	local sent rcvd reasm drop c_gen c_rcv
	sent=$(vtid_metric sent) rcvd=$(vtid_metric received)
	drop=$(vtid_metric dropped) reasm=$(vtid_reassembled)
	c_gen=$(charon_count 'generating .*EF\([0-9]+/[0-9]+\)')
	c_rcv=$(charon_count 'received fragment #[0-9]+ of [0-9]+')
	ok "$1: vtid sent $sent fragments, received $rcvd (reassembled $reasm messages, dropped $drop); charon sent $c_gen fragments, received $c_rcv"
	[ "$sent" -ge "$2" ] || fail "$1: vtid sent $sent fragments, expected >= $2"
	[ "$rcvd" -ge "$3" ] || fail "$1: vtid received $rcvd fragments, expected >= $3"
	[ "$drop" = 0 ] || fail "$1: vtid dropped $drop fragments"
	[ "$c_rcv" -ge "$2" ] || fail "$1: charon logged $c_rcv received fragments, expected >= $2"
	grep -q 'IKE SA \[.*fragmentation' <(ctl list) || fail "$1: vtictl list shows no fragmentation on the IKE SA: $(ctl list | grep 'IKE SA')"
}
new_spis() {
	local v c
	v=$(vtid_spis) c=$(charon_spis)
	[ -n "$v" ] && [ -n "$c" ] && ! echo "$v $c" | grep -cE >/dev/null "$1|$2"
}
one_each() {
	[ "$(vtid_children)" = 1 ] && [ "$(charon_children)" = 1 ]
}

run() {
	local who=$1 t0 s1 r1
	use_family 4
	charon_vti
	path_drops_fragments
	if [ "$who" = vtid ]; then
		charon_conf auto=add ike="$SUITE!" esp="$SUITE!" fragmentation=yes
		charon_sconf "fragment_size = $FRAG"
		charon_start
		vtid_conf start=start ike="$SUITE!" esp="$SUITE!" \
		    extra="fragmentation = true; fragment_size = $FRAG;"
		t0=$(now)
		vtid_start
	else
		vtid_conf start=add ike="$SUITE!" esp="$SUITE!" \
		    extra="fragmentation = true; fragment_size = $FRAG;"
		vtid_start
		charon_conf auto=start ike="$SUITE!" esp="$SUITE!" fragmentation=yes
		charon_sconf "fragment_size = $FRAG"
		t0=$(now)
		charon_start
	fi
	wait_up 40
	ok "IKE_AUTH through the fragment-dropping path, $who initiating: up in $(elapsed "$t0") s"
	check_spis
	ping_through io-v-priv "$C_IN4"
	ping_through io-c-priv "$V_IN4"
	frag_report "IKE_AUTH" 2 2
	s1=$(vtid_metric sent) r1=$(vtid_metric received)
	t0=$(now)
	if [ "$who" = vtid ]; then
		ctl rekey C > /dev/null
	else
		crekey child > /dev/null
	fi
	wait_for 30 "CHILD SA rekey ($who): new SPIs on both sides" new_spis "$VI" "$VO"
	wait_for 15 "one CHILD SA each side" one_each
	check_spis
	ping_through io-v-priv "$C_IN4"
	ok "CREATE_CHILD_SA rekey by $who, PFS X25519, in $(elapsed "$t0") s"
	frag_report "after the rekey" $((s1 + 2)) $((r1 + 2))
	note "charon: $(charon_log 'generating CREATE_CHILD_SA (request|response).*EF' | sed 's/.*\] //')"
	note "charon: $(charon_log 'reassembled fragmented IKE message' | sed 's/.*\] //')"
}

phase vtid-initiates run vtid
phase charon-initiates run charon
summary "IKE fragmentation with strongSwan over a path that drops IP fragments"
