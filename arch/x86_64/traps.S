/*
 * The entry stubs for all 256 vectors. Each pushes a zero in place of the
 * error code where the CPU pushes none, then its vector number, and joins
 * the common path, which saves every general register so trap_dispatch
 * sees (and a report can print) the interrupted state in one frame.
 *
 * Every vector arrives on a stack of the interrupt stack table
 * (arch/x86_64/gdt.h), never on the interrupted one, whose red zone
 * would be overwritten. Exceptions are reported from there (they end the
 * VM, except #NM, which returns at once). An interrupt (vectors 32-255)
 * leaves its IST stack before its handler runs: the frame is copied to
 * the running thread's kernel stack (below the interrupted frame when it
 * was on that stack, else at its top), so the handler may switch threads
 * (preemption) and the IST stack is free for the next interrupt, whatever
 * thread takes it.
 */

#define FRAME_QWORDS 22                 /* struct trap_frame (arch/x86_64/trap.h) */
#define FRAME_VECTOR (15 * 8)
#define FRAME_RSP (20 * 8)
#define RED_ZONE 128
#define FIRST_IRQ 32

#include "arch/x86_64/trap_stubs.h"

	.section .text
	.code64

	/* Local labels: 256 names would only bloat the symbol table.
	 * Four bytes a stub: a push of the vector as a sign-extended byte
	 * and a short jump (two bytes each) to one of the two jumps that
	 * end its group (arch/x86_64/trap_stubs.h: the layout, from which
	 * arch/x86_64/idt.c computes the stubs' addresses): to trap_common for a
	 * vector whose error code the CPU pushed, else to trap_stub_noerr,
	 * which puts the zero in place of the error code and the vector
	 * below it, as one stub of sixteen bytes would have pushed them.
	 * .org pins every group to TRAP_STUB_GROUP_BYTES: the assembler
	 * stops if one ever grows. */
	.macro stub v, g
	pushq $((\v ^ 0x80) - 0x80)
	.if TRAP_HAS_ERROR(\v)
	jmp .Ltrap_error_\g
	.else
	jmp .Ltrap_noerr_\g
	.endif
	.endm

	.macro group g
	.set v, \g * TRAP_STUBS_PER_GROUP
	.rept TRAP_STUBS_PER_GROUP
	stub %v, \g
	.set v, v + 1
	.endr
.Ltrap_error_\g:
	jmp trap_common
.Ltrap_noerr_\g:
	jmp trap_stub_noerr
	.org trap_stubs_start + (\g + 1) * TRAP_STUB_GROUP_BYTES, 0xcc
	.endm

	.globl trap_stubs_start
trap_stubs_start:
	.altmacro
	.set g, 0
	.rept 256 / TRAP_STUBS_PER_GROUP
	group %g
	.set g, g + 1
	.endr

trap_stub_noerr:
	pushq (%rsp)                    /* the vector, one slot lower */
	movq $0, 8(%rsp)                /* the error code the CPU did not push */
	andq $0xff, (%rsp)              /* the vector pushed as a signed byte */
	jmp trap_common

	.balign 16
trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld                             /* the ABI wants DF clear; musl's memmove sets it */
	cmpq $FIRST_IRQ, FRAME_VECTOR(%rsp)
	jb 2f
	/* The stack to continue on: below the interrupted frame when the
	 * interrupted stack is the thread's kernel stack, else its top. */
	movq FRAME_RSP(%rsp), %rax
	movq trap_kstack_top(%rip), %rdx
	cmpq trap_kstack_bottom(%rip), %rax
	jb 1f
	cmpq %rdx, %rax
	jae 1f
	leaq -RED_ZONE(%rax), %rdx
1:	andq $-16, %rdx
	subq $FRAME_QWORDS * 8, %rdx
	movq %rsp, %rsi
	movq %rdx, %rdi
	movl $FRAME_QWORDS, %ecx
	rep movsq
	movq %rdx, %rsp
2:	mov %rsp, %rdi
	/* A frame record (interrupted rip, interrupted rbp) would make the
	 * handler's backtrace continue into the interrupted code; reports
	 * walk from the saved frame instead, so rbp is simply cleared. */
	xor %ebp, %ebp
	call trap_dispatch
	jmp .Ltrap_pop

	/* void trap_return(const struct trap_frame *f): loads every register
	 * from f and returns by iretq, as an interrupt's exit does. f must
	 * be on the running thread's kernel stack (the exit runs below it). */
	.globl trap_return
	.type trap_return, @function
trap_return:
	movq %rdi, %rsp
.Ltrap_pop:
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	add $16, %rsp                   /* vector and error code */
	iretq
