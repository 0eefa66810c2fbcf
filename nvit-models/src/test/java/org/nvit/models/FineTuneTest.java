package org.nvit.models;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nvit.engine.DType;
import org.nvit.engine.Tensor;

/** Fine-tuning's weight adaptation: DeiT's bicubic position-embedding resampling against PyTorch, and the new head. */
class FineTuneTest {
    @Test void posEmbedResamplingMatchesPyTorchUpAndDown() throws Exception {
        FixtureFile fx = new FixtureFile("/model-fixtures/posembed_bicubic.safetensors");
        Tensor pos = fx.get("pos");
        for (int[] c : new int[][] {{6, 0}, {3, 1}}) {
            Tensor want = fx.get(c[0] == 6 ? "to6" : "to3"), got = FineTune.resamplePosEmbed(pos, 1, 4, c[0]);
            assertArrayEquals(want.shape(), got.shape());
            for (long i = 0; i < want.numel(); i++)
                assertEquals(want.getFlat(i), got.getFlat(i), 1e-12, "grid " + c[0] + " element " + i);
        }
        // the same grid is the identity
        Tensor same = FineTune.resamplePosEmbed(pos, 1, 4, 4);
        for (long i = 0; i < pos.numel(); i++) assertEquals(pos.getFlat(i), same.getFlat(i), 1e-12);
    }

    @Test void aNewClassCountGetsAFreshHeadAndANewSizeAResampledGrid() {
        VitConfig src = new VitConfig(28, 7, 1, 10, 16, true, 1e-6, null, List.of(new BlockSpec(2, 8, 8, 32)));
        Map<String, Tensor> sd = new LinkedHashMap<>(new VisionTransformer(src, 1).stateDict());
        FineTune.Adapted a = FineTune.adapt(src, sd, 5, 35);
        assertEquals(5, a.config().numClasses());
        assertEquals(35, a.config().imageSize());
        assertEquals(java.util.Set.of("head.weight", "head.bias", "head_dist.weight", "head_dist.bias"), a.fresh());
        assertArrayEquals(new int[] {1, 2 + 25, 16}, a.weights().get("pos_embed").shape());
        assertEquals(2, a.notes().size());
        VisionTransformer m = new VisionTransformer(a.config(), 7);
        Tensor freshHead = m.stateDict().get("head.weight").copy();
        m.loadStateDict(a.weights(), a.fresh());
        assertEquals(freshHead.getFlat(3), m.stateDict().get("head.weight").getFlat(3));
        assertEquals(sd.get("blocks.0.mlp.fc1.weight").getFlat(5), m.stateDict().get("blocks.0.mlp.fc1.weight").getFlat(5));
        // the dist token's and cls token's rows of pos_embed are kept as they were
        for (int j = 0; j < 32; j++) assertEquals(sd.get("pos_embed").getFlat(j), a.weights().get("pos_embed").getFlat(j));
        var e = assertThrows(IllegalArgumentException.class, () -> FineTune.adapt(src, sd, 5, 30));
        assertTrue(e.getMessage().contains("not a multiple of the model's patch size 7"), e.getMessage());
        // the same task: nothing changes
        assertTrue(FineTune.adapt(src, sd, 10, 28).fresh().isEmpty());
        assertTrue(FineTune.adapt(src, sd, 10, 28).notes().isEmpty());
        assertEquals(DType.F32, a.weights().get("pos_embed").dtype());
    }
}
