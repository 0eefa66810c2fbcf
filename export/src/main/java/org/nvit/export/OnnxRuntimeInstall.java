package org.nvit.export;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

/**
 * Finds ONNX Runtime's shared library for the parity tests and {@code nvit bench model --engine onnxruntime}: {@code NVIT_ONNXRUNTIME_LIB} (a path to
 * libonnxruntime.so), else the npm package {@code onnxruntime-node} in a cache folder, installed there with
 * {@code npm install --ignore-scripts} on first use (the package ships the Linux x86-64 library; its install script,
 * which would fetch GPU add-ons, is not run). The install goes to a temporary folder that is renamed into place, so an
 * interrupted install is never mistaken for a finished one.
 */
public final class OnnxRuntimeInstall {
    public static final String VERSION = "1.30.0";
    private static final String LIB = "node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1";

    /** Why ONNX Runtime could not be had here. */
    public static final class Unavailable extends Exception {
        Unavailable(String msg) { super(msg); }
    }

    private OnnxRuntimeInstall() {}

    /** The cache folder: {@code NVIT_ONNXRUNTIME_CACHE}, else ~/.cache/nvit/onnxruntime-node-VERSION. */
    static Path cacheDir() {
        String env = System.getenv("NVIT_ONNXRUNTIME_CACHE");
        if (env != null && !env.isBlank()) return Path.of(env);
        return Path.of(System.getProperty("user.home"), ".cache", "nvit", "onnxruntime-node-" + VERSION);
    }

    public static synchronized Path library() throws Unavailable {
        String explicit = System.getenv("NVIT_ONNXRUNTIME_LIB");
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            if (!Files.isRegularFile(p)) throw new Unavailable("NVIT_ONNXRUNTIME_LIB=" + explicit + " is not a file");
            return p;
        }
        if (!System.getProperty("os.name", "").startsWith("Linux") || !System.getProperty("os.arch", "").matches("amd64|x86_64"))
            throw new Unavailable("the onnxruntime-node package is used for Linux x86-64 only; set NVIT_ONNXRUNTIME_LIB to a "
                    + "libonnxruntime shared library for this platform");
        Path dir = cacheDir();
        Path lib = dir.resolve(LIB);
        if (Files.isRegularFile(lib)) return lib;
        install(dir);
        if (!Files.isRegularFile(lib)) throw new Unavailable("npm installed onnxruntime-node " + VERSION + " but " + lib + " is missing");
        return lib;
    }

    private static void install(Path dir) throws Unavailable {
        Path tmp = dir.resolveSibling(dir.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        Path log = null;
        try {
            Files.createDirectories(tmp);
            log = Files.createTempFile("nvit-npm-", ".log");
            Process p;
            try {
                p = new ProcessBuilder("npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--no-save",
                        "--prefix", tmp.toString(), "onnxruntime-node@" + VERSION)
                        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            } catch (IOException e) {
                throw new Unavailable("npm is not installed (" + e.getMessage() + "); install Node.js and npm, or set "
                        + "NVIT_ONNXRUNTIME_LIB to a libonnxruntime.so");
            }
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new Unavailable("npm install onnxruntime-node@" + VERSION + " did not finish in 10 minutes (registry unreachable?)");
            }
            if (p.exitValue() != 0) {
                // npm's first error lines name the cause (e.g. "npm error code ECONNREFUSED"); the last points to a log
                String why = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                        .filter(l -> l.matches("npm (error|ERR!).*") && !l.contains("complete log"))
                        .limit(2).map(l -> l.replaceFirst("npm (error|ERR!)\\s*", "")).reduce((a, b) -> a + "; " + b).orElse("");
                throw new Unavailable("npm install onnxruntime-node@" + VERSION + " failed (exit " + p.exitValue()
                        + "; registry unreachable?): " + why);
            }
            Files.createDirectories(dir.getParent());
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
                // another build installed it meanwhile: keep theirs
            }
        } catch (IOException e) {
            throw new Unavailable("cannot install onnxruntime-node into " + dir + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Unavailable("interrupted while installing onnxruntime-node");
        } finally {
            deleteTree(tmp);
            if (log != null) try { Files.deleteIfExists(log); } catch (IOException ignored) { }
        }
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> {
                try { Files.deleteIfExists(f); } catch (IOException ignored) { }
            });
        } catch (IOException ignored) {
        }
    }
}
