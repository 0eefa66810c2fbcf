package org.nvit.weights;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nvit.engine.Shape;
import org.nvit.engine.Tensor;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;

/**
 * Builds a {@link VitConfig} from the shapes of a state dict in our names: embed dim, channels and patch size from
 * the patch projection, image size from the position-embedding token count, depth, per-block q/k and v widths and MLP
 * widths, class count, and distillation (a {@code dist_token}). Widths do not determine head counts, so those come
 * from the caller ({@code heads}: one count for all blocks or one per block), else from NViT's {@code 'dim'} dict,
 * else from the DeiT convention of 64-wide heads. The result is checked against every tensor.
 */
public final class ConfigInference {
    /** DeiT's head width, the default when nothing says otherwise. */
    public static final int DEFAULT_HEAD_DIM = 64;

    private ConfigInference() {}

    /**
     * @param sd        a state dict in our names ({@link StateDicts#toOurNames})
     * @param heads     null or empty for automatic, one value for every block, or one value per block
     * @param nvitDim   NViT's {@code checkpoint['dim']} ({'head': [..], ...}) or null
     * @param attnScale a fixed attention scale (NViT keeps 0.125) or null for 1/sqrt(head width)
     */
    public static VitConfig infer(Map<String, Tensor> sd, List<Integer> heads, Map<?, ?> nvitDim, Double attnScale) {
        Tensor patch = need(sd, "patch_embed.proj.weight", 4);
        int embed = patch.dim(0), chans = patch.dim(1), p = patch.dim(2);
        if (patch.dim(3) != p) throw new StateDictException("patch_embed.proj.weight " + Shape.str(patch.shape()) + " has non-square patches");
        boolean distilled = sd.containsKey("dist_token");
        int tokens = need(sd, "pos_embed", 3).dim(1);
        int patches = tokens - 1 - (distilled ? 1 : 0);
        int grid = (int) Math.round(Math.sqrt(Math.max(patches, 0)));
        if (patches < 1 || grid * grid != patches)
            throw new StateDictException("pos_embed has " + tokens + " tokens, which is not a square patch grid plus "
                    + (distilled ? "cls and dist tokens" : "a cls token"));
        int classes = need(sd, "head.weight", 2).dim(0);
        int depth = 0;
        while (sd.containsKey("blocks." + depth + ".norm1.weight")) depth++;
        if (depth == 0) throw new StateDictException("no transformer blocks found (missing 'blocks.0.norm1.weight')");
        List<Integer> perBlock = headCounts(heads, nvitDim, depth);
        List<BlockSpec> blocks = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            String pre = "blocks." + i + ".";
            int qk, v;
            if (sd.containsKey(pre + "attn.qkv.weight")) {
                int rows = need(sd, pre + "attn.qkv.weight", 2).dim(0);
                if (rows % 3 != 0) throw new StateDictException("'" + pre + "attn.qkv.weight' has " + rows + " rows, not 3 x width");
                qk = v = rows / 3;
            } else {
                qk = need(sd, pre + "attn.q.weight", 2).dim(0);
                v = need(sd, pre + "attn.v.weight", 2).dim(0);
            }
            int mlp = need(sd, pre + "mlp.fc1.weight", 2).dim(0);
            int h = perBlock != null ? perBlock.get(i) : defaultHeads(i, qk, v);
            if (h < 1 || qk % h != 0 || v % h != 0)
                throw new StateDictException("block " + i + ": " + h + " heads do not divide q/k width " + qk + " and v width " + v);
            blocks.add(new BlockSpec(h, qk / h, v / h, mlp));
        }
        VitConfig c = new VitConfig(grid * p, p, chans, classes, embed, distilled, 1e-6, attnScale, blocks);
        StateDicts.checkAndOrder(c, sd);
        return c;
    }

    private static int defaultHeads(int block, int qk, int v) {
        if (qk % DEFAULT_HEAD_DIM != 0 || v % DEFAULT_HEAD_DIM != 0)
            throw new StateDictException("block " + block + ": q/k width " + qk + " and v width " + v
                    + " are not multiples of " + DEFAULT_HEAD_DIM + ", so the head count is unknown; pass it with --heads");
        return qk / DEFAULT_HEAD_DIM;
    }

    private static List<Integer> headCounts(List<Integer> heads, Map<?, ?> nvitDim, int depth) {
        if (heads != null && !heads.isEmpty()) {
            if (heads.size() == 1) return java.util.Collections.nCopies(depth, heads.getFirst());
            if (heads.size() != depth)
                throw new StateDictException(heads.size() + " head counts given for " + depth + " blocks; give one or " + depth);
            return heads;
        }
        if (nvitDim == null) return null;
        if (!(nvitDim.get("head") instanceof List<?> l) || l.size() != depth)
            throw new StateDictException("the checkpoint's 'dim' has no per-block 'head' list for " + depth + " blocks");
        List<Integer> out = new ArrayList<>();
        for (Object o : l) {
            long h = o instanceof Long x ? x : o instanceof Tensor t && t.numel() == 1 ? (long) t.getFlat(0) : -1;
            if (h < 1 || h > Integer.MAX_VALUE) throw new StateDictException("the checkpoint's 'dim' has an invalid head count " + o);
            out.add((int) h);
        }
        return out;
    }

    private static Tensor need(Map<String, Tensor> sd, String key, int rank) {
        Tensor t = sd.get(key);
        if (t == null) throw new StateDictException("missing '" + key + "': not a ViT/DeiT/NViT state dict");
        if (t.rank() != rank) throw new StateDictException("'" + key + "' has shape " + Shape.str(t.shape()) + ", expected rank " + rank);
        return t;
    }
}
