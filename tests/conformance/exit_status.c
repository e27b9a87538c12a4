/* exit_group called directly (no atexit/stdio cleanup) after flushing stdout. */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	printf("before exit_group\n");
	fflush(stdout);
	syscall(SYS_exit_group, 7);
	printf("after exit_group (must not appear)\n");
	return 0;
}
