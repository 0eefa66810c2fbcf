package org.nvit.engine;

/** Element type of a tensor: float32 for work, float64 so that gradient checks and references are exact. */
public enum DType {
    F32(4), F64(8);

    private final int bytes;

    DType(int bytes) { this.bytes = bytes; }

    public int bytes() { return bytes; }
}
