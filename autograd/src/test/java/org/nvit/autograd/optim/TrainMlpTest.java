package org.nvit.autograd.optim;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.ref.WeakReference;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nvit.autograd.F;
import org.nvit.autograd.Var;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;

/** End to end: a 2-layer GELU MLP learns a fixed synthetic problem with AdamW, the schedule and clipping (F32). */
class TrainMlpTest {
    static final int N = 128, IN = 8, HIDDEN = 32, CLASSES = 4;

    @Test void mlpLearnsSeparableClusters() {
        Rng rng = new Rng(11);
        // four Gaussian clusters (std 0.5) around random centres of norm ~2.8 in 8-D
        Tensor centres = Tensor.randn(DType.F32, rng, 1.0, CLASSES, IN);
        Tensor x = Tensor.zeros(N, IN);
        int[] labels = new int[N];
        for (int i = 0; i < N; i++) {
            labels[i] = i % CLASSES;
            for (int j = 0; j < IN; j++) x.set(centres.get(labels[i], j) + 0.5 * rng.nextGaussian(), i, j);
        }
        Var w1 = Var.param("fc1.weight", Tensor.randn(DType.F32, rng, 0.3, HIDDEN, IN));
        Var b1 = Var.param("fc1.bias", Tensor.zeros(HIDDEN));
        Var w2 = Var.param("fc2.weight", Tensor.randn(DType.F32, rng, 0.2, CLASSES, HIDDEN));
        Var b2 = Var.param("fc2.bias", Tensor.zeros(CLASSES));
        List<Var> params = List.of(w1, b1, w2, b2);
        AdamW opt = new AdamW(params, 1e-2, 0.01);
        int steps = 200;
        var schedule = new CosineSchedule(1e-2, 1e-4, 10, steps, 1e-4);
        Var input = Var.constant(x);
        double first = 0, last = 0;
        for (int s = 0; s < steps; s++) {
            opt.setLr(schedule.lr(s));
            Var loss = F.crossEntropy(F.linear(F.gelu(F.linear(input, w1, b1)), w2, b2), labels, 0);
            loss.backward();
            GradClip.clipGlobalNorm(params, 5.0);
            opt.step();
            opt.zeroGrad();
            last = loss.value().getFlat(0);
            if (s == 0) first = last;
        }
        assertTrue(first > 1.0, "initial loss " + first);
        assertTrue(last < 0.05, "loss after " + steps + " steps: " + last + " (started at " + first + ")");
        for (Var p : params) assertNull(p.grad(), "zeroGrad left a gradient on " + p.name());
    }

    /** After backward, nothing but the caller's own references keeps the step's activations alive. */
    @Test void trainingStepDoesNotRetainTheGraph() throws InterruptedException {
        Var w = Var.param("w", Tensor.randn(DType.F32, new Rng(1), 0.1, 64, 64));
        Var x = Var.constant(Tensor.randn(DType.F32, new Rng(2), 1.0, 16, 64));
        WeakReference<Var>[] hidden = stepAndKeepWeakRefs(w, x);
        for (int i = 0; i < 20 && hidden[0].get() != null | hidden[1].get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertNull(hidden[0].get(), "the graph's intermediate values are still reachable after backward");
        assertNull(hidden[1].get(), "the graph's intermediate values are still reachable after backward");
        assertNotNull(w.grad());
    }

    @SuppressWarnings("unchecked")
    private static WeakReference<Var>[] stepAndKeepWeakRefs(Var w, Var x) {
        Var h = F.linear(x, w, null);
        Var g = F.softmax(F.gelu(h), 1.0);
        Var loss = F.mean(F.linear(g, w, null));
        loss.backward();
        LOSS_HOLDER[0] = loss; // the caller keeps the loss (e.g. for logging) but must not keep h or g alive
        return new WeakReference[] {new WeakReference<>(h), new WeakReference<>(g)};
    }

    private static final Var[] LOSS_HOLDER = new Var[1];
}
