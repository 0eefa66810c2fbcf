package org.nvit.train;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * What a training run is parameterised by: the DeiT recipe (section 7 of the NViT digest) with DeiT's flag names
 * where they exist. One typed object for every caller: {@code nvit train} binds its flags straight onto it (it is the
 * command's picocli mixin) and a Java caller sets the same fields, so both get the same recipe. Boxed fields left
 * null take the defaults of the data set ({@link Recipe}, {@code AugmentConfig}), filled in by {@link #resolved()};
 * the resolved JSON form is stored in every checkpoint so that a resumed run continues with the same settings.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.PUBLIC_ONLY)
public final class TrainOptions implements Cloneable {
    @Option(names = "--model", description = "Preset name.")
    public String model = "vit_fmnist_patch7";
    @Option(names = "--config", description = "Model config JSON file (instead of --model).")
    public String configFile;
    /** Start from these weights and their config (strict: every tensor must match), e.g. a pruned NViT. */
    @Option(names = "--init", description = "Start from this checkpoint's weights and config, exactly (e.g. a pruned model).")
    public String init;
    @Option(names = "--init-heads", description = "Head counts for an --init or --finetune file without config (N or a,b,c...).")
    public String initHeads;
    /**
     * Fine-tune these weights on new data: all but the classifier head(s) when the class count differs (a new head is
     * initialised), the position embedding resampled when the image size differs.
     */
    @Option(names = "--finetune", description = "Fine-tune this checkpoint on --data: a new head when the class count differs, "
            + "position embedding resampled (bicubic) when --img-size differs.")
    public String finetune;
    @Option(names = "--img-size", description = "Image size of the model (default: the model's).")
    public Integer imgSize;
    @Option(names = {"--data", "--data-path"}, description = "fashion-mnist | cifar10:DIR | imagefolder:DIR (or a bare folder) | synthetic.")
    public String data = "fashion-mnist";
    @Option(names = "--epochs", description = "Epochs (default: per data set, 16 for Fashion-MNIST; with --resume: the checkpoint's).")
    public Integer epochs;
    @Option(names = {"--batch-size", "-b"}, description = "Images per step.")
    public int batchSize = 128;
    /** Peak learning rate; null = the data set's (Fashion-MNIST 2e-3), else baseLr x batch / 512 (DeiT's linear scaling). */
    @Option(names = "--lr", description = "Peak learning rate (default: per data set; DeiT's 5e-4 x batch / 512 for image folders, 2e-3 for Fashion-MNIST).")
    public Double lr;
    /** DeiT's rule: a base rate scaled by the total batch / 512 (the effective lr is printed at start). */
    @Option(names = "--blr", description = "Base learning rate, scaled by the total batch / 512 as DeiT scales its --lr (instead of --lr, which is absolute).")
    public Double blr;
    public double baseLr = 5e-4;
    @Option(names = "--min-lr", description = "Final learning rate of the cosine schedule (default: 1e-5, or lr/10 when that is lower).")
    public Double minLr;
    @Option(names = "--warmup-lr", description = "Learning rate at the start of the warm-up (default: 1e-6, or lr/10 when that is lower).")
    public Double warmupLr;
    /** Warm-up length in epochs; null = min(5, epochs / 10): DeiT's 5 for long runs, a tenth of a short one. */
    @Option(names = "--warmup-epochs", description = "Default: min(5, epochs / 10).")
    public Double warmupEpochs;
    @Option(names = "--weight-decay", description = "AdamW weight decay.")
    public double weightDecay = 0.05;
    /** Stochastic depth of the last block; block i gets dropPath * i / (depth - 1). */
    @Option(names = "--drop-path", description = "Stochastic depth (default: per data set; 0.1, 0 for Fashion-MNIST).")
    public Double dropPath;
    @Option(names = "--smoothing", description = "Label smoothing (default: per data set).")
    public Double smoothing;
    @Option(names = "--mixup", description = "Mixup alpha, 0 = off (default: per data set).")
    public Double mixup;
    @Option(names = "--cutmix", description = "CutMix alpha, 0 = off (default: per data set).")
    public Double cutmix;
    /** Global-norm gradient clipping; 0 = off. */
    @Option(names = "--clip-grad", description = "Gradient clipping by global norm, 0 = off.")
    public double clipGrad = 0;
    /** EMA decay of the weights; 0 = no EMA. */
    @Option(names = "--model-ema-decay", description = "EMA of weights, 0 = off.")
    public double emaDecay = 0;
    /** DeiT's switch: an EMA of the weights at DeiT's decay 0.99996 unless --model-ema-decay says otherwise. */
    @Option(names = "--model-ema", description = "Keep an EMA of the weights at DeiT's decay 0.99996 (see --model-ema-decay).")
    public boolean modelEma;
    @Option(names = {"--num-classes", "--nb-classes"}, description = "Classes of the model's head (default: the data set's; must match it).")
    public Integer numClasses;
    /** Evaluate the model (--resume, --init or --finetune) on the validation split, without training. */
    @Option(names = "--eval", description = "Only evaluate the model given by --init, --finetune or --resume on the validation split.")
    @com.fasterxml.jackson.annotation.JsonIgnore public boolean evalOnly;
    @Option(names = "--overwrite", description = "Train into an --output folder that already holds a run, replacing its files.")
    @com.fasterxml.jackson.annotation.JsonIgnore public boolean overwrite;
    @Option(names = "--teacher", description = "Teacher checkpoint for distillation.")
    public String teacher;
    @Option(names = "--teacher-heads", description = "Head counts of a teacher file without config (N or a,b,c...).")
    public String teacherHeads;
    @Option(names = "--distillation-type", description = "none | soft | hard.")
    public String distillationType = "none";
    @Option(names = "--distillation-alpha", description = "Weight of the distillation term.")
    public double distillationAlpha = 0.5;
    @Option(names = "--distillation-tau", description = "Soft distillation temperature.")
    public double distillationTau = 1.0;
    @Option(names = {"--output", "--output_dir"}, description = "Output folder.")
    public String output = "runs/train";
    @Option(names = "--seed", description = "Seed of the init, the data order and every random draw.")
    public long seed = 0;
    /** cpu, cuda or auto; set by the command's --device. */
    public String device = "cpu";
    /** GPU GEMM precision (fp32, tf32, bf16); null = the GPU default (tf32). Kept so that a resumed run matches. */
    public String precision;
    @Option(names = {"-j", "--workers"}, description = "Data loading threads (default: one per core).")
    public int workers = org.nvit.data.LoaderDefaults.workers();
    /** Also checkpoint every N optimizer steps (0 = only at epoch ends). */
    @Option(names = "--checkpoint-every", description = "Also checkpoint every N steps, 0 = only at epoch ends.")
    public int checkpointEvery = 0;
    /** Augmentation switches; null = the data set's default. */
    @Option(names = "--random-crop", negatable = true, description = "Random crop augmentation (default: per data set).")
    public Boolean randomCrop;
    @Option(names = "--hflip", negatable = true, description = "Horizontal flip (default: per data set).")
    public Boolean hflip;
    @Option(names = "--rand-augment", negatable = true, description = "RandAugment m9-mstd0.5 (default: per data set).")
    public Boolean randAugment;
    @Option(names = "--reprob", description = "Random erasing probability (default: per data set).")
    public Double reprob;
    /** Extra augmentation overrides, key=value[,key=value] (see AugmentConfig.withOverrides). */
    @Option(names = "--aug", description = "Augmentation overrides key=value,... (rrc, scale, pad, hflip, randaug, erasing, mixup, cutmix, smoothing, ...).")
    public String aug;
    /** Stop after this many optimizer steps in total (0 = run all epochs); for smoke tests and quick runs. */
    @Option(names = "--max-steps", description = "Stop after N optimizer steps, 0 = all epochs.")
    public long maxSteps = 0;
    @Option(names = "--eval-batch-size", description = "Evaluation batch size.")
    public int evalBatchSize = 256;
    /** Ranks of the data-parallel job (set from the communicator, not a flag); --batch-size is per rank. */
    public int ranks = 1;

    /** Images per optimizer step over all ranks. */
    public int effectiveBatch() { return batchSize * ranks; }

    public double warmup() { return warmupEpochs != null ? warmupEpochs : Math.min(5, epochs() / 10.0); }

    /** Epochs: explicit, or the data set's recipe. */
    public int epochs() { return epochs != null ? epochs : Recipe.defaultsFor(data).epochs(); }

    /** The peak learning rate: explicit, the data set's, or scaled linearly with the batch (DeiT). */
    public double peakLr() {
        if (lr != null) return lr;
        if (blr != null) return blr * effectiveBatch() / 512.0;
        Double r = Recipe.defaultsFor(data).lr();
        return r != null ? r : baseLr * effectiveBatch() / 512.0;
    }

    public double minLr() { return minLr != null ? minLr : Math.min(1e-5, peakLr() / 10); }

    public double warmupLr() { return warmupLr != null ? warmupLr : Math.min(1e-6, peakLr() / 10); }

    public double dropPath() { return dropPath != null ? dropPath : Recipe.defaultsFor(data).dropPath(); }

    /** A copy with every recipe default filled in (what a checkpoint stores). */
    public TrainOptions resolved() {
        TrainOptions o = copy();
        o.epochs = epochs();
        o.lr = peakLr();
        o.blr = null;
        if (modelEma && emaDecay == 0) o.emaDecay = 0.99996;
        o.modelEma = false;
        o.minLr = minLr();
        o.warmupLr = warmupLr();
        o.dropPath = dropPath();
        o.warmupEpochs = warmup();
        return o;
    }

    public TrainOptions copy() {
        try {
            return (TrainOptions) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    @Override protected Object clone() throws CloneNotSupportedException { return super.clone(); }

    /** Checks ranges; each message names the flag and what is valid. */
    public TrainOptions validate() {
        if (epochs() < 1) throw new IllegalArgumentException("--epochs must be >= 1 (got " + epochs() + ")");
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be >= 1 (got " + batchSize + ")");
        if (ranks < 1) throw new IllegalArgumentException("a job needs >= 1 rank (got " + ranks + ")");
        if (lr != null && blr != null)
            throw new IllegalArgumentException("--lr and --blr exclude each other: --lr is the rate itself, --blr a base rate scaled by the total batch / 512");
        if (numClasses != null && numClasses < 1) throw new IllegalArgumentException("--num-classes must be >= 1");
        if (!(peakLr() > 0) || Double.isInfinite(peakLr()))
            throw new IllegalArgumentException("--lr must be a finite number > 0 (got " + peakLr() + ")");
        if (!(minLr() >= 0) || minLr() > peakLr())
            throw new IllegalArgumentException("--min-lr must be in [0, lr = " + peakLr() + "] (got " + minLr() + ")");
        if (!(warmupLr() >= 0) || Double.isInfinite(warmupLr()))
            throw new IllegalArgumentException("--warmup-lr must be a finite number >= 0 (got " + warmupLr() + ")");
        if (!(warmup() >= 0) || warmup() > epochs())
            throw new IllegalArgumentException("--warmup-epochs must be in [0, epochs]");
        if (!(dropPath() >= 0) || dropPath() >= 1) throw new IllegalArgumentException("--drop-path must be in [0, 1)");
        if (smoothing != null && !(smoothing >= 0 && smoothing < 1))
            throw new IllegalArgumentException("--smoothing must be in [0, 1)");
        if (!(emaDecay >= 0) || emaDecay >= 1) throw new IllegalArgumentException("--model-ema-decay must be in [0, 1)");
        if (!(clipGrad >= 0) || Double.isInfinite(clipGrad)) throw new IllegalArgumentException("--clip-grad must be a finite number >= 0");
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) throw new IllegalArgumentException("--weight-decay must be a finite number >= 0");
        if (!Set.of("none", "soft", "hard").contains(distillationType))
            throw new IllegalArgumentException("--distillation-type must be none, soft or hard (got '" + distillationType + "')");
        if (!"none".equals(distillationType) && teacher == null)
            throw new IllegalArgumentException("--distillation-type " + distillationType + " needs --teacher FILE");
        if (!(distillationAlpha >= 0 && distillationAlpha <= 1))
            throw new IllegalArgumentException("--distillation-alpha must be in [0, 1]");
        if (!(distillationTau > 0) || Double.isInfinite(distillationTau)) throw new IllegalArgumentException("--distillation-tau must be > 0");
        if (checkpointEvery < 0) throw new IllegalArgumentException("--checkpoint-every must be >= 0");
        if (maxSteps < 0) throw new IllegalArgumentException("--max-steps must be >= 0");
        if (workers < 1) throw new IllegalArgumentException("--workers must be >= 1");
        if (evalBatchSize < 1) throw new IllegalArgumentException("--eval-batch-size must be >= 1");
        if (imgSize != null && (imgSize < 1 || imgSize > 4096)) throw new IllegalArgumentException("--img-size must be in [1, 4096]");
        if (init != null && finetune != null)
            throw new IllegalArgumentException("--init and --finetune exclude each other: --init loads a model exactly, --finetune adapts one to new data");
        return this;
    }
}
