#!/usr/bin/env bash
# hold_packets: the first packet toward a route peer that is not yet
# negotiated waits in the kernel's hold queue and goes as soon as the
# CHILD SA is in. One TCP connect through the tunnel, timed against the
# negotiation (the outbound SA's arrival, from ip -ts xfrm monitor):
#
#   hold_packets = true (default): no packet dropped for want of an SA
#     (XfrmOutNoStates), connected within 0.2 s of the SA (plus TCG
#     slack);
#   hold_packets = false: the SYN is dropped (XfrmOutNoStates grows) and
#     the VTI answers "No route to host": the connect fails and is tried
#     again, as BGP would after its connect-retry time.
#
# Also net.core.xfrm_larval_drop in vtid's namespace: 0 while held, back
# to 1 after the reload to false, and after vtid stops.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
# The SA's arrival to connected, aim 0.2 s; TCG adds its own delays.
AIM=0.2 SLACK=0.3

trap 'kill_pidfile "$W/listen.pid"; cleanup' EXIT
setup_pair
peer_a="name = \"B\"; local = \"2001:db8:1::1\"; remote = \"2001:db8:1::2\";
    start = \"route\"; mark = 6; psk = \"$PSK\";
    vti = { name = \"vti6x\"; addresses = [ \"10.6.0.1/30\" ]; };"
peer_b="name = \"A\"; local = \"2001:db8:1::2\"; remote = \"2001:db8:1::1\";
    start = \"add\"; mark = 6; psk = \"$PSK\";
    vti = { name = \"vti6x\"; addresses = [ \"10.6.0.2/30\" ]; };"
conf a "$peer_a"
conf b "$peer_b"
larval() { ip netns exec vt-a sysctl -n net.core.xfrm_larval_drop; }
[ "$(larval)" = 1 ] || fail "net.core.xfrm_larval_drop in vt-a is $(larval) before vtid, not the kernel's 1"

# A TCP listener on B's VTI address, answering every connect.
listen_tcp vt-b 10.6.0.2 179
start b
start a
wait_for 30 "both vtids started" sh -c "grep -q 'vtid started' '$W/a.log' && grep -q 'vtid started' '$W/b.log'"
[ "$(larval)" = 0 ] || fail "net.core.xfrm_larval_drop in vt-a is $(larval) with hold_packets = true"
ok "hold_packets = true: net.core.xfrm_larval_drop 1 -> 0 in vtid's namespace"

# connect_timed NAME: one connect from A to B through the VTI while the
# xfrm events are watched; prints "CONNECT NEGOTIATION AFTER_SA" (s) and
# the failed tries.
connect_timed() {
	local mon=$W/mon.$1 t0 t1 errs sa
	xfrm_watch vt-a "$mon"
	sleep 0.5
	# Like a BGP speaker: a refused or unreachable connect is tried
	# again a second later (through a VTI, a packet dropped for want
	# of an SA comes back as "No route to host").
	ip netns exec vt-a "$PY" -c '
import socket, time
t0, errs = time.time(), 0
while True:
    try:
        socket.create_connection(("10.6.0.2", 179), timeout=10).close()
        break
    except OSError:
        errs += 1
        if time.time() - t0 > 15:
            raise
        time.sleep(1)
print(t0, time.time(), errs)
' > "$W/conn.$1" || { kill "$XFRM_WATCH"; echo "connect through vti6x failed for 15 s"; return 1; }
	sleep 0.5
	kill "$XFRM_WATCH"
	read -r t0 t1 errs < "$W/conn.$1"
	sa=$(xfrm_sa_time "$mon" 2001:db8:1::1 2001:db8:1::2) || return 1
	awk -v t0="$t0" -v t1="$t1" -v sa="$sa" -v e="$errs" \
	    'BEGIN { printf "%.3f %.3f %.3f %s\n", t1 - t0, sa - t0, t1 - sa, e }'
}

nos0=$(xfrm_stat vt-a XfrmOutNoStates)
connect_timed hold > "$W/t.hold" || fail "hold: $(cat "$W/t.hold")"
read -r conn neg after errs < "$W/t.hold"
nos=$(($(xfrm_stat vt-a XfrmOutNoStates) - nos0))
ok "hold_packets = true: connected in $conn s; negotiation $neg s, connected $after s after the SA; $nos packets dropped for want of an SA"
[ "$nos" = 0 ] && [ "$errs" = 0 ] || fail "hold: $nos packets dropped (XfrmOutNoStates), $errs failed connects with hold_packets = true"
awk -v a="$after" -v m="$AIM" -v s="$SLACK" 'BEGIN { exit !(a <= m + s) }' ||
	fail "hold: connected $after s after the SA; aim $AIM s (+ $SLACK s TCG slack)"

# hold_packets = false by reload: the kernel's drop again.
conf a "$peer_a"
sed -i '1i hold_packets = false;' "$W/a.conf"
ctl a reload > "$W/reload.out" || fail "reload: $(cat "$W/reload.out")"
[ "$(larval)" = 1 ] || fail "net.core.xfrm_larval_drop is $(larval) after the reload to false"
# A restart, not "vtictl down" (which holds the peer down, traffic or
# not): the tunnel is to be negotiated again by the next packet.
stop a
start a
wait_for 30 "a started again" sh -c "[ \$(grep -c 'vtid started' '$W/a.log') -ge 1 ]"
wait_for 20 "no SA left on a after the restart" sh -c "[ \$(ip -n vt-a xfrm state | grep -c '^src') = 0 ]"
[ "$(larval)" = 1 ] || fail "net.core.xfrm_larval_drop is $(larval) after a start with hold_packets = false"
ok "hold_packets = false: reload put net.core.xfrm_larval_drop back to 1, a restart left it alone"
nos0=$(xfrm_stat vt-a XfrmOutNoStates)
connect_timed drop > "$W/t.drop" || fail "drop: $(cat "$W/t.drop")"
read -r conn2 neg2 after2 errs2 < "$W/t.drop"
nos2=$(($(xfrm_stat vt-a XfrmOutNoStates) - nos0))
ok "hold_packets = false: connected in $conn2 s after $errs2 failed tries; negotiation $neg2 s, connected $after2 s after the SA; $nos2 packets dropped for want of an SA"
[ "$nos2" -ge 1 ] || fail "drop: no packet dropped (XfrmOutNoStates) with larval_drop 1"

# Back to true, then stop: the old value comes back.
conf a "$peer_a"
ctl a reload > "$W/reload.out" || fail "reload: $(cat "$W/reload.out")"
[ "$(larval)" = 0 ] || fail "net.core.xfrm_larval_drop is $(larval) after the reload to true"
stop a
[ "$(larval)" = 1 ] || fail "net.core.xfrm_larval_drop is $(larval) after vtid stopped, not 1 again"
ok "reload to true: 0; vtid stopped: 1 again"
echo "PASS: first packet held: connected $after s after the SA (negotiation $neg s), none dropped; without: $nos2 dropped, connected $after2 s after the SA"
