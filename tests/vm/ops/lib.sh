# shellcheck shell=bash
# Shared by the operations VM tests: two vtid hosts joined by a veth pair,
# several address pairs on it (the kernel allows one VTI per address pair),
# one peer per pair.
#
#   netns op-a                                     netns op-b
#   +---------------------------+                  +---------------------------+
#   | vtid -c $W/a.conf         |                  | vtid -c $W/b.conf         |
#   | op-va 2001:db8:1::1, ::11 |<---------------->| op-vb 2001:db8:1::2, ::12 |
#   |       ::21, ::31, ::41    |                  |       ::22, ::32, ::42    |
#   +---------------------------+                  +---------------------------+
#
# Peer N (1..5) of a is a's 2001:db8:1::N1 <-> b's 2001:db8:1::N2, mark N,
# VTI vtiN with 10.N.0.1/30 (a) and 10.N.0.2/30 (b).
set -euo pipefail
# shellcheck source=tests/lib/testlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../lib/testlib.sh"

need_vtid
W=$(mktemp -d /tmp/op-vm.XXXXXX)
PY=/usr/bin/python3
OPNS=(op-a op-b)

dump_state() {
	local n
	for n in a b; do
		[ -f "$W/$n.log" ] && { echo "--- vtid $n log"; tail -n 40 "$W/$n.log"; }
		echo "--- op-$n: xfrm state"
		ip -n "op-$n" xfrm state 2>/dev/null | grep -E '^src|mark' | head -20 || true
	done
}
cleanup() {
	kill_pidfile "$W/a.pid" "$W/b.pid" "$W/c.pid"
	[ -f "$W/listen.pid" ] && xargs kill < "$W/listen.pid" 2>/dev/null || true
	netns_del "${OPNS[@]}"
	rm -rf "$W"
}
trap cleanup EXIT

setup_pair() {
	local i
	netns_fresh "${OPNS[@]}"
	# Or they would race the test's own "vtictl up" and "down".
	netns_quiet "${OPNS[@]}"
	ip link add op-va netns op-a type veth peer name op-vb netns op-b
	for i in '' 1 2 3 4 5; do
		ip -n op-a addr add "2001:db8:1::${i}1/64" dev op-va nodad
		ip -n op-b addr add "2001:db8:1::${i}2/64" dev op-vb nodad
	done
	ip -n op-a link set op-va up
	ip -n op-b link set op-vb up
}

# peer SIDE N [MORE [VTI]]: peer N as SIDE (a or b) sees it, MORE
# settings in the peer, VTI ones in its vti group.
peer() {
	local side=$1 n=$2 l r name
	if [ "$side" = a ]; then l=1 r=2 name=B$n; else l=2 r=1 name=A$n; fi
	echo "{ name = \"$name\"; local = \"2001:db8:1::$n$l\";
	    remote = \"2001:db8:1::$n$r\"; psk = \"$PSK\"; mark = $n;
	    vti = { addresses = [ \"10.$n.0.$l/30\" ]; ${4:-} }; ${3:-} }"
}

# conf SIDE HEAD PEER...: $W/SIDE.conf, mode 0600.
# conf SIDE HEAD PEER...: b's devices are XFRM interfaces
# (VTID_TEST_IFACE_B, as in tests/vm/daemon/lib.sh), a's VTIs: every
# tunnel has one of each, under the names vti%mark%.
conf() {
	local side=$1 head=$2
	shift 2
	[ "$side" != b ] || head="interface = { type = \"${VTID_TEST_IFACE_B:-xfrm}\"; name = \"vti%mark%\"; };
$head"
	conf_write "$W/$side.conf" "control_socket = \"$W/$side.sock\";
retransmit = { timeout = 1.0; tries = 3; };
ike = { proposals = \"aes128gcm16-prfsha256-x25519!\"; };
esp = { proposals = \"aes128gcm16!\"; };
$head" "$@"
}

# start SIDE [ENV...]: vtid in op-SIDE, stderr to $W/SIDE.log; with the
# options in VTID_ARGS, waiting for "vtid started" in READY_LOG (default
# that log).
# START_WRAP, when set, is a command vtid runs under.
VTID_ARGS=()
READY_LOG=
START_WRAP=()
start() {
	local side=$1
	shift
	: > "$W/$side.log"
	spawn "$W/$side.pid" "$W/$side.log" env "$@" "${START_WRAP[@]}" \
	    ip netns exec "op-$side" "$VTID" "${VTID_ARGS[@]}" -c "$W/$side.conf"
	wait_for 20 "vtid $side started" grep -q 'vtid started' \
	    "${READY_LOG:-$W/$side.log}"
}

# vtid's pid in op-SIDE (ip netns exec execs it: the same process)
vpid() {
	cat "$W/$1.pid"
}

# caps SIDE FIELD: CapEff, CapBnd... of vtid in op-SIDE
caps() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$(vpid "$1")/status"
}

stop() {	# stop SIDE: SIGTERM, a clean exit within 5 s
	stop_pidfile "$W/$1.pid" 5 "vtid $1"
}

ctl() {		# ctl SIDE ARGS...
	ip netns exec "op-$1" "$VTICTL" -s "$W/$1.sock" "${@:2}"
}

up() {		# up SIDE PEER: the peer has a CHILD SA
	[ "$(ctl "$1" state "$2")" = up ]
}

# spis SIDE PEER: "IN OUT" of the peer's current CHILD SA
spis() {
	ctl "$1" -j list "$2" | "$PY" -c '
import json, sys
p = json.load(sys.stdin)["peers"][0]
c = [c for s in p["ike_sas"] for c in s["children"] if c["role"] == "current"]
print(c[0]["spi_in"], c[0]["spi_out"]) if c else print("-")'
}

# policies NS MARK: XFRM policies with this mark
policies() {
	ip -n "$1" xfrm policy 2>/dev/null | grep -c "mark 0x$(printf %x "$2")/" || true
}
