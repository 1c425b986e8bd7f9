# Boot tests of the network stack (net/: lwIP on virtio-net), with
# nettest on QEMU's user network, sourced by cases.sh.

NT=build/nettest.elf
NET_DHCP='net: en0: inet 10\.0\.2\.15 netmask 255\.255\.255\.0 gateway 10\.0\.2\.2 \(DHCP\)'
NET_STATIC='net: en0: inet 10\.0\.2\.15 netmask 255\.255\.255\.0 gateway 10\.0\.2\.2 \(static\)'

# DHCP binds before main, its name server is printed, the gateway answers
# pings; the link-local address is there from the start.
boot_test lwip-dhcp-ping 0 'net: en0 is eth0, 52:54:00:12:34:56, DHCP' "$NET_DHCP" 'net: dns 10\.0\.2\.3' \
	'net: en0: inet6 fe80::5054:ff:fe12:3456' 'nettest: 3 of 3 answered' -- \
	--kernel "$NT" --net user --append "-- ping 10.0.2.2 3"
# A static address from the command line: no DHCP at all.
boot_test lwip-static-ping 0 'net: en0 is eth0, 52:54:00:12:34:56, static' "$NET_STATIC" 'net: dns 10\.0\.2\.3' \
	'nettest: 2 of 2 answered' '!\(DHCP\)' -- \
	--kernel "$NT" --net user --append "net.en0=ip=10.0.2.15/24,gw=10.0.2.2,dns=10.0.2.3 -- ping 10.0.2.2 2"
# SLAAC from the user network's router advertisements, and IPv6 pings.
boot_test lwip-slaac-ping6 0 'nettest: en0 has FEC0::5054:FF:FE12:3456' 'nettest: 2 of 2 answered' -- \
	--kernel "$NT" --net user --append "-- slaac 20 ping fec0::2 2"
# Without a DHCP server (a NIC alone on a QEMU hub: nothing answers) the
# boot waits net.wait seconds, not more, and the application starts anyway.
boot_test lwip-no-dhcp 0 'net: en0: no IPv4 address yet' 'net: en0: inet6 fe80::' 'keel: main after 1[0-9]{6} us' -- \
	--kernel "$NT" --append "net.wait=1 --" -- -netdev hubport,id=n0,hubid=0 -device virtio-net-pci,netdev=n0
# A setting that does not parse is reported and the interface falls back
# to DHCP; one named after the driver's name applies as well.
boot_test lwip-bad-setting 0 "net: ignoring net.en0=ip=10.0.2.15: ip= needs ADDRESS/PREFIX" "$NET_DHCP" -- \
	--kernel "$NT" --net user --append "net.en0=ip=10.0.2.15 --"
# Name servers from the command line win over DHCP's.
boot_test lwip-dns-override 0 "$NET_DHCP" 'net: dns 9\.9\.9\.9' 'net: dns 2001:db8::53' '!net: dns 10\.0\.2\.3' -- \
	--kernel "$NT" --net user --append "net.en0=dhcp,dns=9.9.9.9,dns=2001:db8::53 --"
boot_test lwip-driver-name 0 "$NET_STATIC" -- \
	--kernel "$NT" --net user --append "net.eth0=ip=10.0.2.15/24,gw=10.0.2.2 --"
# Two NICs at once, each with its own user network and DHCP lease; one
# left down by the command line.
boot_test lwip-two-nics 0 'net: en0 is eth0' 'net: en1 is eth1' "$NET_DHCP" \
	'net: en1: inet 10\.0\.2\.15 netmask 255\.255\.255\.0 gateway 10\.0\.2\.2 \(DHCP\)' 'nettest: 1 of 1 answered' -- \
	--kernel "$NT" --net user --net user --append "-- ping 10.0.2.2 1"
boot_test lwip-off 0 'net: en0 \(eth0\) left down, as configured' '!net: en0: inet ' -- \
	--kernel "$NT" --net user --append "net.en0=off --"

# TCP end to end: a megabyte echoed through a port the user network
# forwards; on a tap in a network namespace (root, ip and /dev/net/tun
# needed), where virtio-net offers its offloads, four megabytes with TCP
# checksums left to the device and merged frames lent without a copy, and
# the same without the offloads and without mergeable buffers.
script_test lwip-tcp-echo-user tests/boot/t-net-echo.sh
# The device's link down and back (QMP set_link): seen, logged, served after.
script_test lwip-link-down-up tests/boot/t-net-link.sh
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && [ -c /dev/net/tun ]; then
	script_test lwip-tcp-echo-tap tests/boot/t-net-tap-echo.sh
	script_test lwip-tcp-echo-tap-no-offload tests/boot/t-net-tap-echo.sh \
		,csum=off,guest_csum=off,guest_tso4=off,guest_tso6=off,host_tso4=off,host_tso6=off none
	script_test lwip-tcp-echo-tap-no-mrg-rxbuf tests/boot/t-net-tap-echo.sh ,mrg_rxbuf=off
	# IPv6 from a host on the link: ping, TCP and UDP echo at the guest's
	# link-local address (answers keep the peer's link, its scope id).
	script_test lwip-ipv6-link-tap tests/boot/t-net-tap-ipv6.sh
	# A static IPv6 address and router (ip6=, gw6=), the router inside the
	# prefix and link-local: reached on the link and from off the prefix.
	script_test lwip-ipv6-static-tap tests/boot/t-net-tap-ip6-static.sh fd00::1
	script_test lwip-ipv6-static-tap-link-router tests/boot/t-net-tap-ip6-static.sh link
	# musl's resolver through an IPv6 name server (dns=fd00::1).
	script_test lwip-ipv6-dns-tap tests/boot/t-net-tap-dns6.sh
	# The same with two NICs, the IPv6 router on the second: a socket
	# with no address of its own reaches off-link by that router.
	script_test lwip-ipv6-dns-tap-two-nics tests/boot/t-net-tap-dns6.sh two-nics
else
	skip_test lwip-tcp-echo-tap "needs root, ip and /dev/net/tun to make a tap in a network namespace"
fi
