#!/usr/bin/env bash
# Rekey under load: a steady flow through the tunnel while CHILD
# SAs rekey every few seconds and IKE SAs every ~15 s, from both sides,
# with forced simultaneous rekeys on top: not one packet may be lost.
#
#   vt-a-priv: vti7 2001:db8:ff::/127                vt-b-priv: vti7 ::1/127
#        === ESP over 2001:db8:1::1 <-> 2001:db8:1::2 (mark 7) ===
#   vt-a: vtid (start)                                vt-b: vtid (add)
. "$(dirname "$0")/../daemon/lib.sh"

RATE=${VTID_RATE:-500}		# packets per second
SECS=${VTID_SECS:-60}
setup_pair
life="ike = { proposals = \"aes256gcm16-prfsha384-ecp384!\"; rekey_time = 15;
    jitter = 4; margin = 10; };
    esp = { proposals = \"aes256gcm16-prfsha384-ecp384!\"; rekey_time = 6;
    jitter = 3; margin = 10; }; psk = \"$PSK\"; mark = 7; dpd = { delay = 0; };"
conf a "name = \"B\"; local = \"2001:db8:1::1\"; remote = \"2001:db8:1::2\";
    start = \"start\"; $life vti = { name = \"vti7\"; netns = \"vt-a-priv\";
    addresses = [ \"2001:db8:ff::/127\" ]; };"
conf b "name = \"A\"; local = \"2001:db8:1::2\"; remote = \"2001:db8:1::1\";
    start = \"add\"; $life vti = { name = \"vti7\"; netns = \"vt-b-priv\";
    addresses = [ \"2001:db8:ff::1/127\" ]; };"
start b
wait_for 40 "b ready" grep -q 'vtid started' "$W/b.log"
start a
wait_for 90 "tunnel up" installed a
ok "tunnel up"

count=$((RATE * SECS))
interval=$(awk "BEGIN { printf \"%.4f\", 1 / $RATE }")
# Not -q: a loss shows as a gap in icmp_seq, or an error line, with its
# time (-D) to match with the logs.
timeout $((SECS * 3 + 30)) ip netns exec vt-a-priv ping -6 -D -i "$interval" -c "$count" -W 5 \
	2001:db8:ff::1 > "$W/ping.out" 2>&1 &
pp=$!
# Forced simultaneous rekeys, CHILD then IKE, from both ends at once.
for t in 10 25 40; do
	sleep $((t - ${last:-0})); last=$t
	ctl a rekey B & p1=$!; ctl b rekey A & p2=$!; wait $p1 $p2
	ok "forced simultaneous CHILD rekey at ${t}s"
	sleep 3; last=$((last + 3))
	ctl a rekey B --ike & p1=$!; ctl b rekey A --ike & p2=$!; wait $p1 $p2
	ok "forced simultaneous IKE rekey at $((t + 3))s"
done
wait $pp || true
tail -n 3 "$W/ping.out"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$W/ping.out")
recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$W/ping.out")
# Each rekey is logged by its initiator as "... rekeyed, SPIs" or
# "IKE SA rekeyed (was", by the responder as "... by peer".
crekeys_a=$(grep -c 'CHILD SA rekeyed, SPIs' "$W/a.log" || true)
crekeys_b=$(grep -c 'CHILD SA rekeyed, SPIs' "$W/b.log" || true)
irekeys=$(cat "$W/a.log" "$W/b.log" | grep -c 'IKE SA rekeyed (was' || true)
collisions=$(cat "$W/a.log" "$W/b.log" | grep -c 'collision' || true)
echo "figures: $sent sent, $recv received in ${SECS}s at ${RATE}/s;" \
	"CHILD rekeys a=$crekeys_a b=$crekeys_b, IKE rekeys $irekeys," \
	"collision lines $collisions"
if ! [ -n "$sent" ] || ! [ "$sent" = "$recv" ]; then
	# Where the packets went: ping's errors and gaps (icmp_seq, -D time)
	# and the kernels' XFRM error counters; the logs follow (fail).
	grep -v 'bytes from' "$W/ping.out" | head -n 20
	for n in a b; do
		echo "--- vt-$n /proc/net/xfrm_stat (non-zero)"
		ip netns exec "vt-$n" cat /proc/net/xfrm_stat | awk '$2 != 0'
	done
	fail "lost $((sent - recv)) of $sent packets during rekeys"
fi
[ "$crekeys_a" -ge 3 ] && [ "$crekeys_b" -ge 3 ] || fail "CHILD rekeys not from both sides: a=$crekeys_a b=$crekeys_b"
[ $((crekeys_a + crekeys_b)) -ge 10 ] || fail "only $((crekeys_a + crekeys_b)) CHILD rekeys"
[ "$irekeys" -ge 4 ] || fail "only $irekeys IKE rekeys"
n_a=$(ctl a status | grep -c 'INSTALLED'); n_b=$(ctl b status | grep -c 'INSTALLED')
ike_a=$(ctl a status | grep -c 'ESTABLISHED'); ike_b=$(ctl b status | grep -c 'ESTABLISHED')
[ "$n_a" = 1 ] && [ "$n_b" = 1 ] && [ "$ike_a" = 1 ] && [ "$ike_b" = 1 ] ||
	fail "after the run: a $ike_a IKE/$n_a CHILD, b $ike_b IKE/$n_b CHILD SAs"
sas_a=$(xfrm_count vt-a state); sas_b=$(xfrm_count vt-b state)
ok "one IKE SA and one CHILD SA per side; kernel SAs a=$sas_a b=$sas_b"
echo "PASS: 0 of $sent packets lost across $((crekeys_a + crekeys_b)) CHILD and $irekeys IKE rekeys"
