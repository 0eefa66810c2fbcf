package org.nvit.engine;

/** Where a tensor's storage lives. */
public enum Device {
    CPU, CUDA;

    /** Parses "cpu" / "cuda" (case-insensitive); "auto" is resolved by the caller that knows what is usable. */
    public static Device parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "cpu" -> CPU;
            case "cuda", "gpu" -> CUDA;
            default -> throw new IllegalArgumentException("unknown device '" + s + "': use cpu or cuda");
        };
    }
}
