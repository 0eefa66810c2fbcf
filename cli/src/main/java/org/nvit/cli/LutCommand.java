package org.nvit.cli;

import org.nvit.weights.OutputGuard;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nvit.models.Presets;
import org.nvit.models.VitConfig;
import org.nvit.weights.WeightFiles;
import org.nvit.pruning.LatencyTable;
import org.nvit.pruning.LatencyTableBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code nvit lut build|check}: NViT's latency lookup table, measured on this machine's backend. */
@Command(name = "lut", mixinStandardHelpOptions = true, showDefaultValues = true, description = "Latency lookup tables for latency-aware pruning.",
        subcommands = {LutCommand.Build.class, LutCommand.Check.class, LutCommand.Predict.class, LutCommand.Import.class})
public final class LutCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    /** The model whose dims the grid spans: a preset name, a config JSON file or a checkpoint. */
    static VitConfig modelConfig(String model, Path config, Path checkpoint) throws Exception {
        int given = (model != null ? 1 : 0) + (config != null ? 1 : 0) + (checkpoint != null ? 1 : 0);
        if (given > 1) throw new IllegalArgumentException("give only one of --model, --config, --checkpoint");
        if (config != null) return org.nvit.weights.Models.readConfig(config);
        if (checkpoint != null) return WeightFiles.load(checkpoint, List.of()).config();
        return Presets.byName(model == null ? "vit_fmnist_patch7" : model);
    }


    @Command(name = "build", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Measure one block's forward time over a grid of (EMB, heads, QK, V, MLP) and write the table.")
    static final class Build implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--model", description = "preset name (default vit_fmnist_patch7)") String model;
        @Option(names = "--config", description = "model config JSON") Path config;
        @Option(names = "--checkpoint", description = "weight file whose config to use") Path checkpoint;
        @Option(names = {"--batch-size", "-b", "--batch"}, defaultValue = "64", description = "images per forward") int batch;
        @Mixin DeviceOptions devices;
        @Option(names = "--grid", defaultValue = "default", description = "default (NViT's shape scaled to the model) or quick") String grid;
        @Option(names = "--warmup", defaultValue = "2", description = "untimed runs per point") int warmup;
        @Option(names = "--repeats", defaultValue = "5", description = "timed runs per point; the median is kept") int repeats;
        @Option(names = {"--output", "-o", "--out"}, required = true, description = "output JSON (written atomically)") Path out;
        @Option(names = "--max-spread", defaultValue = "0.10", description = "a point whose repeats scatter by more than this"
                + " ((q3 - q1) / median) is measured again; a table with such points left is refused")
        double maxSpread;
        @Option(names = "--accept-noisy", description = "write the table even when it fails the reliability checks (saying why)")
        boolean acceptNoisy;

        @Override public Integer call() throws Exception {
            OutputGuard.check("--output", out, OutputGuard.input("--config", config), OutputGuard.input("--checkpoint", checkpoint));
            VitConfig cfg = modelConfig(model, config, checkpoint);
            LatencyTableBuilder.GridKind kind = switch (grid.toLowerCase(Locale.ROOT)) {
                case "default" -> LatencyTableBuilder.GridKind.DEFAULT;
                case "quick" -> LatencyTableBuilder.GridKind.QUICK;
                default -> throw new IllegalArgumentException("--grid '" + grid + "': use default or quick");
            };
            PrintWriter o = spec.commandLine().getOut();
            LatencyTable.Grid g = LatencyTableBuilder.grid(cfg, kind);
            LatencyTableBuilder b = new LatencyTableBuilder(devices.backend(), batch, warmup, repeats).maxSpread(maxSpread);
            String name = model != null ? model : config != null ? config.getFileName().toString()
                    : checkpoint != null ? checkpoint.getFileName().toString() : "vit_fmnist_patch7";
            long t0 = System.nanoTime();
            LatencyTable t = b.build(cfg, g, name, line -> { o.println(line); o.flush(); });
            List<String> unreliable = b.reliability(t);
            if (!unreliable.isEmpty() && !acceptNoisy)
                throw new IllegalArgumentException("the table is unreliable, not written: " + String.join("; ", unreliable)
                        + ". Measure again on a quieter machine, with more --repeats or a larger --batch-size, or keep it with --accept-noisy");
            for (String u : unreliable.isEmpty() ? b.noisyPoints() : unreliable) o.println("warning: " + u);
            for (String u : LatencyTableBuilder.monotonicity(t)) o.println("warning: " + u);
            t.save(out);
            o.printf(Locale.ROOT, "wrote %s: %d points (%d fused) in %.1f s, repeat spread median %.1f%% (worst %.1f%%); full model "
                            + "predicted %.4g s per batch of %d (fixed part %.3g s)%n", out, t.data().valuesS().length,
                    t.data().fusedValuesS().length, (System.nanoTime() - t0) * 1e-9, 100 * t.data().spread().median(),
                    100 * t.data().spread().worst(), t.model(cfg), batch, t.fixedSeconds());
            o.flush();
            return 0;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Compare the table's prediction with measured latency of random ragged models inside its grid.")
    static final class Check implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--lut", required = true, description = "table JSON") Path lut;
        @Option(names = "--samples", defaultValue = "5", description = "random models") int samples;
        @Option(names = "--model", description = "preset giving depth and image shape (default: the table's model)") String model;
        @Option(names = "--config", description = "model config JSON giving depth and image shape") Path config;
        @Mixin DeviceOptions devices;
        @Option(names = "--checkpoint", description = "weight file giving depth and image shape") Path checkpoint;
        @Option(names = "--repeats", defaultValue = "5", description = "timed runs per model") int repeats;
        @Option(names = "--seed", defaultValue = "1", description = "seed of the random models") long seed;
        @Option(names = "--json", description = "print only one JSON object on standard output (the human lines go to standard error):"
                + " each model's predicted and measured latency, the mean and the worst relative error") boolean json;

        @Override public Integer call() throws Exception {
            if (samples < 1) throw new IllegalArgumentException("--samples must be >= 1");
            LatencyTable t = LatencyTable.load(lut);
            String m = model;
            if (m == null && config == null && checkpoint == null) m = t.data().model();
            VitConfig base;
            try {
                base = modelConfig(m, config, checkpoint);
            } catch (IllegalArgumentException e) {
                if (model != null || config != null || checkpoint != null) throw e;
                throw new IllegalArgumentException("the table's model '" + t.data().model() + "' is not a preset; pass --model,"
                        + " --config or --checkpoint");
            }
            if (base.numTokens() != t.data().tokens())
                throw new IllegalArgumentException("the model has " + base.numTokens() + " tokens but the table was measured at " + t.data().tokens());
            PrintWriter o = json ? spec.commandLine().getErr() : spec.commandLine().getOut();   // --json: stdout is the JSON
            var b = new LatencyTableBuilder(devices.backend(), t.data().batch(), 2, repeats);
            var result = b.check(t, base, samples, seed, line -> { o.println(line); o.flush(); });
            var res = result.samples();
            var dense = result.dense();
            double mean = res.stream().mapToDouble(LatencyTableBuilder.CheckSample::relError).average().orElse(0);
            double worst = res.stream().mapToDouble(LatencyTableBuilder.CheckSample::relError).max().orElse(0);
            double fMean = res.stream().mapToDouble(r -> r.relErrorOfFraction(dense)).average().orElse(0);
            double fWorst = res.stream().mapToDouble(r -> r.relErrorOfFraction(dense)).max().orElse(0);
            double[] clock = res.stream().mapToDouble(LatencyTableBuilder.CheckSample::clockDiff).toArray();
            double clockMedian = org.nvit.engine.WarmUp.median(clock), clockWorst = java.util.Arrays.stream(clock).max().orElse(0);
            o.printf(Locale.ROOT, "relative error over %d models: mean %.1f%%, worst %.1f%%; the clock's own run-to-run difference:"
                    + " median %.1f%%, worst %.1f%%%n", res.size(), 100 * mean, 100 * worst, 100 * clockMedian, 100 * clockWorst);
            o.printf(Locale.ROOT, "as fractions of the dense model's latency (what pruning's target is): mean %.1f%%, worst %.1f%%%n",
                    100 * fMean, 100 * fWorst);
            if (clockWorst > 0.05)
                o.printf(Locale.ROOT, "note: the same model measured twice differed by up to %.0f%%; errors of that size are the"
                        + " machine's, not the table's (measure on a quieter machine, with more --repeats)%n", 100 * clockWorst);
            if (worst > 0.15)
                o.printf(Locale.ROOT, "warning: the table predicts latency on this backend to within %.0f%% only; rebuild it here"
                        + " (nvit lut build) at the batch you prune for, on a quiet machine%n", 100 * worst);
            if (json) {
                var root = JSON.createObjectNode();
                var arr = root.putArray("models");
                for (var r : res) {
                    var n = arr.addObject();
                    n.put("predicted_s", r.predicted());
                    n.put("measured_s", r.measured());
                    n.put("rel_error", r.relError());
                    n.put("clock_rel_diff", r.clockDiff());
                    n.put("rel_error_of_fraction", r.relErrorOfFraction(dense));
                    n.set("config", JSON.readTree(r.config().toJson()));
                }
                root.put("mean_rel_error", mean);
                root.put("worst_rel_error", worst);
                root.put("mean_rel_error_of_fraction", fMean);
                root.put("worst_rel_error_of_fraction", fWorst);
                var d = root.putObject("dense");
                d.put("predicted_s", dense.predicted());
                d.put("measured_s", dense.measured());
                d.put("rel_error", dense.relError());
                d.put("clock_rel_diff", dense.clockDiff());
                root.put("clock_median_rel_diff", clockMedian);
                root.put("clock_worst_rel_diff", clockWorst);
                root.put("batch", t.data().batch());
                root.put("backend", devices.backend().name());
                spec.commandLine().getOut().println(JSON.writeValueAsString(root));
                spec.commandLine().getOut().flush();
            }
            o.flush();
            return 0;
        }
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    @Command(name = "import", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "Convert the official NViT table (latency_head.json: one DeiT-B block on a V100 at batch 256) into ours.")
    static final class Import implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--nvit", required = true, description = "the official table, d[\"EMB_e\"][\"QK_{H}_{qk}\"][\"V_v\"][\"MLP_m\"] in seconds") Path in;
        @Option(names = "--tokens", defaultValue = "198", description = "tokens per image it was measured at (198: DeiT-B distilled at 224)") int tokens;
        @Option(names = {"--batch-size", "--batch"}, defaultValue = "256", description = "its batch size") int batch;
        @Option(names = {"--output", "-o", "--out"}, required = true, description = "output JSON (written atomically)") Path out;

        @Override public Integer call() throws Exception {
            OutputGuard.check("--output", out, OutputGuard.input("--nvit", in));
            LatencyTable t = org.nvit.pruning.NvitTableImport.read(in, tokens, batch);
            t.save(out);
            var g = t.data().grid();
            spec.commandLine().getOut().printf(Locale.ROOT, "wrote %s: %d points (emb %s, heads %s, qk %s, v %s, mlp %d values from %d);"
                            + " a DeiT-B block at full size %.4g s%n", out, t.data().valuesS().length, java.util.Arrays.toString(g.emb()),
                    java.util.Arrays.toString(g.heads()), java.util.Arrays.toString(g.qk()), java.util.Arrays.toString(g.v()), g.mlp().length,
                    g.mlp()[0], t.block(768, 12, 64, 64, 3072));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "predict", mixinStandardHelpOptions = true, showDefaultValues = true,
            description = "The table's latency of one model (a checkpoint, config or preset), and with --measure the clock's.")
    static final class Predict implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--lut", required = true, description = "table JSON") Path lut;
        @Option(names = "--model", description = "preset name") String model;
        @Option(names = "--config", description = "model config JSON") Path config;
        @Option(names = "--checkpoint", description = "weight file whose config to use") Path checkpoint;
        @Option(names = "--measure", description = "also time the model's forward at the table's batch on this backend") boolean measure;
        @Option(names = "--repeats", defaultValue = "9", description = "timed runs with --measure") int repeats;
        @Mixin DeviceOptions devices;
        @Option(names = "--json", description = "print only one JSON object on standard output (the human line goes to standard error)") boolean json;

        @Override public Integer call() throws Exception {
            LatencyTable t = LatencyTable.load(lut);
            VitConfig cfg = modelConfig(model, config, checkpoint);
            t.checkCovers(cfg);
            double predicted = t.model(cfg), measured = Double.NaN;
            if (measure) {
                var b = new LatencyTableBuilder(devices.backend(), t.data().batch(), 2, repeats);
                b.warmUp(cfg, 5);
                measured = b.measureModel(cfg);
            }
            PrintWriter o = json ? spec.commandLine().getErr() : spec.commandLine().getOut();   // --json: stdout is the JSON
            o.printf(Locale.ROOT, "predicted %.4g s per batch of %d%s%n", predicted, t.data().batch(), measure
                    ? String.format(Locale.ROOT, "; measured %.4g s (%+.1f%%)", measured, 100 * (predicted - measured) / measured) : "");
            if (json) {
                var n = JSON.createObjectNode();
                n.put("predicted_s", predicted);
                if (measure) n.put("measured_s", measured);
                n.put("batch", t.data().batch());
                spec.commandLine().getOut().println(JSON.writeValueAsString(n));
                spec.commandLine().getOut().flush();
            }
            o.flush();
            return 0;
        }
    }
}
