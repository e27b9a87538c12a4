/* System V message queues: msgget keys and flags, msgsnd/msgrcv type selection (0, >0, <0, MSG_EXCEPT),
 * MSG_NOERROR, MSG_COPY, IPC_NOWAIT, the queue's byte limit, msgctl's commands, blocking and EIDRM across processes,
 * and the errors Linux documents. Every queue made here is removed. qemu-user writes msg_lspid and msg_lrpid as
 * 8-byte fields, checks a msgrcv buffer before it takes the message, has no MSG_STAT_ANY, and copies a msgsnd of (size_t)-1 bytes until it crashes: those are checked in kernel-only/sysv_ipc.c. */
#include "conformance.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

struct msg {
	long type;
	char text[64];
};

static long snd(int q, long type, const char *text, int flags)
{
	struct msg m = { .type = type };
	size_t n = strlen(text);
	memcpy(m.text, text, n);
	return msgsnd(q, &m, n, flags);
}

static char got[80];

/* Receives one message: its text (and type) go to got; returns the length or -1. */
static long rcv(int q, size_t size, long type, int flags)
{
	struct msg m;
	memset(&m, 0, sizeof m);
	long n = msgrcv(q, &m, size, type, flags);
	if (n >= 0)
		snprintf(got, sizeof got, "%ld:%.*s", m.type, (int)n, m.text);
	else
		snprintf(got, sizeof got, "none");
	return n;
}

static void on_alarm(int sig)
{
	(void)sig;
}

