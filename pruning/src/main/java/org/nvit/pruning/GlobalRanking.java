package org.nvit.pruning;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;

/**
 * NViT's latency-aware global ranking (nvit-paper.md 2.3 and 3.1). Each alive unit scores
 * {@code importance - eta * deltaLat(layer)}, where deltaLat is the table latency saved by removing ONE unit of that
 * layer at the current dims. Inside a layer units are sorted ascending and cut into groups of the kind's group size;
 * a group scores the sum of its members. Groups of all layers are ranked together and the {@code perStep} lowest are
 * pruned. A layer's highest-scoring group is never a candidate, so no layer is ever emptied.
 *
 * <p>eta: the table is in seconds per batch while importance has arbitrary units, so a fixed eta (the code's 5e-4)
 * means nothing across models, tables and data. Unless set explicitly, eta is calibrated once, at the first pruning
 * step: eta = latencyReg * mean|group importance| / mean(group latency saving) over that step's candidate groups, so
 * at latencyReg = 1 the latency term of an average group equals its average importance. It then stays fixed, like
 * the paper's constant.
 */
public final class GlobalRanking {
    /** A group of units of one layer with its (latency-regularised) score and latency saving. */
    public record Group(PruningLayer layer, int[] units, double score, double importance, double latencySaving) {
        @Override public String toString() { return layer + Arrays.toString(units) + " score=" + score; }
    }

    private final LatencyTable table;
    private final Map<UnitKind, Integer> groupSizes;
    private final int perStep;
    private final double latencyReg;
    private double eta = Double.NaN;

    public GlobalRanking(LatencyTable table, Map<UnitKind, Integer> groupSizes, int perStep, double latencyReg) {
        if (perStep < 1) throw new IllegalArgumentException("--per-step must be >= 1 (got " + perStep + ")");
        if (!(latencyReg >= 0)) throw new IllegalArgumentException("--latency-reg must be >= 0 (got " + latencyReg + ")");
        this.table = table;
        this.groupSizes = new EnumMap<>(UnitKind.class);
        for (UnitKind k : UnitKind.values()) {
            int g = groupSizes == null ? k.defaultGroupSize : groupSizes.getOrDefault(k, k.defaultGroupSize);
            if (g < 1) throw new IllegalArgumentException("group size of " + k + " must be >= 1 (got " + g + ")");
            this.groupSizes.put(k, g);
        }
        this.perStep = perStep;
        this.latencyReg = latencyReg;
    }

    public static Map<UnitKind, Integer> defaultGroupSizes() {
        Map<UnitKind, Integer> m = new EnumMap<>(UnitKind.class);
        for (UnitKind k : UnitKind.values()) m.put(k, k.defaultGroupSize);
        return m;
    }

    /** Fixes eta instead of calibrating it at the first step. */
    public GlobalRanking withEta(double eta) {
        this.eta = eta;
        return this;
    }

    /** The latency coefficient (NaN until the first {@link #select}). */
    public double eta() { return eta; }

    public int groupSize(UnitKind k) { return groupSizes.get(k); }

    /**
     * The smallest config pruning can reach: every layer down to its last group (never emptied). Its table latency is
     * the floor of any target; a model whose time is dominated by per-op overheads at the table's batch has a high one.
     * Groups are cut from the lowest-scoring units up and the highest-scoring group is never a candidate, so a layer of
     * d units keeps ((d - 1) mod g) + 1: its last group is the remainder when g does not divide d, not a full group.
     */
    public VitConfig floorConfig(VitConfig cfg) {
        List<BlockSpec> blocks = new ArrayList<>();
        for (BlockSpec b : cfg.blocks())
            blocks.add(new BlockSpec(lastGroup(b.heads(), UnitKind.HEAD), lastGroup(b.qkDim(), UnitKind.QK),
                    lastGroup(b.vDim(), UnitKind.V), lastGroup(b.mlpDim(), UnitKind.MLP)));
        return cfg.withBlocks(blocks).withEmbedDim(lastGroup(cfg.embedDim(), UnitKind.EMB));
    }

