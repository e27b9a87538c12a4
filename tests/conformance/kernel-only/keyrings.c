/* keyctl on keyrings: the special keyrings (made on demand, as Linux makes them), session keyrings joined by name or
 * anonymously and kept across fork, DESCRIBE, READ and CLEAR of an empty keyring, and the errnos. Kernel-only: the
 * host's own keyrings (its login session's) make its answers differ. */
#include "../conformance.h"

#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define KEYCTL_GET_KEYRING_ID 0
#define KEYCTL_JOIN_SESSION_KEYRING 1
#define KEYCTL_UPDATE 2
#define KEYCTL_DESCRIBE 6
#define KEYCTL_CLEAR 7
#define KEYCTL_SEARCH 10
#define KEYCTL_READ 11

static long kc(int op, long a, long b, long c, long d) { return syscall(SYS_keyctl, op, a, b, c, d); }

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	EXPECT_ERR("no thread keyring yet", kc(KEYCTL_GET_KEYRING_ID, -1, 0, 0, 0), ENOKEY);
	long thread = kc(KEYCTL_GET_KEYRING_ID, -1, 1, 0, 0);
	EXPECT_TRUE("made on demand", thread > 0);
	EXPECT_EQ("the same one again", kc(KEYCTL_GET_KEYRING_ID, -1, 0, 0, 0), thread);
	EXPECT_ERR("no process keyring yet", kc(KEYCTL_GET_KEYRING_ID, -2, 0, 0, 0), ENOKEY);
	long user = kc(KEYCTL_GET_KEYRING_ID, -4, 0, 0, 0), usess = kc(KEYCTL_GET_KEYRING_ID, -5, 0, 0, 0);
	EXPECT_TRUE("user keyrings exist", user > 0 && usess > 0 && user != usess);
	EXPECT_EQ("the session falls back to the user-session keyring", kc(KEYCTL_GET_KEYRING_ID, -3, 0, 0, 0), usess);
	char buf[128] = "";
	long n = kc(KEYCTL_DESCRIBE, user, (long)buf, sizeof buf, 0);
	EXPECT_TRUE("DESCRIBE user", n > 0 && strcmp(buf, "keyring;0;65534;3f3f0000;_uid.0") == 0);
	EXPECT_EQ("DESCRIBE length without a buffer", kc(KEYCTL_DESCRIBE, user, 0, 0, 0), n);
	long ses = kc(KEYCTL_JOIN_SESSION_KEYRING, 0, 0, 0, 0);
	EXPECT_TRUE("join an anonymous session keyring", ses > 0 && ses != usess);
	EXPECT_EQ("it is the session keyring now", kc(KEYCTL_GET_KEYRING_ID, -3, 0, 0, 0), ses);
	kc(KEYCTL_DESCRIBE, ses, (long)buf, sizeof buf, 0);
	EXPECT_TRUE("described as _ses", strcmp(buf, "keyring;0;0;3f130000;_ses") == 0);
	long named = kc(KEYCTL_JOIN_SESSION_KEYRING, (long)"conf-ring", 0, 0, 0);
	EXPECT_TRUE("join a named one", named > 0 && named != ses);
	EXPECT_EQ("joining it again finds it", kc(KEYCTL_JOIN_SESSION_KEYRING, (long)"conf-ring", 0, 0, 0), named);
	EXPECT_EQ("READ an empty keyring", kc(KEYCTL_READ, named, (long)buf, sizeof buf, 0), 0);
	EXPECT_OK("CLEAR", kc(KEYCTL_CLEAR, named, 0, 0, 0));
	EXPECT_ERR("SEARCH finds nothing", kc(KEYCTL_SEARCH, named, (long)"user", (long)"x", 0), ENOKEY);
	EXPECT_ERR("an unknown keyring", kc(KEYCTL_DESCRIBE, 12345, (long)buf, sizeof buf, 0), ENOKEY);
	EXPECT_ERR("the group keyring", kc(KEYCTL_GET_KEYRING_ID, -6, 0, 0, 0), EINVAL);
	EXPECT_ERR("a bad special id", kc(KEYCTL_GET_KEYRING_ID, -20, 0, 0, 0), EINVAL);
	EXPECT_ERR("an unsupported operation", kc(KEYCTL_UPDATE, named, 0, 0, 0), EOPNOTSUPP);
	EXPECT_ERR("a bad name pointer", kc(KEYCTL_JOIN_SESSION_KEYRING, 8, 0, 0, 0), EFAULT);
	long process = kc(KEYCTL_GET_KEYRING_ID, -2, 1, 0, 0);
	EXPECT_TRUE("a process keyring", process > 0);

	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int ok = kc(KEYCTL_GET_KEYRING_ID, -3, 0, 0, 0) == named    /* the session keyring is inherited */
			&& kc(KEYCTL_GET_KEYRING_ID, -2, 0, 0, 0) == -1 && errno == ENOKEY   /* the process keyring is not */
			&& kc(KEYCTL_GET_KEYRING_ID, -1, 0, 0, 0) == -1;                       /* nor the thread keyring */
		if (ok && setuid(65534) == 0)
			ok = kc(KEYCTL_DESCRIBE, user, (long)buf, sizeof buf, 0) == -1 && errno == EACCES;
		_exit(ok ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	EXPECT_TRUE("fork keeps the session keyring only; another user's keyring is EACCES", WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return conf_failures != 0;
}
