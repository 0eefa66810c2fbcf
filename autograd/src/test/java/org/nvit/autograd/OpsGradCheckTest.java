package org.nvit.autograd;

import static org.nvit.autograd.GradTestSupport.assertGrad;
import static org.nvit.autograd.GradTestSupport.rand;

import org.junit.jupiter.api.Test;
import org.nvit.engine.Rng;

/** Every op of F against central differences in float64, on odd shapes. */
class OpsGradCheckTest {

    @Test void linear2dAnd3dWithAndWithoutBias() {
        assertGrad("linear [1,3]", v -> F.linear(v[0], v[1], v[2]), rand(1, 3), rand(2, 3), rand(2));
        assertGrad("linear [2,7,5]", v -> F.linear(v[0], v[1], v[2]), rand(2, 7, 5), rand(4, 5), rand(4));
        assertGrad("linear no bias", v -> F.linear(v[0], v[1], null), rand(3, 1, 5), rand(1, 5));
    }

    @Test void matmulEveryTransposeVariant() {
        for (boolean ta : new boolean[] {false, true})
            for (boolean tb : new boolean[] {false, true}) {
                int m = 3, k = 5, n = 2;
                var a = ta ? rand(2, 3, k, m) : rand(2, 3, m, k);
                var b = tb ? rand(2, 3, n, k) : rand(2, 3, k, n);
                assertGrad("matmul ta=" + ta + " tb=" + tb, v -> F.matmul(v[0], ta, v[1], tb), a, b);
                var a2 = ta ? rand(k, 1) : rand(1, k);
                var b2 = tb ? rand(7, k) : rand(k, 7);
                assertGrad("matmul 2-D ta=" + ta + " tb=" + tb, v -> F.matmul(v[0], ta, v[1], tb), a2, b2);
            }
    }

    @Test void addSameShapeAndBroadcast() {
        assertGrad("add same", v -> F.add(v[0], v[1]), rand(2, 7), rand(2, 7));
        assertGrad("add bias", v -> F.add(v[0], v[1]), rand(2, 7, 5), rand(5));
        assertGrad("add pos-embed", v -> F.add(v[0], v[1]), rand(3, 7, 5), rand(1, 7, 5));
        assertGrad("add small first", v -> F.add(v[0], v[1]), rand(1, 5), rand(4, 5));
        // gradient pass-through (a receiver adopts the upstream buffer): the same input twice, chains of adds
        assertGrad("add self", v -> F.add(v[0], v[0]), rand(3, 4));
        assertGrad("add chain", v -> F.add(F.add(F.reshape(v[0], 4, 3), v[1]), F.scale(v[1], 1.0)), rand(3, 4), rand(4, 3));
        assertGrad("weightedSum self", v -> F.weightedSum(v[0], 1.0, v[0], 1.0), rand(2));
    }

    @Test void elementwise() {
        assertGrad("mul", v -> F.mul(v[0], v[1]), rand(3, 7), rand(3, 7));
        assertGrad("scale", v -> F.scale(v[0], -0.37), rand(2, 7));
        assertGrad("gelu", v -> F.gelu(v[0]), rand(4, 7).reshape(4, 7));
        assertGrad("softmax", v -> F.softmax(v[0], 0.353), rand(2, 3, 7));
        assertGrad("softmax 1 col", v -> F.softmax(v[0], 1.0), rand(5, 1));
        assertGrad("softmax 197 cols", v -> F.softmax(v[0], 0.5), rand(2, 197));
    }

    @Test void layerNorm() {
        assertGrad("layerNorm", v -> F.layerNorm(v[0], v[1], v[2], 1e-6), rand(2, 7, 5), rand(5), rand(5));
        assertGrad("layerNorm 1 row", v -> F.layerNorm(v[0], v[1], v[2], 1e-5), rand(1, 9), rand(9), rand(9));
    }

