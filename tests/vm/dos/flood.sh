#!/usr/bin/env bash
# 20,000 valid IKE_SA_INITs with distinct SPIs at 1,000/s forged from the
# configured peer's address, and the real peer (charon) initiating
# mid-flood. Aims: COOKIEs from the threshold on
# (dos.cookie_threshold_peer, 2: requests #1 and #2 answered, every later
# one with a COOKIE), resident growth <= 2 MB, vtid's CPU for the whole
# flood < 1 s (tests/packet/flood.sh checks that natively: 0.48 s). Under
# QEMU's TCG code runs 5-20x slower, and slower still when the host is
# busy (10.2 s measured in a CI run), so the bound there is
# VTID_FLOOD_CPU_MAX, 20 s, which still catches a key exchange per forged
# request (17.8 s natively before the COOKIEs, far above it in TCG), and
# charon, asked for a COOKIE as well, up within 2 s (under TCG, where one
# setup alone takes seconds: within 2 s of the same setup without the
# flood, measured first in the same boot).
#
#   io-v:  vtid (release build), peer C (add)  2001:db8:1::1 ---+ veth
#   io-c:  init_flood.py from [2001:db8:1::2]:501 ------------+
#          starter+charon, conn V (auto=add)   2001:db8:1::2:500
. "$(dirname "$0")/lib.sh"
N=${VTID_FLOOD_N:-20000} RATE=${VTID_FLOOD_RATE:-1000}
if [ "${VTID_VM_GUEST:-0}" = 1 ]; then
	CPU_MAX=${VTID_FLOOD_CPU_MAX:-20} WHERE="QEMU TCG"
else
	CPU_MAX=${VTID_FLOOD_CPU_MAX:-1} WHERE="this host's kernel"
fi
EST_MAX=2 RSS_MAX_KB=2048

flood() {
	local ke fpid c0 c1 r0 r1 t0 est base cpu growth out
	charon_conf auto=add
	charon_vti
	vtid_conf start=add
	vtid_start
	ke=$(ke_ecp384)
	# The same setup without a flood: what the aim is measured against.
	charon_start
	t0=$(date +%s.%N)
	cipsec up V > "$W/up0.out" 2>&1 || true
	base=$(seconds_since "$t0")
	both_up || fail "without a flood, charon's 'up V' gave no tunnel: $(tail -n 3 "$W/up0.out" | tr '\n' ' ')"
	cipsec down V > /dev/null 2>&1 || true
	sleep 2
	if [ "${VTID_VM_GUEST:-0}" = 1 ]; then
		EST_MAX=$(awk "BEGIN { printf \"%.2f\", $base + 2 }")
	fi
	ok "charon's setup without a flood: $base s; aim with the flood <= $EST_MAX s"
	c0=$(vtid_ticks) r0=$(vtid_rss)
	ip netns exec io-c python3 "$FLOOD" "$V_ADDR" "$C_ADDR" 501 "$N" "$RATE" \
	    "$ke" > "$W/flood.out" 2>&1 &
	fpid=$!
	sleep 2
	kill -0 "$fpid" 2>/dev/null || fail "the flood ended before charon initiated"
	t0=$(date +%s.%N)
	cipsec up V > "$W/up.out" 2>&1 || true
	est=$(seconds_since "$t0")
	both_up || fail "charon's 'up V' returned (after $est s), no tunnel: $(tail -n 3 "$W/up.out" | tr '\n' ' ')"
	kill -0 "$fpid" 2>/dev/null || fail "the flood ended before the tunnel was up: not mid-flood"
	ok "charon initiated mid-flood: tunnel up in $est s (aim <= $EST_MAX s)"
	wait "$fpid" || fail "init_flood.py: $(cat "$W/flood.out")"
	c1=$(vtid_ticks) r1=$(vtid_rss)
	out=$(cat "$W/flood.out")
	cpu=$(awk "BEGIN { printf \"%.2f\", ($c1 - $c0) / $(getconf CLK_TCK) }")
	growth=$((r1 - r0))
	ok "flood: $out"
	ok "figures ($WHERE): vtid CPU $cpu s for the flood and charon's tunnel (aim < $CPU_MAX s)," \
	    "resident $r0 -> $r1 KiB (+$growth, aim <= $RSS_MAX_KB), establish $est s," \
	    "COOKIEs sent $(metric vtid_ike_cookies_sent_total)," \
	    "valid back $(metric 'vtid_ike_cookies_received_total{result="valid"}')," \
	    "half-open $(metric vtid_ike_half_open), vtid log $(wc -l < "$W/vtid.log") lines"
	grep -q "SA answers for requests #1,2; first COOKIE for request #3" <<< "$out" ||
		fail "not COOKIEs from the third forged request on (threshold 2)"
	[ "$(metric 'vtid_ike_cookies_received_total{result="valid"}')" -ge 1 ] ||
		fail "charon did not come through a COOKIE"
	awk "BEGIN { exit !($est <= $EST_MAX) }" || fail "tunnel up in $est s"
	awk "BEGIN { exit !($cpu < $CPU_MAX) }" || fail "vtid used $cpu s of CPU"
	[ "$growth" -le "$RSS_MAX_KB" ] || fail "resident grew by $growth KiB"
	check_spis
	ping_all
}

phase flood flood
summary "forged IKE_SA_INIT flood"
