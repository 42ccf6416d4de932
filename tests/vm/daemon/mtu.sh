#!/usr/bin/env bash
# vti.mtu = "auto": each VTI's MTU is the largest inner packet its ESP SA
# carries over a 1500-byte path, for each suite and outer family. Eight
# tunnels between two vtids (one per suite and family, each on its own
# address pair: the kernel allows one VTI per pair):
#
#   the MTU vtid set equals the one worked out here from the RFC 4303
#   layout, and vtictl list shows it with its parts;
#   a ping of exactly that size with DF crosses the tunnel: no outer
#   fragment, no ICMP "fragmentation needed"/"packet too big" (no PMTU
#   round trip);
#   the kernel agrees: with the VTI's MTU raised by hand, a larger ping
#   is refused by the SA's own MTU, and the kernel names the same value.
. "$(dirname "$0")/lib.sh"

setup_pair
# name mark outer-a outer-b esp-suite expected-mtu
TUNNELS=(
	"g6 11 2001:db8:1::1 2001:db8:1::2 aes256gcm16 1426"
	"c6 12 2001:db8:1::3 2001:db8:1::4 aes128-sha256 1406"
	"d6 13 2001:db8:1::5 2001:db8:1::6 aes256-sha384 1406"
	"e6 14 2001:db8:1::7 2001:db8:1::8 aes256-sha512 1390"
	"g4 15 192.0.2.1 192.0.2.2 aes128gcm16 1446"
	"c4 16 192.0.2.3 192.0.2.4 aes256-sha256 1438"
	"d4 17 192.0.2.5 192.0.2.6 aes128-sha384 1422"
	"e4 18 192.0.2.7 192.0.2.8 aes256-sha512 1422"
)
for n in 3 5 7; do
	ip -n vt-a addr add 2001:db8:1::$n/64 dev veth-a nodad
	ip -n vt-b addr add 2001:db8:1::$((n + 1))/64 dev veth-b nodad
	ip -n vt-a addr add 192.0.2.$n/24 dev veth-a
	ip -n vt-b addr add 192.0.2.$((n + 1))/24 dev veth-b
done
ip -n vt-a link set veth-a mtu 1500
ip -n vt-b link set veth-b mtu 1500

peers_a=() peers_b=()
for t in "${TUNNELS[@]}"; do
	read -r name mark la lb esp _ <<< "$t"
	common="mark = $mark; psk = \"$PSK\";
	    ike = { proposals = \"aes128gcm16-prfsha256-x25519!\"; };
	    esp = { proposals = \"$esp!\"; };"
	peers_a+=("{ name = \"$name\"; local = \"$la\"; remote = \"$lb\"; start = \"start\"; $common
	    vti = { name = \"mt$mark\"; netns = \"vt-a-priv\"; mtu = \"auto\"; addresses = [ \"10.9.$mark.1/30\" ]; }; }")
	peers_b+=("{ name = \"$name\"; local = \"$lb\"; remote = \"$la\"; start = \"add\"; $common
	    vti = { name = \"mt$mark\"; netns = \"vt-b-priv\"; mtu = \"auto\"; addresses = [ \"10.9.$mark.2/30\" ]; }; }")
done
globals="log_level = \"debug\";
retransmit = { timeout = 2.0; base = 1.8; tries = 4; };"
conf_write "$W/a.conf" "control_socket = \"$W/a.conf.sock\";
$globals" "${peers_a[@]}"
conf_write "$W/b.conf" "control_socket = \"$W/b.conf.sock\";
$globals" "${peers_b[@]}"
start b
wait_for 40 "b started" grep -q 'vtid started' "$W/b.log"
start a
wait_for 90 "8 tunnels up" sh -c "[ \$(ip netns exec vt-a '$VTICTL' -s '$W/a.conf.sock' status | grep -c INSTALLED) = 8 ]"
ok "8 tunnels up"

# nstat-like counters of a namespace: NAME VALUE
snmp() { ip netns exec "$1" cat /proc/net/snmp /proc/net/snmp6 | awk '
	/^[A-Za-z]+: / { if (hdr[$1] == "") { hdr[$1] = $0; next }
		n = split(hdr[$1], h, " "); for (i = 2; i <= n; i++) print substr($1, 1, length($1) - 1) h[i], $i; next }
	NF == 2 { print $1, $2 }'; }
counter() { snmp "$1" | awk -v k="$2" '$1 == k { print $2 }'; }
watch=(vt-a:IpFragCreates vt-a:Ip6FragCreates vt-b:IpReasmReqds
    vt-b:Ip6ReasmReqds vt-a-priv:IcmpOutDestUnreachs
    vt-a-priv:Icmp6OutPktTooBigs)
declare -A before
for w in "${watch[@]}"; do before[$w]=$(counter "${w%%:*}" "${w#*:}"); done

for t in "${TUNNELS[@]}"; do
	read -r name mark la lb esp want <<< "$t"
	got=$(ip -n vt-a-priv -o link show "mt$mark" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
	[ "$got" = "$want" ] || fail "$name ($esp over ${la%%:*}...): mtu $got, want $want"
	line=$(ctl a list "$name" | grep '^  mtu ')
	echo "$line" | grep -q "mtu $want auto: path 1500 - IPv" ||
		fail "$name: vtictl list: '$line'"
	# An IPv4 ping of exactly the MTU, DF set: 20 IP + 8 ICMP.
	ip netns exec vt-a-priv ping -c1 -W3 -M do -s $((want - 28)) 10.9.$mark.2 > "$W/ping" ||
		fail "$name: a $want-byte ping with DF did not cross: $(tail -n2 "$W/ping")"
	ok "$name: $esp over IPv$([ "${la#*:}" != "$la" ] && echo 6 || echo 4): mtu $got,${line#*auto:}; a $want-byte DF ping crossed"
done
for w in "${watch[@]}"; do
	d=$(($(counter "${w%%:*}" "${w#*:}") - ${before[$w]}))
	[ "$d" = 0 ] || fail "$w grew by $d: fragmentation or a PMTU round trip"
done
ok "no outer fragment (FragCreates, ReasmReqds) and no ICMP too-big/frag-needed (a PMTU round trip) in 8 full-size pings"

# The kernel's own view of each SA's MTU: the VTI raised to 1500 by hand,
# a 1472-byte DF ping is refused and the kernel says which MTU applies.
for t in "${TUNNELS[@]}"; do
	read -r name mark _ _ _ want <<< "$t"
	ip -n vt-a-priv link set "mt$mark" mtu 1500
	ip netns exec vt-a-priv ping -c2 -i0.3 -W1 -M do -s 1472 10.9.$mark.2 > "$W/big" 2>&1 || true
	k=$(grep -o 'mtu[ =]*[0-9]*' "$W/big" | grep -o '[0-9]*' | head -n1)
	[ "$k" = "$want" ] || fail "$name: the kernel's MTU for the SA is '$k' ($(tail -n2 "$W/big")), vtid set $want"
	ip -n vt-a-priv link set "mt$mark" mtu "$want"
done
ok "the kernel names the same MTU for each SA when the VTI is set above it"
echo "PASS: mtu auto exact for 4 suites x 2 outer families (1390-1446), full-size DF pings cross with no fragment and no PMTU round trip"
