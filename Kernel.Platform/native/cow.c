// Copy-on-write fork for guest address spaces, with the host kernel's userfaultfd.
//
// Each guest address space is one flat host range (HostMemory). A fork used to copy every page the parent had
// touched. Now the child starts empty and a "link" parent -> child records which pages the child still shares
// with the parent (the pages the parent had, or itself still shared with its own parent, at the fork):
//  - the parent's pages are write-protected (UFFDIO_WRITEPROTECT); its first store to a page the child still
//    shares stops in the host kernel, and the handler thread below first copies the page to the child;
//  - the child's range is registered for missing pages; its first touch of a shared page stops likewise and
//    the handler copies the page in from the nearest ancestor that has it.
// Both stops happen below the CPU emulator and below the kernel's own copies (a syscall writing into guest memory
// stops the same way), so nothing else needs to know. The handler is a plain pthread: a managed thread could be
// held by a garbage collection that waits for a managed thread stopped on one of our faults.
//
// Anything that changes a range's contents otherwise (discard, remap, teardown) calls kshim_cow_release first:
// children that still share pages there get their copies then, and the range stops sharing with its parent.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096ULL
#define CHUNK_PAGES 32768ULL            // one bitmap chunk: 128 MiB of guest memory in 4 KiB
#define CHUNK_WORDS (CHUNK_PAGES / 64)
#define PREFETCH 16                     // shared pages copied in per missing fault (fewer round trips)

typedef struct cow_space cow_space;

// The set of pages a child still shares with its parent: a sparse bitmap over the window.
typedef struct {
    uint64_t **chunks;
    uint64_t nchunks, count;
} bitmap;

typedef struct cow_link {
    cow_space *parent, *child;
    bitmap pending;
    struct cow_link *next_out; // the parent's list of children
} cow_link;

typedef struct {
    uint64_t start, end; // guest offsets, page aligned
} range;

struct cow_space {
    uint8_t *base;
    uint64_t size;
    cow_link *in;   // the pages this space still shares with its parent
    cow_link *out;  // its children
    range *ranges; // private ranges at the last fork (what is registered)
    int nranges;
    int modes;  // UFFDIO_REGISTER_MODE_* now registered
    cow_space *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int uffd = -1, pagemap = -1;
static bool scan_ok = true; // PAGEMAP_SCAN works (Linux 6.7+); else mincore
static cow_space *spaces;
static uint8_t zero_page[PAGE] __attribute__((aligned(4096)));

// ---- bitmaps ----

static bool bm_test(const bitmap *b, uint64_t p) {
    uint64_t c = p / CHUNK_PAGES;
    if (c >= b->nchunks || !b->chunks[c]) return false;
    uint64_t i = p % CHUNK_PAGES;
    return (b->chunks[c][i / 64] >> (i % 64)) & 1;
}

static bool bm_set(bitmap *b, uint64_t p) {
    uint64_t c = p / CHUNK_PAGES;
    if (c >= b->nchunks) return false;
    if (!b->chunks[c] && !(b->chunks[c] = calloc(CHUNK_WORDS, 8))) return false;
    uint64_t i = p % CHUNK_PAGES, bit = 1ULL << (i % 64);
    if (!(b->chunks[c][i / 64] & bit)) {
        b->chunks[c][i / 64] |= bit;
        b->count++;
    }
    return true;
}

static void bm_clear(bitmap *b, uint64_t p) {
    uint64_t c = p / CHUNK_PAGES;
    if (c >= b->nchunks || !b->chunks[c]) return;
    uint64_t i = p % CHUNK_PAGES, bit = 1ULL << (i % 64);
    if (b->chunks[c][i / 64] & bit) {
        b->chunks[c][i / 64] &= ~bit;
        b->count--;
    }
}

// The next set page in [p, end), or end.
static uint64_t bm_next(const bitmap *b, uint64_t p, uint64_t end) {
    while (p < end) {
        uint64_t c = p / CHUNK_PAGES;
        if (c >= b->nchunks) return end;
        if (!b->chunks[c]) {
            p = (c + 1) * CHUNK_PAGES;
            continue;
        }
        uint64_t i = p % CHUNK_PAGES;
        uint64_t w = b->chunks[c][i / 64] >> (i % 64);
        if (w) {
            p += __builtin_ctzll(w);
            return p < end ? p : end;
        }
        p += 64 - i % 64;
    }
    return end;
}

static void bm_free(bitmap *b) {
    for (uint64_t c = 0; c < b->nchunks; c++) free(b->chunks[c]);
    free(b->chunks);
    b->chunks = NULL;
    b->nchunks = b->count = 0;
}

// ---- the host side ----

static int uffd_wp(cow_space *s, uint64_t page, uint64_t pages, bool protect) {
    struct uffdio_writeprotect wp = {
        .range = {.start = (uint64_t)(uintptr_t)s->base + page * PAGE, .len = pages * PAGE},
        .mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0,
    };
    while (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) != 0) {
        if (errno != EAGAIN) return -errno;
    }
    return 0;
}

