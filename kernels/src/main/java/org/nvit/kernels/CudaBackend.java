package org.nvit.kernels;

import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.DType;
import org.nvit.engine.DeviceCounters;
import org.nvit.engine.Device;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Shape;
import org.nvit.engine.Tensor;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.nvit.engine.fused.BatchUpload;
import org.nvit.engine.fused.DeviceScalars;
import org.nvit.engine.fused.FusedAttention;
import org.nvit.engine.fused.FusedLinear;
import org.nvit.engine.fused.FusedNorm;
import org.nvit.engine.fused.MultiTensor;
import org.nvit.engine.fused.TokenOps;
import java.util.logging.Logger;

/**
 * The CUDA backend: our kernels (fatbin resource, JCuda driver API) for every op, cuBLAS for GEMM, F32 tensors in
 * device memory from a caching allocator, all work on one stream (batch uploads on a second). The exact semantics of
 * each op are those of {@link Backend}. It offers every fused capability of {@code org.nvit.engine.fused} natively
 * and counts its work ({@link DeviceCounters}); beyond the interface: residual + LayerNorm and float/bf16
 * conversion. No op waits for the device except those that return host values (toCpu, element reads, the
 * host-returning cross-entropy) and synchronize().
 */
public final class CudaBackend implements Backend {
    private static final Logger LOG = Logger.getLogger(CudaBackend.class.getName());
    private static CudaBackend instance;
    private static String unavailable;

    /** Slots of the single-launch reductions' ticket array (common.cuh's NVIT_TICKET_*). */
    static final int TICKET_SUM_ROWS = 0, TICKET_LN_PARAMS = 1, TICKET_BIAS_GELU = 2, TICKET_SUM_SQUARES = 3,
            TICKET_CROSS_ENTROPY = 4, TICKETS = 8;

    final Gpu gpu;
    private volatile Precision precision;
    private final DevPtr tickets;
    private final Bf16Operands bf16;
    private final Map<Class<?>, Object> capabilities;

    private CudaBackend(Gpu gpu) {
        this.gpu = gpu; // before the helpers, which read it
        this.precision = Precision.parse(System.getProperty("nvit.cuda.precision", "fp32"));
        this.rows = new RowOps(this);
        this.more = new MoreOps(this);
        this.units = new UnitKernels(this);
        this.bf16 = new Bf16Operands(this);
        gpu.makeCurrent();
        this.tickets = gpu.memory.allocate(4L * TICKETS);
        gpu.launch("nvit_fill", 1, 1, 32, 1, tickets, 0f, (long) TICKETS); // 0.0f is the bit pattern 0
        FusedKernels fused = new FusedKernels(this);
        BatchUpload upload = this::uploadBatch;
        this.capabilities = Map.of(DeviceCounters.class, gpu.counters, TokenOps.class, new TokenKernels(this),
                MultiTensor.class, new MultiKernels(this), FusedLinear.class, fused, FusedNorm.class, fused,
                DeviceScalars.class, fused, FusedAttention.class, new AttentionKernels(this), BatchUpload.class, upload);
    }

    /**
     * The raw cudaStream_t every op of this backend is queued on, with the backend's context made current on the
     * calling thread: for libraries that enqueue their own work in that order (NCCL's collectives).
     */
    public long streamAddress() {
        gpu.makeCurrent();
        return gpu.stream.address();
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
        return Optional.ofNullable(capabilities.get(kind)).map(kind::cast);
    }

    /** The reduction ticket of slot i (see common.cuh, lastBlock). */
    DevPtr ticket(int i) { return tickets.plus(4L * i); }

    RowOps rows() { return rows; }

    /** GEMM operands converted to bf16 so far (each conversion one launch; see Bf16Operands). */
    long bf16Conversions() { return bf16.conversions(); }

