# unixonly: AF_UNIX sockets in an image without the network stack or a
# device, where the socket calls serve AF_UNIX alone and the other
# families answer EAFNOSUPPORT (mtest unix checks AF_UNIX itself in full).
KEEL_DRIVERS :=
