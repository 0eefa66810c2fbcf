package org.nvit.models;

import java.util.List;

/**
 * Every bound on a model config, in one place. Configs come from files (--config, a checkpoint's metadata), so each
 * field is checked before anything is sized from it: without bounds, {@code image_size 65536, patch_size 1} overflows
 * the token count to 1 and {@code attn_scale 1e308} turns every attention score into infinity. The limits are far
 * beyond any published ViT (ViT-G: 1664 wide, 48 blocks; 4096 tokens at 1024 px / 16) and keep every tensor within one
 * Java array. Each failure is an IllegalArgumentException that names the field, its value and the limit.
 */
public final class ConfigBounds {
    public static final int MAX_IMAGE_SIZE = 16384;
    public static final int MAX_TOKENS = 65536;
    public static final int MAX_CHANNELS = 1024;
    public static final int MAX_CLASSES = 1 << 20;
    public static final int MAX_EMBED_DIM = 65536;
    public static final int MAX_DEPTH = 1024;
    public static final int MAX_HEADS = 1024;
    public static final int MAX_HEAD_DIM = 4096;
    public static final int MAX_MLP_DIM = 1 << 20;
    /** 1/sqrt(head width) is at most 1; larger scales only make sense in small multiples. */
    public static final double MAX_ATTN_SCALE = 100;
    public static final double MAX_LAYER_NORM_EPS = 1;
    /** Elements of the largest tensor a config may imply (a Java array's limit). */
    public static final long MAX_TENSOR = Integer.MAX_VALUE - 8;

    private ConfigBounds() {}

    static void checkBlock(int heads, int qkDim, int vDim, int mlpDim) {
        range("heads", heads, MAX_HEADS);
        range("qk_dim", qkDim, MAX_HEAD_DIM);
        range("v_dim", vDim, MAX_HEAD_DIM);
        range("mlp_dim", mlpDim, MAX_MLP_DIM);
    }

    static void checkModel(int imageSize, int patchSize, int inChans, int numClasses, int embedDim, double layerNormEps,
                           Double attnScale, List<BlockSpec> blocks, boolean distilled) {
        range("image_size", imageSize, MAX_IMAGE_SIZE);
        if (patchSize < 1 || patchSize > imageSize || imageSize % patchSize != 0)
            throw new IllegalArgumentException("image_size " + imageSize + " must be a positive multiple of patch_size " + patchSize);
        long grid = imageSize / patchSize, tokens = grid * grid + (distilled ? 2 : 1);
        if (tokens > MAX_TOKENS)
            throw new IllegalArgumentException("image_size " + imageSize + " with patch_size " + patchSize + " gives " + tokens
                    + " tokens; at most " + MAX_TOKENS + " are supported (use a larger patch or a smaller image)");
        range("in_chans", inChans, MAX_CHANNELS);
        range("num_classes", numClasses, MAX_CLASSES);
        range("embed_dim", embedDim, MAX_EMBED_DIM);
        if (!(layerNormEps > 0 && layerNormEps <= MAX_LAYER_NORM_EPS))
            throw new IllegalArgumentException("layer_norm_eps " + layerNormEps + " must be in (0, " + MAX_LAYER_NORM_EPS + "]");
        if (attnScale != null && !(attnScale > 0 && attnScale <= MAX_ATTN_SCALE))
            throw new IllegalArgumentException("attn_scale " + attnScale + " must be finite, positive and at most "
                    + MAX_ATTN_SCALE + " (1/sqrt(head width) is the usual value)");
        if (blocks == null || blocks.isEmpty()) throw new IllegalArgumentException("a config needs at least one block");
        if (blocks.size() > MAX_DEPTH)
            throw new IllegalArgumentException("a config of " + blocks.size() + " blocks; at most " + MAX_DEPTH + " are supported");
        tensor("patch_embed.proj.weight", (long) embedDim * inChans * patchSize * patchSize);
        tensor("pos_embed", tokens * embedDim);
        tensor("head.weight", (long) numClasses * embedDim);
        for (int i = 0; i < blocks.size(); i++) {
            BlockSpec b = blocks.get(i);
            if (b == null) throw new IllegalArgumentException("block " + i + " of the config is null");
            long qk = (long) b.heads() * b.qkDim(), v = (long) b.heads() * b.vDim();
            tensor("block " + i + " attention", (2 * qk + v) * embedDim);
            tensor("block " + i + " MLP", (long) b.mlpDim() * embedDim);
        }
    }

    private static void range(String field, long value, long max) {
        if (value < 1 || value > max)
            throw new IllegalArgumentException(field + " " + value + " is out of range (1 to " + max + ")");
    }

    private static void tensor(String what, long elements) {
        if (elements > MAX_TENSOR)
            throw new IllegalArgumentException("the config's " + what + " would hold " + elements + " weights, more than one "
                    + "tensor can (" + MAX_TENSOR + ")");
    }
}
