#!/usr/bin/env bash
# charon as initiator against vtid's COOKIEs (RFC 7296 2.6): with
# dos.cookie_threshold 0 every IKE_SA_INIT must bring a COOKIE back first;
# charon retries with it and the tunnel comes up. Then across a
# secret rotation: cookie_rotate 1 s and charon's packets to vtid delayed
# 1.2 s (netem), so every COOKIE comes back after the secret that made it
# was replaced: accepted as the previous one.
#
#   io-v:  vtid, peer C (add), dos = { cookie_threshold = 0; ... }
#   io-c:  starter+charon, conn V (auto=add, "ipsec up V"); netem on veth-c
. "$(dirname "$0")/lib.sh"
DOS0='cookie_threshold = 0; cookie_threshold_peer = 0;'

always() {
	local t0
	charon_conf auto=add
	charon_vti
	vtid_conf start=add top="dos = { $DOS0 };"
	vtid_start
	charon_start
	t0=$(date +%s.%N)
	cipsec up V > "$W/up.out" 2>&1 || true
	wait_up 10
	ok "tunnel up through a COOKIE in $(seconds_since "$t0") s; vtid: COOKIEs sent $(metric vtid_ike_cookies_sent_total)," \
	    "valid back $(metric 'vtid_ike_cookies_received_total{result="valid"}'), half-open $(metric vtid_ike_half_open)"
	[ "$(metric vtid_ike_cookies_sent_total)" -ge 1 ] || fail "no COOKIE sent"
	[ "$(metric 'vtid_ike_cookies_received_total{result="valid"}')" -ge 1 ] || fail "no valid COOKIE came back"
	[ "$(metric vtid_ike_half_open)" = 0 ] || fail "half-open SAs left"
	note "charon's log: $(charon_log 'COOKIE' | cut -c1-120)"
	check_spis
	ping_all
}

rotation() {
	local t0 prev
	charon_conf auto=add
	charon_vti
	vtid_conf start=add top="dos = { $DOS0 cookie_rotate = 1; };"
	vtid_start
	charon_start
	ip netns exec io-c tc qdisc add dev veth-c root netem delay 1200ms ||
		fail "netem (sch_netem) unavailable"
	t0=$(date +%s.%N)
	cipsec up V > "$W/up.out" 2>&1 || true
	wait_up 20
	prev=$(metric 'vtid_ike_cookies_received_total{result="valid_previous"}')
	ok "tunnel up across rotations in $(seconds_since "$t0") s; vtid: COOKIEs sent $(metric vtid_ike_cookies_sent_total)," \
	    "valid back with the previous secret $prev, with the current one" \
	    "$(metric 'vtid_ike_cookies_received_total{result="valid"}'), invalid" \
	    "$(metric 'vtid_ike_cookies_received_total{result="invalid"}'), rotations $(metric vtid_ike_cookie_rotations_total)"
	[ "$prev" -ge 1 ] || fail "no COOKIE of the previous secret accepted"
	ip netns exec io-c tc qdisc del dev veth-c root
	check_spis
	ping_all
}

phase cookie-always always
phase cookie-rotation rotation
summary "COOKIEs against charon"
