#!/usr/bin/env bash
# NAT traversal: vtid A behind a masquerading router, vtid B on the far
# side. IKE moves to 4500, the CHILD SAs carry ESP in UDP, the VTIs work
# through it, rekeys lose nothing at 200 packets/s, and A's keepalives keep
# the NAT's mapping through an idle spell longer than its UDP timeout.
#
#   nt-a-priv          nt-a             nt-r (nft masquerade)      nt-b         nt-b-priv
#   vti7 10.9.0.1 -- 10.0.0.1 ---- 10.0.0.254 | 198.51.100.254 ---- 198.51.100.2 -- vti7 10.9.0.2
#                    vtid "B"                                        vtid "A": remote
#                    (start)                                         198.51.100.254 (add)
. "$(dirname "$0")/lib.sh"

NS+=(nt-a nt-a-priv nt-r nt-b nt-b-priv)
netns_fresh nt-a nt-a-priv nt-r nt-b nt-b-priv
ip link add a0 netns nt-a type veth peer name r0 netns nt-r
ip link add r1 netns nt-r type veth peer name b0 netns nt-b
ip -n nt-a addr add 10.0.0.1/24 dev a0
ip -n nt-r addr add 10.0.0.254/24 dev r0
ip -n nt-r addr add 198.51.100.254/24 dev r1
ip -n nt-b addr add 198.51.100.2/24 dev b0
for l in nt-a:a0 nt-r:r0 nt-r:r1 nt-b:b0; do ip -n "${l%%:*}" link set "${l#*:}" up; done
ip -n nt-a route add default via 10.0.0.254
ip netns exec nt-r sysctl -qw net.ipv4.ip_forward=1
# UDP mappings die after 10 s idle (the kernel's default is 30 s, 120 s
# once a flow is two-way): shorter than the idle spell below.
ip netns exec nt-r sysctl -qw net.netfilter.nf_conntrack_udp_timeout=10 \
	net.netfilter.nf_conntrack_udp_timeout_stream=10 2>/dev/null ||
	{ modprobe nf_conntrack; ip netns exec nt-r sysctl -qw \
	net.netfilter.nf_conntrack_udp_timeout=10 \
	net.netfilter.nf_conntrack_udp_timeout_stream=10; }
ip netns exec nt-r nft -f - <<'EOF'
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat;
		# random: a mapping made again gets another port
		oifname "r1" masquerade random
	}
}
table ip seen {
	counter keepalives {
	}
	counter bare_esp {
	}
	chain forwarded {
		type filter hook forward priority filter;
		# NAT keepalives from inside: one byte of UDP to 4500
		iifname "r0" udp dport 4500 udp length 9 counter name keepalives
		iifname "r0" ip protocol 50 counter name bare_esp
	}
}
EOF
nft_count() { ip netns exec nt-r nft list counter ip seen "$1" | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }

