/* The common entry of every patched syscall site (preload/syscall_patcher.cpp).
 *
 * On entry, as at a `syscall` instruction: rax = the syscall number, rdi rsi
 * rdx r10 r8 r9 = its arguments; the site's trampoline has stepped below the
 * red zone and called us. On return rax holds the result and every other
 * register is as it was (rcx and r11 included, though a syscall may clobber
 * them), so the code around the site sees a plain syscall.
 *
 * Fast path, here in a few instructions: a syscall that takes no fd shunt
 * handles (a bitmap of their numbers), or whose fd is not accelerated (the
 * fd table), or made by a posix_spawn child or by shunt itself inside the
 * slow path (the TLS word shunt_spawning), goes straight to the kernel; rcx
 * and r11, which the syscall clobbers anyway, serve as scratch. The few that
 * take two fds (dup2, dup3, splice, close_range) or none (io_uring_setup)
 * ask shunt_syscall_fast (general registers only); a close of an fd that
 * is not accelerated is compared with shunt's own fds (of every channel) here. Slow path: the full extended
 * state (x87, SSE, AVX, ...) is saved with XSAVE, since the C++ dispatcher
 * and the libc functions it calls may use vector registers the interrupted
 * libc code keeps live across its syscall, then shunt_syscall_slow runs.
 */
    .section .rodata
    .p2align 3
    /* Bit n set: syscall n may concern an accelerated fd (or, for
       io_uring_setup 425, whether the process may have any:
       preload/io_uring_guard.hpp; for prctl 157 and seccomp 317, whether
       it is about to run under a seccomp filter: preload/sandbox.hpp); the
       list of shunt_syscall_fast, hook_wants and shunt_syscall_slow
       (preload/syscall_dispatch.cpp) (read write close ioctl readv writev
       dup dup2 sendfile connect accept sendto recvfrom sendmsg recvmsg
       shutdown bind listen getsockname getpeername setsockopt getsockopt
       fcntl prctl splice accept4 dup3 recvmmsg sendmmsg seccomp
       io_uring_setup close_range). */
    .globl  shunt_syscall_bitmap
    .hidden shunt_syscall_bitmap
shunt_syscall_bitmap:
    .quad 0x00dffd030019000b, 0x0000000000000100, 0x0000000020000000, 0, 0x2008081100080000, 0, 0x0010020000000000
    /* Bit n set: syscall n names two fds, a range or none, so
       shunt_syscall_fast decides (dup2 33, prctl 157, splice 275, dup3 292,
       seccomp 317, io_uring_setup 425, close_range 436). */
    .globl  shunt_syscall_two_fd_bitmap
    .hidden shunt_syscall_two_fd_bitmap
shunt_syscall_two_fd_bitmap:
    .quad 0x0000000200000000, 0, 0x0000000020000000, 0, 0x2000001000080000, 0, 0x0010020000000000

    .text
    .globl  shunt_syscall_entry
    .hidden shunt_syscall_entry
    .type   shunt_syscall_entry, @function
shunt_syscall_entry:
    .cfi_startproc
    cmp     $448, %rax
    jae     9f
    bt      %rax, shunt_syscall_bitmap(%rip)
    jnc     9f                      /* not a call on an fd shunt handles */
    /* Sites whose number is known to be in the bitmap enter here (the
       patcher's trampolines: preload/syscall_patcher.cpp). */
    .globl  shunt_syscall_entry_fd
    .hidden shunt_syscall_entry_fd
shunt_syscall_entry_fd:
    /* rcx on the way to 1: 0 when shunt_syscall_fast must decide, 1 when
       the call is already known to be ours. */
    xor     %ecx, %ecx
    bt      %rax, shunt_syscall_two_fd_bitmap(%rip)
    jc      1f                      /* dup2, dup3, splice, close_range, prctl, seccomp, io_uring_setup: not one fd first */
    mov     shunt_spawning@gottpoff(%rip), %rcx
    cmpl    $0, %fs:(%rcx)
    jne     9f                      /* a posix_spawn child before its exec, or shunt's own call */
    test    %edi, %edi
    js      9f                      /* no fd (close(-1)): the kernel's EBADF */
    cmp     shunt_fd_table_size(%rip), %edi
    jge     4f
    mov     shunt_fd_table(%rip), %rcx
    movslq  %edi, %r11
    cmpq    $0, (%rcx,%r11,8)       /* relaxed: the fd table's entries are single words */
    je      4f
    mov     $1, %ecx
    jmp     1f
4:  /* not accelerated: a close may still be of one of shunt's own fds
       (every channel's, k_own_fd_slots of them: preload/syscall_hook.hpp) */
    cmp     $3, %eax
    jne     9f
    mov     $1, %ecx
    .irp    slot, 0, 4, 8, 12, 16, 20, 24, 28, 32, 36
    cmp     shunt_own_fds+\slot(%rip), %edi
    je      1f
    .endr
    jmp     9f
1:
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
    cmpq    $0, -16(%rbp)           /* the saved rcx: already known to be ours */
    jne     2f
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
9:  /* the kernel's, at once */
    syscall
    ret
    .cfi_endproc
    .size   shunt_syscall_entry, .-shunt_syscall_entry

    .section .note.GNU-stack, "", @progbits
