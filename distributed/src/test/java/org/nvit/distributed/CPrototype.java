package org.nvit.distributed;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The layouts a C prototype's parameters and result have on x86-64 Linux, for checking a hand-written binding
 * against a header: pointers and opaque handles are addresses, int and enums 32-bit ints, size_t 64-bit, and a few
 * structs passed by value by their known layout.
 */
record CPrototype(String name, MemoryLayout result, List<MemoryLayout> params) {
    /** Typedef names that are pointers (opaque handles), ints (enums) or by-value structs. */
    static final Map<String, MemoryLayout> TYPEDEFS = Map.of(
            "MPI_Comm", ValueLayout.ADDRESS, "MPI_Datatype", ValueLayout.ADDRESS, "MPI_Op", ValueLayout.ADDRESS,
            "ncclComm_t", ValueLayout.ADDRESS, "cudaStream_t", ValueLayout.ADDRESS,
            "ncclResult_t", ValueLayout.JAVA_INT, "ncclDataType_t", ValueLayout.JAVA_INT, "ncclRedOp_t", ValueLayout.JAVA_INT,
            "ncclUniqueId", NcclLibrary.UNIQUE_ID);

    /** Finds "RESULT NAME(PARAMS);" in header text (declarations may span lines); null when absent. */
    static CPrototype find(String header, String name) {
        Matcher m = Pattern.compile("(?m)^[\\w ]*?\\b(\\w+\\s*\\**)\\s*\\b" + Pattern.quote(name) + "\\s*\\(([^)]*)\\)\\s*;").matcher(header);
        if (!m.find()) return null;
        List<MemoryLayout> ps = new ArrayList<>();
        String args = m.group(2).replaceAll("\\s+", " ").trim();
        if (!args.isEmpty() && !args.equals("void"))
            for (String p : args.split(",")) ps.add(layout(p.trim()));
        String r = m.group(1).trim();
        return new CPrototype(name, r.equals("void") ? null : layout(r + " x"), ps);
    }

    /** One parameter declaration ("const void *sendbuf", "int count", "MPI_Comm comm") to its layout. */
    static MemoryLayout layout(String decl) {
        if (decl.contains("*") || decl.contains("[")) return ValueLayout.ADDRESS;
        String type = decl.replace("const ", "").trim().split(" ")[0];
        if (TYPEDEFS.containsKey(type)) return TYPEDEFS.get(type);
        return switch (type) {
            case "int", "unsigned" -> ValueLayout.JAVA_INT;
            case "size_t", "long", "int64_t", "uint64_t" -> ValueLayout.JAVA_LONG;
            default -> throw new IllegalArgumentException("no layout for C type '" + type + "' in '" + decl + "'");
        };
    }
}
