# Host tests of the appliance's own parts (apps/httpd): the <sys/queue.h>
# that Keel supplies for lighttpd, since musl has none.
HOST_TESTS += stailq
test_stailq_SRCS := tests/host/test_stailq.c

# The kernel option stack=SIZE, with which the appliance boots in less
# memory than an 8 MiB stack needs.
HOST_TESTS += stack_size
test_stack_size_SRCS := tests/host/test_stack_size.c sys/stack_size.c
