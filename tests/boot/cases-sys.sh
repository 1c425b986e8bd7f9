# Boot tests of the system-call layer's fault and wait paths (sourced by
# cases.sh, with $M the musl test application).

# CPU faults in the application reach its handlers: a guard page made
# accessible by the handler and the write retried, an unmapped page and
# a non-canonical address left by siglongjmp, division by zero, ud2, int3.
boot_test musl-faults 0 'guard page: 1 fault, si_code 2, si_addr right, write retried: 42' \
	'unmapped page: si_code 1' 'non-canonical address: si_code 128' 'a second fault after siglongjmp: 1' \
	'division by zero: SIGFPE, si_code 1, left by siglongjmp' 'ud2: SIGILL, si_code 2' \
	'int3: SIGTRAP, went on after the handler' 'mtest: faults done, 0 failures' -- --kernel "$M" --append "faults"
# Without a handler, the default action: a report naming the signal, the
# exception, where it struck with a backtrace, and the VM's end.
boot_test musl-fault-default 126 'raised SIGFPE \(code 1, address 0x[0-9a-f]+\) and has no handler' \
	'CPU exception 0 \(#DE divide error\)' 'in divide' '#0 .*<divide' -- --kernel "$M" --append "fault-default"
# Output buffers made read-only by another thread while the call waits:
# checked again after the wait, EFAULT as Linux, never a kernel fault.
boot_test musl-vanish 0 'mtest: pipe read: errno 14' 'mtest: poll: errno 14' 'mtest: select: errno 14' \
	'mtest: epoll_wait: errno 14' 'mtest: nanosleep rem: errno 14' 'mtest: sigtimedwait info: errno 14' \
	'mtest: vanish done, 0 failures' -- --kernel "$M" --append "vanish"
# The signal masks of ppoll, pselect6 and epoll_pwait, in force for the
# wait only: a signal the mask unblocks ends it (EINTR, handler run, the
# old mask back); one it blocks waits for the call's end.
boot_test musl-pmask 0 \
	'ppoll: a signal its mask unblocks: EINTR, handled 1, blocked again after: yes' \
	'ppoll: a signal its mask blocks: timed out, handled 1 after the call' \
	'pselect6: a signal its mask unblocks: EINTR, handled 1, blocked again after: yes' \
	'pselect6: a signal its mask blocks: timed out, handled 1 after the call' \
	'epoll_pwait: a signal its mask unblocks: EINTR, handled 1, blocked again after: yes' \
	'epoll_pwait: a signal its mask blocks: timed out, handled 1 after the call' \
	'mtest: pmask done, 0 failures' -- --kernel "$M" --append "pmask"
# The same for a console read, the line typed on the host afterwards.
script_test musl-vanish-tty tests/boot/t-musl-vanish-tty.sh
