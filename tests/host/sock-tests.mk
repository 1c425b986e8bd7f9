# The socket layer's pure parts (sys/sockaddr.c, sys/sockopt.c,
# sys/sockready.c); readiness also through epoll on the host scheduler.
HOST_TESTS += sockaddr
test_sockaddr_SRCS := tests/host/test_sockaddr.c sys/sockaddr.c

HOST_TESTS += sockopt
test_sockopt_SRCS := tests/host/test_sockopt.c sys/sockopt.c

HOST_TESTS += sockready
test_sockready_SRCS := tests/host/test_sockready.c sys/sockready.c sys/fd.c sys/epoll.c tests/host/sched_host.c \
	kernel/sched.c kernel/sync.c kernel/timerq.c

HOST_TESTS += sockerr
test_sockerr_SRCS := tests/host/test_sockerr.c sys/sockerr.c

# rtnetlink's answers (sys/rtnl.c), read back with Linux's headers.
HOST_TESTS += rtnl
test_rtnl_SRCS := tests/host/test_rtnl.c sys/rtnl.c
