package org.nvit.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nvit.autograd.NoGrad;
import org.nvit.autograd.Var;
import org.nvit.data.AugmentConfig;
import org.nvit.data.Batch;
import org.nvit.data.DataLoader;
import org.nvit.data.ImageFiles;
import org.nvit.data.LoaderDefaults;
import org.nvit.data.Preprocess;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.Device;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Shape;
import org.nvit.engine.Tensor;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.train.ModelFileMetadata;
import org.nvit.weights.AtomicFiles;
import org.nvit.weights.Models;
import org.nvit.weights.OutputGuard;
import org.nvit.weights.Safetensors;
import org.nvit.weights.WeightFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code nvit infer}, two modes. Images (files or folders, .jpg/.jpeg/.png): the top-k classes per image as CSV or
 * JSON, as timm's inference.py writes them ({@link TopK}), preprocessed as {@code nvit eval} does. A tensor: a
 * safetensors file whose tensor {@code images} [B, C, H, W] is already preprocessed; its logits ({@code logits}; for
 * distilled models also {@code logits_cls} and {@code logits_dist}) go to another safetensors file.
 */
@Command(name = "infer", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Top-k classes of image files or folders as CSV or JSON (as timm's inference.py), or the logits of a"
                + " tensor 'images' [B, C, H, W] in a safetensors file.")
public final class InferCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--checkpoint", required = true,
            description = "Model weights: our .safetensors, timm's, or a DeiT/NViT PyTorch checkpoint.")
    Path checkpoint;
    @Option(names = "--heads", paramLabel = "N[,N...]",
            description = "Heads per block (\"12\" or \"4,6,..\") for files without a stored config.")
    String heads;
    @Option(names = "--input", required = true, arity = "1..*", paramLabel = "PATH",
            description = "Image files, folders of images (searched recursively), or one .safetensors file with a float tensor 'images' [B, C, H, W].")
    List<Path> inputs;
    @Option(names = {"--output", "-o"}, paramLabel = "FILE",
            description = "File to write (atomically). Images: the CSV or JSON (default: standard output); a tensor: the logits' .safetensors (required).")
    Path output;
    @Option(names = {"--batch-size", "-b", "--batch"}, defaultValue = "64", description = "Images per forward pass.") int batch;
    @Option(names = "--topk", defaultValue = "5", description = "Classes per image (images mode; at most the model's class count).") int topk;
    @Option(names = "--format", paramLabel = "csv|json",
            description = "Images mode: csv (filename, index_0.., label_0.., prob_0..) or json ({filename: {index, label, prob}}) (default: json when --output ends in .json, else csv).")
    String format;
    @Option(names = "--class-map", paramLabel = "FILE",
            description = "Class names, one per line in class order (default: the names stored in the model file, if any).")
    Path classMap;
    @Option(names = {"--workers", "-j"}, description = "Image decoding threads (default: one per core).")
    int workers = LoaderDefaults.workers();
    @Mixin PreprocessOptions preprocessing;
    @Mixin DeviceOptions devices;

    @Override public Integer call() throws Exception {
        if (batch < 1 || workers < 1) throw new IllegalArgumentException("--batch-size and --workers must be >= 1");
        boolean tensors = inputs.stream().anyMatch(p -> p.getFileName() != null && p.getFileName().toString().endsWith(".safetensors"));
        if (tensors) {
            if (inputs.size() != 1)
                throw new IllegalArgumentException("--input takes one .safetensors file, or image files and folders, not both");
            if (output == null)
                throw new IllegalArgumentException("--output is required for a tensor input: the .safetensors file to write the logits to");
            return tensorMode(inputs.get(0));
        }
        return imageMode();
    }

    private Integer imageMode() throws Exception {
        if (topk < 1) throw new IllegalArgumentException("--topk must be >= 1");
        String fmt = format != null ? format.toLowerCase(Locale.ROOT)
                : output != null && output.toString().toLowerCase(Locale.ROOT).endsWith(".json") ? "json" : "csv";
        if (!fmt.equals("csv") && !fmt.equals("json")) throw new IllegalArgumentException("--format must be csv or json, not '" + format + "'");
        List<OutputGuard.Input> ins = new ArrayList<>(List.of(OutputGuard.input("--checkpoint", checkpoint)));
        for (Path p : inputs) ins.add(OutputGuard.input("--input", p));
        if (classMap != null) ins.add(OutputGuard.input("--class-map", classMap));
        if (output != null) {
            OutputGuard.check("--output", output, ins.toArray(OutputGuard.Input[]::new));
            OutputFiles.check(checkpoint, output);
        }
        PrintWriter err = spec.commandLine().getErr();
        Backend backend = devices.backend();
        WeightFiles.Loaded ck = Models.read(checkpoint, Models.parseHeads(heads));
        VitConfig cfg = ck.config();
        List<String> names = classMap != null ? readClassMap(classMap, cfg.numClasses()) : ModelFileMetadata.classNames(ck);
        int channels = cfg.inChans() == 1 ? 1 : 3;
        if (cfg.inChans() != channels) throw new IllegalArgumentException("the model takes " + cfg.inChans()
                + "-channel images; image files give 1 (grey) or 3 (RGB)");
        Preprocess defaults = AugmentConfig.defaultsFor("imagefolder", channels, cfg.imageSize()).preprocess();
        PreprocessOptions.Resolved pre = preprocessing.resolve(ck, defaults, "ImageNet's defaults (the file stores none)");
        Preprocess p = pre.preprocess();
        err.println("nvit: preprocessing (" + pre.source() + "): " + p);
        err.flush();
        ImageFiles images = ImageFiles.of(inputs, channels, p.imageSize());
        VisionTransformer net = SizedModel.of(ck, p.imageSize(), line -> { err.println(line); err.flush(); }).to(backend);
        int k = Math.min(topk, cfg.numClasses());
        TopK result = new TopK(k, names);
        AugmentConfig aug = AugmentConfig.defaultsFor("imagefolder", channels, p.imageSize()).withPreprocess(p);
        long t0 = System.nanoTime();
        try (DataLoader dl = DataLoader.eval(images, aug, batch, workers); var it = dl.iterator(0)) {
            while (it.hasNext()) {
                Batch b = it.next();
                try (NoGrad g = NoGrad.open(); MemoryScope scope = MemoryScope.open()) {
                    float[] logits = host(net.predict(net.onDevice(b.images())));
                    for (int r = 0; r < b.size(); r++)
                        result.add(images.name(b.indices()[r]), logits, r * cfg.numClasses(), cfg.numClasses());
                }
            }
        }
        String text = fmt.equals("json") ? result.json() : result.csv();
        if (output != null) {
            OutputFiles.write(output, () -> AtomicFiles.writeString(output, text));
            err.printf(Locale.ROOT, "nvit: wrote the top-%d classes of %d images to %s (%.1f s)%n", k, images.size(), output,
                    (System.nanoTime() - t0) / 1e9);
        } else {
            PrintWriter out = spec.commandLine().getOut();
            out.print(text);
            out.flush();
        }
        err.flush();
        return 0;
    }

    /** timm's class map: one name per line, the line number the class index; blank lines at the end are ignored. */
    static List<String> readClassMap(Path file, int classes) throws java.io.IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        while (!lines.isEmpty() && lines.getLast().isBlank()) lines.removeLast();
        if (lines.size() != classes)
            throw new IllegalArgumentException("--class-map " + file + " has " + lines.size() + " names but the model has "
                    + classes + " classes; give one name per line, in class order");
        return lines.stream().map(String::strip).toList();
    }

    private Integer tensorMode(Path input) throws Exception {
        OutputGuard.check("--output", output, OutputGuard.input("--checkpoint", checkpoint), OutputGuard.input("--input", input));
        Backend backend = devices.backend();
        WeightFiles.Loaded ck = Models.read(checkpoint, Models.parseHeads(heads));
        VitConfig cfg = ck.config();
        VisionTransformer net = new VisionTransformer(cfg, 0);
        net.loadStateDict(ck.stateDict());
        net.to(backend);

        Tensor images = Safetensors.read(input).tensors().get("images");
        if (images == null) throw new IllegalArgumentException(input + " has no tensor named 'images'");
        int[] s = images.shape();
        if (s.length != 4 || s[1] != cfg.inChans() || s[2] != cfg.imageSize() || s[3] != cfg.imageSize())
            throw new IllegalArgumentException("'images' in " + input + " has shape " + Shape.str(s) + "; the model needs [B, "
                    + cfg.inChans() + ", " + cfg.imageSize() + ", " + cfg.imageSize() + "]");
        int n = s[0], k = cfg.numClasses();
        Tensor logits = Tensor.zeros(n, k);
        Tensor cls = cfg.distilled() ? Tensor.zeros(n, k) : null, dist = cfg.distilled() ? Tensor.zeros(n, k) : null;
        for (int b0 = 0; b0 < n; b0 += batch) {
            int b1 = Math.min(n, b0 + batch);
            try (NoGrad g = NoGrad.open(); MemoryScope scope = MemoryScope.open()) {
                VisionTransformer.Output out = net.forward(Var.constant(net.onDevice(images.slice(b0, b1).copy())), false, 0, null);
                copyRows(out.eval().value(), logits, b0);
                if (cls != null) {
                    copyRows(out.cls().value(), cls, b0);
                    copyRows(out.dist().value(), dist, b0);
                }
            }
        }
        Map<String, Tensor> result = new LinkedHashMap<>();
        result.put("logits", logits);
        if (cls != null) {
            result.put("logits_cls", cls);
            result.put("logits_dist", dist);
        }
        Safetensors.write(output, result, Map.of(WeightFiles.CONFIG_KEY, cfg.toJson()));
        spec.commandLine().getOut().printf("wrote logits of %d images (%d classes) to %s%n", n, k, output);
        spec.commandLine().getOut().flush();
        return 0;
    }

    private static float[] host(Tensor t) {
        return (t.device() == Device.CPU ? t : Backends.of(t).toCpu(t)).toFloatArray();
    }

    /** Copies the batch's logits (on any device: one copy to the host) into rows row0.. of dst. */
    private static void copyRows(Tensor src, Tensor dst, int row0) {
        float[] host = host(src);
        System.arraycopy(host, 0, dst.floats(), dst.off() + row0 * dst.dim(1), host.length);
    }

}
