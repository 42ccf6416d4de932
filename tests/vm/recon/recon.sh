#!/usr/bin/env bash
# Kernel reconciliation (vtid.conf(5), "kernel"): a's kernel tables are
# changed behind its back and a repairs them; b sees only a's IKE side.
#  a. `ip xfrm state flush` on a: the tunnel carries traffic again within
#     the DPD delay. Figure: seconds from the flush to a ping through.
#  b. `ip xfrm policy flush` on a: the policies are back, the same CHILD SA
#     carries on. Figure: seconds to the policies.
#  c. an SA with a's peer's mark and reqid added by hand: removed, while an
#     SA with another mark stays. Figure: seconds to its removal.
#  d. a reload: kernel.event_buffer = 4096, no periodic pass.
#     An inbound SA deleted by hand: its DELSA notification alone brings
#     the tunnel back. Figure: seconds to traffic.
#     Then the event socket overflows for real: a stopped (SIGSTOP) while
#     3000 policy events and the deletion of its outbound SA are queued,
#     then SIGCONT: the overrun is counted and the pass it triggers
#     re-establishes the tunnel. Figures: overruns, SAs repaired, seconds
#     from SIGCONT to traffic.
# b, which nothing touches, must never find anything to repair.
#
#   vt-a-priv: vti7 2001:db8:ff::/127 === ESP (mark 7) === vt-b-priv: ::1/127
#   vt-a: vtid (start) 2001:db8:1::1       vt-b: vtid (start) 2001:db8:1::2
. "$(dirname "$0")/../daemon/lib.sh"

DPD=15
setup_pair
conf_vti7 "start = \"start\"; dpd = { delay = $DPD; timeout = 30; action = \"restart\"; };"
# a: a periodic pass every 5 s (c relies on it or on the NEWSA event).
sed -i '1i kernel = { reconcile_interval = 5; };' "$W/a.conf"

ping_ok() { ip netns exec vt-a-priv ping -6 -c 1 -W 1 2001:db8:ff::1; }
# metric SIDE NAME{LABELS}: a sample of vtictl metrics (0 when absent)
metric() {
	ctl "$1" metrics | awk -v m="$2" '$1 == m { v = $2 } END { print v + 0 }'
}
# metric_above SIDE NAME VALUE: the sample is above VALUE (for wait_for)
metric_above() { [ "$(metric "$1" "$2")" -gt "$3" ]; }
policies_back() { [ "$(xfrm_count vt-a policy)" -eq "$1" ]; }
sa_gone() { ! ip -n vt-a xfrm state get dst 2001:db8:1::1 proto esp spi "$1" mark 7 >/dev/null 2>&1; }
installed_new() { one_child a && [ "$(spis a)" != "$1" ]; }
# one_child SIDE: exactly one CHILD SA installed (two start peers may make
# two at first, until the crossing settles)
one_child() { [ "$(ctl "$1" status | grep -c INSTALLED)" -eq 1 ]; }

start b
wait_for 40 "b ready" grep -q 'vtid started' "$W/b.log"
start a
wait_for 90 "tunnel up" installed a
wait_for 30 "tunnel up on b" installed b
wait_for 20 "first ping" ping_ok
wait_for 60 "one CHILD SA on a" one_child a
wait_for 20 "one CHILD SA on b" one_child b
grep -q 'xfrm event socket: .* bytes of receive buffer (asked 8388608)' "$W/a.log" ||
	fail "a did not size its event socket (default 8 MiB)"
ok "tunnel up; a: $(grep -m1 -o 'xfrm event socket: .*' "$W/a.log")"
npol=$(xfrm_count vt-a policy)
[ "$npol" -gt 0 ] || fail "a has no policies"

# a. The SAs flushed.
before=$(spis a)
t0=$(now)
ip -n vt-a xfrm state flush
wait_for $DPD "traffic back after ip xfrm state flush (DPD delay $DPD s)" ping_ok
flush_s=$(elapsed "$t0")
wait_for 10 "a new CHILD SA on a" installed_new "$before"
grep -q 'is no longer in the kernel .*re-establish' "$W/a.log" ||
	fail "no log line naming the missing CHILD SA"
