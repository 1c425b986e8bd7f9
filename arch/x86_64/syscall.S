/*
 * The entry of the `syscall` instruction, executed by the application at
 * CPL 0. The CPU has put the return rip in rcx and rflags in r11, and
 * cleared DF, TF, AC and NT (FMASK, syscall_arch.c): the kernel's C code
 * sees the direction flag clear. IF stays as the application had it: an
 * interrupt before the entry's `cli` lands on its own stack (every vector
 * has one, IST) and finds the application's registers whole, as at any
 * of its instructions. Nothing is written below the application's rsp:
 * the System V ABI lets the application keep data in the 128 bytes there
 * (the red zone).
 *
 * The call runs on the calling thread's own kernel stack, chosen as an
 * interrupt's is (arch/x86_64/trap.h): below the caller's frame, past a
 * red zone, when the caller already runs on that stack (application code
 * on a thread of keel_thread_create); else from its top, which the thread
 * does not use while it runs application code on a stack of its own. A
 * call that blocks therefore leaves the other threads free to enter.
 *
 * The entry saves every general register in a struct syscall_frame
 * (sys/syscall.h): clone starts a child from a copy of it. The return
 * (syscall_return_to_app) restores rflags while still on the kernel
 * stack, then rsp, then jumps to rcx: `sysret` would drop to ring 3.
 */
#include "arch/x86_64/syscall.h"

#define RED_ZONE 128

	.section .text
	.code64

	.globl syscall_entry
	.type syscall_entry, @function
syscall_entry:
	/* The constant calls (SYSCALL_CONST, sys/syscall.h): the answer from
	 * a table, no stack, no register but rax, rcx and r11 (which the ABI
	 * gives the kernel), interrupts as the application had them. rax
	 * changes in one instruction, at the end: an interrupt before it
	 * finds the call not yet made. The arithmetic flags change, which no
	 * compiled code keeps across a system call. No `sti` on the way back:
	 * under an emulator it ends the translated block and costs a third of
	 * the call. The table's absolute address fits 32 bits: the kernel is
	 * linked low (-mcmodel=small). */
	cmpq $SYSCALL_TABLE_SIZE, %rax
	jae 0f
	btq %rax, syscall_const_map(%rip)
	jnc 0f
	movq syscall_const_value(,%rax,8), %rax
	jmp *%rcx
0:
	/* One CPU, interrupts off from here: a word of scratch holds the
	 * application's stack pointer until it is pushed. */
	cli
	movq %rsp, syscall_app_rsp(%rip)
	cmpq trap_kstack_bottom(%rip), %rsp
	jb 1f
	cmpq trap_kstack_top(%rip), %rsp
	jae 1f
	subq $RED_ZONE, %rsp
	jmp 2f
1:	movq trap_kstack_top(%rip), %rsp
2:	andq $-16, %rsp
	/* The quick calls (SYSCALL_FAST, sys/syscall.c): the handler is C,
	 * which keeps the callee-saved registers itself, so only what the
	 * ABI lets it clobber and the Linux ABI does not is kept here; the
	 * handler runs as it came, interrupts off. */
	cmpq $SYSCALL_TABLE_SIZE, %rax
	jae 3f
	btq %rax, syscall_fast_map(%rip)
	jnc 3f
	pushq syscall_app_rsp(%rip)
	pushq %r11                      /* rflags */
	pushq %rcx                      /* rip */
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %r10
	pushq %r8
	pushq %r9
	pushq %rbp                      /* the tenth word: rsp 16-aligned at the call */
	movq %r10, %rcx                 /* the fourth argument, where C wants it */
	cld
	leaq syscall_table(%rip), %rbp
	call *(%rbp,%rax,8)
	popq %rbp
	popq %r9
	popq %r8
	popq %r10
	popq %rdx
	popq %rsi
	popq %rdi
	popq %rcx
	/* The exit's last three instructions are the full path's: an
	 * interrupt let in by popfq finds the one place where the kernel
	 * knows how to deliver a signal that came due (arch/x86_64/idt.c). */
	jmp syscall_exit_popf
3:
	/* struct syscall_frame, from its last field to its first. */
	pushq syscall_app_rsp(%rip)
	pushq %r11                      /* rflags */
	pushq %rcx                      /* rip */
	pushq %rax
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %r10
	pushq %r8
	pushq %r9
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	/* A frame record whose return address is the application's rip: a
	 * backtrace from inside the call continues into the caller. */
	pushq %rcx
	pushq %rbp
	movq %rsp, %rbp
	call syscall_dispatch           /* returns with interrupts off */
	leaq 16(%rsp), %rdi
	/* fall through */

	/* void syscall_return_to_app(const struct syscall_frame *f) */
	.globl syscall_return_to_app
	.type syscall_return_to_app, @function
syscall_return_to_app:
	movq %rdi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	popq %r9
	popq %r8
	popq %r10
	popq %rdx
	popq %rsi
	popq %rdi
	popq %rax
	popq %rcx                       /* rip */
	/* The flags may enable interrupts: one taken now still finds rsp on
	 * the kernel stack, below the application's stack pointer, which
	 * `popq %rsp` then loads. Nothing is written to the application's
	 * stack, whose red zone may hold data. */
syscall_exit_popf:
	popfq
	.globl syscall_exit_pop_rsp
syscall_exit_pop_rsp:
	popq %rsp
	.globl syscall_exit_jump
syscall_exit_jump:
	jmp *%rcx

/* app_enter(sp, fn, a0, a1, a2): calls fn(a0, a1, a2) on stack sp. */
	.globl app_enter
	.type app_enter, @function
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
syscall_app_rsp:
	.quad 0
