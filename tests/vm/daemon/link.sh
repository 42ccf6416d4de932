#!/usr/bin/env bash
# The interface follows the tunnel (vti.link = "tunnel", the default), so
# that routing reacts to a lost tunnel at once. a is a route peer, b
# responds (add); vti7 in vt-a-priv / vt-b-priv with IPv6 addresses:
#
#   at start: a's link up (waiting for traffic), b's down (no tunnel);
#   a ping brings the tunnel up: b's link up, a's never flapped;
#   b stops (DELETE): a's link down at once, status "re-initiating";
#     b starts again: a negotiates by itself, link and addresses back;
#   vtictl down on a: both links down; vtictl up: both back;
#   b killed (SIGKILL): a's link down when DPD finds it dead.
#
# Each time is printed; bounds carry TCG slack.
. "$(dirname "$0")/lib.sh"

setup_pair
conf_vti7 'dpd = { delay = 2; timeout = 8; };'
sed -i 's/mark = 7;/mark = 7; start = "route";/' "$W/a.conf"
sed -i 's/mark = 7;/mark = 7; start = "add";/' "$W/b.conf"

link_up() {	# link_up a|b: vti7 is administratively up
	ip -n "vt-$1-priv" -o link show vti7 2>/dev/null | grep -q '[<,]UP[,>]'
}
link_down() { ! link_up "$1"; }
has_addr() {	# has_addr a|b ADDR
	ip -n "vt-$1-priv" -o addr show dev vti7 | grep -q " $2/127 "
}
ping_b() { ip netns exec vt-a-priv ping -c1 -W1 2001:db8:ff::1; }
# time_until SECS WHAT COMMAND...: seconds until COMMAND succeeds (0.05 s
# polls), failing after SECS.
time_until() {
	local t0 secs=$1 what=$2
	t0=$(now)
	shift 2
	POLL_STEP=0.05 poll "$secs" "$@" || fail "$what: not within $secs s"
	elapsed "$t0" 2
}

start a
start b
wait_for 40 "both started" sh -c "grep -q 'vtid started' '$W/a.log' && grep -q 'vtid started' '$W/b.log'"
link_up a || fail "start: a's vti7 (route peer, waiting for traffic) is down"
link_down b || fail "start: b's vti7 is up without a tunnel"
ok "start: a's link up (route peer, waiting for traffic), b's down (no tunnel)"

wait_for 30 "ping through the tunnel" ping_b
link_up b || fail "b's link is down with the tunnel up"
has_addr b 2001:db8:ff::1 || fail "b's vti7 lost its address"
flaps=$(grep -c 'vti7 down' "$W/a.log" || true)
[ "$flaps" = 0 ] || fail "a's link went down $flaps times while traffic brought the tunnel up"
ok "traffic: tunnel up, b's link up, a's never down"

# Graceful stop of b: its DELETE takes a's link down.
t0=$(now)
stop b
down_s=$(time_until 10 "a's link down after b stopped" link_down a)
ok "b stopped: a's link down $down_s s after the stop began"
ctl a list | grep -q 'link down, re-initiating' ||
	fail "a's status: $(ctl a list | head -n1)"
ok "a: $(ctl a list | head -n1)"

# b back: nobody sends traffic (a's link is down), a negotiates itself.
start b
up_s=$(time_until 40 "a's link up after b restarted" link_up a)
wait_for 10 "a's address back" has_addr a 2001:db8:ff::
wait_for 10 "ping after the recovery" ping_b
ok "b restarted: a re-initiated by itself, link up $up_s s after the start, addresses and traffic back"

# The operator takes the tunnel down on a: both ends' links go down.
ctl a down B > /dev/null || fail "vtictl down B"
wait_for 10 "b's link down after vtictl down on a" link_down b
link_down a || fail "a's link is up after vtictl down"
ctl a list | grep -q 'link down, vtictl down' || fail "a's status: $(ctl a list | head -n1)"
ctl a up B > /dev/null || fail "vtictl up B"
wait_for 30 "links up after vtictl up" sh -c "ip -n vt-a-priv -o link show vti7 | grep -q '[<,]UP[,>]' && ip -n vt-b-priv -o link show vti7 | grep -q '[<,]UP[,>]'"
wait_for 10 "ping after vtictl up" ping_b
ok "vtictl down: both links down; vtictl up: both up, traffic back"

# b crashes: a's DPD (delay 2 s, timeout 8 s) finds it dead.
t0=$(now)
kill_pidfile "$W/b.pid"
dead_s=$(time_until 30 "a's link down after b was killed" link_down a)
ok "b killed: a's link down $dead_s s later (DPD delay 2 s + timeout 8 s)"
awk -v t="$dead_s" 'BEGIN { exit !(t <= 2 + 8 + 4) }' ||
	fail "a's link went down $dead_s s after the crash; DPD delay + timeout is 10 s (+ 4 s TCG slack)"
awk -v t="$down_s" 'BEGIN { exit !(t <= 3) }' ||
	fail "a's link went down $down_s s after a graceful stop; aim 1 s (+ 2 s TCG slack)"
echo "PASS: link follows the tunnel: down $down_s s after a graceful stop, $dead_s s after a crash (DPD 2+8 s); back $up_s s after the peer returned"
