package org.nvit.kernels;

import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.DType;
import org.nvit.engine.DeviceCounters;
import org.nvit.engine.Device;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Shape;
import org.nvit.engine.Tensor;

import java.util.Objects;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The CUDA backend: our kernels (fatbin resource, JCuda driver API) for every op, cuBLAS for GEMM, F32 tensors in
 * device memory from a caching allocator, all work on one stream. The exact semantics of each op are those of
 * {@link Backend}. Beyond the interface it offers fused ops (residual + LayerNorm, bias + GELU), a multi-tensor AdamW
 * and float/bf16 conversion.
 */
public final class CudaBackend implements Backend {
    private static final Logger LOG = Logger.getLogger(CudaBackend.class.getName());
    private static CudaBackend instance;
    private static String unavailable;

    final Gpu gpu;
    private volatile Precision precision;

    private CudaBackend(Gpu gpu) {
        this.gpu = gpu; // before the helpers, which read it
        this.precision = Precision.parse(System.getProperty("nvit.cuda.precision", "fp32"));
        this.rows = new RowOps(this);
        this.more = new MoreOps(this);
        this.units = new UnitKernels(this);
    }

    /** A backend over a given (test double) GPU; not registered anywhere. */
    static CudaBackend over(Gpu gpu) { return new CudaBackend(gpu); }

    /**
     * A backend over a simulated GPU that runs nothing (not registered anywhere): every kernel launch, GEMM call,
     * copy and allocation goes through this backend's real code and is counted ({@link DeviceCounters}), downloads
     * read zeros. For counting what a step costs on machines without a GPU; its results are meaningless.
     */
    public static CudaBackend dryRun() { return new CudaBackend(new DryGpu(132)); }

    @Override public <T> Optional<T> capability(Class<T> kind) {
        if (kind == DeviceCounters.class) return Optional.of(kind.cast(gpu.counters));
        return Optional.empty();
    }

    /**
     * The CUDA backend when a driver, a GPU, the kernels and cuBLAS are all usable (registered with {@link Backends});
     * otherwise empty, with the reason in {@link #unavailableReason()}. Never throws; the first outcome is cached.
     */
    public static synchronized Optional<CudaBackend> tryCreate() {
        if (instance != null) return Optional.of(instance);
        if (unavailable != null) return Optional.empty();
        try {
            instance = new CudaBackend(new Gpu());
            Backends.register(instance);
            return Optional.of(instance);
        } catch (Throwable t) {
            unavailable = describe(t);
            LOG.fine(() -> "CUDA backend unavailable: " + unavailable);
            return Optional.empty();
        }
    }

    /** Why {@link #tryCreate()} returned empty (null when it has not failed). */
    public static synchronized String unavailableReason() { return unavailable; }

    private static String describe(Throwable t) {
        String m = Gpu.oneLine(t);
        if (t instanceof UnsatisfiedLinkError || m.contains("libcuda.so"))
            return "no CUDA driver (libcuda.so.1 could not be loaded): " + m;
        if (m.contains("CUDA_ERROR_NO_DEVICE")) return "the CUDA driver sees no GPU";
        return m;
    }

    public Precision precision() { return precision; }

    public void setPrecision(Precision p) { this.precision = p; }

    /** "cuBLAS binding" in use, e.g. "ffm (libcublas.so.13)". */
    public String blasName() { return gpu.blas.name(); }

    public String deviceName() { return gpu.deviceName; }

    @Override public String name() { return "cuda(" + gpu.deviceName + ", " + precision.name().toLowerCase() + ")"; }

    @Override public Device device() { return Device.CUDA; }

    @Override public Tensor zeros(DType dtype, int... shape) {
        Tensor t = empty(dtype, shape);
        fill(t, 0f);
        return t;
    }

    /** An uninitialised device tensor (for outputs the next op overwrites). */
    @Override public Tensor empty(DType dtype, int... shape) {
        if (dtype != DType.F32)
            throw new IllegalArgumentException("the CUDA backend holds F32 tensors only (asked for " + dtype
                    + "): run F64 gradient checks on the CPU backend");
        gpu.makeCurrent();
        CudaStorage s = new CudaStorage(gpu, Shape.numel(shape));
        // a step's tensors go back to the cache when its scope closes (stream order keeps queued kernels safe)
        MemoryScope scope = MemoryScope.current();
        if (scope != null) scope.own(s, s::release);
        return new Tensor(s, 0, shape);
    }

