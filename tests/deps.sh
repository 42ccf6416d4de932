# shellcheck shell=bash
# The Debian 12 packages the project's scripts need, in one place, and the
# one way they are installed (sourced by tests/run, lab/run, tests/fresh).
# A package named nowhere here is a package a new machine lacks: the fresh
# root test (tests/fresh) proves these lists complete.
# shellcheck disable=SC2034 # the lists are used by the scripts that source this

# Building vtid.
deps_build=(build-essential cmake pkg-config libssl-dev libmnl-dev libev-dev
	libconfig-dev uthash-dev)

# The lab (lab/run): BIRD 2, namespaces, ping, nftables (the NAT router of
# --nat), openssl (the CA of --pki); charon for --mixed.
deps_lab=(iproute2 iputils-ping fping bird2 python3 procps util-linux kmod
	nftables openssl)
# charon's openssl and gcm plugins (ECP groups, X25519, AES-GCM: the seed's
# suites) live in libstrongswan-standard-plugins, which charon only
# recommends.
deps_strongswan=(strongswan-charon strongswan-starter strongswan-swanctl
	libstrongswan-standard-plugins)
# The plugins the interop tests load into charon (tests/vm/interop/lib.sh),
# checked by tests/preflight.
deps_charon_load="random nonce openssl kdf aes sha1 sha2 hmac gcm gmp pem pkcs1 x509 pubkey kernel-netlink socket-default stroke vici"

# The VM rig (tests/vm/prepare, tests/vm/run), for kernels without ESP/VTI.
deps_vm=(qemu-system-x86 busybox-static cpio kmod xz-utils)

# The test suite on top of all of the above (git: tests/deb/build and
# tests/fresh/run ask it which files are the source; openssl: the flood
# tests' ECP-384 public value; nftables: vm_interop_fragment's path that
# drops IP fragments, and with conntrack the NAT router of the NAT
# traversal tests).
deps_tests=(clang libclang-rt-14-dev libcmocka-dev python3-scapy mandoc strace
	psmisc systemd debootstrap debhelper lintian fakeroot dpkg-dev git openssl
	nftables conntrack)

# deps_install WHO PKG...: apt-get installs those of PKG that are missing.
# Debian starts a package's daemon when it is installed (a BIRD, a charon in
# this machine's own namespace, which no test uses): a policy-rc.d keeps them
# stopped while apt runs, unless the machine has one of its own.
deps_install() {
	local who=$1 p missing=() own_policy=0
	shift
	for p in "$@"; do
		# VTID_DEPS_DROP: names left out on purpose, so that
		# tests/fresh can prove a missing package turns it red.
		case " ${VTID_DEPS_DROP:-} " in *" $p "*) continue ;; esac
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	command -v apt-get >/dev/null ||
	    { echo "$who: needs apt (Debian 12) to install ${missing[*]}" >&2; return 2; }
	echo "$who: installing ${missing[*]}"
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		own_policy=1
	fi
	local rc=0
	DEBIAN_FRONTEND=noninteractive apt-get update -qq || rc=$?
	[ $rc != 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
	[ $own_policy = 0 ] || rm -f /usr/sbin/policy-rc.d
	[ $rc = 0 ] || echo "$who: apt-get failed ($rc) installing ${missing[*]}" >&2
	return $rc
}