[ "$(metric a 'vtid_xfrm_reconcile_missing_total{object="sa"}')" -ge 1 ] ||
	fail "vtid_xfrm_reconcile_missing_total{object=\"sa\"} did not count it"
ok "state flush: traffic back in ${flush_s}s (DPD delay ${DPD}s), SPIs $before -> $(spis a)"
ok "a: $(grep -m1 -o 'CHILD SA [0-9a-f]*_[io] is no longer in the kernel.*' "$W/a.log")"

# b. The policies flushed: the same CHILD SA goes on.
before=$(spis a)
t0=$(now)
ip -n vt-a xfrm policy flush
wait_for 10 "a's $npol policies back after ip xfrm policy flush" policies_back "$npol"
pol_s=$(elapsed "$t0")
wait_for 10 "traffic after the policy flush" ping_ok
[ "$(spis a)" = "$before" ] || fail "the CHILD SA changed ($before -> $(spis a)): only policies were gone"
npm=$(metric a 'vtid_xfrm_reconcile_missing_total{object="policy"}')
[ "$npm" -ge "$npol" ] || fail "policies counted missing: $npm, flushed $npol"
ok "policy flush: $npol policies back in ${pol_s}s, same CHILD SA $before, traffic passes"

# c. A stray SA with a's mark and reqid, and one with another mark.
reqid=$(ip -n vt-a xfrm state | awk '$1 == "proto" && $2 == "esp" { for (i = 1; i < NF; i++) if ($i == "reqid") { print $(i + 1); exit } }')
[ -n "$reqid" ] || fail "no reqid in a's SAs"
key=0x$(printf '%072d' 0 | tr 0 5)
ip -n vt-a xfrm state add src 2001:db8:1::2 dst 2001:db8:1::1 proto esp spi 0xc0ffee01 \
	reqid "$reqid" mode tunnel mark 7 aead 'rfc4106(gcm(aes))' "$key" 128
ip -n vt-a xfrm state add src 2001:db8:1::2 dst 2001:db8:1::1 proto esp spi 0xc0ffee02 \
	reqid "$reqid" mode tunnel mark 99 aead 'rfc4106(gcm(aes))' "$key" 128
t0=$(now)
wait_for 10 "the stray SA 0xc0ffee01 removed" sa_gone 0xc0ffee01
stray_s=$(elapsed "$t0")
p0=$(metric a 'vtid_xfrm_reconcile_passes_total{trigger="periodic"}')
wait_for 12 "a periodic pass" metric_above a 'vtid_xfrm_reconcile_passes_total{trigger="periodic"}' "$p0"
ip -n vt-a xfrm state get dst 2001:db8:1::1 proto esp spi 0xc0ffee02 mark 99 >/dev/null ||
	fail "the SA with mark 99 (not a's) was removed"
ip -n vt-a xfrm state delete dst 2001:db8:1::1 proto esp spi 0xc0ffee02 mark 99
grep -q 'removed stray SA spi 0xc0ffee01' "$W/a.log" || fail "no log line for the stray"
ping_ok >/dev/null || fail "no traffic after the stray's removal"
ok "stray SA (mark 7, reqid $reqid) removed in ${stray_s}s; mark 99 left alone"

# d. Events lost for real. A reload: a tiny buffer, no periodic pass.
sed -i '1s/.*/kernel = { reconcile_interval = 0; event_buffer = 4096; };/' "$W/a.conf"
ctl a reload > "$W/reload.out"
grep -q 'kernel: reconcile_interval 0 s, event_buffer 4096 bytes' "$W/reload.out" ||
	fail "reload did not apply the kernel settings: $(cat "$W/reload.out")"
