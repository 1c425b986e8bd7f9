# Boot tests, sourced by tests/run.sh.
#
#   boot_test NAME STATUS [PATTERN...] -- RUN-QEMU-ARGS...
#
# passes when run-qemu.sh returns STATUS and every PATTERN (an extended
# regular expression; !PATTERN must not appear) is in the serial output.
# Every test runs under TCG: where /dev/kvm is an instruction emulator (as on
# the machines these tests were written on) it is far slower than TCG.

H=build/hello.elf
HI=build/hello.iso
K=build/ktest.elf
KI=build/ktest.iso

# The three boot paths: PVH straight from QEMU, GRUB from the ISO under
# SeaBIOS, the same ISO under UEFI.
PVH_PC=(--kernel "$K" --machine pc)
PVH_Q35=(--kernel "$K" --machine q35)
BIOS=(--iso "$KI" --machine pc)
UEFI=(--iso "$KI" --machine q35 --uefi --timeout 120)

# --- boot paths, the command line, the exit status --------------------------------

# hello prints its arguments and exits 0, on each path.
hello_args=(--append "one 'two words' \"three\\\"quote\"")
hello_expect=('argv\[0\] = "hello"' 'argv\[1\] = "one"' 'argv\[2\] = "two words"' 'argv\[3\] = "three"quote"'
	'keel: main after [0-9]+ us' 'keel: exit status 0')
boot_test hello-pvh-pc 0 "${hello_expect[@]}" 'keel: PVH boot' -- --kernel "$H" --machine pc "${hello_args[@]}"
boot_test hello-pvh-q35 0 "${hello_expect[@]}" 'keel: PVH boot' -- --kernel "$H" --machine q35 "${hello_args[@]}"
boot_test hello-grub-bios 0 "${hello_expect[@]}" 'keel: multiboot2 boot \(GRUB' -- --iso "$HI" --machine pc "${hello_args[@]}"
boot_test hello-grub-uefi 0 "${hello_expect[@]}" 'keel: multiboot2 boot \(GRUB' -- --iso "$HI" --machine q35 --uefi --timeout 120 "${hello_args[@]}"
# No arguments at all, and the command line GRUB passes from grub.cfg.
boot_test hello-no-args 0 'hello from Keel: 1 argument$' -- --kernel "$H"
boot_test grub-cmdline 0 'ktest: arg 1 \[baked into grub.cfg\]' 'ktest: arg 2 \[x\]' -- --iso "$KI" --machine q35
# Kernel options before "--"; an unknown one is reported, not fatal.
boot_test kernel-options 0 'unknown kernel option .bogus.' 'ktest: arg 1 \[z\]' '!keel: PVH boot' -- --kernel "$K" --append "quiet bogus -- args z"
boot_test cmdline-unterminated 125 'unterminated quote' -- --kernel "$K" --append "args 'open"

# The application's status is the VM's.
boot_test exit42-pvh 42 'keel: exit status 42' -- "${PVH_PC[@]}" --append "exit 42"
boot_test exit42-grub-bios 42 'keel: exit status 42' -- "${BIOS[@]}" --append "exit 42"
boot_test exit42-grub-uefi 42 'keel: exit status 42' -- "${UEFI[@]}" --append "exit 42"
boot_test exit-out-of-range 124 'outside 0..123' -- "${PVH_PC[@]}" --append "exit 300"
# A triple fault ends QEMU with code 0: run-qemu.sh must call it a failure.
boot_test triple-fault 200 'empty IDT' '!keel: exit status' -- "${PVH_PC[@]}" --append "triple-fault"

# Without the debug-exit port the kernel powers off through ACPI S5; QEMU
# then ends with code 0, which run-qemu.sh reports as not the VM's exit.
for m in pc q35; do
	boot_test acpi-poweroff-$m 200 'keel: exit status 7' 'powering off through ACPI' '!resetting' \
		-- --kernel "$K" --machine $m --no-debug-exit --append "exit 7"
done

# --- memory: protection, faults, sizes --------------------------------------------

