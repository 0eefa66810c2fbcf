package org.nvit.kernels;

import org.nvit.engine.Tensor;
import org.nvit.engine.fused.DeviceScalars;
import org.nvit.engine.fused.FusedLinear;
import org.nvit.engine.fused.FusedNorm;

/**
 * The linear layers' epilogues (elementwise.cu, fused.cu), the accumulating LayerNorm backward (RowOps) and the
 * device scalars (softmax.cu, multitensor.cu) on the GPU, one launch each.
 */
final class FusedKernels implements FusedLinear, FusedNorm, DeviceScalars {
    private final CudaBackend cb;
    private final Gpu gpu;

    FusedKernels(CudaBackend cb) {
        this.cb = cb;
        this.gpu = cb.gpu;
    }

    private static void check(boolean ok, String msg) { if (!ok) throw new IllegalArgumentException(msg); }

    @Override public void biasGelu(Tensor x, Tensor bias, Tensor pre, Tensor y) {
        int cols = Math.toIntExact(bias.numel());
        check(cols > 0 && x.numel() % cols == 0 && y.numel() == x.numel() && (pre == null || pre.numel() == x.numel()),
                "biasGelu: " + x + ", bias " + bias + ", " + pre + ", " + y);
        long rows = x.numel() / cols;
        cb.rowwise("nvit_bias_gelu", rows, cols, cb.p(x), cb.p(bias), cb.p(pre), cb.p(y), rows, cols);
    }

    @Override public void biasGeluBackward(Tensor pre, Tensor gy, Tensor gx, Tensor gBias) {
        int n = pre.dim(-1);
        check(gy.numel() == pre.numel() && gx.numel() == pre.numel() && (gBias == null || gBias.numel() == n),
                "biasGeluBackward: " + pre + ", " + gy + ", " + gx + ", " + gBias);
        long rows = pre.numel() / Math.max(1, n);
        if (rows == 0 || n == 0) return;
        int chunks = RowOps.chunks(rows), per = (int) ((rows + chunks - 1) / chunks);
        long bytes = 4L * chunks * n;
        DevPtr part = gBias == null ? null : cb.scratch(bytes);
        gpu.launch("nvit_bias_gelu_backward", (n + 31) / 32, chunks, 32, 8, cb.p(pre), cb.p(gy), cb.p(gx), part,
                cb.p(gBias), rows, n, per, cb.ticket(CudaBackend.TICKET_BIAS_GELU));
        if (part != null) cb.releaseScratch(part, bytes);
    }

    @Override public void biasResidual(Tensor res, Tensor y, Tensor bias, float p, long seed, Tensor mask, Tensor out) {
        int cols = Math.toIntExact(bias.numel()), batch = res.dim(0);
        check(cols > 0 && y.numel() == res.numel() && out.numel() == res.numel() && res.numel() % cols == 0,
                "biasResidual: " + res + ", " + y + ", bias " + bias + ", " + out);
        check(p == 0 || (mask != null && mask.numel() == batch), "biasResidual: drop-path needs a mask of " + batch);
        check(p >= 0 && p < 1, "biasResidual: drop-path probability " + p + " is outside [0, 1)");
        long rows = res.numel() / cols;
        if (rows == 0) return;
        check(rows % batch == 0, "biasResidual: " + rows + " rows are not whole samples of " + res);
        float keep = p > 0 ? (float) (1.0 / (1.0 - p)) : 1f; // as the CPU backends round it
        cb.rowwise("nvit_bias_residual", rows, cols, cb.p(res), cb.p(y), cb.p(bias), p, keep, seed, cb.p(mask),
                cb.p(out), rows, cols, (int) (rows / batch));
    }

    @Override public void layerNormBackwardAdd(Tensor x, Tensor gy, Tensor gamma, Tensor mask, Tensor mean, Tensor rstd,
                                               Tensor gx, Tensor gGamma, Tensor gBeta) {
        cb.rows().layerNormBackward(x, gy, gamma, mask, mean, rstd, gx, gGamma, gBeta, true);
    }

    @Override public void crossEntropySoft(Tensor logits, Tensor targets, Tensor grad, float gradScale, Tensor loss) {
        cb.rows().crossEntropy(logits, targets, grad, gradScale, loss);
    }

    @Override public void clipFactor(Tensor sumSq, float maxNorm, Tensor norm, Tensor factor) {
        check(sumSq.numel() == 1 && norm.numel() == 1 && factor.numel() == 1, "clipFactor: [1] tensors");
        gpu.launch("nvit_clip_factor", 1, 1, 32, 1, cb.p(sumSq), maxNorm, cb.p(norm), cb.p(factor));
    }
}
