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

    /** y = x W^T + b: x [.., in], w [out, in], b [out] or null. */
    public static Var linear(Var x, Var w, Var b) { return Linear.apply(x, w, b); }

    /** GELU(x W^T + b) (a transformer MLP's first half): one GEMM and one fused bias + GELU pass. */
    public static Var linearGelu(Var x, Var w, Var b) { return LinearGelu.apply(x, w, b); }

    /**
     * res + DropPath(x W^T + b) (a pre-norm block's residual update): one GEMM and one fused pass for the bias, the
     * per-sample drop-path factors (probability dropPath, seed from rng; none when dropPath is 0 or under NoGrad) and
     * the add.
     */
    public static Var residualLinear(Var res, Var x, Var w, Var b, double dropPath, Rng rng) {
        return ResidualLinear.apply(res, x, w, b, dropPath, rng);
    }

    /** Batched matmul: a [B.., m, k] (or [B.., k, m] when transA), b [B.., k, n] (or [B.., n, k]) -> [B.., m, n]. */
    public static Var matmul(Var a, boolean transA, Var b, boolean transB) { return MatMul.apply(a, transA, b, transB); }

    /** a + b, where b's shape equals a's or is a suffix of it (leading 1s allowed): broadcast over leading dims. */
    public static Var add(Var a, Var b) { return Add.apply(a, b); }

    /** Elementwise a * b of equal shapes. */
    public static Var mul(Var a, Var b) { return Mul.apply(a, b); }

    /** s * x. */
    public static Var scale(Var x, double s) { return Scale.apply(x, s); }

    /** Exact (erf) GELU. */
    public static Var gelu(Var x) { return Gelu.apply(x); }

    /** softmax(scale * x) over the last axis. */
    public static Var softmax(Var x, double scale) { return Softmax.apply(x, scale); }

    /** LayerNorm over the last axis with affine gamma, beta [n]. */
    public static Var layerNorm(Var x, Var gamma, Var beta, double eps) { return LayerNorm.apply(x, gamma, beta, eps, null); }

    /**
     * LayerNorm over the kept channels of a 0/1 mask [n] (null: all channels): the other channels neither enter the
     * statistics nor leave the norm (they output 0). The embedding norms of a model being pruned.
     */
    public static Var layerNorm(Var x, Var gamma, Var beta, double eps, Tensor channelMask) {
        return LayerNorm.apply(x, gamma, beta, eps, channelMask);
    }

    /** A reshaped view (one dim may be -1). */
    public static Var reshape(Var x, int... shape) { return Reshape.apply(x, shape); }

    /**
     * Multi-head attention from timm's fused projection qkv [B, N, H*qk | H*qk | H*v]: softmax(scale * Q_h K_h^T) V_h
     * per head, head-major into [B, N, H*v], without copying heads apart.
     */
    public static Var attention(Var qkv, int heads, int qkDim, int vDim, double scale) {
        return ScaledDotAttention.fused(qkv, heads, qkDim, vDim, scale);
    }

    /** The same from separate projections q, k [B, N, H*qk] and v [B, N, H*v] (blocks whose qk and v widths differ). */
    public static Var attention(Var q, Var k, Var v, int heads, double scale) {
        return ScaledDotAttention.separate(q, k, v, heads, scale);
    }

    /** [B, N, H*d] -> [B, H, N, d]. */
    public static Var splitHeads(Var x, int heads) { return Heads.split(x, heads); }

    /** [B, H, N, d] -> [B, N, H*d]. */
    public static Var mergeHeads(Var x) { return Heads.merge(x); }

    /** Splits along the last axis into the given widths. */
    public static Var[] split(Var x, int... widths) { return Split.apply(x, widths); }

    /** Concatenates along the last axis. */
    public static Var concat(Var... xs) { return Concat.apply(xs); }

    /** Concatenates along axis 1 of [B, n_i, D] tensors (tokens); a [1, n, D] input is broadcast over B. */
    public static Var concatTokens(Var... xs) { return ConcatTokens.apply(xs); }

    /** x[:, index, :] of x [B, N, D] -> [B, D] (the cls or dist token). */
    public static Var token(Var x, int index) { return Token.apply(x, index); }

    /** Mean over tokens [from, N) of x [B, N, D] -> [B, D] (global average pooling that skips cls/dist tokens). */
    public static Var meanTokens(Var x, int from) { return MeanTokens.apply(x, from); }

    /** Inverted dropout with probability p (identity when p == 0 or under NoGrad / eval). */
    public static Var dropout(Var x, double p, Rng rng) { return Dropout.dropout(x, p, rng); }

    /** Stochastic depth: zeroes whole samples of x [B, ..] with probability p, scales survivors by 1/(1-p). */
    public static Var dropPath(Var x, double p, Rng rng) { return Dropout.dropPath(x, p, rng); }

    /** Patch embedding: images [B, C, H, W], w [D, C, p, p], b [D] -> [B, (H/p)(W/p), D]. */
    public static Var patchEmbed(Var images, Var w, Var b, int patch) { return PatchEmbed.apply(images, w, b, patch); }

    /** Mean over all elements, as a scalar [1]. */
    public static Var mean(Var x) { return Reduce.mean(x); }

    /** a + b for scalars, weighted: wa * a + wb * b. */
    public static Var weightedSum(Var a, double wa, Var b, double wb) { return Reduce.weightedSum(a, wa, b, wb); }

    /** Cross-entropy of logits [B, C] with hard labels and label smoothing (0 = none); mean over B. */
    public static Var crossEntropy(Var logits, int[] labels, double smoothing) { return Losses.crossEntropy(logits, labels, smoothing); }

    /** Cross-entropy with soft targets [B, C] (mixup / cutmix); mean over B. */
    public static Var softCrossEntropy(Var logits, Tensor targets) { return Losses.softCrossEntropy(logits, targets); }

    /**
     * Distillation KL(softmax(teacher / tau) || softmax(student / tau)), summed over classes, averaged over the batch
     * and multiplied by tau^2 (DeiT's soft distillation). The teacher's logits are constants.
     * (DeiT's reference code divides the summed KL by B*C instead of B: weight this loss by 1/C to match it.)
     */
    public static Var klDiv(Var studentLogits, Tensor teacherLogits, double tau) { return Losses.klDiv(studentLogits, teacherLogits, tau); }
}
