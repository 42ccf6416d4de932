#!/usr/bin/env bash
# vtid's own sandbox on the host (vtid(8), SANDBOX AND MEMORY): the seccomp
# filter is in force once vtid runs, vtid works under it (IKE between two
# vtids, every vtictl command, reloads that add and remove a peer whose
# VTI lives in another namespace, SIGHUP, a clean stop), a call outside
# the allow-list kills it with SIGSYS (and does not without the filter),
# trap mode names the call, and the memory-lock state is reported. The
# host kernel has no ESP or VTI: the IKE SAs come up, the CHILD SAs and
# VTIs fail (tests/vm/sandbox has the tunnel with traffic and rekeys).
#
#   netns sb-a-N: vtid A                    netns sb-b-N: vtid B
#   2001:db8:7a::1/64 <----- veth -------> 2001:db8:7a::2/64
#   peers P (start, to B), R then Q         peer P (add)
#   (route, vti.netns sb-c-N: setns)
#   netns sb-p-N: vtid with VTID_TEST_SANDBOX_PROBE (dies), then without
#   the filter, then in trap mode (both live)
set -euo pipefail
# shellcheck source=tests/lib/testlib.sh
. "$(dirname "$0")/../../lib/testlib.sh"
need_vtid
W=$(mktemp -d /tmp/op-sb.XXXXXX)
# Names of our own: other checkouts may run this test at the same time.
N=$$
A=sb-a-$N B=sb-b-$N C=sb-c-$N P=sb-p-$N

