package org.nvit.weights;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nvit.engine.Shape;
import org.nvit.engine.Backends;
import org.nvit.engine.Device;
import org.nvit.engine.Tensor;

/**
 * The safetensors format: an 8-byte little-endian header length N, N bytes of JSON
 * ({@code name -> {dtype, shape, data_offsets}} plus an optional {@code __metadata__} string map), then the tensor
 * bytes, little-endian and row-major. The reader validates the whole header before touching data (sizes, dtypes,
 * offsets sorted and contiguous, total equal to the file size) and memory-maps the data region rather than reading
 * the file into memory. The writer emits F32 tensors, pads the header with spaces to a multiple of 8 and replaces the
 * target atomically.
 */
public final class Safetensors {
    /** The format's header limit (safetensors MAX_HEADER_SIZE). */
    static final long MAX_HEADER = 100_000_000L;
    static final String METADATA = "__metadata__";
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Safetensors() {}

    /** A file's tensors (F32, in header order) and its metadata map. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {}

    private record Entry(String name, ElementType type, int[] shape, long begin, long end) {}

    public static Contents read(Path path) throws IOException {
        InputFiles.requireFile(path);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw bad(path, "file of " + size + " bytes is too short for a safetensors header");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, path);
            long n = lenBuf.getLong(0);
            if (n < 2 || n > MAX_HEADER || n > size - 8)
                throw bad(path, "header length " + Long.toUnsignedString(n) + " is impossible for a file of " + size + " bytes");
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8, path);
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = parseHeader(path, utf8(path, hb.flip()), metadata);
            long dataLen = size - 8 - n;
            checkLayout(path, entries, dataLen);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment data = dataLen == 0 ? MemorySegment.NULL
                        : ch.map(FileChannel.MapMode.READ_ONLY, 8 + n, dataLen, arena);
                for (Entry e : entries) {
                    Tensor t = Tensor.zeros(e.shape());
                    int count = (int) t.numel();
                    if (count > 0) e.type().decode(data, e.begin(), ByteOrder.LITTLE_ENDIAN, t.floats(), 0, count,
                            path.getFileName() + ": tensor '" + e.name() + "'");
                    tensors.put(e.name(), t);
                }
            }
            return new Contents(tensors, metadata);
        }
    }

    private static List<Entry> parseHeader(Path path, String json, Map<String, String> metadata) throws WeightFileException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw bad(path, "header is not valid JSON: " + String.valueOf(e.getOriginalMessage()).lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) throw bad(path, "header is not a JSON object");
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (name.equals(METADATA)) {
                if (!v.isObject()) throw bad(path, "__metadata__ is not an object");
                for (Iterator<Map.Entry<String, JsonNode>> m = v.fields(); m.hasNext(); ) {
                    Map.Entry<String, JsonNode> kv = m.next();
                    if (!kv.getValue().isTextual()) throw bad(path, "__metadata__ value '" + kv.getKey() + "' is not a string");
                    metadata.put(kv.getKey(), kv.getValue().textValue());
                }
                continue;
            }
            if (!v.isObject()) throw bad(path, "entry '" + name + "' is not an object");
            JsonNode dt = v.get("dtype"), sh = v.get("shape"), off = v.get("data_offsets");
            if (dt == null || !dt.isTextual() || sh == null || !sh.isArray() || off == null || !off.isArray() || off.size() != 2)
                throw bad(path, "tensor '" + name + "' needs dtype, shape and data_offsets [begin, end]");
            ElementType type = ElementType.ofSafetensors(dt.textValue());
            if (type == null) throw bad(path, "tensor '" + name + "' has dtype " + dt.textValue()
                    + ", which is not supported (F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL are)");
            if (sh.size() > 16) throw bad(path, "tensor '" + name + "' has rank " + sh.size());
            int[] shape = new int[sh.size()];
            for (int i = 0; i < shape.length; i++) {
                JsonNode d = sh.get(i);
                if (!d.canConvertToExactIntegral() || !d.canConvertToInt() || d.intValue() < 0)
                    throw bad(path, "tensor '" + name + "' has an invalid dimension " + d);
                shape[i] = d.intValue();
            }
            long[] o = new long[2];
            for (int i = 0; i < 2; i++) {
                JsonNode d = off.get(i);
                if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0)
                    throw bad(path, "tensor '" + name + "' has an invalid data offset " + d);
                o[i] = d.longValue();
            }
            entries.add(new Entry(name, type, shape, o[0], o[1]));
        }
        return entries;
    }

    /** Offsets must tile [0, dataLen) exactly, in order, each region matching its shape and dtype. */
    private static void checkLayout(Path path, List<Entry> entries, long dataLen) throws WeightFileException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expect = 0;
        for (Entry e : sorted) {
            if (e.begin() != expect) throw bad(path, "tensor '" + e.name() + "' starts at " + e.begin() + ", expected "
                    + expect + " (data regions must be contiguous, without gaps or overlap)");
            if (e.end() < e.begin()) throw bad(path, "tensor '" + e.name() + "' ends before it begins");
            long numel;
            try {
                numel = Shape.numel(e.shape());
                if (Math.multiplyExact(numel, e.type().bytes) != e.end() - e.begin())
                    throw bad(path, "tensor '" + e.name() + "' " + Shape.str(e.shape()) + " " + e.type() + " needs "
                            + numel * e.type().bytes + " bytes, its offsets span " + (e.end() - e.begin()));
            } catch (ArithmeticException x) {
                throw bad(path, "tensor '" + e.name() + "' shape " + Shape.str(e.shape()) + " overflows");
            }
            if (numel > Integer.MAX_VALUE - 8) throw bad(path, "tensor '" + e.name() + "' is too large for one array");
            expect = e.end();
        }
        if (expect != dataLen) throw bad(path, "tensor data spans " + expect + " bytes but the file holds " + dataLen
                + " after the header (truncated or padded file)");
    }

    /**
     * Writes the tensors (as F32, in map order) and the metadata to {@code path}, through a temporary file in the
     * same folder that is then renamed over the target.
     */
    public static void write(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject(METADATA);
            metadata.forEach(m::put);
        }
        long off = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            if (e.getKey().equals(METADATA)) throw new IllegalArgumentException("a tensor may not be named " + METADATA);
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (int d : e.getValue().shape()) shape.add(d);
            long bytes = e.getValue().numel() * 4;
            t.putArray("data_offsets").add(off).add(off + bytes);
            off += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        AtomicFiles.write(path, ch -> {
            writeFully(ch, head.flip());
            ByteBuffer buf = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : tensors.values()) {
                // device tensors come over in one copy (not element by element)
                float[] a = (t.device() == Device.CPU ? t : Backends.of(t).toCpu(t)).toFloatArray();
                for (int i = 0; i < a.length; ) {
                    int n = Math.min(a.length - i, buf.remaining() / 4);
                    buf.asFloatBuffer().put(a, i, n);
                    buf.position(buf.position() + 4 * n);
                    i += n;
                    if (!buf.hasRemaining()) { writeFully(ch, buf.flip()); buf.clear(); }
                }
            }
            writeFully(ch, buf.flip());
        });
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long at, Path path) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, at + b.position());
            if (r < 0) throw bad(path, "file ends inside the header");
        }
    }

    private static String utf8(Path path, ByteBuffer b) throws WeightFileException {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(b).toString();
        } catch (CharacterCodingException e) {
            throw bad(path, "header is not valid UTF-8");
        }
    }

    private static WeightFileException bad(Path path, String msg) {
        return new WeightFileException(path.getFileName() + ": " + msg);
    }

    /** True when the first bytes look like a safetensors header (a plausible length followed by '{'). */
    static boolean looksLike(byte[] head) {
        if (head.length < 9) return false;
        long n = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return n >= 2 && n <= MAX_HEADER && head[8] == '{';
    }
}
