package org.nvit.models;

/**
 * Exact parameter and multiply-accumulate counts of any (ragged) config, following nvit-paper.md 8.2 generalised to
 * any token count, class count, channel count and with or without the distillation token and head. MACs count the
 * patch projection, every linear layer and the two attention matmuls (q k^T and p v); norms, softmax, GELU and biases
 * are not counted (the convention of the paper and of cpu-baseline.md).
 */
public final class ModelStats {
    private ModelStats() {}

    /** Trainable parameters of one block: two norms, Q, K, V, proj, fc1, fc2 (with biases). */
    public static long blockParams(VitConfig c, int i) {
        long e = c.embedDim();
        BlockSpec b = c.blocks().get(i);
        long qk = b.qkWidth(), v = b.vWidth(), m = b.mlpDim();
        return 4 * e                          // norm1, norm2
                + 2 * (e * qk + qk)           // Q, K
                + (e * v + v)                 // V
                + (v * e + e)                 // proj
                + (e * m + m) + (m * e + e);  // fc1, fc2
    }

    /** Forward MACs of one block per image. */
    public static long blockMacs(VitConfig c, int i) {
        long e = c.embedDim(), n = c.numTokens();
        BlockSpec b = c.blocks().get(i);
        long qk = b.qkWidth(), v = b.vWidth(), m = b.mlpDim();
        return n * e * (2 * qk + v)   // q, k, v projections
                + n * v * e           // proj
                + n * n * qk          // q k^T over all heads
                + n * n * v           // p v
                + 2 * n * e * m;      // fc1 + fc2
    }

    /** Parameters outside the blocks: patch embedding, tokens, position embedding, final norm and head(s). */
    public static long stemAndHeadParams(VitConfig c) {
        long e = c.embedDim(), p = c.patchSize(), k = c.numClasses();
        long heads = c.distilled() ? 2 : 1;
        return e * c.inChans() * p * p + e       // patch_embed.proj
                + heads * e                      // cls (+ dist) token
                + (long) c.numTokens() * e       // pos_embed
                + 2 * e                          // final norm
                + heads * (k * e + k);           // head (+ head_dist)
    }

    public static long params(VitConfig c) {
        long total = stemAndHeadParams(c);
        for (int i = 0; i < c.depth(); i++) total += blockParams(c, i);
        return total;
    }

    /** Forward MACs per image. */
    public static long macs(VitConfig c) {
        long e = c.embedDim(), p = c.patchSize();
        long total = (long) c.numPatches() * c.inChans() * p * p * e;      // patch projection
        for (int i = 0; i < c.depth(); i++) total += blockMacs(c, i);
        total += (c.distilled() ? 2L : 1L) * c.numClasses() * e;           // head(s)
        return total;
    }

    /** Forward FLOPs per image (2 per MAC). */
    public static long flops(VitConfig c) { return 2 * macs(c); }

    /** One line for logs: "5.72M params, 1.254 GMAC". */
    public static String summary(VitConfig c) {
        return String.format("%.2fM params, %.3f GMAC", params(c) / 1e6, macs(c) / 1e9);
    }
}
