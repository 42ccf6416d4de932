#!/usr/bin/env bash
# vtid against malformed IKE traffic (RFC 7296 2.5, 2.21), on the host: no
# ESP kernel needed, since nothing here gets past IKE_SA_INIT.
#
#   netns vp-d: vtid, 2001:db8:9::1  <--veth-->  netns vp-s: malformed.py,
#               peer "S" = 2001:db8:9::2 (add)               2001:db8:9::2
set -euo pipefail
# shellcheck source=tests/lib/testlib.sh
. "$(dirname "$0")/../lib/testlib.sh"
need_vtid
W=$(mktemp -d /tmp/vtid-pkt.XXXXXX)
cleanup() {
	[ -f "$W/pid" ] && kill -9 "$(cat "$W/pid")" 2>/dev/null || true
	netns_del vp-d vp-s
	rm -rf "$W"
}
trap cleanup EXIT
cleanup; mkdir -p "$W"
ip netns add vp-d
ip netns add vp-s
ip link add v-d netns vp-d type veth peer name v-s netns vp-s
ip -n vp-d addr add 2001:db8:9::1/64 dev v-d nodad
ip -n vp-s addr add 2001:db8:9::2/64 dev v-s nodad
ip -n vp-d link set v-d up
ip -n vp-s link set v-s up
ip -n vp-s link set lo up
cat > "$W/vtid.conf" <<CONF
control_socket = "$W/sock";
peers = ( { name = "S"; local = "2001:db8:9::1"; remote = "2001:db8:9::2";
    psk = "d8bdRxaY22oH1j89Z2nATeYyrXfP9ga6xC5mi0RG1uc"; mark = 5;
    start = "add"; ike = { proposals = "aes256gcm16-prfsha384-ecp384!"; };
    esp = { proposals = "aes256gcm16-prfsha384-ecp384!"; }; } );
CONF
chmod 600 "$W/vtid.conf"
ip netns exec vp-d "$VTID" -c "$W/vtid.conf" > "$W/log" 2>&1 &
echo $! > "$W/pid"
poll 5 grep -q 'vtid started' "$W/log" || true
rc=0
ip netns exec vp-s /usr/bin/python3 "$(dirname "$0")/malformed.py" 2001:db8:9::1 || rc=1
pid=$(cat "$W/pid")
if ! kill -0 "$pid" 2>/dev/null; then
	echo "FAIL: vtid died"; cat "$W/log"; exit 1
fi
ip netns exec vp-d "$VTICTL" -s "$W/sock" status >/dev/null ||
	{ echo "FAIL: vtictl status does not answer"; rc=1; }
echo "ok: vtid alive, $(ps -o rss= -p "$pid") KiB resident, log has $(wc -l < "$W/log") lines (rate-limited)"
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
rm -f "$W/pid"
[ $rc = 0 ] || { echo "--- vtid log"; tail -n 30 "$W/log"; }
exit $rc
