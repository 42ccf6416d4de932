#!/usr/bin/env bash
# The seed lab (lab-routed-vpn) in network namespaces, its README's checks
# and a failover; see lab/README.md. Run by lab/run (directly, or inside the
# test VM when this kernel lacks ESP or VTI) and by tests/vm/lab/lab.sh.
#
#   lab/lab.sh [--mixed] [--xfrm] [--nat] [--pki] [--keep] [--no-failover]
#   lab/lab.sh --stop          # tear down a lab left by --keep
#
#   --mixed        V3-2 (the seed's Junos slot) runs strongSwan's charon,
#                  with the seed's ipsec.conf, instead of vtid
#   --xfrm         vtid's devices are XFRM interfaces (interface = { type =
#                  "xfrm"; }, if_id = mark) under the VTIs' names
#   --nat          site 3 behind a NAT router (lab-N3, 1:1 NAT66 to
#                  2001:db8:33::1 and ::2): IKE on 4500, ESP in UDP,
#                  keepalives; the other sites know its hosts by those
#                  addresses and by their own identity
#   --pki          certificates instead of PSKs: a lab CA and one
#                  certificate per VPN host (lab/gen, openssl)
#   --keep         leave the lab running at the end (V1-1 and V2-2 are
#                  started again after the failover)
#   --no-failover  skip the failover and restart steps
#
# Needs root, a kernel with ESP and VTI, VTID_BUILD (a build tree with
# src/daemon/vtid and src/vtictl/vtictl), iproute2, bird2, fping, ping,
# python3, and strongswan-starter/strongswan-charon for --mixed.
#
# Environment:
#   VTID_LAB_DIR       state and logs (default /tmp/vtid-lab); emptied first
#   VTID_LAB_LOGS      copy the logs and configurations there at the end
#   VTID_LAB_CONVERGE  seconds allowed to converge (default 240)
#
# Exit status: 0 when every check passed, 1 when one failed, 2 on usage.
set -uo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
P=lab-				# network namespace prefix
W=${VTID_LAB_DIR:-/tmp/vtid-lab}
CONVERGE=${VTID_LAB_CONVERGE:-240}
HOSTS=(V1-1 V1-2 V2-1 V2-2 V3-1 V3-2)
SITES=(1 2 3)

mixed=0 keep=0 failover=1 stop_only=0 xfrm=0 nat=0 pki=0
for a in "$@"; do
	case $a in
	--mixed) mixed=1 ;;
	--xfrm) xfrm=1 ;;
	--nat) nat=1 ;;
	--pki) pki=1 ;;
	--keep) keep=1 ;;
	--no-failover) failover=0 ;;
	--stop) stop_only=1 ;;
	*) echo "usage: lab/lab.sh [--mixed] [--xfrm] [--nat] [--pki] [--keep] [--no-failover] | --stop" >&2
	   exit 2 ;;
	esac
done

# ---- helpers ----

T0=${EPOCHREALTIME/./}
now_us() { echo "${EPOCHREALTIME/./}"; }
# secs FROM_US [TO_US]: seconds between two now_us values, to a tenth
secs() {
	local d=$(( (${2:-$(now_us)} - $1) / 100000 ))
	printf '%d.%d' $((d / 10)) $((d % 10))
}
say() { printf '[%6s] %s\n' "$(secs "$T0")" "$*"; }
section() { printf '\n==== %s\n' "$*"; }
# run_show CMD...: print the command as the seed's README does, then its output
run_show() { printf '$ %s\n' "$*"; "$@" 2>&1; }

RES_NAME=() RES_OK=() RES_FIG=()
result() {	# result pass|fail NAME FIGURE
	RES_OK+=("$1") RES_NAME+=("$2") RES_FIG+=("$3")
	printf '%s: %s: %s\n' "$(tr a-z A-Z <<<"$1")" "$2" "$3"
}

