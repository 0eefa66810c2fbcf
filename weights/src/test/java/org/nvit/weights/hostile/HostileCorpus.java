package org.nvit.weights.hostile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;
import org.nvit.weights.StateDicts;

/**
 * The hostile files a probe of the loaders found, one or more per class of attack, generated here so the tests run
 * them on every build (and {@link #main} writes them to a folder for probing the command by hand). Each case says
 * what a reader must do with it: refuse it in one line naming the cause, or, for a valid checkpoint whose extra
 * entries are merely deep, cyclic or shared, load it and show those entries in bounded form.
 */
public final class HostileCorpus {
    /** What the reader must do. */
    public enum Expect { REFUSED, SHOWN }

    /**
     * @param name       the file name (its extension picks the reader)
     * @param attack     the class of attack, in words
     * @param mustSay    text the error (REFUSED) or the rendering of the extras or warnings (SHOWN) must contain
     */
    public record Case(String name, String attack, Expect expect, String mustSay, byte[] bytes) {
        @Override public String toString() { return name; }

        public Path write(Path dir) throws IOException {
            Path p = dir.resolve(name);
            Files.write(p, bytes);
            return p;
        }
    }

    /** Nesting of the deep cases: the probe's 10,000 overflowed every command's stack. */
    public static final int DEEP = 10_000;
    /** The tiny valid model every .pth case wraps: 64-wide, one 64-wide head, so no --heads is needed. */
    public static final VitConfig TINY = new VitConfig(8, 4, 1, 2, 64, false, 1e-6, null, List.of(new BlockSpec(1, 64, 64, 16)));