    @Override public Tensor toCpu(Tensor t) {
        if (t.device() == Device.CPU) return t.copy();
        float[] a = new float[Math.toIntExact(t.numel())];
        gpu.download(p(t), a, 0, a.length);
        return Tensor.of(a, t.shape());
    }

    @Override public Tensor fromCpu(Tensor t) {
        if (t.device() == Device.CUDA) { Tensor c = empty(DType.F32, t.shape()); copy(t, c); return c; }
        Tensor src = t.dtype() == DType.F32 ? t : null;
        if (src == null) throw new IllegalArgumentException("fromCpu needs an F32 tensor, got " + t);
        Tensor d = empty(DType.F32, t.shape());
        gpu.upload(src.floats(), src.off(), p(d), t.numel());
        return d;
    }

    @Override public void synchronize() { gpu.synchronize(); }

    /** Device pointer of a view's first element. */
    DevPtr p(Tensor t) {
        if (t == null) return null;
        if (!(t.storage() instanceof CudaStorage s))
            throw new IllegalArgumentException("tensor " + t + " is not on the GPU: move it with fromCpu first");
        return s.pointer().plus(4 * t.offset());
    }

    private static void sameNumel(Tensor a, Tensor b) {
        if (a.numel() != b.numel()) throw new IllegalArgumentException("element counts differ: " + a + " vs " + b);
    }

    private void elementwise(String kernel, long n, Object... args) {
        if (n == 0) return;
        gpu.launch(kernel, gpu.elementwiseBlocks(n), 1, 256, 1, args);
    }

