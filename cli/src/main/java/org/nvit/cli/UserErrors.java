package org.nvit.cli;

import picocli.CommandLine;

/**
 * Turns exceptions into one clear line and a non-zero exit. User errors and the usual bad-input
 * exceptions (missing file, bad argument) print their message only; anything else is a bug and keeps its trace when
 * NVIT_DEBUG is set.
 */
final class UserErrors implements CommandLine.IExecutionExceptionHandler {
    @Override public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult pr) {
        String msg = ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage();
        if (ex instanceof java.nio.file.NoSuchFileException) msg = "file not found: " + msg;
        cl.getErr().println("nvit: error: " + msg);
        if (System.getenv("NVIT_DEBUG") != null) ex.printStackTrace(cl.getErr());
        return 2;
    }
}
