# Boot tests of the network stack (net/: lwIP on virtio-net), with
# nettest on QEMU's user network, sourced by cases.sh.

NT=build/nettest.elf
NET_DHCP='net: en0: inet 10\.0\.2\.15 netmask 255\.255\.255\.0 gateway 10\.0\.2\.2 \(DHCP\)'
NET_STATIC='net: en0: inet 10\.0\.2\.15 netmask 255\.255\.255\.0 gateway 10\.0\.2\.2 \(static\)'

# DHCP binds before main, its name server is printed, the gateway answers
# pings; the link-local address is there from the start.
boot_test net-dhcp-ping 0 'net: en0 is eth0, 52:54:00:12:34:56, DHCP' "$NET_DHCP" 'net: dns 10\.0\.2\.3' \
	'net: en0: inet6 fe80::5054:ff:fe12:3456' 'nettest: 3 of 3 answered' -- \
	--kernel "$NT" --net user --append "-- ping 10.0.2.2 3"
# A static address from the command line: no DHCP at all.
boot_test net-static-ping 0 'net: en0 is eth0, 52:54:00:12:34:56, static' "$NET_STATIC" 'net: dns 10\.0\.2\.3' \
	'nettest: 2 of 2 answered' '!\(DHCP\)' -- \
	--kernel "$NT" --net user --append "net.en0=ip=10.0.2.15/24,gw=10.0.2.2,dns=10.0.2.3 -- ping 10.0.2.2 2"
# SLAAC from the user network's router advertisements, and IPv6 pings.
boot_test net-slaac-ping6 0 'nettest: en0 has FEC0::5054:FF:FE12:3456' 'nettest: 2 of 2 answered' -- \
	--kernel "$NT" --net user --append "-- slaac 20 ping fec0::2 2"
# Without a DHCP server (a NIC alone on a QEMU hub: nothing answers) the
# boot waits net.wait seconds, not more, and the application starts anyway.
boot_test net-no-dhcp 0 'net: en0: no IPv4 address yet' 'net: en0: inet6 fe80::' 'keel: main after 1[0-9]{6} us' -- \
	--kernel "$NT" --append "net.wait=1 --" -- -netdev hubport,id=n0,hubid=0 -device virtio-net-pci,netdev=n0
# A setting that does not parse is reported and the interface falls back
# to DHCP; one named after the driver's name applies as well.
boot_test net-bad-setting 0 "net: ignoring net.en0=ip=10.0.2.15: ip= needs ADDRESS/PREFIX" "$NET_DHCP" -- \
	--kernel "$NT" --net user --append "net.en0=ip=10.0.2.15 --"
boot_test net-driver-name 0 "$NET_STATIC" -- \
	--kernel "$NT" --net user --append "net.eth0=ip=10.0.2.15/24,gw=10.0.2.2 --"
# Two NICs at once, each with its own user network and DHCP lease; one
# left down by the command line.
boot_test net-two-nics 0 'net: en0 is eth0' 'net: en1 is eth1' "$NET_DHCP" \
	'net: en1: inet 10\.0\.2\.15 netmask 255\.255\.255\.0 gateway 10\.0\.2\.2 \(DHCP\)' 'nettest: 1 of 1 answered' -- \
	--kernel "$NT" --net user --net user --append "-- ping 10.0.2.2 1"
boot_test net-off 0 'net: en0 \(eth0\) left down, as configured' '!net: en0: inet ' -- \
	--kernel "$NT" --net user --append "net.en0=off --"
