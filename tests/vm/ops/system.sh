#!/usr/bin/env bash
# A running pair as systemd would run it: capabilities after
# start-up, with and without a VTI in another namespace, and what
# CAP_SYS_ADMIN is for; syslog (-s) with levels and a peer prefix on
# every peer line; sd_notify STATUS as the tunnel goes up and down;
# vtictl up -w, down, rekey and a reload that moves a VTI inside its
# namespace after the capabilities were dropped.
#
#   netns op-a-priv: vti1 10.1.0.1/30         (a's VTI, as in the seed lab)
#   netns op-a: vtid -s, peer B1 (route)  === ESP ::11 <-> ::12 (mark 1) ===
#   netns op-b: vtid, peer A1 (add), vti1 10.1.0.2/30 beside it
. "$(dirname "$0")/lib.sh"
OPNS+=(op-a-priv op-b-priv)

setup_pair

# syslog(3) writes to /dev/log: in the guest, whose /dev is its own, a
# socket there; directly on a host, a socket bound over the host's
# /dev/log in a mount namespace of vtid's own. Each datagram one line.
if [ "${VTID_VM_GUEST:-}" = 1 ]; then
	LOGSOCK=/dev/log
elif [ -e /dev/log ]; then
	LOGSOCK=$W/log.sock
	START_WRAP=(unshare -m --propagation private sh -c \
	    'mount --bind "$0" /dev/log && exec "$@"' "$LOGSOCK")
else
	fail "direct mode needs a /dev/log to bind over"
fi
"$PY" - "$LOGSOCK" "$W/syslog" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(8192).decode(errors="replace").rstrip("\n") + "\n")
EOF
echo $! > "$W/listen.pid"
"$PY" - "$W/notify.sock" "$W/notify" <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode().replace("\n", "|") + "\n")
EOF
echo $! >> "$W/listen.pid"
wait_for 5 "listeners" sh -c "test -S '$LOGSOCK' && test -S '$W/notify.sock'"

conf a 'log_level = "info";' "$(peer a 1 'start = "route";' 'netns = "op-a-priv";')"
conf b 'log_level = "info";' "$(peer b 1 'start = "add";')"
start b
VTID_ARGS=(-s)
READY_LOG=$W/syslog
start a NOTIFY_SOCKET="$W/notify.sock"
VTID_ARGS=()
READY_LOG=
START_WRAP=()

# ---- capabilities
[ "$(caps a CapEff)" = 0000000000201000 ] && [ "$(caps a CapBnd)" = 0000000000201000 ] ||
	fail "a (VTI in a namespace): CapEff $(caps a CapEff) CapBnd $(caps a CapBnd)"
ok "a, its VTI in op-a-priv: CapEff=CapBnd=$(caps a CapEff) (CAP_NET_ADMIN, CAP_SYS_ADMIN)"
[ "$(caps b CapEff)" = 0000000000001000 ] && [ "$(caps b CapBnd)" = 0000000000001000 ] ||
	fail "b: CapEff $(caps b CapEff) CapBnd $(caps b CapBnd)"
ok "b, no namespace: CapEff=CapBnd=$(caps b CapEff) (CAP_NET_ADMIN)"
ip -n op-a-priv link show vti1 > /dev/null || fail "vti1 not in op-a-priv"

# ---- syslog
[ ! -s "$W/a.log" ] || fail "a wrote to stderr with -s: $(cat "$W/a.log")"
grep -q "^<29>.*vtid\[$(vpid a)\]: vtid started: 1 peers" "$W/syslog" ||
	fail "no 'vtid started' at daemon.notice (<29>): $(head -5 "$W/syslog")"
ok "syslog: $(grep -m1 'vtid started' "$W/syslog"), nothing on stderr"

