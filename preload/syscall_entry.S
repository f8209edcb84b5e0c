/* The common entry of every patched syscall site (preload/syscall_patcher.cpp).
 *
 * On entry, as at a `syscall` instruction: rax = the syscall number, rdi rsi
 * rdx r10 r8 r9 = its arguments; the site's trampoline has stepped below the
 * red zone and called us. On return rax holds the result and every other
 * register is as it was (rcx and r11 included, though a syscall may clobber
 * them), so the code around the site sees a plain syscall.
 *
 * Fast path: shunt_syscall_fast (general registers only) says whether the
 * call concerns an accelerated fd or one of shunt's own; if not, the kernel
 * gets it here with the original registers. Slow path: the full extended
 * state (x87, SSE, AVX, ...) is saved with XSAVE, since the C++ dispatcher
 * and the libc functions it calls may use vector registers the interrupted
 * libc code keeps live across its syscall, then shunt_syscall_slow runs.
 */
    .text
    .globl  shunt_syscall_entry
    .hidden shunt_syscall_entry
    .type   shunt_syscall_entry, @function
shunt_syscall_entry:
    .cfi_startproc
    pushfq
    push    %rbp
    mov     %rsp, %rbp
    push    %rbx
    push    %rcx
    push    %r11
    /* rbx, rcx, r11 at -8, -16, -24(%rbp); the frame (nr a0..a5 ret, as
       struct syscall_frame) at -96(%rbp). */
    sub     $72, %rsp
    mov     %rax, -96(%rbp)
    mov     %rdi, -88(%rbp)
    mov     %rsi, -80(%rbp)
    mov     %rdx, -72(%rbp)
    mov     %r10, -64(%rbp)
    mov     %r8,  -56(%rbp)
    mov     %r9,  -48(%rbp)
    and     $-16, %rsp
    lea     -96(%rbp), %rdi
    call    shunt_syscall_fast
    test    %eax, %eax
    jnz     2f
    /* The kernel's, with the original registers. */
    mov     -96(%rbp), %rax
    mov     -88(%rbp), %rdi
    mov     -80(%rbp), %rsi
    mov     -72(%rbp), %rdx
    mov     -64(%rbp), %r10
    mov     -56(%rbp), %r8
    mov     -48(%rbp), %r9
    syscall
    jmp     3f
2:
    /* Ours: the extended state goes below, 64-byte aligned, its XSAVE
       header zeroed (XRSTOR requires the reserved bytes to be 0). */
    mov     shunt_xsave_size(%rip), %rcx
    sub     %rcx, %rsp
    and     $-64, %rsp
    xor     %eax, %eax
    mov     %rax, 512(%rsp)
    mov     %rax, 520(%rsp)
    mov     %rax, 528(%rsp)
    mov     %rax, 536(%rsp)
    mov     %rax, 544(%rsp)
    mov     %rax, 552(%rsp)
    mov     %rax, 560(%rsp)
    mov     %rax, 568(%rsp)
    mov     $-1, %eax
    mov     $-1, %edx
    xsave   (%rsp)
    mov     %rsp, %rbx
    lea     -96(%rbp), %rdi
    call    shunt_syscall_slow
    mov     %rbx, %rsp
    mov     $-1, %eax
    mov     $-1, %edx
    xrstor  (%rsp)
    mov     -40(%rbp), %rax         /* the result */
3:
    mov     -88(%rbp), %rdi
    mov     -80(%rbp), %rsi
    mov     -72(%rbp), %rdx
    mov     -64(%rbp), %r10
    mov     -56(%rbp), %r8
    mov     -48(%rbp), %r9
    mov     -24(%rbp), %r11
    mov     -16(%rbp), %rcx
    mov     -8(%rbp), %rbx
    mov     %rbp, %rsp
    pop     %rbp
    popfq
    ret
    .cfi_endproc
    .size   shunt_syscall_entry, .-shunt_syscall_entry

    .section .note.GNU-stack, "", @progbits
