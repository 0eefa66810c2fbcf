package org.nvit.data;

/** Defaults of the data-loading options shared by the commands. */
public final class LoaderDefaults {
    private LoaderDefaults() {}

    /** Data-loading threads by default: one per core the JVM sees. */
    public static int workers() { return Math.max(1, Runtime.getRuntime().availableProcessors()); }
}
