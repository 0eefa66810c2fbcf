package org.nvit.weights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nvit.engine.Shape;
import org.nvit.engine.Tensor;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;

/**
 * State dicts in our names, which are timm's: {@code cls_token}, {@code dist_token}, {@code pos_embed},
 * {@code patch_embed.proj.*} ([D,C,p,p]), {@code blocks.i.{norm1, attn.qkv | attn.q/k/v, attn.proj, norm2, mlp.fc1,
 * mlp.fc2}.*}, {@code norm.*}, {@code head.*}, {@code head_dist.*}. A block uses the fused {@code attn.qkv} (rows
 * [q|k|v]) when its q/k width equals its v width, and separate {@code attn.q/k/v} otherwise.
 *
 * <p>This class unwraps training checkpoints, maps NViT's names and layouts (dense and sparse) to ours, lists the
 * shapes a config implies, and checks a state dict against them.
 */
public final class StateDicts {
    private static final Pattern NVIT_QKV = Pattern.compile("blocks\\.(\\d+)\\.attn\\.qkv\\.([QKV])\\.(weight|bias)");
    private static final Pattern SPLIT_QKV = Pattern.compile("(blocks\\.\\d+\\.attn\\.)([qkv])\\.(weight|bias)");
    private static final Pattern NVIT_PROJ = Pattern.compile("blocks\\.(\\d+)\\.attn\\.proj\\.(?:proj\\.)?(weight|bias)");

    private StateDicts() {}

    /** The top-level entry that holds the state dict ('model', 'state_dict', 'model_ema'), or null for the top level. */
    public static String containerKey(Map<String, Object> entries) {
        for (String k : List.of("model", "state_dict", "model_ema")) if (entries.get(k) instanceof Map<?, ?>) return k;
        return null;
    }

