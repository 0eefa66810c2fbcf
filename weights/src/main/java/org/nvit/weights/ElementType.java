package org.nvit.weights;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Element types found in weight files, with their byte width and decoding into float32. Integer and bool types are
 * decoded only when every value is exactly representable as a float (|v| <= 2^24); otherwise the read is refused
 * rather than silently rounded.
 */
enum ElementType {
    F32(4), F16(2), BF16(2), F64(8), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    private static final long EXACT = 1L << 24;
    final int bytes;

    ElementType(int bytes) { this.bytes = bytes; }

    /** The safetensors dtype name (F32, BF16, ...), or null when unknown. */
    static ElementType ofSafetensors(String name) {
        for (ElementType t : values()) if (t.name().equals(name)) return t;
        return null;
    }

    /** The PyTorch storage class name (FloatStorage, ...), or null when unknown. */
    static ElementType ofTorchStorage(String name) {
        return switch (name) {
            case "FloatStorage" -> F32;
            case "HalfStorage" -> F16;
            case "BFloat16Storage" -> BF16;
            case "DoubleStorage" -> F64;
            case "LongStorage" -> I64;
            case "IntStorage" -> I32;
            case "ShortStorage" -> I16;
            case "CharStorage" -> I8;
            case "ByteStorage" -> U8;
            case "BoolStorage" -> BOOL;
            default -> null;
        };
    }

    /**
     * Decodes {@code count} elements starting at byte {@code at} of {@code src} into {@code out[outAt..]}.
     * The caller has bounds-checked the region; {@code what} names the tensor for error messages.
     */
    void decode(MemorySegment src, long at, ByteOrder order, float[] out, int outAt, int count, String what)
            throws WeightFileException {
        switch (this) {
            case F32 -> MemorySegment.copy(src, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(order), at, out, outAt, count);
            case F64 -> {
                var l = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(order);
                for (int i = 0; i < count; i++) out[outAt + i] = (float) src.get(l, at + 8L * i);
            }
            case F16 -> {
                var l = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
                for (int i = 0; i < count; i++) out[outAt + i] = Float.float16ToFloat(src.get(l, at + 2L * i));
            }
            case BF16 -> {
                var l = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order);
                for (int i = 0; i < count; i++) out[outAt + i] = Float.intBitsToFloat((src.get(l, at + 2L * i) & 0xffff) << 16);
            }
            default -> {
                for (int i = 0; i < count; i++) {
                    long v = integer(src, at + (long) bytes * i, order);
                    if (v > EXACT || v < -EXACT)
                        throw new WeightFileException(what + ": " + name() + " value " + v
                                + " is not exactly representable as float32; such tensors are not supported");
                    out[outAt + i] = v;
                }
            }
        }
    }

    private long integer(MemorySegment s, long at, ByteOrder order) {
        return switch (this) {
            case I64 -> s.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order), at);
            case I32 -> s.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(order), at);
            case I16 -> s.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(order), at);
            case I8 -> s.get(ValueLayout.JAVA_BYTE, at);
            case U8 -> s.get(ValueLayout.JAVA_BYTE, at) & 0xff;
            case BOOL -> s.get(ValueLayout.JAVA_BYTE, at) != 0 ? 1 : 0;
            default -> throw new IllegalStateException(name());
        };
    }

}