    /**
     * A host batch copied in on the side stream, overlapping the work already queued (BatchUploads); outside a memory
     * scope, or when both buffers of its size are still held, the plain way.
     */
    private Tensor uploadBatch(Tensor host) {
        MemoryScope scope = MemoryScope.current();
        if (scope == null || host.device() != Device.CPU || host.dtype() != DType.F32 || host.numel() == 0)
            return fromCpu(host);
        gpu.makeCurrent();
        BatchUploads b = gpu.batches();
        BatchUploads.Slot slot = b.upload(host.floats(), host.off(), host.numel());
        if (slot == null) return fromCpu(host);
        CudaStorage st = new CudaStorage(gpu, slot.device, host.numel(), new SlotRelease(b, slot));
        scope.own(st, st::release);
        return new Tensor(st, 0, host.shape());
    }

    /** Hands a batch slot back once (from the scope or the cleaner). */
    private static final class SlotRelease implements Runnable {
        private final BatchUploads uploads;
        private final BatchUploads.Slot slot;
        private boolean done;

        SlotRelease(BatchUploads uploads, BatchUploads.Slot slot) {
            this.uploads = uploads;
            this.slot = slot;
        }

        @Override public synchronized void run() {
            if (done) return;
            done = true;
            uploads.release(slot);
        }
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

    /** Whether every device pointer among args is 16-byte aligned (the "4" kernels' float4 accesses). */
    static boolean aligned(Object... args) {
        for (Object a : args) if (a instanceof DevPtr p && (p.address() & 15) != 0) return false;
        return true;
    }

    /** A grid-stride elementwise launch; the float4 variant when n is a multiple of 4 and the pointers allow. */
    private void elementwise(String kernel, long n, Object... args) {
        if (n == 0) return;
        boolean vec = n % 4 == 0 && aligned(args);
        gpu.launch(vec ? kernel + "4" : kernel, gpu.elementwiseBlocks(vec ? n / 4 : n), 1, 256, 1, args);
    }

    /**
     * A row-wise launch over [rows, cols]: rows across grid y (and grid-stride), column groups across x; the float4
     * variant when cols is a multiple of 4 and the pointers allow.
     */
    void rowwise(String kernel, long rows, int cols, Object... args) {
        if (rows == 0 || cols == 0) return;
        boolean vec = cols % 4 == 0 && aligned(args);
        int groups = vec ? cols / 4 : cols;
        int threads = Math.max(32, Math.min(256, (groups + 31) / 32 * 32));
        int gx = (int) Math.min(64, (groups + threads - 1) / threads);
        long target = Math.max(1, gpu.multiprocessors) * 64L / gx;
        int gy = (int) Math.max(1, Math.min(Math.min(rows, 65535), target));
        gpu.launch(vec ? kernel + "4" : kernel, gx, gy, threads, 1, args);
    }

    // ---------------------------------------------------------------- GEMM

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float alpha, Tensor a, int lda, long strideA, Tensor b, int ldb, long strideB,
                     float beta, Tensor c, int ldc, long strideC, int batch) {
        if (m == 0 || n == 0 || batch == 0) return;
        if (k == 0) { // C = beta * C on the m x n matrices only (C may be a view inside a wider tensor)
            if (beta != 1f) rowwiseScale(c, beta, m, n, ldc, strideC, batch);
            return;
        }
        RowMajorGemm g = RowMajorGemm.of(transA, transB, m, n, k);
        Precision pr = precision;
        gpu.makeCurrent();
        gpu.counters.blasCalls.increment();
        if (pr != Precision.BF16) {
            gpu.blas.gemm(g.opFirst(), g.opSecond(), g.m(), g.n(), g.k(), alpha,
                    p(b), CublasConst.CUDA_R_32F, ldb, strideB, p(a), CublasConst.CUDA_R_32F, lda, strideA,
                    beta, p(c), CublasConst.CUDA_R_32F, ldc, strideC, batch, pr.computeType);
            return;
        }
        long spanA = span(batch, strideA, transA ? k : m, transA ? m : k, lda);
        long spanB = span(batch, strideB, transB ? n : k, transB ? k : n, ldb);
        DevPtr a16 = bf16.operand(a, spanA), b16 = bf16.operand(b, spanB);
        gpu.blas.gemm(g.opFirst(), g.opSecond(), g.m(), g.n(), g.k(), alpha,
                b16, CublasConst.CUDA_R_16BF, ldb, strideB, a16, CublasConst.CUDA_R_16BF, lda,
                strideA, beta, p(c), CublasConst.CUDA_R_32F, ldc, strideC, batch, pr.computeType);
        bf16.written(c, span(batch, strideC, m, n, ldc));
    }

