#!/usr/bin/env bash
# The wall clock stepped by hours, both ways, under running tunnels: vtid
# measures every duration on the monotonic clock, so nothing fires early
# or late and the ages it shows stay true.
#
#   1. +3 h: the CHILD SA is rekeyed when its timer said before the step;
#      the ages vtictl shows are seconds, not hours.
#   2. +3 h more while A's DPD request is out (B stopped): A declares B
#      dead at the DPD timeout, not at its next retransmission.
#   3. -9 h, then B stopped while idle: A sends its DPD request within a
#      delay or two and declares B dead at the timeout (a DPD on the
#      wall clock would wait 9 h).
#
# The guest's clock is the guest's own; the host's is never touched. The
# test's own waits use /proc/uptime, which no step moves.
. "$(dirname "$0")/../daemon/lib.sh"

DELAY=3 TIMEOUT=15 REKEY=40
PY=/usr/bin/python3
shift_s=0	# how far the test has moved the wall clock

# The guest's wall clock moved by $1 seconds (and back at exit).
step() {
	date -s "@$(($(date +%s) + $1))" > /dev/null
	shift_s=$((shift_s + $1))
}
restore() {
	[ "$shift_s" = 0 ] || date -s "@$(($(date +%s) - shift_s))" > /dev/null
	shift_s=0
}
trap 'restore; cleanup' EXIT

# Monotonic seconds (to 0.01 s), and polls and waits measured on them.
mono() {
	local up _
	read -r up _ < /proc/uptime
	echo "$up"
}
since() { awk -v t0="$1" -v t="$(mono)" 'BEGIN { printf "%.1f", t - t0 }'; }
past() { awk -v s="$(since "$1")" -v d="$2" 'BEGIN { exit !(s >= d) }'; }
mwait() {	# mwait SECONDS WHAT COMMAND...
	local secs=$1 what=$2 t0
	shift 2
	t0=$(mono)
	until "$@" > /dev/null 2>&1; do
		past "$t0" "$secs" && fail "$what: not within $secs s"
		sleep 0.2
	done
}
between() {	# between X LO HI
	awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'
}
state_is() { [ "$(ctl a state B)" = "$1" ]; }
not_up() { ! state_is up; }
# jlist EXPR: a Python expression over A's view of B (vtictl -j list):
# p the peer, child its current SA's current CHILD SA.
jlist() {
	ctl a -j list B | "$PY" -c "import json,sys
p = json.load(sys.stdin)['peers'][0]
cur = [s for s in p['ike_sas'] if s['current']][0]
child = [c for c in cur['children'] if c['role'] == 'current'][0]
print($1)"
}
checks() { grep -c 'liveness check' "$W/a.log" || true; }
# request_after N0 WHAT: wait for A's liveness check number N0+1 (B is
# stopped, so A finds it idle within a DPD delay or two).
request_after() {
	mwait $((3 * DELAY + 10)) "A's liveness check of the stopped B ($2)" \
	    sh -c "[ \$(grep -c 'liveness check' $W/a.log) -gt $1 ]"
}
# dead_after TREQ WHAT: A declares B dead at the DPD timeout after its
# request (sent at TREQ), then B resumes and the tunnel comes back.
dead_after() {
	local dead t1
	mwait $((TIMEOUT + 20)) "B declared dead ($2)" not_up
	dead=$(since "$1")
	between "$dead" $((TIMEOUT - 1)) $((TIMEOUT + 4)) ||
		fail "$2: B declared dead $dead s after A's liveness check; DPD timeout $TIMEOUT s"
	ok "$2: B declared dead $dead s after A's liveness check (DPD timeout $TIMEOUT s)"
	kill -CONT "$(cat "$W/b.pid")"
	t1=$(mono)
	mwait 40 "tunnel up again after B resumed ($2)" state_is up
	ok "$2: tunnel up again $(since "$t1") s after B resumed"
}

setup_pair
dpd="dpd = { delay = $DELAY; timeout = $TIMEOUT; action = \"restart\"; };"
# A rekeys the CHILD SA (B's rekey_time is far off), so A's timer alone
# says when.
common="ike = { proposals = \"aes128gcm16-prfsha256-x25519!\"; };
    psk = \"$PSK\"; mark = 5;"
conf a "name = \"B\"; local = \"2001:db8:1::1\"; remote = \"2001:db8:1::2\";
    start = \"start\"; $common $dpd
    esp = { proposals = \"aes128gcm16!\"; rekey_time = $REKEY; jitter = 1; margin = 10; };
    vti = { name = \"vti5\"; addresses = [ \"10.5.0.1/30\" ]; };"
conf b "name = \"A\"; local = \"2001:db8:1::2\"; remote = \"2001:db8:1::1\";
    start = \"add\"; $common esp = { proposals = \"aes128gcm16!\"; rekey_time = 600; };
    dpd = { delay = 60; timeout = 150; action = \"clear\"; };
    vti = { name = \"vti5\"; addresses = [ \"10.5.0.2/30\" ]; };"
start b
mwait 40 "b ready" grep -q 'vtid started' "$W/b.log"
start a
mwait 60 "tunnel up" state_is up
ip netns exec vt-a ping -c 3 -i 0.3 -W 2 10.5.0.2 > /dev/null || fail "ping through vti5"
ok "tunnel up, ping through vti5"

# ---- 1. +3 h: the CHILD rekey on time, true ages
rk0=$(jlist "p['total']['child_rekeys']")
left=$(jlist "child['rekey_in']")
t0=$(mono)
step 10800
ok "wall clock +3 h; the CHILD SA's rekey due in $left s"
sleep 1
up_for=$(jlist "p['up_for']")
age=$(jlist "child['age']")
between "$up_for" 0 120 || fail "A shows the tunnel up for $up_for s after the +3 h step"
between "$age" 0 120 || fail "A shows a CHILD SA age of $age s after the +3 h step"
ok "ages after +3 h: up for $up_for s, CHILD SA age $age s"
rekeyed() { [ "$(jlist "p['total']['child_rekeys']")" -gt "$rk0" ]; }
mwait $((REKEY + 20)) "CHILD rekey after the +3 h step" rekeyed
at=$(since "$t0")
between "$at" "$(awk -v l="$left" 'BEGIN { print l - 2 }')" "$(awk -v l="$left" 'BEGIN { print l + 5 }')" ||
	fail "CHILD SA rekeyed $at s after the step; due in $left s"
ok "CHILD SA rekeyed $at s after the +3 h step (due in $left s)"
ip netns exec vt-a ping -c 3 -i 0.3 -W 2 10.5.0.2 > /dev/null || fail "ping after the rekey"

# ---- 2. +3 h more while A's DPD request is out
n0=$(checks)
kill -STOP "$(cat "$W/b.pid")"
request_after "$n0" "+3 h"
treq=$(mono)
step 10800
ok "wall clock +3 h more, just after A's liveness check of the stopped B"
dead_after "$treq" "+3 h during DPD"

# ---- 3. -9 h, B stopped while A is idle
sleep 1
n0=$(checks)
step -32400
kill -STOP "$(cat "$W/b.pid")"
ok "wall clock -9 h (3 h before the start), B stopped"
request_after "$n0" "-9 h"
dead_after "$(mono)" "-9 h"
restore
echo "PASS: wall-clock steps of +3 h, +3 h, -9 h: rekey on time, ages true, DPD verdicts at the timeout"
