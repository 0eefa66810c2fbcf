// Host stand-in for <cuda_runtime.h> that runs every CUDA thread of a block as an OS thread: __syncthreads is a
// block-wide barrier, warp shuffles exchange through a per-warp buffer between two warp barriers, __shared__ arrays
// are static (one block runs at a time). Slow, but it executes the reduction kernels' real control flow on a CPU.
#pragma once
#include <math.h>
#include <atomic>
#include <barrier>
#include <functional>
#include <memory>
#include <thread>
#include <type_traits>
#include <vector>
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(...)
#define __align__(n) alignas(n)
// Dynamic shared memory: one buffer (one block runs at a time), sized by the harness before a launch, 128-byte
// aligned like the device's, followed by a canary that a kernel carving more than it was given would overwrite.
inline std::vector<unsigned char>& nvit_dynamic_buffer() { static std::vector<unsigned char> b; return b; }
inline size_t& nvit_dynamic_size() { static size_t n; return n; }
inline unsigned char* nvit_dynamic_smem() {
    auto a = reinterpret_cast<uintptr_t>(nvit_dynamic_buffer().data());
    return reinterpret_cast<unsigned char*>((a + 127) / 128 * 128);
}
inline void nvit_set_dynamic_smem(size_t bytes) {
    nvit_dynamic_size() = bytes;
    nvit_dynamic_buffer().assign(bytes + 128 + 4096, 0xFF); // NaN-like garbage: kernels must write before reading
    for (size_t i = 0; i < 4096; i++) nvit_dynamic_smem()[bytes + i] = 0xA5;
}
inline bool nvit_dynamic_smem_intact() {
    for (size_t i = 0; i < 4096; i++) if (nvit_dynamic_smem()[nvit_dynamic_size() + i] != 0xA5) return false;
    return true;
}
#define NVIT_DYNAMIC_SMEM(name) unsigned char* name = nvit_dynamic_smem()
struct float4 { float x, y, z, w; };
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
struct nvit_dim3 { unsigned x = 0, y = 0, z = 0; };
inline thread_local nvit_dim3 threadIdx, blockIdx;
inline nvit_dim3 blockDim, gridDim;

struct NvitBlockSync {
    std::unique_ptr<std::barrier<>> block;
    std::vector<std::unique_ptr<std::barrier<>>> warps;
    std::vector<float> lanes; // one slot per thread
};
inline NvitBlockSync nvit_sync;

inline void __syncthreads() { nvit_sync.block->arrive_and_wait(); }

inline int nvit_linear_tid();
inline void __syncwarp(unsigned = 0xffffffffu) { nvit_sync.warps[nvit_linear_tid() / 32]->arrive_and_wait(); }
inline unsigned atomicAdd(unsigned* p, unsigned v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }
inline void __threadfence() { std::atomic_thread_fence(std::memory_order_seq_cst); }
inline float __ldcg(const float* p) { return *p; }

inline int nvit_linear_tid() { return threadIdx.y * blockDim.x + threadIdx.x; }

inline float __shfl_xor_sync(unsigned, float v, int laneMask) {
    int t = nvit_linear_tid(), warp = t / 32, lane = t % 32;
    nvit_sync.lanes[t] = v;
    nvit_sync.warps[warp]->arrive_and_wait();
    float other = nvit_sync.lanes[warp * 32 + (lane ^ laneMask)];
    nvit_sync.warps[warp]->arrive_and_wait();
    return other;
}

inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline long long min(long long a, long long b) { return a < b ? a : b; }

// Runs kernel() for every thread of every block: one OS thread per CUDA thread of a block, each walking the blocks in
// order; a barrier between blocks keeps one block (and its static __shared__ arrays) in flight at a time.
inline void nvit_launch3(unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by,
                         const std::function<void()>& kernel) {
    gridDim = {gx, gy, gz};
    blockDim = {bx, by, 1};
    unsigned n = bx * by;
    nvit_sync.block = std::make_unique<std::barrier<>>(n);
    nvit_sync.warps.clear();
    for (unsigned w = 0; w < (n + 31) / 32; w++) nvit_sync.warps.push_back(std::make_unique<std::barrier<>>(32));
    nvit_sync.lanes.assign(n, 0.f);
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < n; t++)
        threads.emplace_back([&, t] {
            threadIdx = {t % bx, t / bx, 0};
            for (unsigned z = 0; z < gz; z++)
                for (unsigned y = 0; y < gy; y++)
                    for (unsigned x = 0; x < gx; x++) {
                        blockIdx = {x, y, z};
                        kernel();
                        nvit_sync.block->arrive_and_wait();
                    }
        });
    for (auto& th : threads) th.join();
}

inline void nvit_launch(unsigned gx, unsigned gy, unsigned bx, unsigned by, const std::function<void()>& kernel) {
    nvit_launch3(gx, gy, 1, bx, by, kernel);
}
