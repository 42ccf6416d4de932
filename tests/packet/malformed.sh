#!/usr/bin/env bash
# vtid against malformed IKE traffic (RFC 7296 2.5, 2.21), on the host: no
# ESP kernel needed, since nothing here gets past IKE_SA_INIT.
#
#   netns vp-d: vtid, 2001:db8:9::1  <--veth-->  netns vp-s: malformed.py,
#               peer "S" = 2001:db8:9::2 (add)               2001:db8:9::2
set -euo pipefail
# shellcheck source=tests/packet/lib.sh
. "$(dirname "$0")/lib.sh"
pkt_setup vp-d vp-s
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