# A NULL dereference is reported with the faulting function, on each path.
null_expect=('CPU exception 14 \(#PF page fault\)' 'in fault_null_deref\+' 'NULL pointer dereference'
	'#1 .*<ktest_fault_null\+' 'keel: exit status 126')
boot_test fault-null-pvh 126 "${null_expect[@]}" -- "${PVH_Q35[@]}" --append "fault-null"
boot_test fault-null-grub-bios 126 "${null_expect[@]}" -- "${BIOS[@]}" --append "fault-null"
boot_test fault-null-grub-uefi 126 "${null_expect[@]}" -- "${UEFI[@]}" --append "fault-null"

# Memory protection: text read-only, rodata read-only, data and stack not
# executable, the stack protector, heap misuse.
boot_test protect-text 126 'write of address .* \(protection violation\)' 'in write_into\+' -- "${PVH_PC[@]}" --append "write-text"
boot_test protect-rodata 126 'write of address .* \(protection violation\)' 'in write_into\+' -- "${PVH_PC[@]}" --append "write-rodata"
boot_test protect-nx-data 126 'instruction fetch of address .* \(protection violation\)' '<ktest_exec_data\+' -- "${PVH_PC[@]}" --append "exec-data"
boot_test protect-nx-stack 126 'instruction fetch of address .* \(protection violation\)' '<ktest_exec_stack\+' -- "${PVH_PC[@]}" --append "exec-stack"
boot_test stack-protector 125 'panic .*stack smashing detected' '<smash' -- "${PVH_PC[@]}" --append "stack-smash"
boot_test mmio-over-ram 0 'refusing to map device memory at .* overlaps RAM' 'mmio_map over the kernel.s text returned \(nil\)' \
	-- "${PVH_PC[@]}" --append "mmio-over-ram"
boot_test heap-double-free 125 'panic .*double free' '<ktest_double_free\+' -- "${PVH_PC[@]}" --append "double-free"

# Memory from the smallest to beyond 4 GiB, PVH and GRUB.
boot_test mem-32m-pvh 0 'memory: (2[89]|3[01]) MiB usable' -- "${PVH_PC[@]}" --mem 32M --append mem
boot_test mem-32m-grub 0 'memory: (2[89]|3[01]) MiB usable' -- "${BIOS[@]}" --mem 32M --append mem
boot_test mem-6g-pvh-pc 0 'memory: 61[0-4][0-9] MiB usable' 'top 0x1c0000000' -- "${PVH_PC[@]}" --mem 6G --append mem
boot_test mem-6g-pvh-q35 0 'memory: 61[0-4][0-9] MiB usable' 'top 0x200000000' -- "${PVH_Q35[@]}" --mem 6G --append mem
boot_test mem-6g-grub 0 'memory: 61[0-4][0-9] MiB usable' -- "${BIOS[@]}" --mem 6G --append mem

# --- ACPI, interrupts, timers and threads -----------------------------------------

