#!/usr/bin/env bash
# Route-based tunnels made by src/vti and src/xfrm (through nltest), with
# real ESP, between network namespaces:
#
#        nl-L                                          nl-R
#  +-------------------------+  veth  2001:db8::/64  +------------------------+
#  | lv 2001:db8::1, ::11    |        192.0.2.0/24   | rv 2001:db8::2, ::12   |
#  |    192.0.2.1            |=======================|    192.0.2.2           |
#  | t6 vti6 key 10, mtu 1400|  AES-GCM-256, ESN     | t6 vti6 key 10         |
#  |    2001:db8:10::1/64    |  IPv6 and IPv4 inside |    2001:db8:10::2/64   |
#  |    10.10.0.1/24         |                       |    10.10.0.2/24        |
#  | t4 vti key 20, link lv  |  AES-CBC-256+SHA-256  | t4 vti key 20          |
#  |    2001:db8:20::1/64    |  IPv6 and IPv4 inside |    2001:db8:20::2/64   |
#  |    10.20.0.1/24         |                       |    10.20.0.2/24        |
#  | (p6: ESP side, ::11) ...|..AES-CBC-128+SHA-512..| p6 vti6 key 30, ::12   |
#  +-----------:-------------+                       |    2001:db8:30::2/64   |
#              : p6 moved into                       |    10.30.0.2/24        |
#  +-----------:-------------+                       +------------------------+
#  | nl-P  p6 vti6 key 30    |  device and addresses here, SAs and policies
#  |    2001:db8:30::1/64    |  in nl-L (its link namespace), as the seed
#  |    10.30.0.1/24         |  lab does with its "private" namespace
#  +-------------------------+
#
# Each tunnel has mark = ikey = okey = reqid = its key, two SAs and out/in/fwd
# policies for ::/0 and 0.0.0.0/0. Checked: pings both inner families over
# both outer families, SA counters, XFRM_STATE_AF_UNSPEC being what lets a
# vti6 carry IPv4, idempotent adoption (and refusal when parameters differ),
# the move into a third namespace, and a clean-up that leaves hand-made XFRM
# objects alone.
# ok() always succeeds, so "test && ok || fail" is an if-then-else:
# shellcheck disable=SC2015
# shellcheck source=tests/vm/netlink/common.sh
. "$(dirname "$0")/common.sh"
require_kernel

L=nl-L R=nl-R P=nl-P
L6=2001:db8::1 R6=2001:db8::2 L4=192.0.2.1 R4=192.0.2.2
# p6 needs endpoints of its own: the kernel allows one tunnel per
# (local, remote), whatever the keys.
LP=2001:db8::11 RP=2001:db8::12

netns_add $L $R $P
ip link add lv netns $L type veth peer name rv netns $R
ip -n $L addr add $L6/64 dev lv nodad
ip -n $L addr add $LP/64 dev lv nodad
ip -n $L addr add $L4/24 dev lv
ip -n $R addr add $R6/64 dev rv nodad
ip -n $R addr add $RP/64 dev rv nodad
ip -n $R addr add $R4/24 dev rv
ip -n $L link set lv up
ip -n $R link set rv up

# sa_pair NS LOCAL REMOTE KEY SPI_OUT SPI_IN "ALG_OUT" "ALG_IN" [ARGS...]:
# the outbound and inbound SAs of one side.
sa_pair() {
	local ns=$1 l=$2 r=$3 k=$4 so=$5 si=$6 ao=$7 ai=$8
	shift 8
	# shellcheck disable=SC2086 # $ao, $ai: several arguments
	nl -n "$ns" sa-add src="$l" dst="$r" spi="$so" reqid="$k" mark="$k" \
	    $ao "$@" &&
	nl -n "$ns" sa-add src="$r" dst="$l" spi="$si" reqid="$k" mark="$k" \
	    $ai "$@"
}

sa_pair_del() {
	local ns=$1 l=$2 r=$3 k=$4 so=$5 si=$6
	nl -n "$ns" sa-del dst="$r" spi="$so" mark="$k" &&
	nl -n "$ns" sa-del dst="$l" spi="$si" mark="$k"
}

