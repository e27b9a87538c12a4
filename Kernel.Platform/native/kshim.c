// The native half of the Unicorn CPU backend, linked with Debian's static libunicorn.a into one library.
// Hooks run on every translated block or trap, so they stay in C: a managed callback per block would cost
// more than the guest code it watches (see docs/architecture.md).
//
// Fast stores: Unicorn 2.0.1 leaves TLB_NOTDIRTY set on every writable TLB entry (its dirty-memory bitmap
// is stubbed out), so every guest store takes the slow path through notdirty_write, which allocates and
// frees a page collection to look for translated code to invalidate: stores cost ~50x a load. We wrap the
// TLB fill (link-time --wrap of the call from the arm64 target) and clear NOTDIRTY again for "fast-store" pages:
// writable and not executable. Pages in an executable mapping keep it, so self-modifying and JIT code still
// invalidates its stale translations; read-only pages keep it too, because Unicorn checks a region's write
// permission only on that slow path (with NOTDIRTY cleared, a read-only page whose entry a load filled would take
// stores). Unicorn 2.1 fixed this upstream the same way (by region permissions).
#include <unicorn/unicorn.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#if UC_API_MAJOR != 2 || UC_API_MINOR > 1
#error "kshim wraps Unicorn 2.0/2.1 internals (tlb_set_page_with_attrs, tlb_set_dirty); check them for this version"
#endif

typedef struct {
    uint64_t start, end;
} kshim_range;

// Sorted, disjoint, not adjacent page ranges.
typedef struct {
    kshim_range *items;
    int32_t count, capacity;
} kshim_ranges;

// Shared with Kernel.Platform.Unicorn.ShimState (layout must match up to `reserved`).
typedef struct {
    volatile int32_t stop_request; // set by any thread; honoured at the next block boundary
    int32_t reason;                // 0 none, 1 interrupt (intno), 2 invalid memory access
    uint32_t intno;
    int32_t mem_type;
    uint64_t mem_address;
    int64_t mem_size;
    // Native-private: fast-store pages, writable pages (atomics.c) and the engine's CPU.
    kshim_ranges fast, writable;
    void *cpu;
} kshim_state;

// The state of the engine this thread is running (an engine runs on one thread at a time).
static __thread kshim_state *current;

static void on_block(uc_engine *uc, uint64_t address, uint32_t size, void *user) {
    kshim_state *s = (kshim_state *)user;
    if (__atomic_load_n(&s->stop_request, __ATOMIC_ACQUIRE)) {
        uc_emu_stop(uc);
    }
}

static void on_interrupt(uc_engine *uc, uint32_t intno, void *user) {
    kshim_state *s = (kshim_state *)user;
    s->reason = 1;
    s->intno = intno;
    uc_emu_stop(uc);
}

static bool on_invalid_memory(uc_engine *uc, uc_mem_type type, uint64_t address, int size, int64_t value, void *user) {
    kshim_state *s = (kshim_state *)user;
    s->reason = 2;
    s->mem_type = type;
    s->mem_address = address;
    s->mem_size = size;
    return false;
}

int kshim_attach(uc_engine *uc, kshim_state *state) {
    uc_hook h;
    uc_err e = uc_hook_add(uc, &h, UC_HOOK_BLOCK, (void *)on_block, state, 1, 0);
    if (e != UC_ERR_OK) return e;
    e = uc_hook_add(uc, &h, UC_HOOK_INTR, (void *)on_interrupt, state, 1, 0);
    if (e != UC_ERR_OK) return e;
    return uc_hook_add(uc, &h, UC_HOOK_MEM_INVALID, (void *)on_invalid_memory, state, 1, 0);
}

void kshim_detach(kshim_state *state) {
    free(state->fast.items);
    free(state->writable.items);
    state->fast = state->writable = (kshim_ranges){0};
}

// uc_ctl is variadic; calling it through these fixed-signature wrappers keeps P/Invoke well defined.
int kshim_set_cpu_model(uc_engine *uc, int model) {
    return uc_ctl_set_cpu_model(uc, model);
}

int kshim_remove_cache(uc_engine *uc, uint64_t begin, uint64_t end) {
    return uc_ctl_remove_cache(uc, begin, end);
}

int kshim_emu_start(uc_engine *uc, kshim_state *state, uint64_t begin, uint64_t until) {
    kshim_state *saved = current;
    current = state;
    int e = uc_emu_start(uc, begin, until, 0, 0);
    current = saved;
    return e;
}

