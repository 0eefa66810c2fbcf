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
@Command(name = "lut", mixinStandardHelpOptions = true, description = "Latency lookup tables for latency-aware pruning.",
        subcommands = {LutCommand.Build.class, LutCommand.Check.class})
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


    @Command(name = "build", mixinStandardHelpOptions = true,
            description = "Measure one block's forward time over a grid of (EMB, heads, QK, V, MLP) and write the table.")
    static final class Build implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--model", description = "preset name (default vit_fmnist_patch7)") String model;
        @Option(names = "--config", description = "model config JSON") Path config;
        @Option(names = "--checkpoint", description = "weight file whose config to use") Path checkpoint;
        @Option(names = "--batch", defaultValue = "64", description = "images per forward (default ${DEFAULT-VALUE})") int batch;
        @Mixin DeviceOptions devices;
        @Option(names = "--grid", defaultValue = "default", description = "default (NViT's shape scaled to the model) or quick") String grid;
        @Option(names = "--warmup", defaultValue = "2", description = "untimed runs per point (default ${DEFAULT-VALUE})") int warmup;
        @Option(names = "--repeats", defaultValue = "5", description = "timed runs per point; the median is kept (default ${DEFAULT-VALUE})") int repeats;
        @Option(names = "--out", required = true, description = "output JSON") Path out;

        @Override public Integer call() throws Exception {
            OutputGuard.check("--out", out, OutputGuard.input("--config", config), OutputGuard.input("--checkpoint", checkpoint));
            VitConfig cfg = modelConfig(model, config, checkpoint);
            LatencyTableBuilder.GridKind kind = switch (grid.toLowerCase(Locale.ROOT)) {
                case "default" -> LatencyTableBuilder.GridKind.DEFAULT;
                case "quick" -> LatencyTableBuilder.GridKind.QUICK;
                default -> throw new IllegalArgumentException("--grid '" + grid + "': use default or quick");
            };
            PrintWriter o = spec.commandLine().getOut();
            LatencyTable.Grid g = LatencyTableBuilder.grid(cfg, kind);
            LatencyTableBuilder b = new LatencyTableBuilder(devices.backend(), batch, warmup, repeats);
            String name = model != null ? model : config != null ? config.getFileName().toString()
                    : checkpoint != null ? checkpoint.getFileName().toString() : "vit_fmnist_patch7";
            long t0 = System.nanoTime();
            LatencyTable t = b.build(cfg, g, name, line -> { o.println(line); o.flush(); });
            t.save(out);
            o.printf(Locale.ROOT, "wrote %s: %d points in %.1f s; full model predicted %.4g s per batch of %d (fixed part %.3g s)%n",
                    out, t.data().valuesS().length, (System.nanoTime() - t0) * 1e-9, t.model(cfg), batch, t.fixedSeconds());
            o.flush();
            return 0;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Compare the table's prediction with measured latency of random ragged models inside its grid.")
    static final class Check implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--lut", required = true, description = "table JSON") Path lut;
        @Option(names = "--samples", defaultValue = "5", description = "random models (default ${DEFAULT-VALUE})") int samples;
        @Option(names = "--model", description = "preset giving depth and image shape (default: the table's model)") String model;
        @Option(names = "--config", description = "model config JSON giving depth and image shape") Path config;
        @Mixin DeviceOptions devices;
        @Option(names = "--repeats", defaultValue = "5") int repeats;
        @Option(names = "--seed", defaultValue = "1") long seed;

        @Override public Integer call() throws Exception {
            if (samples < 1) throw new IllegalArgumentException("--samples must be >= 1");
            LatencyTable t = LatencyTable.load(lut);
            String m = model;
            if (m == null && config == null) m = t.data().model();
            VitConfig base;
            try {
                base = modelConfig(m, config, null);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("the table's model '" + t.data().model() + "' is not a preset; pass --model or --config");
            }
            if (base.numTokens() != t.data().tokens())
                throw new IllegalArgumentException("the model has " + base.numTokens() + " tokens but the table was measured at " + t.data().tokens());
            PrintWriter o = spec.commandLine().getOut();
            var b = new LatencyTableBuilder(devices.backend(), t.data().batch(), 2, repeats);
            var res = b.check(t, base, samples, seed, line -> { o.println(line); o.flush(); });
            double mean = res.stream().mapToDouble(LatencyTableBuilder.CheckSample::relError).average().orElse(0);
            double worst = res.stream().mapToDouble(LatencyTableBuilder.CheckSample::relError).max().orElse(0);
            o.printf(Locale.ROOT, "relative error over %d models: mean %.1f%%, worst %.1f%%%n", res.size(), 100 * mean, 100 * worst);
            o.flush();
            return 0;
        }
    }
}
