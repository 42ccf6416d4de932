#!/usr/bin/env bash
# Two vtids started with VTID_IMPAIR=none, so that "vtictl impair" may set
# rules; a initiates (start), b responds (add). Topology in
# tests/vm/daemon/lib.sh. Each case sets one rule, brings the tunnel up
# and checks that the fault happened (vtid_impair_* metrics) and that the
# engine coped (its own counters, the kernel's SAs):
#   dropped IKE_AUTH request     -> retransmitted, established
#   duplicated IKE_AUTH request  -> answered from b's response cache, one CHILD SA
#   corrupted IKE_AUTH request   -> dropped by b as a bad ICV, retransmitted
#   IKE_AUTH response held 3 s   -> a retransmits (timeout 2 s), up once
#   sa_add failing in b          -> clean failure naming the peer, no SA left;
#                                   up by a's own retry once the rule is gone
. "$(dirname "$0")/../daemon/lib.sh"
export VTID_IMPAIR=none

setup_pair
peer() {	# peer NAME LOCAL REMOTE START
	echo "name = \"$1\"; local = \"$2\"; remote = \"$3\"; start = \"$4\";
	    mark = 9; psk = \"$PSK\"; vti = { name = \"vti9\"; };
	    ike = { proposals = \"aes128gcm16-prfsha256-x25519!\"; };
	    esp = { proposals = \"aes128gcm16-x25519!\"; };"
}
conf a "$(peer B 2001:db8:1::1 2001:db8:1::2 start)"
conf b "$(peer A 2001:db8:1::2 2001:db8:1::1 add)"

metric() {	# metric a|b NAME: its value (0 if absent)
	ctl "$1" metrics | awk -v m="$2" '$1 == m { v = $2 } END { print v + 0 }'
}
acted() {	# acted a|b ACTION
	metric "$1" "vtid_impair_actions_total{action=\"$2\"}"
}
sas() {		# sas a|b: ESP SAs in the kernel
	xfrm_count "vt-$1" state
}
both_up() {
	installed a && installed b
}
# up_case WHAT: a brings B up; returns once both show the CHILD SA,
# printing the seconds it took in $T.
up_case() {
	local t0
	t0=$(now)
	ctl a up B > /dev/null
	wait_for 40 "$1: tunnel up" both_up
	T=$(elapsed "$t0")
}
down() {	# the tunnel down and both sides empty before the next case
	ctl a down B > /dev/null
	wait_for 20 "down: b without SAs" test "$(sas b)" = 0
	wait_for 20 "down: a without SAs" test "$(sas a)" = 0
	ctl a impair off > /dev/null
	ctl b impair off > /dev/null
}

start b
wait_for 40 "b ready" grep -q 'vtid started' "$W/b.log"
# a's peer is a start peer, initiating as vtid starts: the first case's
# rule comes from the environment, the others from vtictl impair.
VTID_IMPAIR="out.auth.req:drop@1" start a
wait_for 40 "a ready" grep -q 'vtid started' "$W/a.log"
grep -q 'IMPAIR: test-only fault injection (VTID_IMPAIR) is on' "$W/a.log" ||
	fail "a did not log that impair is on"
ctl a status | grep -q '^IMPAIR (test-only' || fail "vtictl status does not show impair"
wait_for 40 "drop: tunnel up" both_up
[ "$(acted a drop)" = 1 ] || fail "drop: a dropped $(acted a drop) messages, not 1"
rt=$(metric a vtid_ike_tx_retransmits_total)
[ "$rt" -ge 1 ] || fail "drop: a never retransmitted"
ok "dropped IKE_AUTH request: a retransmitted $rt time(s), tunnel up, $(sas a)/$(sas b) SAs"
down

cached0=$(metric b vtid_ike_rx_retransmits_total)
ctl a impair out.auth.req:dup@1 > /dev/null
up_case dup
[ "$(acted a dup)" = 1 ] || fail "dup: a duplicated $(acted a dup) messages, not 1"
cached=$(( $(metric b vtid_ike_rx_retransmits_total) - cached0 ))
[ "$cached" -ge 1 ] || fail "dup: b did not answer the copy from its cache"
sleep 1
[ "$(sas b)" = 2 ] || fail "dup: b holds $(sas b) SAs, not one CHILD SA's 2"
[ "$(sas a)" = 2 ] || fail "dup: a holds $(sas a) SAs, not 2"
ok "duplicated IKE_AUTH request: answered from b's response cache ($cached), one CHILD SA, up in $T s"
down

icv0=$(metric b vtid_ike_bad_icv_total)
ctl a impair out.auth.req:corrupt@1 > /dev/null
up_case corrupt
icv=$(( $(metric b vtid_ike_bad_icv_total) - icv0 ))
[ "$(acted a corrupt)" = 1 ] || fail "corrupt: a corrupted $(acted a corrupt) messages"
[ "$icv" = 1 ] || fail "corrupt: b counted $icv bad ICVs, not 1"
ok "corrupted IKE_AUTH request: b dropped it as a bad ICV ($icv), a retransmitted, up in $T s"
down

rt0=$(metric a vtid_ike_tx_retransmits_total)
ctl b impair out.auth.resp:delay=3000@1 > /dev/null
up_case delay
rt=$(( $(metric a vtid_ike_tx_retransmits_total) - rt0 ))
[ "$rt" -ge 1 ] || fail "delay: a did not retransmit while the response was held"
sleep 3		# the held response lands, late
[ "$(acted b delay)" = 1 ] || fail "delay: b delayed $(acted b delay) messages"
[ "$(sas a)" = 2 ] && [ "$(sas b)" = 2 ] || fail "delay: $(sas a)/$(sas b) SAs, not 2/2"
both_up || fail "delay: the late response took the tunnel down"
ok "IKE_AUTH response held 3 s: a retransmitted ($rt), up in $T s, the late copy changed nothing"
down

ctl b impair sa_add:fail=ENOBUFS > /dev/null
ctl a up B > /dev/null
wait_for 40 "sa_add: b logs the failure with the peer's name" \
    grep -q 'A: IMPAIR sa_add: sa_add fails: No buffer space' "$W/b.log"
wait_for 20 "sa_add: a logs no CHILD SA" grep -q 'no CHILD SA' "$W/a.log"
sleep 1
[ "$(sas b)" = 0 ] || fail "sa_add: b holds $(sas b) SAs after the failure"
[ "$(sas a)" = 0 ] || fail "sa_add: a holds $(sas a) SAs after the failure"
installed a && fail "sa_add: a shows a CHILD SA"
ok "failing sa_add: b: $(grep -m1 'no CHILD SA' "$W/b.log"); no SA left in a or b"
t0=$(now)
ctl b impair off > /dev/null
wait_for 60 "sa_add lifted: a's retry brings the tunnel up" both_up
ok "sa_add failure lifted: up by a's own retry $(elapsed "$t0") s later ($(acted b fail) failed calls)"
[ "$(metric a vtid_impair_active)" = 1 ] || fail "metrics: vtid_impair_active is not 1"

stop a
stop b
echo "PASS: drop, dup, corrupt, delay and a failing sa_add: the engine coped each time"