    private HostileCorpus() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) { System.err.println("usage: HostileCorpus OUTPUT_FOLDER"); System.exit(2); }
        Path dir = Files.createDirectories(Path.of(args[0]));
        for (Case c : cases()) System.out.println(c.write(dir) + "  " + c.expect() + "  " + c.attack());
    }

    public static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        // unbounded recursion
        out.add(new Case("deep_rebuild.pth", "10,000 nested _rebuild_from_type_v2 calls", Expect.REFUSED, "nested more than",
                zip(deepRebuild(DEEP), Map.of())));
        out.add(new Case("deep_list_args.pth", "10,000 nested lists under 'args'", Expect.SHOWN, "[[[[[[",
                tinyPth("args", w -> { for (int i = 0; i < DEEP; i++) w.op(']'); for (int i = 1; i < DEEP; i++) w.op('a'); })));
        out.add(new Case("deep_tuple_args.pth", "10,000 nested tuples under 'args'", Expect.SHOWN, "((((((",
                tinyPth("args", w -> { w.op(')'); for (int i = 0; i < DEEP; i++) w.op(0x85); })));
        out.add(new Case("cycle_args.pth", "two lists that contain each other", Expect.SHOWN, "<cycle>",
                tinyPth("args", w -> {
                    w.op(']').memoize();
                    int a = w.lastMemo();
                    w.op(']').memoize().get(a).op('a', 'a');
                })));
        out.add(new Case("namespace_cycle.pth", "an argparse.Namespace whose state holds itself", Expect.SHOWN, "Namespace(",
                tinyPth("args", w -> {
                    w.global("argparse", "Namespace").op(')', 0x81).memoize();
                    int ns = w.lastMemo();
                    w.op('}').str("self").get(ns).op('s', 'b');
                })));
        // exponential rendering
        out.add(new Case("shared_memo.pth", "L(i+1) = [L(i), L(i)] to depth 40 (2^40 elements when expanded)", Expect.SHOWN, "[[[",
                tinyPth("args", w -> {
                    w.op(']').memoize().op('0');
                    for (int i = 0; i < 40; i++) {
                        int prev = w.lastMemo();
                        w.op(']', '(').get(prev).get(prev).op('e').memoize().op('0');
                    }
                    w.get(w.lastMemo());
                })));
        // decompression and aliasing bombs
        out.add(new Case("deflate_bomb.pth", "1,000 deflated members of zeros", Expect.REFUSED, "decompression bomb", deflateBomb()));
        out.add(new Case("alias_bomb.pth", "10,000 central entries aimed at one member", Expect.REFUSED, "share one local header", aliasBomb()));
        out.add(new Case("duplicate_names.pth", "two members named data.pkl", Expect.REFUSED, "appears twice", duplicateNames()));
        out.add(new Case("overlap.pth", "a member hidden inside another's data", Expect.REFUSED, "overlap", overlap()));
        out.add(new Case("crc_mismatch.pth", "a storage whose bytes fail the CRC", Expect.REFUSED, "CRC-32", crcMismatch()));
        out.add(new Case("truncated.pth", "a checkpoint cut before its central directory", Expect.REFUSED, "truncated",
                java.util.Arrays.copyOf(tinyPth(null, null), tinyPth(null, null).length - 30)));
        // hash flooding
        out.add(new Case("hash_flood.pth", "32,768 tuple dict keys with one hash code", Expect.REFUSED, "hash code",
                tinyPth("args", HostileCorpus::collidingKeys)));
        // opcodes that name code
        out.add(new Case("inst_opcode.pth", "INST os.system", Expect.REFUSED, "'os.system' (opcode INST)",
                zip(new PickleWriter().op('(').str("ls").op('i').raw("os\nsystem\n".getBytes(StandardCharsets.US_ASCII)).stop(), Map.of())));
        out.add(new Case("ext_opcode.pth", "EXT1 extension code", Expect.REFUSED, "extension code 1",
                zip(new PickleWriter().op(0x82, 1).op(')', 'R').stop(), Map.of())));
        out.add(new Case("forbidden_global.pth", "REDUCE of os.system", Expect.REFUSED, "forbidden pickle global 'os.system'",
                zip(new PickleWriter().global("os", "system").str("true").op(0x85, 'R').stop(), Map.of())));
        out.add(new Case("deep_json_header.safetensors", "100,000 nested arrays in the safetensors header", Expect.REFUSED,
                "nesting depth", rawSafetensors("{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}")));
        out.add(new Case("deep_json_config.safetensors", "100,000 nested arrays in the config metadata", Expect.REFUSED,
                "nesting depth", safetensors(Map.of("nvit.config", "{\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}"),
                        tinyTensors())));
        // configs from files
        out.add(new Case("config_image_size.safetensors", "image_size 65536 with patch_size 1", Expect.REFUSED, "image_size 65536",
                safetensors(Map.of("nvit.config", TINY.toJson().replace("\"image_size\":8", "\"image_size\":65536")
                        .replace("\"patch_size\":4", "\"patch_size\":1")), Map.of("x", new float[1]))));
        out.add(new Case("config_tokens.safetensors", "image_size 4096 with patch_size 1 (16.8M tokens)", Expect.REFUSED, "16777217 tokens",
                safetensors(Map.of("nvit.config", TINY.toJson().replace("\"image_size\":8", "\"image_size\":4096")
                        .replace("\"patch_size\":4", "\"patch_size\":1")), Map.of("x", new float[1]))));
        out.add(new Case("config_attn_scale.safetensors", "attn_scale 1e308", Expect.REFUSED, "attn_scale",
                safetensors(Map.of("nvit.config", TINY.toJson().replace("{\"image_size\"", "{\"attn_scale\":1e308,\"image_size\"")),
                        tinyTensors())));
        // text that would drive the terminal
        out.add(new Case("escape_metadata.safetensors", "ESC sequences and newlines in metadata", Expect.SHOWN, "\\x1b[31m",
                safetensors(Map.of("nvit.config", TINY.toJson(), "note\u001b[2J", "\u001b[31mred\u001b[0m\nnvit: a forged line"),
                        tinyTensors())));
        out.add(new Case("escape_tensor_name.pth", "a tensor name holding ESC and a newline", Expect.REFUSED, "\\x1b[2J\\x0a",
                tinyPthWithTensor("evil\u001b[2J\nname")));
        // weights that are not numbers
        Map<String, float[]> nan = tinyTensors();
        nan.get("head.weight")[3] = Float.NaN;
        nan.get("head.weight")[4] = Float.POSITIVE_INFINITY;
        out.add(new Case("nan_weights.safetensors", "NaN and infinity in head.weight", Expect.SHOWN,
                "tensor 'head.weight' holds 1 NaN and 1 infinite values", safetensors(Map.of("nvit.config", TINY.toJson()), nan)));
        return out;
    }

    // ---- the tiny valid model ----

    /** Deterministic small weights for every tensor {@link #TINY} needs. */
    static Map<String, float[]> tinyTensors() {
        Map<String, float[]> out = new LinkedHashMap<>();
        int seed = 0;
        for (Map.Entry<String, int[]> e : StateDicts.expectedShapes(TINY).entrySet()) {
            int n = 1;
            for (int d : e.getValue()) n *= d;
            float[] v = new float[n];
            for (int i = 0; i < n; i++) v[i] = ((i * 37 + seed) % 17 - 8) / 64f;
            seed++;
            out.put(e.getKey(), v);
        }
        return out;
    }

    /** A torch.save file of {'model': TINY's state dict, extraKey: extra} (no extra when extraKey is null). */
    static byte[] tinyPth(String extraKey, Consumer<PickleWriter> extra) {
        return tinyPth(extraKey, extra, null);
    }

    private static byte[] tinyPthWithTensor(String extraTensor) { return tinyPth(null, null, extraTensor); }

    private static byte[] tinyPth(String extraKey, Consumer<PickleWriter> extra, String extraTensor) {
        Map<String, float[]> tensors = tinyTensors();
        if (extraTensor != null) tensors.put(extraTensor, new float[] {1});
        PickleWriter w = new PickleWriter();
        Map<String, byte[]> storages = new LinkedHashMap<>();
        w.op('}', '(').str("model").op('}', '(');
        int key = 0;
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            int[] shape = extraTensor != null && e.getKey().equals(extraTensor) ? new int[] {1}
                    : StateDicts.expectedShapes(TINY).get(e.getKey());
            w.str(e.getKey()).tensor("FloatStorage", String.valueOf(key), e.getValue().length, shape);
            storages.put(String.valueOf(key++), floats(e.getValue()));
        }
        w.op('u');
        if (extraKey != null) {
            w.str(extraKey);
            extra.accept(w);
        }
        w.op('u');
        return zip(w.stop(), storages);
    }

    /** The archive torch.save writes: archive/data.pkl, byteorder, data/KEY per storage, version. */
    static byte[] zip(byte[] pickle, Map<String, byte[]> storages) {
        ZipWriter z = new ZipWriter().stored("archive/data.pkl", pickle).stored("archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        storages.forEach((k, v) -> z.stored("archive/data/" + k, v));
        return z.stored("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII)).finish(false);
    }

    static byte[] floats(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    /** A safetensors file of F32 tensors with the given metadata. */
    static byte[] safetensors(Map<String, String> metadata, Map<String, float[]> tensors) {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var header = json.createObjectNode();
        var meta = header.putObject("__metadata__");
        metadata.forEach(meta::put);
        long off = 0;
        Map<String, int[]> shapes = StateDicts.expectedShapes(TINY);
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            var t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            int[] s = shapes.getOrDefault(e.getKey(), new int[] {e.getValue().length});
            for (int d : s) shape.add(d);
            t.putArray("data_offsets").add(off).add(off + 4L * e.getValue().length);
            off += 4L * e.getValue().length;
        }
        byte[] h;
        try { h = json.writeValueAsBytes(header); } catch (IOException e) { throw new IllegalStateException(e); }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.writeBytes(h);
        for (float[] v : tensors.values()) out.writeBytes(floats(v));
        return out.toByteArray();
    }

    /** A safetensors file with this header text and no data. */
    static byte[] rawSafetensors(String header) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.writeBytes(h);
        return out.toByteArray();
    }

    // ---- the attacks ----

    /** {'w': _rebuild_from_type_v2(_rebuild_from_type_v2, Tensor, (_rebuild_from_type_v2, Tensor, (...), {}), {})}. */
    public static byte[] deepRebuild(int depth) {
        PickleWriter w = new PickleWriter();
        w.op('}').str("w").global("torch._tensor", "_rebuild_from_type_v2");
        for (int i = 0; i < depth; i++) w.op('(').global("torch._tensor", "_rebuild_from_type_v2").global("torch", "Tensor");
        w.op(')');
        for (int i = 0; i < depth; i++) w.op('}', 't');
        return w.op('R', 's').stop();
    }

    /** Tuple keys (i, 2^32 - 31 i mod 2^32): all share Java's List hash code 31 (31 + i) + (C - 31 i). */
    public static void collidingKeys(PickleWriter w) {
        w.op('}', '(');
        for (int i = 0; i < 32_768; i++) {
            w.integer(i).integer(Integer.toUnsignedLong(-31 * i)).op(0x86);
            w.op('N');
        }
        w.op('u');
    }

    private static final int BOMB_ELEMENTS = 800_000;

    /** 1,000 ByteStorages of 800,000 zeros, each deflated to under a kilobyte. */
    static byte[] deflateBomb() {
        byte[] zeros = ZipWriter.deflate(new byte[BOMB_ELEMENTS]);
        long crc = ZipWriter.crc(new byte[BOMB_ELEMENTS]);
        PickleWriter w = new PickleWriter();
        w.op('}', '(');
        for (int i = 0; i < 1000; i++) w.str("t" + i).tensor("ByteStorage", String.valueOf(i), BOMB_ELEMENTS, BOMB_ELEMENTS);
        w.op('u');
        ZipWriter z = new ZipWriter().stored("archive/data.pkl", w.stop());
        for (int i = 0; i < 1000; i++) z.member("archive/data/" + i, 8, zeros, BOMB_ELEMENTS, crc);
        return z.finish(false);
    }

    /** One deflated member of zeros and 9,999 more central entries that all point at its local header. */
    static byte[] aliasBomb() {
        byte[] data = new byte[BOMB_ELEMENTS];
        PickleWriter w = new PickleWriter();
        w.op('}', '(');
        for (int i = 0; i < 10_000; i++) w.str("t" + i).tensor("ByteStorage", String.valueOf(i), BOMB_ELEMENTS, BOMB_ELEMENTS);
        w.op('u');
        ZipWriter z = new ZipWriter().stored("archive/data.pkl", w.stop()).deflated("archive/data/0", data);
        for (int i = 1; i < 10_000; i++) z.alias("archive/data/" + i, "archive/data/0");
        return z.finish(false);
    }

    /** The tiny model, then a second archive/data.pkl that asks for os.system: which one a reader takes is a gamble. */
    static byte[] duplicateNames() {
        Map<String, float[]> tensors = tinyTensors();
        PickleWriter w = new PickleWriter();
        w.op('}', '(');
        int key = 0;
        ZipWriter z = new ZipWriter();
        List<byte[]> data = new ArrayList<>();
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            w.str(e.getKey()).tensor("FloatStorage", String.valueOf(key++), e.getValue().length, StateDicts.expectedShapes(TINY).get(e.getKey()));
            data.add(floats(e.getValue()));
        }
        z.stored("archive/data.pkl", w.op('u').stop());
        for (int i = 0; i < data.size(); i++) z.stored("archive/data/" + i, data.get(i));
        z.stored("archive/data.pkl", new PickleWriter().global("os", "system").str("true").op(0x85, 'R').stop());
        return z.finish(false);
    }

    /** A stored member whose data holds a complete second member, listed in the central directory too. */
    static byte[] overlap() {
        byte[] inner = new PickleWriter().op('}').stop();
        byte[] hidden = ZipWriter.localHeader("archive/data.pkl", 0, inner.length, inner.length, ZipWriter.crc(inner));
        ByteArrayOutputStream payload = new ByteArrayOutputStream();
        payload.writeBytes(hidden);
        payload.writeBytes(inner);
        byte[] outerData = payload.toByteArray();
        ZipWriter z = new ZipWriter();
        z.stored("archive/outer", outerData);
        long hiddenAt = 30 + "archive/outer".length();
        z.central("archive/data.pkl", 0, inner.length, inner.length, ZipWriter.crc(inner), hiddenAt);
        return z.finish(false);
    }

    /** The tiny model with one storage's recorded CRC off by one. */
    static byte[] crcMismatch() {
        Map<String, float[]> tensors = tinyTensors();
        PickleWriter w = new PickleWriter();
        w.op('}', '(');
        int key = 0;
        List<byte[]> data = new ArrayList<>();
        for (Map.Entry<String, float[]> e : tensors.entrySet()) {
            w.str(e.getKey()).tensor("FloatStorage", String.valueOf(key++), e.getValue().length, StateDicts.expectedShapes(TINY).get(e.getKey()));
            data.add(floats(e.getValue()));
        }
        ZipWriter z = new ZipWriter().stored("archive/data.pkl", w.op('u').stop());
        for (int i = 0; i < data.size(); i++) {
            long crc = ZipWriter.crc(data.get(i));
            z.member("archive/data/" + i, 0, data.get(i), data.get(i).length, i == 2 ? crc ^ 1 : crc);
        }
        return z.finish(false);
    }
}