site_of() { local h=$1; h=${h#V}; echo "${h%-*}"; }
vpn_of() { echo "${1#*-}"; }
pub() { echo "$P$1"; }
priv() { echo "$P$1-priv"; }
is_charon() { [ "$mixed" = 1 ] && [ "$1" = V3-2 ]; }
natted() { [ "$nat" = 1 ] && [ "$(site_of "$1")" = 3 ]; }
# seen_as FROM TO: the address host FROM reaches host TO at (with --nat,
# the NAT's public one for site 3's hosts, from outside site 3)
seen_as() {
	local s v
	s=$(site_of "$2") v=$(vpn_of "$2")
	if natted "$2" && ! natted "$1"; then echo "2001:db8:33::$v"; else echo "2001:db8:$s::$v"; fi
}
# Interco addresses: ours and theirs, per remote host, from conf/lab/render's
# numbering (lab/gen writes them into the BIRD configurations).
remotes() {	# remotes HOST: "REMOTE OURS THEIRS" lines
	sed -n 's/^protocol bgp IBGP_V\([0-9]\)_\([0-9]\) {$/V\1-\2/p;
		s/^   local 2001:db8:ff::\([0-9]*\) as.*/\1/p;
		s/^   neighbor 2001:db8:ff::\([0-9]*\) as.*/\1/p' \
		"$W/$1/bird-private.conf" | paste - - -
}

VTID=${VTID_BUILD:+$VTID_BUILD/src/daemon/vtid}
VTICTL=${VTID_BUILD:+$VTID_BUILD/src/vtictl/vtictl}
ctl() { ip netns exec "$(pub "$1")" "$VTICTL" -s "$W/$1/vtid.sock" "${@:2}"; }
birdc_() {	# birdc_ NAME-OF-SOCKET ARGS...: NAME is V1-1/bird-private, R1/bird ...
	birdc -s "$W/$1.ctl" "${@:2}"
}
ipsec_() {	# ipsec_ HOST ARGS: strongSwan's ipsec in charon's mount namespace
	local pid _
	read -r pid _ <"$W/pids/$1-charon.pid"
	nsenter -t "$pid" -m -n ipsec "${@:2}"
}

# stamp: prefix each line with the seconds since the lab started (vtid and
# charon log to stderr without time; BIRD stamps its own log).
stamp() {
	local l d
	while IFS= read -r l || [ -n "$l" ]; do
		d=$(( (${EPOCHREALTIME/./} - T0) / 100000 ))
		printf '[%4d.%d] %s\n' $((d / 10)) $((d % 10)) "$l"
	done
}

# Every process we start has a pid file in $W/pids; every namespace we
# create is listed in $W/netns. Nothing else is touched on the way out.
start_bg() {	# start_bg NAME LOG CMD...: LOG gets the output, time-stamped
	local name=$1 log=$2
	shift 2
	"$@" > >(stamp >>"$log") 2>&1 </dev/null &
	echo "$! $(starttime $!)" >"$W/pids/$name.pid"
}
# A pid and its start time (clock ticks since boot) name a process for
# good: a pid file left by --keep never kills an unrelated process.
starttime() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20; }
stop_pid() {	# stop_pid NAME: SIGTERM, 5 s, then SIGKILL
	local f=$W/pids/$1.pid pid st i
	[ -f "$f" ] || return 0
	read -r pid st <"$f"
	if [ -n "$st" ] && [ "$(starttime "$pid")" = "$st" ] && kill -TERM "$pid" 2>/dev/null; then
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.05
		done
		kill -0 "$pid" 2>/dev/null && { say "$1 did not stop within 5 s: SIGKILL"; kill -KILL "$pid" 2>/dev/null; }
	fi
	rm -f "$f"
}
kill_pid() {	# kill_pid NAME: SIGKILL, as a crash would
	local f=$W/pids/$1.pid pid st
	[ -f "$f" ] || return 0
	read -r pid st <"$f"
	[ -n "$st" ] && [ "$(starttime "$pid")" = "$st" ] && kill -KILL "$pid" 2>/dev/null
	rm -f "$f"
}
teardown() {
	local f n
	[ -d "$W/pids" ] && for f in "$W"/pids/*.pid; do
		[ -f "$f" ] || continue
		n=${f##*/}
		stop_pid "${n%.pid}"
	done
	if [ -f "$W/netns" ]; then
		while read -r n; do
			ip netns del "$n" 2>/dev/null || true
		done <"$W/netns"
		rm -f "$W/netns"
	fi
}
save_logs() {
	[ -n "${VTID_LAB_LOGS:-}" ] || return 0
	mkdir -p "$VTID_LAB_LOGS"
	tar -C "$W" --exclude='*.sock' --exclude='*.ctl' --exclude=pids \
		-cf - . | tar -C "$VTID_LAB_LOGS" -xf - 2>/dev/null || true
}

if [ "$stop_only" = 1 ]; then
	teardown
	echo "lab: stopped (logs left in $W)"
	exit 0
fi

[ "$(id -u)" = 0 ] || { echo "lab: needs root" >&2; exit 2; }
[ -x "$VTID" ] && [ -x "$VTICTL" ] || { echo "lab: VTID_BUILD must hold src/daemon/vtid and src/vtictl/vtictl" >&2; exit 2; }
missing=
for c in ip bird birdc fping ping python3 nsenter unshare; do
	command -v "$c" >/dev/null || missing+=" $c"
done
[ "$mixed" = 0 ] || command -v ipsec >/dev/null || missing+=" ipsec"
[ "$nat" = 0 ] || command -v nft >/dev/null || missing+=" nft"
[ "$pki" = 0 ] || command -v openssl >/dev/null || missing+=" openssl"
[ -z "$missing" ] || { echo "lab: missing commands:$missing" >&2; exit 2; }
for n in $(ip netns list 2>/dev/null | awk '{print $1}'); do
	case $n in
	"$P"*) echo "lab: namespace $n exists: a lab is running (lab/run --stop)" >&2; exit 2 ;;
	esac
done

rm -rf "$W"
mkdir -p "$W/pids"
: >"$W/netns"
if [ "$keep" = 0 ]; then
	trap 'teardown; save_logs' EXIT
else
	trap save_logs EXIT
fi
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- configurations ----

section "configurations (lab/gen, conf/lab/render)"
gen_args=("$W" --prefix "$P")
[ "$mixed" = 0 ] || gen_args+=(--mixed)
[ "$xfrm" = 0 ] || gen_args+=(--xfrm)
[ "$nat" = 0 ] || gen_args+=(--nat)
[ "$pki" = 0 ] || gen_args+=(--pki)
python3 -B "$SRC/lab/gen" "${gen_args[@]}" || { echo "lab: lab/gen failed"; exit 1; }
say "written in $W: $(find "$W" -name '*.conf' | wc -l) files"

# ---- topology ----
#
#   lab-inet: bridge "inet", one port per VPN host (the seed's Internet)
#   lab-Vx-y: eth0 on inet, dummy0 2001:db8:x::y/128; bird (OSPFv3), vtid
#   lab-Vx-y-priv: eth1 to the site's other VPN host (192.168.10x.y/24),
#             eth2 on the site's LAN (192.168.x.1y/24), the VTIs; bird
#   lab-Rx:   bridge eth0 on the site's LAN (192.168.x.1/24), dummy0
#             2001:db8:ax::1/64; bird
#   --nat:    lab-N3 between inet (its eth0) and site 3's VPN hosts (their
#             eth0 on its bridge "in"); dummy0 2001:db8:33::1, ::2 (the
#             public addresses); bird (OSPFv3 OUTSIDE and INSIDE), nftables

