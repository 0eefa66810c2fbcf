package org.nvit.pruning;

import static org.junit.jupiter.api.Assertions.*;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;

class GlobalRankingTest {
    static final VitConfig CFG = VitConfig.uniform(8, 4, 2, 3, 16, 2, new BlockSpec(4, 8, 8, 16), false);

    /** A table linear in each dim: one unit of kind k saves exactly slope[k] per block. */
    static LatencyTable linearTable(double e, double h, double q, double v, double m) {
        int[] ax = {1, 64};
        double[] vals = new double[32];
        int i = 0;
        for (int a : ax) for (int b : ax) for (int c : ax) for (int d : ax) for (int f : ax)
            vals[i++] = 1 + e * a + h * b + q * c + v * d + m * f;
        return new LatencyTable(new LatencyTable.Data("nvit-lut-1", "test", "cpu", "test", "now", 1, CFG.numTokens(), "t",
                new LatencyTable.Grid(ax, ax, ax, ax, ax), vals, 0));
    }

    static PruningMasks masks() {
        return new PruningMasks(new Structure(CFG, RefForward.randomParams(CFG, 1, false).keySet()));
    }

    static Map<PruningLayer, double[]> constantScores(PruningMasks m, double value) {
        Map<PruningLayer, double[]> s = new HashMap<>();
        for (PruningLayer l : m.layers()) {
            double[] a = new double[m.structure().units(l)];
            java.util.Arrays.fill(a, value);
            s.put(l, a);
        }
        return s;
    }

    static Map<UnitKind, Integer> allSizes(int g) {
        Map<UnitKind, Integer> m = new EnumMap<>(UnitKind.class);
        for (UnitKind k : UnitKind.values()) m.put(k, g);
        return m;
    }

    @Test void latencySavingsComeFromTheTable() {
        PruningMasks m = masks();
        var s = new GlobalRanking(linearTable(1e-3, 2e-3, 3e-3, 4e-3, 5e-3), null, 2, 1).latencySavings(m);
        assertEquals(2 * 1e-3, s.get(PruningLayer.EMB), 1e-12);   // EMB sums over the 2 blocks
        assertEquals(2e-3, s.get(new PruningLayer(UnitKind.HEAD, 1)), 1e-12);
        assertEquals(5e-3, s.get(new PruningLayer(UnitKind.MLP, 0)), 1e-12);
    }

    @Test void withEqualImportanceTheLargerLatencySavingGoesFirst() {
        for (UnitKind fast : new UnitKind[] {UnitKind.MLP, UnitKind.V, UnitKind.QK, UnitKind.HEAD}) {
            double[] slope = new double[5];
            java.util.Arrays.fill(slope, 1e-4);
            slope[fast.ordinal()] = 1e-3;
            LatencyTable t = linearTable(slope[0], slope[1], slope[2], slope[3], slope[4]);
            PruningMasks m = masks();
            GlobalRanking r = new GlobalRanking(t, allSizes(2), 2, 1).withEta(1);
            List<GlobalRanking.Group> picked = r.select(m, constantScores(m, 1.0));
            assertEquals(2, picked.size());
            for (GlobalRanking.Group g : picked) assertEquals(fast, g.layer().kind(), "expected " + fast + " first, got " + picked);
            // and with eta = 0 the latency term is gone: lower importance wins regardless of latency
            Map<PruningLayer, double[]> s = constantScores(m, 1.0);
            s.get(PruningLayer.EMB)[3] = 0;
            s.get(PruningLayer.EMB)[9] = 0;
            List<GlobalRanking.Group> byImp = new GlobalRanking(t, allSizes(2), 1, 1).withEta(0).select(m, s);
            assertEquals(PruningLayer.EMB, byImp.get(0).layer());
            assertArrayEquals(new int[] {3, 9}, byImp.get(0).units());
        }
    }

    @Test void neverPrunesALayersLastGroup() {
        LatencyTable t = linearTable(1e-3, 1e-3, 1e-3, 1e-3, 1e-3);
        PruningMasks m = masks();
        GlobalRanking r = new GlobalRanking(t, null, 100, 1);
        for (int step = 0; step < 50; step++) {
            List<GlobalRanking.Group> g = r.select(m, constantScores(m, 1e-6));
            if (g.isEmpty()) break;
            GlobalRanking.prune(m, g);
        }
        assertTrue(r.select(m, constantScores(m, 1e-6)).isEmpty());
        // every layer keeps exactly one group (or all its units when smaller than one group)
        VitConfig c = m.currentConfig();
        assertEquals(16, c.embedDim());   // 16 units = one EMB group of 16
        for (BlockSpec b : c.blocks()) assertEquals(new BlockSpec(2, 8, 8, 16), b);
    }

    @Test void etaIsCalibratedAtTheFirstStep() {
        LatencyTable t = linearTable(1e-3, 1e-3, 1e-3, 1e-3, 2e-3);
        PruningMasks m = masks();
        GlobalRanking r = new GlobalRanking(t, allSizes(4), 1, 0.5);
        Map<PruningLayer, double[]> s = constantScores(m, 2.0);
        var cands = r.candidates(m, s, 0);
        double imp = cands.stream().mapToDouble(c -> Math.abs(c.importance())).average().orElseThrow();
        double lat = cands.stream().mapToDouble(GlobalRanking.Group::latencySaving).average().orElseThrow();
        r.select(m, s);
        assertEquals(0.5 * imp / lat, r.eta(), 1e-9 * r.eta());
    }

    @Test void theFloorKeepsTheRemainderGroupWhenGroupsDoNotDivideALayer() {
        GlobalRanking r = new GlobalRanking(PruneScheduleTest.table(), null, 2, 1.0);
        VitConfig c = new VitConfig(8, 4, 1, 3, 20, false, 1e-6, null, java.util.List.of(new BlockSpec(3, 12, 8, 40)));
        VitConfig f = r.floorConfig(c);
        assertEquals(4, f.embedDim());                           // 20 = 16 + 4: the 16 lowest go, 4 stay
        assertEquals(new BlockSpec(1, 4, 8, 8), f.blocks().get(0)); // heads 3 -> 1 (g 2), qk 12 -> 4, v 8 stays, mlp 40 -> 8
    }
}