    // ---------------------------------------------------------------- GEMM

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float alpha, Tensor a, int lda, long strideA, Tensor b, int ldb, long strideB,
                     float beta, Tensor c, int ldc, long strideC, int batch) {
        if (m == 0 || n == 0 || batch == 0) return;
        if (k == 0) { // cuBLAS would too, but keep the contract explicit: C = beta * C
            Tensor cv = c.reshape(-1);
            if (beta == 0) fill(cv, 0f); else scale(cv, beta, cv);
            return;
        }
        RowMajorGemm g = RowMajorGemm.of(transA, transB, m, n, k);
        Precision pr = precision;
        gpu.counters.blasCalls.increment();
        if (pr != Precision.BF16) {
            gpu.makeCurrent();
            gpu.blas.gemm(g.opFirst(), g.opSecond(), g.m(), g.n(), g.k(), alpha,
                    p(b), CublasConst.CUDA_R_32F, ldb, strideB, p(a), CublasConst.CUDA_R_32F, lda, strideA,
                    beta, p(c), CublasConst.CUDA_R_32F, ldc, strideC, batch, pr.computeType);
            return;
        }
        long spanA = span(batch, strideA, transA ? k : m, transA ? m : k, lda);
        long spanB = span(batch, strideB, transB ? n : k, transB ? k : n, ldb);
        try (Bf16Buffer a16 = toBf16(p(a), spanA); Bf16Buffer b16 = toBf16(p(b), spanB)) {
            gpu.blas.gemm(g.opFirst(), g.opSecond(), g.m(), g.n(), g.k(), alpha,
                    b16.pointer(), CublasConst.CUDA_R_16BF, ldb, strideB, a16.pointer(), CublasConst.CUDA_R_16BF, lda,
                    strideA, beta, p(c), CublasConst.CUDA_R_32F, ldc, strideC, batch, pr.computeType);
        }
    }

    /** Elements a strided batch of stored rows x cols matrices (rows ld apart) touches from its first element. */
    static long span(int batch, long stride, int rows, int cols, int ld) {
        return (long) (batch - 1) * stride + (long) (rows - 1) * ld + cols;
    }

    /** Fills x with uniform values in [lo, hi) from the same counter hash as dropout (benchmarks, tests). */
    public void randomUniform(Tensor x, long seed, float lo, float hi) {
        elementwise("nvit_uniform", x.numel(), p(x), seed, x.numel());
        if (lo != 0f || hi != 1f) {
            scale(x, hi - lo, x);
            elementwise("nvit_add_scalar", x.numel(), p(x), lo, x.numel());
        }
    }

    // ---------------------------------------------------------------- bf16

    /** Rounds an F32 device tensor to a new bf16 buffer (nearest even). */
    public Bf16Buffer toBf16(Tensor src) { return toBf16(p(src), src.numel()); }

    private Bf16Buffer toBf16(DevPtr src, long n) {
        gpu.makeCurrent();
        Bf16Buffer out = new Bf16Buffer(gpu.memory, n);
        elementwise("nvit_f32_to_bf16", n, src, out.pointer(), n);
        return out;
    }

    /** Widens a bf16 buffer into an F32 device tensor of the same element count. */
    public void fromBf16(Bf16Buffer src, Tensor dst) {
        if (src.length() != dst.numel()) throw new IllegalArgumentException("bf16 buffer of " + src.length()
                + " elements does not match " + dst);
        elementwise("nvit_bf16_to_f32", dst.numel(), src.pointer(), p(dst), dst.numel());
    }

    // ---------------------------------------------------------------- elementwise

    @Override public void fill(Tensor x, float v) { elementwise("nvit_fill", x.numel(), p(x), v, x.numel()); }

    @Override public void copy(Tensor src, Tensor dst) {
        sameNumel(src, dst);
        if (src.device() == Device.CPU) { gpu.upload(src.floats(), src.off(), p(dst), src.numel()); return; }
        if (dst.device() == Device.CPU) { gpu.download(p(src), dst.floats(), dst.off(), src.numel()); return; }
        elementwise("nvit_copy", src.numel(), p(src), p(dst), src.numel());
    }

    @Override public void add(Tensor a, Tensor b, Tensor out) {
        sameNumel(a, b); sameNumel(a, out);
        elementwise("nvit_add", a.numel(), p(a), p(b), p(out), a.numel());
    }

    @Override public void axpy(float alpha, Tensor x, Tensor y) {
        sameNumel(x, y);
        elementwise("nvit_axpy", x.numel(), alpha, p(x), p(y), x.numel());
    }

    @Override public void mul(Tensor a, Tensor b, Tensor out) {
        sameNumel(a, b); sameNumel(a, out);
        elementwise("nvit_mul", a.numel(), p(a), p(b), p(out), a.numel());
    }

    @Override public void scale(Tensor a, float s, Tensor out) {
        sameNumel(a, out);
        elementwise("nvit_scale", a.numel(), p(a), s, p(out), a.numel());
    }

    @Override public void addBias(Tensor x, Tensor bias) {
        int n = biasWidth(x, bias);
        elementwise("nvit_add_bias", x.numel(), p(x), p(bias), x.numel(), n);
    }

    private static int biasWidth(Tensor x, Tensor bias) {
        int n = Math.toIntExact(bias.numel());
        if (n == 0 || x.numel() % n != 0) throw new IllegalArgumentException("bias of " + n + " does not divide " + x);
        return n;
    }

    @Override public void gelu(Tensor x, Tensor y) {
        sameNumel(x, y);
        elementwise("nvit_gelu", x.numel(), p(x), p(y), x.numel());
    }

    /** Fused bias + GELU: pre = x + bias (skipped when pre is null), y = GELU(pre). y may alias x. */
    public void biasGelu(Tensor x, Tensor bias, Tensor pre, Tensor y) {
        sameNumel(x, y);
        if (pre != null) sameNumel(x, pre);
        int n = biasWidth(x, bias);
        elementwise("nvit_bias_gelu", x.numel(), p(x), p(bias), p(pre), p(y), x.numel(), n);
    }

    @Override public void geluBackward(Tensor x, Tensor gy, Tensor gx) {
        sameNumel(x, gy); sameNumel(x, gx);
        elementwise("nvit_gelu_backward", x.numel(), p(x), p(gy), p(gx), x.numel());
    }

    // ---------------------------------------------------------------- softmax, layer norm, losses: RowOps

    private final RowOps rows;

    @Override public void softmax(Tensor x, float scale, Tensor y) { rows.softmax(x, scale, y); }

    @Override public void softmaxBackward(Tensor y, Tensor gy, float scale, Tensor gx) {
        rows.softmaxBackward(y, gy, scale, gx);
    }

    @Override public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd) {
        rows.layerNorm(x, null, null, null, gamma, beta, eps, y, mean, rstd);
    }

    /** Residual add fused into LayerNorm: sum = x + res (the residual stream), y = LayerNorm(sum). */
    public void addLayerNorm(Tensor x, Tensor res, Tensor sum, Tensor gamma, Tensor beta, float eps,
                             Tensor y, Tensor mean, Tensor rstd) {
        rows.layerNorm(x, res, sum, null, gamma, beta, eps, y, mean, rstd);
    }

    @Override public void layerNormBackward(Tensor x, Tensor gy, Tensor gamma, Tensor mean, Tensor rstd,
                                            Tensor gx, Tensor gGamma, Tensor gBeta) {
        rows.layerNormBackward(x, gy, gamma, null, mean, rstd, gx, gGamma, gBeta);
    }

    @Override public void sumRows(Tensor x, Tensor out, boolean accumulate) { rows.sumRows(x, out, accumulate); }

    @Override public double crossEntropySoft(Tensor logits, Tensor targets, Tensor grad, float gradScale) {
        return rows.crossEntropySoft(logits, targets, grad, gradScale);
    }

    // ---------------------------------------------------------------- layout, regularisation, optimizer: MoreOps

    private final MoreOps more;

    @Override public void patchify(Tensor images, int patch, Tensor patches) { more.patchify(images, patch, patches); }

    @Override public void unpatchify(Tensor patches, int patch, Tensor images) { more.unpatchify(patches, patch, images); }

    @Override public void concatLast(Tensor[] parts, Tensor out) { more.concatLast(parts, out); }

    @Override public void splitLast(Tensor in, Tensor[] parts) { more.splitLast(in, parts); }

    @Override public void splitHeads(Tensor x, int heads, Tensor out) { more.splitHeads(x, heads, out); }

    @Override public void mergeHeads(Tensor x, Tensor out) { more.mergeHeads(x, out); }

    @Override public void dropoutMask(float p, long seed, Tensor mask) { more.dropoutMask(p, seed, mask); }

    @Override public void scaleSamples(Tensor x, Tensor sampleScale, Tensor y) { more.scaleSamples(x, sampleScale, y); }

    @Override public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                                float eps, float weightDecay, int step) {
        more.adamwMulti(new Tensor[]{param}, new Tensor[]{grad}, new Tensor[]{m}, new Tensor[]{v}, lr, beta1, beta2,
                eps, weightDecay, step);
    }

    /** One AdamW step over many parameter tensors in one launch (same formula as {@link #adamw}). */
    public void adamwMulti(Tensor[] params, Tensor[] grads, Tensor[] ms, Tensor[] vs, float lr, float beta1,
                           float beta2, float eps, float weightDecay, int step) {
        more.adamwMulti(params, grads, ms, vs, lr, beta1, beta2, eps, weightDecay, step);
    }

    // ---------------------------------------------------------------- structured pruning (RowOps, UnitKernels)

    private final UnitKernels units;

    /**
     * {@inheritDoc} On the GPU the mask is not validated (that would cost a host round trip per call): any non-zero
     * entry counts as kept, and a mask keeping no channel gives y = 0 with NaN mean and rstd.
     */
    @Override public void maskedLayerNorm(Tensor x, Tensor gamma, Tensor beta, Tensor mask, float eps, Tensor y,
                                          Tensor mean, Tensor rstd) {
        rows.layerNorm(x, null, null, Objects.requireNonNull(mask, "mask"), gamma, beta, eps, y, mean, rstd);
    }

    @Override public void maskedLayerNormBackward(Tensor x, Tensor gy, Tensor gamma, Tensor mask, Tensor mean, Tensor rstd,
                                                  Tensor gx, Tensor gGamma, Tensor gBeta) {
        rows.layerNormBackward(x, gy, gamma, Objects.requireNonNull(mask, "mask"), mean, rstd, gx, gGamma,
                gBeta);
    }

    @Override public void dotAlong(Tensor a, Tensor b, int outer, int inner, float alpha, Tensor out) {
        units.dotAlong(a, b, outer, inner, alpha, out);
    }

    @Override public void scaleAlong(Tensor x, int outer, int inner, Tensor factors) {
        units.scaleAlong(x, outer, inner, factors);
    }

    @Override public void accumulateScore(Tensor c, Score f, Tensor sum) { units.accumulateScore(c, f, sum); }

    /** Temporary device memory for one op; release it right after the launches that use it (stream order). */
    DevPtr scratch(long bytes) {
        gpu.makeCurrent();
        return gpu.memory.allocate(bytes);
    }

    void releaseScratch(DevPtr ptr, long bytes) { gpu.memory.release(ptr, bytes); }
}