# ---- up -w, traffic, STATUS
t0=$(now)
out=$(ctl a -t 60 up B1 -w) || fail "up -w: $out"
[ "$out" = "$(printf 'B1: initiating\nB1: up')" ] || fail "up -w said: $out"
ok "vtictl up B1 -w: up in $(elapsed "$t0") s"
ip netns exec op-a-priv ping -c 3 -i 0.2 -W 5 10.1.0.2 > /dev/null || fail "no ping from op-a-priv"
ok "3/3 pings from op-a-priv through vti1"
kinds_facing op-a-priv op-b vti1
wait_for 3 "STATUS=1/1 peers up" sh -c "tail -1 '$W/notify' | grep -c >/dev/null 'STATUS=1/1 peers up'"
ok "sd_notify: $(grep -c . "$W/notify") messages, the last STATUS=1/1 peers up"

# ---- levels and prefixes
junk() {	# junk N: N 10-byte datagrams from b to a's port 500
	ip netns exec op-b "$PY" -c "import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
for i in range($1): s.sendto(b'0123456789', ('2001:db8:1::11', 500))"
}
ctl a log-level debug > /dev/null
junk 3
wait_for 5 "a debug line (daemon.debug, <31>)" grep -q '^<31>.*ike: dropped 10 bytes' "$W/syslog"
ctl a log-level info > /dev/null
n=$(grep -c '^<31>' "$W/syslog")
junk 3
sleep 1
[ "$(grep -c '^<31>' "$W/syslog")" = "$n" ] || fail "debug lines at level info"
ok "syslog levels: 'ike: dropped' at <31> (daemon.debug) with log-level debug, none at info"
# Every line about the peer's SAs carries its prefix ("B1: ", "B1 #3: ").
bad=$(sed 's/^<[0-9]*>\(.\{15\} \)\?//; s/^vtid\[[0-9]*\]: //' "$W/syslog" |
	grep -E 'IKE SA|CHILD SA|SPI|IKE_SA_INIT|IKE_AUTH|initiat' | grep -vE '^B1( #[0-9]+)?: ' || true)
[ -z "$bad" ] || fail "peer lines without the peer's prefix: $bad"
ok "syslog: $(grep -cE 'B1( #[0-9]+)?: ' "$W/syslog") lines about B1, each with its prefix; levels as set"

# ---- rekey on request: new SPIs, traffic goes on, counted
rekeyed() {	# rekeyed SPIS: B1's CHILD SA has other SPIs than these
	[ "$(spis a B1)" != "$1" ]
}
before=$(spis a B1)
out=$(ctl a rekey B1) || fail "rekey B1: $out"
[ "$out" = "B1: rekeying the CHILD SA" ] || fail "rekey: $out"
poll 30 rekeyed "$before" || fail "B1 not rekeyed within 30 s"
ctl a rekey B1 --ike > /dev/null || fail "rekey B1 --ike"
wait_for 30 "IKE rekey counted" sh -c "ip netns exec op-a $VTICTL -s $W/a.sock list B1 | grep -c >/dev/null 'rekeys 1 CHILD 1 IKE'"
ip netns exec op-a-priv ping -c 3 -i 0.2 -W 5 10.1.0.2 > /dev/null || fail "no ping after the rekeys"
ctl a metrics | grep -cx >/dev/null 'vtid_peer_child_rekeys_total{peer="B1"} 1' || fail "metrics: no CHILD rekey"
ok "vtictl rekey B1, then --ike: SPIs $before -> $(spis a B1), list and metrics count 1 CHILD + 1 IKE rekey, 3/3 pings"

# ---- down: the route peer's VTI goes down with it (its link follows the
# tunnel), so no packet brings it back; vtictl up does.
n=$(wc -l < "$W/notify")
out=$(ctl a down B1)
[ "$out" = "B1: SAs deleted; down until 'vtictl up' or the peer initiates" ] || fail "down: $out"
[ "$(ctl a state B1)" = down ] || fail "B1 not down"
wait_for 3 "STATUS=0/1 peers up" sh -c "tail -n +$((n + 1)) '$W/notify' | grep -c >/dev/null 'STATUS=0/1 peers up'"
ip netns exec op-a-priv ping -c 1 -W 1 10.1.0.2 > /dev/null 2>&1 && fail "a ping crossed B1's VTI after vtictl down"
[ "$(ctl a state B1)" = down ] || fail "B1 came back on traffic through a down VTI"
ctl a up B1 > /dev/null || fail "vtictl up B1"
wait_for 30 "B1 back after vtictl up" up a B1
ok "down B1: $out; STATUS 0/1; no packet through its down VTI; vtictl up brought it back"

