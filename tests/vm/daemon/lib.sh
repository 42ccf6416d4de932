# shellcheck shell=bash
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
#
# Each end's device type (vtid.conf "interface.type"), for every peer
# that does not set its own: VTID_TEST_IFACE_A (default vti) and
# VTID_TEST_IFACE_B (default xfrm). The type is local to each end, so
# every tunnel these tests build is a VTI facing an XFRM interface: both
# kinds are proven without running the tests twice. The devices keep the
# names "vti%mark%" either way.
set -euo pipefail
# shellcheck source=tests/lib/testlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../lib/testlib.sh"

need_vtid
IFACE_A=${VTID_TEST_IFACE_A:-vti} IFACE_B=${VTID_TEST_IFACE_B:-xfrm}
W=$(mktemp -d /tmp/vtid-test.XXXXXX)
NS=(vt-a vt-b vt-a-priv vt-b-priv)

dump_state() {
	local n
	for n in a b; do
		[ -f "$W/$n.log" ] && { echo "--- vtid $n log"; tail -n 40 "$W/$n.log"; }
		echo "--- vt-$n: xfrm state / policy count: $(xfrm_count vt-$n state) / $(xfrm_count vt-$n policy)"
		ip -n vt-$n -s xfrm state 2>/dev/null | head -30 || true
	done
}
cleanup() {
	kill_pidfile "$W/a.pid" "$W/b.pid"
	netns_del "${NS[@]}"
	rm -rf "$W"
}
trap cleanup EXIT

setup_pair() {
	netns_fresh "${NS[@]}"
	ip link add veth-a netns vt-a type veth peer name veth-b netns vt-b
	ip -n vt-a addr add 2001:db8:1::1/64 dev veth-a nodad
	ip -n vt-b addr add 2001:db8:1::2/64 dev veth-b nodad
	ip -n vt-a addr add 192.0.2.1/24 dev veth-a
	ip -n vt-b addr add 192.0.2.2/24 dev veth-b
	ip -n vt-a link set veth-a up
	ip -n vt-b link set veth-b up
}

# conf NAME BODY-OF-PEER...: a config with one peer, PSK inline, mode 0600;
# for a and b, their device type (IFACE_A, IFACE_B) as the default.
conf() {
	local f=$W/$1.conf t=vti
	case $1 in a) t=$IFACE_A ;; b) t=$IFACE_B ;; esac
	shift
	{
		[ "$t" = vti ] ||
			echo "interface = { type = \"$t\"; name = \"vti%mark%\"; };"
		echo "control_socket = \"$W/${f##*/}.sock\";"
		echo "log_level = \"debug\";"
		# Patient enough for a loaded TCG guest, short enough for tests.
		echo "retransmit = { timeout = 2.0; base = 1.8; tries = 4; };"
		echo "peers = ( { $* } );"
	} > "$f"
	chmod 600 "$f"
}

# conf_vti7 EXTRA: a.conf and b.conf for the pair above, one peer each:
# ECP-384 AES-GCM, mark 7, vti7 in vt-a-priv / vt-b-priv holding
# 2001:db8:ff::/127 and ::1/127, and EXTRA peer settings (start, dpd...).
conf_vti7() {
	local p="ike = { proposals = \"aes256gcm16-prfsha384-ecp384!\"; };
	    esp = { proposals = \"aes256gcm16-prfsha384-ecp384!\"; };
	    psk = \"$PSK\"; mark = 7; $1"
	conf a "name = \"B\"; local = \"2001:db8:1::1\"; remote = \"2001:db8:1::2\"; $p
	    vti = { name = \"vti7\"; netns = \"vt-a-priv\"; addresses = [ \"2001:db8:ff::/127\" ]; };"
	conf b "name = \"A\"; local = \"2001:db8:1::2\"; remote = \"2001:db8:1::1\"; $p
	    vti = { name = \"vti7\"; netns = \"vt-b-priv\"; addresses = [ \"2001:db8:ff::1/127\" ]; };"
}

start() {	# start a|b: vtid in vt-a|b, its output in $W/a|b.log
	: > "$W/$1.log"
	spawn "$W/$1.pid" "$W/$1.log" ip netns exec "vt-$1" "$VTID" -c "$W/$1.conf"
}

stop() {	# stop a|b: SIGTERM and a clean exit within 5 s
	stop_pidfile "$W/$1.pid" 5 "vtid $1"
}

ctl() {		# ctl a|b ARGS...
	ip netns exec "vt-$1" "$VTICTL" -s "$W/$1.conf.sock" "${@:2}"
}

installed() {	# installed a|b: a CHILD SA is up
	ctl "$1" status | grep -c >/dev/null INSTALLED
}

# xfrm_count NS state|policy: SAs, or policies with a direction
# (xfrm_policies).
xfrm_count() {
	if [ "$2" = policy ]; then
		xfrm_policies "$1"
	else
		ip -n "$1" xfrm state 2>/dev/null | grep -c '^src' || true
	fi
}

# keyed NS PATTERN: "SAS POLICIES MATCHING OTHER" of NS: its SAs, its
# policies with a direction, how many of them show PATTERN ("if_id 0x7",
# "mark 0x7/0xffffffff") and how many show the other keying (a mark, an
# if_id)
keyed() {
	local s pol other=mark
	s=$(ip -n "$1" xfrm state)
	pol=$(ip -n "$1" xfrm policy)
	[ "${2%% *}" = mark ] && other=if_id
	echo "$(grep -c '^src' <<<"$s") $(grep -cE '^\s+dir (in|out|fwd)' <<<"$pol")" \
	    "$(cat <<<"$s$pol" | grep -c "$2")" \
	    "$(cat <<<"$s$pol" | grep -c "$other ")"
}

# listen_tcp NS ADDRESS PORT: a TCP listener in the background (pid in
# $W/listen.pid) that answers every connect with "ok" and closes it.
listen_tcp() {
	ip netns exec "$1" /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(16)
while True:
    c, _ = s.accept()
    c.sendall(b"ok")
    c.close()
' "$2" "$3" > "$W/listen.log" 2>&1 &
	echo $! > "$W/listen.pid"
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
