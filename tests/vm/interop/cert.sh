#!/usr/bin/env bash
# Certificates between vtid and strongSwan (charon: leftcert, leftid,
# rightid, a ca section; keys in ipsec.secrets as RSA, ECDSA or PKCS8),
# with a PKI made here by openssl (tests/lib/pki.sh). Identities are the
# addresses, in each certificate's subjectAltName.
#
# Phases (each key type with each side initiating):
#   rsa          RSA-2048 both sides, vtid initiates
#   rsa-pss-charon-initiates  the same, vtid signing with RSASSA-PSS
#   ecdsa        vtid ECDSA P-256, charon ECDSA P-384, charon initiates
#   ecdsa-vtid-initiates
#   ed25519      Ed25519 both sides (RFC 8420), vtid initiates
#   ed25519-charon-initiates
#   rsa4096-frag RSA-4096 both sides over an IPv4 path with MTU 576 that
#                drops IP fragments: IKE_AUTH must go in IKE fragments
#                (RFC 7383), both ways; charon initiates
#   unknown-ca   charon's certificate from a CA vtid does not have: vtid
#                refuses it (AUTHENTICATION_FAILED, the reason logged)
# Each up phase pings both ways and checks what vtictl list shows of
# charon's certificate, and what charon logs of vtid's.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib/pki.sh
. "$(dirname "$0")/../../lib/pki.sh"

# The plugins the certificate phases need besides the PSK's: PKCS#8 keys,
# CRLs, constraints, MGF1 (all in libstrongswan, charon's dependency).
deps_charon_load="$deps_charon_load pkcs8 revocation constraints mgf1"
pki_init "$W/pki"
pki_host v-rsa rsa2048 "IP:2001:db8:1::1,IP:192.0.2.1"
pki_host c-rsa rsa2048 "IP:2001:db8:1::2,IP:192.0.2.2"
pki_host v-p256 p256 "IP:2001:db8:1::1"
pki_host c-p384 p384 "IP:2001:db8:1::2"
pki_host v-ed ed25519 "IP:2001:db8:1::1"
pki_host c-ed ed25519 "IP:2001:db8:1::2"
pki_host v-rsa4096 rsa4096 "IP:192.0.2.1"
pki_host c-rsa4096 rsa4096 "IP:192.0.2.2"
# Another CA, vtid does not trust it.
mkdir -p "$W/other"
(pki_init "$W/other" && pki_host c-foreign p256 "IP:2001:db8:1::2")
cp "$W/other/c-foreign.pem" "$W/other/c-foreign.key" "$PKI/"

# charon_cert CERT KEYTYPE [KEY=VALUE...]: conn V with certificates (charon
# sends its certificate always, trusts $PKI/ca.pem), its key in
# ipsec.secrets.
charon_cert() {
	local cert=$1 kt=$2
	shift 2
	charon_conf authby= leftauth=pubkey rightauth=pubkey \
	    leftcert="$PKI/$cert.pem" leftsendcert=always leftid="$C_ADDR" \
	    rightid="$V_ADDR" "$@"
	printf '\nca test\n\tcacert=%s\n\tauto=add\n' "$PKI/ca.pem" >> "$W/ipsec.conf"
	echo ": $kt $PKI/$cert.key" > "$W/ipsec.secrets"
	chmod 600 "$W/ipsec.secrets"
}

