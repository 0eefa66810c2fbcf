package org.nvit.pruning;

import org.nvit.autograd.F;
import org.nvit.autograd.Var;
import org.nvit.engine.Tensor;
import org.nvit.models.VisionTransformer;
import org.nvit.train.TrainStep;

/**
 * NViT's pruning objective: {@code CE(student, targets) + klCoeff * KL(teacher || student, tau)}, the student's logits
 * being (cls + dist) / 2 for distilled models, as NViT does; the teacher is a frozen dense copy of the starting model.
 */
record PruneLoss(double klCoeff, double klTau) implements TrainStep.Objective {
    @Override public Var loss(VisionTransformer.Output out, Tensor targets, Tensor teacherLogits) {
        Var logits = out.eval();
        Var task = F.softCrossEntropy(logits, targets);
        return klCoeff > 0 && teacherLogits != null
                ? F.weightedSum(task, 1, F.klDiv(logits, teacherLogits, klTau), klCoeff) : task;
    }
}
