#!/usr/bin/env bash
# vtid as systemd runs it: the unit file cmake installs, started
# by the guest's own systemd (tests/vm/run --systemd), in its sandbox.
# Checks that "systemctl start" returns at READY with the tunnel coming up,
# the STATUS line, reloads (a good file keeps the SPIs, a broken one fails
# and keeps the tunnel), the watchdog restarting a stopped vtid, no EPERM
# from the sandbox with the VTI in another namespace (setns), a clean stop,
# and vtid's lines in the journal with their priorities.
#
#   netns vt-a-priv              init netns (systemd's)        netns vt-b
#   +--------------------+       +----------------------+      +-----------------------+
#   | vti7 (vtid.service)|       | vtid.service         |      | vtid -c $W/b.conf     |
#   | 2001:db8:ff::/127  |       | /etc/vtid/vtid.conf  |      | vti7 2001:db8:ff::1/127|
#   | 169.254.1.0/31     |       | veth-a 2001:db8:1::1 |<---->| veth-b 2001:db8:1::2  |
#   +--------------------+       +----------------------+      | 169.254.1.1/31        |
#                                  ESP, mark 7                 +-----------------------+
#
# The guest's root is a throwaway overlay: "cmake --install --prefix /usr"
# writes into it, never into the host.
. "$(dirname "$0")/../daemon/lib.sh"

# Installing into / is only ever done to the test VM's own root.
if [ "${VTID_VM_GUEST:-}" != 1 ] || [ "$(cat /proc/1/comm)" != systemd ]; then
	echo "FAIL: needs the test VM with systemd as PID 1 (tests/vm/run --systemd)"
	exit 1
fi

CONF=/etc/vtid/vtid.conf
T0=$(now)

dump_state() {
	echo "--- systemctl status vtid"
	systemctl status vtid --no-pager -l 2>&1 | tail -n 20 || true
	echo "--- journal of vtid.service"
	journalctl -u vtid --no-pager -o short-monotonic 2>&1 | tail -n 40 || true
	[ -f "$W/b.log" ] && { echo "--- vtid b log"; tail -n 30 "$W/b.log"; }
	echo "--- init netns: ip xfrm state"
	ip xfrm state 2>&1 | head -n 20 || true
}
svc_cleanup() {
	systemctl stop vtid 2>/dev/null || true
	ip link del veth-a 2>/dev/null || true
	cleanup
}
trap svc_cleanup EXIT

prop() {	# prop NAME: a property of vtid.service
	systemctl show -p "$1" --value vtid
}
# The SPIs of the SAs in the init namespace (vtid.service's), sorted.
spis_init() {
	ip xfrm state | sed -n 's/.* spi \(0x[0-9a-f]*\) .*/\1/p' | sort | tr '\n' ' '
}
n_state() {
	ip xfrm state | grep -c '^src' || true
}
n_policy() {	# with a direction: vtid's per-socket bypasses are not counted
	ip xfrm policy | grep -cE '^\s+dir (in|out|fwd)' || true
}
ping_tunnel() {	# both families through vti7, from vtid.service's side
	ip netns exec vt-a-priv ping -6 -c 3 -i 0.2 -W 2 2001:db8:ff::1 >/dev/null &&
	    ip netns exec vt-a-priv ping -c 3 -i 0.2 -W 2 169.254.1.1 >/dev/null
}
peers_up() {
	[ "$(prop StatusText)" = "1/1 peers up" ]
}
# journal_count TEXT: lines of vtid.service's journal that contain TEXT.
journal_count() {
	journalctl -u vtid --no-pager -o cat | grep -cF -- "$1" || true
}

# --- a. Install into the guest's overlay, and the topology
t=$(now)
cmake --install "$VTID_BUILD" --prefix /usr >"$W/install.log" 2>&1 ||
	{ cat "$W/install.log"; fail "cmake --install $VTID_BUILD --prefix /usr"; }
unit=/usr/lib/systemd/system/vtid.service
[ -x /usr/sbin/vtid ] && [ -f "$unit" ] ||
	fail "cmake --install left no /usr/sbin/vtid or $unit"
