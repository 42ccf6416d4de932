#!/usr/bin/env bash
# vtid against strongSwan with two more suites (below), the
# same string in ike= and esp= on both sides, each suite initiated by each
# side: tunnel up, pings both ways, SPIs, and the algorithms as charon
# reports them and as the kernel holds them in both namespaces.
#
#   aes128-sha256-modp2048   over IPv4 (vti on both sides)
#   aes256-sha384-x25519     over IPv6 (vti6)
#   (the seed's aes256gcm16-prfsha384-ecp384 is in basic.sh)
#
#   io-v-priv: vti7 2001:db8:ff::/127 169.254.1.0/31
#   io-v:      vtid, peer C   2001:db8:1::1 / 192.0.2.1 --+
#                                                           | veth, ESP mark 7
#   io-c:      charon, conn V 2001:db8:1::2 / 192.0.2.2 --+
#   io-c-priv: vti7 2001:db8:ff::1/127 169.254.1.1/31
#
# What charon does with these (5.9.8): the DH group in esp= is only used
# for rekeys (PFS); in IKE_AUTH, charon sends the ESP proposal without it,
# so the first CHILD SA takes its keys from the IKE SA. Integrity for ESP
# is HMAC_SHA2_256_128 / HMAC_SHA2_384_192 (RFC 4868 truncation).
. "$(dirname "$0")/lib.sh"

# kernel_algs NS: the ESP algorithms of NS's SAs, key sizes in bits
# ("b") and ICV lengths after "/", keys left out.
kernel_algs() {
	ip -n "$1" xfrm state | awk '$1 == "enc" || $1 == "auth-trunc" ||
	    $1 == "aead" { s = $1 " " $2 " " (length($3) - 2) * 4 "b";
	    if ($4 != "") s = s "/" $4; print s }' | sort -u | paste -sd';'
}

# one SUITE FAMILY WHO ESP-RE IKE-RE KERNEL-RE
one() {
	local suite=$1 who=$3 ike_re=$4 esp_re=$5 k_re=$6 t0 algs k
	use_family "$2"
	charon_vti
	if [ "$who" = vtid ]; then
		charon_conf auto=add ike="$suite!" esp="$suite!"
		charon_start
		vtid_conf start=start ike="$suite!" esp="$suite!"
		t0=$(now)
		vtid_start
	else
		vtid_conf start=add ike="$suite!" esp="$suite!"
		vtid_start
		charon_conf auto=start ike="$suite!" esp="$suite!"
		t0=$(now)
		charon_start
	fi
	wait_up 30
	ok "$suite over IPv$FAM, $who initiating: up in $(elapsed "$t0") s"
	check_spis
	ping_all
	algs=$(charon_algs)
	echo "$algs" | grep -cE >/dev/null "IKE $ike_re " || fail "charon's IKE SA: $algs, not $ike_re"
	echo "$algs" | grep -cE >/dev/null "ESP $esp_re" || fail "charon's CHILD SA: $algs, not $esp_re"
	ok "charon: $algs"
	for n in io-v io-c; do
		k=$(kernel_algs $n)
		echo "$k" | grep -cE >/dev/null "$k_re" || fail "$n kernel SAs: $k, want $k_re"
		ok "$n kernel: $k"
	done
	vtid_stop
	wait_for 10 "charon removes its SAs after vtid's DELETE" is_eq "xfrm_count io-c state" 0
	ok "vtid SIGTERM: charon removed its SAs"
}

M=aes128-sha256-modp2048
X=aes256-sha384-x25519
phase "$M/IPv4/vtid" one $M 4 vtid "AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048" \
    "AES_CBC_128/HMAC_SHA2_256_128" "^auth-trunc hmac\(sha256\) 256b/128;enc cbc\(aes\) 128b$"
phase "$M/IPv4/charon" one $M 4 charon "AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048" \
    "AES_CBC_128/HMAC_SHA2_256_128" "^auth-trunc hmac\(sha256\) 256b/128;enc cbc\(aes\) 128b$"
phase "$X/IPv6/vtid" one $X 6 vtid "AES_CBC_256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/CURVE_25519" \
    "AES_CBC_256/HMAC_SHA2_384_192" "^auth-trunc hmac\(sha384\) 384b/192;enc cbc\(aes\) 256b$"
phase "$X/IPv6/charon" one $X 6 charon "AES_CBC_256/HMAC_SHA2_384_192/PRF_HMAC_SHA2_384/CURVE_25519" \
    "AES_CBC_256/HMAC_SHA2_384_192" "^auth-trunc hmac\(sha384\) 384b/192;enc cbc\(aes\) 256b$"
summary "vtid <-> strongSwan: $M and $X, each side initiating"
