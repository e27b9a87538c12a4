/* NUMA policy on a one-node machine: set_mempolicy/get_mempolicy with every mode and flag, mbind on ranges and
 * get_mempolicy(MPOL_F_ADDR), migrate_pages and move_pages, with their errnos. Native oracle: qemu-user 7.2
 * does not pass these calls on, and the host has one node, as the sandbox does. */
#include "../conformance.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_INTERLEAVE 3
#define MPOL_LOCAL 4
#define MPOL_PREFERRED_MANY 5
#define MPOL_F_STATIC_NODES (1 << 15)
#define MPOL_F_RELATIVE_NODES (1 << 14)
#define MPOL_F_NUMA_BALANCING (1 << 13)
#define MPOL_F_NODE 1
#define MPOL_F_ADDR 2
#define MPOL_F_MEMS_ALLOWED 4
#define MPOL_MF_STRICT 1
#define MPOL_MF_MOVE 2

static long set_pol(int mode, unsigned long *mask, unsigned long maxnode) { return syscall(SYS_set_mempolicy, mode, mask, maxnode); }
static long get_pol(int *mode, unsigned long *mask, unsigned long maxnode, void *addr, int flags)
{
	return syscall(SYS_get_mempolicy, mode, mask, maxnode, addr, flags);
}
static long mbind_(void *a, unsigned long len, int mode, unsigned long *mask, unsigned long maxnode, unsigned flags)
{
	return syscall(SYS_mbind, a, len, mode, mask, maxnode, flags);
}