# policies NS LOCAL REMOTE KEY: out/in/fwd for both inner families.
policies() {
	local ns=$1 l=$2 r=$3 k=$4 f
	for f in inet6 inet; do
		nl -n "$ns" policy-update dir=out family=$f mark="$k" \
		    tmpl-src="$l" tmpl-dst="$r" reqid="$k" priority=100 &&
		nl -n "$ns" policy-update dir=in family=$f mark="$k" \
		    tmpl-src="$r" tmpl-dst="$l" reqid="$k" priority=100 &&
		nl -n "$ns" policy-update dir=fwd family=$f mark="$k" \
		    tmpl-src="$r" tmpl-dst="$l" reqid="$k" priority=100 ||
		    return 1
	done
}

echo "# VTI devices"
check "vti6 t6 created in $L" nl -n $L vti-setup name=t6 local=$L6 remote=$R6 \
    key=10 mtu=1400 addr=2001:db8:10::1/64 addr=10.10.0.1/24
check "vti6 t6 created in $R (no -n: ip netns exec)" ip netns exec $R \
    "$NLTEST" vti-setup name=t6 local=$R6 remote=$L6 key=10 mtu=1400 \
    addr=2001:db8:10::2/64 addr=10.10.0.2/24
check "vti t4 created in $L (IPv4 outer, bound to lv)" nl -n $L vti-setup \
    name=t4 local=$L4 remote=$R4 key=20 link=lv addr=2001:db8:20::1/64 \
    addr=10.20.0.1/24
check "vti t4 created in $R" nl -n $R vti-setup name=t4 local=$R4 remote=$L4 \
    key=20 addr=2001:db8:20::2/64 addr=10.20.0.2/24
check "vti6 p6 created in $L and moved to $P" nl -n $L vti-setup name=p6 \
    local=$LP remote=$RP key=30 netns=$P addr=2001:db8:30::1/64 \
    addr=10.30.0.1/24 mtu=1400
check "vti6 p6 created in $R" nl -n $R vti-setup name=p6 local=$RP remote=$LP \
    key=30 addr=2001:db8:30::2/64 addr=10.30.0.2/24 mtu=1400

show=$(nl -n $L vti-show name=t6) || true
echo "    $show"
case $show in
*"kind=vti6 "*"mtu=1400 up=1 local=$L6 remote=$R6 ikey=10 okey=10 "*"link-netns-other=0"*)
	ok "t6 reads back: vti6, mtu 1400, up, endpoints, keys 10/10" ;;
*) fail "t6 reads back wrong" ;;
esac
show=$(nl -n $L vti-show name=t4) || true
lv=$(ip netns exec $L cat /sys/class/net/lv/ifindex)
case $show in
*"kind=vti "*"up=1 local=$L4 remote=$R4 ikey=20 okey=20 link=$lv "*)
	ok "t4 reads back: vti, up, IPv4 endpoints, keys 20/20, link lv ($lv)" ;;
*) fail "t4 reads back wrong: $show" ;;
esac
show=$(nl -n $L vti-show name=p6 netns=$P) || true
echo "    $show"
case $show in
*"kind=vti6 "*"up=1 "*"ikey=30 okey=30 "*"link-netns-other=1"*)
	ok "p6 lives in $P with its tunnel end in another namespace" ;;
*) fail "p6 in $P reads back wrong" ;;
esac
check_fails "no p6 left in $L" "does not exist" ip -n $L link show p6
check "p6 disable_policy=1 in $P (IFLA_INET_CONF)" \
    test "$(ip netns exec $P cat /proc/sys/net/ipv4/conf/p6/disable_policy)" = 1
check "t4 disable_policy=1 in $L" \
    test "$(ip netns exec $L cat /proc/sys/net/ipv4/conf/t4/disable_policy)" = 1
if ip -n $P -6 addr show dev p6 | grep -c >/dev/null tentative; then
	fail "p6 IPv6 address is tentative (nodad missing)"
