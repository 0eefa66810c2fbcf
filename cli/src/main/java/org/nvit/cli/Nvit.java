package org.nvit.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code nvit} command: one picocli subcommand per job. */
@Command(name = "nvit", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Vision Transformers and NViT global structural pruning, in pure Java.",
        subcommands = {TrainCommand.class, EvalCommand.class, InferCommand.class, InfoCommand.class, ConvertCommand.class,
                ExportCommand.class, LutCommand.class, PruneCommand.class, DemoCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Nvit implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(System.out); }

    public static void main(String[] args) { System.exit(run(args)); }

    /** Runs the CLI and returns the exit code; user errors print one line, never a stack trace. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Nvit());
        cl.setExecutionExceptionHandler(new UserErrors());
        return cl.execute(args);
    }
}