    private int lastGroup(int units, UnitKind k) { return (units - 1) % groupSize(k) + 1; }

    /** Table latency saved by removing one unit of each layer at the masks' current dims (clamped at 0 against noise). */
    public Map<PruningLayer, Double> latencySavings(PruningMasks masks) {
        VitConfig c = masks.currentConfig();
        int e = c.embedDim();
        Map<PruningLayer, Double> out = new LinkedHashMap<>();
        double emb = 0;
        for (int b = 0; b < c.depth(); b++) {
            BlockSpec s = c.blocks().get(b);
            double now = table.block(e, s.heads(), s.qkDim(), s.vDim(), s.mlpDim());
            emb += now - table.block(e - 1, s.heads(), s.qkDim(), s.vDim(), s.mlpDim());
            out.put(new PruningLayer(UnitKind.HEAD, b), Math.max(0, now - table.block(e, s.heads() - 1, s.qkDim(), s.vDim(), s.mlpDim())));
            out.put(new PruningLayer(UnitKind.QK, b), Math.max(0, now - table.block(e, s.heads(), s.qkDim() - 1, s.vDim(), s.mlpDim())));
            out.put(new PruningLayer(UnitKind.V, b), Math.max(0, now - table.block(e, s.heads(), s.qkDim(), s.vDim() - 1, s.mlpDim())));
            out.put(new PruningLayer(UnitKind.MLP, b), Math.max(0, now - table.block(e, s.heads(), s.qkDim(), s.vDim(), s.mlpDim() - 1)));
        }
        out.put(PruningLayer.EMB, Math.max(0, emb));
        return out;
    }

    /** Every candidate group (all but each layer's top group), with the latency term at coefficient eta. */
    public List<Group> candidates(PruningMasks masks, Map<PruningLayer, double[]> scores, double eta) {
        Map<PruningLayer, Double> saving = latencySavings(masks);
        List<Group> out = new ArrayList<>();
        for (PruningLayer l : masks.layers()) {
            double[] s = scores.get(l);
            if (s == null) throw new IllegalArgumentException("no importance scores for layer " + l);
            double dLat = saving.get(l);
            List<Integer> alive = new ArrayList<>();
            for (int u = 0; u < s.length; u++) if (masks.kept(l, u)) alive.add(u);
            alive.sort(Comparator.comparingDouble((Integer u) -> s[u]).thenComparingInt(u -> u));
            int g = groupSizes.get(l.kind());
            int groups = (alive.size() + g - 1) / g;
            for (int k = 0; k < groups - 1; k++) {
                int[] units = new int[g];
                double imp = 0;
                for (int j = 0; j < g; j++) {
                    units[j] = alive.get(k * g + j);
                    imp += s[units[j]];
                }
                double lat = g * dLat;
                out.add(new Group(l, units, imp - eta * lat, imp, lat));
            }
        }
        return out;
    }

    /**
     * One pruning step: ranks every candidate group globally and returns the {@code perStep} lowest (fewer when
     * fewer candidates exist). Calibrates eta on the first call unless it was fixed. Does not change the masks.
     */
    public List<Group> select(PruningMasks masks, Map<PruningLayer, double[]> scores) {
        if (Double.isNaN(eta)) eta = calibrate(candidates(masks, scores, 0));
        List<Group> all = new ArrayList<>(candidates(masks, scores, eta));
        all.sort(Comparator.comparingDouble(Group::score));
        return List.copyOf(all.subList(0, Math.min(perStep, all.size())));
    }

    private double calibrate(List<Group> groups) {
        double imp = 0, lat = 0;
        for (Group g : groups) {
            imp += Math.abs(g.importance());
            lat += g.latencySaving();
        }
        return lat > 0 && imp > 0 ? latencyReg * imp / lat : 0;
    }

    /** Applies selected groups to the masks. */
    public static void prune(PruningMasks masks, List<Group> groups) {
        for (Group g : groups) masks.prune(g.layer(), g.units());
    }
}
