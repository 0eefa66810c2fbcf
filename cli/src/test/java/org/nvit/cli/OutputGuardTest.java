package org.nvit.cli;

import org.nvit.weights.OutputGuard;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;
import org.nvit.weights.Safetensors;
import org.nvit.weights.StateDicts;
import org.nvit.weights.WeightFiles;
import picocli.CommandLine;

/** No command writes over one of its inputs, whatever name, link or spelling the output is given by. */
class OutputGuardTest {
    @TempDir Path dir;

    private static int nvit(StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new Nvit());
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        return Nvit.execute(cl, args);
    }

    private Path model() throws Exception {
        VitConfig c = new VitConfig(8, 4, 1, 3, 16, false, 1e-6, null, List.of(new BlockSpec(2, 8, 8, 16)));
        Map<String, Tensor> sd = new LinkedHashMap<>();
        Rng rng = new Rng(5);
        StateDicts.expectedShapes(c).forEach((k, s) -> sd.put(k, Tensor.randn(DType.F32, rng, 0.1, s)));
        Path p = dir.resolve("model.safetensors");
        WeightFiles.export(p, c, sd);
        return p;
    }

    private Path images() throws Exception {
        Path p = dir.resolve("images.safetensors");
        Safetensors.write(p, Map.of("images", Tensor.randn(DType.F32, new Rng(1), 1, 2, 1, 8, 8)), Map.of());
        return p;
    }

    @Test void inferNeverReplacesItsCheckpointOrItsImages() throws Exception {
        Path model = model(), images = images();
        byte[] before = Files.readAllBytes(model), imagesBefore = Files.readAllBytes(images);
        Path link = Files.createSymbolicLink(dir.resolve("link.safetensors"), model);
        Path hard = Files.createLink(dir.resolve("hard.safetensors"), model);
        for (Path out : List.of(model, dir.resolve("sub/../model.safetensors"), link, hard, images)) {
            if (out.toString().contains("sub")) Files.createDirectories(dir.resolve("sub"));
            StringWriter err = new StringWriter();
            int code = nvit(err, "infer", "--checkpoint", model.toString(), "--input", images.toString(), "--output", out.toString());
            assertEquals(UserErrors.USER_ERROR, code, out + ": " + err);
            assertTrue(err.toString().contains("is the same file as") && err.toString().strip().lines().count() == 1, err.toString());
        }
        assertArrayEquals(before, Files.readAllBytes(model));
        assertArrayEquals(imagesBefore, Files.readAllBytes(images));
        // a real output still works
        StringWriter err = new StringWriter();
        assertEquals(0, nvit(err, "infer", "--checkpoint", link.toString(), "--input", images.toString(), "--output",
                dir.resolve("logits.safetensors").toString()), err.toString());
    }

    @Test void convertRefusesItsInputThroughALink() throws Exception {
        Path model = model();
        Path link = Files.createSymbolicLink(dir.resolve("same.safetensors"), model);
        StringWriter err = new StringWriter();
        assertEquals(UserErrors.USER_ERROR, nvit(err, "convert", model.toString(), link.toString()));
        assertTrue(err.toString().contains("OUT " + link + " is the same file as IN " + model), err.toString());
    }

    @Test void identityNotNames() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "a"), b = Files.writeString(dir.resolve("b"), "b");
        assertDoesNotThrow(() -> OutputGuard.check("--out", b, OutputGuard.input("--in", a), OutputGuard.input("--x", null)));
        assertDoesNotThrow(() -> OutputGuard.check("--out", dir.resolve("new"), OutputGuard.input("--in", a)));
        assertThrows(IllegalArgumentException.class, () -> OutputGuard.check("--out", Path.of(dir + "/./a"), OutputGuard.input("--in", a)));
        var e = assertThrows(IllegalArgumentException.class,
                () -> OutputGuard.checkFolder("--output", dir, List.of("model.safetensors", "a"), OutputGuard.input("--init", a)));
        assertTrue(e.getMessage().startsWith("--output (its a) "), e.getMessage());
    }
}
