# Sockets: the system calls over the loopback (mtest sockets), the echo
# application with real clients on the host through QEMU's user network,
# and the resolver through the generated /etc files and the user
# network's DNS.
# Without a network device the stack still runs (the loopback).
boot_test musl-sockets 0 'mtest: sockets done, 0 failures' -- --kernel build/mtest.elf --timeout 60 --append "sockets"
boot_test musl-sockets-with-net 0 'mtest: sockets done, 0 failures' 'net: en0 is eth0' \
	-- --kernel build/mtest.elf --timeout 60 --net user --append "sockets"
# AF_UNIX sockets (mtest unix: the same checks pass on Linux), also in an
# image without the network stack, where the other families are refused.
boot_test musl-unix 0 'mtest: unix done, 0 failures' -- --kernel build/mtest.elf --timeout 60 --append "unix"
boot_test unix-without-net 0 'unixonly: done, 0 failures' '!not implemented' \
	-- --kernel build/unixonly.elf --timeout 60
# Datagrams sent faster than the device takes them: the sender waits (or
# gets EAGAIN, then EPOLLOUT), and never an error.
script_test udp-flood tests/boot/t-udp-flood.sh 100000
script_test sock-echo-stream tests/boot/t-sock-echo.sh stream 64
script_test sock-echo-udp tests/boot/t-sock-echo.sh udp 1000
script_test sock-echo-many tests/boot/t-sock-echo.sh many 200
script_test sock-echo-ipv4 tests/boot/t-sock-echo.sh ipv4 0
script_test sock-resolve tests/boot/t-sock-resolve.sh
# The stream echo again over each way the virtio-net device can be set
# up: each offload and ring feature switched off, one PCI interface only,
# both machines.
script_test sock-echo-no-mrg-rxbuf tests/boot/t-sock-echo.sh stream 8 mrg_rxbuf=off
script_test sock-echo-no-event-idx tests/boot/t-sock-echo.sh stream 8 event_idx=off
script_test sock-echo-no-csum tests/boot/t-sock-echo.sh stream 8 csum=off,guest_csum=off
script_test sock-echo-no-guest-tso4 tests/boot/t-sock-echo.sh stream 8 guest_tso4=off
script_test sock-echo-legacy tests/boot/t-sock-echo.sh stream 8 disable-modern=on
script_test sock-echo-modern tests/boot/t-sock-echo.sh stream 8 disable-legacy=on
script_test sock-echo-pc tests/boot/t-sock-echo.sh stream 8 "" pc
