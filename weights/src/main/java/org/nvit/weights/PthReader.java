package org.nvit.weights;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nvit.engine.CpuStorage;
import org.nvit.engine.Tensor;

/**
 * Reads PyTorch checkpoints written by {@code torch.save} (zip format, PyTorch >= 1.6): the archive's
 * {@code <prefix>/data.pkl} is interpreted by the restricted {@link Unpickler}, and each storage is read from
 * {@code <prefix>/data/<key>} once, decoded to float32, and shared by the tensors that view it. Every size, offset
 * and stride read from the file is checked against the real storage length, and no allocation exceeds what the file
 * can actually hold. The archive itself is read by {@link ZipArchive}, which refuses aliased or duplicate members and
 * bounds what they decode to. Pre-1.6 (legacy) files are recognised and refused with the conversion command.
 */
public final class PthReader {
    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};
    /** Legacy torch.save: PROTO 2, LONG1 of 10 bytes = 0x1950a86a20f9469cfc6c. */
    private static final byte[] LEGACY_MAGIC = {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46,
            (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};
    private static final int MAX_RANK = 16;
    private static final int CHUNK = 1 << 22;

    private PthReader() {}

    /** True when the file starts like a PyTorch zip checkpoint. */
    static boolean isZip(byte[] head) { return startsWith(head, ZIP_MAGIC); }

    /** True when the file starts like a pre-1.6 PyTorch checkpoint. */
    static boolean isLegacy(byte[] head) { return startsWith(head, LEGACY_MAGIC); }

    static WeightFileException legacyError(Path p) {
        return new WeightFileException(p + " is a legacy (pre-1.6) PyTorch checkpoint, which is not read; convert it with a "
                + "newer PyTorch: torch.save(torch.load(f), g), then read g (or run 'nvit convert g out.safetensors')");
    }

    /** Reads the checkpoint's top-level dict; tensors become F32 {@link Tensor}s, other values plain Java values. */
    public static Map<String, Object> read(Path path) throws IOException {
        InputFiles.requireFile(path);
        byte[] head = new byte[LEGACY_MAGIC.length];
        try (InputStream in = Files.newInputStream(path)) { head = Arrays.copyOf(head, in.readNBytes(head, 0, head.length)); }
        if (isLegacy(head)) throw legacyError(path);
        if (!isZip(head)) throw new WeightFileException(path + " is not a PyTorch zip checkpoint (no 'PK' zip header)");
        long fileSize = Files.size(path);
        try (ZipArchive zip = ZipArchive.open(path)) {
            return new Archive(zip, fileSize, path).load();
        } catch (WeightFileException e) {
            String name = path.getFileName() + ": ";
            throw e.getMessage().startsWith(name) ? e : new WeightFileException(name + e.getMessage(), e);
        } catch (IOException e) {
            throw new WeightFileException("cannot read " + path + " (" + InputFiles.reason(e) + ")", e);
        }
    }

    private static boolean startsWith(byte[] a, byte[] prefix) {
        return a.length >= prefix.length && Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** A storage named in the pickle; its bytes are read on first use. */
    private record StorageRef(ElementType type, String key, long numel) {}

    private static final class Archive implements Unpickler.TorchHooks {
        private final ZipArchive zip;
        private final long fileSize;
        private final Path path;
        private final Map<String, StorageRef> refs = new HashMap<>();
        private final Map<String, CpuStorage> loaded = new HashMap<>();
        /** Elements that strided or partial views may copy in all: a lying file cannot make us allocate without bound. */
        private long copyBudget;
        private String prefix;
        private ByteOrder order = ByteOrder.LITTLE_ENDIAN;

        Archive(ZipArchive zip, long fileSize, Path path) {
            this.zip = zip;
            this.fileSize = fileSize;
            this.path = path;
            this.copyBudget = 2 * fileSize + (1 << 20);
        }

        Map<String, Object> load() throws IOException {
            if (zip.members().isEmpty()) throw bad("the zip archive is empty");
            String first = zip.members().getFirst().name();
            int slash = first.indexOf('/');
            if (slash <= 0) throw bad("zip entry '" + first + "' is not inside an archive folder");
            prefix = first.substring(0, slash + 1);
            ZipArchive.Member bo = zip.get(prefix + "byteorder");
            if (bo != null) {
                String s = new String(zip.readAll(bo, 16), StandardCharsets.US_ASCII).trim();
                if (s.equals("big")) order = ByteOrder.BIG_ENDIAN;
                else if (!s.equals("little")) throw bad("unknown byteorder '" + s + "'");
            }
            ZipArchive.Member pkl = zip.get(prefix + "data.pkl");
            if (pkl == null) throw bad("no " + prefix + "data.pkl in the archive (not a torch.save file)");
            Object root = Unpickler.load(zip.readAll(pkl, fileSize), this);
            zip.verifyUnread();
            if (!(root instanceof Map<?, ?> m)) throw bad("the checkpoint holds a " + Unpickler.typeName(root) + ", not a dict");
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String k)) throw bad("top-level key " + e.getKey() + " is not a string");
                out.put(k, e.getValue());
            }
            return out;
        }

        @Override public Object storage(String storageType, String key, long numel) throws WeightFileException {
            ElementType type = ElementType.ofTorchStorage(storageType);
            if (!key.matches("[A-Za-z0-9_.]{1,64}") || key.contains(".."))
                throw bad("invalid storage key '" + key + "'");
            if (numel < 0 || numel > fileSize / type.bytes)
                throw bad("storage " + key + " claims " + numel + " elements, more than the file holds");
            StorageRef r = new StorageRef(type, key, numel);
            StorageRef prev = refs.putIfAbsent(key, r);
            if (prev != null && !prev.equals(r)) throw bad("storage " + key + " is declared twice with different types or sizes");
            return r;
        }

        @Override public Object tensor(Object storage, long offset, int[] size, long[] stride) throws WeightFileException {
            if (!(storage instanceof StorageRef ref)) throw bad("tensor rebuilt from a " + Unpickler.typeName(storage) + ", not a storage");
            if (size.length > MAX_RANK) throw bad("tensor of rank " + size.length + " (at most " + MAX_RANK + ")");
            long numel = 1;
            long last = offset;  // the largest element index the view touches
            try {
                for (int i = 0; i < size.length; i++) {
                    numel = Math.multiplyExact(numel, size[i]);
                    if (stride[i] < 0) throw bad("negative tensor stride " + stride[i] + " in storage " + ref.key());
                    if (size[i] > 0) last = Math.addExact(last, Math.multiplyExact(size[i] - 1L, stride[i]));
                }
            } catch (ArithmeticException e) {
                throw bad("tensor " + Arrays.toString(size) + " with stride " + Arrays.toString(stride) + " overflows");
            }
            if (numel > Integer.MAX_VALUE - 8) throw bad("tensor " + Arrays.toString(size) + " is too large");
            if (offset < 0 || numel > 0 && (last >= ref.numel() || last < 0))
                throw bad("tensor " + Arrays.toString(size) + " at offset " + offset + " runs past storage " + ref.key()
                        + " of " + ref.numel() + " elements");
            CpuStorage s = storageData(ref);
            if (numel == 0) return Tensor.zeros(size);
            boolean contiguous = contiguous(size, stride);
            if (contiguous && offset == 0 && numel == ref.numel()) return new Tensor(s, 0, size);
            copyBudget -= numel;
            if (copyBudget < 0) throw bad("tensor views copy more elements than the file could hold (corrupt sizes or strides)");
            if (contiguous) {
                float[] a = Arrays.copyOfRange(s.floats(), (int) offset, (int) (offset + numel));
                return Tensor.of(a, size);
            }
            return Tensor.of(gather(s.floats(), offset, size, stride, (int) numel), size);
        }

        private static boolean contiguous(int[] size, long[] stride) {
            long expect = 1;
            for (int i = size.length - 1; i >= 0; i--) {
                if (size[i] != 1 && stride[i] != expect) return false;
                expect *= size[i];
            }
            return true;
        }

        private static float[] gather(float[] src, long offset, int[] size, long[] stride, int numel) {
            float[] out = new float[numel];
            int[] idx = new int[size.length];
            for (int n = 0; n < numel; n++) {
                long at = offset;
                for (int d = 0; d < size.length; d++) at += idx[d] * stride[d];
                out[n] = src[(int) at];
                for (int d = size.length - 1; d >= 0 && ++idx[d] == size[d]; d--) idx[d] = 0;
            }
            return out;
        }

        private CpuStorage storageData(StorageRef ref) throws WeightFileException {
            CpuStorage s = loaded.get(ref.key());
            if (s != null) return s;
            if (ref.numel() > Integer.MAX_VALUE - 8) throw bad("storage " + ref.key() + " is too large for one array");
            String name = prefix + "data/" + ref.key();
            ZipArchive.Member e = zip.get(name);
            if (e == null) throw bad("storage " + name + " is missing from the archive");
            long bytes = ref.numel() * ref.type().bytes;
            if (e.size() < bytes) throw bad("storage " + name + " holds " + e.size() + " bytes, " + bytes + " needed");
            float[] data = new float[(int) ref.numel()];
            byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(bytes, 1))];
            int perChunk = chunk.length / ref.type().bytes;
            try (ZipArchive.MemberStream in = zip.open(e)) {
                for (int done = 0; done < data.length; ) {
                    int n = Math.min(perChunk, data.length - done);
                    int want = n * ref.type().bytes;
                    if (in.readNBytes(chunk, 0, want) != want) throw bad("storage " + name + " is truncated");
                    ref.type().decode(MemorySegment.ofArray(chunk), 0, order, data, done, n, "storage " + name);
                    done += n;
                }
                in.finish();   // the CRC covers the whole member
            } catch (WeightFileException ex) {
                throw ex;
            } catch (IOException ex) {
                throw bad("cannot read storage " + name + ": " + ex.getMessage());
            }
            s = new CpuStorage(data);
            loaded.put(ref.key(), s);
            return s;
        }

        private WeightFileException bad(String msg) { return new WeightFileException(path.getFileName() + ": " + msg); }
    }
}
