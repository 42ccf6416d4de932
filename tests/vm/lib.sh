# shellcheck shell=bash
# Shared by tests/vm/prepare and tests/vm/run (sourced, not executed).
# Its variables are used by those scripts:
# shellcheck disable=SC2034
#
# The cache holds what the test VM boots, outside any source tree so that every
# clone and build folder on the machine shares one copy:
#
#   $vm_cache/kernel/                  dpkg -x of Debian's kernel image package
#   $vm_cache/kernel.stamp             written last: the kernel tree is complete
#   $vm_cache/initrd-KVER-HASH.img     the initramfs, renamed into place when done
#   $vm_cache/jobs/                    one folder per VM run (job file, guest-init)
#   $vm_cache/lock                     flock: prepare exclusive, runs shared
#
# The initramfs is named after a hash of what builds it (tests/vm/prepare and
# tests/vm/initramfs-init), so editing either rebuilds it, and two clones at
# different revisions use two images instead of rebuilding each other's.

vm_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
vm_cache=${VTID_VM_CACHE:-/var/cache/vtid-vm}

# Modules the initramfs needs before the host's root can be mounted: the PCI
# transport, 9p over virtio, and overlayfs. Their dependencies are resolved
# from the kernel's modules.dep.
vm_initrd_modules=(virtio_pci 9pnet_virtio 9p overlay)

vm_die() {
	echo "vm: $*" >&2
	exit 122
}

# The guest must see the cache through the host's root: the kernel command
# line carries its path (no spaces), and the guest mounts fresh file systems
# over /run, /proc, /sys and /dev, hiding anything the host keeps there.
vm_cache_check() {
	case $vm_cache in
	/*) ;;
	*) vm_die "VTID_VM_CACHE must be an absolute path: $vm_cache" ;;
	esac
	case $vm_cache in
	*[[:space:]]*) vm_die "VTID_VM_CACHE must not contain spaces: $vm_cache" ;;
	/run|/run/*|/proc|/proc/*|/sys|/sys/*|/dev|/dev/*)
		vm_die "VTID_VM_CACHE is hidden from the guest: $vm_cache" ;;
	esac
}

vm_initrd_hash() {
	cat "$vm_dir/prepare" "$vm_dir/initramfs-init" | sha256sum | cut -c1-16
}

# Sets vm_kver and vm_vmlinuz, and succeeds when the kernel tree is complete.
vm_kernel_ready() {
	# shellcheck disable=SC2034 # set by the stamp, unused here
	local pkg='' version='' kver=''
	[ -f "$vm_cache/kernel.stamp" ] || return 1
	# shellcheck disable=SC1091 # written by tests/vm/prepare
	. "$vm_cache/kernel.stamp"
	[ -n "$kver" ] || return 1
	vm_kver=$kver
	# The unpacked ELF boots 4 s faster (see prepare), if the kernel can
	# be entered that way (PVH).
	vm_vmlinuz=$vm_cache/kernel/boot/vmlinuz-$kver
	if [ -f "$vm_cache/kernel/boot/vmlinux-$kver" ] &&
	    grep -qx 'CONFIG_PVH=y' "$vm_cache/kernel/boot/config-$kver" 2>/dev/null; then
		vm_vmlinuz=$vm_cache/kernel/boot/vmlinux-$kver
	fi
	[ -f "$vm_vmlinuz" ] && [ -f "$vm_cache/kernel/lib/modules/$kver/modules.dep" ]
}

# Also sets vm_initrd, and succeeds when the cache is complete for this
# revision of the rig.
vm_cache_ready() {
	vm_kernel_ready || return 1
	vm_initrd=$vm_cache/initrd-$vm_kver-$(vm_initrd_hash).img
	[ -f "$vm_initrd" ]
}
