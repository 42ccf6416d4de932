#!/usr/bin/env bash
# conf/vtid.service: systemd-analyze verify accepts it (its man: links
# resolved against our pages), it carries the hardening vtid(8) promises,
# its exposure score, and the sandbox fits what vtid does: vtid runs
# under strace through start-up (a VTI in another namespace: setns),
# control commands, a reload and the stop, and every system call and
# socket family it makes must pass the unit's SystemCallFilter= and
# RestrictAddressFamilies=. (No systemd runs as PID 1 here: the unit
# itself cannot be started.)
set -euo pipefail
# shellcheck source=tests/lib/testlib.sh
. "$(dirname "$0")/../../lib/testlib.sh"
need_vtid
SRC=${VTID_SRC:?}
UNIT=$SRC/conf/vtid.service
W=$(mktemp -d /tmp/op-svc.XXXXXX)
cleanup() {
	[ -f "$W/pid" ] && kill -9 "$(cat "$W/pid")" 2>/dev/null || true
	netns_del op-svc op-svc-vti
	rm -rf "$W"
}
trap cleanup EXIT

command -v systemd-analyze >/dev/null || { echo "skipped: no systemd-analyze"; exit 0; }

# ---- verify, with ExecStart at the binary we built and MANPATH at ours
mkdir -p "$W/man/man5" "$W/man/man8"
cp "$SRC"/man/*.5 "$W/man/man5/"
cp "$SRC"/man/*.8 "$W/man/man8/"
sed "s|/usr/sbin/vtid|$VTID|g" "$UNIT" > "$W/vtid.service"
out=$(MANPATH=$W/man systemd-analyze verify "$W/vtid.service" 2>&1) ||
	fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify says: $out"
echo "ok: systemd-analyze verify: clean (ExecStart, ExecReload, Documentation= man pages)"

# ---- the hardening vtid(8) documents
for d in 'Type=notify' 'WatchdogSec=' 'ExecReload=/bin/kill -HUP $MAINPID' \
    'CapabilityBoundingSet=CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_SYS_ADMIN' \
    'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' \
    'RuntimeDirectory=vtid' 'NoNewPrivileges=yes' \
    'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK' \
    'SystemCallArchitectures=native' 'LockPersonality=yes' \
    'MemoryDenyWriteExecute=yes' 'RestrictNamespaces=net' 'LimitCORE=0'; do
	grep -qxF -- "$d" "$UNIT" || grep -q "^$(sed 's/[$]/\\$/g' <<< "$d")" "$UNIT" ||
		fail "the unit lacks $d"
done
echo "ok: hardening directives present"
score=$(systemd-analyze security --offline=true "$W/vtid.service" 2>&1 |
	sed -n 's/.*Overall exposure level for vtid.service: \([0-9.]*\).*/\1/p')
[ -n "$score" ] || fail "no exposure score"
awk "BEGIN { exit !($score <= 3.0) }" || fail "exposure $score > 3.0"
echo "ok: systemd-analyze security --offline: exposure $score (0 best, 10 worst)"

# ---- the sandbox against what vtid really does
if ! command -v strace >/dev/null || ! strace -qq -o /dev/null true 2>/dev/null; then
	echo "skipped: the system call check (no strace, or ptrace not allowed here)"
	echo "PASS: vtid.service"
	exit 0
fi
# Allowed: @system-service, minus @privileged and @resources, plus capset.
expand() {	# the system calls of a group, nested groups expanded
	systemd-analyze syscall-filter "$1" | sed -n 's/^    \([@a-z0-9_-]*\)$/\1/p' |
	while read -r s; do
		case $s in @*) expand "$s" < /dev/null ;; *) echo "$s" ;; esac
	done
}
expand @system-service | sort -u > "$W/allow"
{ expand @privileged; expand @resources; } | sort -u > "$W/deny"
{ comm -23 "$W/allow" "$W/deny"; echo capset; } | sort -u > "$W/allowed"
[ "$(wc -l < "$W/allowed")" -gt 200 ] || fail "allowed list: $(wc -l < "$W/allowed") calls"

ip netns add op-svc
ip netns add op-svc-vti
ip -n op-svc link set lo up
cat > "$W/vtid.conf" <<EOF
control_socket = "$W/ctl.sock";
peers = ( { name = "P"; local = "2001:db8:78::1"; remote = "2001:db8:78::2";
    psk = "d8bdRxaY22oH1j89Z2nATeYyrXfP9ga6xC5mi0RG1uc"; mark = 3;
    start = "start"; vti = { netns = "op-svc-vti"; }; } );
EOF
chmod 600 "$W/vtid.conf"
ip netns exec op-svc strace -f -qq -o "$W/trace" "$VTID" -c "$W/vtid.conf" > "$W/log" 2>&1 &
echo $! > "$W/pid"
poll 10 grep -q 'vtid started' "$W/log" || fail "vtid did not start: $(cat "$W/log")"
C="ip netns exec op-svc $VTICTL -s $W/ctl.sock"
$C status > /dev/null
$C -j list > /dev/null
$C metrics > /dev/null
$C log-level debug > /dev/null
sed -i 's/mark = 3;/mark = 4;/' "$W/vtid.conf"
$C reload > /dev/null || fail "reload: $(tail -5 "$W/log")"
vpid=$(pgrep -P "$(cat "$W/pid")" -x vtid)	# strace runs vtid as its child
kill -HUP "$vpid"
sleep 0.5
kill -TERM "$vpid"
poll 5 gone "$(cat "$W/pid")" || true
rm -f "$W/pid"
grep -q 'vtid stopped' "$W/log" || fail "vtid did not stop cleanly: $(tail -5 "$W/log")"
# The calls vtid made (after exec: strace's own execve is the first line).
sed -n 's/^[0-9]* *\([a-z0-9_]*\)(.*/\1/p' "$W/trace" | sort -u > "$W/used"
grep -q '^setns$' "$W/used" || fail "no setns: the netns path was not taken"
grep -q '^capset$' "$W/used" && grep -q '^prctl$' "$W/used" ||
	fail "no capset or prctl: capabilities were not dropped"
bad=$(comm -23 "$W/used" "$W/allowed" | tr '\n' ' ')
[ -z "$bad" ] || fail "system calls the unit's filter refuses: $bad"
echo "ok: vtid made $(wc -l < "$W/used") distinct system calls (setns, capset, prctl included): all pass SystemCallFilter="
fams=$(sed -n 's/.* socket(\(AF_[A-Z0-9]*\),.*/\1/p' "$W/trace" | sort -u | tr '\n' ' ')
for f in $fams; do
	case $f in AF_UNIX|AF_INET|AF_INET6|AF_NETLINK) ;; *) fail "socket family $f" ;; esac
done
echo "ok: socket families: $fams- all in RestrictAddressFamilies="
ns=$(grep -o 'setns([0-9]*, [A-Z_0-9]*)' "$W/trace" | sed 's/setns([0-9]*, //; s/)//' | sort -u | tr '\n' ' ')
[ "$ns" = "CLONE_NEWNET " ] || fail "setns flags: $ns"
echo "ok: setns only with CLONE_NEWNET (RestrictNamespaces=net)"
echo "PASS: vtid.service"
