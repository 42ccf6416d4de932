#!/usr/bin/env bash
# vtid's whole life under its own seccomp filter, with real tunnels
# (vtid(8), SANDBOX AND MEMORY): both vtids run with the default
# configuration (sandbox = true, kill mode); the filter is in force
# (Seccomp 2) from start to stop; tunnels come up and carry pings; every
# vtictl read command; CHILD and IKE rekeys; a reload on each side that
# adds a peer whose VTI lives in another namespace and removes another
# (setns, a netlink socket there, a VTI moved in and one deleted); SIGHUP;
# a clean stop that leaves nothing behind. A call outside the allow-list
# would kill vtid (SIGSYS, an audit record type 1326): none may appear.
# vtid A runs with RLIMIT_MEMLOCK unlimited (memory locked, VmLck > 0,
# vtid_memory_locked 1), B with the kernel's default (not locked, a
# notice line, vtid_memory_locked 0).
#
#   netns sv-priv (A's VTIs vti2, vti3)
#          |
#   netns sv-a: vtid A                           netns sv-b: vtid B
#   2001:db8:5::1, ::21, ::31 <----- veth -----> 2001:db8:5::2, ::22, ::32
#   peer B1 (vti1 10.1.0.1/30)                   peer A1 (vti1 10.1.0.2/30)
#   peer B3 (vti3 in sv-priv) -> reload: B2      peer A3 -> reload: A2
set -euo pipefail
# shellcheck source=tests/lib/testlib.sh
. "$(dirname "$0")/../../lib/testlib.sh"
need_vtid
W=$(mktemp -d /tmp/sv-vm.XXXXXX)
PY=/usr/bin/python3

