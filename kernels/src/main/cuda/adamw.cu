// Fused multi-tensor AdamW (PyTorch's decoupled-weight-decay formula). One launch updates many parameter tensors:
// the host passes device arrays of the tensors' pointers and a chunk table, so each block knows its tensor and range.
#include "common.cuh"

struct AdamWChunk {
    int tensor;       // index into the pointer arrays
    int length;       // elements in this chunk
    long long start;  // first element of the chunk within the tensor
};

// p -= lr*wd*p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr * (m / bc1) / (sqrt(v / bc2) + eps).
extern "C" __global__ void nvit_adamw_multi(float* const* params, const float* const* grads, float* const* ms,
                                            float* const* vs, const AdamWChunk* chunks, float lr, float beta1,
                                            float beta2, float eps, float weightDecay, float bc1, float bc2) {
    AdamWChunk ch = chunks[blockIdx.x];
    float* p = params[ch.tensor] + ch.start;
    const float* g = grads[ch.tensor] + ch.start;
    float* m = ms[ch.tensor] + ch.start;
    float* v = vs[ch.tensor] + ch.start;
    for (int i = threadIdx.x; i < ch.length; i += blockDim.x) {
        float pi = p[i], gi = g[i];
        pi -= lr * weightDecay * pi;
        float mi = beta1 * m[i] + (1.f - beta1) * gi;
        float vi = beta2 * v[i] + (1.f - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = pi - lr * (mi / bc1) / (sqrtf(vi / bc2) + eps);
    }
}
