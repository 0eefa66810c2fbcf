package org.nvit.train;

import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The per-epoch progress bar (step, loss, lr, images/s, ETA) on stderr. On a terminal it redraws in place; in a log
 * file (no console) it prints a plain line every 15 seconds instead of a stream of carriage returns.
 */
final class EpochProgress implements AutoCloseable {
    private final ProgressBar bar;
    private double smoothLoss = Double.NaN;

    EpochProgress(int epoch, int epochs, int steps, int startStep) {
        boolean tty = System.console() != null && System.getenv("NVIT_PLAIN_PROGRESS") == null;
        ProgressBarBuilder b = new ProgressBarBuilder()
                .setTaskName(String.format("epoch %d/%d", epoch + 1, epochs))
                .setInitialMax(steps)
                .startsFrom(startStep, java.time.Duration.ZERO)
                .setStyle(ProgressBarStyle.ASCII)
                .hideEta()
                .setUnit(" steps", 1);
        if (tty) {
            b.setUpdateIntervalMillis(500).setConsumer(new ConsoleProgressBarConsumer(System.err));
        } else {
            b.setUpdateIntervalMillis(15_000).setConsumer(new DelegatingProgressBarConsumer(System.err::println, 120));
        }
        this.bar = b.build();
    }

    void step(double loss, double lr, double imagesPerS) {
        smoothLoss = Double.isNaN(smoothLoss) ? loss : 0.95 * smoothLoss + 0.05 * loss;
        long left = bar.getMax() - bar.getCurrent() - 1;
        double stepsPerS = bar.getCurrent() > bar.getStart() ? (bar.getCurrent() - bar.getStart())
                / Math.max(1e-9, bar.getTotalElapsed().toMillis() / 1000.0) : 0;
        String eta = stepsPerS > 0 ? formatSeconds(left / stepsPerS) : "?";
        bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f lr %.2e %.0f img/s ETA %s", smoothLoss, lr, imagesPerS, eta));
        bar.step();
    }

    static String formatSeconds(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format("%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String.format("%d:%02d", t / 60, t % 60);
    }

    @Override public void close() { bar.close(); }
}
