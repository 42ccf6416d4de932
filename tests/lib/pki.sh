# shellcheck shell=bash
# A test PKI made with the openssl command (openssl ca, so that validity
# dates, revocations and CRLs are real): a root CA, an intermediate, host
# certificates of each key type, CRLs. Sourced by the VM tests that use
# certificates; every file lands in the directory given to pki_init.
#
#   pki_init DIR                       root CA (ECDSA P-256): DIR/ca.pem
#   pki_intermediate NAME              DIR/NAME.pem, signing from then on
#   pki_host NAME TYPE SAN [FROM TO]   DIR/NAME.key, DIR/NAME.pem (with the
#                                      intermediate, if any, appended)
#   pki_revoke NAME                    DIR/crl.pem lists NAME
#   pki_crl                            DIR/crl.pem (nothing revoked yet)
#
# TYPE: rsa2048 rsa3072 rsa4096 p256 p384 ed25519. SAN: openssl's syntax
# ("IP:2001:db8:1::1,DNS:a.example"). FROM, TO: openssl ca's dates
# (YYMMDDHHMMSSZ); pki_date "-2 days" makes one.

PKI=

pki_date() { date -u -d "$1" +%y%m%d%H%M%SZ; }

# pki_key FILE TYPE
pki_key() {
	case $2 in
	rsa*) openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${2#rsa}" -out "$1" 2>/dev/null ;;
	p256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" ;;
	p384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$1" ;;
	ed25519) openssl genpkey -algorithm ED25519 -out "$1" ;;
	*) echo "pki_key: unknown type $2" >&2; return 1 ;;
	esac
	chmod 600 "$1"
}

# pki_ca_conf CADIR CERT KEY: openssl ca's configuration for one issuer
pki_ca_conf() {
	mkdir -p "$1"
	: > "$1/index.txt"
	[ -f "$1/serial" ] || echo 1000 > "$1/serial"
	[ -f "$1/crlnumber" ] || echo 1000 > "$1/crlnumber"
	cat > "$1/ca.cnf" <<-EOF
	[ ca ]
	default_ca = this
	[ this ]
	database = $1/index.txt
	new_certs_dir = $1
	serial = $1/serial
	crlnumber = $1/crlnumber
	certificate = $2
	private_key = $3
	default_md = sha256
	default_days = 30
	default_crl_days = 7
	policy = any
	unique_subject = no
	[ any ]
	organizationName = optional
	commonName = supplied
	EOF
}

pki_init() {
	PKI=$1
	mkdir -p "$PKI"
	pki_key "$PKI/ca.key" p256
	openssl req -x509 -new -key "$PKI/ca.key" -out "$PKI/ca.pem" -days 60 \
		-subj "/O=vtid test/CN=vtid test root" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	pki_ca_conf "$PKI/root.db" "$PKI/ca.pem" "$PKI/ca.key"
	PKI_ISSUER=root PKI_CHAIN=
}

# pki_sign CSR OUT EXT [FROM TO]: by the current issuer
pki_sign() {
	local dates=()
	[ -n "${4:-}" ] && dates=(-startdate "$4" -enddate "$5")
	openssl ca -batch -notext -config "$PKI/$PKI_ISSUER.db/ca.cnf" \
		-in "$1" -out "$2" -extfile "$3" "${dates[@]}" 2>"$PKI/ca.err" ||
		{ cat "$PKI/ca.err" >&2; return 1; }
}

pki_intermediate() {
	pki_key "$PKI/$1.key" rsa3072
	openssl req -new -key "$PKI/$1.key" -out "$PKI/$1.csr" \
		-subj "/O=vtid test/CN=$1" 2>/dev/null
	printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > "$PKI/$1.ext"
	pki_sign "$PKI/$1.csr" "$PKI/$1.pem" "$PKI/$1.ext"
	pki_ca_conf "$PKI/$1.db" "$PKI/$1.pem" "$PKI/$1.key"
	PKI_ISSUER=$1 PKI_CHAIN=$PKI/$1.pem
}

pki_host() {
	local n=$1
	pki_key "$PKI/$n.key" "$2"
	openssl req -new -key "$PKI/$n.key" -out "$PKI/$n.csr" \
		-subj "/O=vtid test/CN=$n" 2>/dev/null
	printf 'subjectAltName=%s\nkeyUsage=critical,digitalSignature\n' "$3" > "$PKI/$n.ext"
	pki_sign "$PKI/$n.csr" "$PKI/$n.pem" "$PKI/$n.ext" "${4:-}" "${5:-}"
	[ -z "$PKI_CHAIN" ] || cat "$PKI_CHAIN" >> "$PKI/$n.pem"
}

pki_crl() {
	openssl ca -gencrl -config "$PKI/$PKI_ISSUER.db/ca.cnf" \
		-out "$PKI/crl.pem" 2>"$PKI/ca.err" || { cat "$PKI/ca.err" >&2; return 1; }
}

pki_revoke() {
	openssl ca -config "$PKI/$PKI_ISSUER.db/ca.cnf" -revoke "$PKI/$1.pem" \
		2>"$PKI/ca.err" || { cat "$PKI/ca.err" >&2; return 1; }
	pki_crl
}