grep -qx 'ExecStart=/usr/sbin/vtid -c /etc/vtid/vtid.conf' "$unit" ||
	fail "$unit: ExecStart is $(grep '^ExecStart=' "$unit")"
cmp -s "$VTID_BUILD/src/daemon/vtid" /usr/sbin/vtid ||
	fail "/usr/sbin/vtid is not the build's vtid"
systemctl daemon-reload
[ "$(prop LoadState)" = loaded ] || fail "systemd did not load vtid.service: $(prop LoadState)"
ok "cmake --install --prefix /usr in the guest: $(grep -c 'Installing:' "$W/install.log") files, vtid.service loaded ($(elapsed "$t" 2) s)"

for n in "${NS[@]}"; do
	ip netns del "$n" 2>/dev/null || true
done
ip netns add vt-b
ip netns add vt-a-priv
ip -n vt-b link set lo up
ip -n vt-a-priv link set lo up
ip link add veth-a type veth peer name veth-b netns vt-b
ip addr add 2001:db8:1::1/64 dev veth-a nodad
ip -n vt-b addr add 2001:db8:1::2/64 dev veth-b nodad
ip link set veth-a up
ip -n vt-b link set veth-b up

suite='ike = { proposals = "aes256gcm16-prfsha384-ecp384!"; };
    esp = { proposals = "aes256gcm16-prfsha384-ecp384!"; };'
