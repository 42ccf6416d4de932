# shellcheck shell=bash
# Shared by the interop tests (sourced): vtid on one side, the real
# strongSwan (Debian's 5.9.8 charon, driven by starter and ipsec.conf as the
# seed lab does) on the other.
#
#   io-v-priv           io-v                         io-c                io-c-priv
#   +-----------+  +----------------------+  +----------------------+  +-----------+
#   | vti7      |  | vtid -c $W/vtid.conf |  | starter + charon     |  | vti7      |
#   | (vtid's)  |  | veth-v               |  | veth-c               |  | (made by  |
#   | ff::/127  |  |  2001:db8:1::1/64    |--|  2001:db8:1::2/64    |  |  the test)|
#   | .1.0/31   |  |  192.0.2.1/24        |  |  192.0.2.2/24        |  | ff::1/127 |
#   +-----------+  +----------------------+  +----------------------+  | .1.1/31   |
#                                                                      +-----------+
#   inner: 2001:db8:ff::0 <-> 2001:db8:ff::1, 169.254.1.0 <-> 169.254.1.1
#   vtid's peer is "C" (mark 7), charon's conn is "V" (mark 7).
#
# charon runs in its own mount namespace (unshare -m, private propagation)
# inside netns io-c: our ipsec.conf, ipsec.secrets and strongswan.conf are
# bind-mounted over /etc's, and $W/crun over /run (pid files, the stroke
# socket), so nothing of the host is read or written, in the VM or in direct
# mode. "cipsec ARGS" runs "ipsec ARGS" inside that namespace (nsenter).
# Its log goes to $W/charon.log (appended over restarts, with markers).
#
# Tests run "phases": each in a subshell with set -e; a failing phase prints
# FAIL, both logs and the kernel state, and the next phase still runs from
# a clean topology. The script fails if any phase failed.
set -euo pipefail
# shellcheck source=tests/lib/testlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../lib/testlib.sh"

need_vtid
# A status query alone takes 0.5-1 s under TCG: waits poll 4 times a second.
POLL_STEP=0.25
IPSEC=/usr/sbin/ipsec
STARTER=/usr/lib/ipsec/starter
W=$(mktemp -d /tmp/vtid-interop.XXXXXX)
SEED_SUITE=aes256gcm16-prfsha384-ecp384
NS=(io-v io-c io-v-priv io-c-priv)
PASSED=()
FAILED=()
# shellcheck source=tests/deps.sh
. "${VTID_SRC:?VTID_SRC unset}/tests/deps.sh"

for f in "$VTID" "$VTICTL" "$IPSEC" "$STARTER" /usr/lib/ipsec/charon; do
	[ -x "$f" ] || { echo "FAIL: $f missing (build vtid; apt-get install strongswan-starter strongswan-charon)"; exit 1; }
done

# ---- addresses --------------------------------------------------------

# use_family 6|4: the outer family (IPv6 as the seed lab, or IPv4).
use_family() {
	FAM=$1
	if [ "$FAM" = 6 ]; then
		V_ADDR=2001:db8:1::1 C_ADDR=2001:db8:1::2 VTI_TYPE=vti6
	else
		V_ADDR=192.0.2.1 C_ADDR=192.0.2.2 VTI_TYPE=vti
	fi
}
use_family 6
V_IN6=2001:db8:ff:: C_IN6=2001:db8:ff::1 V_IN4=169.254.1.0 C_IN4=169.254.1.1
MARK=7

# ---- reporting --------------------------------------------------------

# note TEXT: something charon (or vtid) does that a reader should know.
note() {
	echo "note: $*"
}
dump_state() {
	echo "--- vtid log (last 50 lines)"
	tail -n 50 "$W/vtid.log" 2>/dev/null || true
	echo "--- charon log (last 70 lines)"
	tail -n 70 "$W/charon.log" 2>/dev/null || true
	[ -s "$W/starter.log" ] && { echo "--- starter"; tail -n 10 "$W/starter.log"; }
	echo "--- vtictl status"
	ctl status 2>&1 || true
	echo "--- ipsec statusall"
	cipsec statusall 2>&1 | sed -n '/^Connections/,$p' || true
	local n
	for n in io-v io-c; do
		echo "--- $n: $(xfrm_count $n state) SAs, $(xfrm_count $n policy) policies"
		ip -n $n xfrm state 2>/dev/null | grep -E '^src|proto|mark' | head -16 || true
	done
}

