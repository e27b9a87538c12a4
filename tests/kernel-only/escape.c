/* Attempts to reach host files outside the root filesystem. Runs as /bin/escape
 * in a root filesystem that RootFsEscapeTests builds:
 *   /etc/passwd, /etc/shadow   ("sandbox-passwd", "sandbox-shadow")
 *   /links/shadow-abs  -> /etc/shadow
 *   /links/up          -> ../../../../../../../..
 *   /links/up-shadow   -> ../../../../../../etc/shadow
 *   /links/host-abs    -> the host's absolute path of a secret file next to the root
 *   /links/host-rel    -> a relative path to it that climbs out of the root
 *   /links/hostdir-rel -> the same for its directory
 *   /mnt, /mnt2, /tmp, /dev (directories)
 * Every lookup resolves inside the sandbox: the program prints what it reads and
 * checks it against the sandbox's own files. */
#include "conformance.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

static const char *content(const char *path, int dirfd)
{
	static char buf[64];
	int fd = openat(dirfd, path, O_RDONLY);
	if (fd < 0)
		return conf_errname(errno);
	long n = read(fd, buf, sizeof buf - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = 0;
	return buf;
}

#define READS(label, path, want) conf_expect_str(label, content(path, AT_FDCWD), want)

static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

static void symlinks(void)
{
	READS("shadow-abs", "/links/shadow-abs", "sandbox-shadow");
	READS("up-shadow", "/links/up-shadow", "sandbox-shadow");
	READS("up/etc/shadow", "/links/up/etc/shadow", "sandbox-shadow");
	READS("host-abs", "/links/host-abs", "ENOENT");
	READS("host-rel", "/links/host-rel", "ENOENT");
	READS("hostdir-rel/secret", "/links/hostdir-rel/secret", "ENOENT");
	READS("/../../../etc/shadow", "/../../../etc/shadow", "sandbox-shadow");
	EXPECT_TRUE("/.. is /", same_file("/..", "/"));
	EXPECT_TRUE("links/up is /", same_file("/links/up", "/"));
	/* Writing through them creates nothing outside either. */
	EXPECT_ERR("create via host-abs", open("/links/host-abs", O_CREAT | O_WRONLY, 0644), ENOENT);
	EXPECT_ERR("create via host-rel", open("/links/host-rel", O_CREAT | O_WRONLY, 0644), ENOENT);
	EXPECT_ERR("mkdir via hostdir-rel", mkdir("/links/hostdir-rel/new", 0755), ENOENT);
	EXPECT_ERR("rename via hostdir-rel", rename("/etc/passwd", "/links/hostdir-rel/passwd"), ENOENT);
	EXPECT_ERR("truncate via host-abs", truncate("/links/host-abs", 0), ENOENT);
	EXPECT_ERR("chmod via host-abs", chmod("/links/host-abs", 0777), ENOENT);
	EXPECT_ERR("xattr via host-abs", setxattr("/links/host-abs", "user.x", "x", 1, 0), ENOENT);
}

static void hard_links(void)
{
	EXPECT_ERR("link following host-abs", linkat(AT_FDCWD, "/links/host-abs", AT_FDCWD, "/hl-follow", AT_SYMLINK_FOLLOW), ENOENT);
	EXPECT_EQ("link of the symlink itself", linkat(AT_FDCWD, "/links/host-abs", AT_FDCWD, "/hl", 0), 0);
	READS("read the linked symlink", "/hl", "ENOENT");
	EXPECT_EQ("link following up-shadow", linkat(AT_FDCWD, "/links/up-shadow", AT_FDCWD, "/hl-shadow", AT_SYMLINK_FOLLOW), 0);
	READS("read hl-shadow", "/hl-shadow", "sandbox-shadow");
	EXPECT_TRUE("hl-shadow is /etc/shadow", same_file("/hl-shadow", "/etc/shadow"));
}

static void chroot_tricks(void)
{
	EXPECT_OK("mkdir /jail", mkdir("/jail", 0755));
	EXPECT_OK("mkdir /jail/inner", mkdir("/jail/inner", 0755));
	int before = open("/", O_PATH | O_DIRECTORY);

	/* chroot without chdir: the cwd stays outside, ".." climbs, but only to the sandbox root. */
	EXPECT_OK("chroot /jail", chroot("/jail"));
	READS("jail has no /etc/shadow", "/etc/shadow", "ENOENT");
	for (int i = 0; i < 20; i++)
		chdir("..");
	EXPECT_OK("chroot . after climbing", chroot("."));
	READS("climbed only to the sandbox root", "/etc/shadow", "sandbox-shadow");
	READS("...whose parent is itself", "/../../etc/shadow", "sandbox-shadow");

	/* chroot into a subdirectory, then ".." from inside stays in it. */
	EXPECT_OK("chroot /jail again", chroot("/jail"));
	EXPECT_OK("chdir /", chdir("/"));
	EXPECT_OK("chdir inner/../../..", chdir("inner/../../.."));
	READS("still jailed", "/etc/shadow", "ENOENT");
	READS("still jailed, relative", "etc/shadow", "ENOENT");

	/* fchdir to a descriptor opened before the chroot: out of the jail, into the sandbox only. */
	EXPECT_OK("fchdir(fd from before)", fchdir(before));
	READS("relative read from there", "etc/shadow", "sandbox-shadow");
	EXPECT_OK("chdir ../../..", chdir("../../.."));
	READS("still the sandbox root", "etc/shadow", "sandbox-shadow");
	conf_expect_str("openat(fd from before, ../../etc/shadow)", content("../../etc/shadow", before), "sandbox-shadow");
	EXPECT_OK("chroot . (leave the jail)", chroot("."));
	READS("sandbox root again", "/etc/shadow", "sandbox-shadow");
	close(before);
}

static void bind_mounts(void)
{
	EXPECT_EQ("bind /links/up at /mnt", mount("/links/up", "/mnt", NULL, MS_BIND, NULL), 0);
	READS("/mnt is the sandbox root", "/mnt/etc/shadow", "sandbox-shadow");
	EXPECT_TRUE("/mnt/.. is /", same_file("/mnt/..", "/"));
	READS("/mnt/../../etc/shadow", "/mnt/../../etc/shadow", "sandbox-shadow");
	EXPECT_EQ("recursive bind of /.. at /mnt2", mount("/..", "/mnt2", NULL, MS_BIND | MS_REC, NULL), 0);
	READS("/mnt2/links/host-abs", "/mnt2/links/host-abs", "ENOENT");
	READS("/mnt2/links/up/etc/shadow", "/mnt2/links/up/etc/shadow", "sandbox-shadow");
	EXPECT_ERR("bind the host path", mount("/links/hostdir-rel", "/mnt", NULL, MS_BIND, NULL), ENOENT);
	EXPECT_EQ("umount /mnt2", umount2("/mnt2", MNT_DETACH), 0);
	EXPECT_EQ("umount /mnt", umount2("/mnt", 0), 0);
}

static void openat2_scopes(void)
{
	struct { uint64_t flags, mode, resolve; } how = { O_RDONLY, 0, 0x10 /* RESOLVE_IN_ROOT */ };
	int links = open("/links", O_PATH | O_DIRECTORY);
	EXPECT_ERR("IN_ROOT /links: up-shadow", syscall(437, links, "up-shadow", &how, sizeof how), ENOENT);
	how.resolve = 0x08; /* RESOLVE_BENEATH */
	EXPECT_ERR("BENEATH /links: host-rel", syscall(437, links, "host-rel", &how, sizeof how), EXDEV);
	close(links);
}

int main(void)
{
	symlinks();
	hard_links();
	chroot_tricks();
	bind_mounts();
	openat2_scopes();
	return conf_exit();
}
