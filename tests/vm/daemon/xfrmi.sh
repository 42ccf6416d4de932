#!/usr/bin/env bash
# Two vtid hosts with XFRM interfaces (interface = { type = "xfrm"; }):
# the devices are made in vtid's namespace and moved into the private
# ones; the SAs and policies carry if_id 7 and no mark.
#
#   vt-a-priv: xfrm7 (if_id 7) 2001:db8:ff::/127 169.254.1.0/31
#              === ESP over 2001:db8:1::1 <-> 2001:db8:1::2 (if_id 7) ===
#   vt-b-priv: xfrm7 (if_id 7) 2001:db8:ff::1/127 169.254.1.1/31
#   vt-a: vtid (start)                  vt-b: vtid (add)
#
# Checked, each with its figure: the devices (kind, if_id, namespace);
# SAs and policies keyed by if_id only; ping (IPv6 and IPv4 inside) and
# a TCP transfer whose bytes the ESP SA counts; status and list; the
# kernel's tables repaired after `ip xfrm state flush`, a stray SA with
# if_id 7 removed and one with if_id 99 left alone; SIGKILL and restart
# (leftovers purged, the device adopted, traffic again); a foreign xfrm7
# with another if_id refused naming the difference, and left alone at
# exit; a reload to type vti
# (vti7 in place of xfrm7, SAs and policies keyed by mark); SIGTERM
# removes everything.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
trap 'kill_pidfile "$W/listen.pid"; cleanup' EXIT
setup_pair
p="mark = 7; psk = \"$PSK\"; ike = { proposals = \"aes256gcm16-prfsha384-ecp384!\"; };
    esp = { proposals = \"aes256gcm16-prfsha384-ecp384!\"; };"
conf a "name = \"B\"; local = \"2001:db8:1::1\"; remote = \"2001:db8:1::2\";
    start = \"start\"; $p interface = { type = \"xfrm\"; name = \"xfrm7\"; netns = \"vt-a-priv\";
    addresses = [ \"2001:db8:ff::/127\", \"169.254.1.0/31\" ]; };"
conf b "name = \"A\"; local = \"2001:db8:1::2\"; remote = \"2001:db8:1::1\";
    start = \"add\"; $p interface = { type = \"xfrm\"; name = \"xfrm7\"; netns = \"vt-b-priv\";
    addresses = [ \"2001:db8:ff::1/127\", \"169.254.1.1/31\" ]; };"
sed -i '1i kernel = { reconcile_interval = 5; };' "$W/a.conf"

ping_ok() { ip netns exec vt-a-priv ping -6 -c 1 -W 1 2001:db8:ff::1 >/dev/null; }
sa_gone() { ! ip -n vt-a xfrm state get dst 2001:db8:1::1 proto esp spi "$1" >/dev/null 2>&1; }
one_child() { [ "$(ctl "$1" status | grep -c INSTALLED)" -eq 1 ]; }

start b
wait_for 40 "b ready" grep -q 'vtid started' "$W/b.log"
t0=$(now)
start a
wait_for 90 "CHILD SA installed on a" installed a
wait_for 30 "CHILD SA installed on b" installed b
ok "tunnel up in $(elapsed "$t0" 2) s"
ctl a status

# The devices: kind xfrm, if_id 7, in the private namespaces only.
for n in a b; do
	d=$(ip -n vt-$n-priv -d link show xfrm7) || fail "no xfrm7 in vt-$n-priv"
	grep -q 'xfrm if_id 0x7' <<<"$d" || fail "xfrm7 in vt-$n-priv is not if_id 7: $d"
	ip -n vt-$n link show xfrm7 >/dev/null 2>&1 && fail "xfrm7 also in vt-$n"
	grep -q "created xfrm xfrm7 in netns vt-$n-priv, if_id 7" "$W/$n.log" ||
		fail "$n did not log the device's creation"
done
ok "xfrm7 in vt-a-priv and vt-b-priv: $(ip -n vt-a-priv -d link show xfrm7 | grep -o 'xfrm if_id [0-9a-fx]*')"

# SAs and policies: every one with if_id 7, none with a mark.
for n in a b; do
	read -r ns np ni nm < <(keyed vt-$n 'if_id 0x7')
	[ "$ns" -ge 2 ] && [ "$np" = 6 ] && [ "$ni" = $((ns + np)) ] && [ "$nm" = 0 ] ||
		fail "vt-$n: $ns SAs, $np policies, $ni with if_id 7, $nm marked"
	ok "vt-$n: $ns SAs and $np policies, all with if_id 0x7, none marked"
done
ctl a status | grep -q 'INSTALLED, TUNNEL, reqid [0-9]*, if_id 7,' ||
	fail "status does not say if_id 7: $(ctl a status)"
ctl a list | grep -q '^B: up .*, if_id 7, reqid [0-9]*, xfrm7 (xfrm) in netns vt-a-priv, link up$' ||
	fail "list does not show the xfrm device: $(ctl a list | head -1)"
ok "status: $(ctl a status | grep -o 'if_id 7'); list: $(ctl a list | head -1 | grep -o 'xfrm7.*')"

# Traffic: ping both inner families, then TCP through the tunnel.
wait_for 20 "first ping" ping_ok
ip netns exec vt-a-priv ping -6 -c 5 -i 0.2 -W 2 2001:db8:ff::1 >/dev/null ||
	fail "ping IPv6 through xfrm7"
ip netns exec vt-a-priv ping -c 5 -i 0.2 -W 2 169.254.1.1 >/dev/null ||
	fail "ping IPv4 through xfrm7"
ok "ping 2001:db8:ff::1 and 169.254.1.1 through xfrm7: 5/5 each"
ip netns exec vt-b-priv "$PY" -c '
import socket
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("2001:db8:ff::1", 179))
s.listen(4)
while True:
    c, _ = s.accept()
    n = 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        n += len(b)
    c.sendall(str(n).encode())
    c.close()
' > "$W/listen.log" 2>&1 &
echo $! > "$W/listen.pid"
sleep 1
before=$(counter a out)
N=300000
got=$(ip netns exec vt-a-priv "$PY" -c '
import socket, sys
c = socket.create_connection(("2001:db8:ff::1", 179), timeout=20)
c.sendall(b"x" * int(sys.argv[1]))
c.shutdown(socket.SHUT_WR)
print(c.recv(64).decode())
' "$N") || fail "TCP through xfrm7 failed"
after=$(counter a out)
[ "$got" = "$N" ] || fail "TCP: the far end counted $got bytes of $N"
[ $((after - before)) -ge "$N" ] ||
	fail "TCP: a's outbound ESP SA counted $((after - before)) bytes for $N sent"
ok "TCP through xfrm7: $N bytes received; a's outbound ESP SA counted $((after - before)) bytes"

# The kernel's tables behind vtid's back: flushed, a stray added.
wait_for 30 "one CHILD SA on a" one_child a
spi0=$(spis a)
t0=$(now)
ip -n vt-a xfrm state flush
wait_for 40 "traffic back after ip xfrm state flush" ping_ok
ok "state flush: traffic back in $(elapsed "$t0" 2) s, SPIs $spi0 -> $(spis a)"
reqid=$(ip -n vt-a xfrm state | awk '$1 == "proto" && $2 == "esp" { for (i = 1; i < NF; i++) if ($i == "reqid") { print $(i + 1); exit } }')
[ -n "$reqid" ] || fail "no reqid in a's SAs"
key=0x$(printf '%072d' 0 | tr 0 5)
ip -n vt-a xfrm state add src 2001:db8:1::2 dst 2001:db8:1::1 proto esp spi 0xc0ffee01 \
	reqid "$reqid" mode tunnel if_id 7 aead 'rfc4106(gcm(aes))' "$key" 128
ip -n vt-a xfrm state add src 2001:db8:1::2 dst 2001:db8:1::1 proto esp spi 0xc0ffee02 \
	reqid "$reqid" mode tunnel if_id 99 aead 'rfc4106(gcm(aes))' "$key" 128
t0=$(now)
wait_for 15 "the stray SA 0xc0ffee01 (if_id 7) removed" sa_gone 0xc0ffee01
stray_s=$(elapsed "$t0" 2)
sleep 6		# a periodic pass (5 s) more
sa_gone 0xc0ffee02 && fail "the SA with if_id 99 (not a's) was removed"
ip -n vt-a xfrm state delete dst 2001:db8:1::1 proto esp spi 0xc0ffee02
grep -q 'removed stray SA spi 0xc0ffee01 .*(if_id 7, reqid' "$W/a.log" ||
	fail "no log line for the stray"
ping_ok || fail "no traffic after the stray's removal"
ok "stray SA (if_id 7, reqid $reqid) removed in $stray_s s; if_id 99 left alone"

# SIGKILL: everything stays; the restart purges and adopts.
kill_pidfile "$W/a.pid"
read -r ns np _ _ < <(keyed vt-a 'if_id 0x7')
[ "$np" = 6 ] && ip -n vt-a-priv link show xfrm7 >/dev/null ||
	fail "after SIGKILL: $np policies, xfrm7 $(ip -n vt-a-priv link show xfrm7 2>&1 | head -1)"
ifindex() { ip -n vt-a-priv -o link show xfrm7 | cut -d: -f1; }
idx=$(ifindex)
ok "a killed (SIGKILL): $ns SAs, $np policies and xfrm7 left behind"
t0=$(now)
start a
wait_for 30 "a restarted" grep -q 'vtid started' "$W/a.log"
grep -q "adopted xfrm xfrm7 in netns vt-a-priv, if_id 7" "$W/a.log" ||
	fail "a did not adopt xfrm7: $(grep -i xfrm7 "$W/a.log")"
[ "$(ifindex)" = "$idx" ] || fail "xfrm7 was made anew (ifindex $idx -> $(ifindex)), not adopted"
purged=$(grep -o 'removed [0-9]* SAs and [0-9]* policies left by a previous vtid' "$W/a.log") ||
	fail "a did not purge what the killed vtid left"
wait_for 90 "tunnel up after the restart" installed a
wait_for 30 "traffic after the restart" ping_ok
ok "restart after SIGKILL: $purged; xfrm7 adopted (ifindex $idx); traffic again after $(elapsed "$t0" 2) s"

# A foreign xfrm7 with another if_id: refused, the difference named.
stop a
ip -n vt-a-priv link show xfrm7 >/dev/null 2>&1 && fail "SIGTERM left xfrm7 in vt-a-priv"
ip -n vt-a-priv link add xfrm7 type xfrm if_id 8
start a
wait_for 30 "a started with the foreign xfrm7" grep -q 'vtid started' "$W/a.log"
grep -q 'xfrm7: exists with if_id 8, config says 7' "$W/a.log" ||
	fail "no error naming the if_id: $(grep -i xfrm7 "$W/a.log")"
ip -n vt-a-priv -d link show xfrm7 | grep -q 'if_id 0x8' ||
	fail "the foreign xfrm7 was changed"
ok "foreign xfrm7 refused: $(grep -o 'xfrm7: exists with .*' "$W/a.log" | head -1)"
stop a
ip -n vt-a-priv -d link show xfrm7 | grep -q 'if_id 0x8' ||
	fail "SIGTERM deleted the foreign xfrm7"
grep -q 'xfrm7: not deleted, not the configured device: exists with if_id 8, config says 7' "$W/a.log" ||
	fail "no log line for the foreign xfrm7 left alone: $(grep -i xfrm7 "$W/a.log" | tail -2)"
ok "SIGTERM left the foreign xfrm7 (if_id 8) alone"
ip -n vt-a-priv link del xfrm7
read -r ns np _ _ < <(keyed vt-a 'if_id 0x7')
[ "$ns" = 0 ] && [ "$np" = 0 ] || fail "a left $ns SAs and $np policies"

# A reload to type vti: the peer's device, policies and SAs anew, keyed
# by mark (b stays on its XFRM interface).
start a
wait_for 90 "tunnel up again" installed a
sed -i 's/type = "xfrm"; name = "xfrm7";/type = "vti"; name = "vti7";/' "$W/a.conf"
grep -q 'type = "vti"; name = "vti7";' "$W/a.conf" || fail "a.conf not rewritten"
t0=$(now)
ctl a reload > "$W/reload.out" || fail "reload: $(cat "$W/reload.out")"
wait_for 60 "tunnel up on vti7" sh -c "ip netns exec vt-a-priv ping -6 -c 1 -W 1 2001:db8:ff::1 >/dev/null"
ip -n vt-a-priv -d link show vti7 | grep -q 'vti6 ' || fail "no vti6 vti7 after the reload"
ip -n vt-a-priv link show xfrm7 >/dev/null 2>&1 && fail "xfrm7 left after the reload"
read -r ns np nk no < <(keyed vt-a 'mark 0x7/0xffffffff')
[ "$np" = 6 ] && [ "$nk" = $((ns + np)) ] && [ "$no" = 0 ] ||
	fail "after the reload: $ns SAs, $np policies, $nk with mark 7, $no with an if_id"
ok "reload to type vti: vti7 (vti6) in place of xfrm7, $ns SAs and $np policies with mark 7, traffic after $(elapsed "$t0" 2) s"

# SIGTERM: a clean run leaves nothing.
stop a
read -r ns np _ _ < <(keyed vt-a 'mark 0x7/0xffffffff')
[ "$ns" = 0 ] && [ "$np" = 0 ] || fail "a left $ns SAs and $np policies"
for d in xfrm7 vti7; do
	ip -n vt-a-priv link show $d >/dev/null 2>&1 && fail "a left $d behind"
	ip -n vt-a link show $d >/dev/null 2>&1 && fail "a left $d in vt-a"
done
ok "a stopped: no SA, policy or device left"
stop b
echo "PASS: XFRM interfaces between two vtids: if_id-keyed SAs and policies, traffic, repair, SIGKILL/restart adoption, refusal, cleanup"
