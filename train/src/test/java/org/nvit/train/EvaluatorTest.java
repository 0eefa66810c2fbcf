package org.nvit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nvit.engine.Tensor;
import org.nvit.models.BlockSpec;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.data.AugmentConfig;
import org.nvit.data.DataLoader;
import org.nvit.data.DataSource;
import org.nvit.data.DataSources;

/** Accuracy that a broken model cannot fake: ties score chance, NaN and infinity score nothing. */
class EvaluatorTest {
    private static final int CLASSES = 10;

    private static Evaluator.Result evaluate(java.util.function.Function<Tensor, Tensor> predict) {
        DataSource src = DataSources.open("synthetic:400", 1, 28, CLASSES);
        try (DataLoader val = DataLoader.eval(src.val(), AugmentConfig.defaultsFor(src, 28), 16, 1)) {
            return Evaluator.evaluate(predict, val, 0);
        }
    }

    private static Tensor constant(Tensor images, float v) {
        Tensor t = Tensor.zeros(images.dim(0), CLASSES);
        java.util.Arrays.fill(t.floats(), v);
        return t;
    }

    @Test void aZeroedHeadScoresChanceNotAHundredPercent() {
        VitConfig cfg = new VitConfig(28, 7, 1, CLASSES, 32, false, 1e-6, null, List.of(new BlockSpec(2, 8, 8, 32)));
        VisionTransformer m = new VisionTransformer(cfg, 1);
        Map<String, Tensor> sd = m.stateDict();
        sd.put("head.weight", Tensor.zeros(CLASSES, 32));
        sd.put("head.bias", Tensor.zeros(CLASSES));
        m.loadStateDict(sd);
        Evaluator.Result r = evaluate(m::predict);
        assertEquals(1.0 / CLASSES, r.top1(), 1e-9);
        assertEquals(5.0 / CLASSES, r.top5(), 1e-9);
        assertTrue(r.finite());
        assertEquals(Math.log(CLASSES), r.loss(), 1e-5);
    }

    @Test void nonFiniteLogitsAreMissesAndTheLossSaysSo() {
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            Evaluator.Result r = evaluate(x -> constant(x, bad));
            assertEquals(0, r.top1(), String.valueOf(bad));
            assertEquals(0, r.top5());
            assertEquals(r.images(), r.nonFinite());
            assertFalse(r.finite());
            assertFalse(Double.isFinite(r.loss()));
        }
        // one NaN among finite logits spoils that row only (one row per batch of 16 here)
        Evaluator.Result one = evaluate(x -> {
            Tensor t = constant(x, 0);
            t.floats()[3] = Float.NaN;
            return t;
        });
        assertEquals((one.images() + 15) / 16, one.nonFinite());
        assertEquals((1.0 - one.nonFinite() / (double) one.images()) / CLASSES, one.top1(), 1e-9);
        assertFalse(one.finite());
    }

    @Test void tiesShareTheirPlaces() {
        Tensor row = Tensor.of(new float[] {5, 5, 5, 1, 9}, 1, 5);
        assertEquals(0, Evaluator.topKCredit(row, 0, 0, 1), "9 is higher: not top-1");
        assertEquals(2 / 3.0, Evaluator.topKCredit(row, 0, 0, 3), 1e-12, "three tied for places 2-4, two within top-3");
        assertEquals(1, Evaluator.topKCredit(row, 0, 4, 1));
        assertEquals(0.5, Evaluator.topKCredit(Tensor.of(new float[] {2, 2, 0}, 1, 3), 0, 1, 1));
        assertEquals(1, Evaluator.topKCredit(Tensor.of(new float[] {2, 2, 0}, 1, 3), 0, 1, 2));
    }
}