for m in pc q35; do
	boot_test boot-log-$m 0 'acpi: BOCHS revision [0-9]+, [RX]SDT: FACP APIC' \
		'cpu: TSC [0-9.]+ MHz \(ACPI PM timer\), xAPIC 0, 1 I/O APIC in use, timer one-shot [0-9]+ MHz' \
		-- --kernel "$K" --machine $m --append "args"
	boot_test sleep-$m 0 'sleep of 10 ms .*: ok' 'sleep of 100 ms .*: ok' 'sleep of 1000 ms .*: ok' -- --kernel "$K" --machine $m --append "sleep"
	boot_test pingpong-$m 0 '1000 ping-pong rounds in [0-9]+ us .*join 0, status 7' -- --kernel "$K" --machine $m --append "pingpong 1000"
	boot_test timeout-$m 0 'timed wait of 50 ms took .*: ok' 'woken by a post returned 0 .*: ok' \
		'condition wait of 30 ms took .*: ok' -- --kernel "$K" --machine $m --append "timeout"
	boot_test condvar-$m 0 'consumers summed 750500, expected 750500' 'unlock unheld -1, relock -35' -- --kernel "$K" --machine $m --append "condvar"
	boot_test stack-overflow-$m 126 'CPU exception 14' "stack overflow in thread 'deep'" '<recurse\+' 'the same [0-9]+ more times' '<overflow\+' \
		-- --kernel "$K" --machine $m --append "stack-overflow"
	# A thread spinning 2 s without yielding must not delay a 10 ms period
	# by 15 ms; two threads computing with SSE and x87 keep their state.
	boot_test preempt-$m 0 'worst lateness [0-9]+ us.*: ok' 'two FPU threads.*: ok' -- --kernel "$K" --machine $m --append "preempt"
	# Threads through the system calls musl's pthread_create and
	# pthread_join make; interrupts must leave an application's red zone be.
	boot_test clone-$m 0 'set_tid_address 1, .*: ok' 'futex wait on a changed word -11, .*: ok' \
		'clone child 0: .*red zone 0 words changed.*: ok' 'clone child 1: .*: ok' '2 woken by go.*: ok' \
		-- --kernel "$K" --machine $m --append "clone"
	script_test idle-cpu-$m tests/boot/t-idle-cpu.sh $m
	script_test sleep-wall-$m tests/boot/t-sleep-wall.sh $m
done
# Each way of finding the TSC's frequency, checked against the host's clock.
for c in hpet pmtimer pit; do
	script_test sleep-wall-$c tests/boot/t-sleep-wall.sh q35 $c
done
# These measure time: each runs with no other guest beside it.
for m in pc q35; do
	for t in sleep-$m timeout-$m idle-cpu-$m sleep-wall-$m preempt-$m clone-$m; do
		alone_test $t
	done
done
for c in hpet pmtimer pit; do
	alone_test sleep-wall-$c
done
# Threads on the GRUB paths too (the UEFI one has its own stack origin).
boot_test pingpong-grub-uefi 0 '1000 ping-pong rounds' -- "${UEFI[@]}" --append "pingpong 1000"
# FPU state across preemption with XSAVE (x87, SSE, AVX) and FSGSBASE, which
# the default CPU lacks.
boot_test preempt-cpu-max 0 'two FPU threads.*: ok' -- --kernel "$K" --machine q35 --cpu max --append "preempt"
alone_test preempt-cpu-max
boot_test clone-cpu-max 0 'clone child 0: .*FS base right.*: ok' 'clone child 1: .*: ok' -- --kernel "$K" --machine q35 --cpu max --append "clone"
alone_test clone-cpu-max
# x2APIC and the TSC-deadline timer, which this QEMU's TCG does not offer:
# under KVM, where it is usable.
if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
	script_test kvm-x2apic-tsc-deadline tests/boot/t-kvm-apic.sh
	# It measures sleeps too.
	alone_test kvm-x2apic-tsc-deadline
else
	skip_test kvm-x2apic-tsc-deadline "/dev/kvm is not usable here"
fi

# --- PCI --------------------------------------------------------------------------

