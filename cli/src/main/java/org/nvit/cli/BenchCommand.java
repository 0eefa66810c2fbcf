package org.nvit.cli;

import picocli.CommandLine.Command;

/** {@code nvit bench ...}: throughput measurements on the chosen backend. */
@Command(name = "bench", mixinStandardHelpOptions = true, showDefaultValues = true, description = "Benchmarks (GEMM, models).",
        subcommands = {BenchGemmCommand.class, BenchModelCommand.class})
public final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }
}
