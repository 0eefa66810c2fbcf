package org.nvit.engine.cpu;

import org.nvit.engine.CpuStorage;
import org.nvit.engine.DType;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Shape;
import org.nvit.engine.Device;
import org.nvit.engine.Tensor;
import org.nvit.engine.cpu.gemm.Sgemm;
import org.nvit.engine.ref.OpChecks;
import org.nvit.engine.ref.ReferenceBackend;

/**
 * The fast CPU backend: Vector API kernels on a dedicated thread pool for F32 tensors; F64 tensors (gradient checks)
 * take the reference path. Ops not yet specialised fall back to the reference implementation. Each override checks
 * the arguments once, then sends all-F32 calls to the kernel classes of this package.
 */
public class CpuBackend extends ReferenceBackend {
    private static final CpuBackend INSTANCE = new CpuBackend();

    public static CpuBackend instance() { return INSTANCE; }

    protected CpuBackend() {}

    @Override public String name() { return "cpu"; }

    // ---------------------------------------------------------------- allocation

    /** Zeros; inside a {@link MemoryScope}, a pooled F32 buffer (cleared in parallel when it is recycled). */
    @Override public Tensor zeros(DType dtype, int... shape) {
        Tensor t = scoped(dtype, shape);
        if (t == null) return Tensor.zeros(dtype, shape);
        if (((CpuStorage) t.storage()).recycled()) ElementwiseOps.fill(t, 0f);
        return t;
    }

    @Override public Tensor empty(DType dtype, int... shape) {
        Tensor t = scoped(dtype, shape);
        return t != null ? t : Tensor.zeros(dtype, shape);
    }

    private static Tensor scoped(DType dtype, int[] shape) {
        MemoryScope scope = MemoryScope.current();
        if (scope == null || dtype != DType.F32) return null;
        long n = Shape.numel(shape);
        if (n == 0 || n > Integer.MAX_VALUE - 8) return null;
        return new Tensor(scope.allocateF32((int) n), 0, shape);
    }

    @Override public void gemm(boolean transA, boolean transB, int m, int n, int k,
                               float alpha, Tensor a, int lda, long strideA,
                               Tensor b, int ldb, long strideB,
                               float beta, Tensor c, int ldc, long strideC, int batch) {
        if (f32(a, b, c))
            Sgemm.gemm(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch);
        else super.gemm(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch);
    }

    // ---------------------------------------------------------------- dispatch helpers

    private static boolean f32(Tensor a) { return a.dtype() == DType.F32 && a.device() == Device.CPU; }

    private static boolean f32(Tensor a, Tensor b) { return f32(a) && f32(b); }

    private static boolean f32(Tensor a, Tensor b, Tensor c) { return f32(a) && f32(b) && f32(c); }

    private static boolean f32(Tensor a, Tensor b, Tensor c, Tensor d) { return f32(a, b) && f32(c, d); }

    private static boolean f32OrNull(Tensor a) { return a == null || f32(a); }

    // ---------------------------------------------------------------- elementwise

    @Override public void fill(Tensor x, float v) {
        if (f32(x)) ElementwiseOps.fill(x, v); else super.fill(x, v);
    }

    @Override public void copy(Tensor src, Tensor dst) {
        OpChecks.numel("copy", src, dst);
        if (f32(src, dst)) ElementwiseOps.copy(src, dst); else super.copy(src, dst);
    }

    @Override public void add(Tensor a, Tensor b, Tensor out) {
        OpChecks.numel("add", a, b, out);
        if (f32(a, b, out)) ElementwiseOps.add(a, b, out); else super.add(a, b, out);
    }

    @Override public void axpy(float alpha, Tensor x, Tensor y) {
        OpChecks.numel("axpy", x, y);
        if (f32(x, y)) ElementwiseOps.axpy(alpha, x, y); else super.axpy(alpha, x, y);
    }

    @Override public void mul(Tensor a, Tensor b, Tensor out) {
        OpChecks.numel("mul", a, b, out);
        if (f32(a, b, out)) ElementwiseOps.mul(a, b, out); else super.mul(a, b, out);
    }

    @Override public void scale(Tensor a, float s, Tensor out) {
        OpChecks.numel("scale", a, out);
        if (f32(a, out)) ElementwiseOps.scale(a, s, out); else super.scale(a, s, out);
    }