static bool ranges_contain(const kshim_ranges *set, uint64_t page) {
    int lo = 0, hi = set->count;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (page >= set->items[mid].end) lo = mid + 1;
        else if (page < set->items[mid].start) hi = mid;
        else return true;
    }
    return false;
}

// For atomics.c: 1 when the running engine's page at addr is writable, 0 when not, -1 outside our runs.
int shim_page_writable(uint64_t addr) {
    return current == NULL ? -1 : ranges_contain(&current->writable, addr & ~(uint64_t)0xfff);
}

// For atomics.c: whether a memory access of this run has failed (the engine stops at the end of the block).
bool shim_access_failed(void) {
    return current != NULL && current->reason == 2;
}

// Adds [start, end) to the set or takes it out. Returns 1 when pages left the set, 0 when none did, or an error.
static int ranges_set(kshim_ranges *set, uint64_t start, uint64_t end, bool on) {
    // At most one range is split in two, plus the new one.
    if (set->count + 2 > set->capacity) {
        int capacity = set->capacity ? set->capacity * 2 : 16;
        kshim_range *grown = realloc(set->items, (size_t)capacity * sizeof(kshim_range));
        if (!grown) return -UC_ERR_NOMEM;
        set->items = grown;
        set->capacity = capacity;
    }
    kshim_range *out = malloc((size_t)(set->count + 2) * sizeof(kshim_range));
    if (!out) return -UC_ERR_NOMEM;
    int n = 0;
    bool placed = !on, dropped = false;
    for (int i = 0; i < set->count; i++) {
        kshim_range r = set->items[i];
        if (r.end <= start || r.start >= end) {
            if (!placed && r.start >= end) {
                out[n++] = (kshim_range){start, end};
                placed = true;
            }
            out[n++] = r;
            continue;
        }
        if (r.start < start) out[n++] = (kshim_range){r.start, start};
        if (!on) dropped = true; // part of [start, end) was in the set and is no longer
        if (!placed) {
            out[n++] = (kshim_range){start, end};
            placed = true;
        }
        if (r.end > end) out[n++] = (kshim_range){end, r.end};
    }
    if (!placed) out[n++] = (kshim_range){start, end};
    // Merge touching neighbours so lookups stay short.
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (m > 0 && out[m - 1].end >= out[i].start) {
            if (out[i].end > out[m - 1].end) out[m - 1].end = out[i].end;
        } else {
            out[m++] = out[i];
        }
    }
    memcpy(set->items, out, (size_t)m * sizeof(kshim_range));
    set->count = m;
    free(out);
    return dropped ? 1 : 0;
}

void tlb_flush_aarch64(void *cpu);

// Records the protection (UC_PROT_*) of [start, end): its pages are fast-store when writable and not executable, and
// writable ones let atomics take the host path. Entries filled before the change may carry the old fast-store
// decision, so the engine's TLB is flushed when pages stop being fast-store (their stores must take the checking
// slow path).
int kshim_set_protection(kshim_state *s, uint64_t start, uint64_t end, int prot) {
    if (start >= end) return 0;
    int dropped = ranges_set(&s->fast, start, end, (prot & (UC_PROT_WRITE | UC_PROT_EXEC)) == UC_PROT_WRITE);
    if (dropped < 0) return -dropped;
    int e = ranges_set(&s->writable, start, end, (prot & UC_PROT_WRITE) != 0);
    if (e < 0) return -e;
    if (dropped && s->cpu) tlb_flush_aarch64(s->cpu);
    return 0;
}

// MemTxAttrs of QEMU 5.0 (Unicorn 2.0.1): a 32-bit bitfield passed by value.
typedef struct {
    uint32_t bits;
} kshim_memtxattrs;

void __real_tlb_set_page_with_attrs_aarch64(void *cpu, uint64_t vaddr, uint64_t paddr, kshim_memtxattrs attrs,
                                            int prot, int mmu_idx, uint64_t size);
void tlb_set_dirty_aarch64(void *cpu, uint64_t vaddr);

void __wrap_tlb_set_page_with_attrs_aarch64(void *cpu, uint64_t vaddr, uint64_t paddr, kshim_memtxattrs attrs,
                                            int prot, int mmu_idx, uint64_t size) {
    __real_tlb_set_page_with_attrs_aarch64(cpu, vaddr, paddr, attrs, prot, mmu_idx, size);
    kshim_state *s = current;
    if (s == NULL) return; // not one of our runs: keep Unicorn's safe default
    s->cpu = cpu;
    if (ranges_contain(&s->fast, vaddr & ~(uint64_t)0xfff)) tlb_set_dirty_aarch64(cpu, vaddr);
}
