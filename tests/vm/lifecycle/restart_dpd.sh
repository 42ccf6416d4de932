#!/usr/bin/env bash
# Peer crash and silence.
#  1. b is killed with SIGKILL and restarted: it finds its old kernel state
#     (purged, VTI adopted), initiates with INITIAL_CONTACT, a drops the
#     stale SAs at once, traffic passes again. Figure: time to recover.
#  2. b goes silent (100% loss on its link; "link down" would also flush
#     its IPv6 addresses): a's DPD (delay 2 s, timeout 6 s) declares it dead
#     within delay + timeout, restarts, and the tunnel is back when the
#     link returns. Figures: detection and recovery times.
#
#   vt-a-priv: vti7 2001:db8:ff::/127 === ESP (mark 7) === vt-b-priv: ::1/127
#   vt-a: vtid (start) 2001:db8:1::1       vt-b: vtid (start) 2001:db8:1::2
. "$(dirname "$0")/../daemon/lib.sh"

setup_pair
p="ike = { proposals = \"aes256gcm16-prfsha384-ecp384!\"; };
    esp = { proposals = \"aes256gcm16-prfsha384-ecp384!\"; }; psk = \"$PSK\";
    mark = 7; start = \"start\"; dpd = { delay = 2; timeout = 6; action = \"restart\"; };"
conf a "name = \"B\"; local = \"2001:db8:1::1\"; remote = \"2001:db8:1::2\"; $p
    vti = { name = \"vti7\"; netns = \"vt-a-priv\"; addresses = [ \"2001:db8:ff::/127\" ]; };"
conf b "name = \"A\"; local = \"2001:db8:1::2\"; remote = \"2001:db8:1::1\"; $p
    vti = { name = \"vti7\"; netns = \"vt-b-priv\"; addresses = [ \"2001:db8:ff::1/127\" ]; };"
start b
wait_for 40 "b ready" grep -q 'vtid started' "$W/b.log"
start a
wait_for 90 "tunnel up" installed a
wait_for 30 "tunnel up on b" installed b
ip netns exec vt-a-priv ping -6 -c 2 -W 2 2001:db8:ff::1 >/dev/null || fail "no ping"
ok "tunnel up"

# 1. SIGKILL and restart.
kill -9 "$(cat "$W/b.pid")"; rm -f "$W/b.pid"
sleep 0.5
left=$(xfrm_count vt-b state)
ok "b killed, left $left SAs in its kernel"
t0=$(now)
start b
# Until b's new vtid purges them, the SAs its crash left still answer a
# ping on a's old SA: traffic counts once a has b's new IKE SA.
wait_for 60 "a saw b's INITIAL_CONTACT" grep -q 'INITIAL_CONTACT' "$W/a.log"
wait_for 60 "tunnel back after b's restart" \
	ip netns exec vt-a-priv ping -6 -c 1 -W 1 2001:db8:ff::1
rec=$(elapsed "$t0")
grep -q 'removed .* SAs and .* policies left by a previous vtid' "$W/b.log" ||
	fail "b did not clean up after its crash"
ok "b restarted: $(grep -m1 'left by a previous vtid' "$W/b.log" | sed 's/.*removed/removed/')"
ok "INITIAL_CONTACT: $(grep -m1 INITIAL_CONTACT "$W/a.log")"
sleep 1
ca=$(ctl a status | grep -c INSTALLED); cb=$(ctl b status | grep -c INSTALLED)
[ "$ca$cb" = 11 ] || fail "after restart: a $ca, b $cb CHILD SAs"
ok "traffic passes again ${rec}s after the restart, one CHILD SA per side"

# 2. Silence: everything b sends or receives is lost.
ip netns exec vt-b tc qdisc add dev veth-b root netem loss 100%
t0=$(now)
wait_for 20 "a declares b dead" grep -q 'peer dead' "$W/a.log"
det=$(elapsed "$t0")
ok "a: $(grep -m1 'peer dead' "$W/a.log") — detected in ${det}s (delay 2 + timeout 6)"
awk "BEGIN { exit !($det <= 2 + 6 + 3) }" || fail "DPD took ${det}s, more than delay + timeout + 3"
sleep 3
ip netns exec vt-b tc qdisc del dev veth-b root
t0=$(now)
wait_for 90 "tunnel back after the link came back" \
	ip netns exec vt-a-priv ping -6 -c 1 -W 1 2001:db8:ff::1
ok "tunnel back $(elapsed "$t0")s after the link came back"
echo "figures: restart recovery ${rec}s, DPD detection ${det}s"
echo "PASS: SIGKILL+restart recovered, DPD detected and restarted"
