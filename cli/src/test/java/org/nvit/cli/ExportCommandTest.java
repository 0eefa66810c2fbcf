package org.nvit.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.export.onnx.OnnxProto.ModelProto;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;
import org.nvit.weights.StateDicts;
import org.nvit.weights.WeightFiles;
import picocli.CommandLine;

/** {@code nvit export} and {@code nvit convert OUT.pth}: what they write, and how they refuse bad input. */
class ExportCommandTest {
    @TempDir Path dir;

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(new Nvit());
        cl.setExecutionExceptionHandler(new UserErrors());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return new Result(cl.execute(args), out.toString(), err.toString());
    }

    private static final VitConfig RAGGED = new VitConfig(28, 7, 1, 10, 24, false, 1e-6, null,
            List.of(new BlockSpec(2, 8, 12, 40), new BlockSpec(1, 8, 8, 16)), "avg");

    private Path checkpoint() throws Exception {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        Rng rng = new Rng(4);
        StateDicts.expectedShapes(RAGGED).forEach((k, s) -> sd.put(k, Tensor.randn(DType.F32, rng, 0.2, s)));
        Path p = dir.resolve("model.safetensors");
        WeightFiles.export(p, RAGGED, sd);
        return p;
    }

    private Set<String> files() throws Exception {
        try (var s = Files.list(dir)) { return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet()); }
    }

    @Test void exportsOnnxAndPthAndConvertWritesPth() throws Exception {
        Path ck = checkpoint();
        Path onnx = dir.resolve("model.onnx");
        Result r = run("export", "--checkpoint", ck.toString(), "--format", "onnx", "--output", onnx.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("ONNX opset 17") && r.out().contains("(ragged)"), r.out());
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(onnx));
        assertEquals(17, m.getOpsetImport(0).getVersion());
        assertEquals(RAGGED, VitConfig.fromJson(m.getMetadataProps(0).getValue()));

        Path pth = dir.resolve("model.pth");
        r = run("export", "--checkpoint", ck.toString(), "--format", "PTH", "--output", pth.toString());
        assertEquals(0, r.code(), r.err());
        Path converted = dir.resolve("converted.pth");
        r = run("convert", ck.toString(), converted.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, Tensor> want = WeightFiles.load(ck, null).stateDict();
        for (Path p : List.of(pth, converted)) {
            WeightFiles.Loaded back = WeightFiles.load(p, null);
            assertEquals(RAGGED, back.config(), p.toString());
            for (var e : want.entrySet())
                assertArrayEquals(e.getValue().toFloatArray(), back.stateDict().get(e.getKey()).toFloatArray(), e.getKey());
        }
        // and back: .pth -> safetensors keeps everything
        Path again = dir.resolve("again.safetensors");
        assertEquals(0, run("convert", converted.toString(), again.toString()).code());
        assertEquals(RAGGED, WeightFiles.load(again, null).config());
        r = run("info", converted.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("pytorch (nvit config)"), r.out());
    }

    /** One line on stderr, exit 2, and nothing written: not the output, not a temporary file. */
    private void refused(String mustContain, String... args) throws Exception {
        Set<String> before = files();
        Result r = run(args);
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().startsWith("nvit: error: ") && r.err().strip().lines().count() == 1, r.err());
        assertTrue(r.err().contains(mustContain), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        assertEquals(before, files(), "files appeared or vanished");
    }

    @Test void badInputIsOneLineAndWritesNothing() throws Exception {
        Path ck = checkpoint();
        String out = dir.resolve("out.onnx").toString();
        refused("nope.safetensors", "export", "--checkpoint", dir.resolve("nope.safetensors").toString(), "--format", "onnx", "--output", out);
        refused("use onnx or pth", "export", "--checkpoint", ck.toString(), "--format", "tflite", "--output", out);
        refused("does not exist", "export", "--checkpoint", ck.toString(), "--format", "onnx",
                "--output", dir.resolve("missing/out.onnx").toString());
        refused("is not a folder", "export", "--checkpoint", ck.toString(), "--format", "pth",
                "--output", ck.resolve("out.pth").toString());
        Files.createDirectory(dir.resolve("a-folder"));
        refused("is a folder", "export", "--checkpoint", ck.toString(), "--format", "onnx", "--output", dir.resolve("a-folder").toString());
        refused("same file", "export", "--checkpoint", ck.toString(), "--format", "pth", "--output", ck.toString());
        Path garbage = dir.resolve("garbage.pth");
        Files.writeString(garbage, "not a checkpoint");
        refused("neither a safetensors file nor a PyTorch zip", "export", "--checkpoint", garbage.toString(), "--format", "onnx", "--output", out);
        refused(".safetensors or .pth", "convert", ck.toString(), dir.resolve("x.bin").toString());
    }
}
