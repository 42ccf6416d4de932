#!/usr/bin/env bash
# Negotiation failures leave clear log lines on both sides and no kernel
# state: a wrong PSK gives AUTHENTICATION_FAILED, disjoint
# proposals give NO_PROPOSAL_CHOSEN, for the IKE SA and for the CHILD SA.
# Topology in lib.sh; a initiates (start), b responds (add).
. "$(dirname "$0")/lib.sh"

setup_pair
peer() {	# peer NAME LOCAL REMOTE START PSK IKE ESP
	echo "name = \"$1\"; local = \"$2\"; remote = \"$3\"; start = \"$4\";
	    mark = 7; psk = \"$5\"; ike = { proposals = \"$6\"; };
	    esp = { proposals = \"$7\"; }; vti = { name = \"vti7\"; };"
}
no_state() {	# no SA in either namespace, no policy (start/add peers)
	for n in a b; do
		[ "$(xfrm_count vt-$n state)" = 0 ] ||
			fail "$1: vt-$n holds $(xfrm_count vt-$n state) SAs"
		[ "$(xfrm_count vt-$n policy)" = 0 ] ||
			fail "$1: vt-$n holds $(xfrm_count vt-$n policy) policies"
	done
}
run_case() {	# run_case WHAT PATTERN-A PATTERN-B
	start b
	wait_for 40 "b ready" grep -q 'vtid started' "$W/b.log"
	start a
	wait_for 45 "$1: a logs '$2'" grep -q "$2" "$W/a.log"
	wait_for 15 "$1: b logs '$3'" grep -q "$3" "$W/b.log"
	sleep 0.5
	no_state "$1"
	ok "$1: a: $(grep -m1 "$2" "$W/a.log")"
	ok "$1: b: $(grep -m1 "$3" "$W/b.log")"
	ctl a status | grep -c >/dev/null "last error" || fail "$1: vtictl status shows no last error"
	ok "$1: vtictl status: $(ctl a status | tail -n1 | sed 's/^ *//')"
	stop a
	stop b
}

G=aes256gcm16-prfsha384-ecp384!
conf a "$(peer B 2001:db8:1::1 2001:db8:1::2 start "$PSK" $G $G)"
conf b "$(peer A 2001:db8:1::2 2001:db8:1::1 add "wrong-${PSK}" $G $G)"
run_case "wrong PSK" "AUTHENTICATION_FAILED" "AUTHENTICATION_FAILED"

conf a "$(peer B 2001:db8:1::1 2001:db8:1::2 start "$PSK" aes128-sha256-modp2048! $G)"
conf b "$(peer A 2001:db8:1::2 2001:db8:1::1 add "$PSK" $G $G)"
run_case "IKE proposal mismatch" "NO_PROPOSAL_CHOSEN" "NO_PROPOSAL_CHOSEN for IKE SA"

conf a "$(peer B 2001:db8:1::1 2001:db8:1::2 start "$PSK" $G aes128-sha256!)"
conf b "$(peer A 2001:db8:1::2 2001:db8:1::1 add "$PSK" $G $G)"
run_case "ESP proposal mismatch" "no CHILD SA: peer answered NO_PROPOSAL_CHOSEN" "no CHILD SA: NO_PROPOSAL_CHOSEN"

echo "PASS: wrong PSK, IKE and ESP proposal mismatches: clear errors, no kernel state"
