#!/usr/bin/env bash
# 20,000 forged IKE_SA_INITs at 1,000/s from a configured peer's address
#, on the host: the responder's DoS control measured natively.
# Aims: COOKIEs from the threshold on (dos.cookie_threshold_peer 2: the
# first 2 requests answered, every later one with a COOKIE), resident
# growth <= 2 MB, vtid's CPU for the whole flood < 1 s. The real peer
# coming up mid-flood needs ESP: tests/vm/dos/flood.sh.
#
#   netns fl-d: vtid (release build), 2001:db8:9::1  <--veth-->  netns fl-s:
#               peer "S" = 2001:db8:9::2 (add)          init_flood.py from
#                                                       [2001:db8:9::2]:501
set -euo pipefail
# shellcheck source=tests/packet/lib.sh
. "$(dirname "$0")/lib.sh"
N=${VTID_FLOOD_N:-20000} RATE=${VTID_FLOOD_RATE:-1000}
CPU_MAX=${VTID_FLOOD_CPU_MAX:-1.0} RSS_MAX_KB=2048
pkt_setup fl-d fl-s
pid=$(cat "$W/pid")
grep -q 'vtid started' "$W/log" || { echo "FAIL: vtid did not start"; cat "$W/log"; exit 1; }
# One valid ECP-384 public value (x | y): vtid would do the key exchange.
KE=$(openssl ecparam -name secp384r1 -genkey -noout |
	openssl ec -pubout -outform DER 2>/dev/null | tail -c 96 | od -An -tx1 -v | tr -d ' \n')
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"; }
c0=$(ticks) r0=$(rss)
out=$(ip netns exec fl-s python3 "$(dirname "$0")/init_flood.py" 2001:db8:9::1 \
	2001:db8:9::2 501 "$N" "$RATE" "$KE")
c1=$(ticks) r1=$(rss)
echo "flood: $out"
cpu=$(awk "BEGIN { printf \"%.2f\", ($c1 - $c0) / $(getconf CLK_TCK) }")
growth=$((r1 - r0))
m=$(ip netns exec fl-d "$VTICTL" -s "$W/sock" metrics)
metric() { awk -v k="$1" '$1 == k { print $2 }' <<< "$m"; }
echo "figures: vtid CPU $cpu s for the flood (aim < $CPU_MAX), resident $r0 -> $r1 KiB (+$growth, aim <= $RSS_MAX_KB)," \
	"COOKIEs sent $(metric vtid_ike_cookies_sent_total), half-open $(metric vtid_ike_half_open)," \
	"log $(wc -l < "$W/log") lines"
rc=0
grep -q "SA answers for requests #1,2; first COOKIE for request #3" <<< "$out" ||
	{ echo "FAIL: not COOKIEs from the third request on (threshold 2)"; rc=1; }
[ "$(metric vtid_ike_cookies_sent_total)" = $((N - 2)) ] ||
	{ echo "FAIL: $(metric vtid_ike_cookies_sent_total) COOKIEs sent, not $((N - 2))"; rc=1; }
[ "$(metric vtid_ike_half_open)" = 2 ] || { echo "FAIL: half-open not 2"; rc=1; }
awk "BEGIN { exit !($cpu < $CPU_MAX) }" || { echo "FAIL: CPU $cpu s"; rc=1; }
[ "$growth" -le "$RSS_MAX_KB" ] || { echo "FAIL: resident grew by $growth KiB"; rc=1; }
kill -0 "$pid" || { echo "FAIL: vtid died"; rc=1; }
[ $rc = 0 ] && echo "PASS: $N forged IKE_SA_INITs: COOKIEs from the threshold on, $cpu s CPU, +$growth KiB" ||
	tail -n 20 "$W/log"
exit $rc
