# shellcheck shell=bash
# Shared by the scripts of tests/vm/netlink (sourced). They run as root on
# a kernel with ESP and VTI (tests/vm/run), with $VTID_BUILD the build
# folder holding tests/vm/netlink/nltest.
set -euo pipefail
# shellcheck source=tests/lib/testlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../lib/testlib.sh"

NLTEST=${VTID_BUILD:?VTID_BUILD is not set}/tests/vm/netlink/nltest
[ -x "$NLTEST" ] || { echo "FAIL: $NLTEST not built"; exit 1; }
command -v ip >/dev/null || { echo "FAIL: ip (iproute2) missing"; exit 1; }

checks=0
failures=0
namespaces=()

# These scripts run every check and give the verdict at the end (finish):
# ok and fail count, and fail does not exit.
ok() {
	checks=$((checks + 1))
	echo "ok $checks - $*"
}

fail() {
	checks=$((checks + 1))
	failures=$((failures + 1))
	echo "FAIL $checks - $*"
}

# check DESCRIPTION CMD...: CMD must succeed.
check() {
	local what=$1
	shift
	if "$@" >/tmp/nl-check.$$ 2>&1; then
		ok "$what"
	else
		fail "$what"
		sed 's/^/    | /' /tmp/nl-check.$$
	fi
}

# check_fails DESCRIPTION PATTERN CMD...: CMD must fail, saying PATTERN.
check_fails() {
	local what=$1 pattern=$2
	shift 2
	if "$@" >/tmp/nl-check.$$ 2>&1; then
		fail "$what (it succeeded)"
		sed 's/^/    | /' /tmp/nl-check.$$
	elif grep -q -- "$pattern" /tmp/nl-check.$$; then
		ok "$what: $(grep -m1 -- "$pattern" /tmp/nl-check.$$)"
	else
		fail "$what (no \"$pattern\" in the error)"
		sed 's/^/    | /' /tmp/nl-check.$$
	fi
}

nl() {
	"$NLTEST" "$@"
}

netns_add() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns"
		namespaces+=("$ns")
		ip -n "$ns" link set lo up
		# Larval SAs of an ACQUIRE go after 3 s, not 30.
		ip netns exec "$ns" sysctl -qw net.core.xfrm_acq_expires=3
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1
	done
}

cleanup() {
	local ns
	for ns in "${namespaces[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -f /tmp/nl-check.$$
}
trap cleanup EXIT

# Random hex key of N bytes.
hexkey() {
	od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
}

# The value of key= in nltest's one-line output.
field() {
	sed -n "s/.*[[:space:]]$1=\([^[:space:]]*\).*/\1/p" | head -n1
}

# ping_ok NS DEST: a few echo replies through the tunnel.
ping_ok() {
	ip netns exec "$1" ping -q -c 3 -i 0.3 -W 5 "$2"
}

ping_fails() {
	! ip netns exec "$1" ping -q -c 2 -i 0.3 -W 2 "$2"
}

finish() {
	echo "# $checks checks, $failures failed"
	[ "$failures" -eq 0 ]
}

# Kernel support, for a clear failure rather than odd ones.
require_kernel() {
	local m
	for m in esp4 esp6 ip_vti ip6_vti xfrm_user; do
		modprobe -q "$m" 2>/dev/null || true
	done
	echo "# kernel $(uname -r)"
}
