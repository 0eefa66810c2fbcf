// Dropout masks from the counter-based hash of org.nvit.engine.Rng.uniformAt, so CPU and GPU masks agree bit for bit:
// u_i = (mix(seed + i * 0x9E3779B97F4A7C15) >> 40) * 2^-24 (SplitMix64 finaliser, top 24 bits, exact in float).
#include "common.cuh"

__host__ __device__ __forceinline__ unsigned long long splitmixFinal(unsigned long long z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

__host__ __device__ __forceinline__ float uniformAt(unsigned long long seed, unsigned long long counter) {
    return (float)(splitmixFinal(seed + counter * 0x9E3779B97F4A7C15ull) >> 40) * 0x1.0p-24f;
}

// mask_i = u_i >= p ? keep : 0, keep = 1/(1-p) rounded to float on the host (as the CPU does).
extern "C" __global__ void nvit_dropout_mask(float* mask, float p, float keep, unsigned long long seed, long long n) {
    NVIT_GRID_STRIDE(i, n) mask[i] = uniformAt(seed, (unsigned long long)i) >= p ? keep : 0.f;
}

// Raw uniforms, for tests of the hash itself.
extern "C" __global__ void nvit_uniform(float* out, unsigned long long seed, long long n) {
    NVIT_GRID_STRIDE(i, n) out[i] = uniformAt(seed, (unsigned long long)i);
}
