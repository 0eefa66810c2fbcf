package org.nvit.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.nvit.engine.Backends;
import org.nvit.engine.Tensor;
import org.nvit.models.ModelStats;
import org.nvit.models.VisionTransformer;
import org.nvit.models.train.Evaluator;
import org.nvit.models.VitConfig;
import org.nvit.models.data.AugmentConfig;
import org.nvit.models.data.Batch;
import org.nvit.models.data.DataLoader;
import org.nvit.models.data.DataSource;
import org.nvit.models.data.DataSources;
import org.nvit.models.io.WeightFiles;
import org.nvit.models.io.AtomicFiles;
import org.nvit.pruning.LatencyTable;
import org.nvit.pruning.LatencyTableBuilder;
import org.nvit.pruning.PruneOptions;
import org.nvit.pruning.PruneReport;
import org.nvit.pruning.Pruner;
import org.nvit.pruning.UnitKind;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code nvit prune}: NViT global structural pruning of a checkpoint under a latency budget, then the dense shrink.
 * Fine-tuning the result is left to {@code nvit train} on the written model.safetensors.
 */
@Command(name = "prune", mixinStandardHelpOptions = true,
        description = "Latency-aware global structural pruning (NViT) of a trained model; writes the dense pruned model and a report.")
public final class PruneCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--checkpoint", required = true, description = "trained model (.safetensors or .pth)") Path checkpoint;
    @Option(names = "--data", defaultValue = "fashion-mnist", description = DataSources.USAGE + " (default ${DEFAULT-VALUE})") String data;
    @Option(names = "--lut", required = true, description = "latency table from 'nvit lut build'") Path lut;
    @Option(names = "--target-latency", defaultValue = "0.5", description = "stop at this fraction of the original table latency (default ${DEFAULT-VALUE})") double target;
    @Option(names = "--output", defaultValue = "runs/prune", description = "output folder (default ${DEFAULT-VALUE})") Path output;
    @Option(names = "--interval", defaultValue = "100", description = "batches between pruning steps (default ${DEFAULT-VALUE})") int interval;
    @Option(names = "--per-step", defaultValue = "2", description = "groups pruned per step (default ${DEFAULT-VALUE})") int perStep;
    @Option(names = "--latency-reg", defaultValue = "1.0", description = "factor on the calibrated latency coefficient eta; 0 = importance only (default ${DEFAULT-VALUE})") double latencyReg;
    @Option(names = "--kl-coeff", defaultValue = "10", description = "weight of KL(teacher || student) (default ${DEFAULT-VALUE})") double klCoeff;
    @Option(names = "--kl-tau", defaultValue = "3", description = "KL temperature (default ${DEFAULT-VALUE})") double klTau;
    @Option(names = "--max-steps", defaultValue = "1219", description = "at most this many pruning steps (default ${DEFAULT-VALUE})") int maxSteps;
    @Option(names = "--importance", defaultValue = "taylor", description = "taylor, first-order or magnitude (default ${DEFAULT-VALUE})") String importance;
    @Option(names = "--lr", defaultValue = "1e-4", description = "constant AdamW learning rate (default ${DEFAULT-VALUE})") double lr;
    @Option(names = "--weight-decay", defaultValue = "0.05") double weightDecay;
    @Option(names = "--batch-size", defaultValue = "64") int batchSize;
    @Option(names = "--workers", defaultValue = "1") int workers;
    @Option(names = "--seed", defaultValue = "0") long seed;
    @Option(names = "--eval-batches", defaultValue = "0", description = "validation batches for the accuracies (0 = the whole split)") int evalBatches;
    @Option(names = "--group-sizes", description = "units pruned together per kind, e.g. emb=16,head=2,qk=8,v=8,mlp=16 (NViT's, the default)") String groupSizes;
    @Option(names = "--no-measure", description = "skip measuring the latency of the original and pruned models") boolean noMeasure;
    @Option(names = "--device", defaultValue = "cpu", description = "cpu only: pruning runs on the CPU (auto means cpu here)") String device;

    /** Pruning is wired for the CPU only (masks, Taylor scores and shrinking read parameters on the host). */
    static void checkCpu(String device) {
        switch (device.strip().toLowerCase(Locale.ROOT)) {
            case "cpu", "auto" -> { }
            case "cuda", "gpu" -> throw new IllegalArgumentException("nvit prune runs on the CPU only (the pruning loop is not"
                    + " wired for the GPU); use --device cpu, then fine-tune the pruned model with nvit train --device cuda");
            default -> throw new IllegalArgumentException("unknown --device '" + device + "': nvit prune runs on the CPU only");
        }
    }

    @Override public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        checkCpu(device);
        PruneOptions opt = new PruneOptions(target, interval, perStep, latencyReg, klCoeff, klTau, maxSteps, lr, weightDecay,
                importance, parseGroupSizes(groupSizes), seed);
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be >= 1");
        LatencyTable table = LatencyTable.load(lut);
        WeightFiles.Loaded loaded = WeightFiles.load(checkpoint, List.of());
        VitConfig cfg = loaded.config();
        table.checkCovers(cfg);
        VisionTransformer model = new VisionTransformer(cfg, 0);
        model.loadStateDict(loaded.stateDict());
        DataSource src = DataSources.open(data, cfg.inChans(), cfg.imageSize(), cfg.numClasses());
        if (src.numClasses() != cfg.numClasses())
            throw new IllegalArgumentException("data '" + data + "' has " + src.numClasses() + " classes but the model has " + cfg.numClasses());
        AugmentConfig aug = AugmentConfig.defaultsFor(src, cfg.imageSize());
        Files.createDirectories(output);

        out.printf(Locale.ROOT, "model %s; table latency %.4g s per batch of %d; target %.0f%%%n", ModelStats.summary(cfg),
                table.model(cfg), table.data().batch(), 100 * target);
        out.flush();
        double accBefore;
        try (DataLoader val = DataLoader.eval(src.val(), aug, batchSize, workers)) {
            accBefore = accuracy(val, model::predict);
        }
        out.printf(Locale.ROOT, "top-1 before pruning: %.2f%%%n", 100 * accBefore);
        out.flush();

        Pruner pruner = new Pruner(model, table, opt);
        double floor = pruner.floorRatio();
        if (target < floor + 0.1 * (1 - floor)) {
            // Within 10% of the floor every layer would end at (or near) its last group: a destroyed model, not a
            // faster one. Prune to the reachable part instead, and say so.
            double reachable = Math.min(1, floor + 0.1 * (1 - floor));
            out.printf(Locale.ROOT, "warning: the table predicts %.0f%% of the original latency even with every layer pruned to"
                    + " its last group (per-op overheads dominate at its batch of %d), so --target-latency %.2f is out of reach;"
                    + " pruning to %.2f instead. Measure the table at a larger --batch (or with more --repeats, if it is"
                    + " noisy) to go lower%n", 100 * floor, table.data().batch(), target, reachable);
            opt = opt.withTarget(reachable);
            pruner = new Pruner(model, table, opt);
        }
        Pruner.Result res;
        try (DataLoader train = DataLoader.train(src.train(), aug, batchSize, seed, workers)) {
            Epochs epochs = new Epochs(train);
            try {
                res = pruner.run(epochs, r -> {
                    out.printf(Locale.ROOT, "step %4d  batch %7d  latency %.4g s (%.1f%%)  loss %.4f  EMB %d  heads %s%n", r.step(), r.batches(),
                            r.latency(), 100 * r.latency() / table.model(cfg), r.loss(), r.dims().embedDim(),
                            r.dims().blocks().stream().map(b -> String.valueOf(b.heads())).toList());
                    out.flush();
                });
            } finally {
                epochs.close();
            }
        }
        VitConfig small = res.shrunk().config();
        VisionTransformer pruned = new VisionTransformer(small, 0);
        pruned.loadStateDict(res.shrunk().stateDict());
        WeightFiles.export(output.resolve("model.safetensors"), small, res.shrunk().stateDict());
        AtomicFiles.writeString(output.resolve("config.json"), small.toJson());
        PruneReport.writeDimsCsv(output.resolve("dims.csv"), res.steps());
        PruneReport.writeDimsPng(output.resolve("dims.png"), cfg, small);
        PruneReport.writeLatencyPng(output.resolve("latency.png"), res.steps(), opt.targetRatio());

        double accAfter;
        try (DataLoader val = DataLoader.eval(src.val(), aug, batchSize, workers)) {
            accAfter = accuracy(val, pruned::predict);
        }
        double mBefore = Double.NaN, mAfter = Double.NaN;
        if (!noMeasure) {
            var b = new LatencyTableBuilder(Backends.cpu(), table.data().batch(), 2, 5);
            b.warmUp(cfg, 2);
            mBefore = b.measureModel(cfg);
            mAfter = b.measureModel(small);
        }
        var last = res.steps().getLast();
        var summary = new PruneReport.Summary(checkpoint.toString(), lut.toString(), cfg, small, table.model(cfg), table.model(small),
                mBefore, mAfter, accBefore, Double.NaN, accAfter, res.steps().size() - 1, last.batches(), res.eta(), res.stopReason(),
                String.format(Locale.ROOT, "target %.3f, interval %d, per-step %d, latency-reg %.3g, kl-coeff %.3g, kl-tau %.3g, importance %s, lr %.3g, batch %d, data %s",
                        opt.targetRatio(), interval, perStep, latencyReg, klCoeff, klTau, importance, lr, batchSize, data));
        AtomicFiles.writeString(output.resolve("report.md"), PruneReport.markdown(summary));
        out.printf(Locale.ROOT, "stopped: %s after %d steps; %s -> %s; top-1 %.2f%% -> %.2f%% (before fine-tuning)%n",
                res.stopReason(), res.steps().size() - 1, ModelStats.summary(cfg), ModelStats.summary(small), 100 * accBefore, 100 * accAfter);
        out.printf("wrote %s/{model.safetensors, config.json, dims.csv, dims.png, latency.png, report.md}%n", output);
        out.flush();
        return 0;
    }

    static java.util.Map<UnitKind, Integer> parseGroupSizes(String spec) {
        java.util.Map<UnitKind, Integer> m = new java.util.EnumMap<>(UnitKind.class);
        if (spec == null || spec.isBlank()) return null;
        for (String part : spec.split(",")) {
            String[] kv = part.trim().split("=");
            UnitKind k = null;
            for (UnitKind u : UnitKind.values()) if (kv.length == 2 && u.label().equals(kv[0].trim().toLowerCase(Locale.ROOT))) k = u;
            int n;
            try { n = kv.length == 2 ? Integer.parseInt(kv[1].trim()) : -1; } catch (NumberFormatException e) { n = -1; }
            if (k == null || n < 1)
                throw new IllegalArgumentException("--group-sizes '" + spec + "': expected kind=N pairs with kinds emb, head, qk, v, mlp and N >= 1");
            m.put(k, n);
        }
        return m;
    }

    /** Cycles through training epochs as one endless batch stream. */
    private static final class Epochs implements java.util.function.Supplier<Pruner.Batch> {
        private final DataLoader loader;
        private DataLoader.BatchIterator it;
        private int epoch;

        Epochs(DataLoader loader) { this.loader = loader; }

        @Override public Pruner.Batch get() {
            if (loader.batchesPerEpoch() == 0) return null;
            if (it == null || !it.hasNext()) {
                if (it != null) it.close();
                it = loader.iterator(epoch++);
            }
            Batch b = it.next();
            return new Pruner.Batch(b.images(), b.labels(), b.targets());
        }

        void close() { if (it != null) it.close(); }
    }

    private double accuracy(DataLoader val, Function<Tensor, Tensor> predict) {
        return Evaluator.evaluate(predict, val, evalBatches).top1();
    }
}
