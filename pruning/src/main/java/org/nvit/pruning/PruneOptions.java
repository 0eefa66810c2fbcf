package org.nvit.pruning;

import java.util.Map;

/**
 * Settings of one NViT pruning run (nvit-paper.md 4). Defaults: the official schedule (prune every 100 batches,
 * about 2 groups per step, AdamW at constant lr 1e-4, wd 0.05) with this project's eta calibration (see
 * {@link GlobalRanking}) and a DeiT-style KL term: NViT's 1e5 * KLDivLoss(mean over B x 1000, T = 3, no T^2) equals
 * 1e5 / 1000 / 9 ~ 11 times our klDiv (batch mean, summed over classes, times T^2) on ImageNet, hence klCoeff 10.
 *
 * @param targetRatio stop when table latency <= targetRatio * original latency
 * @param interval    batches between pruning steps
 * @param perStep     groups pruned per step
 * @param latencyReg  the user factor on the calibrated eta (0 = importance only)
 * @param maxSteps    upper bound on pruning steps
 * @param groupSizes  per kind; null = {@link UnitKind} defaults
 * @param eta         an absolute latency coefficient (seconds of table latency to importance units, the paper's
 *                    5e-4 is one), or null to calibrate it at the first step (the default; see {@link GlobalRanking})
 */
public record PruneOptions(double targetRatio, int interval, int perStep, double latencyReg, double klCoeff, double klTau,
                           int maxSteps, double lr, double weightDecay, String importance, Map<UnitKind, Integer> groupSizes,
                           long seed, Double eta) {
    /** With eta calibrated at the first pruning step (the default). */
    public PruneOptions(double targetRatio, int interval, int perStep, double latencyReg, double klCoeff, double klTau,
                        int maxSteps, double lr, double weightDecay, String importance, Map<UnitKind, Integer> groupSizes,
                        long seed) {
        this(targetRatio, interval, perStep, latencyReg, klCoeff, klTau, maxSteps, lr, weightDecay, importance, groupSizes, seed, null);
    }

    public PruneOptions {
        if (!(targetRatio > 0 && targetRatio <= 1)) throw new IllegalArgumentException("--target-latency must be in (0, 1] (a fraction of the original latency), got " + targetRatio);
        if (interval < 1) throw new IllegalArgumentException("--interval must be >= 1 (got " + interval + ")");
        if (perStep < 1) throw new IllegalArgumentException("--per-step must be >= 1 (got " + perStep + ")");
        if (!(latencyReg >= 0)) throw new IllegalArgumentException("--latency-reg must be >= 0 (got " + latencyReg + ")");
        if (!(klCoeff >= 0)) throw new IllegalArgumentException("--kl-coeff must be >= 0 (got " + klCoeff + ")");
        if (!(klTau > 0)) throw new IllegalArgumentException("--kl-tau must be > 0 (got " + klTau + ")");
        if (maxSteps < 1) throw new IllegalArgumentException("--max-steps must be >= 1 (got " + maxSteps + ")");
        if (!(lr >= 0)) throw new IllegalArgumentException("--lr must be >= 0 (got " + lr + ")");
        Importance.byName(importance);
        if (eta != null && (!(eta >= 0) || Double.isInfinite(eta)))
            throw new IllegalArgumentException("--eta must be a finite number >= 0 (got " + eta + ")");
    }

    public static PruneOptions defaults(double targetRatio) {
        return new PruneOptions(targetRatio, 100, 2, 1.0, 10.0, 3.0, 1219, 1e-4, 0.05, "taylor", null, 0);
    }

    public PruneOptions withTarget(double t) { return new PruneOptions(t, interval, perStep, latencyReg, klCoeff, klTau, maxSteps, lr, weightDecay, importance, groupSizes, seed, eta); }

    public PruneOptions withInterval(int n) { return new PruneOptions(targetRatio, n, perStep, latencyReg, klCoeff, klTau, maxSteps, lr, weightDecay, importance, groupSizes, seed, eta); }

    public PruneOptions withMaxSteps(int n) { return new PruneOptions(targetRatio, interval, perStep, latencyReg, klCoeff, klTau, n, lr, weightDecay, importance, groupSizes, seed, eta); }

    public PruneOptions withGroupSizes(Map<UnitKind, Integer> g) { return new PruneOptions(targetRatio, interval, perStep, latencyReg, klCoeff, klTau, maxSteps, lr, weightDecay, importance, g, seed, eta); }

    public PruneOptions withKl(double coeff) { return new PruneOptions(targetRatio, interval, perStep, latencyReg, coeff, klTau, maxSteps, lr, weightDecay, importance, groupSizes, seed, eta); }

    public PruneOptions withLr(double l) { return new PruneOptions(targetRatio, interval, perStep, latencyReg, klCoeff, klTau, maxSteps, l, weightDecay, importance, groupSizes, seed, eta); }
}
