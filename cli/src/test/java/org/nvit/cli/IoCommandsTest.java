package org.nvit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
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

class IoCommandsTest {
    @TempDir Path dir;

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(new Nvit());
        cl.setExecutionExceptionHandler(new UserErrors());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    /** A ragged NViT-like model saved as plain safetensors (no config in metadata, so heads must be given). */
    private Path raggedModel(VitConfig c) throws Exception {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        Rng rng = new Rng(3);
        StateDicts.expectedShapes(c).forEach((k, s) -> sd.put(k, Tensor.randn(DType.F32, rng, 0.1, s)));
        Path p = dir.resolve("ragged.safetensors");
        Safetensors.write(p, sd, Map.of("format", "pt"));
        return p;
    }

    @Test void convertThenInfo() throws Exception {
        VitConfig c = new VitConfig(8, 4, 3, 5, 16, true, 1e-6, null,
                List.of(new BlockSpec(2, 4, 6, 24), new BlockSpec(1, 8, 8, 8)));
        Path in = raggedModel(c);
        Path out = dir.resolve("out.safetensors");
        Result conv = run("convert", in.toString(), out.toString(), "--heads", "2,1");
        assertEquals(0, conv.code(), conv.err());
        assertTrue(conv.out().contains("wrote"), conv.out());
        assertEquals(c, WeightFiles.load(out, null).config());

        Result info = run("info", out.toString());
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("embed dim   16, depth 2, classes 5, distilled"), info.out());
        // block rows: index, heads, qk, v, mlp, then that block's params and MMAC (ModelStats)
        assertTrue(info.out().matches("(?s).*\\n\\s+0\\s+2\\s+4\\s+6\\s+24\\s+" + org.nvit.models.ModelStats.blockParams(c, 0)
                + "\\s+[0-9.]+\\n.*"), info.out());
        assertTrue(info.out().matches("(?s).*\\n\\s+1\\s+1\\s+8\\s+8\\s+8\\s+" + org.nvit.models.ModelStats.blockParams(c, 1)
                + "\\s+[0-9.]+\\n.*"), info.out());
        assertTrue(info.out().contains("GMAC"), info.out());
        long params = StateDicts.parameterCount(WeightFiles.load(out, null).stateDict());
        assertTrue(info.out().contains(String.format("parameters %,d", params)), info.out());
    }

    @Test void userErrorsAreOneLine() throws Exception {
        VitConfig c = new VitConfig(8, 4, 3, 5, 16, false, 1e-6, null, List.of(new BlockSpec(2, 4, 6, 24)));
        Path in = raggedModel(c);
        Result noHeads = run("info", in.toString());
        assertEquals(2, noHeads.code());
        assertTrue(noHeads.err().startsWith("nvit: error: ") && noHeads.err().contains("--heads")
                && noHeads.err().strip().lines().count() == 1, noHeads.err());
        Result badHeads = run("info", in.toString(), "--heads", "two");
        assertEquals(2, badHeads.code());
        Result missing = run("convert", dir.resolve("nope.pth").toString(), dir.resolve("x.safetensors").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("nope.pth"), missing.err());
        Result wrongExt = run("convert", in.toString(), dir.resolve("x.bin").toString(), "--heads", "2");
        assertEquals(2, wrongExt.code());
        assertTrue(wrongExt.err().contains(".safetensors"), wrongExt.err());
    }
}
