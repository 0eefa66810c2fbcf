package org.nvit.train;

/** The loss became NaN or infinite; the message names the step and where the last good checkpoint is. */
public final class TrainingDivergedException extends IllegalStateException {
    public TrainingDivergedException(String message) { super(message); }
}
