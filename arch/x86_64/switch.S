/*
 * The context switch between threads: only the callee-saved registers
 * (System V AMD64 ABI) need saving, since the switch is a function call
 * (a preempted thread's other registers are in its interrupt frame). The
 * FPU and SIMD state of threads that use it is switched before, in C
 * (arch/x86_64/fpu.c).
 *
 *	void context_switch(uint64_t *save_sp, uint64_t load_sp)
 */
	.section .text
	.code64

	.globl context_switch
	.type context_switch, @function
context_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	/* A new thread's first switch returns here (arch/x86_64/thread_arch.c
	 * built its stack). A zero frame pointer ends its backtraces; the
	 * call needs the stack 16-byte aligned. */
	.globl thread_start
	.type thread_start, @function
thread_start:
	xorl %ebp, %ebp
	andq $-16, %rsp
	call sched_thread_entry
	ud2
