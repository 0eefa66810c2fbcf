package org.nvit.pruning;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.models.BlockSpec;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;

/** On the real model: the masked model's logits (its norms over the alive channels) == the shrunk dense model's. */
class ModelShrinkTest {
    static VitConfig cfg(boolean distilled) {
        return new VitConfig(8, 4, 2, 5, 32, distilled, 1e-6, null,
                List.of(new BlockSpec(4, 8, 8, 32), new BlockSpec(2, 8, 4, 48)));
    }

    static void assertClose(Tensor want, Tensor got, double rel) {
        assertArrayEquals(want.shape(), got.shape());
        double max = 0, err = 0;
        for (long i = 0; i < want.numel(); i++) {
            max = Math.max(max, Math.abs(want.getFlat(i)));
            err = Math.max(err, Math.abs(want.getFlat(i) - got.getFlat(i)));
        }
        assertTrue(err <= rel * max, "max error " + err + " > " + rel + " * " + max);
    }

    @Test void anAllKeptMaskChangesNothingAndTheModelMatchesTheReference() {
        for (VitConfig c : new VitConfig[] {cfg(true), cfg(false).withGlobalPool("avg")}) {
            VisionTransformer m = new VisionTransformer(c, 3, DType.F64);
            Tensor img = Tensor.randn(DType.F64, new Rng(1), 1, 2, 2, 8, 8);
            Tensor plain = m.predict(img);
            PruningMasks none = new PruningMasks(new Structure(m));
            m.setEmbedMask(none.keepVector(m.stateDict().get("pos_embed"), PruningLayer.EMB));
            assertClose(plain, m.predict(img), 1e-12);
            m.setEmbedMask(null);
            // the model itself against the independent double-precision reference
            double[][] ref = RefForward.logits(c, m.stateDict(), img);
            Tensor got = m.predict(img);
            for (int b = 0; b < ref.length; b++)
                for (int k = 0; k < ref[b].length; k++) assertEquals(ref[b][k], got.get(b, k), 1e-10, c.avgPool() + " logit " + b + "," + k);
        }
    }

    @Test void shrunkModelMatchesMaskedModel() {
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            for (boolean distilled : new boolean[] {true, false}) {
                VisionTransformer m = new VisionTransformer(cfg(distilled), 11, dt);
                // non-trivial norms so that a wrong LN statistic would show
                for (var e : m.parameters().entrySet())
                    if (e.getKey().contains("norm")) e.getValue().setValue(Tensor.randn(dt, new Rng(e.getKey().hashCode()), 1, e.getValue().shape()));
                PruningMasks masks = new PruningMasks(new Structure(m));
                masks.prune(PruningLayer.EMB, 1, 2, 3, 20);
                masks.prune(new PruningLayer(UnitKind.HEAD, 0), 2);
                masks.prune(new PruningLayer(UnitKind.QK, 0), 0, 5);
                masks.prune(new PruningLayer(UnitKind.V, 1), 3);
                masks.prune(new PruningLayer(UnitKind.MLP, 1), 0, 9, 40);
                masks.apply(m.stateDict());
                m.setEmbedMask(masks.keepVector(m.stateDict().get("pos_embed"), PruningLayer.EMB));
                Tensor img = Tensor.randn(dt, new Rng(2), 1, 3, 2, 8, 8);
                Tensor want = m.predict(img);

                Shrink.Result r = Shrink.apply(masks, m.stateDict());
                VisionTransformer small = new VisionTransformer(r.config(), 0, dt);
                small.loadStateDict(r.stateDict());
                assertEquals(new BlockSpec(3, 6, 8, 32), r.config().blocks().get(0));
                assertEquals(new BlockSpec(2, 8, 3, 45), r.config().blocks().get(1));
                // F64 bound: the LN eps reaches the backend as a float, so eps * A / E carries a ~1e-8 relative rounding
                assertClose(want, small.predict(img), dt == DType.F64 ? 1e-7 : 1e-5);
                // the plain-LN model on the same masked weights is NOT equivalent (why the norms take the mask)
                m.setEmbedMask(null);
                Tensor plain = m.predict(img);
                double diff = 0;
                for (long i = 0; i < want.numel(); i++) diff = Math.max(diff, Math.abs(plain.getFlat(i) - want.getFlat(i)));
                assertTrue(diff > 1e-4, "plain LN unexpectedly matched");
            }
        }
    }
}
