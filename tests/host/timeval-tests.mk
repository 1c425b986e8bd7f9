# The application's times as nanoseconds and back (sys/timeval.c).
HOST_TESTS += timeval
test_timeval_SRCS := tests/host/test_timeval.c sys/timeval.c
test_timeval_LDFLAGS := -I$(BUILD)/gen
$(HOST_BUILD)/test_timeval: $(BUILD)/gen/syscall_nr.h
