#!/usr/bin/env bash
# 20,000 forged IKE_SA_INITs at 1,000/s from a configured peer's address
# (issue 16), on the host: the responder's DoS control measured natively.
# Aims: COOKIEs from the threshold on (dos.cookie_threshold_peer 2: the
# first 2 requests answered, every later one with a COOKIE), resident
# growth <= 2 MB, vtid's CPU for the whole flood < 1 s. The real peer
# coming up mid-flood needs ESP: tests/vm/dos/flood.sh.
#
#   netns fl-d: vtid (release build), 2001:db8:9::1  <--veth-->  netns fl-s:
#               peer "S" = 2001:db8:9::2 (add)          init_flood.py from
#                                                       [2001:db8:9::2]:501
set -euo pipefail
VTID=${VTID_BUILD:?}/src/daemon/vtid
VTICTL=$VTID_BUILD/src/vtictl/vtictl
N=${VTID_FLOOD_N:-20000} RATE=${VTID_FLOOD_RATE:-1000}
CPU_MAX=${VTID_FLOOD_CPU_MAX:-1.0} RSS_MAX_KB=2048
W=$(mktemp -d /tmp/vtid-flood.XXXXXX)
cleanup() {
	[ -f "$W/pid" ] && kill -9 "$(cat "$W/pid")" 2>/dev/null || true
	ip netns del fl-d 2>/dev/null || true
	ip netns del fl-s 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
cleanup; mkdir -p "$W"
ip netns add fl-d
ip netns add fl-s
ip link add v-d netns fl-d type veth peer name v-s netns fl-s
ip -n fl-d addr add 2001:db8:9::1/64 dev v-d nodad
ip -n fl-s addr add 2001:db8:9::2/64 dev v-s nodad
ip -n fl-d link set v-d up
ip -n fl-s link set v-s up
ip -n fl-d link set lo up
cat > "$W/vtid.conf" <<CONF
control_socket = "$W/sock";
peers = ( { name = "S"; local = "2001:db8:9::1"; remote = "2001:db8:9::2";
    psk = "d8bdRxaY22oH1j89Z2nATeYyrXfP9ga6xC5mi0RG1uc"; mark = 5;
    start = "add"; ike = { proposals = "aes256gcm16-prfsha384-ecp384!"; };
    esp = { proposals = "aes256gcm16-prfsha384-ecp384!"; }; } );
CONF
chmod 600 "$W/vtid.conf"
ip netns exec fl-d "$VTID" -c "$W/vtid.conf" > "$W/log" 2>&1 &
pid=$!
echo "$pid" > "$W/pid"
for _ in $(seq 50); do grep -q 'vtid started' "$W/log" && break; sleep 0.1; done
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
