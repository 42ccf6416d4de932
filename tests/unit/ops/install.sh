#!/usr/bin/env bash
# cmake --install into a DESTDIR puts every file of an installation in
# place: the programs, the unit file (pointing at the installed vtid),
# the example and lab configurations, the manual pages. The list is
# printed; a missing or unexpected file fails the test.
set -euo pipefail
B=${VTID_BUILD:?}
D=$(mktemp -d /tmp/op-install.XXXXXX)
trap 'rm -rf "$D"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

DESTDIR=$D cmake --install "$B" --prefix /usr > "$D.log" 2>&1 ||
	{ cat "$D.log"; rm -f "$D.log"; fail "cmake --install"; }
rm -f "$D.log"
(cd "$D" && find . -type f -o -type l | sed 's|^\.||' | sort) > "$D/.list"
echo "installed into DESTDIR:"
while read -r f; do
	printf '  %-42s %s\n' "$f" "$(stat -c '%A %s' "$D$f")"
done < <(grep -v '^/.list$' "$D/.list")
cat > "$D/.want" <<LIST
/usr/lib/systemd/system/vtid.service
/usr/sbin/vtictl
/usr/sbin/vtid
/usr/sbin/vtid-import
/usr/share/doc/vtid/vtid.V1-1.conf
/usr/share/doc/vtid/vtid.conf.example
/usr/share/man/man5/vtid.conf.5
/usr/share/man/man8/vtictl.8
/usr/share/man/man8/vtid-import.8
/usr/share/man/man8/vtid.8
LIST
diff -u "$D/.want" <(grep -v '^/.list$' "$D/.list") || fail "the installed files differ from the list"
for p in vtid vtictl vtid-import; do
	[ -x "$D/usr/sbin/$p" ] || fail "$p not executable"
done
grep -qx 'ExecStart=/usr/sbin/vtid -c /etc/vtid/vtid.conf' "$D/usr/lib/systemd/system/vtid.service" ||
	fail "unit: $(grep ExecStart "$D/usr/lib/systemd/system/vtid.service")"
"$D/usr/sbin/vtid" -V | grep -c >/dev/null '^vtid [0-9]' || fail "vtid -V"
"$D/usr/sbin/vtid-import" --help | grep -c >/dev/null 'usage: vtid-import' || fail "vtid-import --help"
MANPATH=$D/usr/share/man man -w vtid.conf > /dev/null || fail "man -w vtid.conf"
echo "ok: $(wc -l < "$D/.want") files, programs run, unit points at /usr/sbin/vtid, man finds the pages"
echo "PASS: cmake --install"
