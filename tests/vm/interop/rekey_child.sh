#!/usr/bin/env bash
# CHILD SA rekeys between vtid and strongSwan, initiated by each side, with
# the seed's suite: ESP aes256gcm16 with PFS ecp384 (a KE payload in every
# CREATE_CHILD_SA, as the SRX's "perfect-forward-secrecy keys group20"
# wants), while a ping runs through the tunnel every 0.1 s. After each
# rekey: new SPIs, the same on both sides, the old SAs
# gone from both kernels, one CHILD SA each side, and the loss counted.
#
#   io-v-priv: vti7 2001:db8:ff::/127   (ping source, 10/s)
#   io-v:      vtid, peer C     2001:db8:1::1 --+
#                                                | veth, ESP mark 7
#   io-c:      charon, conn V   2001:db8:1::2 --+
#   io-c-priv: vti7 2001:db8:ff::1/127 (ping target)
#
# Phases:
#   charon-rekeys  vtid start / charon auto=add; "swanctl --rekey --child V" twice
#                  (charon sends CREATE_CHILD_SA {N(REKEY_SA), SA, Ni, KE,
#                  TSi, TSr}, then DELETEs the old CHILD SA).
#   vtid-rekeys    vtid start with esp rekey_time 20 s (or "vtictl rekey
#                  C" when vtid has it) / charon auto=add: vtid's
#                  CREATE_CHILD_SA must carry KE ecp384, or charon answers
#                  NO_PROPOSAL_CHOSEN ("esp=...-ecp384!" is strict).
#   charon-lifetime charon with lifetime=30s margintime=10s rekeyfuzz=0%:
#                  charon rekeys by itself at 20 s, as in production.
#
# Allowed loss: 2 pings of each rekey (TCG is slow; make-before-break on
# both sides should lose none).
. "$(dirname "$0")/lib.sh"

LOSS_MAX=2

# rekey_wait WHAT SECONDS OLD-IN OLD-OUT: new SPIs on both sides, old gone.
rekey_wait() {
	local what=$1 secs=$2 oi=$3 oo=$4 t0
	t0=$(now)
	wait_for "$secs" "$what: new CHILD SA on both sides" new_spis "$oi" "$oo"
	wait_for 10 "$what: old SAs ${oi}_i ${oo}_o gone from both kernels" old_gone "$oi" "$oo"
	wait_for 5 "$what: one CHILD SA each side" one_each
	check_spis
	ok "$what: ${oi}_i ${oo}_o -> ${VI}_i ${VO}_o in $(elapsed "$t0") s, old SAs gone"
}
new_spis() {
	local v c
	v=$(vtid_spis) c=$(charon_spis)
	[ -n "$v" ] && [ -n "$c" ] && ! echo "$v $c" | grep -cE >/dev/null "$1|$2"
}
old_gone() {
	! ip -n io-v xfrm state | grep -cE >/dev/null "spi 0x($1|$2)" &&
	    ! ip -n io-c xfrm state | grep -cE >/dev/null "spi 0x($1|$2)"
}
one_each() {
	[ "$(vtid_children)" = 1 ] && [ "$(charon_children)" = 1 ] &&
	    [ "$(xfrm_count io-v state)" = 2 ] && [ "$(xfrm_count io-c state)" = 2 ]
}
# loss_check NAME: stop the background ping, check and print the loss.
loss_check() {
	local sent rcvd
	read -r sent rcvd < <(ping_bg_stop "$1")
	[ -n "$sent" ] || fail "no ping summary: $(tail -n 3 "$W/$1.ping")"
	[ $((sent - rcvd)) -le $LOSS_MAX ] ||
		fail "lost $((sent - rcvd)) of $sent pings across the rekey(s) (max $LOSS_MAX)"
	ok "traffic across the rekey(s): $rcvd/$sent pings, $((sent - rcvd)) lost"
}
pfs_note() {
	local l
	l=$(charon_log 'generating CREATE_CHILD_SA (request|response)')
	[ -n "$l" ] && note "charon: ${l#*] }"
	l=$(charon_log 'parsed CREATE_CHILD_SA (request|response)')
	[ -n "$l" ] && note "charon: ${l#*] }"
	true
}
# pfs_check: the rekeyed CHILD SA used the DH group (charon shows it).
pfs_check() {
	cipsec statusall | grep -c >/dev/null 'V{[0-9]*}: *AES_GCM_16_256/ECP_384,' ||
		fail "the rekeyed CHILD SA did not use PFS ECP_384: $(charon_algs)"
	ok "PFS: charon shows the rekeyed CHILD SA as $(charon_algs | sed 's/.*ESP //')"
}

up() {	# up [vtid_conf ARGS...]: vtid start, charon auto=add, tunnel up
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
	local i l
	up
	ping_bg rk io-v-priv "$C_IN6"
	for i in 1 2; do
		crekey child > /dev/null
		rekey_wait "charon's CHILD rekey $i" 20 "$VI" "$VO"
		ping_through io-c-priv "$V_IN4" 2
	done
	loss_check rk
	pfs_note
	pfs_check
}

vtid_rekeys() {
	local how l
	up esp_life="rekey_time = 20; jitter = 0; margin = 10;"
	ping_bg rk io-v-priv "$C_IN6"
	if ctl rekey C > "$W/rekey.out" 2>&1; then
		how="vtictl rekey C"
	else
		how="esp.rekey_time 20 s ('vtictl rekey C': $(head -1 "$W/rekey.out"))"
	fi
	rekey_wait "vtid's CHILD rekey ($how)" 35 "$VI" "$VO"
	loss_check rk
	pfs_note
	pfs_check
}

charon_lifetime() {
	charon_conf auto=add lifetime=30s margintime=10s rekeyfuzz=0%
	charon_vti
	charon_start
	vtid_conf start=start
	vtid_start
	wait_up 30
	check_spis
	ping_bg rk io-v-priv "$C_IN6"
	rekey_wait "charon's CHILD rekey at lifetime - margintime (20 s)" 35 "$VI" "$VO"
	loss_check rk
	pfs_note
	pfs_check
}

phase charon-rekeys charon_rekeys
phase vtid-rekeys vtid_rekeys
phase charon-lifetime charon_lifetime
summary "CHILD SA rekeys vtid <-> strongSwan, each side initiating, PFS ecp384"