# ---- topology ---------------------------------------------------------

# setup_net: the namespaces and the veth pair. A new vti6 sends IPv6
# router solicitations (and DAD probes) from its link-local address; with
# ::/0 trap policies (start=route, auto=route) they hit the trap and start
# the tunnel by themselves ("acquire ... fe80::x/128[ipv6-icmp/133] ===
# ff02::2/128"): in the seed lab every host initiates at boot this way.
# The tests decide who initiates, so the namespaces' defaults turn them
# off, unless IO_VTI_RS=1.
setup_net() {
	netns_fresh "${NS[@]}"
	[ "${IO_VTI_RS:-0}" = 1 ] || netns_quiet "${NS[@]}"
	ip link add veth-v netns io-v type veth peer name veth-c netns io-c
	ip -n io-v addr add 2001:db8:1::1/64 dev veth-v nodad
	ip -n io-c addr add 2001:db8:1::2/64 dev veth-c nodad
	ip -n io-v addr add 192.0.2.1/24 dev veth-v
	ip -n io-c addr add 192.0.2.2/24 dev veth-c
	ip -n io-v link set veth-v up
	ip -n io-c link set veth-c up
}

# charon_vti [KEY]: charon's side VTI as the seed's setup makes it: created
# in io-c over the outer addresses, keyed with the mark, moved to io-c-priv,
# disable_policy, MTU 1500, the inner addresses.
charon_vti() {
	local key=${1:-$MARK} dev=vti${1:-$MARK}
	ip -n io-c link add "$dev" type "$VTI_TYPE" local "$C_ADDR" remote "$V_ADDR" key "$key"
	ip -n io-c link set "$dev" netns io-c-priv
	ip netns exec io-c-priv sysctl -qw "net.ipv4.conf.$dev.disable_policy=1"
	ip -n io-c-priv link set "$dev" mtu 1500 up
	ip -n io-c-priv addr add "$C_IN6/127" dev "$dev" nodad
	ip -n io-c-priv addr add "$C_IN4/31" dev "$dev"
}

# drop_fragments MTU: the veths at MTU, and in io-v and io-c an nftables
# rule dropping every IPv4 fragment before reassembly (table ip nofrag):
# a path that carries no IP fragment.
drop_fragments() {
	local n
	for n in io-v io-c; do
		ip -n "$n" link set "veth-${n#io-}" mtu "$1"
		ip netns exec "$n" nft -f - <<-EOF2
		table ip nofrag {
			chain pre {
				type filter hook prerouting priority -450; policy accept;
				ip frag-off & 0x3fff != 0 counter drop
			}
		}
		EOF2
	done
}

