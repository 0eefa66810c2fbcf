package org.nvit.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nvit.engine.Backends;
import org.nvit.weights.Models;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.data.AugmentConfig;
import org.nvit.data.DataLoader;
import org.nvit.data.DataSource;
import org.nvit.data.DataSources;
import org.nvit.weights.WeightFiles;
import org.nvit.train.Evaluator;
import org.nvit.train.TrainOptions;
import org.nvit.train.Trainer;
import org.nvit.pruning.LatencyTable;
import org.nvit.pruning.LatencyTableBuilder;
import org.nvit.pruning.PruneRun;
import org.nvit.pruning.PruneRunOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nvit demo}: the whole NViT pipeline on the built-in data, through the same library calls the other commands
 * make: train a dense model, build a quick latency table on this machine, prune to a latency target, fine-tune the
 * pruned model with distillation from the dense one, and evaluate it. Each stage prints the command that does the
 * same by hand and keeps its outputs in its own folder.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = "The whole pipeline on Fashion-MNIST: train dense, build a latency table, prune to half latency, fine-tune, report.")
public final class DemoCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Option(names = "--output", defaultValue = "runs/demo", description = "Output folder.") Path output;
    @Option(names = "--data", defaultValue = "fashion-mnist", description = "Data source.") String data;
    @Option(names = "--model", defaultValue = "vit_fmnist_patch7", description = "Preset.") String model;
    @Option(names = "--epochs", description = "Dense training epochs (default: the data set's recipe, as nvit train: 16 for Fashion-MNIST).") Integer epochs;
    @Option(names = "--finetune-epochs", defaultValue = "2", description = "Fine-tuning epochs of the pruned model.") int finetuneEpochs;
    @Option(names = "--target-latency", defaultValue = "0.5", description = "Fraction of the dense table latency.") double target;
    @Option(names = "--interval", defaultValue = "20", description = "Batches between pruning steps.") int interval;
    @Option(names = "--lut-batch", defaultValue = "512", description = "Batch at which the latency table is measured (at small batches these small models are dominated by per-op overheads and half their latency is out of reach).") int lutBatch;
    @Option(names = "--seed", defaultValue = "0", description = "Seed of every stage.") long seed;

    @Override public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Files.createDirectories(output);
        Path dense = output.resolve("dense"), lut = output.resolve("lut.json"), prune = output.resolve("prune"),
                ft = output.resolve("finetune");
        long t0 = System.nanoTime();

        TrainOptions train = new TrainOptions();
        train.model = model;
        train.data = data;
        train.seed = seed;
        train.output = dense.toString();
        train.overwrite = true; // the demo redoes its own stages (a rerun replaces an earlier demo in --output)
        train.epochs = epochs;
        stage(out, "1/5 train the dense model (nvit train with these defaults)", "train --model " + model + " --data " + data
                + " --seed " + seed + " --output " + dense + (epochs != null ? " --epochs " + epochs : ""));
        new Trainer(train, Backends.cpu()).run();

        Path denseModel = dense.resolve("model.safetensors");
        stage(out, "2/5 measure a quick latency table on this machine", "lut build --checkpoint " + denseModel
                + " --grid quick --batch-size " + lutBatch + " --repeats 9 --output " + lut);
        VitConfig cfg = WeightFiles.load(denseModel, java.util.List.of()).config();
        LatencyTableBuilder builder = new LatencyTableBuilder(Backends.cpu(), lutBatch, 2, 9);
        LatencyTable table = builder.build(cfg, LatencyTableBuilder.grid(cfg, LatencyTableBuilder.GridKind.QUICK),
                denseModel.getFileName().toString(), line -> { out.println(line); out.flush(); });
        for (String why : builder.reliability(table)) out.println("warning: " + why + " (the demo goes on with this table)");
        for (String why : LatencyTableBuilder.monotonicity(table)) out.println("warning: " + why);
        table.save(lut);

        PruneRunOptions p = new PruneRunOptions();
        p.checkpoint = denseModel.toString();
        p.data = data;
        p.lut = lut.toString();
        p.target = target;
        p.interval = interval;
        p.seed = seed;
        p.output = prune.toString();
        p.overwrite = true;
        stage(out, "3/5 prune to " + Math.round(100 * target) + "% of the table latency", "prune --checkpoint " + denseModel
                + " --data " + data + " --lut " + lut + " --target-latency " + target + " --interval " + interval + " --seed "
                + seed + " --output " + prune);
        PruneRun.run(p, Backends.cpu(), out);

        TrainOptions tune = new TrainOptions();
        tune.init = prune.resolve("model.safetensors").toString();
        tune.data = data;
        tune.epochs = finetuneEpochs;
        tune.teacher = denseModel.toString();
        tune.distillationType = "soft";
        tune.warmupEpochs = 0.0;
        tune.seed = seed;
        tune.output = ft.toString();
        tune.overwrite = true;
        stage(out, "4/5 fine-tune the pruned model, distilling from the dense one", "train --init " + tune.init + " --data " + data
                + " --epochs " + finetuneEpochs + " --teacher " + denseModel + " --distillation-type soft --warmup-epochs 0 --seed "
                + seed + " --output " + ft);
        new Trainer(tune, Backends.cpu()).run();

        Path tuned = ft.resolve("model.safetensors");
        stage(out, "5/5 evaluate the fine-tuned pruned model", "eval --checkpoint " + tuned + " --data " + data);
        VisionTransformer m = Models.load(tuned, java.util.List.of());
        DataSource src = DataSources.open(data, m.config().inChans(), m.config().imageSize(), m.config().numClasses());
        Evaluator.Result r;
        try (DataLoader val = DataLoader.eval(src.val(), AugmentConfig.defaultsFor(src, m.config().imageSize()), 256, 1)) {
            r = Evaluator.evaluate(m, val);
        }
        out.printf(Locale.ROOT, "%s on %s: top-1 %.2f%%  top-5 %.2f%%  loss %.4f  (%d images)%n", tuned, data, 100 * r.top1(),
                100 * r.top5(), r.loss(), r.images());
        out.printf(Locale.ROOT, "%ndemo finished in %.1f min; pruning report: %s; fine-tuned model: %s%n",
                (System.nanoTime() - t0) / 60e9, prune.resolve("report.md"), tuned);
        Path report = prune.resolve("report.md");
        if (Files.exists(report)) out.println("\n" + Files.readString(report));
        out.flush();
        return 0;
    }

    private static void stage(PrintWriter out, String title, String equivalent) {
        out.printf("%n== demo %s: nvit %s%n", title, equivalent);
        out.flush();
    }
}
