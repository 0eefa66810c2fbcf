package org.nvit.models.train;

/**
 * DeiT's schedule, evaluated per optimizer step: linear warm-up from warmupLr to the peak over the warm-up steps, then
 * a half cosine from the peak down to minLr at the last step (timm's CosineLRScheduler, stepped per batch).
 */
public record LrSchedule(double peak, double minLr, double warmupLr, long warmupSteps, long totalSteps) {

    public double at(long step) {
        if (step < warmupSteps) return warmupLr + (peak - warmupLr) * step / (double) warmupSteps;
        long span = Math.max(1, totalSteps - warmupSteps);
        double t = Math.min(1.0, (step - warmupSteps) / (double) span);
        return minLr + 0.5 * (peak - minLr) * (1 + Math.cos(Math.PI * t));
    }
}