section "topology"
NSS=("${P}inet")
for h in "${HOSTS[@]}"; do NSS+=("$(pub "$h")" "$(priv "$h")"); done
for s in "${SITES[@]}"; do NSS+=("${P}R$s"); done
[ "$nat" = 0 ] || NSS+=("${P}N3")
printf 'netns add %s\n' "${NSS[@]}" | ip -batch - || { echo "lab: cannot create the namespaces"; exit 1; }
printf '%s\n' "${NSS[@]}" >"$W/netns"
# Before any device exists, so that they inherit it: no DAD (addresses
# usable at once), forwarding where packets are routed, no rp_filter.
for n in "${NSS[@]}"; do
	sc=(net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	    net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0)
	case $n in
	*-priv|"${P}"R*|"${P}"N*) sc+=(net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1) ;;
	esac
	ip netns exec "$n" sysctl -qw "${sc[@]}" || { echo "lab: sysctl in $n failed"; exit 1; }
done
{
	for h in "${HOSTS[@]}"; do
		if natted "$h"; then
			echo "link add eth0 netns $(pub "$h") type veth peer name $h netns ${P}N3"
		else
			echo "link add eth0 netns $(pub "$h") type veth peer name $h netns ${P}inet"
		fi
		echo "link add eth2 netns $(priv "$h") type veth peer name $h netns ${P}R$(site_of "$h")"
	done
	for s in "${SITES[@]}"; do
		echo "link add eth1 netns $(priv "V$s-1") type veth peer name eth1 netns $(priv "V$s-2")"
	done
	[ "$nat" = 0 ] || echo "link add eth0 netns ${P}N3 type veth peer name N3 netns ${P}inet"
} | ip -batch - || { echo "lab: cannot create the links"; exit 1; }
{
	echo "link set lo up"
	echo "link add inet type bridge mcast_snooping 0"
	for h in "${HOSTS[@]}"; do
		natted "$h" && continue
		echo "link set $h master inet"; echo "link set $h up"
	done
	[ "$nat" = 0 ] || { echo "link set N3 master inet"; echo "link set N3 up"; }
	echo "link set inet up"
} | ip -n "${P}inet" -batch - || exit 1
if [ "$nat" = 1 ]; then
	ip -n "${P}N3" -batch - <<-EOF || exit 1
	link set lo up
	link add in type bridge mcast_snooping 0
	link set V3-1 master in
	link set V3-2 master in
	link set V3-1 up
	link set V3-2 up
	link set in up
	link set eth0 up
	link add dummy0 type dummy
	addr add 2001:db8:33::1/128 dev dummy0
	addr add 2001:db8:33::2/128 dev dummy0
	link set dummy0 up
	EOF
	ip netns exec "${P}N3" nft -f "$W/N3/nat.nft" || { echo "lab: N3's nftables rules failed"; exit 1; }
fi
for h in "${HOSTS[@]}"; do
	s=$(site_of "$h") v=$(vpn_of "$h")
	ip -n "$(pub "$h")" -batch - <<-EOF || exit 1
	link set lo up
	link add dummy0 type dummy
	addr add 2001:db8:$s::$v/128 dev dummy0
	link set dummy0 up
	link set eth0 up
	EOF
	ip -n "$(priv "$h")" -batch - <<-EOF || exit 1
	link set lo up
	addr add 192.168.10$s.$v/24 dev eth1
	addr add 192.168.$s.1$v/24 dev eth2
	link set eth1 up
	link set eth2 up
	EOF
done
for s in "${SITES[@]}"; do
	ip -n "${P}R$s" -batch - <<-EOF || exit 1
	link set lo up
	link add eth0 type bridge mcast_snooping 0
	link set V$s-1 master eth0
	link set V$s-2 master eth0
	link set V$s-1 up
	link set V$s-2 up
	addr add 192.168.$s.1/24 dev eth0
	link set eth0 up
	link add dummy0 type dummy
	addr add 2001:db8:a$s::1/64 dev dummy0
	link set dummy0 up
	EOF
done
say "${#NSS[@]} namespaces: ${NSS[*]}"
# vtid checks its configuration (the private namespaces exist now).
for h in "${HOSTS[@]}"; do
	is_charon "$h" && continue
	"$VTID" -t -c "$W/$h/vtid.conf" >"$W/$h/vtid-t.out" 2>&1 ||
		{ cat "$W/$h/vtid-t.out"; echo "lab: $h: vtid rejects its configuration"; exit 1; }
done

# The first ESP SA loads the crypto modules and builds the AES-GCM
# transform: seconds under an emulated CPU. Done once here, on a throwaway
# SA and vti6 in lab-inet, so that the timings below are vtid's.
ip -n "${P}inet" -force -batch - <<-EOF >/dev/null 2>&1
link add warmup type vti6 local 2001:db8::1 remote 2001:db8::2 key 1
link del warmup
xfrm state add src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x100 mode tunnel aead rfc4106(gcm(aes)) 0x$(printf '%072d' 1) 128
xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 mode tunnel aead rfc4106(gcm(aes)) 0x$(printf '%072d' 1) 128
xfrm state flush
EOF
say "kernel ready: vti6, ESP with AES-GCM"

# ---- daemons ----

