package org.nvit.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.models.BlockSpec;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.weights.Safetensors;
import org.nvit.weights.WeightFiles;
import picocli.CommandLine;

class ModelCommandsTest {
    @TempDir Path dir;

    private record Result(int code, String out, String err) {}

    /** Runs the CLI capturing System.out and picocli's out (the commands print with one or the other) and err. */
    private static Result run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new Nvit());
        cl.setExecutionExceptionHandler(new UserErrors());
        cl.setErr(new PrintWriter(err));
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = Nvit.execute(cl, args);
            return new Result(code, buf.toString(StandardCharsets.UTF_8) + out, err.toString());
        } finally {
            System.setOut(old);
        }
    }

    static final VitConfig RAGGED = new VitConfig(8, 4, 3, 5, 16, true, 1e-6, null,
            List.of(new BlockSpec(2, 8, 8, 32), new BlockSpec(3, 4, 6, 20)));

    @Test void inferWritesTheModelsLogits() throws Exception {
        VisionTransformer m = new VisionTransformer(RAGGED, 4);
        Path ck = dir.resolve("m.safetensors");
        WeightFiles.export(ck, RAGGED, m.stateDict());
        Tensor images = Tensor.randn(DType.F32, new Rng(1), 1, 5, 3, 8, 8);
        Path in = dir.resolve("in.safetensors"), out = dir.resolve("out.safetensors");
        Safetensors.write(in, Map.of("images", images), Map.of());
        Result r = run("infer", "--checkpoint", ck.toString(), "--input", in.toString(), "--output", out.toString(), "--batch", "2");
        assertEquals(0, r.code(), r.err());
        Map<String, Tensor> got = Safetensors.read(out).tensors();
        Tensor expect = m.predict(images);
        assertArrayEquals(new int[] {5, 5}, got.get("logits").shape());
        for (long i = 0; i < expect.numel(); i++) {
            assertEquals(expect.getFlat(i), got.get("logits").getFlat(i), 1e-5);
            assertEquals(expect.getFlat(i), 0.5 * (got.get("logits_cls").getFlat(i) + got.get("logits_dist").getFlat(i)), 1e-5);
        }
    }

    @Test void inferRejectsWrongImageShapeInOneLine() throws Exception {
        Path ck = dir.resolve("m.safetensors");
        WeightFiles.export(ck, RAGGED, new VisionTransformer(RAGGED, 4).stateDict());
        Path in = dir.resolve("in.safetensors");
        Safetensors.write(in, Map.of("images", Tensor.zeros(2, 1, 8, 8)), Map.of());
        Result r = run("infer", "--checkpoint", ck.toString(), "--input", in.toString(), "--output", dir.resolve("o").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("[2, 1, 8, 8]") && r.err().lines().count() == 1, r.err());
        assertFalse(Files.exists(dir.resolve("o")));
    }

    @Test void benchModelPrintsJson() throws Exception {
        Path cfg = dir.resolve("tiny.json");
        Files.writeString(cfg, RAGGED.toJson());
        for (String mode : new String[] {"infer", "train"}) {
            Result r = run("bench", "model", "--config", cfg.toString(), "--batch", "4", "--mode", mode,
                    "--warmup", "1", "--repeats", "2", "--json");
            assertEquals(0, r.code(), r.err());
            String last = r.out().strip().lines().reduce((a, b) -> b).orElse("");
            var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(last);
            assertTrue(node.has("images_per_s") && node.get("images_per_s").asDouble() > 0, "out: " + r.out() + " err: " + r.err());
            assertEquals(mode, node.get("mode").asText());
        }
        Result bad = run("bench", "model", "--model", "deit_huge");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("valid names"), bad.err());
    }

    @Test void benchModelTimesTheSameModelInOnnxRuntime() throws Exception {
        try {
            org.nvit.export.OnnxRuntimeInstall.library();
        } catch (org.nvit.export.OnnxRuntimeInstall.Unavailable e) {
            org.junit.jupiter.api.Assumptions.abort("ONNX Runtime is not available here: " + e.getMessage());
        }
        Path cfg = dir.resolve("ragged.json");
        Files.writeString(cfg, RAGGED.toJson());
        Result r = run("bench", "model", "--config", cfg.toString(), "--batch", "3", "--engine", "onnxruntime",
                "--warmup", "1", "--repeats", "2", "--json");
        assertEquals(0, r.code(), r.err());
        var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out().strip().lines().reduce((a, b) -> b).orElse(""));
        assertTrue(node.get("backend").asText().startsWith("onnxruntime "), r.out());
        assertTrue(node.get("images_per_s").asDouble() > 0, r.out());
        Result train = run("bench", "model", "--config", cfg.toString(), "--engine", "onnxruntime", "--mode", "train");
        assertEquals(2, train.code());
        assertTrue(train.err().contains("--mode infer") && train.err().lines().count() == 1, train.err());
        Result missing = run("bench", "model", "--config", cfg.toString(), "--engine", "onnxruntime", "--onnx",
                dir.resolve("none.onnx").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("none.onnx") && missing.err().contains("not a file"), missing.err());
    }
}
