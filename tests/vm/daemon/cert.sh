#!/usr/bin/env bash
# Certificates between two vtid hosts, with a PKI made here by openssl
# (tests/lib/pki.sh): RSA against ECDSA P-384 with a CRL, what vtictl list
# and metrics show, a renewed certificate taken by a reload under traffic
# (nothing lost, the SAs kept, the new one used by the next IKE SA), a
# revocation closing the peer's SAs at reload and refusing it after,
# Ed25519 against a chain through an intermediate, and vtid -t naming an
# expired certificate and a key that does not match.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lib/pki.sh
. "$(dirname "$0")/../../lib/pki.sh"

setup_pair
pki_init "$W/pki"
pki_host a rsa2048 "IP:2001:db8:1::1"
pki_host b p384 "IP:2001:db8:1::2"
pki_crl
suite="ike = { proposals = \"aes256gcm16-prfsha384-ecp384!\"; };
    esp = { proposals = \"aes256gcm16-prfsha384-ecp384!\"; };"
# conf_cert a|b CERT: the pair's one peer, authenticated with CERT
conf_cert() {
	local c="local_cert = \"$W/pki/$2.pem\"; local_key = \"$W/pki/$2.key\";
	    ca = \"$W/pki/ca.pem\"; crl = \"$W/pki/crl.pem\"; mark = 7; $suite"
	if [ "$1" = a ]; then
		conf a "name = \"B\"; local = \"2001:db8:1::1\"; remote = \"2001:db8:1::2\";
		    start = \"start\"; $c vti = { name = \"vti7\"; netns = \"vt-a-priv\";
		    addresses = [ \"2001:db8:ff::/127\" ]; };"
	else
		conf b "name = \"A\"; local = \"2001:db8:1::2\"; remote = \"2001:db8:1::1\";
		    start = \"add\"; $c vti = { name = \"vti7\"; netns = \"vt-b-priv\";
		    addresses = [ \"2001:db8:ff::1/127\" ]; };"
	fi
}
up_both() {	# up_both WHAT: both daemons started, the tunnel up
	start b
	wait_for 40 "b started" grep -q 'vtid started' "$W/b.log"
	local t0
	t0=$(now)
	start a
	wait_for 60 "$1 up" sh -c "ip netns exec vt-a '$VTICTL' -s '$W/a.conf.sock' status | grep -q INSTALLED && ip netns exec vt-b '$VTICTL' -s '$W/b.conf.sock' status | grep -q INSTALLED"
	T_UP=$(elapsed "$t0")
}
serial() { ctl "$1" status | sed -n 's/^ *[AB]\[\([0-9]*\)\]: ESTABLISHED.*/\1/p' | head -1; }

conf_cert a a
conf_cert b b
up_both "RSA / ECDSA P-384"
ip netns exec vt-a-priv ping -c3 -i0.3 -W2 2001:db8:ff::1 > /dev/null || fail "ping a -> b"
ctl a list | grep -q 'certificate "O = vtid test, CN = a" (RSA-2048), expires' ||
	fail "a's list: $(ctl a list | head -5)"
ctl a list | grep -q 'peer certificate "O = vtid test, CN = b", issuer "O = vtid test, CN = vtid test root", expires' ||
	fail "a's list, b's certificate: $(ctl a list | grep -i cert)"
ctl b list | grep -q 'peer certificate "O = vtid test, CN = a"' || fail "b's list: $(ctl b list | grep -i cert)"
grep -q 'certificate "O = vtid test, CN = a" checked' "$W/b.log" || fail "b did not log a's certificate"
n=$(ctl a metrics | grep -c '^vtid_certificate_expiry_seconds{.*which="\(local\|peer\)"} [0-9]\{10\}') || true
[ "$n" = 2 ] || fail "metrics: $(ctl a metrics | grep certificate)"
ok "RSA-2048 (a) and ECDSA P-384 (b), CRL checked: up in $T_UP s; list shows both certificates, metrics both expiries"

# b's certificate renewed (new key, new expiry) and b reloaded under 200
# packets/s: the SAs stay, nothing is lost; the next IKE SA carries it.
mv "$W/pki/b.pem" "$W/pki/b-old.pem"
pki_host b p384 "IP:2001:db8:1::2" "$(pki_date '-1 hour')" "$(pki_date '+45 days')"
s1=$(serial a)
ip netns exec vt-a-priv ping -D -i 0.005 -c 1200 -W 5 2001:db8:ff::1 > "$W/ping.out" 2>&1 &
pp=$!
sleep 2
out=$(ctl b reload 2>&1) || fail "reload: $out"
grep -q 'certificates updated A' <<< "$out" || fail "reload did not take the certificate in place: $out"
wait "$pp" || true
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$W/ping.out")
recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$W/ping.out")
[ "$sent" = "$recv" ] && [ -n "$sent" ] || fail "renewal under traffic: $recv of $sent answered"
[ "$(serial a)" = "$s1" ] || fail "the IKE SA changed at the reload: #$s1 -> #$(serial a)"
new_exp=$(date -u -d '+45 days' +%Y-%m-%d)
ctl b list | grep -q "certificate \"O = vtid test, CN = b\" (ECDSA P-384), expires $new_exp" ||
	fail "b's list after the reload: $(ctl b list | grep -i cert)"
ctl a down B > /dev/null
ctl a up B > /dev/null
wait_for 30 "a new IKE SA" sh -c "ip netns exec vt-a '$VTICTL' -s '$W/a.conf.sock' list | grep -q 'peer certificate \"O = vtid test, CN = b\".*expires $new_exp'"
ok "renewed certificate taken by a reload under 200 packets/s: $recv/$sent answered, IKE SA #$s1 kept; the next IKE SA showed it (expires $new_exp)"

# a's certificate revoked: b's reload closes its SA; a's next attempt is
# refused.
pki_revoke a
out=$(ctl b reload 2>&1) || fail "reload: $out"
grep -q "peer 'A': 1 IKE SA closed: the new CAs or CRLs refuse its certificate" <<< "$out" || fail "revocation at reload: $out"
grep -q 'closed at reload: certificate revoked: O = vtid test, CN = a' "$W/b.log" || fail "b's log: $(tail -n 5 "$W/b.log")"
wait_for 40 "a refused again" grep -q 'AUTHENTICATION_FAILED: certificate revoked: O = vtid test, CN = a' "$W/b.log"
ctl b status | grep -q INSTALLED && fail "a revoked, still a tunnel: $(ctl b status)"
ok "a revoked: b's reload closed its IKE SA, its next IKE_AUTH refused (certificate revoked)"
stop a
stop b

# Ed25519 (a) against ECDSA P-256 through an intermediate (b), which b
# sends with its own.
pki_host a2 ed25519 "IP:2001:db8:1::1"
pki_intermediate sub
pki_host b2 p256 "IP:2001:db8:1::2"
pki_crl
cp "$PKI/crl.pem" "$PKI/crl-sub.pem"
# a's issuer is the root, b's the intermediate: each CRL in one file.
openssl ca -gencrl -config "$PKI/root.db/ca.cnf" -out "$PKI/crl-root.pem" 2>/dev/null
cat "$PKI/crl-root.pem" "$PKI/crl-sub.pem" > "$PKI/crl.pem"
conf_cert a a2
conf_cert b b2
up_both "Ed25519 / ECDSA P-256 via an intermediate"
ip netns exec vt-b-priv ping -c3 -i0.3 -W2 2001:db8:ff:: > /dev/null || fail "ping b -> a"
ctl a list | grep -q 'peer certificate "O = vtid test, CN = b2", issuer "O = vtid test, CN = sub"' ||
	fail "a's list: $(ctl a list | grep -i cert)"
ok "Ed25519 (a) and ECDSA P-256 through an intermediate (b): up in $T_UP s"
stop a
stop b

# vtid -t: an expired certificate, a key that is not the certificate's.
PKI_ISSUER=root PKI_CHAIN=
pki_host old p256 "IP:2001:db8:1::1" "$(pki_date '-30 days')" "$(pki_date '-1 day')"
conf_cert a old
out=$("$VTID" -t -c "$W/a.conf" 2>&1) && fail "vtid -t took an expired certificate"
grep -q "a.conf:[0-9]*: peer 'B': local_cert: .*old.pem: expired (O = vtid test, CN = old)" <<< "$out" || fail "vtid -t: $out"
ok "vtid -t: $(sed "s|.*peer 'B': ||" <<< "$out" | head -1)"
cp "$PKI/b2.key" "$PKI/a2x.key"
cp "$PKI/a2.pem" "$PKI/a2x.pem"
conf_cert a a2x
out=$("$VTID" -t -c "$W/a.conf" 2>&1) && fail "vtid -t took a key of another certificate"
grep -q "a.conf:[0-9]*: peer 'B': local_key: .*a2x.key: key does not match the certificate" <<< "$out" || fail "vtid -t: $out"
ok "vtid -t: $(sed "s|.*peer 'B': ||" <<< "$out" | head -1)"
echo "PASS: certificates: RSA/ECDSA P-384 and Ed25519/ECDSA P-256 (intermediate) up, renewal under traffic ($recv/$sent), revocation at reload, vtid -t errors"
