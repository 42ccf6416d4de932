#!/usr/bin/env bash
# One vtid per network namespace: a second `vtid -c` started by mistake
# (same file, or another one) exits before it touches the kernel, and the
# running vtid keeps its policies, its control socket and its peers. Runs
# on the host: the trap policies of a route peer need no ESP kernel.
#
#   netns op-in: vtid #1 (V2-2, route: ::/0 and 0.0.0.0/0 trap policies)
#                vtid #2, same file: refused; vtid #3, another control
#                socket: refused too
#   netns op-in2: vtid #4 with the same file: runs (another namespace)
set -euo pipefail
# shellcheck source=tests/lib/testlib.sh
. "$(dirname "$0")/../../lib/testlib.sh"
need_vtid
W=$(mktemp -d /tmp/op-in.XXXXXX)

cleanup() {
	kill_pidfile "$W"/*.pid
	netns_del op-in op-in2
	rm -rf "$W"
}
trap cleanup EXIT
dump_state() {	# for fail
	local l
	for l in "$W"/*.log; do echo "--- $l"; tail -n 20 "$l"; done
}
conf() {	# conf FILE SOCKET
	cat > "$1" <<EOC
control_socket = "$2";
local_addresses = [ "2001:db8:78::1" ];
peers = ( { name = "V2-2"; remote = "2001:db8:78::2"; psk = "$PSK";
    mark = 4; start = "route"; } );
EOC
	chmod 600 "$1"
}
state() {	# state NETNS: the kernel's policies and SAs of the namespace
	{ ip -n "$1" xfrm policy; ip -n "$1" xfrm state; } | sort | sha256sum | cut -c1-16
}
npol() { ip -n "$1" xfrm policy | grep -c '^src' || true; }

for n in op-in op-in2; do
	ip netns add $n
	ip -n $n link set lo up
	ip -n $n addr add 2001:db8:78::1/128 dev lo nodad
done
conf "$W/a.conf" "$W/a.sock"
conf "$W/b.conf" "$W/b.sock"

ip netns exec op-in "$VTID" -c "$W/a.conf" > "$W/1.log" 2>&1 &
echo $! > "$W/1.pid"
wait_for 10 "vtid #1 started" grep -q 'vtid started' "$W/1.log"
pol=$(npol op-in)
[ "$pol" -ge 4 ] || fail "vtid #1: $pol policies, expected the route peer's traps"
before=$(state op-in)
ok "vtid #1 (pid $(cat "$W/1.pid")): $pol policies for V2-2"

# The same file, then another control socket: both refused, nothing changed.
for n in 2 3; do
	f=$W/a.conf
	[ $n = 2 ] || f=$W/b.conf
	rc=0
	timeout 10 ip netns exec op-in "$VTID" -c "$f" > "$W/$n.log" 2>&1 || rc=$?
	[ $rc = 1 ] || fail "vtid #$n: exit $rc, expected 1"
	grep -q "another vtid (pid $(cat "$W/1.pid")) runs in this network namespace" "$W/$n.log" ||
		fail "vtid #$n did not name the running vtid: $(cat "$W/$n.log")"
	grep -qE 'removed|purge|started' "$W/$n.log" && fail "vtid #$n touched the kernel: $(cat "$W/$n.log")"
	[ "$(state op-in)" = "$before" ] || fail "vtid #$n changed the kernel's policies or SAs"
	ok "vtid #$n ($(basename "$f")): exit 1, '$(head -1 "$W/$n.log" | sed 's/^[^:]*: //')'; policies and SAs unchanged"
done
kill -0 "$(cat "$W/1.pid")" || fail "vtid #1 died"
ip netns exec op-in "$VTICTL" -s "$W/a.sock" status | grep -c >/dev/null 'V2-2' || fail "vtid #1 does not answer"
[ -S "$W/a.sock" ] || fail "vtid #1's control socket is gone"
ok "vtid #1 still runs, answers vtictl, $(npol op-in) policies"

# Another namespace is another instance.
ip netns exec op-in2 "$VTID" -c "$W/b.conf" > "$W/4.log" 2>&1 &
echo $! > "$W/4.pid"
wait_for 10 "vtid #4 started in op-in2" grep -q 'vtid started' "$W/4.log"
ok "vtid #4 in op-in2: started beside vtid #1 ($(npol op-in2) policies there)"

# vtid #1 stops cleanly and frees the lock: a new one starts at once.
kill "$(cat "$W/1.pid")"
wait_for 10 "vtid #1 stopped" sh -c "! kill -0 $(cat "$W/1.pid") 2>/dev/null"
[ "$(npol op-in)" = 0 ] || fail "vtid #1 left $(npol op-in) policies"
ip netns exec op-in "$VTID" -c "$W/a.conf" > "$W/5.log" 2>&1 &
echo $! > "$W/5.pid"
wait_for 10 "vtid #5 started after #1 stopped" grep -q 'vtid started' "$W/5.log"
kill -9 "$(cat "$W/5.pid")"
sleep 0.2
ip netns exec op-in "$VTID" -c "$W/a.conf" > "$W/6.log" 2>&1 &
echo $! > "$W/6.pid"
wait_for 10 "vtid #6 started after #5 was killed" grep -q 'vtid started' "$W/6.log"
ok "the lock dies with its vtid: a new one starts after a clean stop and after SIGKILL"
echo "PASS: one vtid per network namespace; a second changes nothing"
