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

// Shared with Kernel.Platform.Unicorn.ShimState (layout must match up to `reserved`).
typedef struct {
    volatile int32_t stop_request; // set by any thread; honoured at the next block boundary
    int32_t reason;                // 0 none, 1 interrupt (intno), 2 invalid memory access
    uint32_t intno;
    int32_t mem_type;
    uint64_t mem_address;
    int64_t mem_size;
    // Private to this file: fast-store ranges (sorted, disjoint, not adjacent) and the engine's CPU.
    kshim_range *fast;
    int32_t fast_count, fast_capacity;
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
    free(state->fast);
    state->fast = NULL;
    state->fast_count = state->fast_capacity = 0;
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

static bool is_fast(const kshim_state *s, uint64_t page) {
    int lo = 0, hi = s->fast_count;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (page >= s->fast[mid].end) lo = mid + 1;
        else if (page < s->fast[mid].start) hi = mid;
        else return true;
    }
    return false;
}

void tlb_flush_aarch64(void *cpu);

// Marks [start, end) as fast-store pages or not. Entries filled before the change may carry the old decision, so
// the engine's TLB is flushed when pages stop being fast-store (their stores must take the checking slow path).
int kshim_set_fast_store(kshim_state *s, uint64_t start, uint64_t end, int fast) {
    if (start >= end) return 0;
    // At most one range is split in two, plus the new one.
    if (s->fast_count + 2 > s->fast_capacity) {
        int capacity = s->fast_capacity ? s->fast_capacity * 2 : 16;
        kshim_range *grown = realloc(s->fast, (size_t)capacity * sizeof(kshim_range));
        if (!grown) return UC_ERR_NOMEM;
        s->fast = grown;
        s->fast_capacity = capacity;
    }
    kshim_range *out = malloc((size_t)(s->fast_count + 2) * sizeof(kshim_range));
    if (!out) return UC_ERR_NOMEM;
    int n = 0;
    bool placed = !fast, dropped = false;
    for (int i = 0; i < s->fast_count; i++) {
        kshim_range r = s->fast[i];
        if (r.end <= start || r.start >= end) {
            if (!placed && r.start >= end) {
                out[n++] = (kshim_range){start, end};
                placed = true;
            }
            out[n++] = r;
            continue;
        }
        if (r.start < start) out[n++] = (kshim_range){r.start, start};
        if (!fast) dropped = true; // part of [start, end) was fast-store and is no longer
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
    memcpy(s->fast, out, (size_t)m * sizeof(kshim_range));
    s->fast_count = m;
    free(out);
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
    if (is_fast(s, vaddr & ~(uint64_t)0xfff)) tlb_set_dirty_aarch64(cpu, vaddr);
}
