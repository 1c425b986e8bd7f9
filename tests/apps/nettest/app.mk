# nettest: the network stack on virtio-net under QEMU's user network
# (tests/boot/cases-net.sh): the addresses DHCP or the command line gave,
# then an ICMP echo to the gateway through lwIP's raw API.
APP_LIBC := keel
KEEL_DRIVERS := virtio-net
KEEL_NET := yes
