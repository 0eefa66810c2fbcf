package org.nvit.weights;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --config files: text, bounded, and every message names the file. */
class ConfigFileTest {
    static final String BASE = "{\"image_size\":28,\"patch_size\":7,\"in_chans\":1,\"num_classes\":10,\"embed_dim\":32,"
            + "\"blocks\":[{\"heads\":2,\"qk_dim\":16,\"v_dim\":16,\"mlp_dim\":64}]}";

    @Test void aConfigFileThatIsNotTextSaysSo(@TempDir Path dir) throws Exception {
        Path bin = Files.write(dir.resolve("model.json"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 0, (byte) 0xff});
        String m = assertThrows(IllegalArgumentException.class, () -> Models.readConfig(bin)).getMessage();
        assertTrue(m.contains("is not a UTF-8 text file") && m.contains("model.json"), m);
        String folder = assertThrows(java.nio.file.FileSystemException.class, () -> Models.readConfig(dir)).getMessage();
        assertTrue(folder.contains("is a folder"), folder);
        Path bad = Files.writeString(dir.resolve("bad.json"), BASE.replace("\"heads\":2", "\"heads\":0"));
        String named = assertThrows(IllegalArgumentException.class, () -> Models.readConfig(bad)).getMessage();
        assertTrue(named.startsWith(bad + ": invalid model config JSON: heads 0"), named);
    }
}
