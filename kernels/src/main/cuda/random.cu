// Dropout masks from the counter-based hash of org.nvit.engine.Rng.uniformAt (common.cuh), so CPU and GPU masks
// agree bit for bit.
#include "common.cuh"

// mask_i = u_i >= p ? keep : 0, keep = 1/(1-p) rounded to float on the host (as the CPU does).
extern "C" __global__ void nvit_dropout_mask(float* mask, float p, float keep, unsigned long long seed, long long n) {
    NVIT_GRID_STRIDE(i, n) mask[i] = uniformAt(seed, (unsigned long long)i) >= p ? keep : 0.f;
}

// Raw uniforms, for tests of the hash itself.
extern "C" __global__ void nvit_uniform(float* out, unsigned long long seed, long long n) {
    NVIT_GRID_STRIDE(i, n) out[i] = uniformAt(seed, (unsigned long long)i);
}
