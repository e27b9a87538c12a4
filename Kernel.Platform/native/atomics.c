// Guest atomics that stay atomic while other vCPUs (other processes' host threads) touch the same memory.
//
// Unicorn 2.0.1 translates every block as if one vCPU ran alone: its curr_cflags() is 0, never CF_PARALLEL, so
// LDXR/STXR pairs and LSE atomics become a plain load, compare and store. Threads of one process share a vCPU and
// never interleave inside one instruction, but processes that share memory (MAP_SHARED, SysV shm, memfd) run on
// separate host threads at once: their atomics lost updates and a spin lock could stay taken with no owner.
//
// 1. tcg_func_start is wrapped: tb_gen_code calls it right after copying the block's cflags into the TCG context,
//    and we add CF_PARALLEL to the context's copy only. tcg-op.c then emits host atomics for exclusives and LSE
//    operations, and real barriers. The block's own cflags stay as they were, so its hash and lookups do not
//    change, and the translator keeps its single-vCPU paths for the 128-bit CASP and LDXP/STXP pairs (CF_PARALLEL
//    there needs the stop-the-world EXCP_ATOMIC exit, which Unicorn does not handle).
// 2. Unicorn's parallel helpers for SWP and LD{S,U}{MIN,MAX} are not atomic (a plain read then write), so those
//    helpers are wrapped and rebuilt on its compare-and-swap helper, which is a host cmpxchg; and none of its
//    atomic helpers checks the page's protection, so every one is wrapped to check it first (below).
#include <stdbool.h>
#include <stdint.h>

#define KSHIM_CF_PARALLEL 0x00080000u

// QEMU 5.0's TCGContext (Unicorn 2.0.1, x86_64 host, 32-bit TCGRegSet): its fields up to tb_cflags.
typedef struct {
    void *pool_cur, *pool_end, *pool_first, *pool_current, *pool_first_large;
    int32_t nb_labels, nb_globals, nb_temps, nb_indirects, nb_ops;
    void *code_buf, *tb_jmp_reset_offset, *tb_jmp_insn_offset, *tb_jmp_target_addr;
    uint32_t reserved_regs;
    uint32_t tb_cflags;
} kshim_tcg_context_head;

// 1 on, 0 off (configuration), -1 off because a context did not look as the layout above says.
static volatile int parallel_atomics = 1;

void __real_tcg_func_start_aarch64(void *tcg_ctx);

void __wrap_tcg_func_start_aarch64(void *tcg_ctx) {
    __real_tcg_func_start_aarch64(tcg_ctx);
    if (parallel_atomics != 1) return;
    kshim_tcg_context_head *c = (kshim_tcg_context_head *)tcg_ctx;
    // tcg_func_start has just reset these: if they do not read so, the layout is not the one assumed above.
    if (c->nb_ops != 0 || c->nb_labels != 0 || c->nb_temps != c->nb_globals || c->nb_globals <= 0 ||
        c->reserved_regs == 0 || (c->tb_cflags & 0x00f00000u) != 0) {
        parallel_atomics = -1;
        return;
    }
    c->tb_cflags |= KSHIM_CF_PARALLEL;
}

// enable: 1 on, 0 off, -1 query. Returns the state: 1 on, 0 off, -1 disabled by the layout check.
int kshim_parallel_atomics(int enable) {
    if (enable >= 0 && parallel_atomics != -1) parallel_atomics = enable;
    return parallel_atomics;
}

// The helpers TCG code calls take (env, guest address, value, memop index); the _mmu variants also take the return
// address into the generated code, which a fault needs to restore the guest state: it is our caller's.
#define KSHIM_GETPC() ((uintptr_t)__builtin_extract_return_addr(__builtin_return_address(0)))

// Unicorn's atomic helpers check neither a region's protection nor whether it is mapped at all (an unmapped page
// even loops forever in its stop-the-world exit), where its load and store helpers call the invalid-memory hook.
// So an atomic on a page the engine does not have writable first goes through those: a load and a store of the
// value it reads. On a read-only or unmapped page the hook records the fault and nothing is written; the engine
// stops at the end of the block and the guest gets its SIGSEGV as for a plain store. (Were the page writable after
// all, the store would write back what was just read, and the atomic proceeds.)
int shim_page_writable(uint64_t addr);
bool shim_access_failed(void);

