package org.nvit.models.train;

import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Tensor;
import org.nvit.models.VisionTransformer;
import org.nvit.models.data.Batch;
import org.nvit.models.data.DataLoader;

/** Top-1, top-5 and cross-entropy of a model over a whole evaluation split (distilled models: the heads' average). */
public final class Evaluator {
    private Evaluator() {}

    public record Result(double top1, double top5, double loss, long images) {}

    public static Result evaluate(VisionTransformer model, DataLoader loader) {
        return evaluate(model::predict, loader, 0);
    }

    /** The same for any logits function, over at most maxBatches batches (0 = the whole split). */
    public static Result evaluate(java.util.function.Function<Tensor, Tensor> predict, DataLoader loader, int maxBatches) {
        long n = 0, c1 = 0, c5 = 0;
        double lossSum = 0;
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
                        int rank = rankOfLabel(host, r, b.labels()[r]);
                        if (rank < 1) c1++;
                        if (rank < 5) c5++;
                    }
                }
                n += b.size();
            }
        }
        if (n == 0) throw new IllegalStateException("the evaluation split is empty");
        return new Result(c1 / (double) n, c5 / (double) n, lossSum / n, n);
    }

    /** How many classes score strictly higher than the label (0 = top-1 hit). */
    static int rankOfLabel(Tensor logits, int row, int label) {
        int classes = logits.dim(-1);
        double target = logits.getFlat((long) row * classes + label);
        int higher = 0;
        for (int j = 0; j < classes; j++) if (logits.getFlat((long) row * classes + j) > target) higher++;
        return higher;
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
