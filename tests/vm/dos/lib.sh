# shellcheck shell=bash
# Shared by the DoS tests (sourced): the interop topology (vtid in io-v,
# charon in io-c, ../interop/lib.sh), and the figures of a running vtid.
# shellcheck source=tests/vm/interop/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.sh"
FLOOD=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../packet" && pwd)/init_flood.py

# vtid_ticks / vtid_rss: CPU (user + system, clock ticks) and resident KiB.
vtid_ticks() {
	awk '{ print $14 + $15 }' "/proc/$(cat "$W/vtid.pid")/stat"
}
vtid_rss() {
	awk '/^VmRSS/ { print $2 }' "/proc/$(cat "$W/vtid.pid")/status"
}
# metric NAME[{LABELS}]: one value of vtictl metrics.
metric() {
	ctl metrics | awk -v k="$1" '$1 == k { print $2 }'
}
# ke_ecp384: one valid ECP-384 public value (x | y), in hex.
ke_ecp384() {
	openssl ecparam -name secp384r1 -genkey -noout |
	    openssl ec -pubout -outform DER 2>/dev/null | tail -c 96 |
	    od -An -tx1 -v | tr -d ' \n'
}
# seconds_since T0: with hundredths.
seconds_since() {
	awk "BEGIN { printf \"%.2f\", $(date +%s.%N) - $1 }"
}
