// Multi-tensor ops: one launch updates many tensors (all of a model's parameters, gradients or moments). The host
// uploads, once per set of tensors, device arrays of their pointers and a chunk table, so each block knows its
// tensor and range; steps that reuse the same tensors reuse the arrays (no upload, no host wait).
#include "common.cuh"

struct MultiChunk {
    int tensor;       // index into the pointer arrays
    int length;       // elements in this chunk
    long long start;  // first element of the chunk within the tensor
};

// AdamW, PyTorch's decoupled-weight-decay formula, weight decay per tensor:
// p -= lr*wd*p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr * (m / bc1) / (sqrt(v / bc2) + eps).
extern "C" __global__ void nvit_adamw_multi(float* const* params, const float* const* grads, float* const* ms,
                                            float* const* vs, const MultiChunk* chunks, const float* weightDecay,
                                            float lr, float beta1, float beta2, float eps, float bc1, float bc2) {
    MultiChunk ch = chunks[blockIdx.x];
    float* p = params[ch.tensor] + ch.start;
    const float* g = grads[ch.tensor] + ch.start;
    float* m = ms[ch.tensor] + ch.start;
    float* v = vs[ch.tensor] + ch.start;
    float decay = lr * weightDecay[ch.tensor];
    for (int i = threadIdx.x; i < ch.length; i += blockDim.x) {
        float pi = p[i], gi = g[i];
        pi -= decay * pi;
        float mi = beta1 * m[i] + (1.f - beta1) * gi;
        float vi = beta2 * v[i] + (1.f - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = pi - lr * (mi / bc1) / (sqrtf(vi / bc2) + eps);
    }
}

// ys[i] = a * ys[i] + b * xs[i] (the weight EMA), as scale then axpy would round it.
extern "C" __global__ void nvit_axpby_multi(float* const* ys, const float* const* xs, const MultiChunk* chunks,
                                            float a, float b) {
    MultiChunk ch = chunks[blockIdx.x];
    float* y = ys[ch.tensor] + ch.start;
    const float* x = xs[ch.tensor] + ch.start;
    for (int i = threadIdx.x; i < ch.length; i += blockDim.x) y[i] = fmaf(b, x[i], a * y[i]);
}

// xs[i] *= factor[0], the factor computed on the device (gradient clipping).
extern "C" __global__ void nvit_scale_by_multi(float* const* xs, const MultiChunk* chunks, const float* factor) {
    MultiChunk ch = chunks[blockIdx.x];
    float* x = xs[ch.tensor] + ch.start;
    float f = *factor;
    for (int i = threadIdx.x; i < ch.length; i += blockDim.x) x[i] = f * x[i];
}

// out[0] = sum of x^2 over every element of every tensor, in one launch: block c squares and sums its chunk into
// partial[c]; the last block to finish adds the partials in a fixed order.
extern "C" __global__ void nvit_sum_squares_multi(const float* const* xs, const MultiChunk* chunks, float* partial,
                                                  float* out, unsigned* ticket) {
    __shared__ float scratch[32];
    MultiChunk ch = chunks[blockIdx.x];
    const float* x = xs[ch.tensor] + ch.start;
    float s = 0.f;
    for (int i = threadIdx.x; i < ch.length; i += blockDim.x) s = fmaf(x[i], x[i], s);
    s = blockSum(s, scratch);
    if (threadIdx.x == 0) partial[blockIdx.x] = s;
    if (!lastBlock(ticket)) return;
    float t = 0.f;
    for (int c = threadIdx.x; c < (int)gridDim.x; c += blockDim.x) t += __ldcg(partial + c);
    t = blockSum(t, scratch);
    if (threadIdx.x == 0) out[0] = t;
}

// torch's clip_grad_norm_ rule on the device: norm = sqrt(sumSq), factor = maxNorm / (norm + 1e-6) if norm > maxNorm.
extern "C" __global__ void nvit_clip_factor(const float* sumSq, float maxNorm, float* norm, float* factor) {
    if (blockIdx.x != 0 || threadIdx.x != 0) return;
    float n = sqrtf(*sumSq);
    *norm = n;
    *factor = n > maxNorm ? maxNorm / (n + 1e-6f) : 1.f;
}
