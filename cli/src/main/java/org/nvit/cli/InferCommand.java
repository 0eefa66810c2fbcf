package org.nvit.cli;

import org.nvit.weights.OutputGuard;
import org.nvit.weights.Models;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nvit.autograd.NoGrad;
import org.nvit.autograd.Var;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.Device;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Shape;
import org.nvit.engine.Tensor;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.weights.Safetensors;
import org.nvit.weights.WeightFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nvit infer}: runs a checkpoint on a batch of images from a safetensors file (tensor {@code images}
 * [B, C, H, W]) and writes the logits ({@code logits}; for distilled models also {@code logits_cls} and
 * {@code logits_dist}) to another safetensors file.
 */
@Command(name = "infer", mixinStandardHelpOptions = true,
        description = "Logits of a checkpoint on images read from a safetensors file.")
public final class InferCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true,
            description = "model weights: our .safetensors, timm's, or a DeiT/NViT PyTorch checkpoint")
    Path checkpoint;
    @Option(names = "--heads", description = "heads per block (\"12\" or \"4,6,..\") for files without a stored config")
    String heads;
    @Option(names = "--input", required = true, description = "safetensors file with a float tensor 'images' [B, C, H, W]")
    Path input;
    @Option(names = "--output", required = true, description = "safetensors file to write the logits to") Path output;
    @Option(names = "--batch", defaultValue = "64", description = "images per forward pass (default ${DEFAULT-VALUE})") int batch;
    @Mixin DeviceOptions devices;

    @Override public Integer call() throws Exception {
        if (batch < 1) throw new IllegalArgumentException("--batch must be >= 1");
        OutputGuard.check("--output", output, OutputGuard.input("--checkpoint", checkpoint), OutputGuard.input("--input", input));
        Backend backend = devices.backend();
        WeightFiles.Loaded ck = WeightFiles.load(checkpoint, Models.parseHeads(heads));
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
        System.out.printf("wrote logits of %d images (%d classes) to %s%n", n, k, output);
        return 0;
    }

    /** Copies the batch's logits (on any device: one copy to the host) into rows row0.. of dst. */
    private static void copyRows(Tensor src, Tensor dst, int row0) {
        float[] host = (src.device() == Device.CPU ? src : Backends.of(src).toCpu(src)).toFloatArray();
        System.arraycopy(host, 0, dst.floats(), dst.off() + row0 * dst.dim(1), host.length);
    }
}
