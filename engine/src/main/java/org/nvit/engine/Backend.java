package org.nvit.engine;

import java.util.Optional;

/**
 * The op set a ViT forward and backward needs. Every op takes its outputs as arguments (no hidden allocation), works
 * on contiguous tensors of one dtype (F32; F64 where the backend supports it, which the CPU backends do) and one
 * device. "Rows" means the tensor seen as [numel / lastDim, lastDim]. Ops whose doc says "accumulates" add into
 * their output (+=); all others overwrite it.
 *
 * <p>Implementations: {@code ReferenceBackend} (plain scalar loops, the oracle for tests), {@code CpuBackend} (Vector
 * API, multithreaded), and the CUDA backend in the kernels module.
 */
public interface Backend {

    /** Short name for logs and benchmark output, e.g. "cpu-vector(2 threads)". */
    String name();

    Device device();

    /** A zero-filled tensor on this backend's device. */
    Tensor zeros(DType dtype, int... shape);

    /**
     * A tensor whose contents are unspecified, for outputs an op overwrites completely (saves clearing a recycled
     * buffer). Defaults to {@link #zeros}.
     */
    default Tensor empty(DType dtype, int... shape) { return zeros(dtype, shape); }

    /** Copies a tensor of this device to a CPU tensor (identity-copy on CPU backends). */
    default Tensor toCpu(Tensor t) { return t.copy(); }

    /** Copies a CPU tensor to this backend's device (identity-copy on CPU backends). */
    default Tensor fromCpu(Tensor t) { return t.copy(); }

    /** Waits until queued work is finished (no-op on CPU backends). */
    default void synchronize() {}

    /**
     * An optional capability of this backend: a fused or multi-tensor op it runs natively (the interfaces in
     * {@code org.nvit.engine.fused}), or its work counters ({@link DeviceCounters}). Empty when it has none; callers
     * then use the capability's composite of the primitives below ({@code X.of(backend)} does both), so a backend
     * that implements only the primitives computes the same results.
     */
    default <T> Optional<T> capability(Class<T> kind) { return Optional.empty(); }

    // ---------------------------------------------------------------- GEMM