// Registers (or, with modes 0, unregisters) [start, end); where the host maps something userfaultfd cannot
// handle (a file), the range is split and that part skipped.
static void uffd_apply(uint8_t *base, uint64_t start, uint64_t end, int modes) {
    if (start >= end) return;
    struct uffdio_range r = {.start = (uint64_t)(uintptr_t)base + start, .len = end - start};
    int rc;
    if (modes) {
        struct uffdio_register reg = {.range = r, .mode = (uint64_t)modes};
        rc = ioctl(uffd, UFFDIO_REGISTER, &reg);
    } else {
        rc = ioctl(uffd, UFFDIO_UNREGISTER, &r);
    }
    // Unregistering write protection does not wake a store already waiting on it (its message may still be
    // queued for the handler): wake every waiter in the range; one that still has to wait faults again.
    ioctl(uffd, UFFDIO_WAKE, &r);
    if (rc == 0 || errno != EINVAL || end - start <= PAGE) return;
    uint64_t mid = start + ((end - start) / PAGE / 2) * PAGE;
    uffd_apply(base, start, mid, modes);
    uffd_apply(base, mid, end, modes);
}

static void update_registration(cow_space *s) {
    int modes = (s->in ? UFFDIO_REGISTER_MODE_MISSING : 0) | (s->out ? UFFDIO_REGISTER_MODE_WP : 0);
    if (modes == s->modes) return;
    for (int i = 0; i < s->nranges; i++) uffd_apply(s->base, s->ranges[i].start, s->ranges[i].end, modes);
    s->modes = modes;
}

// Whether reading the page cannot stop on a missing-page fault: it is present or swapped out.
static bool readable(cow_space *s, uint64_t page) {
    uint64_t entry = 0;
    uint64_t vpn = ((uint64_t)(uintptr_t)s->base + page * PAGE) / PAGE;
    if (pread(pagemap, &entry, 8, (off_t)(vpn * 8)) != 8) return false;
    return (entry >> 62) & 3; // bit 63 present, bit 62 swapped
}

// The bytes the page shows in space s: its own, an ancestor's it still shares, or zeros (NULL).
static const uint8_t *source(cow_space *s, uint64_t page) {
    while (s->in && bm_test(&s->in->pending, page)) s = s->in->parent;
    return readable(s, page) ? s->base + page * PAGE : NULL;
}

static bool shared_with_children(cow_space *s, uint64_t page) {
    for (cow_link *l = s->out; l; l = l->next_out) {
        if (bm_test(&l->pending, page)) return true;
    }
    return false;
}

// Puts the page's bytes into s, where it is missing; write-protected when a child of s still shares it.
static void install(cow_space *s, uint64_t page, const uint8_t *src, bool wake) {
    uint64_t mode = (shared_with_children(s, page) ? UFFDIO_COPY_MODE_WP : 0) | (wake ? 0 : UFFDIO_COPY_MODE_DONTWAKE);
    struct uffdio_copy c = {
        .dst = (uint64_t)(uintptr_t)s->base + page * PAGE,
        .src = (uint64_t)(uintptr_t)(src ? src : zero_page),
        .len = PAGE,
        .mode = mode,
    };
    while (ioctl(uffd, UFFDIO_COPY, &c) != 0 && errno == EAGAIN) c.copy = 0;
    if (c.copy == -EEXIST && wake) {
        struct uffdio_range r = {.start = c.dst, .len = PAGE};
        ioctl(uffd, UFFDIO_WAKE, &r);
    }
}

