#!/usr/bin/env bash
# IKE SA rekeys between vtid and strongSwan, initiated by each side, and the
# seed's default reauthentication, while a ping runs through the tunnel
# every 0.1 s. After an IKE rekey: a new IKE SA on both
# sides, exactly one, the CHILD SA unchanged (moved to the new IKE SA), no
# loss beyond 2 pings, and the new IKE SA works (vtid's DELETE on SIGTERM
# goes through it and charon removes its SAs).
#
#   io-v-priv: vti7 2001:db8:ff::/127   (ping source, 10/s)
#   io-v:      vtid, peer C     2001:db8:1::1 --+
#                                                | veth, ESP mark 7
#   io-c:      charon, conn V   2001:db8:1::2 --+
#   io-c-priv: vti7 2001:db8:ff::1/127 (ping target)
#
# Phases:
#   charon-rekeys  "swanctl --rekey --ike V": CREATE_CHILD_SA {SA, Ni, KEi} for
#                  the IKE SA (not a reauthentication).
#   vtid-rekeys    ike rekey_time 20 s (or "vtictl rekey C --ike").
#   charon-reauth  the seed's ipsec.conf leaves reauth=yes, and strongSwan
#                  5.9.8 defaults to make_before_break=no: at ikelifetime -
#                  margintime charon DELETEs the IKE SA (and its CHILD SA)
#                  and builds new ones with IKE_SA_INIT/IKE_AUTH. Both ends
#                  "route" as in the lab; checked: the tunnel is back
#                  within 15 s with one IKE and one CHILD SA each side (the
#                  loss is printed, not bounded: it is charon's design).
. "$(dirname "$0")/lib.sh"

LOSS_MAX=2

vtid_ike_serial() {
	ctl status 2>/dev/null | sed -n 's/^ *C\[\([0-9]*\)\]: ESTABLISHED.*/\1/p' | tr '\n' ' ' | sed 's/ $//'
}
charon_ike_serial() {
	cipsec status 2>/dev/null | sed -n 's/^ *V\[\([0-9]*\)\]: ESTABLISHED.*/\1/p' | tr '\n' ' ' | sed 's/ $//'
}
# ike_rekeyed OLD-V OLD-C: exactly one IKE SA each side, both new.
ike_rekeyed() {
	local v c
	v=$(vtid_ike_serial) c=$(charon_ike_serial)
	[ -n "$v" ] && [ -n "$c" ] && [ "$v" != "$1" ] && [ "$c" != "$2" ] &&
	    [ "$(echo "$v" | wc -w)" = 1 ] && [ "$(echo "$c" | wc -w)" = 1 ]
}
loss_check() {	# loss_check NAME MAX
	local sent rcvd
	read -r sent rcvd < <(ping_bg_stop "$1")
	[ -n "$sent" ] || fail "no ping summary: $(tail -n 3 "$W/$1.ping")"
	[ $((sent - rcvd)) -le "$2" ] ||
		fail "lost $((sent - rcvd)) of $sent pings (max $2)"
	ok "traffic: $rcvd/$sent pings, $((sent - rcvd)) lost"
}
# after_rekey WHAT OLD-V OLD-C VI VO: the checks after an IKE rekey.
after_rekey() {
	local what=$1 ov=$2 oc=$3 vi=$4 vo=$5 t0=$6 l
	wait_for 30 "$what: one new IKE SA on both sides (vtid C[$ov], charon V[$oc] before)" ike_rekeyed "$ov" "$oc"
	ok "$what: vtid C[$ov] -> C[$(vtid_ike_serial)], charon V[$oc] -> V[$(charon_ike_serial)] in $(elapsed "$t0") s"
	check_spis
	[ "$VI $VO" = "$vi $vo" ] || fail "the CHILD SA changed: ${vi}_i ${vo}_o -> ${VI}_i ${VO}_o"
	ok "CHILD SA ${VI}_i ${VO}_o kept across the IKE rekey"
	l=$(charon_log 'IKE_SA V\[[0-9]+\] rekeyed|rekeying IKE_SA|CREATE_CHILD_SA (request|response) .*\[ (SA No KE|N\()')
	[ -n "$l" ] && note "charon: ${l#*] }"
	true
}
# deleted_through_new_sa: vtid SIGTERM, charon gets the DELETE.
deleted_through_new_sa() {
	local c
	c=$(charon_ike_serial)
	vtid_stop
	wait_for 10 "charon removes its SAs after vtid's DELETE on the new IKE SA" is_eq "xfrm_count io-c state" 0
	ok "the new IKE SA works: vtid's DELETE reached charon: $(charon_log "received DELETE for IKE_SA V\[$c\]" | sed 's/.*\] //')"
}