start_bird() {	# start_bird NETNS DIR NAME
	start_bg "$2-$3" "$W/$2/$3.out" ip netns exec "$1" \
		bird -f -c "$W/$2/$3.conf" -s "$W/$2/$3.ctl" -P "$W/$2/$3.pid"
}
start_vtid() {	# start_vtid HOST
	start_bg "$1-vtid" "$W/$1/vtid.log" ip netns exec "$(pub "$1")" \
		"$VTID" -c "$W/$1/vtid.conf"
}
start_charon() {	# start_charon HOST: the seed's VTIs, then starter+charon
	local d=$W/$1
	# starter logs to syslog, to the console when there is none (the VM):
	# its console is this file.
	: >>"$d/console.log"
	sh "$d/vti-setup.sh" >"$d/vti-setup.out" 2>&1 ||
		{ say "$1: vti-setup.sh failed: $(cat "$d/vti-setup.out")"; return 1; }
	# A mount namespace of its own: /etc/ipsec.conf, ipsec.secrets and
	# strongswan.conf are bind-mounted from $d, /run is a fresh tmpfs (pid
	# files, stroke socket): nothing of the host's strongSwan is touched.
	start_bg "$1-charon" "$d/charon.out" ip netns exec "$(pub "$1")" \
		unshare -m --propagation private sh -c "
		mount -t tmpfs lab-run /run &&
		mount --bind '$d/console.log' /dev/console &&
		mount --bind '$d/ipsec.conf' /etc/ipsec.conf &&
		mount --bind '$d/ipsec.secrets' /etc/ipsec.secrets &&
		mount --bind '$d/strongswan.conf' /etc/strongswan.conf &&
		exec ipsec start --nofork"
}
start_vpn() {	# start_vpn HOST: vtid, or charon for V3-2 with --mixed
	if is_charon "$1"; then start_charon "$1"; else start_vtid "$1"; fi
}
start_host() {	# start_host HOST: everything of one VPN host
	start_bird "$(pub "$1")" "$1" bird-public
	start_vpn "$1"
	start_bird "$(priv "$1")" "$1" bird-private
}
stop_host() {	# stop_host HOST: vtid (SIGTERM: DELETE to peers), then BIRD
	if is_charon "$1"; then stop_pid "$1-charon"; else stop_pid "$1-vtid"; fi
	stop_pid "$1-bird-private"
	stop_pid "$1-bird-public"
}

crash_host() {	# crash_host HOST: every daemon SIGKILLed, the kernel's SAs
	# and policies gone as after a power cycle (links stay, so that the
	# host can come back)
	if is_charon "$1"; then kill_pid "$1-charon"; else kill_pid "$1-vtid"; fi
	kill_pid "$1-bird-private"
	kill_pid "$1-bird-public"
	ip -n "$(pub "$1")" xfrm state flush
	ip -n "$(pub "$1")" xfrm policy flush
}

# Per host: public routes to the other VPN hosts, tunnels up, BGP sessions.
pub_routes() {	# the other VPN hosts' addresses this host has a route to
	ip -6 -n "$(pub "$1")" route show proto bird 2>/dev/null |
		grep -cE '^2001:db8:[0-9]+::[0-9]+ '
}
status_() {	# status_ HOST: vtictl status, or ipsec status for charon
	if is_charon "$1"; then ipsec_ "$1" status; else ctl "$1" status; fi 2>/dev/null
}
tunnels_up() {	# peers with an installed CHILD SA
	status_ "$1" | sed -n 's/^ *\([^{ ]*\){[0-9]*}: *INSTALLED.*/\1/p' | sort -u | wc -l
}
ike_sas() {	# established IKE SAs, duplicates included
	status_ "$1" | grep -cE '^ *[^ ]+\[[0-9]+\]: ESTABLISHED'
}
bgp_up() {	# BGP sessions Established
	birdc_ "$1/bird-private" show protocols 2>/dev/null | grep -c 'Established'
}
r1_reach() { ip netns exec "${P}R1" ping -6 -c1 -W1 2001:db8:a3::1 >/dev/null 2>&1; }

# The most IKE SAs any host held at one time, sampled while converging:
# crossing initiations between two vtids are resolved at once, so never
# more than one per peer (4).
IKE_MAX=0 IKE_MAX_HOST=-
ike_max() {	# ike_max HOST
	local k
	k=$(ike_sas "$1")
	[ "$k" -le "$IKE_MAX" ] || { IKE_MAX=$k; IKE_MAX_HOST=$1; }
}

declare -A CONV=()
# converge SECONDS FROM_US CHECK...: poll until every host passes each CHECK
# (pub, tun, bgp) and, with r1, R1 reaches 2001:db8:a3::1; CONV[CHECK-HOST]
# gets the time from FROM_US.
converge() {
	local secs=$1 from=$2 deadline pending h c n want
	shift 2
	deadline=$(( $(now_us) + secs * 1000000 ))
	while :; do
		pending=0
		for c in "$@"; do
			if [ "$c" = r1 ]; then
				[ -z "${CONV[r1]:-}" ] || continue
				if r1_reach; then CONV[r1]=$(secs "$from"); say "R1 reaches 2001:db8:a3::1"; else pending=1; fi
				continue
			fi
			for h in "${HOSTS[@]}"; do
				[ "$c" != tun ] || ike_max "$h"
				[ -z "${CONV[$c-$h]:-}" ] || continue
				case $c in
				pub) n=$(pub_routes "$h") want=5 ;;
				tun) n=$(tunnels_up "$h") want=4 ;;
				bgp) n=$(bgp_up "$h") want=8 ;;
				esac
				if [ "$n" -ge "$want" ]; then
					CONV[$c-$h]=$(secs "$from")
					[ "$c" = pub ] || say "$h: $n $([ "$c" = tun ] && echo "tunnels up" || echo "BGP sessions Established")"
				else
					pending=1
				fi
			done
		done
		[ "$pending" = 1 ] || return 0
		[ "$(now_us)" -lt "$deadline" ] || { say "not converged within $secs s"; return 1; }
		sleep 0.5
	done
}
maxof() {	# maxof CHECK: the latest time among the hosts, or "-"
	local h m=0 t
	for h in "${HOSTS[@]}"; do
		t=${CONV[$1-$h]:-}
		[ -n "$t" ] || { echo "-"; return; }
		awk -v a="$t" -v b="$m" 'BEGIN { exit !(a > b) }' && m=$t
	done
	echo "$m"
}

