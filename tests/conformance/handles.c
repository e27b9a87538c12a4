/* name_to_handle_at and open_by_handle_at on /tmp and on the root: handles that open the same file while it
 * exists (also after a rename), ESTALE once it is gone, EOVERFLOW with the needed size written back, mount ids,
 * AT_EMPTY_PATH and AT_SYMLINK_FOLLOW, and the errno cases of name_to_handle_at(2). Handle bytes and sizes
 * depend on the filesystem, so only relations are printed. */
#include "conformance.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define HANDLE_MAX 128

struct handle {
	unsigned int handle_bytes;
	int handle_type;
	unsigned char f_handle[HANDLE_MAX];
};

static int get_handle(int dirfd, const char *path, struct handle *h, int *mount_id, int flags)
{
	h->handle_bytes = HANDLE_MAX;
	return name_to_handle_at(dirfd, path, (struct file_handle *)h, mount_id, flags);
}

/* The id /proc/self/mountinfo gives the mount that holds path: the longest mount point that is a prefix of it. */
static int mountinfo_id(const char *path)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	char line[1024], point[512];
	int id, best = -1;
	size_t best_len = 0;
	while (f && fgets(line, sizeof line, f)) {
		if (sscanf(line, "%d %*d %*s %*s %511s", &id, point) != 2)
			continue;
		size_t n = strlen(point);
		int prefix = strcmp(point, "/") == 0 || (strncmp(path, point, n) == 0 && (path[n] == '/' || path[n] == 0));
		if (prefix && n >= best_len) {
			best = id;
			best_len = n;
		}
	}
	if (f)
		fclose(f);
	return best;
}

