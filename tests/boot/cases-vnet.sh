# virtio-net boot tests: ktest net sends an ARP request and ICMP echo
# requests (as scatter-gather lists) to QEMU's user-network gateway on
# every interface and checks the replies, across the device's feature
# switches, both PCI interfaces and both machines.

NET_OK=('ktest: net: 1 interfaces \(1 expected\), 0 failed' 'ktest: eth0: echo reply seq 3, 1472 bytes' '!device fault' '!dropped a')
NET_USER=(-netdev user,id=n0)
net_case() { # NAME MACHINE INTERFACE-PATTERN DEVICE-OPTIONS
	boot_test "$1" 0 "${NET_OK[@]}" "$3" -- --kernel "$K" --machine "$2" --append "net 1" -- "${NET_USER[@]}" \
		-device "virtio-net-pci,netdev=n0,romfile=$4"
}
for m in pc q35; do
	net_case net-$m $m 'virtio-net0: .*interface' ''
	net_case net-legacy-$m $m 'virtio-net0: .*legacy interface' ',disable-modern=on'
	net_case net-modern-$m $m 'virtio-net0: .*modern interface' ',disable-legacy=on'
done
net_case net-no-mrg-rxbuf q35 'virtio-net0: .*modern interface' ',mrg_rxbuf=off'
net_case net-no-event-idx q35 'virtio-net0: .*modern interface' ',event_idx=off'
net_case net-no-csum q35 'virtio-net0: .*modern interface' ',csum=off,guest_csum=off'
net_case net-no-guest-tso4 q35 'virtio-net0: .*modern interface' ',guest_tso4=off'
# The MTU the device advises: the largest echo fills it.
boot_test net-host-mtu 0 'ktest: net: 1 interfaces \(1 expected\), 0 failed' 'ktest: eth0: .*MTU 1400' \
	'ktest: eth0: echo reply seq 3, 1372 bytes' -- --kernel "$K" --machine q35 --append "net 1" -- "${NET_USER[@]}" \
	-device virtio-net-pci,netdev=n0,romfile=,host_mtu=1400
net_case net-no-indirect q35 'virtio-net0: .*modern interface' ',indirect_desc=off'
# Legacy without mergeable buffers: the 10-byte header; without
# ANY_LAYOUT besides, the header in a descriptor of its own.
net_case net-legacy-10-byte-header pc 'virtio-net0: .*legacy interface' ',disable-modern=on,mrg_rxbuf=off'
net_case net-legacy-split-header pc 'virtio-net0: .*legacy interface' ',disable-modern=on,mrg_rxbuf=off,any_layout=off'

# Two interfaces at once, each on a user network of its own.
boot_test net-two-nics 0 'ktest: net: 2 interfaces \(2 expected\), 0 failed' 'ktest: eth0: ok' 'ktest: eth1: ok' \
	'!device fault' -- --kernel "$K" --machine q35 --append "net 2" -- -netdev user,id=n0 -netdev user,id=n1 \
	-device virtio-net-pci,netdev=n0,romfile= -device virtio-net-pci,netdev=n1,romfile=

# On a tap in a network namespace (root, ip and /dev/net/tun needed): the
# host kernel's answers, the offloads QEMU's user network lacks (a merged
# TCP segment received whole), and oversized frames from the host that the
# driver drops and names.
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && command -v python3 >/dev/null && [ -c /dev/net/tun ]; then
	script_test net-tap-q35 tests/boot/t-vnet-tap.sh q35
	script_test net-tap-legacy-pc tests/boot/t-vnet-tap.sh pc ,disable-modern=on
	# Without GUEST_TSO4 the host cuts the segment before the guest sees it.
	script_test net-tap-no-guest-tso4 tests/boot/t-vnet-tap.sh q35 ,guest_tso4=off 0
else
	skip_test net-tap "needs root, ip, python3 and /dev/net/tun to make a tap in a network namespace"
fi
