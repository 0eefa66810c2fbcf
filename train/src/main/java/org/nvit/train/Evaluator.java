package org.nvit.train;

import org.nvit.distributed.Communicator;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Tensor;
import org.nvit.models.VisionTransformer;
import org.nvit.data.Batch;
import org.nvit.data.DataLoader;

/**
 * Top-1, top-5 and cross-entropy of a model over a whole evaluation split (distilled models: the heads' average).
 *
 * <p>Ties and non-finite logits are never counted as hits. A row whose logits include NaN or infinity scores 0 and
 * is counted in {@link Result#nonFinite}; the loss over such a split is NaN. When the label ties with other classes,
 * the row scores the chance that a uniformly random order among the tied classes puts the label within the top k:
 * a constant model (a zeroed head) therefore scores exactly 1/classes, chance, instead of 100% (counting ties as
 * hits) or 0% (counting them as misses, below chance).
 */
public final class Evaluator {
    private Evaluator() {}

    /**
     * @param nonFinite images whose logits held NaN or infinity (scored as misses)
     */
    public record Result(double top1, double top5, double loss, long images, long nonFinite) {
        /** True when every logit was finite and so is the loss: only then do the figures describe the model. */
        public boolean finite() { return nonFinite == 0 && Double.isFinite(loss); }
    }

    /**
     * The result over the ranks of a data-parallel job that each evaluated their own part of a split (every rank gets
     * the same numbers): counts and sums added over the ranks with one all-reduce.
     */
    public static Result overRanks(Result mine, Communicator comm) {
        if (comm.size() == 1) return mine;
        float[] v = {(float) (mine.top1() * mine.images()), (float) (mine.top5() * mine.images()),
                (float) (mine.loss() * mine.images()), mine.images(), mine.nonFinite()};
        comm.allReduce(v, Communicator.Op.SUM);
        long n = Math.round(v[3]);
        return new Result(v[0] / n, v[1] / n, v[2] / n, n, Math.round(v[4]));
    }

    public static Result evaluate(VisionTransformer model, DataLoader loader) {
        return evaluate(model::predict, loader, 0);
    }

    /** The same for any logits function, over at most maxBatches batches (0 = the whole split). */
    public static Result evaluate(java.util.function.Function<Tensor, Tensor> predict, DataLoader loader, int maxBatches) {
        long n = 0, nonFinite = 0;
        double c1 = 0, c5 = 0, lossSum = 0;
        int batches = 0;
        try (var it = loader.iterator(0)) {
            while (it.hasNext() && (maxBatches <= 0 || batches++ < maxBatches)) {
                Batch b = it.next();
                try (MemoryScope scope = MemoryScope.open()) { // the batch's activations are recycled by the next
                    Tensor logits = predict.apply(b.images());
                    Backend be = Backends.of(logits);
                    Tensor host = logits.device() == org.nvit.engine.Device.CPU ? logits : be.toCpu(logits);
                    lossSum += hardCrossEntropy(host, b.labels()) * b.size();
                    for (int r = 0; r < b.size(); r++) {
                        if (!finiteRow(host, r)) { nonFinite++; continue; }
                        c1 += topKCredit(host, r, b.labels()[r], 1);
                        c5 += topKCredit(host, r, b.labels()[r], 5);
                    }
                }
                n += b.size();
            }
        }
        if (n == 0) throw new IllegalStateException("the evaluation split is empty");
        return new Result(c1 / n, c5 / n, lossSum / n, n, nonFinite);
    }

    static boolean finiteRow(Tensor logits, int row) {
        int classes = logits.dim(-1);
        for (int j = 0; j < classes; j++) if (!Float.isFinite((float) logits.getFlat((long) row * classes + j))) return false;
        return true;
    }

    /**
     * The expected top-k hit of a row of finite logits when ties are ordered at random: 1 when fewer than k classes
     * score at least the label's logit, 0 when k or more score strictly higher, and the share of the tied places that
     * fall within the top k otherwise.
     */
    static double topKCredit(Tensor logits, int row, int label, int k) {
        int classes = logits.dim(-1);
        double target = logits.getFlat((long) row * classes + label);
        int higher = 0, tied = 0;
        for (int j = 0; j < classes; j++) {
            if (j == label) continue;
            double v = logits.getFlat((long) row * classes + j);
            if (v > target) higher++;
            else if (v == target) tied++;
        }
        if (higher >= k) return 0;
        // the label takes one of the places higher .. higher + tied, each equally likely
        return Math.min(k - higher, tied + 1) / (double) (tied + 1);
    }

    static double hardCrossEntropy(Tensor logits, int[] labels) {
        int classes = logits.dim(-1);
        double total = 0;
        for (int r = 0; r < labels.length; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < classes; j++) max = Math.max(max, logits.getFlat((long) r * classes + j));
            double sum = 0;
            for (int j = 0; j < classes; j++) sum += Math.exp(logits.getFlat((long) r * classes + j) - max);
            total += max + Math.log(sum) - logits.getFlat((long) r * classes + labels[r]);
        }
        return total / labels.length;
    }
}