section "daemons: BIRD on the public side and in the routers R1-R3"
T_BIRD=$(now_us)
for s in "${SITES[@]}"; do start_bird "${P}R$s" "R$s" bird; done
[ "$nat" = 0 ] || start_bird "${P}N3" N3 bird
for h in "${HOSTS[@]}"; do start_bird "$(pub "$h")" "$h" bird-public; done
converge 60 "$T_BIRD" pub
T_PUB=$(maxof pub)
say "public OSPFv3: every VPN host has a route to the 5 others, ${T_PUB} s after BIRD started"

section "daemons: $([ "$mixed" = 1 ] && echo "vtid (charon on V3-2)" || echo vtid) and BIRD in the private namespaces"
T_START=$(now_us)
for h in "${HOSTS[@]}"; do start_vpn "$h"; start_bird "$(priv "$h")" "$h" bird-private; done
say "started: $(find "$W/pids" -name '*.pid' | wc -l) daemons"
converge "$CONVERGE" "$T_START" tun bgp r1
T_TUN=$(maxof tun) T_BGP=$(maxof bgp)
say "converged: tunnels ${T_TUN} s, BGP ${T_BGP} s, R1 -> 2001:db8:a3::1 ${CONV[r1]:--} s after vtid started"

# ---- the seed README's checks ----

section "public side: each VPN host sees the others (OSPFv3)"
to=()
for o in "${HOSTS[@]}"; do to+=("$(seen_as V1-1 "$o")"); done
run_show ip netns exec "$(pub V1-1)" fping -S 2001:db8:1::1 "${to[@]}"
alive=0
for h in "${HOSTS[@]}"; do
	s=$(site_of "$h") v=$(vpn_of "$h") to=()
	for o in "${HOSTS[@]}"; do to+=("$(seen_as "$h" "$o")"); done
	n=$(ip netns exec "$(pub "$h")" fping -S "2001:db8:$s::$v" -r 1 "${to[@]}" 2>/dev/null | grep -c 'is alive')
	alive=$((alive + n))
done
[ "$alive" = 36 ] && result pass "public reachability" "36/36 (6 hosts x 6 addresses$([ "$nat" = 0 ] || echo ", site 3 at its NAT's 2001:db8:33::1 and ::2")), routes in ${T_PUB} s" ||
	result fail "public reachability" "$alive/36 alive"

section "IPsec: 4 tunnels up per host"
# Both ends are auto=route, so both see BGP's first packet and initiate at
# once: each pair may get two IKE SAs, of which one must go. vtid keeps both
# for 10 s so that a strongSwan peer (uniqueids: it keeps the newer) can
# decide; then the lower nonce goes, deleted by its initiator, or 10 s later
# by the other end if a peer kept both. Wait up to 40 s for one IKE SA per
# peer everywhere.
t_settle=$(now_us) settled=
while :; do
	tot=0 sas=0 detail="" dups=""
	for h in "${HOSTS[@]}"; do
		n=$(tunnels_up "$h") k=$(ike_sas "$h")
		tot=$((tot + n)) sas=$((sas + k))
		detail+=" $h:$n"
		[ "$k" -le "$IKE_MAX" ] || { IKE_MAX=$k; IKE_MAX_HOST=$h; }
		[ "$k" -le 4 ] || dups+=" $h:$k"
	done
	[ "$tot" = 24 ] && [ -z "$dups" ] && { settled=$(secs "$t_settle"); break; }
	[ "$(now_us)" -lt $((t_settle + 40000000)) ] || break
	sleep 1
done
echo "\$ ip netns exec ${P}V1-1 vtictl -s $W/V1-1/vtid.sock status"
ctl V1-1 status
if [ "$mixed" = 1 ]; then
	echo "\$ ipsec status   # V3-2: strongSwan, in its mount namespace"
	ipsec_ V3-2 status 2>&1
