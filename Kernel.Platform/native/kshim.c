// Native hooks for the Unicorn CPU backend. They run on every translated block or trap, so they stay in C:
// a managed callback per block would cost more than the guest code it watches (see docs/architecture.md).
#include <unicorn/unicorn.h>
#include <stdint.h>
#include <stdbool.h>

// Shared with Kernel.Platform.Unicorn.ShimState (layout must match).
typedef struct {
    volatile int32_t stop_request; // set by any thread; honoured at the next block boundary
    int32_t reason;                // 0 none, 1 interrupt (intno), 2 invalid memory access
    uint32_t intno;
    int32_t mem_type;
    uint64_t mem_address;
    int64_t mem_size;
} kshim_state;

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

// uc_ctl is variadic; calling it through these fixed-signature wrappers keeps P/Invoke well defined.
int kshim_set_cpu_model(uc_engine *uc, int model) {
    return uc_ctl_set_cpu_model(uc, model);
}

int kshim_remove_cache(uc_engine *uc, uint64_t begin, uint64_t end) {
    return uc_ctl_remove_cache(uc, begin, end);
}
