package org.nvit.autograd;

import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;

/**
 * The differentiable op set of a ViT, as static functions over {@link Var}. Each op lives in its own class with its
 * forward and its backward rule side by side; this facade is the one entry point models use.
 *
 * <p>Shapes: "[.., n]" means any leading dims. All ops run on the backend of their inputs' device.
 */
public final class F {
    private F() {}

    private static UnsupportedOperationException todo() {
        return new UnsupportedOperationException("implemented by the autograd issue");
    }

    /** y = x W^T + b: x [.., in], w [out, in], b [out] or null. */
    public static Var linear(Var x, Var w, Var b) { throw todo(); }

    /** Batched matmul: a [B.., m, k] (or [B.., k, m] when transA), b [B.., k, n] (or [B.., n, k]) -> [B.., m, n]. */
    public static Var matmul(Var a, boolean transA, Var b, boolean transB) { throw todo(); }

    /** a + b, where b's shape equals a's or is a suffix of it (leading 1s allowed): broadcast over leading dims. */
    public static Var add(Var a, Var b) { throw todo(); }

    /** Elementwise a * b of equal shapes. */
    public static Var mul(Var a, Var b) { throw todo(); }

    /** s * x. */
    public static Var scale(Var x, double s) { throw todo(); }

    /** Exact (erf) GELU. */
    public static Var gelu(Var x) { throw todo(); }

    /** softmax(scale * x) over the last axis. */
    public static Var softmax(Var x, double scale) { throw todo(); }

    /** LayerNorm over the last axis with affine gamma, beta [n]. */
    public static Var layerNorm(Var x, Var gamma, Var beta, double eps) { throw todo(); }

    /** A reshaped view (one dim may be -1). */
    public static Var reshape(Var x, int... shape) { throw todo(); }

    /** [B, N, H*d] -> [B, H, N, d]. */
    public static Var splitHeads(Var x, int heads) { throw todo(); }

    /** [B, H, N, d] -> [B, N, H*d]. */
    public static Var mergeHeads(Var x) { throw todo(); }

    /** Splits along the last axis into the given widths. */
    public static Var[] split(Var x, int... widths) { throw todo(); }

    /** Concatenates along the last axis. */
    public static Var concat(Var... xs) { throw todo(); }

    /** Concatenates along axis 1 of [B, n_i, D] tensors (tokens); a [1, n, D] input is broadcast over B. */
    public static Var concatTokens(Var... xs) { throw todo(); }

    /** x[:, index, :] of x [B, N, D] -> [B, D] (the cls or dist token). */
    public static Var token(Var x, int index) { throw todo(); }

    /** Inverted dropout with probability p (identity when p == 0 or under NoGrad / eval). */
    public static Var dropout(Var x, double p, Rng rng) { throw todo(); }

    /** Stochastic depth: zeroes whole samples of x [B, ..] with probability p, scales survivors by 1/(1-p). */
    public static Var dropPath(Var x, double p, Rng rng) { throw todo(); }

    /** Patch embedding: images [B, C, H, W], w [D, C, p, p], b [D] -> [B, (H/p)(W/p), D]. */
    public static Var patchEmbed(Var images, Var w, Var b, int patch) { throw todo(); }

    /** Mean over all elements, as a scalar [1]. */
    public static Var mean(Var x) { throw todo(); }

    /** a + b for scalars, weighted: wa * a + wb * b. */
    public static Var weightedSum(Var a, double wa, Var b, double wb) { throw todo(); }

    /** Cross-entropy of logits [B, C] with hard labels and label smoothing (0 = none); mean over B. */
    public static Var crossEntropy(Var logits, int[] labels, double smoothing) { throw todo(); }

    /** Cross-entropy with soft targets [B, C] (mixup / cutmix); mean over B. */
    public static Var softCrossEntropy(Var logits, Tensor targets) { throw todo(); }

    /**
     * Distillation KL(softmax(teacher / tau) || softmax(student / tau)), summed over classes, averaged over the batch
     * and multiplied by tau^2 (DeiT's soft distillation). The teacher's logits are constants.
     */
    public static Var klDiv(Var studentLogits, Tensor teacherLogits, double tau) { throw todo(); }
}