    /**
     * The state dict inside a checkpoint: {@code 'model'}, else {@code 'state_dict'}, else {@code 'model_ema'}, else the
     * top level itself; a DistributedDataParallel {@code module.} prefix is removed.
     */
    public static Map<String, Tensor> unwrap(Map<String, Object> entries) {
        Object chosen = entries;
        String where = "the checkpoint";
        for (int depth = 0; depth < 3; depth++) {
            @SuppressWarnings("unchecked") Map<String, Object> m = (Map<String, Object>) chosen;
            String hit = containerKey(m);
            if (hit == null) break;
            chosen = m.get(hit);
            where = "'" + hit + "'";
        }
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) chosen).entrySet()) {
            if (!(e.getKey() instanceof String k)) throw new StateDictException("state dict key " + e.getKey() + " in " + where + " is not a string");
            if (!(e.getValue() instanceof Tensor t))
                throw new StateDictException("entry '" + k + "' of " + where + " is a " + Unpickler.typeName(e.getValue())
                        + ", not a tensor (no 'model' or 'state_dict' entry found)");
            sd.put(k, t);
        }
        if (!sd.isEmpty() && sd.keySet().stream().allMatch(k -> k.startsWith("module."))) {
            Map<String, Tensor> stripped = new LinkedHashMap<>();
            sd.forEach((k, v) -> stripped.put(k.substring("module.".length()), v));
            sd = stripped;
        }
        return sd;
    }

    /** True when the keys are NViT's ({@code attn.qkv.Q.weight} and friends). */
    public static boolean isNvit(Map<String, ?> sd) {
        return sd.keySet().stream().anyMatch(k -> NVIT_QKV.matcher(k).matches());
    }

    /**
     * Maps timm/DeiT and NViT (dense or sparse) state dicts to our names and layouts. NViT: {@code attn.qkv.{Q,K,V}}
     * become {@code attn.q/k/v} (fused to {@code attn.qkv} when widths agree), head-separate sparse tensors are
     * concatenated head-major with {@code head_mask} folded in, {@code attn.proj.proj} becomes {@code attn.proj}, the
     * (E, p*p*C, 1, 1) patch projection with input order (p1, p2, c) becomes [E, C, p, p], and an all-ones
     * {@code token_mask} is dropped (any other token mask is refused).
     */
    public static Map<String, Tensor> toOurNames(Map<String, Tensor> sd, int inChans) {
        if (!isNvit(sd)) return fuseQkv(sd);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : sd.entrySet()) {
            String k = e.getKey();
            Tensor t = e.getValue();
            Matcher q = NVIT_QKV.matcher(k), p = NVIT_PROJ.matcher(k);
            if (k.endsWith(".attn.qkv.token_mask")) {
                for (long i = 0; i < t.numel(); i++)
                    if (t.getFlat(i) != 1.0) throw new StateDictException("'" + k + "' is not all ones; NViT token masks "
                            + "other than ones are not supported yet (they scale q, k, v per token)");
            } else if (k.endsWith(".attn.qkv.head_mask.weight")) {
                // folded into Q, K, V below
            } else if (q.matches()) {
                String block = "blocks." + q.group(1) + ".attn.";
                Tensor mask = sd.get(block + "qkv.head_mask.weight");
                out.put(block + q.group(2).toLowerCase(java.util.Locale.ROOT) + "." + q.group(3), NvitLayouts.headMajor(k, t, mask));
            } else if (p.matches()) {
                out.put("blocks." + p.group(1) + ".attn.proj." + p.group(2), p.group(2).equals("weight") ? NvitLayouts.projColumns(k, t) : t);
            } else if (k.equals("patch_embed.proj.weight") && t.rank() == 4 && t.dim(2) == 1 && t.dim(3) == 1) {
                out.put(k, NvitLayouts.patchConv(t, inChans));
            } else {
                out.put(k, t);
            }
        }
        return fuseQkv(out);
    }

    /** Fuses separate q/k/v of a block into qkv when q/k and v have the same width (our canonical form). */
    static Map<String, Tensor> fuseQkv(Map<String, Tensor> sd) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : sd.entrySet()) {
            String k = e.getKey();
            Matcher m = SPLIT_QKV.matcher(k);
            if (!m.matches()) { out.put(k, e.getValue()); continue; }
            String pre = m.group(1), suffix = m.group(3);
            Tensor tq = sd.get(pre + "q." + suffix), tk = sd.get(pre + "k." + suffix), tv = sd.get(pre + "v." + suffix);
            boolean fusable = tq != null && tk != null && tv != null && tq.rank() >= 1 && tq.sameShape(tk) && tq.sameShape(tv);
            if (!fusable) { out.put(k, e.getValue()); continue; }
            if (m.group(2).equals("q")) out.put(pre + "qkv." + suffix, NvitLayouts.concatRows(tq, tk, tv));
        }
        return out;
    }

    /** Every tensor a config implies, in canonical order, with its shape. */
    public static Map<String, int[]> expectedShapes(VitConfig c) {
        int d = c.embedDim(), p = c.patchSize();
        Map<String, int[]> s = new LinkedHashMap<>();
        s.put("cls_token", new int[] {1, 1, d});
        if (c.distilled()) s.put("dist_token", new int[] {1, 1, d});
        s.put("pos_embed", new int[] {1, c.numTokens(), d});
        s.put("patch_embed.proj.weight", new int[] {d, c.inChans(), p, p});
        s.put("patch_embed.proj.bias", new int[] {d});
        for (int i = 0; i < c.depth(); i++) {
            BlockSpec b = c.blocks().get(i);
            String pre = "blocks." + i + ".";
            int qk = b.qkWidth(), v = b.vWidth(), m = b.mlpDim();
            s.put(pre + "norm1.weight", new int[] {d});
            s.put(pre + "norm1.bias", new int[] {d});
            if (qk == v) {
                s.put(pre + "attn.qkv.weight", new int[] {3 * qk, d});
                s.put(pre + "attn.qkv.bias", new int[] {3 * qk});
            } else {
                for (String x : List.of("q", "k", "v")) {
                    int w = x.equals("v") ? v : qk;
                    s.put(pre + "attn." + x + ".weight", new int[] {w, d});
                    s.put(pre + "attn." + x + ".bias", new int[] {w});
                }
            }
            s.put(pre + "attn.proj.weight", new int[] {d, v});
            s.put(pre + "attn.proj.bias", new int[] {d});
            s.put(pre + "norm2.weight", new int[] {d});
            s.put(pre + "norm2.bias", new int[] {d});
            s.put(pre + "mlp.fc1.weight", new int[] {m, d});
            s.put(pre + "mlp.fc1.bias", new int[] {m});
            s.put(pre + "mlp.fc2.weight", new int[] {d, m});
            s.put(pre + "mlp.fc2.bias", new int[] {d});
        }
        s.put("norm.weight", new int[] {d});
        s.put("norm.bias", new int[] {d});
        s.put("head.weight", new int[] {c.numClasses(), d});
        s.put("head.bias", new int[] {c.numClasses()});
        if (c.distilled()) {
            s.put("head_dist.weight", new int[] {c.numClasses(), d});
            s.put("head_dist.bias", new int[] {c.numClasses()});
        }
        return s;
    }

    /**
     * Checks that the state dict holds exactly the tensors the config implies, with their shapes, and returns it in
     * canonical order. The exception names the first offending key and counts the rest.
     */
    public static Map<String, Tensor> checkAndOrder(VitConfig c, Map<String, Tensor> sd) {
        Map<String, int[]> want = expectedShapes(c);
        List<String> problems = new ArrayList<>();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : want.entrySet()) {
            Tensor t = sd.get(e.getKey());
            if (t == null) problems.add("missing '" + e.getKey() + "' " + Shape.str(e.getValue()));
            else if (!java.util.Arrays.equals(t.shape(), e.getValue()))
                problems.add("'" + e.getKey() + "' has shape " + Shape.str(t.shape()) + ", the config needs " + Shape.str(e.getValue()));
            else out.put(e.getKey(), t);
        }
        for (String k : sd.keySet()) if (!want.containsKey(k)) problems.add("unexpected tensor '" + k + "'");
        if (!problems.isEmpty())
            throw new StateDictException("weights do not match the model config: " + problems.getFirst()
                    + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""));
        return out;
    }

    /** Total number of elements over all tensors. */
    public static long parameterCount(Map<String, Tensor> sd) {
        return sd.values().stream().mapToLong(Tensor::numel).sum();
    }
}
