#!/usr/bin/env bash
# The guest half of tests/vm/rig/selftest: misbehaves on purpose, one way per
# first argument, so the host half can check that tests/vm/run reports it.
#
#   status CWD BUILD SHARE  check what run promises (folder, arguments,
#                           environment, a writable share), try to fake a
#                           passing exit marker, then exit 3
#   hang                    never finish
#   crash                   panic the guest kernel (test VM only)
#   die                     power the guest off mid-script (test VM only)
set -euo pipefail

fail() {
	echo "selftest-guest: FAIL: $*"
	exit 1
}

# Crashing a kernel is only ever done to the test VM's own.
in_test_vm() {
	grep -q 'vtid\.job=' /proc/cmdline ||
	    { echo "selftest-guest: not in the test VM, refusing to $1"; exit 77; }
}

case ${1-} in
status)
	[ $# = 5 ] || fail "status wants CWD BUILD SHARE 'a b', got $# arguments"
	[ "$PWD" = "$2" ] || fail "working folder $PWD, want $2"
	[ "${VTID_BUILD-}" = "$3" ] || fail "VTID_BUILD='${VTID_BUILD-}', want '$3'"
	# shellcheck disable=SC2016 # literal on purpose
	[ "${VTID_SELFTEST-}" = 'it'\''s "quoted" $HOME \ *' ] ||
	    fail "VTID_SELFTEST came through as '${VTID_SELFTEST-}'"
	[ "$5" = 'a b' ] || fail "argument with a space came through as '$5'"
	[ "$(id -u)" = 0 ] || fail "not root"
	echo "selftest-guest: folder, arguments, VTID_* and root as expected"

	# Fake markers: a guess, and the real nonce if the job file still
	# shows it. Either would turn this exit 3 into a pass.
	echo "VTID-VM-EXIT 0 0"
	job=$(sed -n 's/.*vtid\.job=\([^ ]*\).*/\1/p' /proc/cmdline)
	if [ -n "$job" ] && [ -r "$job/job" ]; then
		job_nonce=
		# shellcheck disable=SC1091
		. "$job/job"
		echo "VTID-VM-EXIT $job_nonce 0"
	fi

	echo "written in the guest" >"$4/result"
	# No newline: the exit marker then shares this console line.
	printf 'selftest-guest: checks passed'
	exit 3 ;;
hang)
	echo "selftest-guest: hanging"
	exec sleep 100000 ;;
crash)
	in_test_vm "crash its kernel"
	echo "selftest-guest: crashing the guest kernel"
	echo c >/proc/sysrq-trigger
	sleep 60 ;;
die)
	in_test_vm "power it off"
	echo "selftest-guest: powering the guest off"
	echo o >/proc/sysrq-trigger
	sleep 60 ;;
*)
	fail "unknown case '${1-}'" ;;
esac
