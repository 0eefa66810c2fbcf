package org.nvit.pruning;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;

/**
 * Which parameter slices each NViT pruning unit owns (zeroed when it is pruned) and which of them feed its saliency,
 * over the timm parameter names of a (possibly ragged) model at its full, unpruned shape. The tables are those of
 * nvit-paper.md 1.3 (the official code's choice). Q, K and V rows are found either in the fused
 * {@code attn.qkv} tensor (rows q | k | v, head-major) or in separate {@code attn.q/k/v} tensors, whichever the model has.
 */
public final class Structure {
    /** Where the rows of Q, K or V of one block live: tensor name, optional bias name, first row. */
    record Rows(String weight, String bias, int offset) {}

    private final VitConfig cfg;
    private final Set<String> names;
    private final List<PruningLayer> layers = new ArrayList<>();

    public Structure(VitConfig cfg, Collection<String> paramNames) {
        this.cfg = cfg;
        this.names = Set.copyOf(paramNames);
        layers.add(PruningLayer.EMB);
        for (int b = 0; b < cfg.depth(); b++)
            for (UnitKind k : new UnitKind[] {UnitKind.HEAD, UnitKind.QK, UnitKind.V, UnitKind.MLP})
                layers.add(new PruningLayer(k, b));
        for (String req : new String[] {"patch_embed.proj.weight", "pos_embed", "cls_token"})
            if (!names.contains(req)) throw new IllegalArgumentException("model has no parameter '" + req + "': not a timm-style ViT");
        for (int b = 0; b < cfg.depth(); b++) rows(b, 'q');
    }

    public VitConfig config() { return cfg; }

    /** NViT's layer order: EMB, then per block HEAD, QK, V, MLP. */
    public List<PruningLayer> layers() { return layers; }

    /** Number of units of a layer at full size. */
    public int units(PruningLayer l) {
        if (l.kind() == UnitKind.EMB) return cfg.embedDim();
        BlockSpec s = cfg.blocks().get(l.block());
        return switch (l.kind()) {
            case HEAD -> s.heads();
            case QK -> s.qkDim();
            case V -> s.vDim();
            case MLP -> s.mlpDim();
            case EMB -> throw new AssertionError();
        };
    }

    Rows rows(int b, char which) {
        BlockSpec s = cfg.blocks().get(b);
        String p = "blocks." + b + ".attn.";
        if (names.contains(p + "qkv.weight")) {
            int off = which == 'q' ? 0 : which == 'k' ? s.qkWidth() : 2 * s.qkWidth();
            return new Rows(p + "qkv.weight", opt(p + "qkv.bias"), off);
        }
        String w = p + which + ".weight";
        if (!names.contains(w)) throw new IllegalArgumentException("model has neither " + p + "qkv.weight nor " + w);
        return new Rows(w, opt(p + which + ".bias"), 0);
    }

    private String opt(String name) { return names.contains(name) ? name : null; }

    private static void rowAndBias(List<Slice> out, Rows r, int row) {
        out.add(new Slice(r.weight(), 0, r.offset() + row));
        if (r.bias() != null) out.add(new Slice(r.bias(), 0, r.offset() + row));
    }

    private void addIf(List<Slice> out, String name, int axis, int index) {
        if (names.contains(name)) out.add(new Slice(name, axis, index));
    }

