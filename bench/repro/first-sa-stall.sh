#!/usr/bin/env bash
# Repro: vtid is single-threaded and waits for the kernel on every netlink
# request; the first AES-GCM ESP SA after boot makes the kernel modprobe its
# crypto templates, which in the TCG guest takes seconds. Meanwhile vtid
# reads no IKE message: every IKE_AUTH (or IKE_SA_INIT) sent then is
# retransmitted after retransmit.timeout (1 s here, 4 s by default), and
# setups that would take a second take several.
#
#   flock /tmp/vtid-vm.lock tests/vm/run bench/repro/first-sa-stall.sh
#
# (VTID_BUILD: a build tree; a fresh VM, so nothing is loaded yet.) Expect
# "retransmit 1 of IKE_AUTH request" or "... IKE_SA_INIT request" lines and
# an UPDSA that took seconds.
set -eu
B=${VTID_BUILD:?VTID_BUILD unset}
W=$(mktemp -d /tmp/bn-repro.XXXXXX)
cleanup() {
	kill "${pr:-}" "${pi:-}" 2>/dev/null || true
	ip netns del bn-rp-i 2>/dev/null || true
	ip netns del bn-rp-r 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT
for n in bn-rp-i bn-rp-r; do ip netns add $n; ip -n $n link set lo up; done
ip link add bn-vi netns bn-rp-i type veth peer name bn-vr netns bn-rp-r
ip -n bn-rp-i addr add 2001:db8::1/64 dev bn-vi nodad
ip -n bn-rp-i link set bn-vi up
for k in 1 2 3; do ip -n bn-rp-r addr add 2001:db8::2:$k/64 dev bn-vr nodad; done
ip -n bn-rp-r link set bn-vr up
python3 -B - "$W" <<'PY'
import sys
sys.path.insert(0, "bench")
import gen
w = sys.argv[1]
# Retransmit after 1 s (not 4): the stall shows even when shorter.
for role in "ir":
    c = gen.vtid_n(role, 3, "%s/%s.sock" % (w, role))
    open("%s/%s.conf" % (w, role), "w").write(
        c.replace("timeout = 4.0;", "timeout = 1.0;"))
PY
chmod 600 "$W"/*.conf
ip netns exec bn-rp-r strace -T -e trace=sendto -o "$W/r.strace" \
	"$B/src/daemon/vtid" -c "$W/r.conf" >"$W/r.log" 2>&1 & pr=$!
ip netns exec bn-rp-i "$B/src/daemon/vtid" -c "$W/i.conf" >"$W/i.log" 2>&1 & pi=$!
sleep 2
t0=$(date +%s.%N)
for k in 1 2 3; do ip netns exec bn-rp-i "$B/src/vtictl/vtictl" -s "$W/i.sock" up p$k >/dev/null; done
for _ in $(seq 300); do
	[ "$(grep -c 'CHILD SA installed' "$W/i.log")" = 3 ] && break
	sleep 0.1
done
echo "3 CHILD SAs in $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $t0 }") s"
echo "--- initiator's retransmissions:"
grep retransmit "$W/i.log" || echo "(none)"
echo "--- responder's slowest netlink requests (strace -T):"
grep -o 'nlmsg_type=XFRM_MSG_[A-Z]*.*<[0-9.]*>' "$W/r.strace" |
	sed 's/nlmsg_type=\(XFRM_MSG_[A-Z]*\).*<\([0-9.]*\)>/\2 s \1/' | sort -rn | head -3