# reset: stop everything a phase started and rebuild the namespaces.
reset_all() {
	kill_pidfile "$W"/*.ping.pid
	vtid_kill
	charon_kill
	netns_del "${NS[@]}"
}
# VTID_IO_LOGS=DIR (shared with "tests/vm/run --share DIR"): keep the
# logs and configs of the run in DIR/SCRIPT/.
cleanup() {
	reset_all
	if [ -n "${VTID_IO_LOGS:-}" ] && [ -d "$VTID_IO_LOGS" ]; then
		local d
		d=$VTID_IO_LOGS/$(basename "$0" .sh)
		mkdir -p "$d"
		cp "$W"/*.log "$W"/*.conf "$d"/ 2>/dev/null || true
	fi
	rm -rf "$W"
}
trap cleanup EXIT

# phase NAME FUNCTION [ARGS...]: run FUNCTION in a subshell (set -e) on a
# fresh topology; record whether it passed.
phase() {
	local name=$1 rc t0
	shift
	PHASE=$name
	PHASE_N=$((${PHASE_N:--1} + 1)) V_DEV=''
	echo
	echo "=== phase: $name"
	t0=$(now)
	use_family 6
	setup_net
	echo "=== phase $name" >> "$W/vtid.log"
	echo "=== phase $name" >> "$W/charon.log"
	set +e
	( set -e; "$@" )
	rc=$?
	set -e
	reset_all
	if [ "$rc" = 0 ]; then
		PASSED+=("$name")
		echo "=== phase $name: PASS ($(elapsed "$t0") s)"
	else
		FAILED+=("$name")
		echo "=== phase $name: FAIL ($(elapsed "$t0") s)"
	fi
}
# summary WHAT: the verdict of the whole script.
summary() {
	local p
	echo
	for p in "${PASSED[@]}"; do echo "passed: $p"; done
	for p in "${FAILED[@]}"; do echo "FAILED: $p"; done
	if [ "${#FAILED[@]}" -gt 0 ]; then
		echo "FAIL: $1: ${#FAILED[@]} of $((${#PASSED[@]} + ${#FAILED[@]})) phases failed"
		exit 1
	fi
	echo "PASS: $1"
}

# ---- vtid -------------------------------------------------------------

# vtid_conf [start=S] [ike=P] [esp=P] [ike_life=...] [esp_life=...]
#     [dpd=...] [extra=...] [top=...] [iface=vti|xfrm] [cert=NAME]:
#     vtid's peer "C" facing charon, with the PSK or cert=NAME's
#     certificate and key from $PKI (tests/lib/pki.sh); iface=xfrm: an XFRM interface xfrm7 (if_id 7) in
#     place of vti7. Without iface, the phases of a script alternate the
#     two kinds (the first a VTI; VTID_TEST_IFACE_V=vti or xfrm for one
#     kind only) under the name vti7, so that every script's tunnels meet
#     charon's VTI from both.
vtid_conf() {
	local start=start ike="$SEED_SUITE!" esp="$SEED_SUITE!" extra='' top='' kv
	local ike_life='' esp_life='' dpd='delay = 0;' iface=${VTID_TEST_IFACE_V:-}
	local name=vti$MARK auth="psk = \"$PSK\";"
	[ -n "$iface" ] || iface=$( (( ${PHASE_N:-0} % 2 )) && echo xfrm || echo vti)
	for kv in "$@"; do
		case $kv in
		start=*) start=${kv#*=} ;;
		iface=*) iface=${kv#*=} name=${iface}$MARK ;;
		ike=*) ike=${kv#*=} ;;
		esp=*) esp=${kv#*=} ;;
		ike_life=*) ike_life=${kv#*=} ;;
		esp_life=*) esp_life=${kv#*=} ;;
		dpd=*) dpd=${kv#*=} ;;
		extra=*) extra=${kv#*=} ;;
		top=*) top=${kv#*=} ;;
		cert=*) auth="local_cert = \"$PKI/${kv#*=}.pem\";
		    local_key = \"$PKI/${kv#*=}.key\"; ca = \"$PKI/ca.pem\";" ;;
		*) echo "vtid_conf: bad argument $kv"; exit 2 ;;
		esac
	done
	V_DEV=$name V_KIND=$iface
	cat > "$W/vtid.conf" <<-EOF
	control_socket = "$W/vtid.sock";
	log_level = "debug";
	retransmit = { timeout = 1.0; tries = 3; };
	$top
	peers = ( {
		name = "C";
		local = "$V_ADDR";
		remote = "$C_ADDR";
		mark = $MARK;
		$auth
		start = "$start";
		ike = { proposals = "$ike"; $ike_life };
		esp = { proposals = "$esp"; $esp_life };
		dpd = { $dpd };
		interface = { type = "$iface"; name = "$name"; netns = "io-v-priv"; mtu = 1500;
		    addresses = [ "$V_IN6/127", "$V_IN4/31" ]; };
		$extra
	} );
	EOF
	chmod 600 "$W/vtid.conf"
}

vtid_start() {
	local k
	spawn "$W/vtid.pid" "$W/vtid.log" ip netns exec io-v "$VTID" -c "$W/vtid.conf"
	wait_for 20 "vtid ready" grep -q 'vtid started' "$W/vtid.log"
	# The kind vtid_conf asked for (none: a configuration of the
	# script's own), as the kernel has it.
	[ -n "${V_DEV:-}" ] || return 0
	poll 10 dev_is io-v-priv "$V_DEV" "$V_KIND" || {
		k=$(dev_kind io-v-priv "$V_DEV")
		fail "vtid's $V_DEV in io-v-priv is a ${k:-missing device} after 10 s, not $V_KIND"
	}
	k=$(dev_kind io-v-priv "$V_DEV")
	echo "vtid's device: $V_DEV, $([ "$V_KIND" = xfrm ] && echo "an XFRM interface" || echo "a VTI") ($k)"
}
vtid_stop() {	# SIGTERM, and a clean exit within 10 s
	stop_pidfile "$W/vtid.pid" 10 vtid
}
vtid_kill() {
	kill_pidfile "$W/vtid.pid"
}
ctl() {
	ip netns exec io-v "$VTICTL" -s "$W/vtid.sock" "$@"
}
# vtid_children: how many CHILD SAs vtid shows INSTALLED.
vtid_children() {
	ctl status 2>/dev/null | grep -c 'INSTALLED' || true
}
vtid_ike_up() {
	ctl status 2>/dev/null | grep -c 'ESTABLISHED' || true
}
# vtid_spis: "IN OUT" of each CHILD SA, one a line.
vtid_spis() {
	ctl status 2>/dev/null | sed -n 's/.*ESP SPIs: \([0-9a-f]*\)_i \([0-9a-f]*\)_o.*/\1 \2/p'
}

