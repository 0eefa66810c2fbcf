package org.nvit.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code nvit} command: one picocli subcommand per job. */
@Command(name = "nvit", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Vision Transformers and NViT global structural pruning, in pure Java.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "2:bad input or usage (the message says what and how to fix it)",
                "3:out of memory or thread stack", "70:internal error (a bug: please report it)"},
        subcommands = {TrainCommand.class, EvalCommand.class, InferCommand.class, InfoCommand.class, ConvertCommand.class,
                ExportCommand.class, LutCommand.class, PruneCommand.class, DemoCommand.class, BenchCommand.class,
                CompletionCommand.class, CommandLine.HelpCommand.class})
public final class Nvit implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "On failure, also print the stack trace (as the environment variable NVIT_DEBUG does).")
    boolean debug;

    /**
     * The CPU pool's size. CpuPool reads -Dnvit.threads once, when its class loads, which happens only when a command
     * first computes: the property is set after parsing and before any command runs ({@link #execute}).
     */
    @Option(names = "--threads", scope = ScopeType.INHERIT, paramLabel = "N",
            description = "Threads of the CPU compute pool (default: one per core, or -Dnvit.threads from NVIT_JAVA_OPTS).")
    Integer threads;

    @Override public void run() { spec.commandLine().usage(System.out); }

    public static void main(String[] args) {
        RankThreads.apply();
        String v = Nvit.class.getPackage().getImplementationVersion(); // for the run records (args.json)
        if (v != null && System.getProperty("nvit.version") == null) System.setProperty("nvit.version", v);
        System.exit(run(args));
    }

    /**
     * Runs the CLI and returns the exit code. Every failure, including the JVM's own errors (picocli passes Errors
     * through), ends as one line on standard error; see {@link UserErrors} for the codes.
     */
    public static int run(String... args) { return execute(new CommandLine(new Nvit()), args); }

    /** Runs {@code cl} with nvit's failure handling (tests pass their own command lines). */
    static int execute(CommandLine cl, String... args) {
        UserErrors errors = new UserErrors();
        cl.setExecutionExceptionHandler(errors);
        cl.setParameterExceptionHandler(errors);
        cl.setExecutionStrategy(pr -> {
            applyThreads(pr);
            return new CommandLine.RunLast().execute(pr);
        });
        try {
            return cl.execute(args);
        } catch (Error e) {
            return UserErrors.report(e, cl, cl.getParseResult());
        }
    }

    /** --threads N (at any level of the command line) becomes -Dnvit.threads=N before anything computes. */
    static void applyThreads(CommandLine.ParseResult pr) {
        Integer n = null;
        for (CommandLine.ParseResult r = pr; r != null; r = r.subcommand())
            if (r.hasMatchedOption("--threads")) n = r.matchedOptionValue("--threads", null);
        if (n == null) return;
        if (n < 1 || n > 4096)
            throw new CommandLine.ParameterException(pr.commandSpec().commandLine(), "--threads must be in 1..4096, got " + n);
        System.setProperty("nvit.threads", Integer.toString(n));
    }
}
