package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;
import org.nvit.engine.fused.DeviceScalars;

/**
 * Classification losses on logits [B, C], each a scalar [1] averaged over the batch. The gradient is computed by the
 * fused forward kernel ({@link Backend#crossEntropySoft}) and kept for the backward, scaled by the upstream scalar.
 */
final class Losses {
    private Losses() {}

    /** Hard labels with label smoothing s: targets on = 1 - s + s/C, off = s/C (timm's LabelSmoothingCrossEntropy). */
    static Var crossEntropy(Var logits, int[] labels, double smoothing) {
        Tensor lv = logits.value();
        checkLogits("crossEntropy", lv);
        int bs = lv.dim(0), c = lv.dim(1);
        if (labels.length != bs)
            throw Ops.bad("crossEntropy", labels.length + " labels for a batch of " + bs + " logits rows");
        if (!(smoothing >= 0 && smoothing < 1))
            throw Ops.bad("crossEntropy", "label smoothing " + smoothing + " is outside [0, 1)");
        double off = smoothing / c, on = 1 - smoothing + off;
        double[] t = new double[bs * c];
        for (int i = 0; i < bs; i++) {
            if (labels[i] < 0 || labels[i] >= c)
                throw Ops.bad("crossEntropy", "label " + labels[i] + " of sample " + i + " is outside [0, " + c + ")");
            java.util.Arrays.fill(t, i * c, (i + 1) * c, off);
            t[i * c + labels[i]] = on;
        }
        return softCrossEntropy(logits, Tensor.of(t, bs, c));
    }

    static Var softCrossEntropy(Var logits, Tensor targets) {
        Tensor lv = logits.value();
        checkLogits("softCrossEntropy", lv);
        if (!lv.sameShape(targets))
            throw Ops.bad("softCrossEntropy", "targets " + Ops.str(targets) + " do not match logits " + Ops.str(lv));
        Tensor tv = Ops.like(targets, lv);
        Tensor grad = Var.recording(logits) ? Ops.emptyLike(lv) : null;
        Tensor loss = Ops.empty(lv, 1); // stays on the device: the caller reads it once, if at all
        DeviceScalars.of(Ops.be(lv)).crossEntropySoft(lv, tv, grad, 1f, loss);
        return Var.result(loss, gy -> logits.accumulateOwned(Ops.scaledBy(grad, gy)), logits);
    }

    /**
     * KL(p_t || p_s) with p = softmax(logits / tau), summed over classes, averaged over the batch, times tau^2:
     * tau^2 * (CE(s / tau, p_t) - H(p_t)); d/ds = tau * (p_s - p_t) / B.
     */
    static Var klDiv(Var student, Tensor teacher, double tau) {
        Tensor sv = student.value();
        checkLogits("klDiv", sv);
        if (!sv.sameShape(teacher))
            throw Ops.bad("klDiv", "teacher logits " + Ops.str(teacher) + " do not match student logits " + Ops.str(sv));
        if (!(tau > 0)) throw Ops.bad("klDiv", "temperature " + tau + " must be positive");
        Tensor tv = Ops.like(teacher, sv);
        float inv = (float) (1.0 / tau);
        Backend be = Ops.be(sv);
        Tensor s = Ops.emptyLike(sv), t = Ops.emptyLike(sv), pt = Ops.emptyLike(sv);
        be.scale(sv, inv, s);
        be.scale(tv, inv, t);
        be.softmax(tv, inv, pt);
        Tensor grad = Var.recording(student) ? Ops.emptyLike(sv) : null;
        DeviceScalars scalars = DeviceScalars.of(be);
        Tensor ce = Ops.empty(sv, 1), h = Ops.empty(sv, 1), kl = Ops.empty(sv, 1);
        scalars.crossEntropySoft(s, pt, grad, (float) (tau * tau * inv), ce);
        scalars.crossEntropySoft(t, pt, null, 0f, h);
        float t2 = (float) (tau * tau);
        be.scale(ce, t2, kl); // tau^2 (ce - h), on the device
        be.axpy(-t2, h, kl);
        return Var.result(kl, gy -> student.accumulateOwned(Ops.scaledBy(grad, gy)), student);
    }

    private static void checkLogits(String op, Tensor lv) {
        if (lv.rank() != 2 || lv.dim(1) == 0) throw Ops.bad(op, "logits " + Ops.str(lv) + " are not [B, C]");
    }
}