cleanup() {
	local f
	for f in "$W"/*.pid; do
		[ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null || true
	done
	for f in $A $B $C $P; do ip netns del "$f" 2>/dev/null || true; done
	rm -rf "$W"
}
trap cleanup EXIT
dump_state() {	# called by fail
	local l
	for l in "$W"/*.log; do echo "--- $l"; tail -n 25 "$l"; done
}
status_of() {	# status_of PID FIELD: from /proc/PID/status
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}
peer() {	# peer NAME MARK REMOTE START [EXTRA]
	echo "{ name = \"$1\"; remote = \"$3\"; psk = \"$PSK\"; mark = $2; start = \"$4\"; ${5:-} }"
}
conf() {	# conf FILE SOCKET LOCAL GLOBALS PEER...
	local f=$1 sock=$2 local=$3 globals=$4
	shift 4
	conf_write "$f" "control_socket = \"$sock\";
local_addresses = [ \"$local\" ];
$globals" "$@"
}
ctl() { ip netns exec $A "$VTICTL" -s "$W/a.sock" "$@"; }
# start NAME NETNS CONF [ENV...]: vtid in the background ("ip netns exec"
# execs it: $! is vtid).
start() {
	local name=$1 ns=$2 c=$3
	shift 3
	ip netns exec "$ns" env "$@" "$VTID" -c "$c" > "$W/$name.log" 2>&1 &
	echo $! > "$W/$name.pid"
}
no_trap_lines() {	# no_trap_lines LOG: no call the filter stopped
	! grep -q 'sandbox: system call [0-9]' "$1" || fail "$1: $(grep 'sandbox: system call [0-9]' "$1")"
}

for n in $A $B $C $P; do
	ip netns add $n
	ip -n $n link set lo up
done
ip link add sba$N netns $A type veth peer name sbb$N netns $B
ip -n $A addr add 2001:db8:7a::1/64 dev sba$N nodad
ip -n $B addr add 2001:db8:7a::2/64 dev sbb$N nodad
ip -n $A link set sba$N up
ip -n $B link set sbb$N up
ip -n $P addr add 2001:db8:7a::1/128 dev lo nodad

# ---- a. The filter is in force, in both vtids
R="$(peer R 6 2001:db8:7a::6 route "vti = { netns = \"$C\"; };")"
# Q's PSK in a file: the reload that adds it opens and reads it.
Q="{ name = \"Q\"; remote = \"2001:db8:7a::5\"; psk_file = \"$W/q.psk\"; mark = 5;
    start = \"route\"; vti = { netns = \"$C\"; }; }"
printf '%s' "$PSK" > "$W/q.psk"
chmod 600 "$W/q.psk"
conf "$W/a.conf" "$W/a.sock" 2001:db8:7a::1 'log_level = "info";' \
    "$(peer P 4 2001:db8:7a::2 start)" "$R"
conf "$W/b.conf" "$W/b.sock" 2001:db8:7a::2 '' "$(peer P 4 2001:db8:7a::1 add)"
start b $B "$W/b.conf"
start a $A "$W/a.conf"
for v in a b; do
	wait_for 20 "vtid $v started" grep -q 'vtid started' "$W/$v.log"
	pid=$(cat "$W/$v.pid")
	[ "$(status_of "$pid" Seccomp)" = 2 ] ||
		fail "vtid $v: Seccomp $(status_of "$pid" Seccomp), expected 2 (filter)"
	[ "$(status_of "$pid" NoNewPrivs)" = 1 ] || fail "vtid $v: NoNewPrivs not set"
	line=$(grep -o 'sandbox: system call filter in force, [0-9]* calls allowed' "$W/$v.log") ||
		fail "vtid $v: no 'filter in force' line"
	ok "vtid $v (pid $pid): Seccomp 2, $(status_of "$pid" Seccomp_filters) filter(s); '$line'"
done
PID=$(cat "$W/a.pid")
grep -q "kept CAP_NET_ADMIN and CAP_SYS_ADMIN" "$W/a.log" ||
	fail "vtid A did not keep CAP_SYS_ADMIN for R's namespace"

# ---- b. vtid works under it
# IKE both ways (P of A initiates; B answers): sockets, getrandom, DH.
wait_for 30 "IKE SA between A and B" grep -q 'IKE SA established' "$W/a.log"
grep -q 'IKE SA established' "$W/b.log" || fail "vtid B: no IKE SA"
ok "IKE SA established A <-> B under the filter (CHILD SAs fail here: no ESP in this kernel)"
# (Outputs to files first: grep -q would leave vtictl to a SIGPIPE.)
ctl status > "$W/status" && grep -q '^ *P: ' "$W/status" || fail "vtictl status: no P"
ctl list P > "$W/list" && grep -q '^P: ' "$W/list" || fail "vtictl list P"
ctl status -j | python3 -c 'import json,sys; json.load(sys.stdin)' || fail "status -j is not JSON"
ctl metrics > "$W/metrics"
grep -qx 'vtid_sandbox 1' "$W/metrics" || fail "metrics: $(grep vtid_sandbox "$W/metrics")"
ctl config > "$W/config" && grep -qx 'sandbox = true;' "$W/config" ||
	fail "vtictl config: no 'sandbox = true;'"
ctl log-level debug > /dev/null && ctl log-level info > /dev/null || fail "vtictl log-level"
ok "vtictl status, status -j, list, metrics (vtid_sandbox 1), config, log-level"

# ---- d. The memory-lock state: reported in the log and the metrics, and
# true to /proc (VmLck).
locked=$(awk '/^vtid_memory_locked /{ print $2 }' "$W/metrics")
vmlck=$(status_of "$PID" VmLck)
limit=$(ip netns exec $A sh -c 'ulimit -l')
if [ "$locked" = 1 ]; then
	grep -q 'memory locked: keys stay out of swap' "$W/a.log" || fail "locked, but no log line"
	[ "$vmlck" -gt 0 ] || fail "vtid_memory_locked 1 but VmLck $vmlck kB"
	ok "memory locked (RLIMIT_MEMLOCK $limit): vtid_memory_locked 1, VmLck $vmlck kB"
else
	[ "$locked" = 0 ] || fail "no vtid_memory_locked in the metrics"
	[ "$limit" != unlimited ] || fail "RLIMIT_MEMLOCK unlimited, but memory not locked"
	line=$(grep -m1 'memory not locked, keys may be swapped out: ' "$W/a.log") ||
		fail "memory not locked, and no notice line says so"
	[ "$vmlck" = 0 ] || fail "vtid_memory_locked 0 but VmLck $vmlck kB"
	ok "memory not locked (RLIMIT_MEMLOCK $limit KiB): vtid_memory_locked 0, VmLck 0, one line: '$line'"
fi
# A limit that allows it, when this host lets us raise it (root with
# CAP_SYS_RESOURCE; a container may not): vtid locks.
if prlimit --memlock=unlimited true 2>/dev/null; then
	conf "$W/l.conf" "$W/l.sock" 2001:db8:7a::1 '' "$(peer L 9 2001:db8:7a::9 add)"
	ip netns exec $P prlimit --memlock=unlimited "$VTID" -c "$W/l.conf" > "$W/l.log" 2>&1 &
	echo $! > "$W/l.pid"
	wait_for 20 "vtid (memlock unlimited) started" grep -q 'vtid started' "$W/l.log"
	grep -q 'memory locked: keys stay out of swap' "$W/l.log" || fail "unlimited RLIMIT_MEMLOCK, not locked"
	lpid=$(cat "$W/l.pid")
	lck=$(status_of "$lpid" VmLck)
	[ "$lck" -gt 0 ] || fail "locked, but VmLck $lck kB"
	ip netns exec $P "$VTICTL" -s "$W/l.sock" metrics > "$W/l.metrics" &&
	    grep -qx 'vtid_memory_locked 1' "$W/l.metrics" ||
		fail "locked, but not vtid_memory_locked 1"
	kill "$lpid"
	wait "$lpid" || fail "vtid (memlock unlimited): exit $?"
	ok "RLIMIT_MEMLOCK unlimited: memory locked, VmLck $lck kB, vtid_memory_locked 1"
else
	echo "note: RLIMIT_MEMLOCK cannot be raised here; the locked path is checked in tests/vm/sandbox"
fi

# Reloads: Q added in namespace C (its psk_file read; setns, a netlink
# socket there) and R removed (setns again); Q removed and syslog
# switched on (a socket to /dev/log); syslog off and R back; SIGHUP with
# nothing changed.
conf "$W/a.conf" "$W/a.sock" 2001:db8:7a::1 'log_level = "info";' \
    "$(peer P 4 2001:db8:7a::2 start)" "$Q"
ctl reload > "$W/reload1" || fail "vtictl reload: $(cat "$W/reload1")"
grep -q 'added Q; removed R' "$W/reload1" || fail "reload 1: $(cat "$W/reload1")"
grep -q "^Q: vti5: " "$W/a.log" || fail "Q's VTI in $C was not tried"
ok "reload: $(tail -1 "$W/reload1")"
conf "$W/a.conf" "$W/a.sock" 2001:db8:7a::1 'log_level = "info"; syslog = true;' \
    "$(peer P 4 2001:db8:7a::2 start)"
ctl reload > "$W/reload2" || fail "vtictl reload 2: $(cat "$W/reload2")"
grep -q 'removed Q' "$W/reload2" || fail "reload 2: $(cat "$W/reload2")"
conf "$W/a.conf" "$W/a.sock" 2001:db8:7a::1 'log_level = "info";' \
    "$(peer P 4 2001:db8:7a::2 start)" "$R"
ctl reload > "$W/reload3" || fail "vtictl reload 3: $(cat "$W/reload3")"
grep -q 'added R' "$W/reload3" || fail "reload 3: $(cat "$W/reload3")"
kill -HUP "$PID"
wait_for 10 "SIGHUP reload" grep -q '2 peers: .* 2 unchanged' "$W/a.log"
ok "reloads: Q out and syslog on; syslog off and R (netns $C) back; SIGHUP"
n=$(grep -c 'IKE SA established' "$W/a.log")
ctl down P > /dev/null && ctl up P > /dev/null || fail "vtictl down/up P"
wait_for 30 "P up again" sh -c "[ \$(grep -c 'IKE SA established' '$W/a.log') -gt $n ]"
ok "vtictl down P, up P: a new IKE SA"

kill -0 "$PID" 2>/dev/null || fail "vtid A died under the filter"
[ "$(status_of "$PID" Seccomp)" = 2 ] || fail "vtid A: Seccomp no longer 2"
no_trap_lines "$W/a.log"
no_trap_lines "$W/b.log"
pols=$(ip -n $A xfrm policy | grep -c '^src' || true)
[ "$pols" -ge 4 ] || fail "$pols policies in $A, expected R's traps"
kill "$PID"
rc=0
wait "$PID" || rc=$?
[ $rc = 0 ] || fail "vtid A: exit status $rc after SIGTERM (159: killed by the filter)"
grep -q 'vtid stopped' "$W/a.log" || fail "no 'vtid stopped'"
[ "$(ip -n $A xfrm policy | grep -c '^src' || true)" = 0 ] || fail "vtid A left policies"
[ ! -e "$W/a.sock" ] || fail "vtid A left its control socket"
ok "SIGTERM: exit 0, its $pols policies and its control socket removed, all under the filter"

# ---- c. A call outside the allow-list kills vtid (SIGSYS)...
conf "$W/p.conf" "$W/p.sock" 2001:db8:7a::1 '' "$(peer V 7 2001:db8:7a::7 add)"
start probe $P "$W/p.conf" VTID_TEST_SANDBOX_PROBE=1
ppid=$(cat "$W/probe.pid")
rc=0
timeout 20 tail --pid="$ppid" -f /dev/null || fail "the probing vtid still runs after 20 s"
wait "$ppid" || rc=$?
[ $rc = 159 ] || fail "probing vtid: exit status $rc, expected 159 (SIGSYS)"
grep -q 'sandbox probe: qsort of 4096 bytes done' "$W/probe.log" ||
	fail "a qsort of 4 kB (sysinfo in glibc) did not pass the filter"
grep -q 'sandbox probe: calling unshare(0)' "$W/probe.log" || fail "the probe did not run"
grep -q 'unshare(0) returned' "$W/probe.log" && fail "unshare(0) returned under the filter"
ok "unshare(0) from the event loop: vtid killed by SIGSYS (exit status $rc)"

# ... and only because of the filter: without it the same probe is harmless.
conf "$W/p.conf" "$W/p.sock" 2001:db8:7a::1 'sandbox = false;' "$(peer V 7 2001:db8:7a::7 add)"
start nosb $P "$W/p.conf" VTID_TEST_SANDBOX_PROBE=1
wait_for 20 "the probe without the filter" grep -q 'unshare(0) returned 0' "$W/nosb.log"
npid=$(cat "$W/nosb.pid")
[ "$(status_of "$npid" Seccomp)" = 0 ] || fail "sandbox = false, but Seccomp $(status_of "$npid" Seccomp)"
grep -q 'sandbox: off (sandbox = false)' "$W/nosb.log" || fail "no 'sandbox: off' line"
ip netns exec $P "$VTICTL" -s "$W/p.sock" metrics > "$W/p.metrics" &&
    grep -qx 'vtid_sandbox 0' "$W/p.metrics" || fail "sandbox = false: not vtid_sandbox 0"
kill "$npid"
wait "$npid" || fail "vtid without the filter: exit $?"
ok "sandbox = false: Seccomp 0, vtid_sandbox 0, the probe returns 0 and vtid runs on"

# Trap mode names the call, which fails; vtid runs on.
conf "$W/p.conf" "$W/p.sock" 2001:db8:7a::1 '' "$(peer V 7 2001:db8:7a::7 add)"
start trap $P "$W/p.conf" VTID_TEST_SANDBOX_PROBE=1 VTID_SANDBOX=trap
wait_for 20 "the probe in trap mode" grep -q 'unshare(0) returned' "$W/trap.log"
tpid=$(cat "$W/trap.pid")
line=$(grep -m1 'sandbox: system call [0-9]* (unshare, [a-z0-9_]*) is not in the allow-list' "$W/trap.log") ||
	fail "trap mode did not name unshare"
grep -q 'unshare(0) returned -1: Function not implemented' "$W/trap.log" || fail "unshare did not fail with ENOSYS"
[ "$(status_of "$tpid" Seccomp)" = 2 ] || fail "trap mode: Seccomp not 2"
kill "$tpid"
wait "$tpid" || fail "vtid in trap mode: exit $?"
ok "VTID_SANDBOX=trap: '$line'; ENOSYS; vtid runs on and stops cleanly"
rc=0
ip netns exec $P env VTID_SANDBOX=bogus "$VTID" -c "$W/p.conf" > "$W/bogus.log" 2>&1 || rc=$?
[ $rc = 1 ] && grep -q "VTID_SANDBOX: 'bogus'" "$W/bogus.log" || fail "VTID_SANDBOX=bogus: exit $rc"
ok "VTID_SANDBOX=bogus: refused (exit 1)"
echo "PASS: the filter is in force, vtid works under it, a forbidden call kills it, the memory-lock state is reported"