else
	ok "p6 IPv6 address usable at once: $(ip -n $P -6 addr show dev p6 scope global | grep -o 'inet6 [^ ]*.*')"
fi

echo "# vti6 t6, AES-GCM-256 with ESN; first with SAs limited to inner IPv6"
k6o=$(hexkey 36) k6i=$(hexkey 36)
check "t6 SAs in $L, inner=inet6 (no XFRM_STATE_AF_UNSPEC)" sa_pair $L $L6 $R6 10 \
    0xc0000101 0xc0000102 "enc=gcm256 enc-key=$k6o" "enc=gcm256 enc-key=$k6i" \
    esn=1 replay=128 inner=inet6
check "t6 SAs in $R, inner=inet6" sa_pair $R $R6 $L6 10 0xc0000102 0xc0000101 \
    "enc=gcm256 enc-key=$k6i" "enc=gcm256 enc-key=$k6o" esn=1 replay=128 \
    inner=inet6
check "t6 policies in $L" policies $L $L6 $R6 10
check "t6 policies in $R" policies $R $R6 $L6 10
check "ping IPv6-in-IPv6 over t6" ping_ok $L 2001:db8:10::2
check "IPv4-in-IPv6 fails while the SAs' selector is IPv6" ping_fails $L 10.10.0.2
check "t6 SAs replaced by AF_UNSPEC ones in $L" eval "sa_pair_del $L $L6 $R6 10 \
    0xc0000101 0xc0000102 && sa_pair $L $L6 $R6 10 0xc0000101 0xc0000102 \
    'enc=gcm256 enc-key=$k6o' 'enc=gcm256 enc-key=$k6i' esn=1 replay=128"
check "t6 SAs replaced by AF_UNSPEC ones in $R" eval "sa_pair_del $R $R6 $L6 10 \
    0xc0000102 0xc0000101 && sa_pair $R $R6 $L6 10 0xc0000102 0xc0000101 \
    'enc=gcm256 enc-key=$k6i' 'enc=gcm256 enc-key=$k6o' esn=1 replay=128"
check "ping IPv4-in-IPv6 over t6 (XFRM_STATE_AF_UNSPEC)" ping_ok $L 10.10.0.2
check "ping IPv6-in-IPv6 over t6 still" ping_ok $L 2001:db8:10::2

echo "# vti t4, AES-CBC-256 + HMAC-SHA-256-128"
e4o=$(hexkey 32) e4i=$(hexkey 32) a4o=$(hexkey 32) a4i=$(hexkey 32)
check "t4 SAs in $L" sa_pair $L $L4 $R4 20 0xc0000201 0xc0000202 \
    "enc=cbc256 enc-key=$e4o integ=sha256 integ-key=$a4o" \
    "enc=cbc256 enc-key=$e4i integ=sha256 integ-key=$a4i"
check "t4 SAs in $R" sa_pair $R $R4 $L4 20 0xc0000202 0xc0000201 \
    "enc=cbc256 enc-key=$e4i integ=sha256 integ-key=$a4i" \
    "enc=cbc256 enc-key=$e4o integ=sha256 integ-key=$a4o"
check "t4 policies in $L" policies $L $L4 $R4 20
check "t4 policies in $R" policies $R $R4 $L4 20
check "ping IPv4-in-IPv4 over t4" ping_ok $L 10.20.0.2
check "ping IPv6-in-IPv4 over t4" ping_ok $L 2001:db8:20::2

echo "# vti6 p6 in $P, AES-CBC-128 + HMAC-SHA-512-256 (and SHA-384 back)"
e3o=$(hexkey 16) e3i=$(hexkey 16) a3o=$(hexkey 64) a3i=$(hexkey 48)
check "p6 SAs in $L (the link namespace)" sa_pair $L $LP $RP 30 0xc0000301 \
    0xc0000302 "enc=cbc128 enc-key=$e3o integ=sha512 integ-key=$a3o" \
    "enc=cbc128 enc-key=$e3i integ=sha384 integ-key=$a3i"
