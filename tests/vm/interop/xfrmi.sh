#!/usr/bin/env bash
# vtid with an XFRM interface (interface = { type = "xfrm"; }) against
# strongSwan's charon 5.9.8: charon on an XFRM interface too (ipsec.conf
# if_id_in/if_id_out, no mark), then charon on the seed's marked VTI. The
# device type is local to each end; on the wire nothing changes.
#
#   io-v-priv: xfrm7 (if_id 7) 2001:db8:ff::/127 169.254.1.0/31   (vtid's)
#   io-v:      vtid, peer C          2001:db8:1::1 ---+
#                                                      | veth, ESP
#   io-c:      starter+charon, conn V 2001:db8:1::2 ---+
#   io-c-priv: xfrm7 (if_id 7) or vti7 (mark 7), ::1/127 .1.1/31 (made here)
#
# Phases, each checking SPIs, traffic both ways (IPv6 and IPv4 inside)
# and how each kernel keys the SAs:
#   xfrm-vtid-initiates  both XFRM interfaces; vtid start, charon auto=add.
#   xfrm-charon-route    both XFRM interfaces; charon auto=route with
#                        if_id: a ping from charon's side brings it up.
#   xfrm-vs-vti-route    vtid's XFRM interface, charon's marked vti7; vtid
#                        start=route: a ping into xfrm7 (ACQUIRE with
#                        if_id 7) brings it up.
. "$(dirname "$0")/lib.sh"

# charon_xfrmi: charon's XFRM interface xfrm7 (if_id 7), made in io-c
# and moved to io-c-priv like the VTI of charon_vti.
charon_xfrmi() {
	ip -n io-c link add xfrm$MARK type xfrm if_id $MARK
	ip -n io-c link set xfrm$MARK netns io-c-priv
	ip -n io-c-priv link set xfrm$MARK mtu 1500 up
	ip -n io-c-priv addr add "$C_IN6/127" dev xfrm$MARK nodad
	ip -n io-c-priv addr add "$C_IN4/31" dev xfrm$MARK
}

# keyed NS WHAT: every ESP SA of NS shows WHAT ("if_id 0x7" or
# "mark 0x7/0xffffffff"); prints the count.
keyed() {
	local s n k
	s=$(ip -n "$1" xfrm state)
	n=$(grep -c '^src' <<<"$s")
	k=$(grep -c "$2" <<<"$s")
	[ "$n" -ge 2 ] && [ "$n" = "$k" ] || fail "$1: $n SAs, $k with $2"
	echo "$n"
}

check_tunnel() {	# check_tunnel V-KEY C-KEY
	check_spis
	ping_all
	ok "kernel: io-v $(keyed io-v "$1") SAs with $1, io-c $(keyed io-c "$2") SAs with $2"
}

xfrm_vtid_initiates() {
	local t0
	charon_conf auto=add mark= if_id_in=$MARK if_id_out=$MARK
	charon_xfrmi
	charon_start
	vtid_conf start=start iface=xfrm
	t0=$(now)
	vtid_start
	wait_up 60
	ok "tunnel up in $(elapsed "$t0") s (vtid initiated)"
	ip -n io-v-priv -d link show xfrm$MARK | grep -q "xfrm if_id 0x$MARK" ||
		fail "vtid's xfrm$MARK: $(ip -n io-v-priv -d link show xfrm$MARK 2>&1)"
	check_tunnel "if_id 0x$MARK" "if_id 0x$MARK"
	vtid_stop
	wait_for 15 "charon removes its CHILD SA on vtid's DELETE" is_eq charon_children 0
	ok "vtid stopped: charon followed its DELETE"
}

xfrm_charon_route() {
	local t0
	charon_conf auto=route mark= if_id_in=$MARK if_id_out=$MARK
	charon_xfrmi
	vtid_conf start=add iface=xfrm
	vtid_start
	charon_start
	t0=$(now)
	wait_for 30 "charon's trap policies with if_id" sh -c "ip -n io-c xfrm policy | grep -c 'if_id 0x$MARK' | grep -qv '^0$'"
	ip netns exec io-c-priv ping -c 1 -W 1 "$V_IN6" >/dev/null 2>&1 || true
	wait_up 60
	ok "tunnel up $(elapsed "$t0") s after charon's trap was hit from io-c-priv"
	check_tunnel "if_id 0x$MARK" "if_id 0x$MARK"
}

xfrm_vs_vti_route() {
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
	check_tunnel "if_id 0x$MARK" "mark 0x$MARK/0xffffffff"
}

phase xfrm-vtid-initiates xfrm_vtid_initiates
phase xfrm-charon-route xfrm_charon_route
phase xfrm-vs-vti-route xfrm_vs_vti_route
summary "vtid's XFRM interface against charon on an XFRM interface and on a VTI"