    @Override public void addBias(Tensor x, Tensor bias) {
        OpChecks.divides("addBias", x, bias);
        if (f32(x, bias)) ElementwiseOps.addBias(x, bias); else super.addBias(x, bias);
    }

    @Override public void gelu(Tensor x, Tensor y) {
        OpChecks.numel("gelu", x, y);
        if (f32(x, y)) GeluOps.gelu(x, y); else super.gelu(x, y);
    }

    @Override public void geluBackward(Tensor x, Tensor gy, Tensor gx) {
        OpChecks.numel("geluBackward", x, gy, gx);
        if (f32(x, gy, gx)) GeluOps.geluBackward(x, gy, gx); else super.geluBackward(x, gy, gx);
    }

    // ---------------------------------------------------------------- softmax, layer norm

    @Override public void softmax(Tensor x, float scale, Tensor y) {
        OpChecks.numel("softmax", x, y);
        if (f32(x, y) && x.rank() > 0 && x.dim(-1) > 0) SoftmaxOps.softmax(x, scale, y); else super.softmax(x, scale, y);
    }

    @Override public void softmaxBackward(Tensor y, Tensor gy, float scale, Tensor gx) {
        OpChecks.numel("softmaxBackward", y, gy, gx);
        if (f32(y, gy, gx) && y.rank() > 0 && y.dim(-1) > 0) SoftmaxOps.softmaxBackward(y, gy, scale, gx);
        else super.softmaxBackward(y, gy, scale, gx);
    }

