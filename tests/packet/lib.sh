# shellcheck shell=bash
# The packet tests' topology: vtid alone in namespace D with one configured
# peer, "S", whose address is namespace S's. What S sends (crafted
# datagrams, floods) is thus from a configured peer's address.
#
#   netns D: vtid, 2001:db8:9::1  <--veth-->  netns S: 2001:db8:9::2
#            peer "S" (start = add)
# shellcheck source=tests/lib/testlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/testlib.sh"
need_vtid

# pkt_setup D S: $W (a new folder) with vtid.conf, the namespaces, and
# vtid started in D (pid in $W/pid, log $W/log, control socket $W/sock);
# returns once vtid says it started (5 s at most). An EXIT trap removes
# it all.
pkt_setup() {
	PKT_D=$1 PKT_S=$2
	W=$(mktemp -d /tmp/vtid-pkt.XXXXXX)
	trap pkt_cleanup EXIT
	netns_del "$PKT_D" "$PKT_S"
	ip netns add "$PKT_D"
	ip netns add "$PKT_S"
	ip link add v-d netns "$PKT_D" type veth peer name v-s netns "$PKT_S"
	ip -n "$PKT_D" addr add 2001:db8:9::1/64 dev v-d nodad
	ip -n "$PKT_S" addr add 2001:db8:9::2/64 dev v-s nodad
	ip -n "$PKT_D" link set v-d up
	ip -n "$PKT_S" link set v-s up
	ip -n "$PKT_D" link set lo up
	ip -n "$PKT_S" link set lo up
	conf_write "$W/vtid.conf" "control_socket = \"$W/sock\";" \
	    "{ name = \"S\"; local = \"2001:db8:9::1\"; remote = \"2001:db8:9::2\";
	    psk = \"$PSK\"; mark = 5;
	    start = \"add\"; ike = { proposals = \"aes256gcm16-prfsha384-ecp384!\"; };
	    esp = { proposals = \"aes256gcm16-prfsha384-ecp384!\"; }; }"
	ip netns exec "$PKT_D" "$VTID" -c "$W/vtid.conf" > "$W/log" 2>&1 &
	echo $! > "$W/pid"
	poll 5 grep -q 'vtid started' "$W/log" || true
}
pkt_cleanup() {
	kill_pidfile "$W/pid"
	netns_del "$PKT_D" "$PKT_S"
	rm -rf "$W"
}
