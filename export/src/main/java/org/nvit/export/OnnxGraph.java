package org.nvit.export;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;
import org.nvit.export.onnx.OnnxProto.AttributeProto;
import org.nvit.export.onnx.OnnxProto.GraphProto;
import org.nvit.export.onnx.OnnxProto.NodeProto;
import org.nvit.export.onnx.OnnxProto.TensorProto;
import org.nvit.export.onnx.OnnxProto.TensorShapeProto;
import org.nvit.export.onnx.OnnxProto.TypeProto;
import org.nvit.export.onnx.OnnxProto.ValueInfoProto;

/**
 * Builds one ONNX graph: nodes in topological order (the order they are added), float and int64 initializers, and
 * typed inputs/outputs. Each method returns the name of the value it produced, so a model reads as a chain of calls.
 * Value names must be unique; a repeated name is a bug in the exporter and fails at once.
 */
final class OnnxGraph {
    private final GraphProto.Builder g = GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();

    OnnxGraph(String name) { g.setName(name); }

    GraphProto build() { return g.build(); }

    private String claim(String name) {
        if (!names.add(name)) throw new IllegalStateException("ONNX value name used twice: " + name);
        return name;
    }

    /** A float32 graph input; a dimension of -1 is the dynamic dimension {@code dynName}. */
    void input(String name, String dynName, long... dims) { g.addInput(valueInfo(claim(name), dynName, dims)); }

    /** Declares a value already produced by a node as a float32 graph output. */
    void output(String name, String dynName, long... dims) { g.addOutput(valueInfo(name, dynName, dims)); }

    private static ValueInfoProto valueInfo(String name, String dynName, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d < 0) dim.setDimParam(dynName); else dim.setDimValue(d);
            shape.addDim(dim);
        }
        TypeProto type = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                .setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }

    /** A float32 initializer, row-major, stored as little-endian raw bytes. */
    String floats(String name, float[] data, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(data.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        return tensor(name, TensorProto.DataType.FLOAT, UnsafeByteOperations.unsafeWrap(b.array()), dims);
    }

    /** An int64 initializer (shapes, axes, indices); {@code dims} empty makes a scalar. */
    String int64s(String name, long[] data, long... dims) {
        ByteBuffer b = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(data);
        return tensor(name, TensorProto.DataType.INT64, UnsafeByteOperations.unsafeWrap(b.array()), dims);
    }

    /** A 1-D int64 initializer. */
    String int64Vector(String name, long... data) { return int64s(name, data, data.length); }

    /** A float32 scalar initializer. */
    String scalar(String name, float v) { return floats(name, new float[] {v}); }

    private String tensor(String name, TensorProto.DataType type, ByteString raw, long... dims) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(claim(name)).setDataType(type.getNumber()).setRawData(raw);
        for (long d : dims) t.addDims(d);
        g.addInitializer(t);
        return name;
    }

    /** A node with one output named {@code out}. */
    String node(String op, String out, String[] inputs, AttributeProto... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(out).addOutput(claim(out));
        for (String in : inputs) n.addInput(in);
        for (AttributeProto a : attrs) n.addAttribute(a);
        g.addNode(n);
        return out;
    }

    /** A node with several outputs (Split). */
    String[] node(String op, String[] outs, String[] inputs, AttributeProto... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(outs[0]);
        for (String o : outs) n.addOutput(claim(o));
        for (String in : inputs) n.addInput(in);
        for (AttributeProto a : attrs) n.addAttribute(a);
        g.addNode(n);
        return outs;
    }

    static String[] in(String... names) { return names; }

    static AttributeProto attr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    static AttributeProto attr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    static AttributeProto ints(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) a.addInts(x);
        return a.build();
    }
}