    @Override public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd) {
        checkLayerNorm("layerNorm", x, gamma, y, mean, rstd);
        OpChecks.length("layerNorm", "beta", beta, x.dim(-1));
        if (f32(x, gamma, beta, y) && f32(mean, rstd) && x.dim(-1) > 0) LayerNormOps.forward(x, gamma, beta, eps, y, mean, rstd);
        else super.layerNorm(x, gamma, beta, eps, y, mean, rstd);
    }

    @Override public void layerNormBackward(Tensor x, Tensor gy, Tensor gamma, Tensor mean, Tensor rstd,
                                            Tensor gx, Tensor gGamma, Tensor gBeta) {
        checkLayerNormBackward(x, gy, gamma, mean, rstd, gx, gGamma, gBeta);
        if (f32(x, gy, gamma) && f32(mean, rstd, gx) && f32OrNull(gGamma) && f32OrNull(gBeta) && x.dim(-1) > 0)
            LayerNormOps.backward(x, gy, gamma, mean, rstd, gx, gGamma, gBeta);
        else super.layerNormBackward(x, gy, gamma, mean, rstd, gx, gGamma, gBeta);
    }

    @Override public void maskedLayerNorm(Tensor x, Tensor gamma, Tensor beta, Tensor mask, float eps, Tensor y,
                                          Tensor mean, Tensor rstd) {
        checkLayerNorm("maskedLayerNorm", x, gamma, y, mean, rstd);
        OpChecks.length("maskedLayerNorm", "beta", beta, x.dim(-1));
        OpChecks.length("maskedLayerNorm", "mask", mask, x.dim(-1));
        if (f32(x, gamma, beta, y) && f32(mask, mean, rstd) && x.dim(-1) > 0)
            MaskedLayerNormOps.forward(x, gamma, beta, mask, eps, y, mean, rstd);
        else super.maskedLayerNorm(x, gamma, beta, mask, eps, y, mean, rstd);
    }

    @Override public void maskedLayerNormBackward(Tensor x, Tensor gy, Tensor gamma, Tensor mask, Tensor mean, Tensor rstd,
                                                  Tensor gx, Tensor gGamma, Tensor gBeta) {
        checkLayerNormBackward(x, gy, gamma, mean, rstd, gx, gGamma, gBeta);
        OpChecks.length("maskedLayerNormBackward", "mask", mask, x.dim(-1));
        if (f32(x, gy, gamma, mask) && f32(mean, rstd, gx) && f32OrNull(gGamma) && f32OrNull(gBeta) && x.dim(-1) > 0)
            MaskedLayerNormOps.backward(x, gy, gamma, mask, mean, rstd, gx, gGamma, gBeta);
        else super.maskedLayerNormBackward(x, gy, gamma, mask, mean, rstd, gx, gGamma, gBeta);
    }

    // ---------------------------------------------------------------- reductions, losses

    @Override public void sumRows(Tensor x, Tensor out, boolean accumulate) {
        OpChecks.divides("sumRows", x, out);
        if (f32(x, out)) SumRowsOp.sumRows(x, out, accumulate); else super.sumRows(x, out, accumulate);
    }

    @Override public double crossEntropySoft(Tensor logits, Tensor targets, Tensor grad, float gradScale) {
        OpChecks.numel("crossEntropySoft", logits, targets);
        if (grad != null) OpChecks.numel("crossEntropySoft", logits, grad);
        if (f32(logits, targets) && f32OrNull(grad) && logits.rank() > 0 && logits.numel() > 0)
            return CrossEntropyOp.crossEntropySoft(logits, targets, grad, gradScale);
        return super.crossEntropySoft(logits, targets, grad, gradScale);
    }

    // ---------------------------------------------------------------- per-unit ops (structured pruning)

    @Override public void dotAlong(Tensor a, Tensor b, int outer, int inner, float alpha, Tensor out) {
        OpChecks.along("dotAlong", a, outer, inner, out);
        OpChecks.numel("dotAlong", a, b);
        if (f32(a, b, out)) UnitOps.dotAlong(a, b, outer, inner, alpha, out); else super.dotAlong(a, b, outer, inner, alpha, out);
    }

    @Override public void scaleAlong(Tensor x, int outer, int inner, Tensor factors) {
        OpChecks.along("scaleAlong", x, outer, inner, factors);
        if (f32(x, factors)) UnitOps.scaleAlong(x, outer, inner, factors); else super.scaleAlong(x, outer, inner, factors);
    }

    @Override public void accumulateScore(Tensor c, Score f, Tensor sum) {
        OpChecks.numel("accumulateScore", c, sum);
        if (f32(c, sum)) UnitOps.accumulateScore(c, f, sum); else super.accumulateScore(c, f, sum);
    }

    // ---------------------------------------------------------------- layout

    @Override public void patchify(Tensor images, int patch, Tensor patches) {
        OpChecks.patches("patchify", images, patch, patches);
        if (f32(images, patches)) LayoutOps.patchify(images, patch, patches); else super.patchify(images, patch, patches);
    }

    @Override public void unpatchify(Tensor patches, int patch, Tensor images) {
        OpChecks.patches("unpatchify", images, patch, patches);
        if (f32(images, patches)) LayoutOps.unpatchify(patches, patch, images); else super.unpatchify(patches, patch, images);
    }

    @Override public void concatLast(Tensor[] parts, Tensor out) {
        OpChecks.parts("concatLast", parts, out);
        if (allF32(parts) && f32(out)) LayoutOps.concatOrSplit(parts, out, true); else super.concatLast(parts, out);
    }

    @Override public void splitLast(Tensor in, Tensor[] parts) {
        OpChecks.parts("splitLast", parts, in);
        if (allF32(parts) && f32(in)) LayoutOps.concatOrSplit(parts, in, false); else super.splitLast(in, parts);
    }

    @Override public void splitHeads(Tensor x, int heads, Tensor out) {
        OpChecks.heads("splitHeads", x, heads, out);
        if (f32(x, out)) LayoutOps.heads(x, out, true); else super.splitHeads(x, heads, out);
    }

    @Override public void mergeHeads(Tensor x, Tensor out) {
        OpChecks.rank("mergeHeads", "split heads", x, 4);
        OpChecks.heads("mergeHeads", out, x.dim(1), x);
        if (f32(x, out)) LayoutOps.heads(out, x, false); else super.mergeHeads(x, out);
    }

    private static boolean allF32(Tensor[] ts) {
        for (Tensor t : ts) if (!f32(t)) return false;
        return true;
    }

    // ---------------------------------------------------------------- regularisation, optimizer

    @Override public void dropoutMask(float p, long seed, Tensor mask) {
        OpChecks.probability("dropoutMask", p);
        if (f32(mask)) DropoutOp.dropoutMask(p, seed, mask); else super.dropoutMask(p, seed, mask);
    }

    @Override public void scaleSamples(Tensor x, Tensor sampleScale, Tensor y) {
        checkScaleSamples(x, sampleScale, y);
        if (f32(x, sampleScale, y)) ElementwiseOps.scaleSamples(x, sampleScale, y); else super.scaleSamples(x, sampleScale, y);
    }

    @Override public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2,
                                float eps, float weightDecay, int step) {
        checkAdamw(param, grad, m, v, step);
        if (f32(param, grad, m, v)) AdamWOp.adamw(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step);
        else super.adamw(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step);
    }
}
