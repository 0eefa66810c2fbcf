package org.nvit.cli;

import java.util.Map;
import java.util.function.Consumer;
import org.nvit.engine.Tensor;
import org.nvit.models.FineTune;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.weights.WeightFiles;

/** A checkpoint's model at an image size: its own, or another one with the position embedding resampled (as timm does). */
final class SizedModel {
    private SizedModel() {}

    static VisionTransformer of(WeightFiles.Loaded ck, int imageSize, Consumer<String> note) {
        VitConfig cfg = ck.config();
        Map<String, Tensor> sd = ck.stateDict();
        if (imageSize != cfg.imageSize()) {
            FineTune.Adapted a = FineTune.adapt(cfg, sd, cfg.numClasses(), imageSize);
            for (String n : a.notes()) note.accept("nvit: " + n);
            cfg = a.config();
            sd = a.weights();
        }
        VisionTransformer m = new VisionTransformer(cfg, 0);
        m.loadStateDict(sd);
        return m;
    }
}
