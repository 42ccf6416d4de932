# Shared by the daemon's VM tests: two vtid hosts joined by a veth pair.
#
#   netns vt-a                                    netns vt-b
#   +-------------------------+                   +-------------------------+
#   | vtid -c $W/a.conf       |                   | vtid -c $W/b.conf       |
#   | veth-a 2001:db8:1::1/64 |<----------------->| veth-b 2001:db8:1::2/64 |
#   |        192.0.2.1/24     |                   |        192.0.2.2/24     |
#   +-------------------------+                   +-------------------------+
#
# Each test writes a.conf and b.conf, starts both daemons and checks.
set -euo pipefail

VTID=${VTID_BUILD:?VTID_BUILD unset}/src/daemon/vtid
VTICTL=$VTID_BUILD/src/vtictl/vtictl
W=$(mktemp -d /tmp/vtid-test.XXXXXX)
PSK=d8bdRxaY22oH1j89Z2nATeYyrXfP9ga6xC5mi0RG1uc
NS=(vt-a vt-b vt-a-priv vt-b-priv)

fail() {
	echo "FAIL: $*"
	dump_state
	exit 1
}
ok() {
	echo "ok: $*"
}
dump_state() {
	local n
	for n in a b; do
		[ -f "$W/$n.log" ] && { echo "--- vtid $n log"; tail -n 40 "$W/$n.log"; }
		echo "--- vt-$n: xfrm state / policy count: $(xfrm_count vt-$n state) / $(xfrm_count vt-$n policy)"
		ip -n vt-$n -s xfrm state 2>/dev/null | head -30 || true
	done
}
cleanup() {
	local n
	for n in a b; do
		[ -f "$W/$n.pid" ] && kill -9 "$(cat "$W/$n.pid")" 2>/dev/null || true
	done
	for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null || true; done
	rm -rf "$W"
}
trap cleanup EXIT

setup_pair() {
	local n
	for n in "${NS[@]}"; do
		ip netns del "$n" 2>/dev/null || true
		ip netns add "$n"
		ip -n "$n" link set lo up
	done
	ip link add veth-a netns vt-a type veth peer name veth-b netns vt-b
	ip -n vt-a addr add 2001:db8:1::1/64 dev veth-a nodad
	ip -n vt-b addr add 2001:db8:1::2/64 dev veth-b nodad
	ip -n vt-a addr add 192.0.2.1/24 dev veth-a
	ip -n vt-b addr add 192.0.2.2/24 dev veth-b
	ip -n vt-a link set veth-a up
	ip -n vt-b link set veth-b up
}

# conf NAME BODY-OF-PEER...: a config with one peer, PSK inline, mode 0600.
conf() {
	local f=$W/$1.conf
	shift
	{
		echo "control_socket = \"$W/${f##*/}.sock\";"
		echo "log_level = \"debug\";"
		# Patient enough for a loaded TCG guest, short enough for tests.
		echo "retransmit = { timeout = 2.0; base = 1.8; tries = 4; };"
		echo "peers = ( { $* } );"
	} > "$f"
	chmod 600 "$f"
}

start() {	# start a|b; in a subshell, so a kill -9 is no job of ours
	(ip netns exec "vt-$1" "$VTID" -c "$W/$1.conf" > "$W/$1.log" 2>&1 &
	echo $! > "$W/$1.pid")
}

stop() {	# stop a|b: SIGTERM and wait for a clean exit
	local pid
	pid=$(cat "$W/$1.pid")
	kill -TERM "$pid"
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || { rm -f "$W/$1.pid"; return 0; }
		sleep 0.1
	done
	fail "vtid $1 did not exit within 5 s of SIGTERM"
}

ctl() {		# ctl a|b ARGS...
	ip netns exec "vt-$1" "$VTICTL" -s "$W/$1.conf.sock" "${@:2}"
}

# wait_for SECONDS DESCRIPTION COMMAND...: poll until COMMAND succeeds, by
# the clock (COMMAND itself may take a while, a ping for instance).
wait_for() {
	local secs=$1 what=$2 end
	shift 2
	end=$(($(date +%s) + secs))
	while [ "$(date +%s)" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "$what: not within $secs s"
}

installed() {	# installed a|b: a CHILD SA is up
	ctl "$1" status | grep -q INSTALLED
}

# xfrm_count NS state|policy: SAs, or policies with a direction (vtid's
# per-socket bypass policies, "socket in/out", are not counted).
xfrm_count() {
	if [ "$2" = policy ]; then
		ip -n "$1" xfrm policy 2>/dev/null | grep -cE '^\s+dir (in|out|fwd)' || true
	else
		ip -n "$1" xfrm state 2>/dev/null | grep -c '^src' || true
	fi
}

# spis a|b: "IN OUT" from vtictl status
spis() {
	ctl "$1" status | sed -n 's/.*ESP SPIs: \([0-9a-f]*\)_i \([0-9a-f]*\)_o.*/\1 \2/p'
}

# counter a|b in|out: bytes from vtictl status -j
counter() {
	ctl "$1" status -j | /usr/bin/python3 -c "import json,sys; \
d=json.load(sys.stdin); c=d['peers'][0]['ike_sas'][0]['child']; \
print(c['bytes_$2'])"
}
