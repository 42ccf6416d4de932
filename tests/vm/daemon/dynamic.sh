#!/usr/bin/env bash
# Peers without a fixed address: a hub with remote = "%any" and a prefix
# peer, each known by its FQDN identity, on XFRM interfaces. Two branches
# come up at once from addresses the hub was never told; one then
# restarts on another address and the hub follows it (one IKE SA, the
# policies' templates to the new address); a branch outside its prefix,
# and `vtictl up` toward such a peer, are refused.
#
#                       netns vt-b (hub): br0 2001:db8:1::2/64
#   vt-a  branch one.example  2001:db8:5::10, later 2001:db8:7::10  ---+
#   vt-c  branch two.example  2001:db8:5::20, later 2001:db8:6::20  ---+-- br0
#   hub: "br1" remote %any (one.example), "br2" remote 2001:db8:5::/48
#        (two.example), both "add", XFRM interfaces xfrm7, xfrm8
. "$(dirname "$0")/lib.sh"

NS+=(vt-c vt-c-priv)
netns_fresh vt-a vt-a-priv vt-b vt-b-priv vt-c vt-c-priv
ip -n vt-b link add br0 type bridge
ip -n vt-b addr add 2001:db8:1::2/64 dev br0 nodad
ip -n vt-b link set br0 up
# Every branch is on the bridge's link, whatever its address.
ip -n vt-b route add 2001:db8::/32 dev br0
branch_link() {	# branch_link a|c ADDRESS
	ip link add "veth-$1" netns "vt-$1" type veth peer name "p-$1" netns vt-b
	ip -n vt-b link set "p-$1" master br0 up
	ip -n "vt-$1" link set "veth-$1" up
	branch_addr "$1" "$2"
}
branch_addr() {	# branch_addr a|c ADDRESS: its only address
	ip -n "vt-$1" -6 addr flush dev "veth-$1" scope global
	ip -n "vt-$1" addr add "$2/128" dev "veth-$1" nodad
	ip -n "vt-$1" route replace 2001:db8:1::/64 dev "veth-$1"
}
branch_link a 2001:db8:5::10
branch_link c 2001:db8:5::20
PSK2=$(head -c 24 /dev/urandom | base64)
suite="ike = { proposals = \"aes256gcm16-prfsha384-ecp384!\"; };
    esp = { proposals = \"aes256gcm16-prfsha384-ecp384!\"; };"

cat > "$W/b.conf" <<EOF
control_socket = "$W/b.conf.sock";
log_level = "debug";
retransmit = { timeout = 2.0; base = 1.8; tries = 4; };
interface = { type = "xfrm"; netns = "vt-b-priv"; };
start = "add";
peers = (
  { name = "br1"; local = "2001:db8:1::2"; remote = "%any";
    remote_id = "fqdn:one.example"; psk = "$PSK"; mark = 7; $suite
    interface = { name = "xfrm7"; addresses = [ "2001:db8:ff::1/127" ]; }; },
  { name = "br2"; local = "2001:db8:1::2"; remote = "2001:db8:5::/48";
    remote_id = "fqdn:two.example"; psk = "$PSK2"; mark = 8; $suite
    interface = { name = "xfrm8"; addresses = [ "2001:db8:ff::3/127" ]; }; }
);
EOF
chmod 600 "$W/b.conf"
branch_conf() {	# branch_conf a|c ADDRESS
	local id=one.example psk=$PSK mark=7 in=2001:db8:ff::/127
	[ "$1" = c ] && { id=two.example psk=$PSK2 mark=8 in=2001:db8:ff::2/127; }
	cat > "$W/$1.conf" <<EOF
control_socket = "$W/$1.conf.sock";
log_level = "debug";
retransmit = { timeout = 2.0; base = 1.8; tries = 4; };
peers = ( { name = "hub"; local = "$2"; remote = "2001:db8:1::2";
    local_id = "fqdn:$id"; psk = "$psk"; mark = $mark; start = "start"; $suite
    vti = { name = "vti$mark"; netns = "vt-$1-priv"; addresses = [ "$in" ]; }; } );
EOF
	chmod 600 "$W/$1.conf"
}
ctlc() { ip netns exec vt-c "$VTICTL" -s "$W/c.conf.sock" "$@"; }
startc() { : > "$W/c.log"; spawn "$W/c.pid" "$W/c.log" ip netns exec vt-c "$VTID" -c "$W/c.conf"; }
cleanup_c() { kill_pidfile "$W/c.pid"; }
trap 'cleanup_c; cleanup' EXIT
# The hub's SA line of a peer: "br1[3]: ESTABLISHED ..., local...remote".
hub_sa() { ctl b status | grep -E "^ *$1\[[0-9]+\]: ESTABLISHED" || true; }
hub_up() { ctl b status | grep -A2 -E "^ *$1\[" | grep -q INSTALLED; }

start b
wait_for 40 "hub started" grep -q 'vtid started' "$W/b.log"
ctl b status | grep -q 'br1: DOWN (waiting for peer)' || fail "br1 not waiting: $(ctl b status)"
out=$(ctl b up br1 2>&1) && fail "vtictl up br1 succeeded: $out"
echo "$out" | grep -q 'br1: remote is %any6: it connects to us' || fail "vtictl up br1: $out"
ok "vtictl up toward %any refused: $out"

branch_conf a 2001:db8:5::10
branch_conf c 2001:db8:5::20
t0=$(now)
start a
startc
wait_for 60 "both branches up at the hub" sh -c "ip netns exec vt-b '$VTICTL' -s '$W/b.conf.sock' status | grep -c INSTALLED | grep -qx 2"
ok "two branches the hub had no address for up in $(elapsed "$t0") s"
hub_sa br1 | grep -q '\.\.\.2001:db8:5::10\[' || fail "br1's SA: $(hub_sa br1)"
hub_sa br2 | grep -q '\.\.\.2001:db8:5::20\[' || fail "br2's SA: $(hub_sa br2)"
ip netns exec vt-a-priv ping -c3 -i0.3 -W2 2001:db8:ff::1 > /dev/null || fail "ping one.example -> hub"
ip netns exec vt-c-priv ping -c3 -i0.3 -W2 2001:db8:ff::3 > /dev/null || fail "ping two.example -> hub"
ip netns exec vt-b-priv ping -c3 -i0.3 -W2 2001:db8:ff:: > /dev/null || fail "ping hub -> one.example"
ok "one.example from 2001:db8:5::10 on br1 (%any), two.example from 2001:db8:5::20 on br2 (/48): pings both ways through xfrm7 and xfrm8"
for d in vt-a-priv:vti7:vti vt-c-priv:vti8:vti vt-b-priv:xfrm7:xfrm vt-b-priv:xfrm8:xfrm; do
	IFS=: read -r n dev kind <<< "$d"
	poll 10 dev_is "$n" "$dev" "$kind" || fail "$n $dev is a $(dev_kind "$n" "$dev"), not a $kind"
done

# one.example's address changes under it (a new lease), so its DELETE on
# the way out never reaches the hub, which still holds the old SA; it
# comes back from the new address, and its INITIAL_CONTACT ends that SA.
branch_addr a 2001:db8:7::10
stop a
branch_conf a 2001:db8:7::10
t1=$(now)
start a
wait_for 60 "br1 from the new address" sh -c "ip netns exec vt-b '$VTICTL' -s '$W/b.conf.sock' status | grep -E '^ *br1\[[0-9]+\]: ESTABLISHED' | grep -q '2001:db8:7::10\['"
wait_for 20 "one IKE SA left for br1" sh -c "[ \$(ip netns exec vt-b '$VTICTL' -s '$W/b.conf.sock' status | grep -cE '^ *br1\[') = 1 ]"
grep -q 'br1 #[0-9]*: .*peer restarted (INITIAL_CONTACT), stale IKE SA removed' "$W/b.log" ||
	fail "the hub's SA from 2001:db8:5::10 was not ended by INITIAL_CONTACT"
ip netns exec vt-a-priv ping -c3 -i0.3 -W2 2001:db8:ff::1 > /dev/null || fail "ping one.example (new address) -> hub"
tmpl=$(ip -n vt-b xfrm policy list dir out | grep -c 'tmpl src 2001:db8:1::2 dst 2001:db8:7::10' || true)
[ "$tmpl" -ge 1 ] || fail "br1's policies do not lead to 2001:db8:7::10: $(ip -n vt-b xfrm policy)"
hub_up br2 || fail "br2 lost its tunnel when br1 moved"
ok "one.example back from 2001:db8:7::10 in $(elapsed "$t1") s: its INITIAL_CONTACT ended the SA from the old address, one IKE SA, policies to the new address, br2 untouched"

# two.example from outside br2's prefix: answered on br1's terms, its
# identity is not br1's: AUTHENTICATION_FAILED, and nothing else moves.
stop_pidfile "$W/c.pid" 5 "vtid c"
wait_for 20 "br2 down" sh -c "ip netns exec vt-b '$VTICTL' -s '$W/b.conf.sock' status | grep -q 'br2: DOWN'"
branch_addr c 2001:db8:6::20
branch_conf c 2001:db8:6::20
startc
wait_for 40 "two.example refused" grep -q 'br1 #[0-9]*: AUTHENTICATION_FAILED: peer identity two.example is not the one configured' "$W/b.log"
sleep 3
ctl b status | grep -q 'br2: DOWN' || fail "br2 came up from outside its prefix: $(ctl b status)"
hub_sa br1 | grep -q '2001:db8:7::10\[' || fail "br1 disturbed by the refused branch: $(ctl b status)"
ip netns exec vt-a-priv ping -c2 -i0.3 -W2 2001:db8:ff::1 > /dev/null || fail "br1 lost traffic"
ok "two.example from 2001:db8:6::20 (outside 2001:db8:5::/48) refused with AUTHENTICATION_FAILED; br1 kept its tunnel"

ctl b list br1 | grep -q '\.\.\. %any6 \[fqdn:one.example\]' ||
	fail "list br1: $(ctl b list br1 | head -4)"
ctl b list -j br2 | grep -q '"remote":"2001:db8:5::/48"' || fail "list -j br2: $(ctl b list -j br2 | head -c 300)"
echo "PASS: dynamic peers: two branches up at a hub with no address for them in $(elapsed "$t0") s (%any and a /48, told apart by identity), one followed to a new address with one IKE SA, one outside its prefix refused, vtictl up refused"
