# echo: TCP and UDP echo servers (RFC 862) on the port its command line
# names, every connection served by one thread through epoll.
#
#   make APP=echo
#   run-qemu.sh --kernel build/echo.elf --net user,hostfwd=tcp:127.0.0.1:7007-:7 --append 7
KEEL_DRIVERS := virtio-net virtio-rng virtio-balloon
KEEL_NET := yes
