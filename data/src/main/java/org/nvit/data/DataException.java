package org.nvit.data;

/** Bad data input (missing folder, corrupt file, bad spec): the message is one line naming the cause and the fix. */
public class DataException extends IllegalArgumentException {
    public DataException(String message) { super(message); }

    public DataException(String message, Throwable cause) { super(message, cause); }
}
