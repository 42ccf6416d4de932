#!/usr/bin/env bash
# vtid -t -c FILE: every kind of mistake is found, with file:line, and a
# non-zero exit; warnings do not fail the check; -T prints the effective
# configuration without a PSK byte; the check needs no privilege and
# leaves no kernel object (run with no capability, in a fresh netns).
set -euo pipefail
VTID=${VTID_BUILD:?}/src/daemon/vtid
SRC=${VTID_SRC:?}
W=$(mktemp -d /tmp/op-check.XXXXXX)
trap 'rm -rf "$W"' EXIT
PSK=d8bdRxaY22oH1j89Z2nATeYyrXfP9ga6xC5mi0RG1uc
n=0

fail() { echo "FAIL: $*"; exit 1; }

# conf NAME LINES...: a file of the given lines, mode 600.
conf() {
	local f=$W/$1
	shift
	printf '%s\n' "$@" > "$f"
	chmod 600 "$f"
}
peer() {	# peer NAME MARK REMOTE [MORE]
	echo "{ name = \"$1\"; local = \"2001:db8:1::1\"; remote = \"$3\"; psk = \"$PSK\"; mark = $2; ${4:-} }"
}

# check NAME EXIT PATTERN: vtid -t on NAME exits EXIT, output has PATTERN.
check() {
	local out rc=0
	out=$("$VTID" -t -c "$W/$1" 2>&1) || rc=$?
	[ "$rc" = "$2" ] || fail "$1: exit $rc, expected $2: $out"
	grep -qF -- "$3" <<< "$out" || fail "$1: no '$3' in: $out"
	n=$((n + 1))
	echo "ok: $1: exit $rc: $(grep -F -- "$3" <<< "$out" | head -1)"
}

# The lab's configuration, its VTIs in a namespace of our own.
sed 's/netns = "private"/netns = ""/' "$SRC/conf/lab/vtid.V1-1.conf" > "$W/lab.conf"
chmod 600 "$W/lab.conf"
check lab.conf 0 "lab.conf: configuration OK, 4 peers"
out=$("$VTID" -t -c "$W/lab.conf" 2>&1)
[ "$(wc -l <<< "$out")" = 1 ] || fail "lab.conf: more than the OK line: $out"

conf syntax.conf 'log_level = "info";' 'syslog = ;'
check syntax.conf 1 "syntax.conf:2: syntax error"

conf unknown.conf 'log_level = "info";' 'peers = (' \
    "$(peer V2-1 3 2001:db8:2::1 'mtu2 = 1400;')" ');'
check unknown.conf 1 "unknown.conf:3: peer 'V2-1': unknown setting 'mtu2'"

conf dupname.conf 'peers = (' "$(peer V2-1 3 2001:db8:2::1)," \
    "$(peer V2-1 4 2001:db8:2::2)" ');'
check dupname.conf 1 "dupname.conf:3: peer 'V2-1': name: already used by the peer at"

conf dupmark.conf 'peers = (' "$(peer V2-1 3 2001:db8:2::1)," \
    "$(peer V2-2 3 2001:db8:2::2)" ');'
check dupmark.conf 1 "dupmark.conf:3: peer 'V2-2': mark: 3 already used by peer 'V2-1'"

conf dupvti.conf 'peers = (' \
    "$(peer V2-1 3 2001:db8:2::1 'vti = { name = "vti-x"; };')," \
    "$(peer V2-2 4 2001:db8:2::2 'vti = { name = "vti-x"; };')" ');'
check dupvti.conf 1 "dupvti.conf:3: peer 'V2-2': vti.name: 'vti-x' already used by peer 'V2-1'"

conf proposal.conf 'peers = (' \
    "$(peer V2-1 3 2001:db8:2::1 'ike = { proposals = "aes257-sha256-modp2048"; };')" ');'
check proposal.conf 1 "proposal.conf:2: peer 'V2-1': ike.proposals: unknown algorithm 'aes257'"

conf espproposal.conf 'esp = { proposals = "aes256gcm16-sha256"; };' \
    'peers = (' "$(peer V2-1 3 2001:db8:2::1)" ');'
check espproposal.conf 1 "espproposal.conf:1: esp.proposals:"

