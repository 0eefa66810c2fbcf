package org.nvit.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nvit.models.BlockSpec;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.weights.WeightFiles;
import picocli.CommandLine;

/** End to end on a tiny model: lut build, lut check, prune, and the files prune leaves. */
class PruneCommandTest {
    static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new Nvit());
        cl.setExecutionExceptionHandler(new UserErrors());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test void lutThenPruneWritesADenseSmallerModel(@TempDir Path dir) throws Exception {
        VitConfig cfg = VitConfig.uniform(8, 4, 1, 10, 32, 2, new BlockSpec(4, 8, 8, 32), false);
        Path cfgFile = dir.resolve("cfg.json");
        Files.writeString(cfgFile, cfg.toJson());
        Path ckpt = dir.resolve("m.safetensors");
        WeightFiles.export(ckpt, cfg, new VisionTransformer(cfg, 1).stateDict());
        Path lut = dir.resolve("lut.json");
        StringWriter out = new StringWriter(), err = new StringWriter();
        assertEquals(0, run(out, err, "lut", "build", "--config", cfgFile.toString(), "--grid", "quick", "--batch", "2",
                "--warmup", "0", "--repeats", "1", "--out", lut.toString()), err.toString());
        assertTrue(Files.exists(lut));
        assertEquals(0, run(out, err, "lut", "check", "--lut", lut.toString(), "--config", cfgFile.toString(), "--samples", "1",
                "--repeats", "1"), err.toString());
        assertTrue(out.toString().contains("relative error over 1 models"), out.toString());

        // The measured table of a model this small at batch 2 is mostly noise and overhead (its floor can exceed the
        // target, and prune then raises the target): give prune a deterministic MAC-proportional table on the same grid.
        var d = org.nvit.pruning.LatencyTable.load(lut).data();
        var g = d.grid();
        double[] vals = new double[d.valuesS().length];
        int i = 0;
        for (int a : g.emb()) for (int b : g.heads()) for (int c : g.qk()) for (int v : g.v()) for (int f : g.mlp())
            vals[i++] = 1e-6 * (a * b * (2.0 * c + 2.0 * v) + 2.0 * a * f) + 1e-8;
        new org.nvit.pruning.LatencyTable(new org.nvit.pruning.LatencyTable.Data(d.format(), d.backend(), d.device(),
                d.machine(), d.created(), d.batch(), d.tokens(), d.model(), g, vals, 0)).save(lut);

        Path o = dir.resolve("out");
        assertEquals(0, run(out, err, "prune", "--checkpoint", ckpt.toString(), "--data", "synthetic:64", "--lut", lut.toString(),
                "--target-latency", "0.8", "--interval", "2", "--per-step", "1", "--batch-size", "8", "--eval-batches", "1",
                "--no-measure", "--output", o.toString()), err.toString());
        for (String f : List.of("model.safetensors", "config.json", "dims.csv", "dims.png", "latency.png", "report.md"))
            assertTrue(Files.size(o.resolve(f)) > 0, f);
        WeightFiles.Loaded small = WeightFiles.load(o.resolve("model.safetensors"), List.of());
        assertEquals(VitConfig.fromJson(Files.readString(o.resolve("config.json"))), small.config());
        assertTrue(org.nvit.models.ModelStats.params(small.config()) < org.nvit.models.ModelStats.params(cfg));
        List<String> csv = Files.readAllLines(o.resolve("dims.csv"));
        assertTrue(csv.size() >= 3, csv.toString());
        assertTrue(csv.get(0).startsWith("step,batches,latency_s,emb,heads_0"));
    }

    @Test void groupSizesParse() {
        var m = PruneCommand.parseGroupSizes("emb=8, head=1,mlp=4");
        assertEquals(8, m.get(org.nvit.pruning.UnitKind.EMB));
        assertEquals(1, m.get(org.nvit.pruning.UnitKind.HEAD));
        assertEquals(4, m.get(org.nvit.pruning.UnitKind.MLP));
        assertNull(PruneCommand.parseGroupSizes(null));
        var e = assertThrows(IllegalArgumentException.class, () -> PruneCommand.parseGroupSizes("heads=2"));
        assertTrue(e.getMessage().startsWith("--group-sizes"));
        assertThrows(IllegalArgumentException.class, () -> PruneCommand.parseGroupSizes("qk=0"));
    }

    @Test void missingTableIsOneClearLine(@TempDir Path dir) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int rc = run(out, err, "prune", "--checkpoint", dir.resolve("x.safetensors").toString(), "--lut", dir.resolve("nope.json").toString());
        assertEquals(2, rc);
        assertTrue(err.toString().startsWith("nvit: error: file not found"), err.toString());
        assertEquals(1, err.toString().strip().lines().count());
    }
}
