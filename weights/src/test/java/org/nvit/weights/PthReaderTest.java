package org.nvit.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.engine.Tensor;

class PthReaderTest {
    @TempDir Path dir;

    private static Map<String, Tensor> tensors(Map<String, Object> entries) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        entries.forEach((k, v) -> m.put(k, (Tensor) v));
        return m;
    }

    @Test void plainStateDictReadsToExpectedValues() throws Exception {
        Fixtures.assertMatches("tiny_timm.pth", tensors(PthReader.read(Fixtures.copy("tiny_timm.pth", dir))));
    }

    @Test void sharedStorageOffsetsAndStridesAreHonoured() throws Exception {
        Map<String, Tensor> t = tensors(PthReader.read(Fixtures.copy("shared.pth", dir)));
        Fixtures.assertMatches("shared.pth", t);
        Tensor base = t.get("base");
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 6; j++) {
                double v = i * 6 + j;
                assertEquals(v * 0.25 - 2.0, base.get(i, j));
                assertEquals(base.get(i, j), t.get("transposed").get(j, i));
                if (j % 2 == 0) assertEquals(base.get(i, j), t.get("stepped").get(i, j / 2));
            }
        assertEquals(base.get(2, 3), t.get("scalar").getFlat(0));
        assertEquals(0, t.get("scalar").rank());
    }

    @Test void otherDtypesAndProtocol4Decode() throws Exception {
        Map<String, Tensor> t = tensors(PthReader.read(Fixtures.copy("dtypes.pth", dir)));
        Fixtures.assertMatches("dtypes.pth", t);
        assertEquals(-3.0, t.get("i64").getFlat(0));
        assertEquals(1.0, t.get("flags").getFlat(0));
        assertEquals(0.0, t.get("flags").getFlat(1));
        assertEquals(2.5, t.get("zero_rank").getFlat(0));
        assertEquals(0, t.get("empty").numel());
    }

    @Test void parametersAreTensorsAndHugeIntegersAreRefused() throws Exception {
        Map<String, Tensor> t = tensors(PthReader.read(Fixtures.copy("param.pth", dir)));
        Fixtures.assertMatches("param.pth", t);
        assertEquals(-1.5, t.get("p").get(0, 0));
        Path big = Fixtures.copy("bigint.pth", dir);
        String m = assertThrows(WeightFileException.class, () -> PthReader.read(big)).getMessage();
        assertTrue(m.contains("1099511627776 is not exactly representable as float32"), m);
    }

    @Test void trainingCheckpointKeepsOtherEntriesAndTreatsNamespaceInertly() throws Exception {
        Map<String, Object> e = PthReader.read(Fixtures.copy("wrapped.pth", dir));
        assertEquals(List.of("model", "epoch", "args"), List.copyOf(e.keySet()));
        assertEquals(7L, e.get("epoch"));
        Unpickler.Opaque args = assertInstanceOf(Unpickler.Opaque.class, e.get("args"));
        assertEquals("argparse.Namespace", args.type);
        Map<?, ?> state = assertInstanceOf(Map.class, args.state);
        assertEquals("deit_tiny_distilled_patch16_224", state.get("model"));
        assertEquals(300L, state.get("epochs"));
        assertEquals(5e-4, state.get("lr"));
        Fixtures.assertMatches("wrapped.pth", StateDicts.unwrap(e));
    }

    @Test void forbiddenGlobalIsRefusedByName() throws Exception {
        Path p = Fixtures.copy("forbidden.pth", dir);
        WeightFileException ex = assertThrows(WeightFileException.class, () -> PthReader.read(p));
        assertTrue(ex.getMessage().matches(".*forbidden pickle global '(posix|os)\\.system'.*"), ex.getMessage());
        assertTrue(ex.getMessage().startsWith("forbidden.pth: "), ex.getMessage());
    }

    @Test void legacyFormatIsRefusedWithTheConversionCommand() throws Exception {
        Path p = Fixtures.copy("legacy.pth", dir);
        WeightFileException ex = assertThrows(WeightFileException.class, () -> PthReader.read(p));
        assertTrue(ex.getMessage().contains("legacy (pre-1.6)"), ex.getMessage());
        assertTrue(ex.getMessage().contains("torch.save(torch.load(f), g)"), ex.getMessage());
        assertThrows(WeightFileException.class, () -> WeightFiles.load(p, null));
    }

    @Test void notACheckpointIsRefused() throws Exception {
        Path p = dir.resolve("x.pth");
        java.nio.file.Files.writeString(p, "hello world, not a checkpoint");
        WeightFileException ex = assertThrows(WeightFileException.class, () -> PthReader.read(p));
        assertTrue(ex.getMessage().contains("not a PyTorch zip checkpoint"), ex.getMessage());
        assertThrows(WeightFileException.class, () -> WeightFiles.load(p, null));
    }
}
