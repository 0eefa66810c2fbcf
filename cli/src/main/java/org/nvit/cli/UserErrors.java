package org.nvit.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.nvit.weights.InputFiles;
import org.nvit.weights.Printable;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.ParseResult;

/**
 * Turns every failure into one line on standard error and an exit code that says which kind it was:
 * <ul>
 * <li>{@value #USER_ERROR}: bad input (a file that cannot be read, a bad option value, a config out of bounds): the
 *     message names the cause and the fix;</li>
 * <li>{@value #RESOURCE_LIMIT}: the JVM ran out of heap or thread stack: the line names the files given and the limit;</li>
 * <li>{@value #INTERNAL_ERROR}: an exception that only a bug can cause (NullPointerException, an index out of
 *     bounds, ...): the line says so and where to report it.</li>
 * </ul>
 * The stack trace is printed only with {@code --debug} or the environment variable NVIT_DEBUG. Text in messages is
 * escaped ({@link Printable}): names read from files may hold terminal control sequences.
 */
final class UserErrors implements CommandLine.IExecutionExceptionHandler, CommandLine.IParameterExceptionHandler {
    static final int USER_ERROR = 2, RESOURCE_LIMIT = 3, INTERNAL_ERROR = 70;

    @Override public int handleExecutionException(Exception ex, CommandLine cl, ParseResult pr) {
        return report(ex, cl, pr);
    }

    /** A mistyped option or value: one line with picocli's reason and the help command, not the whole usage. */
    @Override public int handleParseException(CommandLine.ParameterException ex, String[] args) {
        CommandLine c = ex.getCommandLine();
        String hint = "";
        if (ex instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty())
            hint = " (did you mean " + String.join(" or ", u.getSuggestions().subList(0, Math.min(3, u.getSuggestions().size()))) + "?)";
        PrintWriter err = c.getErr();
        err.println("nvit: error: " + oneLine(ex.getMessage()) + hint + "; see '" + c.getCommandSpec().qualifiedName() + " --help'");
        err.flush();
        return USER_ERROR;
    }

    /** Reports any failure of a command (an exception, or an Error that picocli let through) and returns the exit code. */
    static int report(Throwable thrown, CommandLine cl, ParseResult pr) {
        Throwable t = unwrap(thrown);
        PrintWriter err = cl.getErr();
        int code;
        VirtualMachineError limit = resourceCause(thrown);
        if (limit != null) {
            err.println("nvit: error: " + resourceMessage(limit, pr));
            code = RESOURCE_LIMIT;
        } else if (t instanceof VirtualMachineError vm) {
            err.println("nvit: error: " + resourceMessage(vm, pr));
            code = RESOURCE_LIMIT;
        } else if (isUserError(t)) {
            err.println("nvit: error: " + userMessage(t));
            code = USER_ERROR;
        } else {
            err.println("nvit: internal error: " + t.getClass().getSimpleName() + (t.getMessage() != null ? ": " + oneLine(t.getMessage()) : "")
                    + ". This is a bug in nvit; please report it on the project's issue tracker with the command line "
                    + "and the output of the same command with --debug");
            code = INTERNAL_ERROR;
        }
        if (debug(pr)) thrown.printStackTrace(err);
        err.flush();
        return code;
    }

    /** Exceptions that bad input or a bad environment cause; what our code throws for them. */
    static boolean isUserError(Throwable t) {
        return t instanceof IOException || t instanceof UncheckedIOException || t instanceof IllegalArgumentException
                || t instanceof IllegalStateException || t instanceof UnsupportedOperationException;
    }

    /** An out-of-memory or stack overflow anywhere in the cause chain (a worker thread's, rethrown wrapped). */
    private static VirtualMachineError resourceCause(Throwable t) {
        for (int depth = 0; t != null && depth < 32; t = t.getCause(), depth++)
            if (t instanceof OutOfMemoryError || t instanceof StackOverflowError) return (VirtualMachineError) t;
        return null;
    }

    /** Wrappers that only carry another exception from a pool or a reflective call. */
    private static Throwable unwrap(Throwable t) {
        while (t.getCause() != null && (t instanceof CommandLine.ExecutionException || t instanceof java.util.concurrent.ExecutionException
                || t instanceof java.util.concurrent.CompletionException || t instanceof java.lang.reflect.InvocationTargetException
                || t instanceof java.lang.reflect.UndeclaredThrowableException || t instanceof UncheckedIOException))
            t = t.getCause();
        return t;
    }

    static String userMessage(Throwable t) {
        if (t instanceof NoSuchFileException f) return "file not found: " + oneLine(f.getMessage());
        if (t instanceof FileAlreadyExistsException f && f.getFile() != null && f.getReason() == null
                && Files.isRegularFile(Path.of(f.getFile())))
            return oneLine(f.getFile()) + ": already exists and is a file, not a folder";
        if (t instanceof FileSystemException f) return oneLine(InputFiles.reason(f));
        return t.getMessage() == null ? t.getClass().getSimpleName() : oneLine(t.getMessage());
    }

    private static String resourceMessage(VirtualMachineError e, ParseResult pr) {
        String files = files(pr);
        String where = "while running '" + command(pr) + "'" + (files.isEmpty() ? "" : " on " + files);
        if (e instanceof OutOfMemoryError) {
            long mib = Runtime.getRuntime().maxMemory() >> 20;
            return "out of memory " + where + " (the Java heap limit is " + mib + " MiB); the input needs more memory than "
                    + "that: raise the limit with NVIT_JAVA_OPTS=-Xmx<size>, or use a smaller input";
        }
        if (e instanceof StackOverflowError)
            return "the thread stack overflowed " + where + " (the limit is the JVM's thread stack size, -Xss): input "
                    + "nested this deep is not supported; with --debug the trace shows where";
        return e.getClass().getSimpleName() + " " + where + (e.getMessage() != null ? ": " + oneLine(e.getMessage()) : "");
    }

    /** "nvit info": the command that ran, from the top. */
    private static String command(ParseResult pr) {
        if (pr == null) return "nvit";
        ParseResult last = pr;
        while (last.subcommand() != null) last = last.subcommand();
        return last.commandSpec().qualifiedName();
    }

    /** The files named on the command line (path-valued arguments, or strings naming an existing file). */
    private static String files(ParseResult pr) {
        Set<String> out = new LinkedHashSet<>();
        for (ParseResult r = pr; r != null; r = r.subcommand()) {
            List<ArgSpec> args = new ArrayList<>(r.matchedOptions());
            args.addAll(r.matchedPositionals());
            for (ArgSpec a : args) {
                Object v = a.getValue();
                if (v instanceof Path p) out.add(p.toString());
                else if (v instanceof String s && !s.isBlank() && s.length() < 4096 && isFile(s)) out.add(s);
            }
        }
        return oneLine(String.join(", ", out));
    }

    private static boolean isFile(String s) {
        try {
            return Files.isRegularFile(Path.of(s));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static boolean debug(ParseResult pr) {
        if (System.getenv("NVIT_DEBUG") != null) return true;
        for (ParseResult r = pr; r != null; r = r.subcommand()) if (r.hasMatchedOption("--debug")) return true;
        return false;
    }

    /** Text that is safe to print on one line: anything a terminal would interpret escaped, at most 2000 characters. */
    static String oneLine(String s) {
        if (s == null) return "";
        String line = Printable.escape(s.strip());
        return line.length() > 2000 ? line.substring(0, 1997) + "..." : line;
    }
}
