package org.nvit.pruning;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nvit.engine.Tensor;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;

/** The saliency formula against hand-written sums on a tiny model (fused qkv in block 0, separate in block 1). */
class ImportanceTest {
    static final VitConfig CFG = new VitConfig(8, 4, 2, 3, 8, true, 1e-6, null,
            List.of(new BlockSpec(2, 4, 4, 8), new BlockSpec(2, 4, 2, 8)));

    final Map<String, Tensor> w = RefForward.randomParams(CFG, 1, false);
    final Map<String, Tensor> g = RefForward.randomParams(CFG, 2, false);
    final PruningMasks masks = new PruningMasks(new Structure(CFG, w.keySet()));

    double wg(String name, long i) { return w.get(name).getFlat(i) * g.get(name).getFlat(i); }

    double row(String name, int r) {
        int cols = w.get(name).dim(1);
        double s = 0;
        for (int i = 0; i < cols; i++) s += wg(name, (long) r * cols + i);
        return s;
    }

    double col(String name, int c) {
        Tensor t = w.get(name);
        double s = 0;
        for (int r = 0; r < t.dim(0); r++) s += wg(name, (long) r * t.dim(1) + c);
        return s;
    }

    double hand(PruningLayer l, int u) {
        switch (l.kind()) {
            case MLP -> { return row("blocks.1.mlp.fc1.weight", u) + wg("blocks.1.mlp.fc1.bias", u); }
            case QK -> {   // block 0, fused rows q = h * 4 + d, Q only
                double s = 0;
                for (int h = 0; h < 2; h++) s += row("blocks.0.attn.qkv.weight", h * 4 + u) + wg("blocks.0.attn.qkv.bias", h * 4 + u);
                return s / 2;
            }
            case V -> {    // block 1, separate v rows h * 2 + d
                double s = 0;
                for (int h = 0; h < 2; h++) s += row("blocks.1.attn.v.weight", h * 2 + u) + wg("blocks.1.attn.v.bias", h * 2 + u);
                return s / 2;
            }
            case HEAD -> { // block 0: q, k, v rows of head u in the fused tensor (q at 0, k at 8, v at 16)
                double s = 0;
                for (int off : new int[] {0, 8, 16})
                    for (int d = 0; d < 4; d++) s += row("blocks.0.attn.qkv.weight", off + u * 4 + d) + wg("blocks.0.attn.qkv.bias", off + u * 4 + d);
                return s / 12;
            }
            case EMB -> {
                int pr = 2 * 4 * 4;
                double s = wg("patch_embed.proj.bias", u);
                for (int i = 0; i < pr; i++) s += wg("patch_embed.proj.weight", (long) u * pr + i);
                for (int b = 0; b < 2; b++) {
                    String p = "blocks." + b + ".";
                    s += row(p + "attn.proj.weight", u) + wg(p + "attn.proj.bias", u);
                    s += row(p + "mlp.fc2.weight", u) + wg(p + "mlp.fc2.bias", u);
                    s += col(p + "mlp.fc1.weight", u);
                    if (b == 0) s += col(p + "attn.qkv.weight", u);
                    else for (String n : new String[] {"q", "k", "v"}) s += col(p + "attn." + n + ".weight", u);
                }
                return s / 12;
            }
        }
        throw new AssertionError();
    }

    @Test void taylorScoreIsSquaredScaledGroupSum() {
        Importance imp = new TaylorImportance();
        imp.accumulate(masks, w, g);
        Map<PruningLayer, double[]> s = imp.scores(masks);
        PruningLayer[] ls = {PruningLayer.EMB, new PruningLayer(UnitKind.HEAD, 0), new PruningLayer(UnitKind.QK, 0),
                new PruningLayer(UnitKind.V, 1), new PruningLayer(UnitKind.MLP, 1)};
        for (PruningLayer l : ls)
            for (int u = 0; u < s.get(l).length; u++) {
                double c = hand(l, u);
                assertEquals(c * c, s.get(l)[u], 1e-12 * Math.max(1, c * c), l + " unit " + u);
            }
    }

    @Test void firstOrderAndMagnitude() {
        Importance fo = new FirstOrderTaylor();
        fo.accumulate(masks, w, g);
        PruningLayer mlp = new PruningLayer(UnitKind.MLP, 1);
        assertEquals(Math.abs(hand(mlp, 3)), fo.scores(masks).get(mlp)[3], 1e-12);
        Importance mag = new Magnitude();
        mag.accumulate(masks, w, Map.of());
        double want = 0;
        for (int i = 0; i < 8; i++) want += Math.pow(w.get("blocks.1.mlp.fc1.weight").getFlat(3 * 8 + i), 2);
        want += Math.pow(w.get("blocks.1.mlp.fc1.bias").getFlat(3), 2);
        assertEquals(want, mag.scores(masks).get(mlp)[3], 1e-12);
    }

    @Test void meanOverIntervalThenBiasCorrectedMomentum() {
        Importance imp = new TaylorImportance();
        PruningLayer mlp = new PruningLayer(UnitKind.MLP, 1);
        double a = hand(mlp, 0);
        imp.accumulate(masks, w, g);
        // second batch: gradients doubled -> c doubles
        Map<String, Tensor> g2 = new java.util.HashMap<>();
        g.forEach((k, v) -> {
            Tensor t = v.copy();
            for (long i = 0; i < t.numel(); i++) t.setFlat(i, 2 * t.getFlat(i));
            g2.put(k, t);
        });
        imp.accumulate(masks, w, g2);
        double first = (a * a + 4 * a * a) / 2;
        assertEquals(first, imp.scores(masks).get(mlp)[0], 1e-12 * first);   // bias correction: exactly the mean
        imp.accumulate(masks, w, g2);
        double second = (0.9 * 0.1 * first + 0.1 * 4 * a * a) / (1 - 0.81);
        assertEquals(second, imp.scores(masks).get(mlp)[0], 1e-12 * second);
    }

    @Test void prunedUnitsScoreZero() {
        PruningLayer mlp = new PruningLayer(UnitKind.MLP, 0);
        masks.prune(mlp, 2, 5);
        masks.apply(w);
        Importance imp = new TaylorImportance();
        imp.accumulate(masks, w, g);
        double[] s = imp.scores(masks).get(mlp);
        assertEquals(0, s[2]);
        assertEquals(0, s[5]);
        assertTrue(s[0] > 0);
    }
}
