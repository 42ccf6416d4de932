# shellcheck shell=bash
# The helpers every VM test script shares (sourced, by an area's lib.sh or
# by a script of its own): reporting, waiting by the wall clock, network
# namespaces, background processes and their pid files. What is specific to
# a topology or a daemon stays in the area's lib.sh.
#
# fail calls dump_state when the script (or its lib.sh) defines one, so a
# failing check prints the state worth looking at.
#
# Under TCG one exec of ip or vtictl takes 0.1-1 s, so waits are bounded by
# the clock, never by a count of tries.

# The pre-shared key of every test config (32 random bytes, base64).
# shellcheck disable=SC2034 # used by the scripts that source this
PSK=d8bdRxaY22oH1j89Z2nATeYyrXfP9ga6xC5mi0RG1uc

# need_vtid: VTID and VTICTL, the binaries of the build under test.
need_vtid() {
	VTID=${VTID_BUILD:?VTID_BUILD unset}/src/daemon/vtid
	# shellcheck disable=SC2034 # used by the scripts that source this
	VTICTL=$VTID_BUILD/src/vtictl/vtictl
}

# ---- reporting --------------------------------------------------------

# dev_kind NS DEV: the device's kind as "ip -d" shows it (vti, vti6, xfrm);
# nothing (and success) when there is no such device.
dev_kind() {
	{ ip -n "$1" -d -o link show "$2" 2>/dev/null |
		grep -oE '\b(vti6|vti|xfrm)\b' | head -n 1; } || true
}
# dev_is NS DEV KIND: DEV is there, a KIND (vti: vti or vti6).
dev_is() {
	local k
	k=$(dev_kind "$1" "$2")
	[ -n "$k" ] && [ "${k%6}" = "$3" ]
}
# kinds_facing NS-A NS-B DEV: ok "DEV: A's KIND facing B's KIND", or fail
# unless B's device is of the kind VTID_TEST_IFACE_B asks (default xfrm)
# and A's a VTI.
kinds_facing() {
	local ka kb want=${VTID_TEST_IFACE_B:-xfrm}
	poll 10 dev_is "$1" "$3" vti && poll 10 dev_is "$2" "$3" "$want" ||
		fail "$3: $1 has a $(dev_kind "$1" "$3"), $2 a $(dev_kind "$2" "$3") (want vti, $want)"
	ka=$(dev_kind "$1" "$3") kb=$(dev_kind "$2" "$3")
	ok "$3: a $ka in $1 facing a $kb in $2"
}

ok() {
	echo "ok: $*"
}
fail() {
	echo "FAIL: $*"
	if declare -F dump_state >/dev/null; then
		dump_state
	fi
	exit 1
}

# ---- time -------------------------------------------------------------

# now: the wall clock in seconds, with microseconds (as date +%s.%N, whatever
# the locale's decimal point).
now() {
	local us=${EPOCHREALTIME/[^0-9]/}
	echo "${us:0:-6}.${us: -6}"
}
# elapsed T0 [DECIMALS]: seconds since T0 (a value of now), to 1 decimal
# or DECIMALS.
elapsed() {
	awk -v t0="$1" -v t="$(now)" -v d="${2:-1}" \
	    'BEGIN { fmt = "%." d "f"; printf fmt, t - t0 }'
}

# poll SECONDS COMMAND...: run COMMAND (output discarded) until it succeeds;
# fails once SECONDS (whole) of wall clock have passed. COMMAND runs at
# least once, and once more after the last pause, at the deadline. The
# pause between tries is POLL_STEP seconds (0.1 unless set).
POLL_STEP=${POLL_STEP:-0.1}
poll() {
	local end=$((${EPOCHREALTIME/[^0-9]/} + $1 * 1000000))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "${EPOCHREALTIME/[^0-9]/}" -lt "$end" ] || return 1
		sleep "$POLL_STEP"
	done
}
# wait_for SECONDS DESCRIPTION COMMAND...: poll, and fail the test with
# DESCRIPTION when COMMAND has not succeeded within SECONDS.
wait_for() {
	local secs=$1 what=$2
	shift 2
	poll "$secs" "$@" || fail "$what: not within $secs s"
}

# ---- network namespaces -----------------------------------------------

