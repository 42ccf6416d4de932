#!/usr/bin/env bash
# Both ends "route" (the seed's auto=route on both sides) and traffic starts
# from both sides at the same moment: both initiate, and the IKE SAs /
# CHILD SAs collide (RFC 7296 2.8.1 and 2.25). Whatever the path, one IKE
# SA and one CHILD SA pair must survive on both sides (ipsec status,
# vtictl status, the kernels), with the same SPIs, carrying traffic, and
# stay so.
#
#   io-v-priv: vti7 2001:db8:ff::/127      ping -> 2001:db8:ff::1 (0.1 s)
#   io-v:      vtid, peer C, start=route    2001:db8:1::1 --+
#                                                            | veth, ESP mark 7
#   io-c:      charon, conn V, auto=route   2001:db8:1::2 --+
#   io-c-priv: vti7 2001:db8:ff::1/127     ping -> 2001:db8:ff:: (0.1 s)
#
# Rounds:
#   pings 1, pings 2  both daemons up and idle (router solicitations off),
#                     then a ping from each side at once. Which side wins
#                     depends on timing, hence two rounds.
#   boot              as the lab boots: router solicitations on, vtid and
#                     charon started together, no ping: each side's new
#                     vti6 solicits routers through its ::/0 trap and both
#                     initiate by themselves.
#
# strongSwan 5.9.8 on its own (seen in these runs): it has no IKE_SA_INIT
# collision handling; both IKE SAs complete; the uniqueness check
# (uniqueids=yes) then makes it keep the newer and delete the older
# ("schedule delete of duplicate IKE_SA ... due to uniqueness policy");
# a second CHILD SA on one IKE SA is avoided with "not establishing
# CHILD_SA V{n} due to existing duplicate". Once, charon's worker took 16 s
# to install the inbound SA of the IKE SA vtid initiated ("adding inbound
# ESP SA" ... "allocated SPI not found anymore, try to add SAD entry"),
# holding that IKE SA while its own IKE_AUTH to vtid timed out: the
# settling below allows 60 s for such stalls. vtid deletes its own IKE SA
# when both ends initiated ("duplicate IKE SA (both ends initiated)") and
# drops stale ones on INITIAL_CONTACT.
. "$(dirname "$0")/lib.sh"

one_each() {
	[ "$(vtid_ike_up)" = 1 ] && [ "$(vtid_children)" = 1 ] &&
	    [ "$(charon_ike_up)" = 1 ] && [ "$(charon_children)" = 1 ] &&
	    [ "$(xfrm_count io-v state)" = 2 ] && [ "$(xfrm_count io-c state)" = 2 ] &&
	    [ "$(ctl status | grep -c CONNECTING)" = 0 ] &&
	    [ "$(cipsec status | grep -c CONNECTING)" = 0 ]
}
routed() {
	cipsec statusall | grep -c >/dev/null 'V{[0-9]*}: *ROUTED' &&
	    [ "$(ip -n io-v xfrm policy | grep -c 'dir out')" -ge 1 ]
}

# settle T0: one IKE and one CHILD SA each side, stable 10 s, traffic.
settle() {
	local t0=$1 vi vo
	wait_for 30 "a CHILD SA on both sides" both_up
	ok "first CHILD SAs $(elapsed "$t0") s after the start: vtid $(vtid_ike_up) IKE/$(vtid_children) CHILD, charon $(charon_ike_up) IKE/$(charon_children) CHILD"
	note "initiated: vtid $(vtid_count 'initiating IKE SA') IKE SA(s), charon $(charon_count 'initiating IKE_SA V\[') IKE SA(s)"
	wait_for 60 "one IKE SA and one CHILD SA on each side (vtid $(vtid_ike_up)/$(vtid_children), charon $(charon_ike_up)/$(charon_children), kernels $(xfrm_count io-v state)/$(xfrm_count io-c state))" one_each
	check_spis
	vi=$VI vo=$VO
	ok "settled $(elapsed "$t0") s after the start: one IKE SA, one CHILD SA each side"
	cipsec status | sed -n 's/^ */  charon: /p' | grep -E 'ESTABLISHED|INSTALLED'
	ctl status | sed -n 's/^ */  vtid:   /p' | grep -E 'ESTABLISHED|INSTALLED'
	# Still so 10 s later (no late DELETE of the survivor).
	sleep 10
	one_each || fail "not stable: vtid $(vtid_ike_up)/$(vtid_children), charon $(charon_ike_up)/$(charon_children) 10 s later"
	check_spis
	[ "$VI $VO" = "$vi $vo" ] || fail "the surviving CHILD SA changed: $vi $vo -> $VI $VO"
	ok "stable 10 s later"
}
notes() {
	local l
	l=$(charon_log 'uniqueness|duplicate|already processing')
	[ -n "$l" ] && note "charon: ${l#*] }"
	l=$(vtid_log 'duplicate|INITIAL_CONTACT|collision')
	[ -n "$l" ] && note "vtid: $l"
	true
}

pings() {
	local t0 sv sc rv rc
	charon_conf auto=route
	charon_vti
	charon_start
	vtid_conf start=route
	vtid_start
	wait_for 10 "both traps installed" routed
	[ "$(xfrm_count io-v state)$(xfrm_count io-c state)" = 00 ] ||
		fail "a tunnel came up before the traffic"
	t0=$(now)
	ping_bg v io-v-priv "$C_IN6"
	ping_bg c io-c-priv "$V_IN6"
	settle "$t0"
	read -r sv rv < <(ping_bg_stop v)
	read -r sc rc < <(ping_bg_stop c)
	ok "pings during the collision: from vtid's side $rv/$sv, from charon's $rc/$sc"
	ping_all
	notes
}

boot() {
	local t0
	charon_conf auto=route
	vtid_conf start=route
	t0=$(now)
	vtid_start
	charon_vti
	charon_start
	settle "$t0"
	ping_all
	l=$(charon_log 'creating acquire job')
	[ -n "$l" ] && note "charon's trigger: ${l#*] creating acquire job for policy }"
	notes
}

phase "pings 1" pings
phase "pings 2" pings
IO_VTI_RS=1 phase "boot" boot
summary "both ends route, traffic from both at once: one IKE and one CHILD SA survive"