static void drop_link(cow_link *l);

// The cow_link lost its last shared page: it goes, and both ends register only what they still need.
static void maybe_drop(cow_link *l) {
    if (l->pending.count == 0) drop_link(l);
}

// Gives the child of link l its own copy of every page in [from, to) it still shares.
static void materialize(cow_link *l, uint64_t from, uint64_t to) {
    for (uint64_t p = bm_next(&l->pending, from, to); p < to; p = bm_next(&l->pending, p + 1, to)) {
        const uint8_t *src = source(l->parent, p);
        bm_clear(&l->pending, p);
        install(l->child, p, src, true);
    }
}

static void drop_link(cow_link *l) {
    cow_space *parent = l->parent, *child = l->child;
    // The parent's pages stay write-protected only for its other children.
    if (parent->out == l && !l->next_out) {
        for (int i = 0; i < parent->nranges; i++) {
            uffd_wp(parent, parent->ranges[i].start / PAGE, (parent->ranges[i].end - parent->ranges[i].start) / PAGE, false);
        }
    } else {
        for (int i = 0; i < parent->nranges; i++) {
            uint64_t from = parent->ranges[i].start / PAGE, to = parent->ranges[i].end / PAGE;
            for (uint64_t x = bm_next(&l->pending, from, to); x < to; x = bm_next(&l->pending, x + 1, to)) {
                bool other = false;
                for (cow_link *o = parent->out; o && !other; o = o->next_out) other = o != l && bm_test(&o->pending, x);
                if (!other && readable(parent, x)) uffd_wp(parent, x, 1, false);
            }
        }
    }
    for (cow_link **pp = &parent->out; *pp; pp = &(*pp)->next_out) {
        if (*pp == l) {
            *pp = l->next_out;
            break;
        }
    }
    if (child->in == l) child->in = NULL;
    bm_free(&l->pending);
    free(l);
    update_registration(parent);
    update_registration(child);
}

// ---- the fault handler ----

static cow_space *find(uint64_t address) {
    for (cow_space *s = spaces; s; s = s->next) {
        if (address >= (uint64_t)(uintptr_t)s->base && address < (uint64_t)(uintptr_t)s->base + s->size) return s;
    }
    return NULL;
}

static void on_missing(cow_space *s, uint64_t page) {
    cow_link *l = s->in;
    if (!l || !bm_test(&l->pending, page)) {
        install(s, page, NULL, true);
        return;
    }
    const uint8_t *src = source(l->parent, page);
    bm_clear(&l->pending, page);
    install(s, page, src, true);
    // The pages after it are likely next (a stack, a heap walked forwards): bring a few in now.
    for (uint64_t p = page + 1; p < page + PREFETCH && bm_test(&l->pending, p); p++) {
        src = source(l->parent, p);
        bm_clear(&l->pending, p);
        install(s, p, src, false);
    }
    maybe_drop(l);
}

static void on_write_protected(cow_space *s, uint64_t page) {
    for (cow_link *l = s->out, *next; l; l = next) {
        next = l->next_out;
        if (!bm_test(&l->pending, page)) continue;
        bm_clear(&l->pending, page);
        install(l->child, page, s->base + page * PAGE, true);
        maybe_drop(l);
    }
    if (uffd_wp(s, page, 1, false) != 0) { // this wakes the writer; if the range is no longer protected, wake it here
        struct uffdio_range r = {.start = (uint64_t)(uintptr_t)s->base + page * PAGE, .len = PAGE};
        ioctl(uffd, UFFDIO_WAKE, &r);
    }
}

