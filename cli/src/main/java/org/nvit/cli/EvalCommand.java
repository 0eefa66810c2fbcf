package org.nvit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nvit.data.AugmentConfig;
import org.nvit.data.DataLoader;
import org.nvit.data.DataSource;
import org.nvit.data.DataSources;
import org.nvit.data.LoaderDefaults;
import org.nvit.data.Preprocess;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.train.Evaluator;
import org.nvit.weights.Models;
import org.nvit.weights.WeightFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nvit eval}: top-1, top-5 and loss of a checkpoint on a data set's evaluation split, with the preprocessing
 * stored in the model file (else the data set's defaults), each field overridable.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Evaluate a checkpoint: top-1, top-5 (in %%), loss; with the model file's preprocessing unless overridden.")
public final class EvalCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    @Spec CommandSpec spec;
    @Option(names = "--checkpoint", required = true, description = "Any checkpoint: ours, DeiT/timm .pth or safetensors, NViT.")
    Path checkpoint;
    @Option(names = "--heads", paramLabel = "N[,N...]",
            description = "Head counts for a file without config: N or a,b,c,... (default: head width 64).")
    String heads;
    @Option(names = {"--data", "--data-path"}, defaultValue = "fashion-mnist",
            description = "Data source: fashion-mnist[:DIR], cifar10:DIR, imagefolder:DIR (DIR/val/<class>/*) or synthetic[:N].")
    String data;
    @Option(names = {"--batch-size", "-b"}, defaultValue = "256", description = "Images per forward pass.") int batchSize;
    @Option(names = {"--workers", "-j"}, description = "Data loading threads (default: one per core).")
    int workers = LoaderDefaults.workers();
    @Option(names = "--json", description = "Print only one JSON object on standard output (top1 and top5 in %%); the human line goes to standard error.")
    boolean json;
    @Mixin PreprocessOptions preprocessing;
    @Mixin DeviceOptions devices;

    @Override public Integer call() throws Exception {
        if (batchSize < 1 || workers < 1) throw new IllegalArgumentException("--batch-size and --workers must be >= 1");
        PrintWriter err = spec.commandLine().getErr(), out = spec.commandLine().getOut();
        var backend = devices.backend();
        WeightFiles.Loaded ck = Models.read(checkpoint, Models.parseHeads(heads));
        VitConfig cfg = ck.config();
        DataSource src = DataSources.open(data, cfg.inChans(), cfg.imageSize(), cfg.numClasses());
        if (src.numClasses() != cfg.numClasses() || src.channels() != cfg.inChans())
            throw new IllegalArgumentException("the model takes " + cfg.inChans() + "-channel images and has " + cfg.numClasses()
                    + " classes, but --data " + data + " has " + src.channels() + " and " + src.numClasses());
        Preprocess defaults = AugmentConfig.defaultsFor(src, cfg.imageSize()).preprocess();
        PreprocessOptions.Resolved pre = preprocessing.resolve(ck, defaults, src.kind() + "'s defaults");
        Preprocess p = pre.preprocess();
        err.println("nvit: preprocessing (" + pre.source() + "): " + p);
        err.flush();
        VisionTransformer model = SizedModel.of(ck, p.imageSize(), line -> { err.println(line); err.flush(); }).to(backend);
        AugmentConfig aug = AugmentConfig.defaultsFor(src, p.imageSize()).withPreprocess(p);
        long t0 = System.nanoTime();
        Evaluator.Result r;
        try (DataLoader val = DataLoader.eval(src.val(), aug, batchSize, workers)) {
            r = Evaluator.evaluate(model, val);
        }
        double s = (System.nanoTime() - t0) / 1e9;
        String loss = Double.isFinite(r.loss()) ? String.format(Locale.ROOT, "%.4f", r.loss()) : "non-finite (" + r.loss() + ")";
        PrintWriter human = json ? err : out;
        human.printf(Locale.ROOT, "%s on %s: top-1 %.2f%%  top-5 %.2f%%  loss %s  (%d images, %.1f s, %.0f img/s)%n",
                checkpoint, data, 100 * r.top1(), 100 * r.top5(), loss, r.images(), s, r.images() / s);
        human.flush();
        if (!r.finite())
            err.printf("nvit: warning: %d of %d images got NaN or infinite logits (counted as misses); the model's "
                    + "weights or config (attn_scale, layer_norm_eps) do not give finite outputs%n", r.nonFinite(), r.images());
        err.flush();
        if (json) {   // JSON has no NaN: a non-finite loss is null
            ObjectNode n = JSON.createObjectNode();
            n.put("checkpoint", checkpoint.toString());
            n.put("data", data);
            n.put("top1", round(100 * r.top1()));
            n.put("top5", round(100 * r.top5()));
            if (Double.isFinite(r.loss())) n.put("loss", round(r.loss())); else n.putNull("loss");
            n.put("images", r.images());
            n.put("nonfinite", r.nonFinite());
            n.put("img_size", p.imageSize());
            n.put("crop_pct", p.cropPct());
            n.put("interpolation", p.interpolation().name().toLowerCase(Locale.ROOT));
            n.set("preprocess", JSON.readTree(p.toJson()));
            n.put("seconds", round(s));
            n.put("images_per_s", round(r.images() / s));
            out.println(JSON.writeValueAsString(n));
            out.flush();
        }
        return 0;
    }

    /** Six significant decimals, as the console prints fewer. */
    private static double round(double v) { return Math.round(v * 1e6) / 1e6; }
}
