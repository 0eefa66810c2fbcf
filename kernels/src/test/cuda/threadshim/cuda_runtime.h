// Host stand-in for <cuda_runtime.h> that runs every CUDA thread of a block as an OS thread: __syncthreads is a
// block-wide barrier, warp shuffles exchange through a per-warp buffer between two warp barriers, __shared__ arrays
// are static (one block runs at a time). Slow, but it executes the reduction kernels' real control flow on a CPU.
#pragma once
#include <math.h>
#include <barrier>
#include <functional>
#include <memory>
#include <thread>
#include <vector>
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
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
inline void nvit_launch(unsigned gx, unsigned gy, unsigned bx, unsigned by, const std::function<void()>& kernel) {
    gridDim = {gx, gy, 1};
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
            for (unsigned y = 0; y < gy; y++)
                for (unsigned x = 0; x < gx; x++) {
                    blockIdx = {x, y, 0};
                    kernel();
                    nvit_sync.block->arrive_and_wait();
                }
        });
    for (auto& th : threads) th.join();
}
