package org.nvit.pruning;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.nvit.data.DataSources;
import picocli.CommandLine.Option;

/**
 * What a pruning run is parameterised by: the model and table, NViT's schedule ({@link PruneOptions}) and the run's
 * data, output and checkpoints. One typed object for every caller: {@code nvit prune} binds its flags onto it (it is
 * the command's picocli mixin) and a Java caller sets the same fields. Its JSON form is stored in every pruning
 * checkpoint, so that {@code --resume} continues with the same settings.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.PUBLIC_ONLY)
public final class PruneRunOptions {
    @Option(names = "--checkpoint", description = "Trained model to prune (.safetensors or .pth).")
    public String checkpoint;
    @Option(names = "--heads", description = "Head counts for a --checkpoint without config (N or a,b,c...).")
    public String heads;
    @Option(names = "--lut", description = "Latency table from 'nvit lut build'.")
    public String lut;
    @Option(names = {"--data", "--data-path"}, description = DataSources.USAGE + ".")
    public String data = "fashion-mnist";
    @Option(names = "--target-latency", description = "Stop at this fraction of the original table latency.")
    public double target = 0.5;
    @Option(names = {"--output", "--output_dir"}, description = "Output folder.")
    public String output = "runs/prune";
    @Option(names = "--interval", description = "Batches between pruning steps.")
    public int interval = 100;
    @Option(names = "--per-step", description = "Groups pruned per step.")
    public int perStep = 2;
    @Option(names = "--latency-reg", description = "Factor on the calibrated latency coefficient eta; 0 = importance only.")
    public double latencyReg = 1.0;
    @Option(names = "--eta", description = "An absolute latency coefficient (table seconds to importance units; the paper's "
            + "code uses 5e-4 with its V100 table) instead of the one calibrated at the first step from --latency-reg.")
    public Double eta;
    @Option(names = "--kl-coeff", description = "Weight of KL(teacher || student); 0 = no teacher.")
    public double klCoeff = 10;
    @Option(names = "--kl-tau", description = "KL temperature.")
    public double klTau = 3;
    @Option(names = "--max-steps", description = "At most this many pruning steps.")
    public int maxSteps = 1219;
    @Option(names = "--importance", description = "taylor, first-order or magnitude.")
    public String importance = "taylor";
    @Option(names = "--lr", description = "Constant AdamW learning rate.")
    public double lr = 1e-4;
    @Option(names = "--weight-decay", description = "AdamW weight decay.")
    public double weightDecay = 0.05;
    @Option(names = {"--batch-size", "-b"}, description = "Images per step.")
    public int batchSize = 64;
    @Option(names = {"-j", "--workers"}, description = "Data loading threads (default: one per core).")
    public int workers = org.nvit.data.LoaderDefaults.workers();
    @Option(names = "--seed", description = "Seed of the data order.")
    public long seed = 0;
    @Option(names = "--eval-batches", description = "Validation batches for the accuracies, 0 = the whole split.")
    public int evalBatches = 0;
    @Option(names = "--group-sizes", description = "Units pruned together per kind, e.g. emb=16,head=2,qk=8,v=8,mlp=16 (NViT's, the default).")
    public String groupSizes;
    @Option(names = "--no-measure", description = "Skip measuring the latency of the original and pruned models.")
    public boolean noMeasure;
    @Option(names = "--overwrite", description = "Prune into an --output folder that already holds a pruning run, replacing it.")
    @com.fasterxml.jackson.annotation.JsonIgnore public boolean overwrite;
    @Option(names = "--checkpoint-every", description = "Write the resumable state every N batches, 0 = only on SIGINT/SIGTERM.")
    public int checkpointEvery = 500;
    /** cpu, cuda or auto; set by the command's --device. */
    public String device = "cpu";
    /** GPU GEMM precision; set by the command's --precision. */
    public String precision;
    /** Ranks of the data-parallel job (set from the communicator, not a flag); --batch-size is per rank. */
    public int ranks = 1;

    /** NViT's schedule of these options. */
    public PruneOptions schedule() {
        return new PruneOptions(target, interval, perStep, latencyReg, klCoeff, klTau, maxSteps, lr, weightDecay, importance,
                parseGroupSizes(groupSizes), seed, eta);
    }

    /** Checks ranges; each message names the flag. */
    public PruneRunOptions validate() {
        if (checkpoint == null) throw new IllegalArgumentException("--checkpoint FILE is required (the trained model to prune)");
        if (lut == null) throw new IllegalArgumentException("--lut FILE is required (build one with: nvit lut build)");
        schedule();
        if (!(lr > 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("--lr must be a finite number > 0 (got " + lr + ")");
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be >= 1 (got " + batchSize + ")");
        if (workers < 1) throw new IllegalArgumentException("--workers must be >= 1 (got " + workers + ")");
        if (evalBatches < 0) throw new IllegalArgumentException("--eval-batches must be >= 0 (got " + evalBatches + ")");
        if (checkpointEvery < 0) throw new IllegalArgumentException("--checkpoint-every must be >= 0 (got " + checkpointEvery + ")");
        return this;
    }

    /** "emb=16,head=2,..." to sizes per kind; null or blank = the defaults (null). */
    public static Map<UnitKind, Integer> parseGroupSizes(String spec) {
        if (spec == null || spec.isBlank()) return null;
        Map<UnitKind, Integer> m = new EnumMap<>(UnitKind.class);
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
}
