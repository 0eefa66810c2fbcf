package org.nvit.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.engine.Tensor;
import org.nvit.export.onnx.OnnxProto.ModelProto;
import org.nvit.export.onnx.OnnxProto.NodeProto;
import org.nvit.export.onnx.OnnxProto.TensorProto;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.weights.WeightFiles;

/** The file's structure, read back with protobuf: what any ONNX runtime relies on, checked without one. */
class OnnxExportTest {
    @TempDir Path dir;

    @Test void headerInputsOutputsAndOps() throws Exception {
        VitConfig cfg = TestModels.prunedFashionMnist();
        VisionTransformer m = TestModels.randomModel(cfg, 5);
        Path file = dir.resolve("m.onnx");
        OnnxExport.write(file, cfg, m.stateDict());
        ModelProto p = ModelProto.parseFrom(Files.readAllBytes(file));
        assertEquals(8, p.getIrVersion());
        assertEquals(1, p.getOpsetImportCount());
        assertEquals("", p.getOpsetImport(0).getDomain());
        assertEquals(17, p.getOpsetImport(0).getVersion());
        assertEquals(cfg, VitConfig.fromJson(p.getMetadataProps(0).getValue()));
        assertEquals(WeightFiles.CONFIG_KEY, p.getMetadataProps(0).getKey());

        var g = p.getGraph();
        assertEquals(1, g.getInputCount());
        assertEquals("images", g.getInput(0).getName());
        var inDims = g.getInput(0).getType().getTensorType().getShape().getDimList();
        assertEquals("batch", inDims.get(0).getDimParam());
        assertEquals(1, inDims.get(1).getDimValue());
        assertEquals(28, inDims.get(2).getDimValue());
        assertEquals(1, g.getOutputCount());
        assertEquals("logits", g.getOutput(0).getName());
        var outDims = g.getOutput(0).getType().getTensorType().getShape().getDimList();
        assertEquals("batch", outDims.get(0).getDimParam());
        assertEquals(10, outDims.get(1).getDimValue());

        Set<String> ops = g.getNodeList().stream().map(NodeProto::getOpType).collect(Collectors.toSet());
        assertTrue(ops.contains("Erf") && ops.contains("LayerNormalization") && ops.contains("ReduceMean"), ops.toString());
        assertFalse(ops.contains("Gelu"), "Gelu is not an opset-17 operator");
        assertEquals(2 * cfg.depth() + 1, g.getNodeList().stream().filter(n -> n.getOpType().equals("LayerNormalization")).count());

        // topological order: every node input exists before the node
        Set<String> known = new HashSet<>();
        known.add("images");
        g.getInitializerList().forEach(t -> known.add(t.getName()));
        for (NodeProto n : g.getNodeList()) {
            for (String in : n.getInputList()) assertTrue(known.contains(in), n.getName() + " reads " + in + " before it exists");
            known.addAll(n.getOutputList());
        }
        assertTrue(known.contains("logits"));
    }

    @Test void everyWeightIsAnInitializerWithItsValues() throws Exception {
        VitConfig cfg = TestModels.raggedDistilled();
        VisionTransformer m = TestModels.randomModel(cfg, 9);
        ModelProto p = OnnxExport.model(cfg, m.stateDict());
        Map<String, TensorProto> inits = new LinkedHashMap<>();
        p.getGraph().getInitializerList().forEach(t -> inits.put(t.getName(), t));
        for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
            String k = e.getKey();
            boolean linearWeight = k.endsWith(".weight") && e.getValue().rank() == 2;
            TensorProto t = inits.get(linearWeight ? k + "_t" : k);
            assertTrue(t != null, "no initializer for " + k);
            assertEquals(TensorProto.DataType.FLOAT_VALUE, t.getDataType());
            float[] want = e.getValue().toFloatArray();
            var buf = t.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            assertEquals(want.length, buf.remaining(), k);
            if (!linearWeight) {
                for (int i = 0; i < want.length; i++) assertEquals(want[i], buf.get(i), k);
            } else {
                int rows = e.getValue().dim(0), cols = e.getValue().dim(1);
                assertEquals(java.util.List.of((long) cols, (long) rows), t.getDimsList(), k);
                for (int r = 0; r < rows; r++)
                    for (int c = 0; c < cols; c++) assertEquals(want[r * cols + c], buf.get(c * rows + r), k);
            }
        }
    }

    @Test void aStateDictThatDoesNotMatchTheConfigIsRefused() {
        VitConfig cfg = TestModels.uniform();
        Map<String, Tensor> sd = new LinkedHashMap<>(TestModels.randomModel(cfg, 1).stateDict());
        sd.remove("blocks.1.mlp.fc2.bias");
        var e = assertThrows(RuntimeException.class, () -> OnnxExport.model(cfg, sd));
        assertTrue(e.getMessage().contains("blocks.1.mlp.fc2.bias"), e.getMessage());
    }
}
