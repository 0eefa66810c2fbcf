package org.nvit.weights;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Refuses an output that is one of the command's inputs, by file identity rather than by name: {@code --output m.pth}
 * with {@code --checkpoint ./m.pth}, a symlink to it, or a hard link of it would replace the model with the output.
 * Existing paths are compared with {@link Files#isSameFile} (device and inode on Unix, through symlinks); a path that
 * does not exist yet is compared by its normalised absolute form.
 */
public final class OutputGuard {
    /** An input of the command: its option name (for the message) and path (null when not given). */
    public record Input(String option, Path path) {}

    private OutputGuard() {}

    public static Input input(String option, Path path) { return new Input(option, path); }

    /** Fails when {@code output} (given as {@code outputOption}) is the same file as one of the inputs. */
    public static void check(String outputOption, Path output, Input... inputs) {
        if (output == null) return;
        for (Input in : inputs) {
            if (in.path() == null || !same(output, in.path())) continue;
            throw new IllegalArgumentException(outputOption + " " + output + " is the same file as " + in.option() + " "
                    + in.path() + "; writing it would destroy that input: choose another output path");
        }
    }

    /**
     * Fails when a file the command writes into {@code folder} (given as {@code folderOption}) is one of the inputs,
     * for commands whose output is a folder of fixed names (a training run's).
     */
    public static void checkFolder(String folderOption, Path folder, List<String> written, Input... inputs) {
        if (folder == null) return;
        for (String name : written) check(folderOption + " (its " + name + ")", folder.resolve(name), inputs);
    }

    public static boolean same(Path a, Path b) {
        if (Files.exists(a) && Files.exists(b)) {
            try {
                return Files.isSameFile(a, b);
            } catch (IOException | SecurityException e) {
                // unreadable metadata: fall back to the names
            }
        }
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }
}
