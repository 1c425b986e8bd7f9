/*
 * The entry of the `syscall` instruction, executed by the application at
 * CPL 0. The CPU has put the return rip in rcx and rflags in r11, and
 * cleared IF, DF, TF and AC (FMASK, syscall_arch.c): no interrupt can
 * arrive before the stack is switched, and the kernel's C code sees the
 * direction flag clear. Nothing is written below the application's rsp:
 * the System V ABI lets the application keep data in the 128 bytes there
 * (the red zone).
 *
 * The system call runs on the calling thread's own kernel stack (the one
 * the scheduler gave it; the application runs on a stack of its own), so
 * a call that blocks leaves the others free to enter. The return restores
 * rflags from the kernel stack, then rsp, then jumps to rcx: `sysret`
 * would drop to ring 3.
 */
#include "arch/x86_64/syscall.h"

	.section .text
	.code64

	.globl syscall_entry
syscall_entry:
	/* One CPU, interrupts off: two words of scratch are enough to find
	 * the stack without a free register (rcx and r11 hold the return). */
	mov %rsp, syscall_scratch_rsp(%rip)
	mov %rax, syscall_scratch_rax(%rip)
	mov current(%rip), %rax
	mov THREAD_STACK_OFFSET(%rax), %rsp
	cmp %rsp, syscall_scratch_rsp(%rip)
	jb 1f                           /* below the kernel stack: not on it */
	add THREAD_STACK_SIZE_OFFSET(%rax), %rsp
	cmp %rsp, syscall_scratch_rsp(%rip)
	jae 2f                          /* above it: not on it either */
	/* Application code running on the thread's kernel stack (a thread
	 * of keel_thread_create): go on below the red zone instead of
	 * starting over at the top, where its own frames are. */
	mov syscall_scratch_rsp(%rip), %rsp
	sub $128, %rsp
	and $-16, %rsp
	jmp 2f
1:	add THREAD_STACK_SIZE_OFFSET(%rax), %rsp
2:	mov syscall_scratch_rax(%rip), %rax

	/* struct syscall_frame, from the top down. */
	pushq syscall_scratch_rsp(%rip)
	pushq %r11
	pushq %rcx
	pushq %rax
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %r10
	pushq %r8
	pushq %r9
	mov %rsp, %rdi
	/* A frame record whose return address is the application's rip:
	 * a backtrace from inside the call continues into the caller. */
	pushq %rcx
	pushq %rbp
	mov %rsp, %rbp

	/* Interrupts as the application had them. */
	test $0x200, %r11d
	jz 1f
	sti
1:	call syscall_dispatch
	cli

	popq %rbp
	add $8, %rsp
	popq %r9
	popq %r8
	popq %r10
	popq %rdx
	popq %rsi
	popq %rdi
	add $8, %rsp                    /* the number: rax holds the result */
	popq %rcx
	/* rflags first, while still on the kernel stack: an interrupt let in
	 * by IF lands here, not in the red zone. */
	popfq
	popq %rsp
	jmp *%rcx

/* app_enter(sp, fn, a0, a1, a2): calls fn(a0, a1, a2) on stack sp. */
	.globl app_enter
app_enter:
	mov %rdi, %rsp
	mov %rsi, %rax
	mov %rdx, %rdi
	mov %rcx, %rsi
	mov %r8, %rdx
	xor %ebp, %ebp
	call *%rax
	ud2

	.section .bss
	.balign 8
syscall_scratch_rsp:
	.quad 0
syscall_scratch_rax:
	.quad 0
