#!/usr/bin/env bash
# A peer that negotiates one family only: strongSwan with leftsubnet/
# rightsubnet ::/0 (as a Juniper SRX may do on an IPv6 gateway, one family
# per CHILD SA unless told otherwise) against vtid's ::/0 + 0.0.0.0/0.
# vtid must install an IPv6-only tunnel that carries IPv6, and must not
# send IPv4 into that CHILD SA: the peer's selectors do not cover it and
# it drops it (RFC 4301 5.2; charon's kernel counts XfrmInNoPols).
#
#   io-v-priv: vti7 2001:db8:ff::/127 169.254.1.0/31
#   io-v:      vtid, peer C (::/0 + 0.0.0.0/0)  2001:db8:1::1 --+
#                                                                 | veth, ESP mark 7
#   io-c:      charon, conn V (::/0 only)       2001:db8:1::2 --+
#   io-c-priv: vti7 2001:db8:ff::1/127 169.254.1.1/31
#
# Phases:
#   charon-narrows  vtid start proposes both, charon auto=add answers
#                   ::/0 === ::/0 (narrowing, RFC 7296 2.9).
#   charon-proposes charon auto=start proposes ::/0 only, vtid (add)
#                   answers what it was offered.
. "$(dirname "$0")/lib.sh"

# vtid_out_packets: packets of vtid's outbound ESP SA (vtictl status).
vtid_out_packets() {
	ctl status | sed -n 's/.*, out [0-9]* bytes \([0-9]*\) packets.*/\1/p' | head -1
}

v6_only() {
	local out p0 p1 s0 s1 l
	l=$(charon_log 'CHILD_SA V\{[0-9]+\} established')
	ok "charon: ${l#*] }"
	check_spis
	ctl status | grep -c >/dev/null '::/0 === ::/0,' ||
		fail "vtid's CHILD SA is not ::/0 === ::/0 alone: $(ctl status | grep -F '===')"
	ok "vtid: $(ctl status | grep -F '===' | sed 's/^ *//; s/, in .*//')"
	ping_through io-v-priv "$C_IN6"
	ping_through io-c-priv "$V_IN6"
	ok "IPv6 inner flows both ways"
	p0=$(vtid_out_packets)
	s0=$(ip netns exec io-c cat /proc/net/xfrm_stat)
	out=$(ip netns exec io-v-priv ping -c 3 -i 0.2 -W 1 "$C_IN4" 2>&1 || true)
	p1=$(vtid_out_packets)
	s1=$(ip netns exec io-c cat /proc/net/xfrm_stat)
	echo "$out" | grep -c >/dev/null ' 0 received' ||
		fail "IPv4 went through an IPv6-only CHILD SA: $(echo "$out" | grep transmitted)"
	note "vtid's IPv4 policies with an IPv6-only CHILD SA: $(ip -n io-v xfrm policy | grep -A2 'src 0.0.0.0/0 dst 0.0.0.0/0' | grep -c 'dir ') (dir out/in/fwd)"
	[ "$p1" = "$p0" ] ||
		fail "vtid encrypted IPv4 into the ::/0-only CHILD SA: its outbound SA went from $p0 to $p1 packets on 3 IPv4 pings; charon's kernel: $(diff <(echo "$s0") <(echo "$s1") | sed -n 's/^> //p' | tr -s ' \t' ' ' | tr '\n' ';')"
	ok "IPv4 inner is not carried: vtid's outbound SA stayed at $p0 packets"
}

charon_narrows() {
	charon_conf auto=add leftsubnet=::/0 rightsubnet=::/0
	charon_vti
	charon_start
	vtid_conf start=start
	vtid_start
	wait_up 30
	v6_only
}

charon_proposes() {
	vtid_conf start=add
	vtid_start
	charon_conf auto=start leftsubnet=::/0 rightsubnet=::/0
	charon_vti
	charon_start
	wait_up 30
	v6_only
}

phase charon-narrows charon_narrows
phase charon-proposes charon_proposes
summary "a peer negotiating ::/0 only: IPv6 carried, IPv4 kept out of the SA"
