package org.nvit.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.engine.Tensor;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;

/** NViT and timm checkpoints mapped to our names, checked against torch's own mapping (the *_expected files). */
class MappingTest {
    @TempDir Path dir;

    @Test void nvitDenseCheckpointMapsToTorchComputedLayout() throws Exception {
        WeightFiles.Loaded m = WeightFiles.load(Fixtures.copy("nvit_dense.pth", dir), null);
        Map<String, Tensor> want = Safetensors.read(Fixtures.copy("nvit_dense_expected.safetensors", dir)).tensors();
        Fixtures.assertSameTensors(new java.util.TreeMap<>(want), new java.util.TreeMap<>(m.stateDict()));
        VitConfig c = m.config();
        assertEquals(List.of(new BlockSpec(2, 4, 6, 24), new BlockSpec(1, 8, 8, 8)), c.blocks());
        assertEquals(16, c.embedDim());
        assertEquals(4, c.imageSize());
        assertEquals(2, c.patchSize());
        assertEquals(3, c.numClasses());
        assertTrue(c.distilled());
        assertEquals(0.125, c.attnScale());
        assertEquals(299L, m.extras().get("epoch"));
        assertTrue(m.extras().containsKey("dim") && m.extras().containsKey("args") && !m.extras().containsKey("model"));
        assertEquals("pytorch (nvit)", m.format());
    }

    @Test void nvitSparseCheckpointFoldsHeadMaskAndConcatenatesHeads() throws Exception {
        WeightFiles.Loaded m = WeightFiles.load(Fixtures.copy("nvit_sparse.pth", dir), List.of(2));
        Map<String, Tensor> want = Safetensors.read(Fixtures.copy("nvit_sparse_expected.safetensors", dir)).tensors();
        Map<String, Tensor> got = m.stateDict();
        assertEquals(want.keySet(), new java.util.HashSet<>(got.keySet()));
        for (String k : want.keySet()) {
            float[] a = want.get(k).toFloatArray(), b = got.get(k).toFloatArray();
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-6 * (1 + Math.abs(a[i])), k + "[" + i + "]");
        }
        assertEquals(List.of(new BlockSpec(2, 4, 4, 12), new BlockSpec(2, 4, 4, 12)), m.config().blocks());
    }

    @Test void timmCheckpointsInAnyContainerGiveTheSameModel() throws Exception {
        WeightFiles.Loaded plain = WeightFiles.load(Fixtures.copy("tiny_timm.pth", dir), List.of(2));
        WeightFiles.Loaded wrapped = WeightFiles.load(Fixtures.copy("wrapped.pth", dir), List.of(2));
        WeightFiles.Loaded st = WeightFiles.load(Fixtures.copy("tiny_timm.safetensors", dir), List.of(2));
        Fixtures.assertSameTensors(plain.stateDict(), wrapped.stateDict());
        Fixtures.assertSameTensors(plain.stateDict(), st.stateDict());
        assertEquals(plain.config(), wrapped.config());
        assertEquals(plain.config(), st.config());
        VitConfig c = plain.config();
        assertTrue(c.isUniform());
        assertEquals(new BlockSpec(2, 4, 4, 16), c.blocks().getFirst());
        assertEquals(2, c.depth());
        assertNull(c.attnScale());
        assertEquals(Map.of("epoch", 7L), Map.of("epoch", wrapped.extras().get("epoch")));
    }

    @Test void headCountsComeFromArgumentsOrDefaultTo64Wide() throws Exception {
        Map<String, Tensor> sd = Safetensors.read(Fixtures.copy("tiny_timm.safetensors", dir)).tensors();
        var noHeads = assertThrows(IllegalArgumentException.class, () -> ConfigInference.infer(sd, null, null, null));
        assertTrue(noHeads.getMessage().contains("--heads"), noHeads.getMessage());
        assertEquals(List.of(new BlockSpec(1, 8, 8, 16), new BlockSpec(4, 2, 2, 16)),
                ConfigInference.infer(sd, List.of(1, 4), null, null).blocks());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ConfigInference.infer(sd, List.of(3), null, null))
                .getMessage().contains("do not divide"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ConfigInference.infer(sd, List.of(1, 2, 4), null, null))
                .getMessage().contains("3 head counts given for 2 blocks"));
        VitConfig deit = VitConfig.uniform(32, 16, 3, 10, 128, 1, BlockSpec.deit(128), false);
        Map<String, Tensor> zeros = new LinkedHashMap<>();
        StateDicts.expectedShapes(deit).forEach((k, s) -> zeros.put(k, Tensor.zeros(s)));
        assertEquals(deit, ConfigInference.infer(zeros, null, null, null));
    }

    @Test void shapeMismatchesNameTheKey() throws Exception {
        Map<String, Tensor> sd = new LinkedHashMap<>(Safetensors.read(Fixtures.copy("tiny_timm.safetensors", dir)).tensors());
        sd.put("blocks.1.mlp.fc2.weight", Tensor.zeros(8, 17));
        var e = assertThrows(IllegalArgumentException.class, () -> ConfigInference.infer(sd, List.of(2), null, null));
        assertTrue(e.getMessage().contains("'blocks.1.mlp.fc2.weight' has shape [8, 17], the config needs [8, 16]"), e.getMessage());
        sd.remove("blocks.1.mlp.fc2.weight");
        sd.put("extra.thing", Tensor.zeros(1));
        e = assertThrows(IllegalArgumentException.class, () -> ConfigInference.infer(sd, List.of(2), null, null));
        assertTrue(e.getMessage().contains("missing 'blocks.1.mlp.fc2.weight'") && e.getMessage().contains("and 1 more"), e.getMessage());
    }

    @Test void tokenMaskOtherThanOnesIsRefused() {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        sd.put("blocks.0.attn.qkv.Q.weight", Tensor.zeros(4, 4));
        sd.put("blocks.0.attn.qkv.token_mask", Tensor.of(new float[] {1, 0.5f}, 2, 1));
        var e = assertThrows(IllegalArgumentException.class, () -> StateDicts.toOurNames(sd, 3));
        assertTrue(e.getMessage().contains("token_mask' is not all ones"), e.getMessage());
    }

    @Test void ddpPrefixAndStateDictContainerAreUnwrapped() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("module.a", Tensor.zeros(1));
        inner.put("module.b", Tensor.zeros(2));
        Map<String, Object> top = new LinkedHashMap<>();
        top.put("state_dict", inner);
        top.put("epoch", 3L);
        assertEquals(List.of("a", "b"), List.copyOf(StateDicts.unwrap(top).keySet()));
        var e = assertThrows(IllegalArgumentException.class, () -> StateDicts.unwrap(Map.of("x", 1L)));
        assertTrue(e.getMessage().contains("'x'"), e.getMessage());
    }
}