# up WHO VCERT CCERT CKEYTYPE [charon settings]: the tunnel up with WHO
# (vtid or charon) initiating; pings; what each side saw of the other.
up() {
	local who=$1 vc=$2 cc=$3 kt=$4 t0
	shift 4
	charon_vti
	if [ "$who" = vtid ]; then
		charon_cert "$cc" "$kt" auto=add "$@"
		charon_sconf "${CSCONF[@]}"
		charon_start
		vtid_conf start=start cert="$vc" "${VEXTRA[@]}"
		t0=$(now)
		vtid_start
	else
		vtid_conf start=add cert="$vc" "${VEXTRA[@]}"
		vtid_start
		charon_cert "$cc" "$kt" auto=start "$@"
		charon_sconf "${CSCONF[@]}"
		t0=$(now)
		charon_start
	fi
	wait_up 60
	ok "$vc (vtid) / $cc (charon), $who initiating: up in $(elapsed "$t0") s"
	check_spis
	if [ "$FAM" = 6 ]; then
		ping_all
	else	# IPv4 outside: as fragment.sh, the IPv4 inside
		ping_through io-v-priv "$C_IN4"
		ping_through io-c-priv "$V_IN4"
	fi
	ctl list | grep -q "peer certificate \"O = vtid test, CN = $cc\", issuer \"O = vtid test, CN = vtid test root\"" ||
		fail "vtictl list: $(ctl list | grep -i cert)"
	grep -q "certificate \"O = vtid test, CN = $cc\" checked" "$W/vtid.log" ||
		fail "vtid did not log charon's certificate"
	[ -n "$(charon_log "authentication of '$V_ADDR' with .* successful")" ] ||
		fail "charon did not authenticate vtid: $(charon_log 'authentication of')"
	ok "vtid checked \"CN = $cc\"; charon: $(charon_log "authentication of '$V_ADDR' with" | tail -n 1 | sed 's/.*\] //')"
}
VEXTRA=() CSCONF=()
# vtid signs with RSASSA-PSS (rsa_pss = true); charon verifies it (mgf1).
pss_up() {
	VEXTRA=("extra=rsa_pss = true;")
	up charon v-rsa c-rsa RSA
	[ -n "$(charon_log "authentication of '$V_ADDR' with RSA_EMSA_PSS")" ] ||
		fail "charon did not see a PSS signature: $(charon_log "authentication of '$V_ADDR'")"
}

phase rsa up vtid v-rsa c-rsa RSA
phase rsa-pss-charon-initiates pss_up
phase ecdsa up charon v-p256 c-p384 ECDSA
phase ecdsa-vtid-initiates up vtid v-p256 c-p384 ECDSA
phase ed25519 up vtid v-ed c-ed PKCS8
phase ed25519-charon-initiates up charon v-ed c-ed PKCS8

frag_up() {
	local drops sent rcvd
	use_family 4
	drop_fragments 576
	ip netns exec io-v ping -c 2 -i 0.2 -W 1 -M dont -s 1200 "$C_ADDR" > /dev/null 2>&1 &&
		fail "a 1200-byte ping crossed a path that drops fragments"
	VEXTRA=("extra=fragmentation = true; fragment_size = 500;")
	CSCONF=("fragment_size = 500")
	up charon v-rsa4096 c-rsa4096 RSA fragmentation=yes
	drops=$(ip netns exec io-c nft list table ip nofrag | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | head -1)
	sent=$(ctl metrics | awk '$1 == "vtid_ike_fragments_total{event=\"sent\"}" { print $2 }')
	rcvd=$(ctl metrics | awk '$1 == "vtid_ike_fragments_total{event=\"received\"}" { print $2 }')
	[ "${sent:-0}" -ge 3 ] && [ "${rcvd:-0}" -ge 3 ] || fail "IKE fragments: vtid sent ${sent:-0}, received ${rcvd:-0}"
	ok "RSA-4096 IKE_AUTH through MTU 576 without IP fragments ($drops dropped by the path): vtid sent $sent IKE fragments, received $rcvd"
}
phase rsa4096-frag frag_up

unknown_ca() {
	local t0
	charon_vti
	vtid_conf start=add cert=v-p256
	vtid_start
	charon_cert c-foreign ECDSA auto=start
	t0=$(now)
	charon_start
	wait_for 30 "vtid refuses charon's certificate" grep -q 'AUTHENTICATION_FAILED: unable to get local issuer certificate: O = vtid test, CN = c-foreign' "$W/vtid.log"
	sleep 2
	[ "$(vtid_children)" = 0 ] || fail "a tunnel with an unknown CA's certificate"
	ok "charon's certificate from another CA refused in $(elapsed "$t0") s: $(grep -o 'AUTHENTICATION_FAILED: unable to get local issuer certificate[^"]*' "$W/vtid.log" | head -1)"
}
phase unknown-ca unknown_ca

summary "certificates with strongSwan: RSA, ECDSA, Ed25519, RSA-4096 in IKE fragments, an unknown CA refused"