static int same_file(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int main(void)
{
	const char *path = "/tmp/handles_conformance";
	const char *renamed = "/tmp/handles_conformance_renamed";
	const char *link = "/tmp/handles_conformance_link";
	unlink(path);
	unlink(renamed);
	unlink(link);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	write(fd, "handle data", 11);
	close(fd);
	symlink(path, link);
	int tmp = open("/tmp", O_RDONLY | O_DIRECTORY);
	int etc = open("/etc", O_RDONLY | O_DIRECTORY);

	/* EOVERFLOW writes the size the handle needs; a second call with that size works. */
	struct handle h;
	int mount_id = -1, mount_id2 = -2;
	h.handle_bytes = 0;
	EXPECT_ERR("handle_bytes=0", name_to_handle_at(AT_FDCWD, path, (struct file_handle *)&h, &mount_id, 0), EOVERFLOW);
	unsigned int needed = h.handle_bytes;
	EXPECT_TRUE("needed size written back", needed > 0 && needed <= HANDLE_MAX);
	h.handle_bytes = needed - 1;
	EXPECT_ERR("handle_bytes one short", name_to_handle_at(AT_FDCWD, path, (struct file_handle *)&h, &mount_id, 0), EOVERFLOW);
	EXPECT_TRUE("still the same size", h.handle_bytes == needed);
	h.handle_bytes = needed;
	EXPECT_EQ("handle_bytes exactly", name_to_handle_at(AT_FDCWD, path, (struct file_handle *)&h, &mount_id, 0), 0);
	struct handle h2;
	EXPECT_EQ("handle again", get_handle(AT_FDCWD, path, &h2, &mount_id2, 0), 0);
	EXPECT_TRUE("same handle both times", h2.handle_bytes == needed && h2.handle_type == h.handle_type &&
			memcmp(h.f_handle, h2.f_handle, needed) == 0);
	EXPECT_TRUE("same mount id", mount_id == mount_id2);
	EXPECT_TRUE("the mount id is /proc/self/mountinfo's", mount_id == mountinfo_id(path));

	h.handle_bytes = HANDLE_MAX + 1;
	EXPECT_ERR("handle_bytes>MAX_HANDLE_SZ", name_to_handle_at(AT_FDCWD, path, (struct file_handle *)&h, &mount_id, 0), EINVAL);
	EXPECT_ERR("bad flags", get_handle(AT_FDCWD, path, &h, &mount_id, 0x8000), EINVAL);
	EXPECT_ERR("missing file", get_handle(AT_FDCWD, "/tmp/handles_no_such_file", &h, &mount_id, 0), ENOENT);
	EXPECT_ERR("bad handle pointer", name_to_handle_at(AT_FDCWD, path, (struct file_handle *)8, &mount_id, 0), EFAULT);
	EXPECT_ERR("bad mount_id pointer", get_handle(AT_FDCWD, path, &h, (int *)8, 0), EFAULT);
	EXPECT_ERR("bad path pointer", get_handle(AT_FDCWD, (const char *)8, &h, &mount_id, 0), EFAULT);
	EXPECT_ERR("bad dirfd", get_handle(999, "x", &h, &mount_id, 0), EBADF);
	EXPECT_ERR("empty path without AT_EMPTY_PATH", get_handle(tmp, "", &h, &mount_id, 0), ENOENT);

	/* open_by_handle_at opens the file itself. */
	EXPECT_EQ("handle of the file", get_handle(tmp, "handles_conformance", &h, &mount_id, 0), 0);
	int byh = open_by_handle_at(tmp, (struct file_handle *)&h, O_RDONLY);
	EXPECT_TRUE("open_by_handle_at", byh >= 0);
	char buf[32] = { 0 };
	EXPECT_EQ("read through it", read(byh, buf, sizeof buf - 1), 11);
	conf_expect_str("data", buf, "handle data");
	EXPECT_TRUE("same file as the path", same_file(byh, path));
	EXPECT_EQ("opened read-only", fcntl(byh, F_GETFL) & O_ACCMODE, O_RDONLY);
	close(byh);
	/* AT_FDCWD decodes on the working directory's filesystem. */
	chdir("/tmp");
	byh = open_by_handle_at(AT_FDCWD, (struct file_handle *)&h, O_RDWR);
	EXPECT_TRUE("open_by_handle_at AT_FDCWD, O_RDWR", byh >= 0);
	EXPECT_EQ("write through it", write(byh, "H", 1), 1);
	close(byh);

	EXPECT_ERR("open_by_handle_at bad mount fd", open_by_handle_at(999, (struct file_handle *)&h, O_RDONLY), EBADF);
	EXPECT_ERR("open_by_handle_at bad handle pointer", open_by_handle_at(tmp, (struct file_handle *)8, O_RDONLY), EFAULT);
	struct handle bad = h;
	bad.handle_bytes = 0;
	EXPECT_ERR("open_by_handle_at handle_bytes=0", open_by_handle_at(tmp, (struct file_handle *)&bad, O_RDONLY), EINVAL);
	bad.handle_bytes = HANDLE_MAX + 1;
	EXPECT_ERR("open_by_handle_at handle_bytes>MAX", open_by_handle_at(tmp, (struct file_handle *)&bad, O_RDONLY), EINVAL);

	/* A handle outlives renames; O_CREAT-style flags do not apply to it. */
	rename(path, renamed);
	byh = open_by_handle_at(tmp, (struct file_handle *)&h, O_RDONLY);
	EXPECT_TRUE("open after rename", byh >= 0 && same_file(byh, renamed));
	close(byh);

	/* A directory's handle opens the directory. */
	struct handle dh;
	EXPECT_EQ("handle of a directory", get_handle(AT_FDCWD, "/tmp", &dh, &mount_id2, 0), 0);
	int dfd = open_by_handle_at(tmp, (struct file_handle *)&dh, O_RDONLY | O_DIRECTORY);
	EXPECT_TRUE("open the directory by handle", dfd >= 0);
	struct stat st;
	EXPECT_TRUE("it is a directory", fstat(dfd, &st) == 0 && S_ISDIR(st.st_mode));
	close(dfd);
	EXPECT_ERR("a file's handle with O_DIRECTORY", open_by_handle_at(tmp, (struct file_handle *)&h, O_RDONLY | O_DIRECTORY), ENOTDIR);

	/* AT_EMPTY_PATH names the descriptor's own file. */
	int ofd = open(renamed, O_RDONLY);
	struct handle eh;
	EXPECT_EQ("AT_EMPTY_PATH", get_handle(ofd, "", &eh, &mount_id2, AT_EMPTY_PATH), 0);
	EXPECT_TRUE("AT_EMPTY_PATH gives the same handle", eh.handle_bytes == h.handle_bytes && eh.handle_type == h.handle_type &&
			memcmp(eh.f_handle, h.f_handle, h.handle_bytes) == 0);
	close(ofd);

	/* A symlink has its own handle unless AT_SYMLINK_FOLLOW; opening it needs O_PATH. */
	unlink(link);
	symlink(renamed, link);
	struct handle lh, fh;
	EXPECT_EQ("handle of the link", get_handle(AT_FDCWD, link, &lh, &mount_id2, 0), 0);
	EXPECT_EQ("handle through the link", get_handle(AT_FDCWD, link, &fh, &mount_id2, AT_SYMLINK_FOLLOW), 0);
	EXPECT_TRUE("AT_SYMLINK_FOLLOW gives the target's handle", fh.handle_bytes == h.handle_bytes &&
			memcmp(fh.f_handle, h.f_handle, h.handle_bytes) == 0);
	EXPECT_TRUE("the link's own handle differs", lh.handle_bytes != h.handle_bytes ||
			memcmp(lh.f_handle, h.f_handle, h.handle_bytes) != 0);
	EXPECT_ERR("open the link's handle O_RDONLY", open_by_handle_at(tmp, (struct file_handle *)&lh, O_RDONLY), ELOOP);
	int lfd = open_by_handle_at(tmp, (struct file_handle *)&lh, O_PATH | O_NOFOLLOW);
	EXPECT_TRUE("open the link's handle O_PATH", lfd >= 0);
	EXPECT_TRUE("that is the link", fstat(lfd, &st) == 0 && S_ISLNK(st.st_mode));
	close(lfd);

	/* The root filesystem exports handles too. */
	struct handle rh;
	int root_mount = -1;
	EXPECT_EQ("handle of /etc/passwd", get_handle(etc, "passwd", &rh, &root_mount, 0), 0);
	int pfd = open_by_handle_at(etc, (struct file_handle *)&rh, O_RDONLY);
	EXPECT_TRUE("open /etc/passwd by handle", pfd >= 0 && same_file(pfd, "/etc/passwd"));
	char a[16] = { 0 }, b[16] = { 0 };
	int direct = open("/etc/passwd", O_RDONLY);
	EXPECT_TRUE("same contents", read(pfd, a, 15) == 15 && read(direct, b, 15) == 15 && memcmp(a, b, 15) == 0);
	close(direct);
	close(pfd);
	struct handle rh2;
	int root_mount2 = -2;
	EXPECT_EQ("handle of /etc", get_handle(AT_FDCWD, "/etc", &rh2, &root_mount2, 0), 0);
	EXPECT_TRUE("one mount id for the root", root_mount == root_mount2);

	/* Opening by handle skips path checks, so it needs CAP_DAC_READ_SEARCH; making a handle needs nothing. */
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		if (setuid(65534) != 0)
			_exit(2);
		struct handle ch;
		int cm;
		EXPECT_EQ("child without root: name_to_handle_at", get_handle(AT_FDCWD, "/etc/passwd", &ch, &cm, 0), 0);
		EXPECT_ERR("child without root: open_by_handle_at", open_by_handle_at(etc, (struct file_handle *)&rh, O_RDONLY), EPERM);
		EXPECT_ERR("child without root: a bad mount fd comes first", open_by_handle_at(999, (struct file_handle *)&rh, O_RDONLY), EBADF);
		_exit(conf_exit());
	}
	int status = -1;
	waitpid(child, &status, 0);
	EXPECT_TRUE("child exited 0", WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* A handle whose file is gone is stale. */
	unlink(renamed);
	unlink(link);
	EXPECT_ERR("open after unlink", open_by_handle_at(tmp, (struct file_handle *)&h, O_RDONLY), ESTALE);
	EXPECT_ERR("open the unlinked link's handle", open_by_handle_at(tmp, (struct file_handle *)&lh, O_PATH), ESTALE);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	close(fd);
	EXPECT_ERR("a new file at the old name does not revive it", open_by_handle_at(tmp, (struct file_handle *)&h, O_RDONLY), ESTALE);
	struct handle forged = h;
	for (unsigned i = 0; i < forged.handle_bytes; i++)
		forged.f_handle[i] ^= 0x5a;
	EXPECT_ERR("a forged handle", open_by_handle_at(tmp, (struct file_handle *)&forged, O_RDONLY), ESTALE);
	unlink(path);
	close(tmp);
	close(etc);
	return conf_exit();
}