check "p6 SAs in $R" sa_pair $R $RP $LP 30 0xc0000302 0xc0000301 \
    "enc=cbc128 enc-key=$e3i integ=sha384 integ-key=$a3i" \
    "enc=cbc128 enc-key=$e3o integ=sha512 integ-key=$a3o"
check "p6 policies in $L" policies $L $LP $RP 30
check "p6 policies in $R" policies $R $RP $LP 30
check "ping IPv6 from $P over p6" ping_ok $P 2001:db8:30::2
check "ping IPv4 from $P over p6" ping_ok $P 10.30.0.2

echo "# SA counters (XFRM_MSG_GETSA)"
for t in "10 0xc0000101 0xc0000102 $L6 $R6" "20 0xc0000201 0xc0000202 $L4 $R4" \
    "30 0xc0000301 0xc0000302 $LP $RP"; do
	read -r k so si la ra <<<"$t"
	out=$(nl -n $L sa-get dst="$ra" spi="$so" mark="$k") || out=
	in=$(nl -n $L sa-get dst="$la" spi="$si" mark="$k") || in=
	po=$(field packets <<<"$out") bo=$(field bytes <<<"$out")
	pi=$(field packets <<<"$in") bi=$(field bytes <<<"$in")
	if [ "${po:-0}" -gt 0 ] && [ "${pi:-0}" -gt 0 ] && [ "${bo:-0}" -gt 0 ] &&
	    [ "${bi:-0}" -gt 0 ]; then
		ok "key $k: out SA $so $po packets/$bo bytes, in SA $si $pi packets/$bi bytes"
	else
		fail "key $k counters: out '$out' in '$in'"
	fi
	fails=$(field integrity-failed <<<"$in")
	[ "${fails:-x}" = 0 ] && ok "key $k: in SA integrity failures 0" ||
	    fail "key $k: integrity failures ${fails:-?}"
done

echo "# adoption"
out=$(nl -n $L vti-setup name=t6 local=$L6 remote=$R6 key=10 mtu=1400 \
    addr=2001:db8:10::1/64 addr=10.10.0.1/24 2>&1) || true
[ "$out" = "vti-setup t6 adopted" ] && ok "t6 set up again: adopted" ||
    fail "t6 set up again: $out"
ip -n $L link set t6 mtu 1300
ip -n $L addr add 2001:db8:99::1/64 dev t6 nodad
ip -n $L link set t6 down
out=$(nl -n $L vti-setup name=t6 local=$L6 remote=$R6 key=10 mtu=1400 \
    addr=2001:db8:10::1/64 addr=10.10.0.1/24 2>&1) || true
[ "$out" = "vti-setup t6 adopted" ] && ok "t6 adopted after drift" ||
    fail "t6 adopt after drift: $out"
show=$(nl -n $L vti-show name=t6)
case $show in
*"mtu=1400 up=1 "*) ok "t6 back to mtu 1400 and up" ;;
*) fail "t6 not brought back: $show" ;;
esac
if ip -n $L addr show dev t6 | grep -c >/dev/null 2001:db8:99::1; then
	fail "stray address 2001:db8:99::1 still on t6"
else
	ok "stray address 2001:db8:99::1/64 removed from t6"
fi
check "ping IPv4-in-IPv6 over the adopted t6" ping_ok $L 10.10.0.2
check "p6 set up again: adopted in $P" eval "nl -n $L vti-setup name=p6 \
    local=$LP remote=$RP key=30 netns=$P addr=2001:db8:30::1/64 \
    addr=10.30.0.1/24 mtu=1400 | grep -cx >/dev/null 'vti-setup p6 adopted'"
check_fails "t6 with another okey refused" "exists with okey 10, config says 11" \
    nl -n $L vti-setup name=t6 local=$L6 remote=$R6 ikey=10 okey=11
check_fails "t4 without its link refused" "link ifindex $lv, config says 0" \
    nl -n $L vti-setup name=t4 local=$L4 remote=$R4 key=20
check_fails "t6 with another remote refused" "remote 2001:db8::2, config says 2001:db8::9" \
    nl -n $L vti-setup name=t6 local=$L6 remote=2001:db8::9 key=10
