// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sgtrue: the smallest program sgload's exec mode can run: no libc, no
 * dynamic loader, one syscall (exit_group(0)).  So an exec costs the kernel's
 * fork + execve + exit and nothing else.  Built with -static -nostdlib where
 * the architecture has an entry below, else as a plain static program.
 */
#if defined(SGTRUE_NOSTDLIB) && defined(__x86_64__)
__attribute__((noreturn)) void _start(void);
void _start(void)
{
	__asm__ volatile("mov $231, %eax\n\txor %edi, %edi\n\tsyscall");
	__builtin_unreachable();
}
#elif defined(SGTRUE_NOSTDLIB) && defined(__aarch64__)
__attribute__((noreturn)) void _start(void);
void _start(void)
{
	__asm__ volatile("mov x8, #94\n\tmov x0, #0\n\tsvc #0");
	__builtin_unreachable();
}
#else
int main(void)
{
	return 0;
}
#endif