# Devices behind bridges: a PCI-to-PCI bridge on pc, a PCIe root port on
# q35; with MSI-X off too, which takes the INTx pin swizzled at each bridge.
for v in "" ",vectors=0"; do
	boot_test rng-behind-pci-bridge${v//[=,]/-} 0 'pci 00:0[0-9a-f].0 PCI bridge \[0604\]' 'pci 01:0[0-9a-f].0 .*\[1af4:10' \
		'read 262144 random bytes .*: ok' -- --kernel "$K" --machine pc --append "rng 262144" \
		--device pci-bridge,id=br1,chassis_nr=1 --device "virtio-rng-pci,bus=br1,addr=3$v"
	boot_test rng-behind-root-port${v//[=,]/-} 0 'PCI bridge \[0604\]: Red Hat, Inc. QEMU PCIe Root port' \
		'pci 01:00.0 .*\[1af4:10' 'read 262144 random bytes .*: ok' -- --kernel "$K" --machine q35 --append "rng 262144" \
		--device pcie-root-port,id=rp1,chassis=1,slot=1 --device "virtio-rng-pci,bus=rp1$v"
done

# A device without a driver left alone (virtio-input: Keel has none).
boot_test unknown-device 0 'is a virtio device \(type 18\); no driver, left alone' 'ktest: arg 0 \[args\]' \
	-- --kernel "$K" --append "args" --device virtio-keyboard-pci

# --- virtio transports and interrupt modes ----------------------------------------

# Each device in each form, on both machines, with the interrupt mode in
# use printed: modern-only, legacy-only, transitional; then without event
# indexes, without indirect descriptors, and with MSI-X off (INTx).
forms=("disable-legacy=on:modern" "disable-modern=on:legacy" ":modern"
	"event_idx=off:modern" "indirect_desc=off:modern" "vectors=0:modern" "disable-modern=on,vectors=0:legacy")
for m in pc q35; do
	for f in "${forms[@]}"; do
		opts=${f%%:*} iface=${f##*:}
		tag=${opts:-transitional}
		tag=${tag//=/-}
		tag=${tag//,/-}
		irq='MSI-X, a vector per queue'
		[[ $opts == *vectors=0* ]] && irq=INTx
		features=
		[[ $opts == *event_idx=off* ]] && features='!features 0x[0-9a-f]*[2-3][0-9a-f]{7}$'
		boot_test rng-$tag-$m 0 "virtio-rng0: .*, $iface interface, $irq" 'read 1048576 random bytes .*: ok' \
			${features:+"$features"} -- --kernel "$K" --machine $m --append "rng 1048576" --device "virtio-rng-pci${opts:+,$opts}"
		script_test console-$tag-$m tests/boot/t-console-echo.sh $m "$opts" 65536
	done
done

# A vector per queue for the console too (6 queues with two ports, 7 vectors).
script_test console-msix-per-vq tests/boot/t-console-echo.sh q35 "max_ports=2,vectors=7" 65536

# Each fallback forced: shared MSI-X, MSI (virtio has none: INTx), polling.
boot_test rng-irq-msix-shared 0 'virtio-rng0: .*MSI-X, one shared vector' 'ktest: read 65536 random bytes .*: ok' \
	-- --kernel "$K" --append "virtio.irq=msix-shared -- rng 65536" --device virtio-rng-pci
boot_test rng-irq-msi-falls-to-intx 0 'virtio-rng0: .*INTx' 'ktest: read 65536 random bytes .*: ok' \
	-- --kernel "$K" --append "virtio.irq=msi -- rng 65536" --device virtio-rng-pci
boot_test rng-irq-poll 0 'virtio-rng0: .*polling' 'ktest: read 65536 random bytes .*: ok' \
	-- --kernel "$K" --append "virtio.irq=poll -- rng 65536" --device virtio-rng-pci
script_test console-poll tests/boot/t-console-echo.sh q35 "" 16384 "virtio.irq=poll"

# --- entropy (virtio-rng) ---------------------------------------------------------

# Several devices of a type at once.
boot_test rng-two-devices 0 'virtio-rng0: ' 'virtio-rng1: ' 'ktest: read 262144 random bytes .*: ok' \
	-- --kernel "$K" --append "rng 262144" --device virtio-rng-pci --device virtio-rng-pci,disable-modern=on

# No device: the call says so.
boot_test rng-none 0 'keel_getrandom without a device returned -19' -- --kernel "$K" --append "rng-none"

# The device on the GRUB paths.
boot_test rng-grub-uefi 0 'virtio-rng0: .*MSI-X' 'read 65536 random bytes .*: ok' \
	-- "${UEFI[@]}" --append "rng 65536" --device virtio-rng-pci

# --- console and named ports (virtio-console) -------------------------------------

# The console on port 0 next to the serial port.
script_test virtconsole tests/boot/t-virtconsole.sh

# Two consoles, a named port on each.
boot_test ports-two-consoles 0 "port 'alpha': open" "port 'beta': open" 'virtio-console1: ' \
	-- --kernel "$K" --append "ports alpha beta" --device virtio-serial-pci,id=s0 --device virtio-serial-pci,id=s1 \
	-- -chardev null,id=a -device virtserialport,bus=s0.0,chardev=a,name=alpha \
	-chardev null,id=b -device virtserialport,bus=s1.0,chardev=b,name=beta

# More ports than Keel's old fixed table (31) and more queues than its
# old limit (64): port 39 of 40, 82 queues, with a shared MSI-X vector and
# with a vector per queue.
for v in "" ",vectors=83"; do
	boot_test ports-40${v//[=,]/-} 0 "virtio-console0: port 39 is 'far'" "port 'far': open" "port 'near': open" \
		-- --kernel "$K" --machine q35 --append "ports far near" --device "virtio-serial-pci,max_ports=40$v" \
		-- -chardev null,id=a -device virtserialport,nr=39,chardev=a,name=far \
		-chardev null,id=b -device virtserialport,nr=1,chardev=b,name=near
done

# --- memory for devices ------------------------------------------------------------

# DMA pools of small buffers on the real page allocator.
boot_test dma-pool 0 'ktest: dma pool of 4000 buffers .*: ok' -- --kernel "$K" --append "dma-pool"

# --- devices that misbehave: every fault named, every wait bounded ----------------

# A device that needs a reset is noticed, its requests fail, the kernel goes on.
for f in "disable-legacy=on" "vectors=0" "vectors=1"; do
	boot_test needs-reset-${f//=/-} 0 'the device reports NEEDS_RESET' 'keel_getrandom returned -5 .*device marked broken' \
		-- --kernel "$K" --append "needs-reset" --device "virtio-rng-pci,$f"
done
# A device that writes what the virtqueue engine refuses: named once, counted.
for m in pc q35; do
	script_test device-fault-$m tests/boot/t-device-fault.sh $m
done
# An entropy device that never answers; a port whose host stopped reading.
script_test rng-silent tests/boot/t-rng-silent.sh
script_test port-stall tests/boot/t-port-stall.sh

# --- applications on musl: the system-call layer ------------------------------------

M=build/mtest.elf
# hello is a musl program: printf to stdout, its status the VM's.
boot_test musl-status 7 'mtest: exiting with 7$' 'keel: exit status 7' -- --kernel "$M" --append "status 7"
boot_test musl-hello-grub-bios 0 'hello from Keel: 1 argument$' 'keel: exit status 0' -- --iso "$HI" --machine pc
# The kernel alone (its own C library, no drivers, no system calls), the
# image bench/boot.sh sizes and times beside hello.
boot_test khello-pvh 0 'hello from Keel: 1 argument' 'keel: exit status 0' -- --kernel build/khello.elf --machine pc
# The kernel's symbols are its own: an application defining malloc, memcpy
# and the kernel's internal names links, and both allocators work.
boot_test own-malloc 0 'ownmalloc: copied by the application; copied by the application' \
	'its malloc ran [1-9][0-9]* times, its memcpy [1-9][0-9]* times' '!called the application' 'keel: exit status 0' -- --kernel build/ownmalloc.elf
# An unknown call answers ENOSYS, logged once by name.
script_test musl-enosys tests/boot/t-musl-enosys.sh
# Bad pointers and arguments answer errors, never a kernel fault.
boot_test musl-efault 0 'mtest: efault done, 0 failures' -- --kernel "$M" --append "efault"
# Every register but rax, rcx and r11 survives a call, on the quick path
# (SYSCALL_FAST) and the full one.
boot_test musl-registers 0 'mtest: registers done, 0 failures' -- --kernel "$M" --append "registers"
# clock_nanosleep to an absolute time on the monotonic, realtime and boot clocks.
boot_test musl-abs-sleep 0 'mtest: abs-sleep done, 0 failures' -- --kernel "$M" --append "abs-sleep"
# The vDSO: found through AT_SYSINFO_EHDR as the ELF specification says,
# each entry answering as its system call, musl's clock_gettime through it.
boot_test musl-vdso 0 'mtest: clock_gettime [0-9]+ ns through musl' 'mtest: vdso done, 0 failures' -- --kernel "$M" --append "vdso"
# Terminal, time, identities, limits, dup, environment (defaults and
# env.NAME=VALUE, as many as the command line holds: 100 more here),
# thread-locals, the 8 MiB stack, floating point.
MANY_ENV=$(for i in $(seq 100); do printf 'env.V%d=%d ' "$i" "$i"; done)
boot_test musl-basics 0 'mtest: basics done, 0 failures' 'mtest: through dup' 'mtest: through descriptor 5002' \
	'HOME=/ PATH=/usr/local/bin:/usr/bin:/bin TERM=vt100 GREETING=hi there' 'mtest: 104 environment variables, V100=100' \
	'mtest: 4.500 3.0' -- --kernel "$M" --append "env.GREETING='hi there' env.TERM=vt100 $MANY_ENV-- basics"
# mallocng on brk, mmap, mprotect, mremap, madvise, munmap.
boot_test musl-malloc 0 'mtest: malloc stress: [0-9]+ bytes in 6 rounds, 0 failures' -- --kernel "$M" --append "malloc"
# PROT_NONE is enforced by the page tables.
boot_test musl-prot-none 126 'raised SIGSEGV \(code 2, address 0x[0-9a-f]+\) and has no handler' 'page fault: read of address .* \(page not mapped\)' 'in main\+' -- --kernel "$M" --append "prot-none"
# abort() ends the VM with KEEL_EXIT_SIGNAL, naming the signal.
boot_test musl-abort 127 'mtest: calling abort' 'killed by signal 6 \(SIGABRT\)' -- --kernel "$M" --append "abort"
# The stack protector's failure (musl's a_crash, a hlt) ends the VM.
boot_test musl-stack-smash 126 'the application crashed: hlt in __stack_chk_fail' '<smash' '!survived' \
	-- --kernel "$M" --append "stack-smash"
# A thread of keel_thread_create running C library code on its kernel
# stack: its system calls continue below its red zone, not over its frames.
boot_test musl-keel-thread 0 'mtest: in thread worker' 'mtest: thread joined with 5' -- --kernel "$M" --append "keel-thread"
# musl's pthreads on clone and futex: 16 threads with mutexes, condition
# variables and thread-locals, preempted with live floating-point state,
# all joined; a bounded queue between producers and consumers.
boot_test musl-pthreads 0 'mtest: pthreads: 16 threads joined, 16 with their own TLS and sums right, shared count 32000' \
	'mtest: queue: 8 producers, 8 consumers, sum 8002000 \(want 8002000\)' 'mtest: pthreads done, 0 failures' \
	-- --kernel "$M" --append "pthreads"
# abort() in a second thread: SIGABRT by tkill to its own tid.
boot_test musl-thread-abort 127 'mtest: abort in thread 1' 'killed by signal 6 \(SIGABRT\)' '!was joined' \
	-- --kernel "$M" --append "thread-abort"
# mallocng shared by 8 threads at once.
boot_test musl-malloc-threads 0 'mtest: malloc from 8 threads: 0 blocks changed or missing, [0-9]+ preemptions, 0 failures' \
	-- --kernel "$M" --append "malloc-threads"
# Signals delivered to handlers: kill and raise with SA_SIGINFO (the
# handler starting from the default FPU state, the caller's back after), a mask
# holding one back until unblocked, the alternate stack, SA_RESETHAND,
# a handler editing the saved context, sigwaitinfo, tgkill to a thread
# waiting in pause and to one spinning, SA_RESTART restarting a futex wait.
boot_test musl-signals 0 'MXCSR 0x1f80 in the handler, 0x7f80 after it' 'mtest: kill and raise: si_signo 10, si_code -6' 'blocked, then delivered at unblock: 1' \
	'handler on the alternate stack: yes' 'handler edited rax: 4242' 'tgkill reached thread [0-9]+ in pause' \
	'tgkill reached a spinning thread: yes' \
	'futex wait interrupted: errno 4 without SA_RESTART, 11 with' \
	'mtest: signals done, 0 failures' -- --kernel "$M" --append "signals"
# SIGALRM: alarm(1) interrupting a loop without system calls, a periodic
# setitimer, nanosleep ended early with the time left, sigsuspend,
# timer_create with SIGEV_SIGNAL and its value.
boot_test musl-signal-timers 0 'mtest: alarm interrupted a busy loop after [0-9]+ spins' \
	'mtest: setitimer: [0-9]+ ticks in [0-9]+ ms' 'nanosleep interrupted after [0-9]+ ms, 1\.[0-9]+ s left' \
	'mtest: timer_create: [0-9]+ signals, si_code -2, value 77' \
	'mtest: signal timers done, 0 failures' -- --kernel "$M" --append "signal-timers"
# Blocking reads and waits ended by a signal: EINTR, or a restarted read
# under SA_RESTART; poll, select and epoll_wait always EINTR.
boot_test musl-signal-io 0 'mtest: signal-io done, 0 failures' -- --kernel "$M" --append "signal-io"
# Default actions: SIGTERM ends the VM naming it; abort() ends it even
# when a SIGABRT handler returns.
boot_test musl-kill-term 127 'killed by signal 15 \(SIGTERM\)' '!survived' -- --kernel "$M" --append "kill-term"
boot_test musl-abort-handled 127 'SIGABRT handler ran, returning' 'killed by signal 6 \(SIGABRT\)' \
	-- --kernel "$M" --append "abort-handled"
# Standard input from the serial port.
script_test musl-stdin tests/boot/t-musl-stdin.sh
# Pipes (blocking, O_NONBLOCK, EOF, EPIPE, F_SETPIPE_SZ, the dup family);
# poll, ppoll, select and pselect6 with their timeouts measured; epoll
# level- and edge-triggered, one-shot, on pipes and the console; eventfd
# (the counter, the semaphore, the limit, epoll, a reader woken by a
# thread).
boot_test musl-pipe 0 'mtest: pipe done, 0 failures' -- --kernel "$M" --append "pipe"
boot_test musl-poll 0 'mtest: poll done, 0 failures' -- --kernel "$M" --append "poll"
boot_test musl-epoll 0 'mtest: epoll done, 0 failures' -- --kernel "$M" --append "epoll"
boot_test musl-eventfd 0 'mtest: eventfd done, 0 failures' '!not implemented' -- --kernel "$M" --append "eventfd"
# The names under /dev, "/" and "/dev" as directories, the stat family
# and access; a missing file is ENOENT, not a call Keel lacks.
boot_test musl-devnodes 0 'mtest: devnodes done, 0 failures' 'mtest: through /dev/tty' \
	'mtest: through /dev/console' 'mtest: through /dev/stdout' '!not implemented' '!FAILED' \
	-- --kernel "$M" --append "devnodes"
# The console as a terminal typed at from the host: line editing, ^D,
# raw mode with VMIN and VTIME, ^C.
script_test musl-tty tests/boot/t-musl-tty.sh
# The same without the UART's receive interrupt: reads poll the port, and
# poll/epoll waiters are woken by a timer that runs only while they watch.
script_test musl-tty-polled tests/boot/t-musl-tty.sh serial-polled
# Standard input typed on a virtio console's port 0.
script_test musl-virtconsole-stdin tests/boot/t-musl-virtconsole-stdin.sh

# --- programs from Debian's source packages, built unmodified on musl --------------

# Lua 5.4 and the sqlite3 shell, their input typed at the console and
# their output compared with the same sources built for Linux on the host.
script_test lua-basics tests/boot/t-lua.sh basics.lua
script_test sqlite-rows tests/boot/t-sqlite.sh rows.sql

# Subjects with cases of their own (tests/boot/cases-*.sh).
for cases_file in tests/boot/cases-*.sh; do
	[ -f "$cases_file" ] && source "$cases_file"
done