# ---- charon -----------------------------------------------------------

# charon_conf [KEY=VALUE...]: conn V as the seed's ipsec.Vx-y.conf writes
# it, with KEY=VALUE overriding (or adding, or with an empty VALUE
# removing) its settings. Also writes ipsec.secrets.
charon_conf() {
	local keys=(left leftsubnet right rightsubnet authby mark keyingtries
	    auto dpdaction keyexchange ike esp mobike) kv k
	declare -A c=([left]=$C_ADDR [leftsubnet]="::/0,0.0.0.0/0" [right]=$V_ADDR
	    [rightsubnet]="::/0,0.0.0.0/0" [authby]=psk [mark]=$MARK
	    [keyingtries]=%forever [auto]=route [dpdaction]=restart
	    [keyexchange]=ikev2 [ike]="$SEED_SUITE!" [esp]="$SEED_SUITE!"
	    [mobike]=no)
	for kv in "$@"; do
		k=${kv%%=*}
		[ -n "${c[$k]+x}" ] || keys+=("$k")
		c[$k]=${kv#*=}
	done
	{
		echo "config setup"
		echo
		echo "conn V"
		for k in "${keys[@]}"; do
			[ -n "${c[$k]}" ] && echo "	$k=${c[$k]}"
		done
	} > "$W/ipsec.conf"
	echo "$V_ADDR : PSK \"$PSK\"" > "$W/ipsec.secrets"
	chmod 600 "$W/ipsec.secrets"
	charon_sconf
}

# charon_sconf [LINES...]: strongswan.conf, self-contained (no includes of
# /etc/strongswan.d): the plugins ipsec.conf+PSK needs, install_routes = no
# as the seed, logs to $W/charon.log; LINES go inside charon { }.
# retransmit: 1 s, x1.5, 3 tries (about 9 s), not 4 s x1.8 x5 (165 s).
# shellcheck disable=SC2120 # LINES: for tests that need more
charon_sconf() {
	local l
	{
		echo "charon {"
		echo "	load = $deps_charon_load"
		echo "	install_routes = no"
		echo "	install_virtual_ip = no"
		echo "	retransmit_timeout = 1"
		echo "	retransmit_base = 1.5"
		echo "	retransmit_tries = 3"
		for l in "$@"; do echo "	$l"; done
		echo "	syslog {"
		echo "		daemon { default = -1 }"
		echo "		auth { default = -1 }"
		echo "	}"
		echo "	filelog {"
		echo "		charon {"
		echo "			path = $W/charon.log"
		echo "			append = yes"
		echo "			flush_line = yes"
		echo "			time_format = %H:%M:%S"
		echo "			ike_name = yes"
		echo "			default = 1"
		echo "			ike = 2"
		echo "			chd = 2"
		echo "			knl = 1"
		echo "			cfg = 2"
		echo "			enc = 1"
		echo "		}"
		echo "	}"
		echo "}"
		echo "starter { load_warning = no }"
	} > "$W/strongswan.conf"
}

charon_start() {
	local t0
	mkdir -p "$W/crun"
	t0=$(now)
	spawn "$W/starter.pid" "$W/starter.log" \
	    ip netns exec io-c unshare -m --propagation private \
	    env STRONGSWAN_CONF="$W/strongswan.conf" bash -c "
		set -e
		mount --bind '$W/crun' /run
		mount --bind '$W/ipsec.conf' /etc/ipsec.conf
		mount --bind '$W/ipsec.secrets' /etc/ipsec.secrets
		mount --bind '$W/strongswan.conf' /etc/strongswan.conf
		exec $STARTER --nofork"
	wait_for 30 "charon loaded conn V" charon_has_conn
	ok "charon up, conn V loaded ($(elapsed "$t0") s): $(sed -n '/^conn/,$p' "$W/ipsec.conf" | tr '\n\t' '  ' | sed 's/  */ /g')"
}
charon_has_conn() {
	cipsec statusall 2>/dev/null | grep -c >/dev/null '^ *V:'
}
charon_stop() {
	local pid
	[ -f "$W/starter.pid" ] || return 0
	pid=$(cat "$W/starter.pid")
	kill -TERM "$pid" 2>/dev/null || true
	poll 15 gone "$pid" || fail "starter did not exit within 15 s of SIGTERM"
	rm -f "$W/starter.pid" "$W/crun/"*.pid
}
charon_kill() {
	kill_pidfile "$W/starter.pid" "$W/crun/charon.pid"
	rm -f "$W/crun/"*.pid
}
# cipsec status|statusall|down NAME...: "ipsec ..." in charon's namespaces.
# The ipsec script only checks charon's pid file and runs stroke with the
# same arguments for these: stroke is called directly (TCG: 1 s less each).
cipsec() {
	[ -f "$W/starter.pid" ] || { echo "charon not running" >&2; return 1; }
	nsenter -t "$(cat "$W/starter.pid")" -m -n \
	    env STRONGSWAN_CONF="$W/strongswan.conf" /usr/lib/ipsec/stroke "$@"
}
# crekey child|ike: charon rekeys the CHILD SA / IKE SA of conn V. 5.9.8's
# "ipsec" and stroke have no rekey command: swanctl --rekey through vici
# (which finds the IKE SAs of ipsec.conf's conns by name too).
crekey() {
	nsenter -t "$(cat "$W/starter.pid")" -m -n \
	    env STRONGSWAN_CONF="$W/strongswan.conf" swanctl --rekey --"$1" V
}
# charon_children / charon_ike_up: INSTALLED CHILD SAs / ESTABLISHED IKE SAs
charon_children() {
	cipsec status 2>/dev/null | grep -c '^ *V{[0-9]*}: *INSTALLED' || true
}
charon_ike_up() {
	cipsec status 2>/dev/null | grep -c '^ *V\[[0-9]*\]: ESTABLISHED' || true
}
charon_spis() {
	cipsec status 2>/dev/null | sed -n 's/.*V{[0-9]*}: *INSTALLED.*ESP \(in UDP \)\?SPIs: \([0-9a-f]*\)_i \([0-9a-f]*\)_o.*/\2 \3/p'
}

# ---- kernel state -----------------------------------------------------

# xfrm_count NS state|policy: SAs with an SPI (not the larval ones of an
# ACQUIRE), or policies with a direction (xfrm_policies).
xfrm_count() {
	if [ "$2" = policy ]; then
		xfrm_policies "$1"
	else
		ip -n "$1" xfrm state 2>/dev/null | grep '^\s*proto esp' | grep -vc 'spi 0x00000000' || true
	fi
}
# xfrm_has NS SPI: an ESP SA with this SPI (hex, no 0x) is in NS's kernel.
xfrm_has() {
	# Not "ip | grep -c >/dev/null": grep -q leaves at the first match and, under
	# pipefail, ip's next write (one per SA) dying of SIGPIPE fails the
	# check on a loaded machine.
	local out
	out=$(ip -n "$1" xfrm state 2>&1) || { echo "note: ip -n $1 xfrm state: $out" >&2; return 1; }
	[[ $out == *"spi 0x$2"* ]]
}

# ---- waiting and checks -----------------------------------------------

is_eq() {	# is_eq A B: for wait_for with command substitutions re-evaluated
	[ "$($1)" = "$2" ]
}
both_up() {	# one CHILD SA each side
	[ "$(vtid_children)" -ge 1 ] && [ "$(charon_children)" -ge 1 ]
}
# wait_up SECONDS: a CHILD SA on both sides.
wait_up() {
	wait_for "$1" "CHILD SA on both sides (vtid $(vtid_children), charon $(charon_children))" both_up
}

# check_spis: exactly one CHILD SA on each side, and vtid's inbound SPI is
# charon's outbound and the other way round; sets VI VO (vtid's).
check_spis() {
	local v c ci co
	v=$(vtid_spis)
	c=$(charon_spis)
	[ "$(echo "$v" | grep -c .)" = 1 ] || fail "vtid has $(echo "$v" | grep -c .) CHILD SAs: $(echo "$v" | tr '\n' ' ')"
	[ "$(echo "$c" | grep -c .)" = 1 ] || fail "charon has $(echo "$c" | grep -c .) CHILD SAs: $(echo "$c" | tr '\n' ' ')"
	read -r VI VO <<< "$v"
	read -r ci co <<< "$c"
	[ "$VI" = "$co" ] && [ "$VO" = "$ci" ] ||
		fail "SPIs do not match: vtid ${VI}_i ${VO}_o, charon ${ci}_i ${co}_o"
	ok "SPIs match: vtid ${VI}_i ${VO}_o = charon ${ci}_i ${co}_o"
}

# ping_through FROM-NS DEST [COUNT]: all replies come back.
ping_through() {
	local n=${3:-4} out
	out=$(ip netns exec "$1" ping -c "$n" -i 0.2 -W 2 "$2" 2>&1) ||
		fail "ping $2 from $1: $(echo "$out" | grep -E 'transmitted|Unreachable|unreachable' | head -2)"
	echo "$out" | grep -c >/dev/null " $n received" || fail "ping $2 from $1: $(echo "$out" | grep transmitted)"
}
# ping_all: IPv6 and IPv4 inner, both ways.
ping_all() {
	ping_through io-v-priv "$C_IN6"
	ping_through io-v-priv "$C_IN4"
	ping_through io-c-priv "$V_IN6"
	ping_through io-c-priv "$V_IN4"
	ok "ping both ways through the VTIs over IPv$FAM: $C_IN6 and $C_IN4 from vtid's side, $V_IN6 and $V_IN4 from charon's, 4/4 each"
}

# ping_bg NAME FROM-NS DEST: a ping every 0.1 s in the background, until
# ping_bg_stop NAME prints "SENT RECEIVED".
ping_bg() {
	ip netns exec "$2" ping -i 0.1 -W 1 "$3" > "$W/$1.ping" 2>&1 &
	echo $! > "$W/$1.ping.pid"
}
ping_bg_stop() {
	local pid
	pid=$(cat "$W/$1.ping.pid")
	kill -INT "$pid" 2>/dev/null || true
	poll 2 gone "$pid" || true
	rm -f "$W/$1.ping.pid"
	sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p' "$W/$1.ping"
}

# charon_algs: charon's IKE proposal and CHILD SA algorithms (statusall).
charon_algs() {
	cipsec statusall 2>/dev/null | sed -n 's/^ *V\[[0-9]*\]: IKE proposal: \(.*\)/IKE \1/p; s/^ *V{[0-9]*}: *\([A-Z][A-Z0-9_/]*\), [0-9]* bytes_i.*/ESP \1/p' | tr '\n' ' '
}
# charon_log PATTERN: the first charon log line matching (since the last
# phase marker), for notes.
charon_log() {
	awk -v m="=== phase $PHASE" '$0 == m { f = 1; next } f' "$W/charon.log" |
	    grep -m1 -E -- "$1" || true
}
# charon_count PATTERN: how many charon log lines of this phase match.
charon_count() {
	awk -v m="=== phase $PHASE" '$0 == m { f = 1; next } f' "$W/charon.log" |
	    grep -cE -- "$1" || true
}
vtid_count() {
	awk -v m="=== phase $PHASE" '$0 == m { f = 1; next } f' "$W/vtid.log" |
	    grep -cE -- "$1" || true
}
vtid_log() {
	awk -v m="=== phase $PHASE" '$0 == m { f = 1; next } f' "$W/vtid.log" |
	    grep -m1 -E -- "$1" || true
}