#define KSHIM_HELPERS(SUFFIX, LD, ST, ABI, DATA)                                                                 \
    uint64_t helper_##LD##_mmu_aarch64(void *env, uint64_t addr, uint32_t oi, uintptr_t ra);                       \
    void helper_##ST##_mmu_aarch64(void *env, uint64_t addr, DATA val, uint32_t oi, uintptr_t ra);                 \
    ABI helper_atomic_cmpxchg##SUFFIX##_mmu_aarch64(void *env, uint64_t addr, ABI cmpv, ABI newv, uint32_t oi,     \
                                                    uintptr_t ra);                                                 \
    /* false when the access faulted: the caller returns at once */                                               \
    static inline bool may_write##SUFFIX(void *env, uint64_t addr, uint32_t oi, uintptr_t ra) {                    \
        if (shim_page_writable(addr) != 0) return true;                                                            \
        DATA seen = (DATA)helper_##LD##_mmu_aarch64(env, addr, oi, ra);                                            \
        if (shim_access_failed()) return false;                                                                    \
        helper_##ST##_mmu_aarch64(env, addr, seen, oi, ra);                                                        \
        return !shim_access_failed();                                                                              \
    }                                                                                                              \
    ABI __real_helper_atomic_cmpxchg##SUFFIX##_aarch64(void *env, uint64_t addr, ABI cmpv, ABI newv, uint32_t oi); \
    ABI __wrap_helper_atomic_cmpxchg##SUFFIX##_aarch64(void *env, uint64_t addr, ABI cmpv, ABI newv, uint32_t oi) { \
        uintptr_t ra = KSHIM_GETPC();                                                                              \
        if (!may_write##SUFFIX(env, addr, oi, ra)) return 0;                                                       \
        return helper_atomic_cmpxchg##SUFFIX##_mmu_aarch64(env, addr, cmpv, newv, oi, ra);                         \
    }

// An operation Unicorn does atomically (a host lock-prefixed instruction): only the protection check is added.
#define KSHIM_CHECKED(SUFFIX, ABI, NAME)                                                                  \
    ABI helper_atomic_##NAME##SUFFIX##_mmu_aarch64(void *env, uint64_t addr, ABI val, uint32_t oi, uintptr_t ra); \
    ABI __wrap_helper_atomic_##NAME##SUFFIX##_aarch64(void *env, uint64_t addr, ABI val, uint32_t oi) {           \
        uintptr_t ra = KSHIM_GETPC();                                                                     \
        if (!may_write##SUFFIX(env, addr, oi, ra)) return 0;                                              \
        return helper_atomic_##NAME##SUFFIX##_mmu_aarch64(env, addr, val, oi, ra);                        \
    }

// An operation Unicorn does as a plain read then write: rebuilt as compare-and-swap, the new value offered until
// no other vCPU got in between. The first exchange (0 for 0) only reads.
#define KSHIM_RMW(SUFFIX, ABI, DATA, XDATA, NAME, NEWVAL)                                                      \
    ABI __wrap_helper_atomic_##NAME##SUFFIX##_aarch64(void *env, uint64_t addr, ABI xval, uint32_t oi) {        \
        uintptr_t ra = KSHIM_GETPC();                                                                          \
        if (!may_write##SUFFIX(env, addr, oi, ra)) return 0;                                                   \
        XDATA val = (XDATA)xval;                                                                               \
        DATA old = (DATA)helper_atomic_cmpxchg##SUFFIX##_mmu_aarch64(env, addr, 0, 0, oi, ra);                \
        for (;;) {                                                                                             \
            XDATA o = (XDATA)old;                                                                              \
            DATA desired = (DATA)(NEWVAL);                                                                     \
            DATA seen = (DATA)helper_atomic_cmpxchg##SUFFIX##_mmu_aarch64(env, addr, old, desired, oi, ra);   \
            if (seen == old) return (ABI)o;                                                                    \
            old = seen;                                                                                        \
        }                                                                                                      \
    }

#define KSHIM_MIN(a, b) ((a) < (b) ? (a) : (b))
#define KSHIM_MAX(a, b) ((a) > (b) ? (a) : (b))

// Each size (little-endian: arm64 Linux user space is), with the value types of Unicorn's own helpers.
#define KSHIM_SIZE(SUFFIX, LD, ST, ABI, DATA, SDATA)                                \
    KSHIM_HELPERS(SUFFIX, LD, ST, ABI, DATA)                                        \
    KSHIM_CHECKED(SUFFIX, ABI, fetch_add)                                           \
    KSHIM_CHECKED(SUFFIX, ABI, fetch_and)                                           \
    KSHIM_CHECKED(SUFFIX, ABI, fetch_or)                                            \
    KSHIM_CHECKED(SUFFIX, ABI, fetch_xor)                                           \
    KSHIM_RMW(SUFFIX, ABI, DATA, DATA, xchg, val)                                   \
    KSHIM_RMW(SUFFIX, ABI, DATA, SDATA, fetch_smin, KSHIM_MIN(o, val))              \
    KSHIM_RMW(SUFFIX, ABI, DATA, SDATA, fetch_smax, KSHIM_MAX(o, val))              \
    KSHIM_RMW(SUFFIX, ABI, DATA, DATA, fetch_umin, KSHIM_MIN(o, val))               \
    KSHIM_RMW(SUFFIX, ABI, DATA, DATA, fetch_umax, KSHIM_MAX(o, val))

KSHIM_SIZE(b, ret_ldub, ret_stb, uint32_t, uint8_t, int8_t)
KSHIM_SIZE(w_le, le_lduw, le_stw, uint32_t, uint16_t, int16_t)
KSHIM_SIZE(l_le, le_ldul, le_stl, uint32_t, uint32_t, int32_t)
KSHIM_SIZE(q_le, le_ldq, le_stq, uint64_t, uint64_t, int64_t)
