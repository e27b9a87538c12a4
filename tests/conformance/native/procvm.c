/* process_vm_readv and process_vm_writev between a parent and its child, with their errnos. Native oracle: qemu-user
 * 7.2 answers both with ENOSYS. */
#include "../conformance.h"

#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static char shared_buf[64] = "parent's copy";

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	int ready[2], done[2];
	pipe(ready);
	pipe(done);
	pid_t child = fork();
	if (child == 0) {
		strcpy(shared_buf, "child's words");
		write(ready[1], "r", 1);
		char c;
		read(done[0], &c, 1);
		/* Report what the parent wrote into us. */
		write(ready[1], shared_buf, 16);
		_exit(0);
	}
	char c;
	read(ready[0], &c, 1);
	char got[32] = {0};
	struct iovec local = {got, 13}, remote = {shared_buf, 13};
	EXPECT_EQ("process_vm_readv of the child", process_vm_readv(child, &local, 1, &remote, 1, 0), 13);
	printf("  read: %s\n", got);
	char two[32] = {0};
	struct iovec locals[2] = {{two, 5}, {two + 10, 8}};
	EXPECT_EQ("  scattered into two buffers", process_vm_readv(child, locals, 2, &remote, 1, 0), 13);
	printf("  pieces: %.5s|%.8s\n", two, two + 10);
	char msg[16] = "written by dad!";
	struct iovec wl = {msg, 16}, wr = {shared_buf, 16};
	EXPECT_EQ("process_vm_writev into the child", process_vm_writev(child, &wl, 1, &wr, 1, 0), 16);
	write(done[1], "d", 1);
	char back[16];
	read(ready[0], back, 16);
	printf("  the child sees: %s\n", back);

	struct iovec bad_remote[2] = {{shared_buf, 4}, {(void *)8, 4}};
	EXPECT_ERR("with flags", process_vm_readv(child, &local, 1, &remote, 1, 1), EINVAL);
	EXPECT_ERR("with 1025 iovecs", process_vm_readv(child, &local, 1025, &remote, 1, 0), EINVAL);
	EXPECT_ERR("from a bad local iovec array", process_vm_readv(child, (struct iovec *)8, 1, &remote, 1, 0), EFAULT);
	EXPECT_ERR("of no such process", process_vm_readv(999999, &local, 1, &remote, 1, 0), ESRCH);
	waitpid(child, NULL, 0);
	EXPECT_ERR("of a reaped child", process_vm_readv(child, &local, 1, &remote, 1, 0), ESRCH);
	EXPECT_EQ("of ourselves, a remote range that faults ends it", process_vm_readv(getpid(), &local, 1, bad_remote, 2, 0), 4);
	EXPECT_ERR("  and faulting at once is EFAULT", process_vm_readv(getpid(), &local, 1, &bad_remote[1], 1, 0), EFAULT);

	child = fork();
	if (child == 0) {
		if (setuid(65534) != 0)
			_exit(9);
		struct iovec l = {got, 4}, r = {shared_buf, 4};
		EXPECT_ERR("an unprivileged child reading its root parent", process_vm_readv(getppid(), &l, 1, &r, 1, 0), EPERM);
		_exit(conf_exit());
	}
	int status;
	waitpid(child, &status, 0);
	EXPECT_TRUE("the unprivileged child passed", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return conf_exit();
}