sleep 1
# First one inbound SA deleted by hand, nothing lost: with no periodic
# pass, its DELSA notification alone brings the tunnel back.
wait_for 30 "one CHILD SA on a" one_child a
before=$(spis a)
e0=$(metric a 'vtid_xfrm_reconcile_passes_total{trigger="event"}')
ip -n vt-a xfrm state delete dst 2001:db8:1::1 proto esp spi "0x${before% *}" mark 7
t0=$(now)
wait_for $DPD "traffic back after the inbound SA's deletion" ping_ok
del_s=$(elapsed "$t0")
wait_for 10 "a new CHILD SA after the deletion" installed_new "$before"
metric_above a 'vtid_xfrm_reconcile_passes_total{trigger="event"}' "$e0" ||
	fail "no pass for the DELSA notification"
ok "inbound SA 0x${before% *} deleted by hand: traffic back in ${del_s}s (the DELSA notification's pass)"

wait_for 30 "one CHILD SA on a before the overflow" one_child a
o0=$(metric a vtid_xfrm_event_overruns_total)
v0=$(metric a 'vtid_xfrm_reconcile_passes_total{trigger="overrun"}')
m0=$(metric a 'vtid_xfrm_reconcile_missing_total{object="sa"}')
before=$(spis a)
out=${before#* }
for i in $(seq 1 1500); do
	echo "xfrm policy add src 10.99.$((i / 250)).$((i % 250))/32 dst 10.98.0.1/32 dir out mark 99"
done > "$W/burst.add"
sed 's/ add / delete /' "$W/burst.add" | cat "$W/burst.add" - > "$W/burst"
apid=$(cat "$W/a.pid")
kill -STOP "$apid"
ip -n vt-a -batch "$W/burst"
ip -n vt-a xfrm state delete dst 2001:db8:1::2 proto esp spi "0x$out" mark 7
kill -CONT "$apid"
t0=$(now)
wait_for 10 "the overrun counted" metric_above a vtid_xfrm_event_overruns_total "$o0"
wait_for $DPD "traffic back after the lost DELSA" ping_ok
ovr_s=$(elapsed "$t0")
o1=$(metric a vtid_xfrm_event_overruns_total)
v1=$(metric a 'vtid_xfrm_reconcile_passes_total{trigger="overrun"}')
m1=$(metric a 'vtid_xfrm_reconcile_missing_total{object="sa"}')
[ "$v1" -gt "$v0" ] || fail "no pass after the overrun ($v0 -> $v1)"
[ "$m1" -gt "$m0" ] || fail "the deleted outbound SA was not found missing ($m0 -> $m1)"
wait_for 10 "a new CHILD SA after the overrun" installed_new "$before"
ok "overflow: $((o1 - o0)) overruns, $((v1 - v0)) overrun passes, $((m1 - m0)) SAs found missing (0x$out deleted while a was stopped); traffic back ${ovr_s}s after SIGCONT"

# b saw only IKE: nothing to repair, nothing stray.
for m in 'vtid_xfrm_reconcile_missing_total{object="sa"}' \
    'vtid_xfrm_reconcile_missing_total{object="policy"}' \
    'vtid_xfrm_reconcile_strays_removed_total{object="sa"}' \
    'vtid_xfrm_reconcile_strays_removed_total{object="policy"}'; do
	[ "$(metric b "$m")" -eq 0 ] || fail "b: $m is $(metric b "$m"), nothing touched its kernel"
done
ok "b: no repair, no stray ($(metric b 'vtid_xfrm_reconcile_passes_total{trigger="periodic"}') periodic passes)"
echo "--- a's metrics"
ctl a metrics | grep -E '^vtid_xfrm_'
echo "figures: state flush ${flush_s}s to traffic (DPD delay ${DPD}s); policy flush ${pol_s}s to $npol policies; stray removed ${stray_s}s; SA deleted ${del_s}s to traffic; overflow: $((o1 - o0)) overruns, $((m1 - m0)) SAs repaired, ${ovr_s}s to traffic"
echo "PASS: flushes, a stray and a lost event repaired"
