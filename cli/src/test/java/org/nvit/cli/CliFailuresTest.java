package org.nvit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** How failures reach the user: one line, an exit code per kind, the trace only on request. */
class CliFailuresTest {
    @TempDir Path dir;

    record Result(int code, String out, String err) {
        List<String> errLines() { return err.strip().lines().toList(); }
    }

    /** A command that fails the way it is told to, reading (nominally) the file it is given. */
    @Command(name = "fail", mixinStandardHelpOptions = true)
    static final class Failing implements Callable<Integer> {
        @Option(names = "--file") Path file;
        @Option(names = "--how", required = true) String how;
        @Option(names = "--debug", description = "as nvit's inherited option") boolean debug;

        @Override public Integer call() throws Exception {
            return switch (how) {
                case "oom" -> { throw new OutOfMemoryError("Java heap space"); }
                case "worker-oom" -> { throw new IllegalStateException(new OutOfMemoryError("Java heap space")); }
                case "stack" -> { throw new StackOverflowError(); }
                case "npe" -> { throw new NullPointerException("Cannot read field \"x\" because \"y\" is null"); }
                case "user" -> { throw new IllegalArgumentException("--how user: a bad value\u001b[2J"); }
                case "io" -> { throw new java.nio.file.AccessDeniedException(file.toString()); }
                case "exists" -> { throw new java.nio.file.FileAlreadyExistsException(file.toString()); }
                default -> 0;
            };
        }
    }

    private static Result run(Object command, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = Nvit.execute(cl, args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test void jvmErrorsAreOneLineNamingTheFileAndTheLimit() {
        Path f = dir.resolve("model.pth");
        Result oom = run(new Failing(), "--file", f.toString(), "--how", "oom");
        assertEquals(UserErrors.RESOURCE_LIMIT, oom.code());
        assertEquals(1, oom.errLines().size(), oom.err());
        assertTrue(oom.err().contains("out of memory while running 'fail' on " + f) && oom.err().contains("heap limit is")
                && oom.err().contains("MiB"), oom.err());
        Result worker = run(new Failing(), "--file", f.toString(), "--how", "worker-oom");   // a pool's rethrow
        assertEquals(UserErrors.RESOURCE_LIMIT, worker.code(), worker.err());
        Result so = run(new Failing(), "--file", f.toString(), "--how", "stack");
        assertEquals(UserErrors.RESOURCE_LIMIT, so.code());
        assertEquals(1, so.errLines().size(), so.err());
        assertTrue(so.err().contains("thread stack overflowed") && so.err().contains(f.toString()) && so.err().contains("-Xss"), so.err());
    }

    @Test void bugsAreToldApartFromUserErrors() {
        Result bug = run(new Failing(), "--how", "npe");
        assertEquals(UserErrors.INTERNAL_ERROR, bug.code());
        assertEquals(1, bug.errLines().size(), bug.err());
        assertTrue(bug.err().startsWith("nvit: internal error: NullPointerException") && bug.err().contains("report it"), bug.err());
        assertFalse(bug.err().contains("\tat "), bug.err());
        Result user = run(new Failing(), "--how", "user");
        assertEquals(UserErrors.USER_ERROR, user.code());
        assertEquals("nvit: error: --how user: a bad value\\x1b[2J", user.err().strip());
    }

    @Test void theTraceComesOnlyWithDebug() {
        Result plain = run(new Failing(), "--how", "npe");
        assertFalse(plain.err().contains("\tat "), plain.err());
        Result debug = run(new Failing(), "--how", "npe", "--debug");
        assertTrue(debug.err().contains("\tat org.nvit.cli.CliFailuresTest$Failing.call"), debug.err());
        // nvit's own --debug is accepted after any subcommand
        Result real = run(new Nvit(), "info", dir.resolve("missing.pth").toString(), "--debug");
        assertEquals(UserErrors.USER_ERROR, real.code());
        assertTrue(real.err().contains("\tat "), real.err());
    }

    @Test void fileSystemErrorsNameTheFileAndTheReason() throws Exception {
        Path f = dir.resolve("run");
        assertEquals("nvit: error: " + f + ": permission denied", run(new Failing(), "--file", f.toString(), "--how", "io").err().strip());
        Files.writeString(f, "a file where a folder is expected");
        assertEquals("nvit: error: " + f + ": already exists and is a file, not a folder",
                run(new Failing(), "--file", f.toString(), "--how", "exists").err().strip());
        Result folder = run(new Nvit(), "info", dir.toString());
        assertEquals(UserErrors.USER_ERROR, folder.code());
        assertEquals("nvit: error: " + dir + ": is a folder, not a file", folder.err().strip());
    }

    @Test void aMistypedOptionGetsOneLineAndTheHelpCommand() {
        Result r = run(new Nvit(), "info", "x.pth", "--hedas", "2");
        assertEquals(UserErrors.USER_ERROR, r.code());
        assertEquals(1, r.errLines().size(), r.err());
        assertTrue(r.err().contains("'--hedas'") && r.err().contains("did you mean --heads")
                && r.err().contains("see 'nvit info --help'"), r.err());
        Result sub = run(new Nvit(), "infoo");
        assertEquals(1, sub.errLines().size(), sub.err());
        assertTrue(sub.err().contains("did you mean info") && sub.err().contains("see 'nvit --help'"), sub.err());
        Result missing = run(new Nvit(), "infer", "--checkpoint", "a.pth");
        assertEquals(1, missing.errLines().size(), missing.err());
        assertTrue(missing.err().contains("Missing required option"), missing.err());
    }

    @Test void aBinaryConfigFileIsNamedNotDecoded() throws Exception {
        Path bin = Files.write(dir.resolve("cfg.json"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2});
        Result r = run(new Nvit(), "lut", "build", "--config", bin.toString(), "--out", dir.resolve("lut.json").toString());
        assertEquals(UserErrors.USER_ERROR, r.code());
        assertEquals("nvit: error: " + bin + " is not a UTF-8 text file (a binary file?); expected a model config (JSON)", r.err().strip());
    }
}