mkdir -p "$W/psk"
printf '%s\n' "$PSK" > "$W/psk/V2-1"
chmod 644 "$W/psk/V2-1"
conf pskperm.conf 'peers = ( { name = "V2-1"; local = "2001:db8:1::1";' \
    'remote = "2001:db8:2::1"; psk_file = "psk/V2-1"; mark = 3; } );'
check pskperm.conf 1 "pskperm.conf:2: peer 'V2-1': psk_file:"
chmod 600 "$W/psk/V2-1"
check pskperm.conf 0 "configuration OK, 1 peers"

conf shortpsk.conf 'peers = ( { name = "V2-1"; local = "2001:db8:1::1";' \
    'remote = "2001:db8:2::1"; psk = "short"; mark = 3; } );'
check shortpsk.conf 0 "shortpsk.conf:2: peer 'V2-1': psk: shorter than 20 characters"

conf readable.conf 'peers = (' "$(peer V2-1 3 2001:db8:2::1)" ');'
chmod 644 "$W/readable.conf"
check readable.conf 0 "readable.conf: holds inline PSKs and is readable"

# The configuration takes PSKs up to 1024 bytes, the engine 256: the
# check finds what the start-up would refuse.
long=$(head -c 300 /dev/zero | tr '\0' k)
conf longpsk.conf 'peers = ( { name = "V2-1"; local = "2001:db8:1::1";' \
    "remote = \"2001:db8:2::1\"; psk = \"$long\"; mark = 3; } );"
check longpsk.conf 1 "longpsk.conf:1: peer 'V2-1': psk: 300 bytes, vtid takes at most 256"

conf netns.conf 'peers = (' \
    "$(peer V2-1 3 2001:db8:2::1 'vti = { netns = "op-check-none"; };')," \
    "$(peer V2-2 4 2001:db8:2::2 'vti = { netns = "op-check-none"; };')" ');'
check netns.conf 0 "netns.conf:2: peer 'V2-1': vti.netns: /run/netns/op-check-none does not exist (yet)"
[ "$("$VTID" -t -c "$W/netns.conf" 2>&1 | grep -c 'does not exist')" = 1 ] ||
	fail "netns.conf: not one warning per namespace"

check missing.conf 1 "missing.conf: cannot read: No such file or directory"

# -T: every default resolved, no PSK byte.
out=$("$VTID" -T -c "$W/lab.conf" 2>&1) || fail "-T: exit $?: $out"
grep -q 'reqid_base = 1073741824;' <<< "$out" || fail "-T: no reqid_base: $out"
grep -q 'dpd = { delay = 30; timeout = 150; action = "restart"; };' <<< "$out" ||
	fail "-T: no resolved dpd"
[ "$(grep -c 'name = "V' <<< "$out")" = 4 ] || fail "-T: not 4 peers"
! grep -q "$PSK" <<< "$out" || fail "-T prints the PSK"
grep -q '# psk: 43 bytes' <<< "$out" || fail "-T: no PSK length"
n=$((n + 1))
echo "ok: -T: 4 peers with their defaults, PSK length only ($(wc -l <<< "$out") lines)"

# No privilege, no kernel: zero capabilities (the bounding set emptied,
# so root's exec gets none), a fresh network namespace that must still
# be empty afterwards.
if command -v setpriv >/dev/null && command -v unshare >/dev/null; then
	out=$(unshare -n sh -c "setpriv --inh-caps=-all --bounding-set=-all \
	    '$VTID' -t -c '$W/lab.conf' 2>&1; echo rc=\$?; \
	    ip -o link | wc -l; ip xfrm state | wc -l; ip xfrm policy | wc -l")
	grep -q "configuration OK, 4 peers" <<< "$out" ||
		fail "without capabilities: $out"
	[ "$(tail -n 4 <<< "$out" | tr '\n' ' ')" = "rc=0 1 0 0 " ] ||
		fail "no capability / fresh netns: $out"
	n=$((n + 1))
	echo "ok: -t with no capability in a fresh netns: OK, still only lo, no XFRM state or policy"
else
	echo "skipped: the no-capability case (no setpriv or unshare)"
fi
echo "PASS: vtid -t: $n cases"
