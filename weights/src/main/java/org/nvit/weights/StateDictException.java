package org.nvit.weights;

/**
 * A state dict that does not fit what is asked of it (missing or unexpected tensor, wrong shape, unknown head
 * count). The message is one line naming the key; characters from the file that would break the line are escaped.
 */
public final class StateDictException extends IllegalArgumentException {
    public StateDictException(String message) { super(WeightFileException.oneLine(message)); }
}
