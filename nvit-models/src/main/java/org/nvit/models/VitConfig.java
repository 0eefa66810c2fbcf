package org.nvit.models;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Collections;
import java.util.List;

/**
 * A ViT/DeiT/NViT architecture: global dims plus one {@link BlockSpec} per block. Its JSON form (snake_case keys) is
 * stored in every checkpoint's safetensors metadata under {@code nvit.config} and accepted by {@code --config}.
 * {@code attn_scale} is optional: absent means 1/sqrt(qk_dim) per block; NViT's dense checkpoints use 0.125.
 * {@code global_pool} is optional: absent or {@code "token"} classifies the cls (and dist) token, as DeiT and NViT do;
 * {@code "avg"} classifies the mean of the patch tokens (timm's {@code global_pool='avg'}; not with distillation).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VitConfig(
        @JsonProperty("image_size") int imageSize,
        @JsonProperty("patch_size") int patchSize,
        @JsonProperty("in_chans") int inChans,
        @JsonProperty("num_classes") int numClasses,
        @JsonProperty("embed_dim") int embedDim,
        @JsonProperty("distilled") boolean distilled,
        @JsonProperty("layer_norm_eps") double layerNormEps,
        @JsonProperty("attn_scale") Double attnScale,
        @JsonProperty("blocks") List<BlockSpec> blocks,
        @JsonProperty("global_pool") String globalPool) {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false);   // "patch_size": 7.9 is an error, not 7
    /** A config file is a few kilobytes; this only stops a mistaken --config from reading gigabytes. */
    /** The largest config file read (16 MiB: a config is a few kilobytes). */
    public static final long MAX_FILE_BYTES = 16 << 20;

    /** Every field is bounded by {@link ConfigBounds}. */
    @JsonCreator
    public VitConfig {
        if (layerNormEps == 0) layerNormEps = 1e-6;
        ConfigBounds.checkModel(imageSize, patchSize, inChans, numClasses, embedDim, layerNormEps, attnScale, blocks, distilled);
        blocks = List.copyOf(blocks);
        if ("token".equals(globalPool)) globalPool = null; // the default, kept out of the JSON
        if (globalPool != null && !globalPool.equals("avg"))
            throw new IllegalArgumentException("global_pool must be \"token\" or \"avg\", not \"" + globalPool + "\"");
        if (globalPool != null && distilled)
            throw new IllegalArgumentException("global_pool \"avg\" cannot be combined with a distilled model (its dist head reads the dist token)");
    }

    /** A config with the default cls-token pooling. */
    public VitConfig(int imageSize, int patchSize, int inChans, int numClasses, int embedDim, boolean distilled,
                     double layerNormEps, Double attnScale, List<BlockSpec> blocks) {
        this(imageSize, patchSize, inChans, numClasses, embedDim, distilled, layerNormEps, attnScale, blocks, null);
    }

    /** True when the head reads the mean of the patch tokens instead of the cls token. */
    public boolean avgPool() { return globalPool != null; }

    /** Tokens before the patch tokens: cls, and dist when distilled. */
    public int numPrefixTokens() { return distilled ? 2 : 1; }

    /** Number of patch tokens. */
    public int numPatches() { int g = imageSize / patchSize; return g * g; }

    /** Tokens per image: patches plus cls (plus dist when distilled). */
    public int numTokens() { return numPatches() + numPrefixTokens(); }

    public int depth() { return blocks.size(); }

    /** The attention scale of block i. */
    public double scaleOf(int i) { return attnScale != null ? attnScale : 1.0 / Math.sqrt(blocks.get(i).qkDim()); }

    /** True when every block is the same DeiT-style block with qk == v (timm layout applies). Not part of the JSON. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isUniform() {
        BlockSpec b0 = blocks.get(0);
        return b0.qkDim() == b0.vDim() && blocks.stream().allMatch(b0::equals);
    }

    public VitConfig withBlocks(List<BlockSpec> newBlocks) {
        return new VitConfig(imageSize, patchSize, inChans, numClasses, embedDim, distilled, layerNormEps, attnScale, newBlocks, globalPool);
    }

    public VitConfig withEmbedDim(int e) {
        return new VitConfig(imageSize, patchSize, inChans, numClasses, e, distilled, layerNormEps, attnScale, blocks, globalPool);
    }

    public VitConfig withImageSize(int size) {
        return new VitConfig(size, patchSize, inChans, numClasses, embedDim, distilled, layerNormEps, attnScale, blocks, globalPool);
    }

    public VitConfig withNumClasses(int c) {
        return new VitConfig(imageSize, patchSize, inChans, c, embedDim, distilled, layerNormEps, attnScale, blocks, globalPool);
    }

    public VitConfig withGlobalPool(String pool) {
        return new VitConfig(imageSize, patchSize, inChans, numClasses, embedDim, distilled, layerNormEps, attnScale, blocks, pool);
    }

    /** A uniform DeiT-style config. */
    public static VitConfig uniform(int imageSize, int patch, int inChans, int classes, int embed, int depth,
                                    BlockSpec block, boolean distilled) {
        return new VitConfig(imageSize, patch, inChans, classes, embed, distilled, 1e-6, null,
                Collections.nCopies(depth, block));
    }

    public String toJson() {
        try { return JSON.writeValueAsString(this); }
        catch (Exception e) { throw new IllegalStateException(e); }
    }

    /** Parses the JSON form; a malformed document gives an IllegalArgumentException naming the problem. */
    public static VitConfig fromJson(String json) {
        try {
            VitConfig c = JSON.readValue(json, VitConfig.class);
            if (c == null) throw new IllegalArgumentException("invalid model config JSON: null");
            return c;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // a bound broken inside a constructor arrives wrapped (once per nesting level: config, blocks, block)
            Throwable c = e;
            for (Throwable t = e; t != null; t = t.getCause()) if (t instanceof IllegalArgumentException) { c = t; break; }
            String msg = c instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : c.getMessage();
            String line = String.valueOf(msg).lines().findFirst().orElse("");
            if (c == e && e instanceof com.fasterxml.jackson.databind.JsonMappingException m && !m.getPath().isEmpty())
                line += " (at " + fieldPath(m.getPath()) + ")";
            throw new IllegalArgumentException("invalid model config JSON: " + line, e);
        }
    }

    /** "blocks[0].heads" for Jackson's path to a bad value. */
    private static String fieldPath(List<com.fasterxml.jackson.databind.JsonMappingException.Reference> path) {
        StringBuilder b = new StringBuilder();
        for (var r : path) {
            if (r.getFieldName() != null) b.append(b.isEmpty() ? "" : ".").append(r.getFieldName());
            else if (r.getIndex() >= 0) b.append('[').append(r.getIndex()).append(']');
        }
        return b.toString();
    }
}
