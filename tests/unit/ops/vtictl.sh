#!/usr/bin/env bash
# vtictl against a vtid running on the host, in namespaces of its own, as
# systemd would run it (NOTIFY_SOCKET, WATCHDOG_USEC): every command and
# its errors, JSON and metrics syntax, log levels and rate limits, the
# sd_notify sequence, capabilities after start-up, and reloads that
# change the peer set (nothing needs an ESP kernel: no tunnel comes up;
# tests/vm/ops has the reloads with traffic).
#
#   netns op-vc: vtid                 netns op-vc-p: nobody answers IKE;
#   2001:db8:77::1/64 <---- veth ---> 2001:db8:77::9/64 sends junk
#   peers V2-1 ::2 (add), V2-2 ::3 (route), V3-1 ::4 (add)
set -euo pipefail
# shellcheck source=tests/lib/testlib.sh
. "$(dirname "$0")/../../lib/testlib.sh"
need_vtid
W=$(mktemp -d /tmp/op-vc.XXXXXX)
PY=/usr/bin/python3
SOCK=$W/ctl.sock

cleanup() {
	[ -f "$W/pid" ] && kill -9 "$(cat "$W/pid")" 2>/dev/null || true
	[ -f "$W/npid" ] && kill "$(cat "$W/npid")" 2>/dev/null || true
	netns_del op-vc op-vc-p
	rm -rf "$W"
}
trap cleanup EXIT
dump_state() {	# for fail
	echo "--- vtid log"; tail -n 30 "$W/log" 2>/dev/null || true
	echo "--- notify"; cat "$W/notify" 2>/dev/null || true
}
ctl() { ip netns exec op-vc "$VTICTL" -s "$SOCK" "$@"; }
# expect_err CODE TEXT ARGS...: vtictl ARGS fails with CODE and TEXT.
expect_err() {
	local code=$1 text=$2 out rc=0
	shift 2
	out=$(ctl "$@" 2>&1) || rc=$?
	[ "$rc" = "$code" ] || fail "vtictl $*: exit $rc, expected $code: $out"
	grep -qF -- "$text" <<< "$out" || fail "vtictl $*: no '$text' in: $out"
	ok "vtictl $*: exit $rc: $(head -1 <<< "$out")"
}
peer() {	# peer NAME MARK REMOTE START
	echo "{ name = \"$1\"; remote = \"$3\"; psk = \"$PSK\"; mark = $2; start = \"$4\"; }"
}
write_conf() {	# write_conf LOGLEVEL PEER...
	local level=$1
	shift
	conf_write "$W/vtid.conf" "control_socket = \"$SOCK\";
log_level = \"$level\";
local_addresses = [ \"2001:db8:77::1\" ];
retransmit = { timeout = 30.0; };" "$@"
}

# ---- topology
ip netns add op-vc
ip netns add op-vc-p
ip link add op-vc-a netns op-vc type veth peer name op-vc-b netns op-vc-p
ip -n op-vc addr add 2001:db8:77::1/64 dev op-vc-a nodad
ip -n op-vc-p addr add 2001:db8:77::9/64 dev op-vc-b nodad
ip -n op-vc link set op-vc-a up
ip -n op-vc-p link set op-vc-b up
ip -n op-vc link set lo up

# ---- no vtid yet
expect_err 3 "vtictl: cannot reach vtid at $SOCK: No such file or directory (is vtid running?)" status
out=$("$VTICTL" 2>&1) && fail "vtictl without a command succeeded"
grep -q "usage: vtictl" <<< "$out" || fail "no usage"
ok "vtictl without a command: usage, exit 2"

# ---- notify listener, vtid

"$PY" - "$W/notify.sock" "$W/notify" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        m = s.recv(4096).decode()
        f.write("%.3f %s\n" % (time.monotonic(), m.replace("\n", "|")))
EOF
echo $! > "$W/npid"
wait_for 5 "notify listener" test -S "$W/notify.sock"

write_conf info "$(peer V2-1 3 2001:db8:77::2 add)" \
    "$(peer V2-2 4 2001:db8:77::3 route)" "$(peer V3-1 5 2001:db8:77::4 add)"
NOTIFY_SOCKET=$W/notify.sock WATCHDOG_USEC=1000000 \
    ip netns exec op-vc "$VTID" -c "$W/vtid.conf" > "$W/log" 2>&1 &
echo $! > "$W/pid"
PID=$(cat "$W/pid")
wait_for 10 "vtid started" grep -q 'vtid started' "$W/log"
wait_for 5 "READY=1" grep -q 'READY=1' "$W/notify"
grep -q 'STATUS=0/3 peers up' "$W/notify" || fail "no STATUS=0/3 peers up"
ok "sd_notify: $(grep -m1 READY "$W/notify" | cut -d' ' -f2-), then $(grep -m1 STATUS "$W/notify" | cut -d' ' -f2-)"
sleep 2
pings=$(grep -c '^[0-9.]* WATCHDOG=1$' "$W/notify" || true)
[ "$pings" -ge 3 ] || fail "only $pings WATCHDOG=1 in 2 s with WATCHDOG_USEC=1000000"
ok "sd_notify: $pings WATCHDOG=1 pings within ~2 s (interval 1 s, a ping every 0.5 s)"

# ---- capabilities: no peer in another namespace, CAP_NET_ADMIN only
eff=$(awk '/^CapEff/ { print $2 }' /proc/$PID/status)
bnd=$(awk '/^CapBnd/ { print $2 }' /proc/$PID/status)
[ "$eff" = 0000000000001000 ] && [ "$bnd" = 0000000000001000 ] ||
	fail "CapEff $eff CapBnd $bnd, expected CAP_NET_ADMIN (1000) only"
ok "capabilities after start-up: CapEff=CapBnd=$eff (CAP_NET_ADMIN)"

# ---- status, list, JSON
ctl status | grep -c >/dev/null 'V2-1: DOWN (waiting for peer)' || fail "status"
ok "status: $(ctl status | head -1)"
ctl list > "$W/list"
for p in V2-1 V2-2 V3-1; do grep -q "^$p: down" "$W/list" || fail "list: no $p"; done
grep -q '^V2-2: down, start route, mark 4, reqid 1073741828, vti4 (vti6), link up$' "$W/list" ||
	fail "list: V2-2 line: $(grep V2-2 "$W/list")"
ok "list: 3 peers, $(wc -l < "$W/list") lines"
[ "$(ctl list V3-1 | grep -c '^V')" = 1 ] || fail "list V3-1 is not one peer"
ok "list V3-1: one peer"
for cmd in "status -j" "list -j" "-j list V2-2"; do
	# shellcheck disable=SC2086
	ctl $cmd | "$PY" -c 'import json, sys; json.load(sys.stdin)' ||
		fail "$cmd: not JSON"
done
ctl -j list | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
names = [p["name"] for p in d["peers"]]
assert names == ["V2-1", "V2-2", "V3-1"], names
p = d["peers"][1]
assert p["state"] == "down" and p["mark"] == 4 and p["start"] == "route", p
assert p["esp_lifetime"]["rekey_time"] == 3600, p
assert p["total"]["bytes_in"] == 0, p
' || fail "list -j content"
ok "status -j, list -j, -j list PEER: valid JSON, peers and settings as configured"

# ---- peer errors
for cmd in up down rekey list state; do
	expect_err 1 "vtictl: no peer 'V9-9' (peers: V2-1 V2-2 V3-1)" $cmd V9-9
done
expect_err 1 "vtictl: up: which peer? (usage: up PEER)" up
expect_err 1 "vtictl: unknown command 'frobnicate'; commands:" frobnicate
expect_err 1 "vtictl: list: unknown option '-x'" list -x

# ---- up, down, state
out=$(ctl up V2-1)
[ "$out" = "V2-1: initiating" ] || fail "up V2-1: $out"
ok "up V2-1: $out"
[ "$(ctl state V2-1)" = connecting ] || fail "state after up: $(ctl state V2-1)"
[ "$(ctl up V2-1)" = "V2-1: already connecting" ] || fail "second up"
ok "state V2-1: connecting; up again: already connecting"
expect_err 1 "vtictl: V2-1: not up within 1 s: connecting" -t 1 up V2-1 -w
out=$(ctl down V2-1)
[ "$out" = "V2-1: SAs deleted" ] || fail "down V2-1: $out"
[ "$(ctl state V2-1)" = down ] || fail "state after down"
[ "$(ctl down V2-1)" = "V2-1: already down" ] || fail "second down"
ok "down V2-1: $out; state down; down again: already down"

# ---- rekey: nothing established to rekey
expect_err 1 "vtictl: V2-1: no established CHILD SA to rekey" rekey V2-1
expect_err 1 "vtictl: V2-1: no established IKE SA to rekey" rekey V2-1 --ike
expect_err 1 "vtictl: rekey: unknown option '--child'" rekey V2-1 --child

# ---- log levels, rate limits
[ "$(ctl log-level)" = info ] || fail "log-level: $(ctl log-level)"
junk() {	# junk N: N 10-byte datagrams to port 500
	ip netns exec op-vc-p "$PY" -c "
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for i in range($1): s.sendto(b'0123456789', ('2001:db8:77::1', 500))"
}
junk 5
sleep 0.5
! grep -q 'dropped 10 bytes' "$W/log" || fail "a debug line at level info"
[ "$(ctl log-level debug)" = "log level: debug" ] || fail "log-level debug"
grep -q 'log level debug (was info), set on the control socket' "$W/log" ||
	fail "the level change is not logged"
junk 200
wait_for 5 "debug lines" grep -q 'dropped 10 bytes' "$W/log"
sleep 0.5
lines=$(grep -c 'ike: dropped 10 bytes' "$W/log")
[ "$lines" -le 10 ] || fail "$lines lines for 200 junk datagrams (burst 10)"
invalid=$(ctl metrics | awk '$1 == "vtid_ike_invalid_total" { print $2 }')
[ "$invalid" -ge 200 ] || fail "vtid_ike_invalid_total $invalid"
ok "log-level debug: $lines debug lines for 200 junk datagrams (rate limit 10 per 5 s), vtid_ike_invalid_total $invalid"
sleep 5
junk 1
wait_for 5 "the suppressed count" grep -q 'similar lines suppressed' "$W/log"
ok "after the interval: $(grep -o 'dropped 10 bytes.*suppressed)' "$W/log" | tail -1)"
expect_err 1 "vtictl: log-level: unknown level 'loud'" log-level loud
ctl log-level err > /dev/null
n0=$(wc -l < "$W/log")
ctl up V3-1 > /dev/null
ctl down V3-1 > /dev/null
sleep 0.3
[ "$(wc -l < "$W/log")" = "$n0" ] || fail "lines logged at level err: $(tail -n +$((n0 + 1)) "$W/log")"
ctl log-level info > /dev/null
ok "log-level err: up and down of V3-1 logged nothing; back to info"

# ---- metrics
ctl metrics > "$W/metrics"
"$PY" - "$W/metrics" <<'EOF' || fail "metrics: not the exposition format"
import re, sys
name = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*$')
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*",?)*\})? (-?[0-9.eE+-]+|NaN|[+-]Inf)$')
types, last, n = {}, None, 0
for line in open(sys.argv[1]).read().split("\n")[:-1]:
    if line.startswith("# HELP "):
        continue
    if line.startswith("# TYPE "):
        _, _, m, t = line.split(" ")
        assert name.match(m) and t in ("gauge", "counter"), line
        assert m not in types, "declared twice: " + m
        types[m] = t
        last = m
        continue
    g = sample.match(line)
    assert g, "bad sample: " + line
    assert g.group(1) == last, "sample outside its family: " + line
    if types[last] == "counter":
        assert last.endswith("_total"), last
    n += 1
print("metrics: %d families, %d samples, valid" % (len(types), n))
EOF
for p in V2-1 V2-2 V3-1; do
	grep -qx "vtid_peer_up{peer=\"$p\"} 0" "$W/metrics" || fail "metrics: $p not down"
	grep -qx "vtid_peer_state{peer=\"$p\",state=\"down\"} 1" "$W/metrics" || fail "metrics: $p state"
done
grep -qx 'vtid_peers 3' "$W/metrics" || fail "metrics: vtid_peers"
ok "metrics: the 3 configured peers down, vtid_peers 3"

# ---- config: no PSK
ctl config > "$W/config"
grep -q 'name = "V2-2";' "$W/config" && ! grep -q "$PSK" "$W/config" ||
	fail "config: $(cat "$W/config")"
ok "config: $(grep -c 'name = "V' "$W/config") peers, no PSK"

# ---- reload: invalid (vtictl, then SIGHUP), then V3-1 removed, V3-2
# added, V2-2's PSK changed, V2-1 unchanged
before=$(ctl list)
cp "$W/vtid.conf" "$W/good.conf"
sed -i 's/mark = 5;/mark = 0;/' "$W/vtid.conf"
expect_err 1 "vtid.conf:10: peer 'V3-1': mark: must be > 0; configuration unchanged" reload
kill -HUP "$PID"
wait_for 5 "SIGHUP logs the error" grep -q "reload: .*vtid.conf:10: peer 'V3-1': mark: must be > 0; configuration unchanged" "$W/log"
[ "$(ctl list)" = "$before" ] || fail "an invalid reload changed the peers"
ok "invalid configuration, by vtictl reload and by SIGHUP: file:line given, peers unchanged"
grep -q 'RELOADING=1' "$W/notify" || fail "no RELOADING=1"
ctl up V2-1 > /dev/null
sa_before=$(ctl list V2-1 | grep -o 'IKE SA \[[0-9]*\]')
[ -n "$sa_before" ] || fail "V2-1 has no IKE SA before the reload"
write_conf debug "$(peer V2-1 3 2001:db8:77::2 add)" \
    "{ name = \"V2-2\"; remote = \"2001:db8:77::3\"; psk = \"other-$PSK\"; mark = 4; start = \"route\"; }" \
    "$(peer V3-2 6 2001:db8:77::5 start)"
out=$(ctl reload) || fail "reload: $out"
grep -q 'added V3-2; removed V3-1; changed V2-2; VTI updated none; 1 unchanged' <<< "$out" ||
	fail "reload summary: $out"
ok "reload: $(tail -1 <<< "$out")"
! grep -q 'retransmit:' <<< "$out" || fail "retransmit reported changed: $out"
grep -q 'log_level: debug' <<< "$out" || fail "log_level change not applied: $out"
[ "$(ctl log-level)" = debug ] || fail "log level after reload: $(ctl log-level)"
ok "reload applied log_level = debug"
[ "$(ctl list V2-1 | grep -o 'IKE SA \[[0-9]*\]')" = "$sa_before" ] ||
	fail "V2-1 (unchanged): $sa_before replaced: $(ctl list V2-1)"
[ "$(ctl state V3-2)" = connecting ] || fail "V3-2 (added, start) not initiating"
expect_err 1 "vtictl: no peer 'V3-1' (peers: V2-1 V2-2 V3-2)" list V3-1
ok "after reload: V2-1 kept its $sa_before (negotiating), V3-2 initiating, V3-1 gone"
grep -q 'V3-1 .*peer removed from the configuration\|V3-1: ' "$W/log" || true
ctl metrics > "$W/metrics"
grep -qx 'vtid_reloads_total{result="ok"} 1' "$W/metrics" &&
grep -qx 'vtid_reloads_total{result="failed"} 2' "$W/metrics" ||
	fail "reload counters: $(grep reloads "$W/metrics")"
ok "metrics: reloads ok 1, failed 2"
sed -i 's/timeout = 30.0;/timeout = 20.0;/' "$W/vtid.conf"
out=$(ctl reload) || fail "reload: $out"
grep -q 'retransmit: the new values apply to the peers added or changed by this reload' <<< "$out" &&
grep -q 'added none; removed none; changed none; VTI updated none; 3 unchanged' <<< "$out" ||
	fail "retransmit change: $out"
ok "reload of a retransmit change: said so, no peer touched"
last=$(grep -E 'RELOADING=1|READY=1' "$W/notify" | tail -2 | cut -d' ' -f2- | cut -d'|' -f1 | tr '\n' ' ')
[ "$last" = "RELOADING=1 READY=1 " ] || fail "notify around the reload: $last"
ok "sd_notify around the reload: $last"

# ---- the end
kill -TERM "$PID"
poll 5 gone "$PID" || fail "vtid did not stop"
rm -f "$W/pid"
grep -q 'vtid stopped' "$W/log" || fail "no 'vtid stopped'"
wait_for 2 "STOPPING=1" grep -q 'STOPPING=1' "$W/notify"
ok "SIGTERM: STOPPING=1, vtid stopped"
expect_err 3 "(is vtid running?)" status
echo "PASS: vtictl against a running vtid"
