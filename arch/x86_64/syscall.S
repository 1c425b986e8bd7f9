/*
 * The `syscall` instruction executed in ring 0, as applications built
 * against musl issue it: the entry saves the application's registers in
 * a struct syscall_frame (sys/syscall.h) on the thread's kernel stack,
 * calls syscall_dispatch, and returns to the application.
 *
 * `syscall` at CPL 0 stays in ring 0 and leaves rsp alone: the entry is
 * on the application's stack, with interrupts off (SFMASK clears IF, DF,
 * TF, AC and NT), rcx the return address, r11 the flags. `sysret` would
 * go to ring 3, so the return restores the flags and jumps.
 *
 * The kernel stack to use is the one interrupts use (arch/x86_64/trap.h):
 * below the caller's frame, past a red zone, when the caller already runs
 * on its thread's kernel stack (a kernel thread, or the application's
 * first thread when it runs there); else its top.
 */
#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_SFMASK 0xc0000084
#define EFER_SCE 1
#define SFMASK_BITS 0x44700             /* AC | NT | DF | IF | TF */
#define KERNEL_CS 0x08                  /* boot/boot.h BOOT_CS; SS = CS + 8 */
#define RED_ZONE 128

	.section .text
	.code64

	/* void syscall_arch_init(void): enables the instruction and points
	 * it at the entry. */
	.globl syscall_arch_init
	.type syscall_arch_init, @function
syscall_arch_init:
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_SCE, %eax
	wrmsr
	movl $MSR_STAR, %ecx
	xorl %eax, %eax
	movl $KERNEL_CS, %edx           /* STAR[47:32]: the CS (and SS - 8) syscall loads */
	wrmsr
	movl $MSR_LSTAR, %ecx
	leaq syscall_entry(%rip), %rax
	movq %rax, %rdx
	shrq $32, %rdx
	wrmsr
	movl $MSR_SFMASK, %ecx
	movl $SFMASK_BITS, %eax
	xorl %edx, %edx
	wrmsr
	ret

	/* Interrupts are off and the CPU is the only one: the application's
	 * stack pointer can wait here until it is pushed. */
	.section .bss
	.balign 8
syscall_app_rsp:
	.skip 8

	.section .text
	.globl syscall_entry
	.type syscall_entry, @function
syscall_entry:
	movq %rsp, syscall_app_rsp(%rip)
	cmpq trap_kstack_bottom(%rip), %rsp
	jb 1f
	cmpq trap_kstack_top(%rip), %rsp
	jae 1f
	subq $RED_ZONE, %rsp
	jmp 2f
1:	movq trap_kstack_top(%rip), %rsp
2:	andq $-16, %rsp
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
	xorl %ebp, %ebp                 /* backtraces end here */
	call syscall_dispatch           /* returns with interrupts off */
	movq %rsp, %rdi
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
	popfq
	popq %rsp
	jmp *%rcx
