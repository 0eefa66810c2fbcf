package org.nvit.autograd.optim;

/**
 * Learning rate per step: linear warmup from warmupStartLr to baseLr over warmupSteps, then a half cosine from baseLr
 * down to the floor minLr at totalSteps (and minLr after it). Steps count from 0.
 */
public record CosineSchedule(double baseLr, double minLr, int warmupSteps, int totalSteps, double warmupStartLr) {
    public CosineSchedule {
        if (totalSteps <= 0 || warmupSteps < 0 || warmupSteps > totalSteps)
            throw new IllegalArgumentException("CosineSchedule: need 0 <= warmupSteps (" + warmupSteps
                    + ") <= totalSteps (" + totalSteps + ") and totalSteps > 0");
        if (!(baseLr >= 0 && minLr >= 0 && warmupStartLr >= 0))
            throw new IllegalArgumentException("CosineSchedule: learning rates must be >= 0");
    }

    public double lr(long step) {
        if (step < warmupSteps) return warmupStartLr + (baseLr - warmupStartLr) * step / warmupSteps;
        int decay = totalSteps - warmupSteps;
        if (decay == 0) return minLr;
        double t = Math.min(1.0, (double) (step - warmupSteps) / decay);
        return minLr + 0.5 * (baseLr - minLr) * (1 + Math.cos(Math.PI * t));
    }
}