    /** Channel-masked: the masked-off channels of x, gamma and beta must get exactly the zero gradient they have. */
    @Test void maskedLayerNorm() {
        org.nvit.engine.Tensor mask = org.nvit.engine.Tensor.of(new double[] {1, 0, 1, 1, 0, 1, 1}, 7);
        assertGrad("masked layerNorm", v -> F.layerNorm(v[0], v[1], v[2], 1e-6, mask), rand(2, 3, 7), rand(7), rand(7));
        org.nvit.engine.Tensor one = org.nvit.engine.Tensor.of(new double[] {0, 0, 1}, 3);
        assertGrad("masked layerNorm, one channel kept", v -> F.layerNorm(v[0], v[1], v[2], 1e-5, one), rand(4, 3), rand(3), rand(3));
    }

    @Test void layoutOps() {
        assertGrad("reshape", v -> F.mul(F.reshape(v[0], 7, -1), v[1]), rand(2, 7, 3), rand(7, 6));
        assertGrad("splitHeads", v -> F.splitHeads(v[0], 3), rand(2, 7, 6));
        assertGrad("mergeHeads", v -> F.mergeHeads(v[0]), rand(2, 3, 7, 2));
        assertGrad("split all used", v -> {
            Var[] p = F.split(v[0], 2, 1, 4);
            return F.concat(F.scale(p[2], 2), p[0], F.gelu(p[1]));
        }, rand(3, 7));
        assertGrad("split piece unused", v -> F.split(v[0], 3, 4)[1], rand(2, 7));
        assertGrad("split piece used twice", v -> {
            Var[] p = F.split(v[0], 3, 3);
            return F.add(F.mul(p[0], p[0]), p[0]);
        }, rand(2, 6));
        assertGrad("concat", v -> F.concat(v[0], v[1], v[0]), rand(2, 1, 3), rand(2, 1, 5));
    }

    @Test void meanTokensValuesOnBothPrecisions() {
        for (org.nvit.engine.DType dt : org.nvit.engine.DType.values()) {
            org.nvit.engine.Tensor x = org.nvit.engine.Tensor.rand(dt, new Rng(3), -1, 1, 3, 6, 5);
            org.nvit.engine.Tensor y = F.meanTokens(Var.constant(x), 2).value();
            for (int b = 0; b < 3; b++)
                for (int d = 0; d < 5; d++) {
                    double want = 0;
                    for (int t = 2; t < 6; t++) want += x.get(b, t, d) / 4;
                    org.junit.jupiter.api.Assertions.assertEquals(want, y.get(b, d), 1e-6, dt + " b=" + b + " d=" + d);
                }
        }
    }

    @Test void tokens() {
        assertGrad("concatTokens broadcast", v -> F.concatTokens(v[0], v[1], v[2]),
                rand(1, 1, 4), rand(1, 1, 4), rand(3, 7, 4));
        assertGrad("concatTokens batch", v -> F.concatTokens(v[0], v[1]), rand(2, 3, 4), rand(2, 1, 4));
        assertGrad("token 0", v -> F.token(v[0], 0), rand(3, 7, 4));
        assertGrad("token last", v -> F.token(v[0], 6), rand(1, 7, 4));
        assertGrad("mean of tokens 1..", v -> F.meanTokens(v[0], 1), rand(3, 7, 5));
        assertGrad("mean of all tokens", v -> F.meanTokens(v[0], 0), rand(2, 4, 3));
        assertGrad("mean of the last token", v -> F.meanTokens(v[0], 6), rand(2, 7, 3));
    }

    @Test void regularisation() {
        assertGrad("dropout", v -> F.dropout(v[0], 0.3, new Rng(7)), rand(4, 7));
        assertGrad("dropPath", v -> F.dropPath(v[0], 0.5, new Rng(3)), rand(6, 2, 3));
    }

    @Test void patchEmbed() {
        assertGrad("patchEmbed", v -> F.patchEmbed(v[0], v[1], v[2], 4), rand(2, 3, 8, 4), rand(5, 3, 4, 4), rand(5));
        assertGrad("patchEmbed 1 patch", v -> F.patchEmbed(v[0], v[1], null, 2), rand(1, 1, 2, 2), rand(3, 1, 2, 2));
    }