up() {	# up [vtid_conf ARGS...]
	charon_conf auto=add
	charon_vti
	charon_start
	vtid_conf start=start "$@"
	vtid_start
	wait_up 30
	check_spis
	ping_through io-v-priv "$C_IN6"
}

charon_rekeys() {
	local ov oc t0
	up
	ov=$(vtid_ike_serial) oc=$(charon_ike_serial)
	ping_bg rk io-v-priv "$C_IN6"
	t0=$(now)
	crekey ike > /dev/null
	after_rekey "charon's IKE rekey" "$ov" "$oc" "$VI" "$VO" "$t0"
	loss_check rk $LOSS_MAX
	deleted_through_new_sa
}

vtid_rekeys() {
	local ov oc t0 how
	up ike_life="rekey_time = 20; jitter = 0; margin = 10;"
	ov=$(vtid_ike_serial) oc=$(charon_ike_serial)
	ping_bg rk io-v-priv "$C_IN6"
	t0=$(now)
	if ctl rekey C --ike > "$W/rekey.out" 2>&1; then
		how="vtictl rekey C --ike"
	else
		how="ike.rekey_time 20 s ('vtictl rekey C --ike': $(head -1 "$W/rekey.out"))"
	fi
	after_rekey "vtid's IKE rekey ($how)" "$ov" "$oc" "$VI" "$VO" "$t0"
	loss_check rk $LOSS_MAX
	deleted_through_new_sa
}

two_sas() {
	[ "$(xfrm_count io-v state)" = 2 ] && [ "$(xfrm_count io-c state)" = 2 ]
}
reauth_started() {
	[ "$(charon_count 'initiating IKE_SA V\[[0-9]+\] to')" -ge 2 ]
}
charon_reauth() {
	local ov oc t0 sent rcvd
	charon_conf auto=route ikelifetime=30s margintime=10s rekeyfuzz=0%
	charon_vti
	charon_start
	vtid_conf start=route
	vtid_start
	ip netns exec io-c-priv ping -c 6 -i 0.5 -W 1 "$V_IN6" > /dev/null 2>&1 || true
	wait_up 10
	check_spis
	ov=$(vtid_ike_serial) oc=$(charon_ike_serial)
	ok "up: charon V[$oc] initiator, vtid C[$ov]; reauth due 20 s after"
	ping_bg rk io-v-priv "$C_IN6"
	t0=$(now)
	wait_for 35 "charon reauthenticates (a second 'initiating IKE_SA')" reauth_started
	# charon deletes the old IKE SA first (break-before-make); vtid, a
	# route peer whose link went down, initiates at once too: a crossing,
	# whose duplicate goes only after the settle time (10 s) and a DELETE
	# exchange. 15 s was too tight under load (CI of b64561d: not one IKE
	# SA each within 15 s, the duplicate deleted just after).
	wait_for 30 "tunnel back after charon's reauthentication" ike_rekeyed "$ov" "$oc"
	# charon may leave the loser's DELETE unanswered, dropping that SA
	# and re-establishing: vtid removes the loser when the new SA is up
	# (CI of 08c2591: it lingered through its retransmissions, two CHILD
	# SA pairs for over 10 s).
	wait_for 15 "one CHILD SA pair in each kernel after the reauthentication" two_sas
	check_spis
	ok "reauth: vtid C[$ov] -> C[$(vtid_ike_serial)], charon V[$oc] -> V[$(charon_ike_serial)] in $(elapsed "$t0") s"
	read -r sent rcvd < <(ping_bg_stop rk)
	ok "traffic across the break-before-make reauthentication: $rcvd/$sent pings, $((sent - rcvd)) lost"
	l=$(charon_log 'reauthenticating IKE_SA')
	[ -n "$l" ] && note "charon: ${l#*] }"
	ping_all
}

phase charon-rekeys charon_rekeys
phase vtid-rekeys vtid_rekeys
phase charon-reauth charon_reauth
summary "IKE SA rekeys vtid <-> strongSwan, each side initiating, and charon's reauthentication"
