package org.nvit.train;

import org.nvit.autograd.F;
import org.nvit.autograd.Var;
import org.nvit.engine.Backends;
import org.nvit.engine.Device;
import org.nvit.engine.Tensor;
import org.nvit.models.VisionTransformer.Output;

/**
 * DeiT's training loss. Without a teacher: soft-target cross-entropy of the cls head (a distilled student averages
 * its two heads' losses). With a teacher (its logits are constants): base = CE(cls, targets) and
 * <ul>
 *   <li>hard: (1 - alpha) base + alpha CE(dist head, argmax teacher);</li>
 *   <li>soft: (1 - alpha) base + alpha KL(teacher / tau || dist head / tau) tau^2 / classes (DeiT divides the summed
 *       KL by batch x classes, i.e. the per-sample KL by the class count).</li>
 * </ul>
 * A student without a dist head distils through its cls head.
 */
public record DistillationLoss(String type, double alpha, double tau) implements TrainStep.Objective {

    public Var loss(Output out, Tensor targets, Tensor teacherLogits) {
        Var base = F.softCrossEntropy(out.cls(), targets);
        if ("none".equals(type) || teacherLogits == null) {
            if (out.dist() == null) return base;
            return F.weightedSum(base, 0.5, F.softCrossEntropy(out.dist(), targets), 0.5);
        }
        Var student = out.dist() != null ? out.dist() : out.cls();
        Var distill = switch (type) {
            case "hard" -> F.crossEntropy(student, argmax(teacherLogits), 0);
            case "soft" -> F.scale(F.klDiv(student, teacherLogits, tau), 1.0 / teacherLogits.dim(-1));
            default -> throw new IllegalArgumentException("unknown distillation type '" + type + "': use none, soft or hard");
        };
        return F.weightedSum(base, 1 - alpha, distill, alpha);
    }

    static int[] argmax(Tensor device) {
        Tensor logits = device.device() == Device.CPU ? device : Backends.of(device).toCpu(device); // one copy, not B*C reads
        int rows = logits.rows(), c = logits.dim(-1);
        int[] out = new int[rows];
        for (int r = 0; r < rows; r++) {
            int best = 0;
            for (int j = 1; j < c; j++) if (logits.getFlat((long) r * c + j) > logits.getFlat((long) r * c + best)) best = j;
            out[r] = best;
        }
        return out;
    }
}
