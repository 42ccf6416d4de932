#!/usr/bin/env bash
# 20% packet loss on the underlay, both directions (netem): the tunnel
# still establishes (retransmissions) and rekeys (CHILD every ~5 s, IKE
# every ~12 s) for 40 s, and ends with one CHILD SA per side.
#
#   vt-a-priv: vti7 2001:db8:ff::/127 === ESP (mark 7) === vt-b-priv: ::1/127
#   vt-a: vtid (start), veth-a netem 20%   vt-b: vtid (add), veth-b netem 20%
. "$(dirname "$0")/../daemon/lib.sh"

setup_pair
for n in a b; do
	ip netns exec vt-$n tc qdisc add dev veth-$n root netem loss 20% ||
		fail "netem on veth-$n"
done
p="ike = { proposals = \"aes256gcm16-prfsha384-ecp384!\"; rekey_time = 12; jitter = 3; margin = 20; };
    esp = { proposals = \"aes256gcm16-prfsha384-ecp384!\"; rekey_time = 5; jitter = 2; margin = 20; };
    psk = \"$PSK\"; mark = 7; dpd = { delay = 0; };"
conf a "name = \"B\"; local = \"2001:db8:1::1\"; remote = \"2001:db8:1::2\"; start = \"start\"; $p
    vti = { name = \"vti7\"; netns = \"vt-a-priv\"; addresses = [ \"2001:db8:ff::/127\" ]; };"
conf b "name = \"A\"; local = \"2001:db8:1::2\"; remote = \"2001:db8:1::1\"; start = \"add\"; $p
    vti = { name = \"vti7\"; netns = \"vt-b-priv\"; addresses = [ \"2001:db8:ff::1/127\" ]; };"
# Shorter retransmissions than the default, so the loss costs seconds.
for n in a b; do
	sed -i 's/retransmit = .*/retransmit = { timeout = 0.5; base = 1.5; limit = 4.0; tries = 8; };/' "$W/$n.conf"
done
start b
wait_for 40 "b ready" grep -q 'vtid started' "$W/b.log"
t0=$(now)
start a
wait_for 60 "tunnel up despite 20% loss" installed a
ok "tunnel up in $(elapsed "$t0")s with 20% loss"
sleep 40
rt=$(cat "$W/a.log" "$W/b.log" | grep -c 'retransmit' || true)
cr=$(cat "$W/a.log" "$W/b.log" | grep -c 'CHILD SA rekeyed, SPIs' || true)
ir=$(cat "$W/a.log" "$W/b.log" | grep -c 'IKE SA rekeyed (was' || true)
echo "figures: $rt retransmissions, $cr CHILD rekeys, $ir IKE rekeys in 40 s"
[ "$cr" -ge 4 ] || fail "only $cr CHILD rekeys under loss"
[ "$ir" -ge 1 ] || fail "no IKE rekey under loss"
wait_for 30 "one CHILD SA on a" sh -c "[ \$(ip netns exec vt-a $VTICTL -s $W/a.conf.sock status | grep -c INSTALLED) = 1 ]"
ip netns exec vt-a-priv ping -6 -c 10 -i 0.2 -W 2 2001:db8:ff::1 > "$W/p" 2>&1 || true
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$W/p")
[ "${got:-0}" -gt 0 ] || fail "no ping through the tunnel at the end"
ok "ping through the tunnel: $got/10 (the underlay drops ~36% of round trips)"
echo "PASS: established and rekeyed under 20% loss"
