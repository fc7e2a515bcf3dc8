package dev.mayfly.schemas.codec;

/** The two wire framings of an Avro record that every Mayfly reader accepts. */
public enum Framing {
    /** Avro single-object encoding: {@code C3 01}, 8-byte CRC-64-AVRO fingerprint, body. Needs no registry; the default. */
    SINGLE_OBJECT,
    /** Confluent wire format: magic byte {@code 0}, 4-byte big-endian schema id, body. Needs a schema registry. */
    CONFLUENT;

    /** Which framing a record uses, from its first bytes; null when neither. */
    public static Framing detect(byte[] bytes) {
        if (bytes == null || bytes.length < 5) {
            return null;
        }
        if (bytes[0] == (byte) 0xC3 && bytes[1] == (byte) 0x01 && bytes.length >= 10) {
            return SINGLE_OBJECT;
        }
        if (bytes[0] == 0) {
            return CONFLUENT;
        }
        return null;
    }
}