p="psk = \"$PSK\"; mark = 7; dpd = { delay = 0; };
    ike = { proposals = \"aes256gcm16-prfsha384-ecp384!\"; };
    esp = { proposals = \"aes256gcm16-prfsha384-ecp384!\"; };"
conf a "name = \"B\"; local = \"10.0.0.1\"; remote = \"198.51.100.2\";
    start = \"start\"; $p nat = { keepalive = 3; };
    vti = { name = \"vti7\"; netns = \"nt-a-priv\"; addresses = [ \"10.9.0.1/30\" ]; };"
conf b "name = \"A\"; local = \"198.51.100.2\"; remote = \"198.51.100.254\";
    remote_id = \"10.0.0.1\";
    start = \"add\"; $p
    vti = { name = \"vti7\"; netns = \"nt-b-priv\"; addresses = [ \"10.9.0.2/30\" ]; };"
startn() {	# startn a|b: as start, in nt-a / nt-b
	: > "$W/$1.log"
	spawn "$W/$1.pid" "$W/$1.log" ip netns exec "nt-$1" "$VTID" -c "$W/$1.conf"
}
ctln() { ip netns exec "nt-$1" "$VTICTL" -s "$W/$1.conf.sock" "${@:2}"; }
dump_state() {
	local n
	for n in a b; do
		[ -f "$W/$n.log" ] && { echo "--- vtid $n log"; tail -n 40 "$W/$n.log"; }
		ip -n "nt-$n" xfrm state 2>/dev/null | head -30 || true
	done
	ip netns exec nt-r nft list ruleset 2>/dev/null | grep -E 'counter|packets' || true
}
startn b
wait_for 40 "b started" grep -q 'vtid started' "$W/b.log"
t0=$(now)
startn a
wait_for 60 "tunnel through the NAT" sh -c "ip netns exec nt-a '$VTICTL' -s '$W/a.conf.sock' status | grep -q INSTALLED && ip netns exec nt-b '$VTICTL' -s '$W/b.conf.sock' status | grep -q INSTALLED"
ok "tunnel up through the NAT in $(elapsed "$t0") s"

ctln a list | grep -q 'ESP in UDP 10.0.0.1:4500 -> 198.51.100.2:4500, NAT in front of us' ||
	fail "a's list: $(ctln a list | grep -A1 'IKE SA')"
ctln b list | grep -q 'ESP in UDP 198.51.100.2:4500 -> 198.51.100.254:[0-9]*, NAT in front of the peer' ||
	fail "b's list: $(ctln b list | grep -A1 'IKE SA')"
port=$(ctln b list | sed -n 's/.*-> 198\.51\.100\.254:\([0-9]*\),.*/\1/p')
ip -n nt-a xfrm state | grep -q 'encap type espinudp sport 4500 dport 4500' ||
	fail "a's SAs are not ESP in UDP 4500-4500: $(ip -n nt-a xfrm state | grep encap)"
[ "$(ip -n nt-b xfrm state | grep -c "encap type espinudp sport \(4500 dport $port\|$port dport 4500\)")" = 2 ] ||
	fail "b's SAs are not ESP in UDP 4500-$port: $(ip -n nt-b xfrm state | grep encap)"
[ "$(nft_count bare_esp)" = 0 ] || fail "$(nft_count bare_esp) bare ESP packets crossed the NAT"
ok "ESP in UDP: a 4500 -> 4500 (NAT in front of it), b 4500 -> $port (the NAT's port for a)"

ip netns exec nt-a-priv ping -c3 -i0.3 -W2 10.9.0.2 > /dev/null || fail "ping a -> b through the VTIs"
ip netns exec nt-b-priv ping -c3 -i0.3 -W2 10.9.0.1 > /dev/null || fail "ping b -> a through the VTIs"
ok "pings both ways through the VTIs"

# Rekeys under 200 packets/s: a CHILD SA rekey, then an IKE SA rekey.
ip netns exec nt-a-priv ping -D -i 0.005 -c 2000 -W 5 10.9.0.2 > "$W/ping.out" 2>&1 &
pp=$!
sleep 2
ctln a rekey B > /dev/null || fail "vtictl rekey B"
sleep 3
ctln a rekey B --ike > /dev/null || fail "vtictl rekey B --ike"
wait "$pp" || true
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$W/ping.out")
recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$W/ping.out")
grep -q 'CHILD SA rekeyed' "$W/a.log" || fail "no CHILD SA rekey logged"
grep -q 'IKE SA rekeyed' "$W/a.log" || fail "no IKE SA rekey logged"
[ "$sent" = "$recv" ] || fail "rekeys through the NAT: $recv of $sent answered"
ok "CHILD and IKE SA rekeyed under 200 packets/s: $recv/$sent answered"

# Idle for 3 times the NAT's UDP timeout: only keepalives (every 3 s) keep
# the mapping, so that b can still reach a first.
ka0=$(nft_count keepalives)
sleep 30
ka=$(($(nft_count keepalives) - ka0))
[ "$ka" -ge 8 ] || fail "$ka keepalives in 30 s (every 3 s)"
ip netns exec nt-b-priv ping -c2 -i0.5 -W2 10.9.0.1 > /dev/null ||
	fail "b -> a after 30 s idle: the NAT mapping is gone"
[ "$(ctln a list | grep -c 'IKE SA \[')" = 1 ] || fail "a renegotiated: $(ctln a list | grep 'IKE SA')"
ok "idle 30 s (NAT UDP timeout 10 s): $ka keepalives from a, b reached a first, no new IKE SA"
# The NAT forgets every mapping under traffic: a's next packets leave on
# another port; b's kernel sees authenticated ESP from there, vtid b
# follows (XFRM_MSG_MAPPING) and moves both SAs to the new port in place:
# same SPIs, no exchange (RFC 7296 2.23).
spis() {	# spis NS: the ESP SPIs in NS's kernel, sorted, one line
	ip -n "$1" xfrm state | sed -n 's/.*proto esp spi \(0x[0-9a-f]*\).*/\1/p' | sort | tr '\n' ' '
}
ip netns exec nt-a-priv ping -D -i 0.05 -c 400 -W 1 10.9.0.2 > "$W/flush.out" 2>&1 &
pp=$!
sleep 2
spis_b=$(spis nt-b) spis_a=$(spis nt-a)
t0=$(now)
ip netns exec nt-r conntrack -F 2>/dev/null || fail "conntrack -F"
wait_for 15 "b follows a to its new port" sh -c "ip netns exec nt-b '$VTICTL' -s '$W/b.conf.sock' list | grep -q 'ESP in UDP 198.51.100.2:4500 -> 198.51.100.254:[0-9]*, ' && ! ip netns exec nt-b '$VTICTL' -s '$W/b.conf.sock' list | grep -q ':$port, '"
moved=$(elapsed "$t0")
port2=$(ctln b list | sed -n 's/.*-> 198\.51\.100\.254:\([0-9]*\),.*/\1/p')
wait "$pp" || true
# The first reply after the flush, from ping's -D stamps.
back=$(awk -v t0="$t0" '/bytes from/ { ts = $1; gsub(/[][]/, "", ts); if (ts + 0 > t0 + 0) { printf "%.2f", ts - t0; exit } }' "$W/flush.out")
[ -n "$back" ] || fail "no reply after the NAT flushed its mappings: $(tail -n 3 "$W/flush.out")"
grep -q 'peer moved from 198.51.100.254' "$W/b.log" || fail "b did not log the move"
grep -q 'CHILD SA follows to UDP port' "$W/b.log" || fail "b did not move its CHILD SA in place: $(grep -E 'moved|rekey' "$W/b.log" | tail -3)"
[ "$(spis nt-b)" = "$spis_b" ] && [ "$(spis nt-a)" = "$spis_a" ] ||
	fail "the SPIs changed: b $spis_b-> $(spis nt-b), a $spis_a-> $(spis nt-a)"
[ "$(ip -n nt-b xfrm state | grep -c "encap type espinudp sport \(4500 dport $port2\|$port2 dport 4500\)")" = 2 ] ||
	fail "b's SAs are not on port $port2: $(ip -n nt-b xfrm state | grep encap)"
lost=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$W/flush.out")
[ "$(ctln b list | grep -c 'IKE SA \[')" = 1 ] && [ "$(grep -c 'IKE SA established' "$W/b.log")" = 1 ] ||
	fail "a new IKE SA was negotiated: $(grep 'IKE SA established' "$W/b.log")"
ok "NAT mappings flushed under traffic: a moved from port $port to $port2, b followed in $moved s, in place (SPIs $spis_b kept), traffic back $back s after the flush (pings sent/answered: $lost), same IKE SA"
# The NAT's public address changes (a CGNAT's pool): a's packets now come
# from 198.51.100.253. The address is part of the kernel's key of b's
# outbound SA, so b makes its CHILD SA again there over the same IKE SA,
# and its policies' templates follow (the kernel picks the SA by them).
ip -n nt-r addr add 198.51.100.253/24 dev r1
ip netns exec nt-r nft -f - <<'EOF2'
flush chain ip nat post
add rule ip nat post oifname "r1" snat to 198.51.100.253
EOF2
ip netns exec nt-a-priv ping -D -i 0.05 -c 300 -W 1 10.9.0.2 > "$W/addr.out" 2>&1 &
pp=$!
sleep 1
t0=$(now)
ip netns exec nt-r conntrack -F 2>/dev/null || fail "conntrack -F"
wait_for 20 "b follows a to 198.51.100.253" sh -c "ip netns exec nt-b '$VTICTL' -s '$W/b.conf.sock' list | grep -q 'ESP in UDP 198.51.100.2:4500 -> 198.51.100.253:'"
wait_for 20 "b's policies lead to 198.51.100.253" sh -c "[ \$(ip -n nt-b xfrm policy | grep -c 'tmpl src 198.51.100.2 dst 198.51.100.253\|tmpl src 198.51.100.253 dst 198.51.100.2') -ge 3 ]"
moved2=$(elapsed "$t0")
wait "$pp" || true
back2=$(awk -v t0="$t0" '/bytes from/ { ts = $1; gsub(/[][]/, "", ts); if (ts + 0 > t0 + 0.5) { printf "%.2f", ts - t0; exit } }' "$W/addr.out")
[ -n "$back2" ] || fail "no reply after the NAT's address changed: $(tail -n 3 "$W/addr.out")"
ip -n nt-b xfrm state | grep -q 'dst 198.51.100.253' || fail "b has no SA to 198.51.100.253"
! ip -n nt-b xfrm state | grep -q 'dst 198.51.100.254' || fail "b kept an SA to 198.51.100.254"
[ "$(grep -c 'IKE SA established' "$W/b.log")" = 1 ] ||
	fail "a new IKE SA was negotiated: $(grep 'IKE SA established' "$W/b.log")"
ok "the NAT's address changed under traffic: b's CHILD SA made again to 198.51.100.253 over the same IKE SA, policies followed in $moved2 s, traffic back $back2 s after the change"
echo "PASS: NAT traversal: ESP in UDP through masquerade (a 4500, NAT port $port), rekeys at 200 pps $recv/$sent, $ka keepalives kept the mapping over 30 s idle, a new mapping followed in place in $moved s (traffic back in $back s) without a new IKE SA or CHILD SA, a new NAT address in $moved2 s by a CHILD SA rekey"