static void *handler(void *unused) {
    struct uffd_msg msgs[16];
    pthread_setname_np(pthread_self(), "cow-faults");
    for (;;) {
        struct pollfd p = {.fd = uffd, .events = POLLIN};
        if (poll(&p, 1, -1) < 0 && errno != EINTR) return NULL;
        ssize_t n = read(uffd, msgs, sizeof msgs);
        if (n <= 0) continue;
        pthread_mutex_lock(&lock);
        for (ssize_t i = 0; i < n / (ssize_t)sizeof msgs[0]; i++) {
            if (msgs[i].event != UFFD_EVENT_PAGEFAULT) continue;
            uint64_t address = msgs[i].arg.pagefault.address & ~(PAGE - 1);
            cow_space *s = find(address);
            if (!s) {
                // A range that is going away: let the access go on (it reads zeros).
                struct uffdio_zeropage z = {.range = {.start = address, .len = PAGE}};
                struct uffdio_writeprotect wp = {.range = z.range};
                if (msgs[i].arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP) ioctl(uffd, UFFDIO_WRITEPROTECT, &wp);
                else if (ioctl(uffd, UFFDIO_ZEROPAGE, &z) != 0) {
                    struct uffdio_range r = {.start = address, .len = PAGE};
                    ioctl(uffd, UFFDIO_WAKE, &r);
                }
                continue;
            }
            uint64_t page = (address - (uint64_t)(uintptr_t)s->base) / PAGE;
            if (msgs[i].arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP) on_write_protected(s, page);
            else on_missing(s, page);
        }
        pthread_mutex_unlock(&lock);
    }
}

static void start(void) {
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);
        if (dev >= 0) {
            fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
            close(dev);
        }
    }
    if (fd < 0) return;
    struct uffdio_api api = {.api = UFFD_API};
    pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (ioctl(fd, UFFDIO_API, &api) != 0 || !(api.ioctls & (1ULL << _UFFDIO_REGISTER)) || pagemap < 0) {
        close(fd);
        return;
    }
    uffd = fd; // before the handler starts: it polls this
    if (pthread_create(&t, &attr, handler, NULL) != 0) {
        uffd = -1;
        close(fd);
    }
}

// ---- the pages a fork shares ----

