#!/usr/bin/env bash
# The manual pages render without a warning (mandoc -Tlint -Wwarning), and
# they document everything there is: every setting of the configuration
# loader's tables in vtid.conf(5), every control command and every metric
# in vtictl(8), every option of vtid, vtictl and vtid-import in theirs.
set -euo pipefail
SRC=${VTID_SRC:?}
MAN=$SRC/man
fail() { echo "FAIL: $*"; exit 1; }

command -v mandoc >/dev/null || fail "mandoc is not installed (tests/run installs it)"
for page in vtid.8 vtid.conf.5 vtictl.8 vtid-import.8; do
	out=$(mandoc -Tlint -Wwarning "$MAN/$page" 2>&1) || fail "$page: $out"
	[ -z "$out" ] || fail "$page: $out"
	lines=$(mandoc -Tascii "$MAN/$page" | wc -l)
	echo "ok: $page: no mandoc warning, $lines lines"
done

# documented PAGE MACRO WORD...: each WORD appears as ".It MACRO WORD" or
# in a ".It MACRO a , b" list (vtid.conf(5) and vtictl(8) use .It Ic,
# options .It Fl), or as ".Va WORD" for metrics.
documented() {
	local page=$1 macro=$2 w missing=()
	shift 2
	for w in "$@"; do
		grep -qE "^\.(It .*\b)?$macro $w( |$)" "$MAN/$page" ||
		grep -qE "^\.It $macro [^ ]+( , [^ ]+)* , $w( |$)" "$MAN/$page" ||
		grep -qE "^\.It $macro ([^ ]+ , )*$w ," "$MAN/$page" ||
			missing+=("$w")
	done
	[ ${#missing[@]} = 0 ] || fail "$page does not document: ${missing[*]}"
	echo "ok: $page documents all $# of them: $*" | cut -c1-160
}

# Settings: the key tables of src/config/config.c ({ "name", T_... }).
mapfile -t keys < <(sed -n 's/^\t{ "\([a-z_]*\)", T_.*/\1/p' "$SRC/src/config/config.c" | sort -u)
[ ${#keys[@]} -ge 25 ] || fail "only ${#keys[@]} settings found in config.c"
documented vtid.conf.5 Ic "${keys[@]}"

# Control commands: the table of src/daemon/ctl.c ({ "name", "args", ...).
mapfile -t cmds < <(sed -n 's/^\t{ "\([a-z-]*\)", "[^"]*", .*/\1/p' "$SRC/src/daemon/ctl.c")
[ ${#cmds[@]} -ge 10 ] || fail "only ${#cmds[@]} commands found in ctl.c"
documented vtictl.8 Ic "${cmds[@]}"

# Metrics: every vtid_* name the metrics writer reports.
mapfile -t metrics < <(grep -ohE '"vtid_[a-z_]+' "$SRC/src/report/report_prom.c" | tr -d '"' | sort -u)
[ ${#metrics[@]} -ge 25 ] || fail "only ${#metrics[@]} metrics found"
documented vtictl.8 Va "${metrics[@]}"

# Options: getopt strings of vtid and vtictl, argparse of vtid-import.
opts=$(sed -n 's/.*getopt(argc, argv, "\([^"]*\)").*/\1/p' "$SRC/src/daemon/main.c" | tr -d ':h+')
mapfile -t o < <(grep -o . <<< "$opts")
documented vtid.8 Fl "${o[@]}"
opts=$(sed -n 's/.*getopt(argc, argv, "\([^"]*\)").*/\1/p' "$SRC/src/vtictl/vtictl.c" | tr -d ':h+')
mapfile -t o < <(grep -o . <<< "$opts")
documented vtictl.8 Fl "${o[@]}"
mapfile -t o < <(grep -oE 'add_argument\("-[a-z]"|add_argument\("--[a-z-]+"' "$SRC/src/import/vtid-import" | sed 's/add_argument("-//; s/"//')
documented vtid-import.8 Fl "${o[@]}"
echo "PASS: 4 manual pages, lint clean, complete"