    /** The slices zeroed when this unit is pruned. */
    public List<Slice> zeroed(PruningLayer l, int u) {
        List<Slice> out = new ArrayList<>();
        int b = l.block();
        String p = "blocks." + b + ".";
        switch (l.kind()) {
            case EMB -> {
                addIf(out, "patch_embed.proj.weight", 0, u);
                addIf(out, "patch_embed.proj.bias", 0, u);
                addIf(out, "cls_token", 2, u);
                addIf(out, "dist_token", 2, u);
                addIf(out, "pos_embed", 2, u);
                addIf(out, "norm.weight", 0, u);
                addIf(out, "norm.bias", 0, u);
                addIf(out, "head.weight", 1, u);
                addIf(out, "head_dist.weight", 1, u);
                for (int i = 0; i < cfg.depth(); i++) {
                    String q = "blocks." + i + ".";
                    for (String n : new String[] {"norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
                            "attn.proj.weight", "attn.proj.bias", "mlp.fc2.weight", "mlp.fc2.bias"})
                        addIf(out, q + n, 0, u);
                    addIf(out, q + "mlp.fc1.weight", 1, u);
                    for (String n : qkvWeights(i)) out.add(new Slice(n, 1, u));
                }
            }
            case HEAD -> {
                BlockSpec s = cfg.blocks().get(b);
                for (int d = 0; d < s.qkDim(); d++) {
                    rowAndBias(out, rows(b, 'q'), u * s.qkDim() + d);
                    rowAndBias(out, rows(b, 'k'), u * s.qkDim() + d);
                }
                for (int d = 0; d < s.vDim(); d++) {
                    rowAndBias(out, rows(b, 'v'), u * s.vDim() + d);
                    out.add(new Slice(p + "attn.proj.weight", 1, u * s.vDim() + d));
                }
            }
            case QK -> {
                BlockSpec s = cfg.blocks().get(b);
                for (int h = 0; h < s.heads(); h++) {
                    rowAndBias(out, rows(b, 'q'), h * s.qkDim() + u);
                    rowAndBias(out, rows(b, 'k'), h * s.qkDim() + u);
                }
            }
            case V -> {
                BlockSpec s = cfg.blocks().get(b);
                for (int h = 0; h < s.heads(); h++) {
                    rowAndBias(out, rows(b, 'v'), h * s.vDim() + u);
                    out.add(new Slice(p + "attn.proj.weight", 1, h * s.vDim() + u));
                }
            }
            case MLP -> {
                out.add(new Slice(p + "mlp.fc1.weight", 0, u));
                addIf(out, p + "mlp.fc1.bias", 0, u);
                out.add(new Slice(p + "mlp.fc2.weight", 1, u));
            }
        }
        return out;
    }

    /**
     * The slices whose sum of w * dL/dw is this unit's saliency c_u (nvit-paper.md 1.3, "criterion" column): EMB uses
     * the patch-embedding row, every proj and fc2 output row (+ bias), every fc1 and q/k/v input column; HEAD its q, k,
     * v rows (+ biases); QK index d of Q only; V index d of V; MLP the fc1 row and bias. Norms, tokens, K for QK and
     * fc2 for MLP are zeroed but not scored, as in the official code.
     */
    public List<Slice> criterion(PruningLayer l, int u) {
        List<Slice> out = new ArrayList<>();
        int b = l.block();
        String p = "blocks." + b + ".";
        switch (l.kind()) {
            case EMB -> {
                addIf(out, "patch_embed.proj.weight", 0, u);
                addIf(out, "patch_embed.proj.bias", 0, u);
                for (int i = 0; i < cfg.depth(); i++) {
                    String q = "blocks." + i + ".";
                    for (String n : new String[] {"attn.proj.weight", "attn.proj.bias", "mlp.fc2.weight", "mlp.fc2.bias"})
                        addIf(out, q + n, 0, u);
                    addIf(out, q + "mlp.fc1.weight", 1, u);
                    for (String n : qkvWeights(i)) out.add(new Slice(n, 1, u));
                }
            }
            case HEAD -> {
                BlockSpec s = cfg.blocks().get(b);
                for (int d = 0; d < s.qkDim(); d++) {
                    rowAndBias(out, rows(b, 'q'), u * s.qkDim() + d);
                    rowAndBias(out, rows(b, 'k'), u * s.qkDim() + d);
                }
                for (int d = 0; d < s.vDim(); d++) rowAndBias(out, rows(b, 'v'), u * s.vDim() + d);
            }
            case QK -> {
                BlockSpec s = cfg.blocks().get(b);
                for (int h = 0; h < s.heads(); h++) rowAndBias(out, rows(b, 'q'), h * s.qkDim() + u);
            }
            case V -> {
                BlockSpec s = cfg.blocks().get(b);
                for (int h = 0; h < s.heads(); h++) rowAndBias(out, rows(b, 'v'), h * s.vDim() + u);
            }
            case MLP -> {
                out.add(new Slice(p + "mlp.fc1.weight", 0, u));
                addIf(out, p + "mlp.fc1.bias", 0, u);
            }
        }
        return out;
    }

    /** The distinct weight tensors holding Q, K, V of block b (one fused tensor, or three). */
    private List<String> qkvWeights(int b) {
        String fused = "blocks." + b + ".attn.qkv.weight";
        if (names.contains(fused)) return List.of(fused);
        return List.of(rows(b, 'q').weight(), rows(b, 'k').weight(), rows(b, 'v').weight());
    }
}