    /**
     * Strided-batched row-major GEMM: for each p in [0, batch),
     * {@code C_p = alpha * op(A_p) * op(B_p) + beta * C_p}, where op(A_p) is m x k and op(B_p) is k x n.
     * Matrix A_p starts at element {@code p * strideA} of view {@code a}; if {@code transA} it is stored k x m,
     * otherwise m x k; its rows are {@code lda} elements apart. Likewise for B (k x n, or n x k when transposed) and
     * C (m x n, rows {@code ldc} apart). When beta == 0, C is not read (NaNs in it do not propagate).
     */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float alpha, Tensor a, int lda, long strideA,
              Tensor b, int ldb, long strideB,
              float beta, Tensor c, int ldc, long strideC, int batch);

    /**
     * Convenience for contiguous operands: a is [.., m, k] (or [.., k, m] when transA), b is [.., k, n] (or
     * [.., n, k]), c is [.., m, n]; the leading dims form the batch. A 2-D b with a 3-D a is broadcast (a linear layer:
     * the caller should then flatten a to 2-D instead, which this method does for it).
     */
    default void matmul(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, float alpha, float beta) {
        int m = c.dim(-2), n = c.dim(-1);
        int k = transA ? a.dim(-2) : a.dim(-1);
        if (b.rank() == 2 && a.rank() > 2 && !transA) {
            // flatten the batch of a into rows: one big GEMM
            int rows = a.rows();
            gemm(false, transB, rows, n, k, alpha, a, k, 0, b, transB ? k : n, 0, beta, c, n, 0, 1);
            return;
        }
        int batch = (int) (c.numel() / ((long) m * n));
        long sa = a.rank() > 2 ? (long) m * k : 0, sb = b.rank() > 2 ? (long) k * n : 0;
        gemm(transA, transB, m, n, k, alpha, a, transA ? m : k, sa, b, transB ? k : n, sb, beta, c, n, (long) m * n, batch);
    }

    // ---------------------------------------------------------------- elementwise

    /** Sets every element to v. */
    void fill(Tensor x, float v);

    /** dst = src (same numel). */
    void copy(Tensor src, Tensor dst);

    /** out = a + b (same numel). out may alias a or b. */
    void add(Tensor a, Tensor b, Tensor out);

    /** y += alpha * x (same numel). Used to accumulate gradients. */
    void axpy(float alpha, Tensor x, Tensor y);

    /** out = a * b elementwise (same numel). out may alias a or b. */
    void mul(Tensor a, Tensor b, Tensor out);

    /** out = s * a. out may alias a. */
    void scale(Tensor a, float s, Tensor out);

    /** Adds bias [n] to every row of x [rows, n], in place. */
    void addBias(Tensor x, Tensor bias);

    /** y = GELU(x) with the exact erf form: x * 0.5 * (1 + erf(x / sqrt 2)). y may alias x. */
    void gelu(Tensor x, Tensor y);

    /** gx = gy * GELU'(x). gx may alias gy. */
    void geluBackward(Tensor x, Tensor gy, Tensor gx);

    // ---------------------------------------------------------------- softmax, layer norm

    /** y = softmax(scale * x) over the last axis, row by row (max-subtracted). y may alias x. */
    void softmax(Tensor x, float scale, Tensor y);

    /** From y = softmax(scale * x): gx = scale * y * (gy - sum(gy * y)) per row. gx may alias gy. */
    void softmaxBackward(Tensor y, Tensor gy, float scale, Tensor gx);

    /**
     * LayerNorm over the last axis: y = (x - mean) * rstd * gamma + beta, with rstd = 1 / sqrt(var + eps) and the
     * biased variance. Saves mean [rows] and rstd [rows] for the backward pass.
     */
    void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd);

    /** LayerNorm backward: writes gx; accumulates gGamma and gBeta (either may be null to skip it). gx may alias gy. */
    void layerNormBackward(Tensor x, Tensor gy, Tensor gamma, Tensor mean, Tensor rstd,
                           Tensor gx, Tensor gGamma, Tensor gBeta);

    /**
     * LayerNorm whose statistics cover only the channels where {@code mask} [n] (a 0/1 vector) is 1: mean and biased
     * variance over those A channels, y = (x - mean) * rstd * gamma + beta on them and y = 0 on the others, whatever x
     * holds there. A model being pruned normalises its embedding this way, so that it computes exactly what the shrunk
     * model, whose LayerNorms are A wide, does. Saves mean and rstd [rows].
     */
    void maskedLayerNorm(Tensor x, Tensor gamma, Tensor beta, Tensor mask, float eps, Tensor y, Tensor mean, Tensor rstd);

    /**
     * The backward of {@link #maskedLayerNorm}: writes gx (0 on masked-off channels, which the output does not depend
     * on); accumulates gGamma and gBeta on the kept channels only (either may be null). gx may alias gy.
     */
    void maskedLayerNormBackward(Tensor x, Tensor gy, Tensor gamma, Tensor mask, Tensor mean, Tensor rstd,
                                 Tensor gx, Tensor gGamma, Tensor gBeta);

    // ---------------------------------------------------------------- reductions, losses

    /** Sums x [rows, n] over its rows into out [n]; accumulates into out when {@code accumulate}. */
    void sumRows(Tensor x, Tensor out, boolean accumulate);

    /**
     * Cross-entropy with soft targets: returns mean over rows of -sum_j t_j * log softmax(logits)_j; when grad is not
     * null writes d(loss)/d(logits) = (softmax(logits) - t) * (gradScale / rows) into it (t rows need not sum to 1:
     * the general form (softmax * sum(t) - t) is used). grad may alias logits.
     */
    double crossEntropySoft(Tensor logits, Tensor targets, Tensor grad, float gradScale);

    // ---------------------------------------------------------------- per-unit ops (structured pruning)

    /**
     * Per-unit sums of products: with a and b seen as [outer, units, inner] (units = out.numel(); a and b contiguous
     * views of outer * units * inner elements), {@code out[u] += alpha * sum over o, i of a[o, u, i] * b[o, u, i]}.
     * One structural unit of a parameter (a head's rows, a channel's column, a neuron's row) is one index u of such a
     * view, so this gives the Taylor saliency sum(w * dL/dw) of every unit of the view in one pass.
     */
    void dotAlong(Tensor a, Tensor b, int outer, int inner, float alpha, Tensor out);

    /** In place: {@code x[o, u, i] *= factors[u]}, x seen as [outer, units = factors.numel(), inner] (masks units). */
    void scaleAlong(Tensor x, int outer, int inner, Tensor factors);

    /** The batch score f applied by {@link #accumulateScore}. */
    enum Score { IDENTITY, ABS, SQUARE }

    /**
     * {@code sum[i] += f(c[i])} where f(c[i]) is finite (a non-finite batch score is dropped, not propagated), then
     * {@code c[i] = 0}, so that c is ready for the next batch. c and sum have equal numel.
     */
    void accumulateScore(Tensor c, Score f, Tensor sum);

    // ---------------------------------------------------------------- layout

    /**
     * Unfolds images [B, C, H, W] into patches [B, (H/p)*(W/p), C*p*p], patches in row-major grid order and each
     * patch's values in (c, dy, dx) order, matching a Conv2d weight [D, C, p, p] flattened to [D, C*p*p].
     */
    void patchify(Tensor images, int patch, Tensor patches);

    /**
     * The adjoint of {@link #patchify}: writes (overwrites) images from patches; pixels outside the patch grid (H or W
     * not a multiple of patch, which patchify ignores) are set to zero.
     */
    void unpatchify(Tensor patches, int patch, Tensor images);

    /** Concatenates parts [rows, n_i] along the last axis into out [rows, sum n_i]. */
    void concatLast(Tensor[] parts, Tensor out);

    /** Splits in [rows, sum n_i] along the last axis into parts [rows, n_i]. */
    void splitLast(Tensor in, Tensor[] parts);

    /** [B, N, H*d] -> [B, H, N, d]: separates heads for batched attention GEMMs. */
    void splitHeads(Tensor x, int heads, Tensor out);

    /** [B, H, N, d] -> [B, N, H*d]: the inverse of {@link #splitHeads}. */
    void mergeHeads(Tensor x, Tensor out);

    // ---------------------------------------------------------------- regularisation

    /**
     * Dropout mask: mask_i = (uniformAt(seed, i) >= p) ? 1/(1-p) : 0, for i over mask's elements (see
     * {@link Rng#uniformAt}); all backends draw the same mask for the same seed. p must be in [0, 1].
     */
    void dropoutMask(float p, long seed, Tensor mask);

    /**
     * Scales each sample of x [B, ...] by rowScale[b] (drop-path uses a per-sample mask from {@link #dropoutMask}).
     * y may alias x.
     */
    void scaleSamples(Tensor x, Tensor sampleScale, Tensor y);

    // ---------------------------------------------------------------- optimizer

    /**
     * One fused AdamW step (decoupled weight decay, bias-corrected, PyTorch's formula):
     * p -= lr * wd * p; m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
     * p -= lr * (m / (1 - b1^step)) / (sqrt(v / (1 - b2^step)) + eps). {@code step} counts from 1.
     */
    void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
               float weightDecay, int step);
}
