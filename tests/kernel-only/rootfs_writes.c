/* Changes everything it can in the root filesystem and checks, from inside,
 * that each change took. RootFsWritesTests runs it on a copy of a small tree
 * with the default overlay root (the host tree must come out unchanged) and
 * with --rootfs-writable (the host tree must show the changes).
 * It walks the whole tree except /bin (itself), /tmp, /dev, /proc and /sys. */
#include "conformance.h"

/* The tree's paths are short; truncation cannot happen. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define MAX 256

static char dirs[MAX][256], files[MAX][256];
static int ndirs, nfiles, failures;

static void check(const char *what, const char *path, long r)
{
	if (r < 0) {
		printf("FAILED %s %s: %s\n", what, path, conf_errname(errno));
		failures++;
	}
}

static void walk(const char *dir)
{
	if (ndirs < MAX)
		strcpy(dirs[ndirs++], dir);
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char path[256];
		snprintf(path, sizeof path, "%s/%s", strcmp(dir, "/") ? dir : "", e->d_name);
		if (!strcmp(path, "/bin") || !strcmp(path, "/tmp") || !strcmp(path, "/dev") || !strcmp(path, "/proc")
		    || !strcmp(path, "/sys"))
			continue;
		struct stat st;
		if (lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			walk(path);
		else if (S_ISREG(st.st_mode) && nfiles < MAX)
			strcpy(files[nfiles++], path);
	}
	closedir(d);
}

static void in(char *out, const char *dir, const char *name)
{
	snprintf(out, 256, "%s/%s", strcmp(dir, "/") ? dir : "", name);
}

static int write_text(const char *path, int flags, const char *text)
{
	int fd = open(path, flags, 0644);
	if (fd < 0)
		return -1;
	long n = write(fd, text, strlen(text));
	close(fd);
	return n == (long)strlen(text) ? 0 : -1;
}

static long size_of(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 ? st.st_size : -1;
}

int main(void)
{
	walk("/");
	printf("directories: %d files: %d\n", ndirs, nfiles);
	struct timespec times[2] = { { 1, 0 }, { 2, 0 } };

	/* Existing files: every kind of change. */
	for (int i = 0; i < nfiles; i++) {
		const char *f = files[i];
		char p[300];
		long before = size_of(f);
		check("append", f, write_text(f, O_WRONLY | O_APPEND, "+guest"));
		if (size_of(f) != before + 6) {
			printf("FAILED append size %s\n", f);
			failures++;
		}
		check("chmod", f, chmod(f, 0600));
		check("chown", f, lchown(f, 123, 456));
		check("utimes", f, utimensat(AT_FDCWD, f, times, 0));
		check("setxattr", f, setxattr(f, "user.guest", "1", 1, 0));
		snprintf(p, sizeof p, "%s.hard", f);
		check("link", f, link(f, p));
		snprintf(p, sizeof p, "%s.moved", f);
		check("rename", f, rename(f, p));
		check("truncate", p, truncate(p, 1));
		if (size_of(p) != 1) {
			printf("FAILED truncate size %s\n", p);
			failures++;
		}
		snprintf(p, sizeof p, "%s.hard", f);
		check("unlink", p, unlink(p));
	}

	/* Every directory: new entries of each kind, changes to the directory itself. */
	for (int i = 0; i < ndirs; i++) {
		const char *d = dirs[i];
		char p[256], q[256];
		in(p, d, "guest-new");
		check("create", p, write_text(p, O_CREAT | O_WRONLY | O_EXCL, "new"));
		in(q, d, "guest-sym");
		check("symlink", q, symlink("guest-new", q));
		in(q, d, "guest-fifo");
		check("mkfifo", q, mkfifo(q, 0644));
		in(q, d, "guest-dir");
		check("mkdir", q, mkdir(q, 0755));
		in(p, d, "guest-dir");
		in(q, d, "guest-dir-moved");
		check("rename dir", q, rename(p, q));
		in(p, d, "guest-gone");
		check("create", p, write_text(p, O_CREAT | O_WRONLY, "x"));
		check("unlink", p, unlink(p));
		check("chmod dir", d, chmod(d, 0777));
		check("utimes dir", d, utimensat(AT_FDCWD, d, times, 0));
		check("setxattr dir", d, setxattr(d, "user.guest", "d", 1, 0));
	}

	/* Delete a whole subtree: the deepest directory first, after its entries. */
	for (int i = ndirs - 1; i > 0; i--) {
		const char *d = dirs[i];
		if (strncmp(d, "/doomed", 7) != 0)
			continue;
		DIR *dd = opendir(d);
		struct dirent *e;
		char names[64][256];
		int n = 0;
		while (dd && (e = readdir(dd)) && n < 64)
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				in(names[n++], d, e->d_name);
		if (dd)
			closedir(dd);
		for (int k = 0; k < n; k++) {
			struct stat st;
			if (lstat(names[k], &st) == 0 && S_ISDIR(st.st_mode))
				check("rmdir", names[k], rmdir(names[k]));
			else
				check("unlink", names[k], unlink(names[k]));
		}
		check("rmdir", d, rmdir(d));
	}
	EXPECT_ERR("doomed is gone", access("/doomed", F_OK), ENOENT);
	/* A directory made over a deleted one starts empty. */
	EXPECT_OK("mkdir /doomed again", mkdir("/doomed", 0755));
	DIR *again = opendir("/doomed");
	int entries = 0;
	while (again && readdir(again))
		entries++;
	if (again)
		closedir(again);
	EXPECT_EQ("entries of the new /doomed", entries, 2);

	printf("failures: %d\n", failures);
	return failures ? 1 : conf_exit();
}
