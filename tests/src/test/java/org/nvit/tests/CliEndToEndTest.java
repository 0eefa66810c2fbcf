package org.nvit.tests;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.cli.Nvit;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;

/** The nvit command across modules: train, resume, eval, info, infer's neighbours, and how bad input is reported. */
class CliEndToEndTest {
    record Run(int code, String out, String err) {}

    static synchronized Run nvit(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            return new Run(Nvit.run(args), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    static Path tinyConfig(Path dir) throws Exception {
        VitConfig cfg = new VitConfig(28, 7, 1, 10, 32, false, 1e-6, null,
                List.of(new BlockSpec(2, 8, 8, 64), new BlockSpec(2, 8, 16, 32)));
        Path p = dir.resolve("tiny.json");
        Files.writeString(p, cfg.toJson());
        return p;
    }

    @Test void trainResumeEvalInfo(@TempDir Path tmp) throws Exception {
        Path cfg = tinyConfig(tmp), out = tmp.resolve("run");
        Run t = nvit("train", "--config", cfg.toString(), "--data", "synthetic:320", "--epochs", "2", "--batch-size", "32",
                "--max-steps", "13", "--output", out.toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(t.err().contains("stopped at --max-steps 13"), t.err());
        Run r = nvit("train", "--resume", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("resumed from") && r.err().contains("epoch 2, batch 3 (step 13)"), r.err());
        for (String f : List.of("model.safetensors", "best.safetensors", "last.ckpt", "metrics.jsonl", "curves.png"))
            assertTrue(Files.exists(out.resolve(f)), f + " missing");
        assertEquals(2, Files.readAllLines(out.resolve("metrics.jsonl")).size());

        Run e = nvit("eval", "--checkpoint", out.resolve("model.safetensors").toString(), "--data", "synthetic:320", "--json");
        assertEquals(0, e.code(), e.err());
        // the whole of standard output is one JSON object (jq-able), the model file's preprocessing used
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(e.out());
        assertEquals(32, json.get("images").asInt(), e.out());
        assertTrue(json.get("top1").asDouble() >= 0 && json.get("top1").asDouble() <= 100, e.out());
        assertTrue(e.err().contains("preprocessing (the model file's)"), e.err());

        Run i = nvit("info", out.resolve("model.safetensors").toString());
        assertEquals(0, i.code(), i.err());
        assertTrue(i.out().contains("qk") || i.out().contains("QK"), i.out());
    }

    @Test void badInputGetsOneLineAndANonZeroExit(@TempDir Path tmp) throws Exception {
        Run missing = nvit("eval", "--checkpoint", tmp.resolve("nope.safetensors").toString(), "--data", "synthetic:64");
        assertNotEquals(0, missing.code());
        assertOneLine(missing.err(), "nope.safetensors");

        Run model = nvit("train", "--model", "no_such_model", "--data", "synthetic:64", "--output", tmp.resolve("x").toString());
        assertNotEquals(0, model.code());
        assertOneLine(model.err(), "unknown model 'no_such_model'");

        Path junk = tmp.resolve("junk.safetensors");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17});
        Run bad = nvit("info", junk.toString());
        assertNotEquals(0, bad.code());
        assertOneLine(bad.err(), "junk.safetensors");

        Run resume = nvit("train", "--resume", tmp.resolve("empty").toString());
        assertNotEquals(0, resume.code());
        assertOneLine(resume.err(), "last.ckpt");
    }

    static void assertOneLine(String err, String mustContain) {
        List<String> lines = err.strip().lines().filter(l -> !l.startsWith("WARNING")).toList();
        assertEquals(1, lines.size(), "expected one error line, got:\n" + err);
        assertTrue(lines.get(0).contains(mustContain), lines.get(0));
        assertFalse(err.contains("\tat "), "stack trace printed:\n" + err);
    }
}
