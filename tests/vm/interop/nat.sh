#!/usr/bin/env bash
# vtid behind a NAT against strongSwan: a masquerading router between
# them (port 500 and 4500 forwarded to vtid, so that charon can initiate
# too). Each side initiating: NAT detected, ESP in UDP both ways, pings
# through the VTIs, then a CHILD SA rekey and an IKE SA rekey by charon
# under 200 packets/s with no packet lost.
#
#   io-v-priv     io-v              io-n (nft masquerade, DNAT 500/4500)     io-c        io-c-priv
#   vti7 -- 10.0.0.1 (vtid "C") --- 10.0.0.254 | 198.51.100.254 --- 198.51.100.2 (charon "V") -- vti7
. "$(dirname "$0")/lib.sh"

NS+=(io-n)
NAT_PUB=198.51.100.254 V_PRIV=10.0.0.1

# The lib's veth between io-v and io-c, replaced by two through io-n.
setup_nat() {
	use_family 4
	setup_net
	netns_fresh io-n
	ip -n io-v link del veth-v
	ip link add veth-v netns io-v type veth peer name n0 netns io-n
	ip link add n1 netns io-n type veth peer name veth-c netns io-c
	ip -n io-v addr add "$V_PRIV/24" dev veth-v
	ip -n io-n addr add 10.0.0.254/24 dev n0
	ip -n io-n addr add "$NAT_PUB/24" dev n1
	ip -n io-c addr add 198.51.100.2/24 dev veth-c
	ip -n io-v link set veth-v up
	ip -n io-n link set n0 up
	ip -n io-n link set n1 up
	ip -n io-c link set veth-c up
	ip -n io-v route add default via 10.0.0.254
	ip netns exec io-n sysctl -qw net.ipv4.ip_forward=1
	ip netns exec io-n nft -f - <<-EOF
	table ip nat {
		chain pre {
			type nat hook prerouting priority dstnat;
			iifname "n1" udp dport { 500, 4500 } dnat to $V_PRIV
		}
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "n1" masquerade
		}
	}
	EOF
	C_ADDR=198.51.100.2
}
# charon sees vtid at the NAT's public address; vtid has its own.
charon_side() { local V_ADDR=$NAT_PUB; "$@"; }
vtid_side() { local V_ADDR=$V_PRIV; "$@"; }

# charon finds the PSK by vtid's identity, its own address behind the NAT.
nat_secret() { echo "$V_PRIV : PSK \"$PSK\"" >> "$W/ipsec.secrets"; }

check_natt() {
	ctl list | grep -q "ESP in UDP $V_PRIV:4500 -> $C_ADDR:4500, NAT in front of us" ||
		fail "vtid's list: $(ctl list | grep -A1 'IKE SA \[')"
	[ "$(ip -n io-v xfrm state | grep -c 'encap type espinudp sport 4500 dport 4500')" = 2 ] ||
		fail "vtid's SAs are not ESP in UDP 4500-4500: $(ip -n io-v xfrm state | grep encap)"
	[ "$(ip -n io-c xfrm state | grep -c 'encap type espinudp')" = 2 ] ||
		fail "charon's SAs are not ESP in UDP: $(ip -n io-c xfrm state | grep encap)"
	ok "ESP in UDP on both sides: vtid 4500 -> 4500 (NAT in front of it), charon $(ip -n io-c xfrm state | grep -m1 -o 'encap type espinudp sport [0-9]* dport [0-9]*')"
}

# rekeys_under_load: charon rekeys the CHILD SA, then the IKE SA, while
# vtid's side sends 200 pings a second; every one answered.
rekeys_under_load() {
	local sent recv
	ip netns exec io-v-priv ping -D -i 0.005 -c 1600 -W 5 "$C_IN4" > "$W/load.out" 2>&1 &
	local pp=$!
	sleep 2
	crekey child > /dev/null || fail "charon's CHILD SA rekey"
	sleep 2.5
	crekey ike > /dev/null || fail "charon's IKE SA rekey"
	wait "$pp" || true
	sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$W/load.out")
	recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$W/load.out")
	grep -q 'CHILD SA rekeyed by peer' "$W/vtid.log" || fail "no CHILD SA rekey by charon in vtid's log"
	grep -q 'IKE SA rekeyed by peer' "$W/vtid.log" || fail "no IKE SA rekey by charon in vtid's log"
	[ "$sent" = "$recv" ] || fail "rekeys through the NAT: $recv of $sent answered"
	ok "charon rekeyed the CHILD SA, then the IKE SA, under 200 packets/s through the NAT: $recv/$sent answered"
}

vtid_behind_nat_initiates() {
	setup_nat
	charon_side charon_vti
	charon_side charon_conf auto=add rightid=$V_PRIV
	nat_secret
	charon_start
	vtid_side vtid_conf start=start
	local t0
	t0=$(now)
	vtid_side vtid_start
	wait_up 40
	ok "vtid initiating from behind the NAT: up in $(elapsed "$t0") s"
	check_spis
	check_natt
	ping_all
	rekeys_under_load
}

charon_initiates_through_nat() {
	setup_nat
	charon_side charon_vti
	vtid_side vtid_conf start=add
	vtid_side vtid_start
	charon_side charon_conf auto=start rightid=$V_PRIV
	nat_secret
	local t0
	t0=$(now)
	charon_start
	wait_up 40
	ok "charon initiating to vtid behind the NAT (DNAT 500/4500): up in $(elapsed "$t0") s"
	check_spis
	check_natt
	ping_all
}

phase vtid-behind-nat vtid_behind_nat_initiates
phase charon-through-nat charon_initiates_through_nat
summary "vtid behind a NAT <-> strongSwan: each side initiating, ESP in UDP, rekeys under load"