int main(void)
{
	key_t key = 0x5157a001;
	int q = msgget(IPC_PRIVATE, 0600);
	EXPECT_TRUE("msgget IPC_PRIVATE", q >= 0);
	EXPECT_ERR("msgget of a key nobody made", msgget(key, 0600), ENOENT);
	int k = msgget(key, IPC_CREAT | 0640);
	EXPECT_TRUE("msgget IPC_CREAT makes the key", k >= 0);
	EXPECT_EQ("msgget of the key again is the same queue", msgget(key, 0) == k, 1);
	EXPECT_EQ("IPC_CREAT without IPC_EXCL finds it", msgget(key, IPC_CREAT | 0600) == k, 1);
	EXPECT_ERR("IPC_CREAT|IPC_EXCL of an existing key", msgget(key, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
	EXPECT_TRUE("two IPC_PRIVATE queues differ", msgget(IPC_PRIVATE, 0600) != q);
	/* That second private queue is found and removed through MSG_STAT below. */

	/* Type selection. */
	snd(q, 3, "three", 0);
	snd(q, 1, "one", 0);
	snd(q, 2, "two", 0);
	snd(q, 1, "one-b", 0);
	struct msqid_ds ds;
	EXPECT_EQ("IPC_STAT", msgctl(q, IPC_STAT, &ds), 0);
	EXPECT_EQ("msg_qnum", ds.msg_qnum, 4);
	EXPECT_EQ("msg_cbytes", ds.__msg_cbytes, 16);
	EXPECT_EQ("msg_qbytes is msgmnb", ds.msg_qbytes, 16384);
	EXPECT_EQ("msg_lspid", ds.msg_lspid == getpid(), 1);
	EXPECT_EQ("mode", ds.msg_perm.mode & 0777, 0600);
	EXPECT_EQ("uid", ds.msg_perm.uid == geteuid() && ds.msg_perm.cuid == geteuid(), 1);
	EXPECT_EQ("key of a private queue", ds.msg_perm.__key, 0);

	EXPECT_EQ("MSG_COPY of message 1", rcv(q, 64, 1, MSG_COPY | IPC_NOWAIT), 3);
	printf("copy: %s\n", got);
	EXPECT_ERR("MSG_COPY past the end", rcv(q, 64, 9, MSG_COPY | IPC_NOWAIT), ENOMSG);
	EXPECT_ERR("MSG_COPY without IPC_NOWAIT", rcv(q, 64, 0, MSG_COPY), EINVAL);
	EXPECT_ERR("MSG_COPY with MSG_EXCEPT", rcv(q, 64, 0, MSG_COPY | MSG_EXCEPT | IPC_NOWAIT), EINVAL);
	EXPECT_ERR("MSG_COPY of a short buffer", rcv(q, 2, 0, MSG_COPY | IPC_NOWAIT), E2BIG);
	EXPECT_EQ("type 2", rcv(q, 64, 2, 0), 3);
	printf("got: %s\n", got);
	EXPECT_EQ("type -2: the lowest type up to 2", rcv(q, 64, -2, 0), 3);
	printf("got: %s\n", got);
	EXPECT_EQ("MSG_EXCEPT 1", rcv(q, 64, 1, MSG_EXCEPT), 5);
	printf("got: %s\n", got);
	EXPECT_ERR("type 7 with IPC_NOWAIT", rcv(q, 64, 7, IPC_NOWAIT), ENOMSG);
	EXPECT_ERR("a buffer too small", rcv(q, 2, 0, 0), E2BIG);
	EXPECT_EQ("MSG_NOERROR cuts the text", rcv(q, 2, 0, MSG_NOERROR), 2);
	printf("got: %s\n", got);
	EXPECT_ERR("an empty queue with IPC_NOWAIT", rcv(q, 64, 0, IPC_NOWAIT), ENOMSG);
	EXPECT_EQ("IPC_STAT after", msgctl(q, IPC_STAT, &ds), 0);
	EXPECT_EQ("msg_qnum 0", ds.msg_qnum, 0);
	EXPECT_EQ("msg_cbytes 0", ds.__msg_cbytes, 0);

	/* msgsnd errors. */
	EXPECT_ERR("mtype 0", snd(q, 0, "x", 0), EINVAL);
	EXPECT_ERR("mtype -1", snd(q, -1, "x", 0), EINVAL);
	static struct {
		long type;
		char text[9000];
	} big = { .type = 1 };
	EXPECT_ERR("msgsz > msgmax", msgsnd(q, &big, 8193, 0), EINVAL);
	EXPECT_ERR("bad msgp", msgsnd(q, (void *)8, 4, 0), EFAULT);
	EXPECT_ERR("negative id", snd(-1, 1, "x", 0), EINVAL);
	EXPECT_ERR("stale id", snd(q + 32768 * 7, 1, "x", 0), EINVAL);
	EXPECT_ERR("msgrcv negative id", rcv(-1, 64, 0, 0), EINVAL);
	EXPECT_ERR("msgrcv negative size", rcv(q, (size_t)-1, 0, 0), EINVAL);
	EXPECT_EQ("an empty message", msgsnd(q, &big, 0, 0), 0);
	EXPECT_EQ("is received empty", rcv(q, 0, 0, 0), 0);
	snd(q, 4, "abcd", 0);
	rcv(q, 64, 0, 0);

	/* The queue's limit: msg_qbytes bounds bytes and the count of messages. */
	ds.msg_qbytes = 10;
	EXPECT_EQ("IPC_SET msg_qbytes 10", msgctl(q, IPC_SET, &ds), 0);
	EXPECT_EQ("8 bytes fit", snd(q, 1, "12345678", IPC_NOWAIT), 0);
	EXPECT_ERR("3 more do not", snd(q, 1, "abc", IPC_NOWAIT), EAGAIN);
	EXPECT_EQ("2 more do", snd(q, 1, "ab", IPC_NOWAIT), 0);
	ds.msg_qbytes = 3;
	msgctl(q, IPC_SET, &ds);
	rcv(q, 64, 0, 0);
	rcv(q, 64, 0, 0);
	EXPECT_EQ("empty messages up to qbytes in count", snd(q, 1, "", IPC_NOWAIT) + snd(q, 1, "", IPC_NOWAIT) + snd(q, 1, "", IPC_NOWAIT), 0);
	EXPECT_ERR("then no more", snd(q, 1, "", IPC_NOWAIT), EAGAIN);
	rcv(q, 64, 0, 0);
	rcv(q, 64, 0, 0);
	rcv(q, 64, 0, 0);
	ds.msg_qbytes = 16384;
	EXPECT_EQ("msg_qbytes back", msgctl(q, IPC_SET, &ds), 0);

	/* msgctl. */
	struct msginfo info;
	EXPECT_TRUE("IPC_INFO", msgctl(0, IPC_INFO, (struct msqid_ds *)&info) >= 0);
	EXPECT_EQ("msgmax", info.msgmax, 8192);
	EXPECT_EQ("msgmnb", info.msgmnb, 16384);
	EXPECT_EQ("msgmni", info.msgmni, 32000);
	EXPECT_EQ("msgssz", info.msgssz, 16);
	EXPECT_EQ("msgseg", info.msgseg, 0xffff);
	EXPECT_TRUE("MSG_INFO", msgctl(0, MSG_INFO, (struct msqid_ds *)&info) >= 0);
	EXPECT_TRUE("MSG_INFO counts queues", info.msgpool >= 3);
	int maxidx = msgctl(0, MSG_INFO, (struct msqid_ds *)&info);
	int found = 0, removed = 0;
	for (int i = 0; i <= maxidx; i++) {
		struct msqid_ds s;
		int id = msgctl(i, MSG_STAT, &s);
		if (id == q || id == k)
			found++;
		else if (id >= 0 && s.msg_perm.__key == IPC_PRIVATE && s.msg_perm.cuid == geteuid() && s.msg_lspid == 0
			 && s.msg_ctime >= ds.msg_ctime - 5 && msgctl(id, IPC_RMID, NULL) == 0)
			removed++;
	}
	EXPECT_EQ("MSG_STAT finds both queues", found, 2);
	EXPECT_TRUE("and the second private one", removed >= 1);
	EXPECT_ERR("MSG_STAT of an unused index", msgctl(32767, MSG_STAT, &ds), EINVAL);
	EXPECT_ERR("IPC_STAT to a bad buffer", msgctl(q, IPC_STAT, (struct msqid_ds *)8), EFAULT);
	EXPECT_ERR("IPC_SET from a bad buffer", msgctl(q, IPC_SET, (struct msqid_ds *)8), EFAULT);
	EXPECT_ERR("unknown command", msgctl(q, 99, &ds), EINVAL);
	EXPECT_ERR("msgctl negative id", msgctl(-1, IPC_STAT, &ds), EINVAL);
	msgctl(k, IPC_STAT, &ds);
	ds.msg_perm.mode = 0400;
	EXPECT_EQ("IPC_SET mode 0400", msgctl(k, IPC_SET, &ds), 0);
	msgctl(k, IPC_STAT, &ds);
	EXPECT_EQ("mode now", ds.msg_perm.mode & 0777, 0400);

	/* Permissions, checked without root's CAP_IPC_OWNER in a child that drops to another user. */
	pid_t child = fork();
	if (child == 0) {
		if (setuid(4242) != 0)
			_exit(9);
		int e1 = msgget(key, 0600) == -1 && errno == EACCES;
		int e2 = msgget(key, 0) == k;
		int e3 = snd(k, 1, "x", IPC_NOWAIT) == -1 && errno == EACCES;
		int e4 = msgctl(k, IPC_STAT, &ds) == -1 && errno == EACCES;
		int e5 = msgctl(k, IPC_RMID, NULL) == -1 && errno == EPERM;
		int e6 = msgctl(k, IPC_SET, &ds) == -1 && errno == EPERM;
		_exit(e1 + 2 * e2 + 4 * e3 + 8 * e4 + 16 * e5 + 32 * e6);
	}
	int st;
	waitpid(child, &st, 0);
	EXPECT_EQ("another user: EACCES, found with mode 0, EACCES, EACCES, EPERM, EPERM", WEXITSTATUS(st), 63);

	/* A receiver blocked in another process gets a message sent later; then one gets EIDRM. */
	int ready[2];
	pipe(ready);
	child = fork();
	if (child == 0) {
		struct msg m;
		write(ready[1], "x", 1);
		long n = msgrcv(q, &m, sizeof m.text, 5, 0);
		if (n != 4 || m.type != 5 || memcmp(m.text, "five", 4) != 0)
			_exit(1);
		write(ready[1], "x", 1);
		n = msgrcv(q, &m, sizeof m.text, 6, 0);
		_exit(n == -1 && errno == EIDRM ? 2 : 3);
	}
	char x;
	read(ready[0], &x, 1);
	usleep(100000);
	snd(q, 4, "four", 0);
	snd(q, 5, "five", 0);
	usleep(100000);
	read(ready[0], &x, 1);
	EXPECT_EQ("the waiting receiver took type 5 only", rcv(q, 64, 0, IPC_NOWAIT), 4);
	printf("left: %s\n", got);
	usleep(300000); /* the child is in its second msgrcv by now */
	EXPECT_EQ("IPC_RMID", msgctl(q, IPC_RMID, NULL), 0);
	waitpid(child, &st, 0);
	EXPECT_EQ("the second wait ended with EIDRM", WEXITSTATUS(st), 2);
	EXPECT_ERR("the id is gone", msgctl(q, IPC_STAT, &ds), EINVAL);

	/* A handled signal interrupts a wait with EINTR, even with SA_RESTART. */
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	EXPECT_ERR("msgrcv interrupted", rcv(k, 64, 0, 0), EINTR);
	EXPECT_EQ("IPC_RMID of the key", msgctl(k, IPC_RMID, NULL), 0);
	EXPECT_ERR("IPC_RMID again", msgctl(k, IPC_RMID, NULL), EINVAL);
	EXPECT_ERR("the key is free", msgget(key, 0), ENOENT);
	return conf_exit();
}
