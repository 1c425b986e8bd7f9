/*
 * The entry stubs for all 256 vectors. Each pushes a zero in place of the
 * error code where the CPU pushes none, then its vector number, and joins
 * the common path, which saves every general register so trap_dispatch
 * sees (and a report can print) the interrupted state in one frame.
 */

/* Vectors for which the CPU pushes an error code (Intel SDM vol. 3,
 * table 6-1): #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17,
 * #CP 21, #VC 29, #SX 30. */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

	.section .text
	.code64

	/* Local labels: 256 names would only bloat the symbol table. */
	.macro stub v
	.balign 16
.Ltrap_stub_\v:
	.if !HAS_ERROR(\v)
	pushq $0
	.endif
	pushq $\v
	jmp trap_common
	.endm

	.globl trap_stubs_start
trap_stubs_start:
	.altmacro
	.set v, 0
	.rept 256
	stub %v
	.set v, v + 1
	.endr

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
	cld
	mov %rsp, %rdi
	/* A frame record (interrupted rip, interrupted rbp) would make the
	 * handler's backtrace continue into the interrupted code; reports
	 * walk from the saved frame instead, so rbp is simply cleared. */
	xor %ebp, %ebp
	call trap_dispatch
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
