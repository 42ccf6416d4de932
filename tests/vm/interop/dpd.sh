#!/usr/bin/env bash
# Dead peer detection between vtid and strongSwan, each side detecting
# in turn: the path is cut, the detecting side must notice within
# its DPD settings, drop its SAs and restart (dpdaction=restart / dpd.action
# "restart", as the seed); when the path comes back, the tunnel must come
# back with exactly one IKE SA and one CHILD SA on each side (the stale SAs
# of the side that noticed nothing replaced) and carry traffic.
#
#   io-v-priv: vti7 2001:db8:ff::/127
#   io-v:      vtid, peer C     2001:db8:1::1  veth-v --+
#                                      netem loss 100% x |  "link down"
#   io-c:      charon, conn V   2001:db8:1::2  veth-c --+
#   io-c-priv: vti7 2001:db8:ff::1/127
#
# "Link down" is netem loss 100% on both veth ends (a silent path, like a
# dead link between routers): "ip link set down" would flush the IPv6
# addresses and both daemons would see address events, not a silent peer.
#
# Phases:
#   charon-detects  charon auto=start dpddelay=5s (retransmits 1 s x1.5,
#                   3 tries: dead ~8 s after the probe); vtid add, DPD
#                   off. Expected: charon "giving up after 3 retransmits",
#                   "restarting CHILD_SA V"; after healing, its new IKE_AUTH
#                   carries INITIAL_CONTACT and vtid drops the stale SA.
#   vtid-detects    vtid start, dpd = { delay = 5; timeout = 10; action =
#                   "restart"; }; charon auto=add, dpddelay=0 (off).
#                   Expected: vtid drops its SAs within 5 + 10 s (+ slack)
#                   and restarts; after healing, charon replaces its stale
#                   IKE SA (uniqueids=yes, the default) or vtid's
#                   INITIAL_CONTACT does.
. "$(dirname "$0")/lib.sh"

cut_path() {
	tc -n io-v qdisc add dev veth-v root netem loss 100%
	tc -n io-c qdisc add dev veth-c root netem loss 100%
}
heal_path() {
	tc -n io-v qdisc del dev veth-v root
	tc -n io-c qdisc del dev veth-c root
}
spis_gone() {	# spis_gone NS IN OUT
	! ip -n "$1" xfrm state | grep -cE >/dev/null "spi 0x($2|$3)"
}
one_each() {
	[ "$(vtid_ike_up)" = 1 ] && [ "$(vtid_children)" = 1 ] &&
	    [ "$(charon_ike_up)" = 1 ] && [ "$(charon_children)" = 1 ] &&
	    [ "$(xfrm_count io-v state)" = 2 ] && [ "$(xfrm_count io-c state)" = 2 ]
}
gave_up() {
	[ "$(charon_count 'giving up after [0-9]+ retransmits')" -ge 1 ]
}
# back_up WHAT OLD-IN OLD-OUT: after healing, one fresh tunnel.
back_up() {
	local t0
	t0=$(now)
	heal_path
	wait_for 40 "$1: tunnel back with one IKE and one CHILD SA each side (vtid $(vtid_ike_up)/$(vtid_children), charon $(charon_ike_up)/$(charon_children))" one_each
	check_spis
	[ "$VI" != "$2" ] || fail "$1: the stale CHILD SA ${2}_i is still vtid's"
	ok "$1: back $(elapsed "$t0") s after healing, new CHILD SA ${VI}_i ${VO}_o (was ${2}_i ${3}_o)"
	ping_all
}

charon_restarted() {
	[ "$(charon_count 'restarting CHILD_SA V')" -ge 1 ]
}
charon_detects() {
	local t0 vi vo l
	vtid_conf start=add dpd="delay = 0;"
	vtid_start
	charon_conf auto=start dpddelay=5s dpdaction=restart
	charon_vti
	charon_start
	wait_up 30
	check_spis
	vi=$VI vo=$VO
	t0=$(now)
	cut_path
	ok "path cut (netem loss 100% both ways)"
	wait_for 30 "charon declares vtid dead" gave_up
	ok "charon: $(charon_log 'giving up after' | sed 's/.*\] //') $(elapsed "$t0") s after the cut"
	wait_for 10 "charon restarts (dpdaction=restart)" charon_restarted
	wait_for 10 "charon drops its SAs" spis_gone io-c "$vi" "$vo"
	ok "charon dropped ${vi}_i ${vo}_o and restarts: $(charon_log 'restarting CHILD_SA' | sed 's/.*\] //')"
	back_up "charon-detects" "$vi" "$vo"
	l=$(charon_log 'IKE_AUTH request 1 .*N\(INIT_CONTACT\)')
	[ -n "$l" ] && note "charon's new IKE_AUTH: ${l#*] }"
	l=$(vtid_log 'INITIAL_CONTACT')
	[ -n "$l" ] && note "vtid: $l"
	true
}

vtid_restarted() {
	[ "$(vtid_count 'initiating IKE SA')" -ge 2 ]
}
vtid_detects() {
	local t0 vi vo l
	charon_conf auto=add dpddelay=0 dpdaction=none
	charon_vti
	charon_start
	vtid_conf start=start dpd="delay = 5; timeout = 10; action = \"restart\";"
	vtid_start
	wait_up 30
	check_spis
	vi=$VI vo=$VO
	t0=$(now)
	cut_path
	ok "path cut (netem loss 100% both ways)"
	wait_for 30 "vtid drops its SAs (DPD delay 5 s + timeout 10 s)" spis_gone io-v "$vi" "$vo"
	l=$(vtid_log '[Dd][Pp][Dd]|dead|liveness')
	ok "vtid dropped ${vi}_i ${vo}_o $(elapsed "$t0") s after the cut: $l"
	wait_for 10 "vtid restarts (a second 'initiating IKE SA')" vtid_restarted
	back_up "vtid-detects" "$vi" "$vo"
	l=$(charon_log 'deleting duplicate IKE_SA|INITIAL_CONTACT|due to uniqueness')
	[ -n "$l" ] && note "charon: ${l#*] }"
	true
}

phase charon-detects charon_detects
phase vtid-detects vtid_detects
summary "DPD vtid <-> strongSwan, each side detecting, restart"