fi
fig="$tot/24 tunnels up ($detail ), ${T_TUN} s after vtid started"
[ "$tot" = 24 ] && result pass "tunnels" "$fig" || result fail "tunnels" "$fig"
# Collisions vtid resolved: the side that deletes its duplicate logs it.
coll=$(cat "$W"/*/vtid.log 2>/dev/null | grep -c 'duplicate IKE SA (both ends initiated), deleting it')
[ -n "$settled" ] && result pass "one IKE SA per peer" "24 IKE SAs for 24 tunnel ends ($coll collisions resolved by vtid; settled ${settled} s after convergence; at most $IKE_MAX on one host at any time, $IKE_MAX_HOST)" ||
	result fail "one IKE SA per peer" "$sas IKE SAs for 24 tunnel ends 40 s after convergence (per host:$dups; $coll collisions resolved by vtid)"

if [ "$nat" = 1 ]; then
	section "NAT: site 3 behind lab-N3 (1:1 NAT66), ESP in UDP"
	echo "\$ ip netns exec ${P}V1-1 vtictl -s $W/V1-1/vtid.sock list V3-1 | grep -A1 'IKE SA'"
	ctl V1-1 list V3-1 | grep -A1 'IKE SA'
	nat_n=0 nat_want=0 detail=
	for h in "${HOSTS[@]}"; do
		is_charon "$h" && continue
		if natted "$h"; then
			n=$(ctl "$h" list | grep -c 'ESP in UDP .*NAT in front of us')
			want=4
		else
			n=$(ctl "$h" list | grep -c 'ESP in UDP .*NAT in front of the peer')
			want=2
		fi
		nat_n=$((nat_n + n)) nat_want=$((nat_want + want)) detail+=" $h:$n/$want"
	done
	nft_n() { ip netns exec "${P}N3" nft list counter ip6 lab_nat "$1" | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
	bare=$(nft_n bare_esp) udp=$(nft_n esp_in_udp) ka=$(nft_n keepalives)
	fig="$nat_n/$nat_want tunnel ends in ESP in UDP ($detail ); across the NAT: $udp packets to 4500, $ka keepalives, $bare bare ESP"
	[ "$nat_n" = "$nat_want" ] && [ "$bare" = 0 ] && [ "$udp" -gt 0 ] &&
		result pass "NAT traversal" "$fig" || result fail "NAT traversal" "$fig"
fi

if [ "$pki" = 1 ]; then
	section "certificates: every IKE SA authenticated by the lab CA's certificates"
	echo "\$ ip netns exec ${P}V1-1 vtictl -s $W/V1-1/vtid.sock list V2-1 | grep certificate"
	ctl V1-1 list V2-1 | grep certificate
	certs=0 detail=
	for h in "${HOSTS[@]}"; do
		is_charon "$h" && continue
		n=$(ctl "$h" list | grep -c 'peer certificate "O = lab-routed-vpn, CN = V[0-9]-[0-9]", issuer "O = lab-routed-vpn, CN = lab root CA"')
		certs=$((certs + n)) detail+=" $h:$n"
	done
	[ "$certs" -ge 24 ] && result pass "certificates" "$certs IKE SAs authenticated by certificate ($detail ), ECDSA P-256 hosts, P-384 CA" ||
		result fail "certificates" "$certs/24 IKE SAs with a peer certificate ($detail )"
fi

section "interco addresses through the tunnels"
theirs=()
while read -r _ _ t; do theirs+=("2001:db8:ff::$t"); done < <(remotes V1-1)
run_show ip netns exec "$(priv V1-1)" fping "${theirs[@]}"
alive=0
for h in "${HOSTS[@]}"; do
	addrs=()
	while read -r _ _ t; do
		addrs+=("2001:db8:ff::$t" "169.254.1.$t")
	done < <(remotes "$h")
	n=$(ip netns exec "$(priv "$h")" fping -r 2 "${addrs[@]}" 2>/dev/null | grep -c 'is alive')
	alive=$((alive + n))
	[ "$n" = 8 ] || echo "  $h: $n/8 alive: $(ip netns exec "$(priv "$h")" fping -r 0 "${addrs[@]}" 2>&1 | grep -v 'is alive' | tr '\n' ' ')"
done
[ "$alive" = 48 ] && result pass "interco ping" "48/48 (2001:db8:ff::N and 169.254.1.N, 8 per host)" ||
	result fail "interco ping" "$alive/48 alive"

section "BGP sessions"
echo "\$ birdc -s $W/V1-1/bird-private.ctl show protocols | grep IBGP"
birdc_ V1-1/bird-private show protocols | grep IBGP
tot=0 detail=
for h in "${HOSTS[@]}"; do
	n=$(bgp_up "$h")
	tot=$((tot + n)) detail+=" $h:$n"
done
fig="$tot/48 Established ($detail ), hold time 6, all up in ${T_BGP} s, $(awk -v b="$T_BGP" -v t="$T_TUN" 'BEGIN { printf "%.1f", b - t }') s after the last tunnel"
[ "$tot" = 48 ] && result pass "BGP" "$fig" || result fail "BGP" "$fig"

section "prefixes learnt over BGP"
echo "\$ birdc -s $W/V1-1/bird-private.ctl show route where proto ~ \"IBGP*\""
birdc_ V1-1/bird-private 'show route where proto ~ "IBGP*"'
learnt=0 missing=
for h in "${HOSTS[@]}"; do
	s=$(site_of "$h")
	got=$(birdc_ "$h/bird-private" 'show route where proto ~ "IBGP*"' 2>/dev/null |
		grep -oE '^(2001:db8:a[0-9]::/64|192\.168\.[0-9]\.0/24)' | sort -u)
	for o in "${SITES[@]}"; do
		[ "$o" = "$s" ] && continue
		for pfx in "2001:db8:a$o::/64" "192.168.$o.0/24"; do
			if grep -qxF "$pfx" <<<"$got"; then learnt=$((learnt + 1)); else missing+=" $h:$pfx"; fi
		done
	done
done
run_show ip -n "${P}R1" -6 route show 2001:db8:a3::/64
[ "$learnt" = 24 ] && result pass "prefixes" "24/24 (each host: the 2 other sites' 2001:db8:aX::/64 and 192.168.X.0/24)" ||
	result fail "prefixes" "$learnt/24, missing:$missing"

section "R1 to R3"
out=$(run_show ip netns exec "${P}R1" ping -c2 2001:db8:a3::1)
echo "$out"
rtt=$(sed -n 's|^rtt [^=]*= [0-9.]*/\([0-9.]*\)/.*|\1|p' <<<"$out")
grep -q ' 0% packet loss' <<<"$out" && result pass "R1 -> 2001:db8:a3::1" "2/2, rtt ${rtt} ms, first reply ${CONV[r1]:--} s after vtid started" ||
	result fail "R1 -> 2001:db8:a3::1" "$(grep -o '[0-9]* received' <<<"$out")"
out=$(run_show ip netns exec "${P}R1" ping -c2 192.168.3.1)
echo "$out"
grep -q ' 0% packet loss' <<<"$out" && result pass "R1 -> 192.168.3.1 (IPv4 over vti6)" "2/2" ||
	result fail "R1 -> 192.168.3.1 (IPv4 over vti6)" "$(grep -o '[0-9]* received' <<<"$out")"

section "path MTU (AES-256-GCM, outer MTU 1500; the seed reports 1426)"
out=$(run_show ip netns exec "${P}R1" ping -M "do" -s 1452 -c3 -i 0.5 -W 2 2001:db8:a3::1)
echo "$out"
run_show ip -n "${P}R1" route get 2001:db8:a3::1
mtu=$(grep -o 'mtu=[0-9]*' <<<"$out" | head -1 | cut -d= -f2)
if [ -z "$mtu" ]; then
	mtu=$(ip -n "${P}R1" route get 2001:db8:a3::1 | grep -o 'mtu [0-9]*' | cut -d' ' -f2)
fi
if [ -n "$mtu" ]; then
	# PMTU discovery works end to end: the largest packet that fits passes.
	size=$((mtu - 48))
	if ip netns exec "${P}R1" ping -M "do" -s "$size" -c2 -W 2 2001:db8:a3::1 >/dev/null 2>&1; then
		result pass "path MTU" "$mtu (seed: 1426); ping -M do -s $size passes"
	else
		result fail "path MTU" "$mtu reported, but ping -M do -s $size fails"
	fi
else
	result fail "path MTU" "no Packet Too Big, no MTU in R1's route cache"
fi

# A tunnel is only taken down by its peer when it was one of two crossing
# duplicates (either may go: the peer may decide, charon keeps the newest):
# any other DELETE from a peer before the failover took a working tunnel
# away.
section "steady tunnels (vtid logs, from the start to now)"
unexpected=""
for h in "${HOSTS[@]}"; do
	is_charon "$h" && continue
	unexpected+=$(awk -v h="$h" -v tmax="$(secs "$T0")" '
		{
			t = $0; sub(/^\[ */, "", t); sub(/\].*/, "", t)
			r = $0; sub(/^\[[^]]*\] /, "", r); split(r, f, " ")
			k = f[1] " " f[2]
		}
		/: duplicate IKE SA .*beside #[0-9]+/ {
			m = r; sub(/.*beside #/, "", m); sub(/[^0-9].*/, "", m)
			lost[k] = 1; lost[f[1] " #" m ":"] = 1
		}
		/: IKE SA deleted by peer/ && !(k in lost) && t + 0 <= tmax + 0 {
			sub(/:$/, "", f[2]); printf " %s:%s%s@%s", h, f[1], f[2], t
		}' "$W/$h/vtid.log")
done
if [ -z "$unexpected" ]; then
	result pass "steady tunnels" "no IKE SA deleted by a peer but crossing duplicates"
else
	# Both ends' story of each such SA, for whoever reads the failure.
	for u in $unexpected; do
		h=${u%%:*} p=${u#*:}; p=${p%%#*}
		for side in "$h:$p" "$p:$h"; do
			a=${side%%:*} b=${side#*:}
			echo "--- $a's log about $b"
			grep -F " $b" "$W/$a/vtid.log" 2>/dev/null | head -40
		done
	done
	result fail "steady tunnels" "IKE SAs deleted by the peer although kept here (host:peer#SA@s):$unexpected"
fi

# ---- failover ----

# outage HOW: R1 pings 2001:db8:a2::1 every 0.2 s while V1-1 and V2-2 go
# down (HOW: stop_host, SIGTERM; crash_host, SIGKILL and state lost);
# OUT_LOST and OUT_END get the pings lost after the last reply before it
# and when the first reply after the last of them came (s after it).
outage() {
	local plog=$W/outage-$1.log tf fdead last h
	ip netns exec "${P}R1" ping -6 -D -O -i 0.2 -W 1 2001:db8:a2::1 >"$plog" 2>&1 &
	echo "$! $(starttime $!)" >"$W/pids/outage-ping.pid"
	sleep 2
	tf=$(now_us)
	for h in V1-1 V2-2; do "$1" "$h"; done
	say "V1-1 and V2-2 down ($1) in $(secs "$tf") s"
	# Until 5 s of uninterrupted replies, or 90 s.
	fdead=$((tf + 90000000))
	while [ "$(now_us)" -lt "$fdead" ]; do
		sleep 1
		last=$(tail -n 25 "$plog" | grep -c 'bytes from')
		[ "$(now_us)" -gt $((tf + 5000000)) ] && [ "$last" -ge 25 ] && break
	done
	stop_pid outage-ping
	read -r OUT_LOST OUT_END < <(awk -v t0="$((tf / 1000000)).$(printf %06d $((tf % 1000000)))" '
		match($0, /icmp_seq=[0-9]+/) {
			seq = substr($0, RSTART + 9, RLENGTH - 9) + 0
			if (seq > maxs) maxs = seq
			if ($0 !~ /bytes from/) next
			ts = $1; gsub(/[][]/, "", ts); ts += 0
			rep[seq] = ts
			if (ts < t0 && seq > maxb) maxb = seq
		}
		END {
			lost = 0; last = 0
			for (s = maxb + 1; s <= maxs; s++) if (!(s in rep)) { lost++; last = s }
			if (!lost) { print 0, "0.0"; exit }
			end = -1
			for (s = last + 1; s <= maxs; s++) if (s in rep) { end = rep[s] - t0; break }
			printf "%d %.1f\n", lost, end
		}' "$plog")
	tail -n 3 "$plog"
}

# outage_result WHAT NOTE: R1 reaches 2001:db8:a2::1 again; the check
# "failover, WHAT" with the loss window outage measured.
outage_result() {
	local out
	out=$(run_show ip netns exec "${P}R1" ping -c3 -i 0.5 2001:db8:a2::1)
	echo "$out"
	if grep -q ' 0% packet loss' <<<"$out" && [ "${OUT_END:--1}" != -1 ]; then
		result pass "failover, $1" "R1's loss window ${OUT_END} s ($OUT_LOST pings of 0.2 s lost; $2)"
	else
		result fail "failover, $1" "R1 does not reach 2001:db8:a2::1 (last loss: ${OUT_END:-?} s, $OUT_LOST lost)"
	fi
}

# back_up WHAT: V1-1 and V2-2 started again; the peers meet them again.
back_up() {
	local tr0 h n k tun=0 bgp=0 detail=
	section "restart after the $1: V1-1 and V2-2 back"
	tr0=$(now_us)
	for h in V1-1 V2-2; do start_host "$h"; done
	for h in "${HOSTS[@]}"; do unset "CONV[tun-$h]" "CONV[bgp-$h]"; done
	converge 120 "$tr0" tun bgp
	for h in "${HOSTS[@]}"; do
		n=$(tunnels_up "$h") k=$(bgp_up "$h")
		tun=$((tun + n)) bgp=$((bgp + k)) detail+=" $h:$n/$k"
	done
	[ "$tun" = 24 ] && [ "$bgp" = 48 ] &&
		result pass "restart after the $1" "24/24 tunnels in $(maxof tun) s, 48/48 BGP sessions in $(maxof bgp) s" ||
		result fail "restart after the $1" "after $(secs "$tr0") s: $tun/24 tunnels, $bgp/48 BGP sessions (tunnels/sessions:$detail )"
}

if [ "$failover" = 1 ]; then
	# The peers' VTIs go down with the tunnels (vti.link "tunnel"), so
	# BIRD drops the BGP sessions at once rather than at the hold timer.
	section "failover: V1-1 and V2-2 stopped (vtid SIGTERM: DELETE to the peers, then BIRD)"
	outage stop_host
	run_show ip -n "${P}R1" -6 route show 2001:db8:a2::/64
	echo "\$ birdc -s $W/V1-2/bird-private.ctl show protocols | grep IBGP"
	birdc_ V1-2/bird-private show protocols | grep IBGP
	outage_result graceful "aim 1 s"
	back_up "graceful stop"

	# A crash: no DELETE; the peers learn it from DPD (delay 30 s, the
	# seed's) or BGP's hold timer (6 s), R1 from OSPF (dead after 5 s).
	section "failover: V1-1 and V2-2 crash (every daemon SIGKILLed, their SAs gone)"
	outage crash_host
	outage_result crash "OSPF dead 5 s, BGP hold 6 s"
	back_up "crash"
fi

# ---- summary ----

failed=0
for i in "${!RES_OK[@]}"; do [ "${RES_OK[$i]}" = pass ] || failed=$((failed + 1)); done
if [ "$failed" != 0 ]; then
	section "diagnostics"
	for h in "${HOSTS[@]}"; do
		[ -f "$W/pids/$h-vtid.pid" ] || [ -f "$W/pids/$h-charon.pid" ] || continue
		echo "--- $h"
		status_ "$h" | head -60
		birdc_ "$h/bird-private" show protocols 2>&1 | grep -v Established | grep IBGP | head -8
		[ -f "$W/$h/vtid.log" ] && grep -E ' (err|warning|notice)|error|fail' "$W/$h/vtid.log" | tail -n 15
	done
fi

section "summary ($([ "$mixed" = 1 ] && echo "mixed: strongSwan on V3-2" || echo "vtid on all six VPN hosts"))"
for i in "${!RES_OK[@]}"; do
	printf '%-4s %-36s %s\n' "$(tr a-z A-Z <<<"${RES_OK[$i]}")" "${RES_NAME[$i]}" "${RES_FIG[$i]}"
done
echo "lab: memory in use $(free -m | awk '/^Mem:/ { print $3 }') MB of $(free -m | awk '/^Mem:/ { print $2 }') MB"
echo "lab: $((${#RES_OK[@]} - failed))/${#RES_OK[@]} checks passed, total $(secs "$T0") s; logs in $W${VTID_LAB_LOGS:+ (copied to $VTID_LAB_LOGS)}"
if [ "$keep" = 1 ]; then
	cat <<-EOF
	lab: left running (--keep). Try:
	  ip netns exec ${P}R1 ping 2001:db8:a3::1
	  ip netns exec ${P}V1-1 $VTICTL -s $W/V1-1/vtid.sock status
	  birdc -s $W/V1-1/bird-private.ctl show route
	  ip netns list | grep ${P}
	Stop it with: lab/run --stop
	EOF
fi
[ "$failed" = 0 ]