cleanup() {
	local n
	for n in a b; do
		[ -f "$W/$n.pid" ] && kill -9 "$(cat "$W/$n.pid")" 2>/dev/null || true
	done
	for n in sv-a sv-b sv-priv; do ip netns del $n 2>/dev/null || true; done
	rm -rf "$W"
}
trap cleanup EXIT
dump_state() {	# called by fail
	local n
	for n in a b; do echo "--- vtid $n"; tail -n 30 "$W/$n.log" 2>/dev/null || true; done
	dmesg | grep 'type=1326' | tail -5 || true
}
ctl() { ip netns exec "sv-$1" "$VTICTL" -s "$W/$1.sock" "${@:2}"; }
pidof_side() { cat "$W/$1.pid"; }
field() {	# field SIDE NAME: from /proc/PID/status
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$(pidof_side "$1")/status"
}
up() { [ "$(ctl "$1" state "$2")" = up ]; }
# peer SIDE N [VTI-EXTRA]: peer N as SIDE sees it
peer() {
	local l r name
	if [ "$1" = a ]; then l=1 r=2 name=B$2; else l=2 r=1 name=A$2; fi
	echo "{ name = \"$name\"; local = \"2001:db8:5::$2$l\";
	    remote = \"2001:db8:5::$2$r\"; psk = \"$PSK\"; mark = $2;
	    start = \"start\";
	    vti = { addresses = [ \"10.$2.0.$l/30\" ]; ${3:-} }; }"
}
# conf SIDE PEER...: B's devices are XFRM interfaces (VTID_TEST_IFACE_B,
# as in tests/vm/daemon/lib.sh), A's VTIs, both named vti%mark%.
conf() {
	local side=$1 t=vti
	shift
	[ "$side" != b ] || t=${VTID_TEST_IFACE_B:-xfrm}
	conf_write "$W/$side.conf" "control_socket = \"$W/$side.sock\";
retransmit = { timeout = 1.0; tries = 3; };
interface = { type = \"$t\"; name = \"vti%mark%\"; };" "$@"
}
# Both alive, both still under the filter, no call stopped.
confined() {
	local n
	for n in a b; do
		kill -0 "$(pidof_side $n)" 2>/dev/null || fail "vtid $n died ($1)"
		[ "$(field $n Seccomp)" = 2 ] || fail "vtid $n: Seccomp $(field $n Seccomp) ($1)"
	done
	! dmesg | grep -q 'type=1326' || fail "a seccomp kill in the kernel log ($1)"
}
ping_in() {	# ping_in NETNS ADDR
	ip netns exec "$1" ping -c 3 -i 0.3 -W 2 "$2" > /dev/null
}

# ---- topology
for n in sv-a sv-b sv-priv; do
	ip netns add $n
	ip -n $n link set lo up
	ip netns exec $n sysctl -qw net.ipv6.conf.default.accept_dad=0 \
	    net.ipv6.conf.default.router_solicitations=0
done
ip link add sv-va netns sv-a type veth peer name sv-vb netns sv-b
for i in '' 1 2 3; do
	ip -n sv-a addr add "2001:db8:5::${i}1/64" dev sv-va nodad
	ip -n sv-b addr add "2001:db8:5::${i}2/64" dev sv-vb nodad
done
ip -n sv-a link set sv-va up
ip -n sv-b link set sv-vb up
dmesg | grep -q 'type=1326' && fail "seccomp kills in the kernel log before the test"

# ---- start: A with its memory lockable, B with the default limit
conf a "$(peer a 1)" "$(peer a 3 'netns = "sv-priv";')"
conf b "$(peer b 1)" "$(peer b 3)"
ip netns exec sv-b "$VTID" -c "$W/b.conf" > "$W/b.log" 2>&1 &
echo $! > "$W/b.pid"
(ulimit -l unlimited && exec ip netns exec sv-a "$VTID" -c "$W/a.conf") > "$W/a.log" 2>&1 &
echo $! > "$W/a.pid"
for n in a b; do
	wait_for 30 "vtid $n started" grep -q 'vtid started' "$W/$n.log"
	grep -q 'sandbox: system call filter in force' "$W/$n.log" || fail "vtid $n: no 'filter in force' line"
done
confined "start"
ok "both vtids under their filter: Seccomp 2; $(grep -o 'filter in force, [0-9]* calls allowed' "$W/a.log")"

ctl a metrics > "$W/a.metrics"
ctl b metrics > "$W/b.metrics"
grep -qx 'vtid_memory_locked 1' "$W/a.metrics" || fail "A: $(grep memory_locked "$W/a.metrics")"
grep -q 'memory locked: keys stay out of swap' "$W/a.log" || fail "A: no 'memory locked' line"
[ "$(field a VmLck)" -gt 1000 ] || fail "A: VmLck $(field a VmLck) kB"
ok "A (RLIMIT_MEMLOCK unlimited): memory locked, VmLck $(field a VmLck) kB, vtid_memory_locked 1"
blim=$(ip netns exec sv-b sh -c 'ulimit -l')
if [ "$blim" != unlimited ]; then
	grep -qx 'vtid_memory_locked 0' "$W/b.metrics" || fail "B: $(grep memory_locked "$W/b.metrics")"
	grep -q 'memory not locked, keys may be swapped out' "$W/b.log" || fail "B: no notice line"
	[ "$(field b VmLck)" = 0 ] || fail "B: VmLck $(field b VmLck) kB"
	ok "B (RLIMIT_MEMLOCK $blim KiB): not locked, one notice line, vtid_memory_locked 0, VmLck 0"
fi
for n in a b; do grep -qx 'vtid_sandbox 1' "$W/$n.metrics" || fail "$n: not vtid_sandbox 1"; done

# ---- tunnels up, traffic
wait_for 60 "B1 up" up a B1
wait_for 60 "B3 up" up a B3
ping_in sv-a 10.1.0.2 || fail "ping through vti1"
ping_in sv-priv 10.3.0.2 || fail "ping through vti3 (in sv-priv)"
ok "B1 and B3 up; ping through vti1 and through vti3 in sv-priv"
kinds_facing sv-a sv-b vti1
for c in status "status -j" list "list B1" "-j list" metrics config "log-level"; do
	# shellcheck disable=SC2086
	ctl a $c > "$W/out" || fail "vtictl $c"
done
ok "vtictl status, status -j, list, list B1, -j list, metrics, config, log-level"
confined "tunnels and vtictl"

# ---- rekeys
child_rk() { ctl a -j list B1 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["peers"][0]["total"]["child_rekeys"])'; }
ike_rk() { ctl a -j list B1 | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["peers"][0]["total"]["ike_rekeys"])'; }
c0=$(child_rk) i0=$(ike_rk)
ctl a rekey B1 > /dev/null || fail "vtictl rekey B1"
for ((t = 0; t < 300; t++)); do [ "$(child_rk)" -gt "$c0" ] && break; sleep 0.1; done
[ "$(child_rk)" -gt "$c0" ] || fail "no CHILD rekey of B1 within 30 s"
ctl a rekey B1 --ike > /dev/null || fail "vtictl rekey B1 --ike"
for ((t = 0; t < 300; t++)); do [ "$(ike_rk)" -gt "$i0" ] && break; sleep 0.1; done
[ "$(ike_rk)" -gt "$i0" ] || fail "no IKE rekey of B1 within 30 s"
wait_for 30 "B1 up after the rekeys" up a B1
ping_in sv-a 10.1.0.2 || fail "ping through vti1 after the rekeys"
ok "CHILD and IKE rekeys of B1 ($(child_rk) and $(ike_rk)); ping through vti1"
confined "rekeys"

# ---- reloads: B2 (VTI in sv-priv) in, B3 out; then SIGHUP unchanged
conf b "$(peer b 1)" "$(peer b 2)"
ctl b reload > "$W/b.reload" || fail "B: reload: $(cat "$W/b.reload")"
conf a "$(peer a 1)" "$(peer a 2 'netns = "sv-priv";')"
ctl a reload > "$W/a.reload" || fail "A: reload: $(cat "$W/a.reload")"
grep -q 'added B2; removed B3' "$W/a.reload" || fail "A: reload: $(cat "$W/a.reload")"
wait_for 60 "B2 up" up a B2
ping_in sv-priv 10.2.0.2 || fail "ping through vti2 (in sv-priv)"
ip -n sv-priv link show vti3 > /dev/null 2>&1 && fail "vti3 still in sv-priv after B3 was removed"
kill -HUP "$(pidof_side a)"
wait_for 20 "SIGHUP reload of A" grep -q '2 peers: .* 2 unchanged' "$W/a.log"
ping_in sv-a 10.1.0.2 || fail "ping through vti1 after the reloads"
ok "reloads: B2 added (vti2 in sv-priv, ping), B3 removed (vti3 gone), SIGHUP; ping through vti1"
confined "reloads"

# ---- stop: clean exits, nothing left
for n in a b; do
	pid=$(pidof_side $n)
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	rm -f "$W/$n.pid"
	[ $rc = 0 ] || fail "vtid $n: exit status $rc after SIGTERM (159: SIGSYS)"
	grep -q 'vtid stopped' "$W/$n.log" || fail "vtid $n: no 'vtid stopped'"
done
for n in sv-a sv-b; do
	[ -z "$(ip -n $n xfrm state)" ] || fail "SAs left in $n"
	[ -z "$(ip -n $n xfrm policy)" ] || fail "policies left in $n"
done
# (ip6_vti0 is the kernel's own fallback device, in every namespace.)
for n in sv-a sv-b sv-priv; do
	left=$(ip -n $n -o link show | grep -oE ': vti[0-9]+[@:]' || true)
	[ -z "$left" ] || fail "VTIs left in $n: $left"
done
! dmesg | grep -q 'type=1326' || fail "a seccomp kill in the kernel log"
! grep -q 'sandbox: system call [0-9]' "$W/a.log" "$W/b.log" || fail "a call was stopped"
ok "SIGTERM: both exit 0; no SA, policy or VTI (vti1-3) left; no seccomp record in the kernel log"
echo "PASS: a whole lifecycle under vtid's own filter (tunnels, vtictl, rekeys, reloads with setns, stop)"
