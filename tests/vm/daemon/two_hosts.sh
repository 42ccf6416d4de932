#!/usr/bin/env bash
# Two vtid hosts bring up a marked VTI tunnel and pass traffic.
# Topology in lib.sh; a is the initiator (start), b the responder (add).
# The IPv6-outer tunnel's VTIs live in private namespaces, as in the seed
# lab; the IPv4-outer one keeps them beside vtid.
#
#   vt-a-priv: vti7 2001:db8:ff::/127 169.254.1.0/31
#              === ESP over 2001:db8:1::1 <-> 2001:db8:1::2 (mark 7) ===
#   vt-b-priv: vti7 2001:db8:ff::1/127 169.254.1.1/31
#
#   vt-a: vti9 10.9.0.1/30 === ESP over 192.0.2.1 <-> 192.0.2.2 (mark 9)
#   vt-b: vti9 10.9.0.2/30
. "$(dirname "$0")/lib.sh"

setup_pair
p6="mark = 7; ike = { proposals = \"aes256gcm16-prfsha384-ecp384!\"; };
    esp = { proposals = \"aes256gcm16-prfsha384-ecp384!\"; }; psk = \"$PSK\";"
conf a "name = \"B\"; local = \"2001:db8:1::1\"; remote = \"2001:db8:1::2\";
    start = \"start\"; $p6 vti = { name = \"vti7\"; netns = \"vt-a-priv\";
    mtu = 1500; addresses = [ \"2001:db8:ff::/127\", \"169.254.1.0/31\" ]; }; },
    { name = \"B4\"; local = \"192.0.2.1\"; remote = \"192.0.2.2\";
    start = \"start\"; mark = 9; psk = \"$PSK\"; ike = { proposals = \"aes128-sha256-modp2048!\"; };
    esp = { proposals = \"aes128-sha256!\"; };
    vti = { name = \"vti9\"; addresses = [ \"10.9.0.1/30\" ]; };"
conf b "name = \"A\"; local = \"2001:db8:1::2\"; remote = \"2001:db8:1::1\";
    start = \"add\"; $p6 vti = { name = \"vti7\"; netns = \"vt-b-priv\";
    mtu = 1500; addresses = [ \"2001:db8:ff::1/127\", \"169.254.1.1/31\" ]; }; },
    { name = \"A4\"; local = \"192.0.2.2\"; remote = \"192.0.2.1\";
    start = \"add\"; mark = 9; psk = \"$PSK\"; ike = { proposals = \"aes128-sha256-modp2048!\"; };
    esp = { proposals = \"aes128-sha256!\"; };
    vti = { name = \"vti9\"; addresses = [ \"10.9.0.2/30\" ]; };"

start b
wait_for 40 "b ready" grep -q 'vtid started' "$W/b.log"
t0=$(now)
start a
wait_for 90 "both CHILD SAs installed on a" sh -c "[ \$(ip netns exec vt-a $VTICTL -s $W/a.conf.sock status | grep -c INSTALLED) = 2 ]"
wait_for 30 "both CHILD SAs installed on b" sh -c "[ \$(ip netns exec vt-b $VTICTL -s $W/b.conf.sock status | grep -c INSTALLED) = 2 ]"
ok "both tunnels up in $(elapsed "$t0" 2) s"
ctl a status
ctl b status

# SPIs: a's inbound is b's outbound and the other way round.
read -r ai ao < <(ctl a status | grep -A0 'B{' | sed -n 's/.*ESP SPIs: \([0-9a-f]*\)_i \([0-9a-f]*\)_o.*/\1 \2/p' | head -1)
read -r bi bo < <(ctl b status | grep 'A{' | sed -n 's/.*ESP SPIs: \([0-9a-f]*\)_i \([0-9a-f]*\)_o.*/\1 \2/p' | head -1)
[ -n "$ai" ] && [ "$ai" = "$bo" ] && [ "$ao" = "$bi" ] ||
	fail "SPIs do not match: a ${ai}_i ${ao}_o, b ${bi}_i ${bo}_o"
ok "SPIs match: a ${ai}_i ${ao}_o, b ${bi}_i ${bo}_o"

# The VTIs are where the config says, keyed with the mark.
ip -n vt-a-priv -d link show vti7 | grep -c >/dev/null 'ikey 0.0.0.7' || ip -n vt-a-priv -d link show vti7 | grep -c >/dev/null 'ikey 7' ||
	fail "vti7 in vt-a-priv without ikey 7: $(ip -n vt-a-priv -d link show vti7)"
ok "vti7 in vt-a-priv: $(ip -n vt-a-priv -d link show vti7 | grep -o 'vti6 .*' | head -1)"
kinds_facing vt-a-priv vt-b-priv vti7

before=$(counter a out)
ip netns exec vt-a-priv ping -6 -c 5 -i 0.2 -W 2 2001:db8:ff::1 >/dev/null ||
	fail "ping IPv6-in-IPv6 through vti7"
ok "ping 2001:db8:ff::1 through vti7 (IPv6 in IPv6): 5/5"
ip netns exec vt-a-priv ping -c 5 -i 0.2 -W 2 169.254.1.1 >/dev/null ||
	fail "ping IPv4-in-IPv6 through vti7"
ok "ping 169.254.1.1 through vti7 (IPv4 in IPv6): 5/5"
after=$(counter a out)
[ "$after" -gt "$before" ] || fail "out bytes did not grow: $before -> $after"
ok "a's outbound CHILD SA counter grew: $before -> $after bytes"
ip netns exec vt-a ping -c 5 -i 0.2 -W 2 10.9.0.2 >/dev/null ||
	fail "ping through the IPv4-outer vti9"
ok "ping 10.9.0.2 through vti9 (IPv4 in IPv4, AES-CBC/HMAC-SHA2-256): 5/5"

# SIGTERM on a: its SAs, policies and VTIs go; b's go through DELETE.
stop a
grep -q 'vtid stopped' "$W/a.log" || fail "a did not log its stop"
[ "$(xfrm_count vt-a state)" = 0 ] && [ "$(xfrm_count vt-a policy)" = 0 ] ||
	fail "a left $(xfrm_count vt-a state) SAs and $(xfrm_count vt-a policy) policies"
ip -n vt-a-priv link show vti7 >/dev/null 2>&1 && fail "a left vti7 behind"
ok "a stopped: no SA, policy or VTI left"
wait_for 15 "b removes its SAs after a's DELETE" sh -c "[ \$(ip -n vt-b xfrm state | grep -c '^src') = 0 ]"
grep -q 'IKE SA deleted by peer' "$W/b.log" || fail "b did not log the DELETE"
ok "b removed its SAs on a's DELETE: $(grep -c 'IKE SA deleted by peer' "$W/b.log") IKE SAs"
stop b
echo "PASS: two vtid hosts, 2 tunnels (IPv6 and IPv4 outer), traffic, SIGTERM cleanup"
