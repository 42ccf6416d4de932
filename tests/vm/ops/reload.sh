#!/usr/bin/env bash
# Reload, diff-based, with traffic: a steady ping (every 10 ms)
# through peer 1 while host a reloads seven times must lose nothing, and
# peer 1 must keep its SPIs throughout. The reloads: nothing changed; an
# invalid file (vtictl, then SIGHUP); peer 1's VTI MTU (device only);
# peer 2's ESP proposal (re-established with it); peer 3 removed (DELETE
# to b, VTI and policies gone); peer 4 added (comes up, carries
# traffic); log_level by SIGHUP. systemd's STATUS follows.
#
# Topology in lib.sh: a initiates (start), b answers (add).
#   peer 1: 2001:db8:1::11 <-> ::12, vti1 10.1.0.1 <-> 10.1.0.2   unchanged
#   peer 2: ::21 <-> ::22, vti2 10.2.0.0/30                        changed
#   peer 3: ::31 <-> ::32, vti3 10.3.0.0/30                        removed
#   peer 4: ::41 <-> ::42, vti4 10.4.0.0/30                        added
. "$(dirname "$0")/lib.sh"

setup_pair
A_HEAD='log_level = "info";'
# conf_a PEER...: a's peers as "N:MORE" or "N:MORE|VTI" (lib.sh: peer).
conf_a() {
	local p m args=()
	for p in "$@"; do
		m=${p#*:}
		args+=("$(peer a "${p%%:*}" "start = \"start\"; ${m%%|*}" \
		    "$([[ $m == *"|"* ]] && echo "${m#*|}")")")
	done
	conf a "$A_HEAD" "${args[@]}"
}
conf_b() {
	local p args=()
	for p in "$@"; do args+=("$(peer b "${p%%:*}" "start = \"add\"; ${p#*:}")"); done
	conf b 'log_level = "info";' "${args[@]}"
}
reload_a() {	# reload_a PATTERN: vtictl reload succeeds, answer has PATTERN
	local out
	out=$(ctl a reload) || fail "reload: $out"
	grep -q -- "$1" <<< "$out" || fail "reload answer without '$1': $out"
	RELOADS=$((RELOADS + 1))
	ok "reload $RELOADS: $(tail -1 <<< "$out" | sed 's/^[^:]*: //')"
}
RELOADS=0

"$PY" - "$W/notify.sock" "$W/notify" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", "|") + "\n")
EOF
echo $! > "$W/listen.pid"
wait_for 5 "notify listener" test -S "$W/notify.sock"

conf_b 1: 2: 3:
conf_a 1: 2: 3:
start b
t0=$(now)
start a NOTIFY_SOCKET="$W/notify.sock"
for p in B1 B2 B3; do wait_for 60 "$p up" up a "$p"; done
ok "3 tunnels up in $(elapsed "$t0") s"
wait_for 3 "STATUS=3/3 peers up" grep -q 'STATUS=3/3 peers up' "$W/notify"
ok "sd_notify: $(grep -m1 READY "$W/notify"), then STATUS=3/3 peers up"
spi1=$(spis a B1)
spi3=$(spis a B3)
spi2=$(spis a B2)
ip netns exec op-a ping -c 3 -W 5 10.1.0.2 > /dev/null || fail "no ping through vti1"
kinds_facing op-a op-b vti1

# The steady ping through peer 1, for the whole of the reloads.
ip netns exec op-a ping -i 0.01 -W 1 10.1.0.2 > "$W/ping" 2>&1 &
PING=$!
sleep 1

# 1. Nothing changed.
reload_a "added none; removed none; changed none; VTI updated none; 3 unchanged"

# 2. An invalid file: vtictl says why, SIGHUP logs it; nothing changes.
cp "$W/a.conf" "$W/a.good"
echo 'peers = ( { name = "B9"; } );' >> "$W/a.conf"
out=$(ctl a reload 2>&1) && fail "an invalid file reloaded: $out"
grep -q "a.conf:[0-9]*: .*configuration unchanged" <<< "$out" || fail "invalid reload: $out"
RELOADS=$((RELOADS + 1))
ok "reload $RELOADS (invalid, vtictl): $out"
kill -HUP "$(cat "$W/a.pid")"
RELOADS=$((RELOADS + 1))
wait_for 5 "SIGHUP reload error logged" sh -c "[ \$(grep -c 'configuration unchanged' '$W/a.log') -ge 2 ]"
ok "reload $RELOADS (invalid, SIGHUP): $(grep 'configuration unchanged' "$W/a.log" | tail -1)"
cp "$W/a.good" "$W/a.conf"

# 3. Peer 1's VTI MTU: the device changes, the SAs stay.
conf_a "1:|mtu = 1400;" 2: 3:
reload_a "VTI updated B1; 2 unchanged"
ip -n op-a link show vti1 | grep -c >/dev/null 'mtu 1400' || fail "vti1: $(ip -n op-a link show vti1)"
ok "vti1 mtu 1400"

# 4. Peer 2's ESP proposal, on both sides (b first): re-established.
conf_b 1: "2:esp = { proposals = \"aes256gcm16!\"; };" 3:
out=$(ctl b reload) || fail "b reload: $out"
grep -q "changed A2;" <<< "$out" || fail "b reload: $out"
conf_a "1:|mtu = 1400;" \
    "2:esp = { proposals = \"aes256gcm16!\"; };" 3:
reload_a "changed B2; VTI updated none; 2 unchanged"
wait_for 60 "B2 up again" up a B2
ctl a list B2 | grep -c >/dev/null 'AES_GCM_16_256/ESN_NONE' || fail "B2: $(ctl a list B2)"
[ "$(spis a B2)" != "$spi2" ] || fail "B2 kept its SPIs"
ok "B2 re-established with AES_GCM_16_256: SPIs $spi2 -> $(spis a B2)"
[ "$(spis a B3)" = "$spi3" ] || fail "B3 (unchanged) lost its SPIs"

# 5. Peer 3 removed: DELETE to b, its VTI and policies gone from a.
[ "$(policies op-a 3)" -gt 0 ] || fail "no policies of peer 3 before"
conf_a "1:|mtu = 1400;" \
    "2:esp = { proposals = \"aes256gcm16!\"; };"
reload_a "removed B3;"
ip -n op-a link show vti3 > /dev/null 2>&1 && fail "vti3 still there"
[ "$(policies op-a 3)" = 0 ] || fail "$(policies op-a 3) policies of peer 3 left"
[ "$(ip -n op-a xfrm state | grep -c 'mark 0x3/')" = 0 ] || fail "SAs of peer 3 left"
wait_for 10 "b deletes A3 on a's DELETE" sh -c "ip -n op-b xfrm state | grep -c >/dev/null 'mark 0x3/' && exit 1 || exit 0"
grep -q 'A3 #[0-9]*: IKE SA deleted by peer' "$W/b.log" || fail "b did not log the DELETE"
ok "B3 removed: DELETE sent (b: $(grep -m1 'A3 #[0-9]*: IKE SA deleted by peer' "$W/b.log")), vti3, its policies and SAs gone"

# 6. Peer 4 added (b first): comes up, carries traffic.
conf_b 1: "2:esp = { proposals = \"aes256gcm16!\"; };" 3: 4:
ctl b reload > /dev/null || fail "b reload (add A4)"
conf_a "1:|mtu = 1400;" \
    "2:esp = { proposals = \"aes256gcm16!\"; };" 4:
reload_a "added B4; removed none"
wait_for 60 "B4 up" up a B4
ip netns exec op-a ping -c 3 -i 0.2 -W 5 10.4.0.2 > /dev/null || fail "no ping through vti4"
ok "B4 added: up, 3/3 pings through vti4"
wait_for 3 "STATUS=3/3 peers up (B1 B2 B4)" sh -c "tail -1 '$W/notify' | grep -c >/dev/null 'STATUS=3/3 peers up'"

# 7. log_level by SIGHUP.
A_HEAD='log_level = "debug";'
conf_a "1:|mtu = 1400;" \
    "2:esp = { proposals = \"aes256gcm16!\"; };" 4:
kill -HUP "$(cat "$W/a.pid")"
RELOADS=$((RELOADS + 1))
wait_for 5 "log_level applied" grep -q 'reload: log_level: debug' "$W/a.log"
[ "$(ctl a log-level)" = debug ] || fail "log level $(ctl a log-level)"
ok "reload $RELOADS (SIGHUP): log_level debug applied"
grep -q 'RELOADING=1' "$W/notify" || fail "no RELOADING=1"

# The ping through peer 1, all along.
sleep 1
kill -INT "$PING"
wait "$PING" || true
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$W/ping")
recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$W/ping")
[ -n "$sent" ] && [ "$sent" -gt 100 ] || fail "ping: $(cat "$W/ping")"
echo "ping through B1 during $RELOADS reloads: sent $sent, received $recv, lost $((sent - recv))"
[ "$sent" = "$recv" ] || fail "lost $((sent - recv)) of $sent packets through an unchanged peer"
[ "$(spis a B1)" = "$spi1" ] || fail "B1's SPIs changed: $spi1 -> $(spis a B1)"
ok "B1 kept SPIs $spi1 through $RELOADS reloads, 0 packets lost"
stop a
stop b
[ "$(ip -n op-a xfrm state | grep -c '^src')" = 0 ] || fail "a left SAs"
echo "PASS: reload: unchanged peers untouched (0/$sent lost), VTI-only, changed, removed, added, invalid, globals"
