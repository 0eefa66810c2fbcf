package org.nvit.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.engine.Tensor;

class ExportTest {
    @TempDir Path dir;

    @Test void pthToSafetensorsKeepsEveryTensor() throws Exception {
        for (String f : List.of("tiny_timm.pth", "nvit_dense.pth", "nvit_sparse.pth")) {
            WeightFiles.Loaded m = WeightFiles.load(Fixtures.copy(f, dir), List.of(2));
            Path out = dir.resolve(f + ".safetensors");
            WeightFiles.export(out, m.config(), m.stateDict());
            WeightFiles.Loaded back = WeightFiles.load(out, null);   // config from metadata, no --heads needed
            assertEquals(m.config(), back.config(), f);
            Fixtures.assertSameTensors(m.stateDict(), back.stateDict());
            assertEquals(List.copyOf(m.stateDict().keySet()), List.copyOf(back.stateDict().keySet()), f);
            assertEquals("pt", back.extras().get("format"));
        }
    }

    @Test void uniformExportUsesTimmKeysUnchanged() throws Exception {
        Map<String, Tensor> timm = Safetensors.read(Fixtures.copy("tiny_timm.safetensors", dir)).tensors();
        WeightFiles.Loaded m = WeightFiles.load(Fixtures.copy("tiny_timm.pth", dir), List.of(2));
        Path out = dir.resolve("t.safetensors");
        WeightFiles.export(out, m.config(), m.stateDict());
        Map<String, Tensor> written = Safetensors.read(out).tensors();
        Fixtures.assertSameTensors(new java.util.TreeMap<>(timm), new java.util.TreeMap<>(written));
    }

    @Test void exportRefusesAStateDictThatDoesNotMatch() throws Exception {
        WeightFiles.Loaded m = WeightFiles.load(Fixtures.copy("tiny_timm.pth", dir), List.of(2));
        var sd = new java.util.LinkedHashMap<>(m.stateDict());
        sd.remove("head.bias");
        Path out = dir.resolve("bad.safetensors");
        assertThrows(IllegalArgumentException.class, () -> WeightFiles.export(out, m.config(), sd));
        assertEquals(false, java.nio.file.Files.exists(out));
    }
}