check_fails "a veth named like the config refused" "exists with kind veth, config says vti6" \
    nl -n $L vti-setup name=lv local=$L6 remote=$R6 key=40
check_fails "deleting a veth through vti-del refused" "not a VTI" \
    nl -n $L vti-del name=lv
check_fails "a second vti6 with t6's endpoints (other keys) refused" "same local and remote" \
    nl -n $L vti-setup name=t7 local=$L6 remote=$R6 key=70

echo "# clean-up: only vtid's objects go"
# Hand-made objects in the ranges of one condition but not the other.
ip -n $L xfrm policy add dir out src ::/0 dst ::/0 mark 99 mask 0xffffffff \
    tmpl src $L6 dst $R6 proto esp reqid 20 mode tunnel
ip -n $L xfrm policy add dir out src 203.0.113.0/24 dst 0.0.0.0/0 mark 10 \
    mask 0xffffffff tmpl src $L6 dst $R6 proto esp reqid 99 mode tunnel
ip -n $L xfrm state add src $L6 dst $R6 proto esp spi 0xd0000001 reqid 99 \
    mode tunnel mark 99 mask 0xffffffff aead 'rfc4106(gcm(aes))' \
    0x"$(hexkey 20)" 128
before_pol=$(ip -n $L xfrm policy | grep -c '^src')
before_sa=$(ip -n $L xfrm state | grep -c '^src')
echo "    before: $before_pol policies, $before_sa SAs in $L"
out=$(nl -n $L purge reqid=10-30 mark=10 mark=20 mark=30 2>&1) || true
echo "    $out"
[ "$out" = "purged policies=18 sas=6" ] &&
    ok "purge removed 18 policies (3 tunnels x 6) and 6 SAs" ||
    fail "purge: $out"
# Larval SAs of the failed IPv4 pings (SPI 0) expire in 3 s.
poll 10 sh -c "[ \$(ip -n $L xfrm state | grep -c '^src') = 1 ]" || true
pols=$(ip -n $L xfrm policy | grep -c '^src' || true)
sas=$(ip -n $L xfrm state | grep -c '^src' || true)
[ "$pols" = 2 ] && ok "the 2 hand-made policies remain (mark 99/reqid 20, mark 10/reqid 99)" ||
    fail "$pols policies left in $L"
[ "$sas" = 1 ] && ip -n $L xfrm state | grep -c >/dev/null 'spi 0xd0000001' &&
    ok "the hand-made SA 0xd0000001 (mark 99, reqid 99) remains, nothing else" ||
    { fail "$sas SAs left in $L"; ip -n $L xfrm state; }
if nl -n $L list | grep -Eq 'mark=0x(a|14|1e)/0xffffffff.*reqid=(10|20|30)|reqid=(10|20|30) mark=0x(a|14|1e)/'; then
	fail "an SA or policy of ours survived"
else
	ok "nltest list shows no SA or policy of ours"
fi
check "purge of $R" nl -n $R purge reqid=10-30 mark=10 mark=20 mark=30
check "t6 deleted" nl -n $L vti-del name=t6
check "t4 deleted" nl -n $L vti-del name=t4
check "p6 deleted from $P" nl -n $L vti-del name=p6 netns=$P
check_fails "p6 is gone" "No such device" nl -n $L vti-show name=p6 netns=$P
check_fails "deleting it again" "No such device" nl -n $L vti-del name=t6
# Not counting the fallback devices ip_vti0/ip6_vti0 the modules add to
# every namespace.
vtis() {
	ip -n "$1" -d -o link show | grep -E ' (vti|vti6) ' |
	    grep -cvE '^[0-9]+: (ip_vti0|ip6_vti0)[@:]' || true
}
left=$(vtis $L)
leftp=$(vtis $P)
[ "$left" = 0 ] && [ "$leftp" = 0 ] && ok "no vti/vti6 device left in $L or $P" ||
    fail "$left VTIs left in $L, $leftp in $P"
finish
