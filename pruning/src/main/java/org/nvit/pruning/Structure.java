package org.nvit.pruning;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.models.structure.Coupling;
import org.nvit.models.structure.CouplingTable;
import org.nvit.models.structure.Dim;

/**
 * The pruning view of a model's {@link CouplingTable}: NViT's layers (EMB, then per block HEAD, QK, V, MLP), the
 * slices each unit owns (zeroed when it is pruned, cut out by {@link Shrink}) and those that score it. Built from the
 * model, or from a config and the parameter names of a state dict (Q, K, V in a fused {@code attn.qkv} or in separate
 * {@code attn.q/k/v} tensors, whichever the names hold). Per-unit vectors of all layers (scores, keep flags) are laid
 * end to end in layer order: {@link #offset} and {@link #totalUnits}.
 *
 * <p>The criterion follows the official code (nvit-paper.md 1.3), by the slices' {@link org.nvit.models.structure.Role}:
 * a unit is scored on the slices that compute it (OUTPUT: its rows and biases, the patch filter); a head also on its
 * K rows; the embedding also on the input columns of every q/k/v and fc1. Norms, tokens, the classifier, K for QK,
 * proj columns for heads and V, and fc2 columns for MLP are zeroed and cut but not scored.
 */
public final class Structure {
    private final VitConfig cfg;
    private final List<PruningLayer> layers = new ArrayList<>();
    private final Map<PruningLayer, List<Coupling>> owned = new LinkedHashMap<>(), scored = new LinkedHashMap<>();
    private final Map<PruningLayer, Integer> units = new LinkedHashMap<>(), offsets = new LinkedHashMap<>();
    private final int total;

    /** The structure of a model, from its own layers. */
    public Structure(VisionTransformer model) { this(model.config(), model.couplings()); }

    /** The structure of a state dict of this config (the names say whether attention is fused). */
    public Structure(VitConfig cfg, Collection<String> paramNames) {
        this(cfg, tableFor(cfg, Set.copyOf(paramNames)));
    }

    private Structure(VitConfig cfg, CouplingTable table) {
        this.cfg = cfg;
        int at = 0;
        for (Dim d : table.dims()) {
            PruningLayer l = PruningLayer.of(d);
            layers.add(l);
            owned.put(l, table.of(d));
            scored.put(l, table.of(d).stream().filter(Structure::scores).toList());
            units.put(l, table.units(d));
            offsets.put(l, at);
            at += table.units(d);
        }
        this.total = at;
    }

    private static CouplingTable tableFor(VitConfig cfg, Set<String> names) {
        for (String req : new String[] {"patch_embed.proj.weight", "pos_embed", "cls_token"})
            if (!names.contains(req)) throw new IllegalArgumentException("model has no parameter '" + req + "': not a timm-style ViT");
        for (int b = 0; b < cfg.depth(); b++) {
            String p = "blocks." + b + ".attn.";
            if (!names.contains(p + "qkv.weight") && !names.contains(p + "q.weight"))
                throw new IllegalArgumentException("model has neither " + p + "qkv.weight nor " + p + "q.weight");
        }
        return VisionTransformer.couplings(cfg, b -> names.contains("blocks." + b + ".attn.qkv.weight")).restrictedTo(names);
    }

    /** The official code's criterion, by role (see the class comment). */
    static boolean scores(Coupling c) {
        return switch (c.role()) {
            case OUTPUT -> true;
            case KEY -> c.dim().kind() == Dim.Kind.HEAD;
            case INPUT -> c.dim().kind() == Dim.Kind.EMB;
            case CLASSIFIER, NORM, TOKEN -> false;
        };
    }

    public VitConfig config() { return cfg; }

    /** NViT's layer order: EMB, then per block HEAD, QK, V, MLP. */
    public List<PruningLayer> layers() { return layers; }

    /** Number of units of a layer at full size. */
    public int units(PruningLayer l) { return check(units.get(l), l); }

    /** Where the layer's units start in a vector over all layers' units. */
    public int offset(PruningLayer l) { return check(offsets.get(l), l); }

    /** The number of units of all layers together. */
    public int totalUnits() { return total; }

    /** The slices each unit of the layer owns: zeroed when it is pruned, cut out by the shrink. */
    public List<Coupling> couplings(PruningLayer l) { return check(owned.get(l), l); }

    /** The slices whose sum of w * dL/dw is the saliency of the layer's units. */
    public List<Coupling> criterion(PruningLayer l) { return check(scored.get(l), l); }

    private static <T> T check(T v, PruningLayer l) {
        if (v == null) throw new IllegalArgumentException("the model has no pruning layer " + l);
        return v;
    }
}