static void show(const char *label)
{
	int mode = -1;
	unsigned long mask[2] = { 99, 99 };
	EXPECT_OK(label, get_pol(&mode, mask, 128, NULL, 0));
	printf("  mode %#x nodes %lx %lx\n", mode, mask[0], mask[1]);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	unsigned long node0 = 1, node1 = 2, none = 0, both = 3;
	show("default policy");
	EXPECT_OK("BIND node 0", set_pol(MPOL_BIND, &node0, 64));
	show("after BIND");
	EXPECT_OK("INTERLEAVE nodes 0-1", set_pol(MPOL_INTERLEAVE, &both, 64));
	show("after INTERLEAVE (only node 0 exists)");
	int node = -1;
	EXPECT_OK("MPOL_F_NODE under interleave", get_pol(&node, NULL, 0, NULL, MPOL_F_NODE));
	EXPECT_EQ("  next node", node, 0);
	EXPECT_OK("PREFERRED empty = local", set_pol(MPOL_PREFERRED, &none, 64));
	show("after PREFERRED empty");
	EXPECT_OK("LOCAL", set_pol(MPOL_LOCAL, NULL, 0));
	show("after LOCAL");
	EXPECT_ERR("MPOL_F_NODE without interleave", get_pol(&node, NULL, 0, NULL, MPOL_F_NODE), EINVAL);
	EXPECT_OK("BIND|STATIC_NODES 0-1", set_pol(MPOL_BIND | MPOL_F_STATIC_NODES, &both, 64));
	show("after BIND|STATIC (the given nodes are reported)");
	EXPECT_OK("BIND|RELATIVE_NODES node 1", set_pol(MPOL_BIND | MPOL_F_RELATIVE_NODES, &node1, 64));
	show("after BIND|RELATIVE");
	EXPECT_OK("BIND|NUMA_BALANCING", set_pol(MPOL_BIND | MPOL_F_NUMA_BALANCING, &node0, 64));
	EXPECT_OK("PREFERRED_MANY", set_pol(MPOL_PREFERRED_MANY, &node0, 64));
	EXPECT_OK("back to DEFAULT", set_pol(MPOL_DEFAULT, NULL, 0));
	show("after DEFAULT");

	EXPECT_ERR("BIND to a node that does not exist", set_pol(MPOL_BIND, &node1, 64), EINVAL);
	EXPECT_ERR("BIND to no node", set_pol(MPOL_BIND, &none, 64), EINVAL);
	EXPECT_ERR("DEFAULT with nodes", set_pol(MPOL_DEFAULT, &node0, 64), EINVAL);
	EXPECT_ERR("LOCAL with nodes", set_pol(MPOL_LOCAL, &node0, 64), EINVAL);
	EXPECT_ERR("an unknown mode", set_pol(9, &node0, 64), EINVAL);
	EXPECT_ERR("STATIC and RELATIVE", set_pol(MPOL_BIND | MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES, &node0, 64), EINVAL);
	EXPECT_ERR("NUMA_BALANCING with INTERLEAVE", set_pol(MPOL_INTERLEAVE | MPOL_F_NUMA_BALANCING, &node0, 64), EINVAL);
	EXPECT_ERR("PREFERRED empty with STATIC", set_pol(MPOL_PREFERRED | MPOL_F_STATIC_NODES, &none, 64), EINVAL);
	EXPECT_ERR("a bad mask pointer", set_pol(MPOL_BIND, (void *)8, 64), EFAULT);
	EXPECT_ERR("a huge maxnode", set_pol(MPOL_BIND, &node0, 1UL << 20), EINVAL);
	EXPECT_OK("maxnode 1 means no nodes (DEFAULT)", set_pol(MPOL_DEFAULT, &node0, 1));

	int mode;
	unsigned long mask[2];
	EXPECT_OK("MPOL_F_MEMS_ALLOWED", get_pol(&mode, mask, 64, NULL, MPOL_F_MEMS_ALLOWED));
	printf("  allowed %lx\n", mask[0]);
	EXPECT_ERR("MEMS_ALLOWED with NODE", get_pol(&mode, mask, 64, NULL, MPOL_F_MEMS_ALLOWED | MPOL_F_NODE), EINVAL);
	EXPECT_ERR("an unknown get flag", get_pol(&mode, mask, 64, NULL, 8), EINVAL);
	EXPECT_ERR("an address without MPOL_F_ADDR", get_pol(&mode, mask, 64, (void *)4096, 0), EINVAL);
	EXPECT_ERR("a bad policy pointer", get_pol((void *)8, NULL, 0, NULL, 0), EFAULT);

	long page = sysconf(_SC_PAGESIZE);
	char *area = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	EXPECT_OK("mbind the middle pages INTERLEAVE", mbind_(area + page, 2 * page, MPOL_INTERLEAVE, &node0, 64, 0));
	EXPECT_OK("get_mempolicy MPOL_F_ADDR inside", get_pol(&mode, mask, 64, area + page, MPOL_F_ADDR));
	printf("  mode %#x nodes %lx\n", mode, mask[0]);
	EXPECT_OK("get_mempolicy MPOL_F_ADDR outside", get_pol(&mode, mask, 64, area, MPOL_F_ADDR));
	printf("  mode %#x nodes %lx\n", mode, mask[0]);
	area[page] = 1;
	EXPECT_OK("MPOL_F_ADDR|MPOL_F_NODE", get_pol(&node, NULL, 0, area + page, MPOL_F_ADDR | MPOL_F_NODE));
	EXPECT_EQ("  the page's node", node, 0);
	EXPECT_OK("mbind DEFAULT resets", mbind_(area + page, page, MPOL_DEFAULT, NULL, 0, MPOL_MF_STRICT));
	get_pol(&mode, mask, 64, area + page, MPOL_F_ADDR);
	EXPECT_EQ("  the area's policy is default again", mode, 0);
	EXPECT_OK("mbind length 0", mbind_(area, 0, MPOL_BIND, &node0, 64, 0));
	EXPECT_ERR("mbind unaligned", mbind_(area + 1, page, MPOL_BIND, &node0, 64, 0), EINVAL);
	EXPECT_ERR("mbind bad flags", mbind_(area, page, MPOL_BIND, &node0, 64, 8), EINVAL);
	munmap(area + 3 * page, page);
	EXPECT_ERR("mbind over a hole", mbind_(area, 4 * page, MPOL_BIND, &node0, 64, MPOL_MF_MOVE), EFAULT);
	EXPECT_ERR("MPOL_F_ADDR of an unmapped address", get_pol(&mode, mask, 64, area + 3 * page, MPOL_F_ADDR), EFAULT);

	void *pages[3] = { area, area + page, area + 3 * page };
	int status[3] = { 9, 9, 9 };
	EXPECT_OK("move_pages query", syscall(SYS_move_pages, 0, 3, pages, NULL, status, 0));
	printf("  status %d %d %d\n", status[0], status[1], status[2]);
	int nodes[3] = { 0, 0, 0 };
	EXPECT_ERR("move_pages to node 1", syscall(SYS_move_pages, 0, 1, pages, (int[]){ 1 }, status, MPOL_MF_MOVE), ENODEV);
	EXPECT_OK("move_pages to node 0", syscall(SYS_move_pages, 0, 2, pages, nodes, status, MPOL_MF_MOVE));
	EXPECT_ERR("move_pages bad flags", syscall(SYS_move_pages, 0, 1, pages, NULL, status, 8), EINVAL);
	EXPECT_ERR("move_pages of no process", syscall(SYS_move_pages, 99999, 1, pages, NULL, status, 0), ESRCH);
	EXPECT_OK("migrate_pages 0 -> 0", syscall(SYS_migrate_pages, 0, 64, &node0, &node0));
	EXPECT_ERR("migrate_pages of no process", syscall(SYS_migrate_pages, 99999, 64, &node0, &node0), ESRCH);
	EXPECT_ERR("migrate_pages bad mask", syscall(SYS_migrate_pages, 0, 64, (void *)8, &node0), EFAULT);

	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		int m = -1;
		get_pol(&m, NULL, 0, NULL, 0);
		_exit(m);
	}
	int st;
	waitpid(pid, &st, 0);
	EXPECT_EQ("a child inherits the policy (default here)", WEXITSTATUS(st), 0);
	return conf_failures != 0;
}
