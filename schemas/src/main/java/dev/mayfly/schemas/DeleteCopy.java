package dev.mayfly.schemas;

import java.nio.charset.StandardCharsets;

/**
 * Where one copy of a group delete sits on the events topic. The gateway writes a {@code DELETE_GROUP} batch once
 * to each of the topic's partitions, in one transaction, each record with the header {@link #HEADER} =
 * {@code <partition>/<partitions>}; the engine applies the delete exactly between the records written before it and
 * after it in every partition (streams-app README, "Group deletes"). A delete without the header, or whose header
 * does not name the partition it is in (a topic copied with another layout), is applied once per record, when it
 * arrives.
 *
 * @param partition  the partition this copy was written to
 * @param partitions how many copies were written: one to each partition {@code 0..partitions-1}
 */
public record DeleteCopy(int partition, int partitions) {
    /** Events record header of a delete copy: {@code <partition>/<partitions>}, ASCII. */
    public static final String HEADER = "mayfly.delete.copy";

    public DeleteCopy {
        if (partitions < 1 || partition < 0 || partition >= partitions) {
            throw new IllegalArgumentException("delete copy " + partition + "/" + partitions + " is not a partition of " + partitions);
        }
    }

    /** The header's value. */
    public byte[] header() {
        return (partition + "/" + partitions).getBytes(StandardCharsets.US_ASCII);
    }

    /** The copy a header names, or null when the header is absent or not of this form. */
    public static DeleteCopy parse(byte[] header) {
        if (header == null) {
            return null;
        }
        String text = new String(header, StandardCharsets.US_ASCII);
        int slash = text.indexOf('/');
        try {
            return slash < 0 ? null : new DeleteCopy(Integer.parseInt(text.substring(0, slash)), Integer.parseInt(text.substring(slash + 1)));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
