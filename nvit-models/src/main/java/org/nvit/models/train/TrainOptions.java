package org.nvit.models.train;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Set;

/**
 * What a training run is parameterised by: the DeiT recipe (section 7 of the NViT digest) with DeiT's flag names
 * where they exist. Boxed fields left null take the data set's defaults (see {@code AugmentConfig}); the JSON form is
 * stored in every checkpoint so that a resumed run continues with the same settings.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.PUBLIC_ONLY)
public final class TrainOptions {
    public String model = "vit_fmnist_patch7";
    public String configFile;
    /** Start from these weights (and their config) instead of a fresh init: fine-tuning, e.g. a pruned NViT. */
    public String init;
    public String initHeads;
    public String data = "fashion-mnist";
    public int epochs = 10;
    public int batchSize = 128;
    /** Peak learning rate; null = baseLr x batch / 512 (DeiT's linear scaling). */
    public Double lr;
    public double baseLr = 5e-4;
    public double minLr = 1e-5;
    public double warmupLr = 1e-6;
    /** Warm-up length in epochs; null = min(5, epochs / 10): DeiT's 5 for long runs, a tenth of a short one. */
    public Double warmupEpochs;
    public double weightDecay = 0.05;
    /** Stochastic depth of the last block; block i gets dropPath * i / (depth - 1). */
    public double dropPath = 0.1;
    public Double smoothing;
    public Double mixup;
    public Double cutmix;
    /** Global-norm gradient clipping; 0 = off. */
    public double clipGrad = 0;
    /** EMA decay of the weights; 0 = no EMA. */
    public double emaDecay = 0;
    public String teacher;
    public String teacherHeads;
    public String distillationType = "none";
    public double distillationAlpha = 0.5;
    public double distillationTau = 1.0;
    public String output = "runs/train";
    public long seed = 0;
    public String device = "cpu";
    /** GPU GEMM precision (fp32, tf32, bf16); null = the GPU default (tf32). Kept so that a resumed run matches. */
    public String precision;
    public int workers = 1;
    /** Also checkpoint every N optimizer steps (0 = only at epoch ends). */
    public int checkpointEvery = 0;
    /** Augmentation switches; null = the data set's default. */
    public Boolean randomCrop;
    public Boolean hflip;
    public Boolean randAugment;
    public Double reprob;
    /** Extra augmentation overrides, key=value[,key=value] (see AugmentConfig.withOverrides). */
    public String aug;
    /** Stop after this many optimizer steps in total (0 = run all epochs); for smoke tests and quick runs. */
    public long maxSteps = 0;
    /** Evaluation batch size. */
    public int evalBatchSize = 256;

    public double warmup() { return warmupEpochs != null ? warmupEpochs : Math.min(5, epochs / 10.0); }

    /** The peak learning rate: explicit, or scaled linearly with the batch. */
    public double peakLr() { return lr != null ? lr : baseLr * batchSize / 512.0; }

    /** Checks ranges; each message names the flag and what is valid. */
    public TrainOptions validate() {
        if (epochs < 1) throw new IllegalArgumentException("--epochs must be >= 1 (got " + epochs + ")");
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be >= 1 (got " + batchSize + ")");
        if (!(peakLr() > 0)) throw new IllegalArgumentException("--lr must be > 0");
        if (minLr < 0 || minLr > peakLr()) throw new IllegalArgumentException("--min-lr must be in [0, lr]");
        if (warmup() < 0 || warmup() > epochs)
            throw new IllegalArgumentException("--warmup-epochs must be in [0, epochs]");
        if (dropPath < 0 || dropPath >= 1) throw new IllegalArgumentException("--drop-path must be in [0, 1)");
        if (smoothing != null && (smoothing < 0 || smoothing >= 1))
            throw new IllegalArgumentException("--smoothing must be in [0, 1)");
        if (emaDecay < 0 || emaDecay >= 1) throw new IllegalArgumentException("--model-ema-decay must be in [0, 1)");
        if (clipGrad < 0) throw new IllegalArgumentException("--clip-grad must be >= 0");
        if (!Set.of("none", "soft", "hard").contains(distillationType))
            throw new IllegalArgumentException("--distillation-type must be none, soft or hard (got '" + distillationType + "')");
        if (!"none".equals(distillationType) && teacher == null)
            throw new IllegalArgumentException("--distillation-type " + distillationType + " needs --teacher FILE");
        if (distillationAlpha < 0 || distillationAlpha > 1)
            throw new IllegalArgumentException("--distillation-alpha must be in [0, 1]");
        if (distillationTau <= 0) throw new IllegalArgumentException("--distillation-tau must be > 0");
        if (checkpointEvery < 0) throw new IllegalArgumentException("--checkpoint-every must be >= 0");
        if (maxSteps < 0) throw new IllegalArgumentException("--max-steps must be >= 0");
        if (workers < 1) throw new IllegalArgumentException("--workers must be >= 1");
        return this;
    }
}