    @Test void reductionsAndLosses() {
        assertGrad("mean", v -> F.mean(v[0]), rand(3, 7));
        assertGrad("weightedSum", v -> F.weightedSum(F.mean(v[0]), 0.25, F.mean(v[1]), 1.5), rand(7), rand(1, 3));
        int[] labels = {0, 6, 3};
        assertGrad("crossEntropy", v -> F.crossEntropy(v[0], labels, 0), rand(3, 7));
        assertGrad("crossEntropy smoothed", v -> F.crossEntropy(v[0], labels, 0.1), rand(3, 7));
        var targets = rand(3, 7);
        assertGrad("softCrossEntropy", v -> F.softCrossEntropy(v[0], targets), rand(3, 7));
        var teacher = rand(3, 7);
        assertGrad("klDiv tau 2", v -> F.klDiv(v[0], teacher, 2.0), rand(3, 7));
        var teacher1 = rand(1, 5);
        assertGrad("klDiv tau 1", v -> F.klDiv(v[0], teacher1, 1.0), rand(1, 5));
        assertGrad("klDiv tau 3", v -> F.klDiv(v[0], teacher, 3.0), rand(3, 7));
    }

    /** LayerNorm, qkv, heads, QK^T, softmax, PV, merge, projection, residual, cls token, loss: one DeiT block path. */
    @Test void miniAttentionBlock() {
        int heads = 2, d = 3, dim = heads * d;
        assertGrad("attention", v -> {
            Var x = F.concatTokens(v[0], v[1]);
            Var h = F.layerNorm(x, v[2], v[3], 1e-6);
            Var[] qkv = F.split(F.linear(h, v[4], v[5]), dim, dim, dim);
            Var q = F.splitHeads(qkv[0], heads), k = F.splitHeads(qkv[1], heads), val = F.splitHeads(qkv[2], heads);
            Var att = F.softmax(F.matmul(q, false, k, true), 1 / Math.sqrt(d));
            Var o = F.linear(F.mergeHeads(F.matmul(att, false, val, false)), v[6], null);
            Var y = F.add(x, o);
            return F.crossEntropy(F.linear(F.token(y, 0), v[7], null), new int[] {1, 0}, 0.1);
        }, rand(1, 1, dim), rand(2, 4, dim), rand(dim), rand(dim), rand(3 * dim, dim), rand(3 * dim),
                rand(dim, dim), rand(3, dim));
    }

    /** The fused attention op: timm's qkv layout, ragged qk != v widths, N = 1, and a gradient that already exists. */
    @Test void scaledDotAttention() {
        assertGrad("attention fused", v -> F.attention(v[0], 2, 3, 3, 0.41), rand(2, 5, 18));
        assertGrad("attention fused qk 2 v 3", v -> F.attention(v[0], 3, 2, 3, 0.7), rand(2, 4, 21));
        assertGrad("attention one token", v -> F.attention(v[0], 2, 2, 2, 0.5), rand(3, 1, 12));
        assertGrad("attention separate", v -> F.attention(v[0], v[1], v[2], 2, 0.35), rand(2, 5, 4), rand(2, 5, 4),
                rand(2, 5, 6));
        assertGrad("attention, qkv also used elsewhere", v -> {
            Var a = F.attention(v[0], 2, 2, 2, 0.6);                     // [2, 3, 4]
            Var early = F.mul(v[0], v[0]);                               // qkv's gradient exists before attention's
            return F.add(F.reshape(early, 2, 3, 3, 4), F.reshape(F.concat(a, a, a), 2, 3, 3, 4));
        }, rand(2, 3, 12));
        assertGrad("attention, q and k the same var", v -> F.attention(v[0], v[0], v[1], 1, 0.5), rand(2, 4, 3),
                rand(2, 4, 2));
    }
}
