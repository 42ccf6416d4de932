#!/usr/bin/env bash
# vtid with an XFRM interface (interface = { type = "xfrm"; }) against
# strongSwan's charon 5.9.8 on the seed's marked VTI. The device type is
# local to each end: on the wire nothing changes, vtid's SAs and policies
# carry if_id 7, charon's mark 7.
#
#   io-v-priv: xfrm7 (if_id 7) 2001:db8:ff::/127 169.254.1.0/31   (vtid's)
#   io-v:      vtid, peer C          2001:db8:1::1 ---+
#                                                      | veth, ESP
#   io-c:      starter+charon, conn V 2001:db8:1::2 ---+
#   io-c-priv: vti7 (mark 7) 2001:db8:ff::1/127 169.254.1.1/31 (made here)
#
# Phases, each checking SPIs, traffic both ways (IPv6 and IPv4 inside)
# and that every SA and policy of vtid's has if_id 7 and no mark:
#   xfrm-vtid-initiates  vtid start, charon auto=add; vtid's SIGTERM
#                        (DELETE) clears charon's side.
#   xfrm-charon-route    charon auto=route: a ping from charon's side
#                        brings the tunnel up.
#   xfrm-vtid-route      vtid start=route: a ping into xfrm7 (an ACQUIRE
#                        with if_id 7) brings it up.
#
# Not here: charon on an XFRM interface. 5.9.8's starter has no
# if_id_in/if_id_out ("unknown keyword 'if_id_in'", only swanctl.conf
# has them), and these tests drive charon with the seed's ipsec.conf.
. "$(dirname "$0")/lib.sh"

# vtid_keyed: every ESP SA and every policy of io-v carries if_id 7 and
# none a mark; prints "SAS POLICIES", or returns 1.
vtid_keyed() {
	local s p ns np
	s=$(ip -n io-v xfrm state)
	p=$(ip -n io-v xfrm policy)
	ns=$(grep -c '^src' <<<"$s")
	np=$(grep -cE '^\s+dir (in|out|fwd)' <<<"$p")
	echo "$ns $np"
	[ "$ns" -ge 2 ] && [ "$np" = 6 ] &&
	    [ "$(cat <<<"$s$p" | grep -c "if_id 0x$MARK")" = $((ns + np)) ] &&
	    [ "$(cat <<<"$s$p" | grep -c 'mark ')" = 0 ]
}

check_tunnel() {
	local n
	check_spis
	ping_all
	n=$(vtid_keyed) || fail "io-v: $n SAs and policies, not all with if_id $MARK and no mark: $(ip -n io-v xfrm state | grep -E 'mark|if_id' | sort | uniq -c | tr '\n' ' ')"
	ok "io-v: ${n% *} SAs and ${n#* } policies, all with if_id 0x$MARK and no mark; io-c: $(ip -n io-c xfrm state | grep -c "mark 0x$MARK/") of $(xfrm_count io-c state) SAs marked $MARK"
}

xfrm_vtid_initiates() {
	local t0
	charon_conf auto=add
	charon_vti
	charon_start
	vtid_conf start=start iface=xfrm
	t0=$(now)
	vtid_start
	wait_up 60
	ok "tunnel up in $(elapsed "$t0") s (vtid initiated)"
	ip -n io-v-priv -d link show xfrm$MARK | grep -q "xfrm if_id 0x$MARK" ||
		fail "vtid's xfrm$MARK: $(ip -n io-v-priv -d link show xfrm$MARK 2>&1)"
	check_tunnel
	vtid_stop
	wait_for 15 "charon removes its CHILD SA on vtid's DELETE" is_eq charon_children 0
	ip -n io-v-priv link show xfrm$MARK >/dev/null 2>&1 && fail "vtid left xfrm$MARK"
	ok "vtid stopped: xfrm$MARK removed, charon followed its DELETE"
}

xfrm_charon_route() {
	local t0
	charon_conf auto=route
	charon_vti
	vtid_conf start=add iface=xfrm
	vtid_start
	charon_start
	t0=$(now)
	ip netns exec io-c-priv ping -c 1 -W 1 "$V_IN6" >/dev/null 2>&1 || true
	wait_up 60
	ok "tunnel up $(elapsed "$t0") s after charon's trap was hit from io-c-priv"
	check_tunnel
}

xfrm_vtid_route() {
	local t0
	charon_conf auto=add
	charon_vti
	charon_start
	vtid_conf start=route iface=xfrm
	vtid_start
	wait_for 20 "vtid's trap policies with if_id $MARK" sh -c "[ \$(ip -n io-v xfrm policy | grep -c 'if_id 0x$MARK') = 6 ]"
	t0=$(now)
	ip netns exec io-v-priv ping -c 1 -W 1 "$C_IN6" >/dev/null 2>&1 || true
	wait_up 60
	grep -q 'traffic for the tunnel (kernel ACQUIRE)' "$W/vtid.log" ||
		fail "vtid did not negotiate on the ACQUIRE"
	ok "tunnel up $(elapsed "$t0") s after a ping into xfrm$MARK (ACQUIRE with if_id $MARK)"
	check_tunnel
}

phase xfrm-vtid-initiates xfrm_vtid_initiates
phase xfrm-charon-route xfrm_charon_route
phase xfrm-vtid-route xfrm_vtid_route
summary "vtid's XFRM interface against charon on its VTI"
