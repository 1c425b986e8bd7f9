# unixonly: mtest's AF_UNIX checks (tests/apps/mtest/unix.c) in an image
# without the network stack or a device, where the socket calls serve
# AF_UNIX alone and AF_INET answers EAFNOSUPPORT.
KEEL_DRIVERS :=
APP_SRCS := main.c