    /** C_p = beta * C_p over the m x n matrices of a strided batch (rows ldc apart); beta 0 writes zeros. */
    private void rowwiseScale(Tensor c, float beta, int m, int n, int ldc, long strideC, int batch) {
        long rows = (long) m * batch;
        int threads = Math.max(32, Math.min(256, (n + 31) / 32 * 32));
        int gx = (int) Math.min(64, (n + threads - 1) / threads);
        int gy = (int) Math.max(1, Math.min(rows, 65535));
        gpu.launch("nvit_scale_matrices", gx, gy, threads, 1, p(c), beta, m, n, ldc, strideC, rows);
    }

    /** Elements a strided batch of stored rows x cols matrices (rows ld apart) touches from its first element. */
    static long span(int batch, long stride, int rows, int cols, int ld) {
        return (long) (batch - 1) * stride + (long) (rows - 1) * ld + cols;
    }

    /** Fills x with uniform values in [lo, hi) from the same counter hash as dropout (benchmarks, tests). */
    public void randomUniform(Tensor x, long seed, float lo, float hi) {
        if (x.numel() == 0) return;
        gpu.launch("nvit_uniform", gpu.elementwiseBlocks(x.numel()), 1, 256, 1, p(x), seed, x.numel());
        if (lo != 0f || hi != 1f) {
            scale(x, hi - lo, x);
            gpu.launch("nvit_add_scalar", gpu.elementwiseBlocks(x.numel()), 1, 256, 1, p(x), lo, x.numel());
        }
    }

    // ---------------------------------------------------------------- bf16

    /** Rounds an F32 device tensor to a new bf16 buffer (nearest even). */
    public Bf16Buffer toBf16(Tensor src) { return toBf16(p(src), src.numel()); }

    Bf16Buffer toBf16(DevPtr src, long n) {
        gpu.makeCurrent();
        Bf16Buffer out = new Bf16Buffer(gpu.memory, n);
        if (n > 0) gpu.launch("nvit_f32_to_bf16", gpu.elementwiseBlocks(n), 1, 256, 1, src, out.pointer(), n);
        return out;
    }

    /** Widens a bf16 buffer into an F32 device tensor of the same element count. */
    public void fromBf16(Bf16Buffer src, Tensor dst) {
        if (src.length() != dst.numel()) throw new IllegalArgumentException("bf16 buffer of " + src.length()
                + " elements does not match " + dst);
        if (dst.numel() > 0)
            gpu.launch("nvit_bf16_to_f32", gpu.elementwiseBlocks(dst.numel()), 1, 256, 1, src.pointer(), p(dst), dst.numel());
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
        rowwise("nvit_add_bias", x.numel() / n, n, p(x), p(bias), x.numel() / n, n);
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
        capability(FusedLinear.class).orElseThrow().biasGelu(x, bias, pre, y);
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
        rows.layerNormBackward(x, gy, gamma, null, mean, rstd, gx, gGamma, gBeta, false);
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
        capability(MultiTensor.class).orElseThrow().adamw(new Tensor[]{param}, new Tensor[]{grad}, new Tensor[]{m},
                new Tensor[]{v}, lr, beta1, beta2, eps, new float[]{weightDecay}, step);
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
                gBeta, false);
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