# netns_fresh NS...: each namespace new (one left by an earlier run is
# deleted first), with lo up.
netns_fresh() {
	local n
	for n in "$@"; do
		ip netns del "$n" 2>/dev/null || true
		ip netns add "$n"
		ip -n "$n" link set lo up
	done
}
# netns_quiet NS...: links created later in NS send no router solicitations
# and no DAD probes. A new VTI's would hit a route peer's ::/0 trap policy
# and start the tunnel by themselves, racing what the test starts.
netns_quiet() {
	local n
	for n in "$@"; do
		ip netns exec "$n" sysctl -qw net.ipv6.conf.default.router_solicitations=0 \
		    net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.default.dad_transmits=0
	done
}
netns_del() {	# netns_del NS...
	local n
	for n in "$@"; do
		ip netns del "$n" 2>/dev/null || true
	done
}

# xfrm_policies NS: XFRM policies with a direction (vtid's per-socket
# bypass policies, "socket in/out", are not counted).
xfrm_policies() {
	ip -n "$1" xfrm policy 2>/dev/null | grep -cE '^\s+dir (in|out|fwd)' || true
}

# xfrm_stat NS COUNTER: one counter of /proc/net/xfrm_stat in NS (such as
# XfrmOutNoStates: packets dropped for want of an SA).
xfrm_stat() {
	ip netns exec "$1" awk -v c="$2" '$1 == c { print $2 }' /proc/net/xfrm_stat
}

# xfrm_watch NS FILE: NS's XFRM events, time-stamped, into FILE from now
# on (in the background; its pid in XFRM_WATCH). The caller kills it.
xfrm_watch() {
	ip netns exec "$1" ip -ts xfrm monitor > "$2" 2>&1 &
	XFRM_WATCH=$!
}
# xfrm_sa_time FILE SRC DST: the Unix time of the first new SA from SRC to
# DST in FILE (xfrm_watch): when a negotiation put its outbound SA in.
xfrm_sa_time() {
	/usr/bin/python3 - "$@" <<'EOF'
import datetime, re, sys
path, src, dst = sys.argv[1:4]
# "[ts] src A dst B" alone on its line is a NEWSA, not "Updated"/"Deleted".
pat = re.compile(r"\[([0-9T:.-]+)\] src %s dst %s\s*$" % (re.escape(src), re.escape(dst)))
for line in open(path):
    m = pat.match(line)
    if m:
        print("%.6f" % datetime.datetime.fromisoformat(m.group(1)).timestamp())
        sys.exit(0)
sys.exit("no SA from %s to %s in %s" % (src, dst, path))
EOF
}

# ---- processes --------------------------------------------------------

# spawn PIDFILE LOG COMMAND...: COMMAND in the background, its output
# appended to LOG, its pid in PIDFILE. From a subshell, so a kill -9 is no
# job of ours. The pid is COMMAND's own as long as what it starts execs (ip
# netns exec, env, unshare do).
spawn() {
	local pidfile=$1 log=$2
	shift 2
	("$@" >> "$log" 2>&1 &
	echo $! > "$pidfile")
}
gone() {	# gone PID: no such process (any more)
	! kill -0 "$1" 2>/dev/null
}
# stop_pidfile PIDFILE SECONDS WHAT: SIGTERM to the process, which must be
# running and exit within SECONDS; then the pid file goes.
stop_pidfile() {
	local pid
	pid=$(cat "$1")
	kill -TERM "$pid"
	poll "$2" gone "$pid" || fail "$3 did not exit within $2 s of SIGTERM"
	rm -f "$1"
}
# kill_pidfile PIDFILE...: SIGKILL to each process that has a pid file,
# running or not, and the pid files go (for cleanups).
kill_pidfile() {
	local f
	for f in "$@"; do
		[ -f "$f" ] || continue
		kill -9 "$(cat "$f")" 2>/dev/null || true
		rm -f "$f"
	done
}

# ---- configuration files --------------------------------------------------

# conf_write FILE GLOBALS PEER...: a vtid.conf with GLOBALS (lines of
# settings), then the peers as one list; mode 0600, as vtid wants for PSKs.
conf_write() {
	local f=$1 globals=$2 first=1 p
	shift 2
	{
		[ -z "$globals" ] || printf '%s\n' "$globals"
		echo "peers = ("
		for p in "$@"; do
			[ $first = 1 ] || echo ","
			first=0
			echo "$p"
		done
		echo ");"
	} > "$f"
	chmod 600 "$f"
}
