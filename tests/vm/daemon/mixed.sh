#!/usr/bin/env bash
# One end an XFRM interface, the other a VTI: the device type is purely
# local, so one tunnel proves each against the other. IPv4 outer, both
# devices beside vtid. a is a route peer: traffic into xfrm9 hits its
# trap policies (if_id 9) and the ACQUIRE carries if_id 9.
#
# Unlike a VTI, an XFRM interface (6.1: xfrmi_xmit2) does not send the
# packet that meets the hold queue into it: without an SA it fails the
# transmit ("No route to host"), hold_packets or not. The connect is
# tried again every second, as BGP's connect-retry does; the figures say
# how many tries and drops that cost.
#
#   vt-a: vtid (route)                               vt-b: vtid (add)
#         xfrm9 (xfrm, if_id 9)                            vti9 (vti, key 9)
#         10.9.0.1/30 fd00:9::1/64                         10.9.0.2/30 fd00:9::2/64
#         === ESP over 192.0.2.1 <-> 192.0.2.2: a's SAs if_id 9, b's mark 9 ===
#
# Checked, each with its figure: the trap policies before any traffic;
# a TCP connect through xfrm9 that starts the negotiation (tries and
# drops counted); the SAs keyed by if_id on a and by
# mark on b; ping both ways and both inner families; a CHILD SA rekey
# asked on the xfrm side (an SPI reserved with if_id 9); SIGTERM on both
# removes everything.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
trap 'kill_pidfile "$W/listen.pid"; cleanup' EXIT
setup_pair
# No router solicitation from xfrm9 into its ::/0 trap: the connect
# below is what starts the tunnel.
netns_quiet vt-a vt-b
p="mark = 9; psk = \"$PSK\"; ike = { proposals = \"aes128-sha256-modp2048!\"; };
    esp = { proposals = \"aes128-sha256!\"; };"
conf a "name = \"B\"; local = \"192.0.2.1\"; remote = \"192.0.2.2\";
    start = \"route\"; $p interface = { type = \"xfrm\"; name = \"xfrm9\";
    addresses = [ \"10.9.0.1/30\", \"fd00:9::1/64\" ]; };"
conf b "name = \"A\"; local = \"192.0.2.2\"; remote = \"192.0.2.1\";
    start = \"add\"; $p vti = { type = \"vti\";
    addresses = [ \"10.9.0.2/30\", \"fd00:9::2/64\" ]; };"

listen_tcp vt-b 10.9.0.2 179
start b
start a
wait_for 30 "both vtids started" sh -c "grep -q 'vtid started' '$W/a.log' && grep -q 'vtid started' '$W/b.log'"
ip -n vt-a -d link show xfrm9 | grep -q 'xfrm if_id 0x9' ||
	fail "a's xfrm9: $(ip -n vt-a -d link show xfrm9 2>&1)"
ip -n vt-b -d link show vti9 | grep -qE 'ikey (0\.0\.0\.)?9 ' ||
	fail "b's vti9: $(ip -n vt-b -d link show vti9 2>&1)"
read -r ns np nk no < <(keyed vt-a 'if_id 0x9')
[ "$ns" = 0 ] && [ "$np" = 6 ] && [ "$nk" = 6 ] && [ "$no" = 0 ] ||
	fail "a before traffic: $ns SAs, $np policies, $nk with if_id 9, $no marked"
ok "a: xfrm9 (if_id 0x9) and 6 trap policies with if_id 9, no SA; b: vti9 (ikey 9)"

# A connect from a to b: the SYN hits a trap policy of xfrm9. Tried
# again a second after a failure, for 30 s at most.
nos0=$(xfrm_stat vt-a XfrmOutNoStates)
t0=$(now)
errs=$(ip netns exec vt-a "$PY" -c '
import socket, time
t0, errs = time.time(), 0
while True:
    try:
        c = socket.create_connection(("10.9.0.2", 179), timeout=10)
        assert c.recv(2) == b"ok"
        break
    except OSError:
        errs += 1
        if time.time() - t0 > 30:
            raise
        time.sleep(1)
print(errs)
') || fail "TCP connect through xfrm9 failed for 30 s"
conn_s=$(elapsed "$t0" 2)
nos=$(($(xfrm_stat vt-a XfrmOutNoStates) - nos0))
grep -q 'traffic for the tunnel (kernel ACQUIRE)' "$W/a.log" ||
	fail "a did not negotiate on the ACQUIRE"
ok "TCP connect through xfrm9 negotiated on its ACQUIRE (if_id 9): connected in $conn_s s after $errs failed tries; $nos packets dropped for want of an SA"
wait_for 20 "CHILD SA installed on b" installed b

read -r ns np nk no < <(keyed vt-a 'if_id 0x9')
[ "$ns" -ge 2 ] && [ "$nk" = $((ns + np)) ] && [ "$no" = 0 ] ||
	fail "a: $ns SAs, $np policies, $nk with if_id 9, $no marked"
ok "a (xfrm): $ns SAs and $np policies, all with if_id 0x9, none marked"
read -r ns np nk no < <(keyed vt-b 'mark 0x9/0xffffffff')
[ "$ns" -ge 2 ] && [ "$nk" = $((ns + np)) ] && [ "$no" = 0 ] ||
	fail "b: $ns SAs, $np policies, $nk with mark 9, $no with an if_id"
ok "b (vti): $ns SAs and $np policies, all with mark 0x9, none with an if_id"

pings() {
	ip netns exec vt-a ping -c 5 -i 0.2 -W 2 10.9.0.2 >/dev/null &&
	ip netns exec vt-a ping -6 -c 5 -i 0.2 -W 2 fd00:9::2 >/dev/null &&
	ip netns exec vt-b ping -c 5 -i 0.2 -W 2 10.9.0.1 >/dev/null &&
	ip netns exec vt-b ping -6 -c 5 -i 0.2 -W 2 fd00:9::1 >/dev/null
}
before=$(counter b in)
pings || fail "ping through xfrm9 <-> vti9"
after=$(counter b in)
[ "$after" -gt "$before" ] || fail "b's inbound SA did not count: $before -> $after"
ok "ping a -> b and b -> a, IPv4 and IPv6 inside: 5/5 each; b's inbound ESP SA $before -> $after bytes"

# A CHILD SA rekey from the xfrm side: its new inbound SPI is reserved
# with if_id 9 and filled by UPDSA.
spi0=$(spis a)
ctl a rekey B > /dev/null || fail "vtictl rekey B refused"
wait_for 30 "new CHILD SA on a" sh -c "[ \"\$(ip netns exec vt-a $VTICTL -s $W/a.conf.sock status | sed -n 's/.*ESP SPIs: \([0-9a-f]*\)_i \([0-9a-f]*\)_o.*/\1 \2/p' | head -1)\" != '$spi0' ]"
pings || fail "ping after the rekey"
ip -n vt-a xfrm state | grep -q "spi 0x${spi0%% *} " && fail "old inbound SA 0x${spi0%% *} still there"
ok "CHILD SA rekeyed from the xfrm side: SPIs $spi0 -> $(spis a), traffic both ways"

stop a
stop b
for n in a b; do
	[ "$(xfrm_count vt-$n state)" = 0 ] && [ "$(xfrm_count vt-$n policy)" = 0 ] ||
		fail "$n left $(xfrm_count vt-$n state) SAs and $(xfrm_count vt-$n policy) policies"
done
ip -n vt-a link show xfrm9 >/dev/null 2>&1 && fail "a left xfrm9"
ip -n vt-b link show vti9 >/dev/null 2>&1 && fail "b left vti9"
ok "both stopped: no SA, policy, xfrm9 or vti9 left"
echo "PASS: an XFRM interface against a VTI: ACQUIRE with if_id, traffic both ways, rekey, cleanup"