mkdir -p /etc/vtid
# The VTI lives in vt-a-priv while vtid stays in systemd's namespace:
# setns() under RestrictNamespaces=net with CAP_SYS_ADMIN.
write_conf() {
	{
		echo 'retransmit = { timeout = 2.0; base = 1.8; tries = 4; };'
		echo "peers = ( { name = \"B\"; local = \"2001:db8:1::1\";
		    remote = \"2001:db8:1::2\"; psk = \"$PSK\"; mark = 7;
		    start = \"start\"; $suite
		    vti = { name = \"vti7\"; netns = \"vt-a-priv\"; mtu = 1500;
		    addresses = [ \"2001:db8:ff::/127\", \"169.254.1.0/31\" ]; }; } );"
	} >"$CONF"
	chmod 600 "$CONF"
}
write_conf
/usr/sbin/vtid -t -c "$CONF" >/dev/null || fail "vtid -t rejects $CONF"
conf b "name = \"A\"; local = \"2001:db8:1::2\"; remote = \"2001:db8:1::1\";
    psk = \"$PSK\"; mark = 7; start = \"add\"; $suite
    vti = { name = \"vti7\"; mtu = 1500;
    addresses = [ \"2001:db8:ff::1/127\", \"169.254.1.1/31\" ]; };"
start b
wait_for 40 "peer vtid in vt-b ready" grep -q 'vtid started' "$W/b.log"
ok "peer vtid in netns vt-b (responder), $CONF mode $(stat -c %a "$CONF")"

# --- b. systemctl start returns at READY=1; the tunnel comes up
t=$(now)
systemctl start vtid || fail "systemctl start vtid failed"
t_start=$(elapsed "$t" 2)
state="$(prop ActiveState)/$(prop SubState)"
[ "$state" = active/running ] || fail "after systemctl start: $state, want active/running"
pid=$(prop MainPID)
[ "$pid" -gt 0 ] || fail "no MainPID"
ok "systemctl start vtid returned in $t_start s: $state, MainPID $pid"
wait_for 60 'STATUS "1/1 peers up"' peers_up
t_up=$(elapsed "$t" 2)
ping_tunnel || fail "ping through vti7 (vt-a-priv -> vt-b)"
ok "tunnel up $t_up s after systemctl start; ping 2001:db8:ff::1 and 169.254.1.1 through vti7: 3/3 each"

# --- c. The STATUS line in systemctl status
status_line=$(systemctl status vtid --no-pager | sed -n 's/^ *\(Status: .*\)/\1/p')
[ "$status_line" = 'Status: "1/1 peers up"' ] ||
	fail "systemctl status: '$status_line', want Status: \"1/1 peers up\""
ok "systemctl status vtid: $status_line"

# --- f. The sandbox is in force and lets vtid do its work
read -r seccomp nnp capeff < <(awk '/^Seccomp:/ { s = $2 } /^NoNewPrivs:/ { n = $2 }
    /^CapEff:/ { c = $2 } END { print s, n, c }' "/proc/$pid/status")
[ "$seccomp" = 2 ] && [ "$nnp" = 1 ] ||
	fail "vtid runs without its sandbox: Seccomp $seccomp, NoNewPrivs $nnp"
ip -n vt-a-priv -d link show vti7 | grep -c >/dev/null 'vti6' ||
	fail "no vti6 vti7 in vt-a-priv"
early=$(journalctl -u vtid --no-pager -o cat -p warning | grep -v '^Started\|^Starting' || true)
[ -z "$early" ] || fail "warnings or errors from vtid at start: $early"
# vtid's own filter inside systemd's, and its memory locked (the unit's
# LimitMEMLOCK=infinity).
/usr/sbin/vtictl metrics >"$W/metrics" || fail "vtictl metrics"
grep -qx 'vtid_sandbox 1' "$W/metrics" && grep -qx 'vtid_memory_locked 1' "$W/metrics" ||
	fail "under systemd: $(grep -E '^vtid_(sandbox|memory_locked) ' "$W/metrics" | tr '\n' ' ')"
vmlck=$(awk '/^VmLck:/ { print $2 }' "/proc/$pid/status")
[ "$vmlck" -gt 0 ] || fail "vtid_memory_locked 1 but VmLck $vmlck kB"
ok "sandbox in force (Seccomp $seccomp, NoNewPrivs $nnp, CapEff $capeff; vtid's own filter too, memory locked: VmLck $vmlck kB); vti7 in vt-a-priv; no warning or error in the journal"

# --- d. Reloads: an unchanged peer keeps its SPIs; a broken file fails
before=$(spis_init)
[ "$(echo "$before" | wc -w)" = 2 ] || fail "want 2 SAs in the init namespace, have: $before"
n_reload=$(journal_count '1 unchanged')
t=$(now)
systemctl reload vtid || fail "systemctl reload vtid (unchanged file) failed"
wait_for 20 "vtid's reload line in the journal" \
    sh -c "[ \$(journalctl -u vtid --no-pager -o cat | grep -cF '1 unchanged') -gt $n_reload ]"
after=$(spis_init)
[ "$after" = "$before" ] || fail "SPIs changed on reload: $before -> $after"
[ "$(prop MainPID)" = "$pid" ] || fail "MainPID changed on reload: $pid -> $(prop MainPID)"
ping_tunnel || fail "ping through vti7 after the reload"
ok "systemctl reload (unchanged peer) in $(elapsed "$t" 2) s: SPIs kept ($after), MainPID $pid, ping ok"

cp "$CONF" "$W/good.conf"
# A half-written file, as an editor's crash would leave it.
head -c -20 "$W/good.conf" >"$CONF"
broken=$(/usr/sbin/vtid -t -c "$CONF" 2>&1 >/dev/null) &&
	fail "vtid -t accepts the broken file"
rc=0
systemctl reload vtid 2>"$W/reload.err" || rc=$?
[ "$rc" != 0 ] || fail "systemctl reload with a broken $CONF succeeded"
state="$(prop ActiveState)/$(prop SubState)"
[ "$state" = active/running ] || fail "after the failed reload: $state"
[ "$(prop MainPID)" = "$pid" ] || fail "MainPID changed on the failed reload"
[ "$(spis_init)" = "$before" ] || fail "SPIs changed on the failed reload: $before -> $(spis_init)"
ping_tunnel || fail "ping through vti7 after the failed reload"
ok "systemctl reload with a broken file ($broken): exit status $rc; still $state, SPIs kept, ping ok"
cp "$W/good.conf" "$CONF"

# --- e. The watchdog restarts a vtid that stopped answering
wd=$(prop WatchdogUSec)
restarts=$(prop NRestarts)
# The shipped WatchdogSec, not a shortened one: this is what a host gets.
kill -STOP "$pid"
t=$(now)
wait_for 120 "a new vtid after SIGSTOP (watchdog $wd)" sh -c \
    "p=\$(systemctl show -p MainPID --value vtid); [ \"\$p\" != 0 ] && [ \"\$p\" != $pid ] &&
     [ \"\$(systemctl show -p ActiveState --value vtid)\" = active ]"
t_new=$(elapsed "$t" 2)
newpid=$(prop MainPID)
[ "$(prop NRestarts)" -gt "$restarts" ] || fail "NRestarts did not grow: $(prop NRestarts)"
journalctl -u vtid --no-pager -o cat | grep -c >/dev/null 'Watchdog timeout' ||
	fail "no 'Watchdog timeout' from systemd in the journal"
wait_for 90 'STATUS "1/1 peers up" after the restart' peers_up
ping_tunnel || fail "ping through vti7 after the watchdog restart"
ok "watchdog ($wd): SIGSTOPped MainPID $pid replaced by $newpid after $t_new s (NRestarts $(prop NRestarts)), tunnel up again after $(elapsed "$t" 2) s, ping ok"
pid=$newpid

# --- g. systemctl stop leaves nothing behind
t=$(now)
systemctl stop vtid || fail "systemctl stop vtid failed"
[ "$(prop ActiveState)" = inactive ] || fail "after stop: $(prop ActiveState)"
[ "$(n_state)" = 0 ] && [ "$(n_policy)" = 0 ] ||
	fail "systemctl stop left $(n_state) SAs and $(n_policy) policies in the init namespace"
ip -n vt-a-priv link show vti7 >/dev/null 2>&1 && fail "systemctl stop left vti7 in vt-a-priv"
ok "systemctl stop in $(elapsed "$t" 2) s: no SA, policy (init netns) or VTI (vt-a-priv) left"

# --- f (end). Nothing denied, over the whole run
denied=$(journalctl -u vtid --no-pager -o cat |
    grep -iE 'EPERM|not permitted|permission denied|denied|seccomp|EACCES' || true)
[ -z "$denied" ] || fail "the sandbox denied something: $denied"
# The kernel's audit records of a seccomp kill (type 1326) or an LSM denial.
kdenied=$(journalctl -k --no-pager -o cat |
    grep -E 'type=1326|apparmor="DENIED"|avc: +denied' || true)
[ -z "$kdenied" ] || fail "kernel audit lines: $kdenied"
ok "no EPERM/denied line from vtid or the kernel in $(journalctl -u vtid --no-pager -o cat | wc -l) journal lines"

# --- h. vtid's lines carry their priorities (the <N> prefix on stderr)
journalctl -u vtid --no-pager -o json >"$W/journal.json"
python3 - "$W/journal.json" "$broken" <<'EOF' || fail "journal priorities (above)"
import collections, json, re, sys
want = {  # a line of each kind, and its priority (syslog(3) levels)
    "notice": ("vtid started", "5"),
    "info": ("capabilities: kept", "6"),
    "error": (sys.argv[2], "3"),  # the broken file, from ExecReload's vtid -t
}
lines = []
with open(sys.argv[1]) as f:
    for raw in f:
        e = json.loads(raw)
        if e.get("SYSLOG_IDENTIFIER") != "vtid":
            continue
        msg = e.get("MESSAGE")
        if isinstance(msg, list):
            msg = bytes(msg).decode(errors="replace")
        lines.append((e.get("PRIORITY"), msg))
bad = [m for _, m in lines if re.match(r"<\d>", m)]
if bad:
    print("FAIL: prefixes left in messages:", bad[:3])
    sys.exit(1)
for kind, (text, prio) in want.items():
    got = [(p, m) for p, m in lines if text in m]
    if not got:
        print(f"FAIL: no {kind} line with '{text}' from vtid")
        sys.exit(1)
    if got[0][0] != prio:
        print(f"FAIL: '{got[0][1]}': PRIORITY {got[0][0]}, want {prio}")
        sys.exit(1)
    print(f"   PRIORITY={prio} ({kind}): {got[0][1]}")
count = collections.Counter(p for p, _ in lines)
print("ok: vtid's %d journal lines by PRIORITY: %s" % (len(lines),
      ", ".join(f"{p}: {n}" for p, n in sorted(count.items()))))
EOF

stop b
echo "PASS: vtid.service under systemd: install, start/READY ($t_start s), tunnel ($t_up s), STATUS, reloads, watchdog restart ($t_new s), sandbox, stop, journal priorities ($(elapsed "$T0" 2) s in all)"