# ---- a reload that moves the VTI inside its namespace (CAP_SYS_ADMIN
# kept for it): the old device goes, the new one comes, the peer too.
conf a 'log_level = "info";' "$(peer a 1 'start = "route";' 'netns = "op-a-priv"; name = "vti-b1";')"
out=$(ctl a reload) || fail "reload (VTI renamed): $out"
grep -q 'changed B1;' <<< "$out" || fail "reload: $out"
ip -n op-a-priv link show vti1 > /dev/null 2>&1 && fail "vti1 still in op-a-priv"
ip -n op-a-priv link show vti-b1 > /dev/null || fail "no vti-b1 in op-a-priv"
wait_for 30 "B1 up again" up a B1
ip netns exec op-a-priv ping -c 3 -i 0.2 -W 5 10.1.0.2 > /dev/null || fail "no ping through vti-b1"
ok "reload renamed the VTI in op-a-priv after the drop: vti1 gone, vti-b1 up, 3/3 pings"

# ---- b dropped CAP_SYS_ADMIN: a reload that needs it is refused
cp "$W/b.conf" "$W/b.good"
conf b 'log_level = "info";' "$(peer b 1 'start = "add";' 'netns = "op-b-priv";')"
out=$(ctl b reload 2>&1) && fail "b reloaded a VTI namespace without CAP_SYS_ADMIN: $out"
grep -q "needs CAP_SYS_ADMIN, which vtid dropped at start-up (no peer had a netns then): restart vtid to apply this configuration; configuration unchanged" <<< "$out" ||
	fail "b reload: $out"
ip -n op-b link show vti1 > /dev/null || fail "b's vti1 gone after a refused reload"
up b A1 || fail "A1 down after a refused reload"
ok "b (no CAP_SYS_ADMIN) refuses a reload adding vti.netns: $(sed 's/.*: peer/peer/' <<< "$out" | cut -c1-90)..."
cp "$W/b.good" "$W/b.conf"

# ---- what CAP_SYS_ADMIN is for: without it, a VTI cannot go to its
# namespace (setns is refused), even as root with CAP_NET_ADMIN.
stop b
conf b 'log_level = "info";' "$(peer b 1 'start = "add";' 'netns = "op-b-priv";')"
ip netns exec op-b setpriv --bounding-set=-sys_admin --inh-caps=-sys_admin \
    "$VTID" -c "$W/b.conf" > "$W/b.log" 2>&1 &
echo $! > "$W/b.pid"
wait_for 20 "b started without CAP_SYS_ADMIN" grep -q 'vtid started' "$W/b.log"
grep -q 'A1: .*netns op-b-priv.*Operation not permitted' "$W/b.log" ||
	fail "without CAP_SYS_ADMIN: $(grep A1 "$W/b.log")"
ok "without CAP_SYS_ADMIN: $(grep -m1 'Operation not permitted' "$W/b.log")"
ip -n op-b-priv link show vti1 > /dev/null 2>&1 && fail "vti1 in op-b-priv anyway"
stop b

# ---- stop: the VTI in the other namespace goes too (CAP_SYS_ADMIN kept)
stop a
ip -n op-a-priv link show vti-b1 > /dev/null 2>&1 && fail "a left vti-b1 in op-a-priv"
grep -q 'STOPPING=1' "$W/notify" || fail "no STOPPING=1"
grep -q 'vtid stopped' "$W/syslog" || fail "no 'vtid stopped' in syslog"
ok "a stopped: STOPPING=1, vti-b1 removed from op-a-priv, 'vtid stopped' logged"
echo "PASS: capabilities, syslog, levels, prefixes, notify, up -w, down, rekey, reload in a namespace"