// PAGEMAP_SCAN (Linux 6.7): ranges of pages with given properties, far cheaper than a per-page walk.
struct kshim_page_region {
    uint64_t start, end, categories;
};
struct kshim_pm_scan_arg {
    uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
    uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define KSHIM_PAGEMAP_SCAN _IOWR('f', 16, struct kshim_pm_scan_arg)
#define KSHIM_PAGE_IS_PRESENT (1 << 3)
#define KSHIM_PAGE_IS_SWAPPED (1 << 4)

// Marks in b the pages of [start, end) that the parent has (present or swapped) or still shares with its own
// parent. False if the host could not say (then the caller copies instead).
static bool mark_shared(cow_space *parent, bitmap *b, uint64_t start, uint64_t end) {
    uint64_t from = start / PAGE, to = end / PAGE;
    if (parent->in) {
        for (uint64_t p = bm_next(&parent->in->pending, from, to); p < to; p = bm_next(&parent->in->pending, p + 1, to)) {
            if (!bm_set(b, p)) return false;
        }
    }
    uint64_t host = (uint64_t)(uintptr_t)parent->base;
    if (scan_ok) {
        struct kshim_page_region regions[256];
        struct kshim_pm_scan_arg a = {
            .size = sizeof a, .start = host + start, .end = host + end,
            .vec = (uint64_t)(uintptr_t)regions, .vec_len = 256,
            .category_anyof_mask = KSHIM_PAGE_IS_PRESENT | KSHIM_PAGE_IS_SWAPPED,
            .return_mask = KSHIM_PAGE_IS_PRESENT | KSHIM_PAGE_IS_SWAPPED,
        };
        while (a.start < a.end) {
            long n = ioctl(pagemap, KSHIM_PAGEMAP_SCAN, &a);
            if (n < 0) {
                if (errno == EINTR || errno == EAGAIN) continue;
                scan_ok = false;
                break;
            }
            for (long i = 0; i < n; i++) {
                for (uint64_t p = (regions[i].start - host) / PAGE; p < (regions[i].end - host) / PAGE; p++) {
                    if (!bm_set(b, p)) return false;
                }
            }
            if (a.walk_end <= a.start) break;
            a.start = a.walk_end;
        }
        if (scan_ok) return true;
    }
    // Older hosts: pagemap entries, 512 pages at a time.
    uint64_t entries[512];
    for (uint64_t p = from; p < to; p += 512) {
        uint64_t n = to - p < 512 ? to - p : 512;
        ssize_t got = pread(pagemap, entries, n * 8, (off_t)((host / PAGE + p) * 8));
        if (got != (ssize_t)(n * 8)) return false;
        for (uint64_t i = 0; i < n; i++) {
            if (((entries[i] >> 62) & 3) && !bm_set(b, p + i)) return false;
        }
    }
    return true;
}

static int by_start(const void *a, const void *b) {
    uint64_t x = ((const range *)a)->start, y = ((const range *)b)->start;
    return x < y ? -1 : x > y;
}

// s->ranges becomes the union of what it was and the n ranges rs (sorted, overlaps and neighbours joined).
static bool merge_ranges(cow_space *s, const range *rs, int n) {
    range *all = malloc((size_t)(s->nranges + n + 1) * sizeof *all);
    if (!all) return false;
    memcpy(all, s->ranges, (size_t)s->nranges * sizeof *all);
    memcpy(all + s->nranges, rs, (size_t)n * sizeof *all);
    int count = s->nranges + n, out = 0;
    qsort(all, (size_t)count, sizeof *all, by_start);
    for (int i = 0; i < count; i++) {
        if (out > 0 && all[i].start <= all[out - 1].end) {
            if (all[i].end > all[out - 1].end) all[out - 1].end = all[i].end;
        } else {
            all[out++] = all[i];
        }
    }
    free(s->ranges);
    s->ranges = all;
    s->nranges = out;
    return true;
}

// ---- the API (Kernel.Platform.HostMemory) ----

// Whether copy-on-write fork works on this host (userfaultfd with write protection).
int kshim_cow_available(void) {
    pthread_once(&once, start);
    return uffd >= 0;
}

cow_space *kshim_cow_space(void *base, uint64_t size) {
    if (!kshim_cow_available()) return NULL;
    cow_space *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->base = base;
    s->size = size;
    pthread_mutex_lock(&lock);
    s->next = spaces;
    spaces = s;
    pthread_mutex_unlock(&lock);
    return s;
}

// fork: child (a fresh, untouched range of the same size) shares the parent's pages in the given private
// ranges (pairs of guest offsets). 0, or a negative errno when the host refused (nothing changed: copy instead).
int kshim_cow_fork(cow_space *parent, cow_space *child, const uint64_t *pairs, int npairs) {
    if (child->in || child->out || parent->size != child->size) return -EINVAL;
    range *rs = calloc((size_t)(npairs > 0 ? npairs : 1), sizeof *rs);
    cow_link *l = calloc(1, sizeof *l);
    uint64_t nchunks = (parent->size / PAGE + CHUNK_PAGES - 1) / CHUNK_PAGES;
    if (l) l->pending.chunks = calloc(nchunks, sizeof(uint64_t *));
    if (!rs || !l || !l->pending.chunks) {
        free(rs);
        if (l) free(l->pending.chunks);
        free(l);
        return -ENOMEM;
    }
    l->pending.nchunks = nchunks;
    l->parent = parent;
    l->child = child;
    for (int i = 0; i < npairs; i++) rs[i] = (range){pairs[2 * i], pairs[2 * i + 1]};
    pthread_mutex_lock(&lock);
    // The parent's private ranges now: register them for write protection (and for missing pages while it
    // still shares pages with its own parent), protect what it has, then record what it has. Ranges registered
    // before stay registered (a page there may still be missing, waiting for the parent's parent).
    if (!merge_ranges(parent, rs, npairs)) {
        pthread_mutex_unlock(&lock);
        free(rs);
        bm_free(&l->pending);
        free(l);
        return -ENOMEM;
    }
    int modes = UFFDIO_REGISTER_MODE_WP | (parent->in ? UFFDIO_REGISTER_MODE_MISSING : 0);
    for (int i = 0; i < parent->nranges; i++) uffd_apply(parent->base, parent->ranges[i].start, parent->ranges[i].end, modes);
    parent->modes = modes;
    int rc = 0;
    for (int i = 0; i < npairs && rc == 0; i++) {
        rc = uffd_wp(parent, rs[i].start / PAGE, (rs[i].end - rs[i].start) / PAGE, true);
        if (rc == 0 && !mark_shared(parent, &l->pending, rs[i].start, rs[i].end)) rc = -ENOMEM;
    }
    if (rc != 0) {
        // A page left write-protected only costs a fault; with other children it must stay so.
        for (int i = 0; i < npairs && !parent->out; i++) uffd_wp(parent, rs[i].start / PAGE, (rs[i].end - rs[i].start) / PAGE, false);
        bm_free(&l->pending);
        free(l);
        free(rs);
        update_registration(parent);
        pthread_mutex_unlock(&lock);
        return rc;
    }
    child->ranges = rs;
    child->nranges = npairs;
    l->next_out = parent->out;
    parent->out = l;
    child->in = l;
    update_registration(child);
    if (l->pending.count == 0) drop_link(l);
    pthread_mutex_unlock(&lock);
    return 0;
}

// Before [guest, guest+length) of s changes other than by guest stores (discarded, remapped, torn down): the
// children that still share pages there get their own copies, and s stops sharing there with its parent.
void kshim_cow_release(cow_space *s, uint64_t guest, uint64_t length) {
    if (!s) return;
    uint64_t from = guest / PAGE, to = (guest + length + PAGE - 1) / PAGE;
    pthread_mutex_lock(&lock);
    for (cow_link *l = s->out, *next; l; l = next) {
        next = l->next_out;
        materialize(l, from, to);
        maybe_drop(l);
    }
    if (s->in) {
        cow_link *l = s->in;
        for (uint64_t p = bm_next(&l->pending, from, to); p < to; p = bm_next(&l->pending, p + 1, to)) bm_clear(&l->pending, p);
        maybe_drop(l);
    }
    pthread_mutex_unlock(&lock);
}

// s copies every page it still shares with its parent (before a fork that cannot share has to copy s).
void kshim_cow_own(cow_space *s) {
    if (!s) return;
    pthread_mutex_lock(&lock);
    if (s->in) {
        cow_link *l = s->in;
        for (uint64_t p = bm_next(&l->pending, 0, s->size / PAGE); p < s->size / PAGE; p = bm_next(&l->pending, p + 1, s->size / PAGE)) {
            const uint8_t *src = source(l->parent, p);
            bm_clear(&l->pending, p);
            install(s, p, src, true);
        }
        maybe_drop(l);
    }
    pthread_mutex_unlock(&lock);
}

// Pages of [guest, guest+length) that s shows but has not copied yet (they count as resident, as Linux counts a
// copy-on-write page in both processes).
uint64_t kshim_cow_shared_pages(cow_space *s, uint64_t guest, uint64_t length, uint8_t *vector) {
    if (!s) return 0;
    uint64_t from = guest / PAGE, to = (guest + length + PAGE - 1) / PAGE, n = 0;
    pthread_mutex_lock(&lock);
    // A page s shows from an ancestor is pending in s->in (whichever ancestor has it).
    if (s->in) {
        for (uint64_t p = bm_next(&s->in->pending, from, to); p < to; p = bm_next(&s->in->pending, p + 1, to)) {
            if (vector) vector[p - from] = 1;
            n++;
        }
    }
    pthread_mutex_unlock(&lock);
    return n;
}

void kshim_cow_destroy(cow_space *s) {
    if (!s) return;
    pthread_mutex_lock(&lock);
    for (cow_link *l = s->out, *next; l; l = next) {
        next = l->next_out;
        materialize(l, 0, s->size / PAGE);
        drop_link(l);
    }
    if (s->in) drop_link(s->in);
    for (int i = 0; i < s->nranges; i++) uffd_apply(s->base, s->ranges[i].start, s->ranges[i].end, 0);
    for (cow_space **pp = &spaces; *pp; pp = &(*pp)->next) {
        if (*pp == s) {
            *pp = s->next;
            break;
        }
    }
    free(s->ranges);
    free(s);
    pthread_mutex_unlock(&lock);
}
