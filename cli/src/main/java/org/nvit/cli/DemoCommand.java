package org.nvit.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nvit demo}: the whole NViT pipeline on the built-in data, by running the other commands in order: train a
 * dense model, build a quick latency table on this machine, prune to a latency target, fine-tune the pruned model with
 * distillation from the dense one, and evaluate both. Each stage's outputs stay in its own folder.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "The whole pipeline on Fashion-MNIST: train dense, build a latency table, prune to half latency, fine-tune, report.")
public final class DemoCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;
    @Option(names = "--output", defaultValue = "runs/demo", description = "Output folder (default: ${DEFAULT-VALUE}).") Path output;
    @Option(names = "--data", defaultValue = "fashion-mnist") String data;
    @Option(names = "--model", defaultValue = "vit_fmnist_patch7") String model;
    @Option(names = "--epochs", description = "Dense training epochs (default: the data set's recipe, as nvit train: 16 for Fashion-MNIST).") Integer epochs;
    @Option(names = "--finetune-epochs", defaultValue = "2", description = "Fine-tuning epochs of the pruned model (default: ${DEFAULT-VALUE}).") int finetuneEpochs;
    @Option(names = "--target-latency", defaultValue = "0.5", description = "Fraction of the dense table latency (default: ${DEFAULT-VALUE}).") double target;
    @Option(names = "--interval", defaultValue = "20", description = "Batches between pruning steps (default: ${DEFAULT-VALUE}).") int interval;
    @Option(names = "--lut-batch", defaultValue = "512", description = "Batch at which the latency table is measured (default: ${DEFAULT-VALUE}; at small batches these small models are dominated by per-op overheads and half their latency is out of reach).") int lutBatch;
    @Option(names = "--seed", defaultValue = "0") long seed;

    @Override public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Files.createDirectories(output);
        Path dense = output.resolve("dense"), lut = output.resolve("lut.json"), prune = output.resolve("prune"),
                ft = output.resolve("finetune");
        long t0 = System.nanoTime();
        List<String> train = new ArrayList<>(List.of("train", "--model", model, "--data", data, "--seed", "" + seed,
                "--output", dense.toString()));
        if (epochs != null) train.addAll(List.of("--epochs", "" + epochs));
        stage(out, "1/5 train the dense model (the main training job: nvit train with these defaults)", train.toArray(String[]::new));
        stage(out, "2/5 measure a quick latency table on this machine", "lut", "build", "--checkpoint",
                dense.resolve("model.safetensors").toString(), "--grid", "quick", "--batch", "" + lutBatch, "--repeats", "9", "--out", lut.toString());
        stage(out, "3/5 prune to " + Math.round(100 * target) + "% of the table latency", "prune", "--checkpoint",
                dense.resolve("model.safetensors").toString(), "--data", data, "--lut", lut.toString(), "--target-latency",
                "" + target, "--interval", "" + interval, "--seed", "" + seed, "--output", prune.toString());
        stage(out, "4/5 fine-tune the pruned model, distilling from the dense one", "train", "--init",
                prune.resolve("model.safetensors").toString(), "--data", data, "--epochs", "" + finetuneEpochs,
                "--teacher", dense.resolve("model.safetensors").toString(), "--distillation-type", "soft",
                "--warmup-epochs", "0", "--seed", "" + seed, "--output", ft.toString());
        stage(out, "5/5 evaluate the fine-tuned pruned model", "eval", "--checkpoint",
                ft.resolve("model.safetensors").toString(), "--data", data);
        out.printf(Locale.ROOT, "%ndemo finished in %.1f min; pruning report: %s; fine-tuned model: %s%n",
                (System.nanoTime() - t0) / 60e9, prune.resolve("report.md"), ft.resolve("model.safetensors"));
        Path report = prune.resolve("report.md");
        if (Files.exists(report)) out.println("\n" + Files.readString(report));
        out.flush();
        return 0;
    }

    private void stage(PrintWriter out, String title, String... args) {
        out.printf("%n== demo %s: nvit %s%n", title, String.join(" ", args));
        out.flush();
        List<String> a = new ArrayList<>(List.of(args));
        int rc = Nvit.run(a.toArray(String[]::new));
        if (rc != 0) throw new IllegalStateException("demo stage '" + title + "' failed (exit " + rc + "); see the message above");
    }
}
