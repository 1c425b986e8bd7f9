# Host tests of the appliance's own parts (apps/httpd): the <sys/queue.h>
# that Keel supplies for lighttpd, since musl has none.
HOST_TESTS += stailq
test_stailq_SRCS := tests/host/test_stailq.c
