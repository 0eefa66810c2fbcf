package org.nvit.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nvit.weights.Models;
import org.nvit.models.VisionTransformer;
import org.nvit.data.AugmentConfig;
import org.nvit.data.DataLoader;
import org.nvit.data.DataSource;
import org.nvit.data.DataSources;
import org.nvit.train.Evaluator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nvit eval}: top-1, top-5 and loss of a checkpoint on a data set's evaluation split. */
@Command(name = "eval", mixinStandardHelpOptions = true, description = "Evaluate a checkpoint: top-1, top-5, loss.")
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "Any checkpoint: ours, DeiT/timm .pth or safetensors, NViT.")
    Path checkpoint;
    @Option(names = "--heads", description = "Head counts for a file without config: N or a,b,c,... (default: head width 64).")
    String heads;
    @Option(names = "--data", defaultValue = "fashion-mnist", description = "Data source (default: ${DEFAULT-VALUE}).") String data;
    @Option(names = {"--batch-size", "-b"}, defaultValue = "256") int batchSize;
    @Option(names = "--workers", defaultValue = "1") int workers;
    @Option(names = "--json", description = "Last line: one JSON object with top1, top5, loss, images.") boolean json;
    @Mixin DeviceOptions devices;

    @Override public Integer call() throws Exception {
        var backend = devices.backend();
        VisionTransformer model = Models.load(checkpoint, Models.parseHeads(heads)).to(backend); // batches follow it
        var cfg = model.config();
        DataSource src = DataSources.open(data, cfg.inChans(), cfg.imageSize(), cfg.numClasses());
        if (src.numClasses() != cfg.numClasses() || src.channels() != cfg.inChans())
            throw new IllegalArgumentException("the model takes " + cfg.inChans() + "-channel images and has " + cfg.numClasses()
                    + " classes, but --data " + data + " has " + src.channels() + " and " + src.numClasses());
        AugmentConfig aug = AugmentConfig.defaultsFor(src, cfg.imageSize());
        long t0 = System.nanoTime();
        Evaluator.Result r;
        try (DataLoader val = DataLoader.eval(src.val(), aug, batchSize, workers)) {
            r = Evaluator.evaluate(model, val);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        String loss = Double.isFinite(r.loss()) ? String.format(Locale.ROOT, "%.4f", r.loss()) : "non-finite (" + r.loss() + ")";
        System.out.printf(Locale.ROOT, "%s on %s: top-1 %.2f%%  top-5 %.2f%%  loss %s  (%d images, %.1f s, %.0f img/s)%n",
                checkpoint, data, 100 * r.top1(), 100 * r.top5(), loss, r.images(), s, r.images() / s);
        if (!r.finite())
            System.err.printf("nvit: warning: %d of %d images got NaN or infinite logits (counted as misses); the model's "
                    + "weights or config (attn_scale, layer_norm_eps) do not give finite outputs%n", r.nonFinite(), r.images());
        if (json)   // JSON has no NaN: a non-finite loss is null
            System.out.printf(Locale.ROOT, "{\"top1\": %.6f, \"top5\": %.6f, \"loss\": %s, \"images\": %d, \"nonfinite\": %d}%n",
                    r.top1(), r.top5(), Double.isFinite(r.loss()) ? String.format(Locale.ROOT, "%.6f", r.loss()) : "null",
                    r.images(), r.nonFinite());
        return 0;
    }
}
