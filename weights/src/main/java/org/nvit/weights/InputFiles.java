package org.nvit.weights;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Checks made before an input file is read, so that a failure names the file and its cause ("x.json is a folder")
 * instead of surfacing as the operating system's bare reason ("Is a directory") or a decoder's ("Input length = 1").
 */
public final class InputFiles {
    private InputFiles() {}

    /** Fails unless the path names an existing file that is not a folder. */
    public static void requireFile(Path p) throws IOException {
        if (Files.isDirectory(p)) throw new FileSystemException(p.toString(), null, "is a folder, not a file");
        if (!Files.exists(p)) throw new NoSuchFileException(p.toString());
    }

    /**
     * The file's text, which must be UTF-8 and at most {@code maxBytes} long; {@code what} says what the file is
     * for ("a model config (JSON)") in the message when it is not.
     */
    public static String readText(Path p, String what, long maxBytes) throws IOException {
        requireFile(p);
        byte[] b;
        try (InputStream in = Files.newInputStream(p)) {
            b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        }
        if (b.length > maxBytes)
            throw new IllegalArgumentException(p + " is larger than " + maxBytes + " bytes; expected " + what);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(p + " is not a UTF-8 text file (a binary file?); expected " + what);
        }
    }

    /** Why an I/O operation failed, in words: the file and the OS reason for file-system errors, else the message. */
    public static String reason(IOException e) {
        if (e instanceof FileSystemException f && f.getFile() != null) {
            String r = f.getReason() != null ? f.getReason() : switch (f) {
                case java.nio.file.NoSuchFileException x -> "no such file or folder";
                case java.nio.file.AccessDeniedException x -> "permission denied";
                case java.nio.file.FileAlreadyExistsException x -> "already exists";
                case java.nio.file.NotDirectoryException x -> "not a folder";
                case java.nio.file.DirectoryNotEmptyException x -> "the folder is not empty";
                default -> f.getClass().getSimpleName();
            };
            return f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "") + ": " + r;
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
