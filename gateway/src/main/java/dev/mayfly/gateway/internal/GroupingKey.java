package dev.mayfly.gateway.internal;

import dev.mayfly.schemas.MetricNames;
import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.avro.Temporality;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The grouping key of a Pushgateway URL, {@code /metrics/job/<job>{/<label>/<value>}}, with the Pushgateway's
 * encodings: segments are percent-decoded (a '+' stays a '+', as in the Pushgateway), and {@code <name>@base64/<value>}
 * carries a base64url value (padding optional; {@code =} alone is the empty value), {@code job@base64} included.
 * The reserved labels {@code mayfly_temporality} and {@code mayfly_aggregation} are taken out of {@link #labels()}.
 *
 * @param job         the job
 * @param labels      the other grouping labels, in URL order, reserved ones removed
 * @param temporality the push style the URL asks for, or null
 * @param aggregation the aggregation the URL asks for every point, or null
 */
public record GroupingKey(String job, Map<String, String> labels, Temporality temporality, Aggregation aggregation) {
    private static final String PREFIX = "/metrics/";

    /** Parses the raw (still percent-encoded) path of a request under {@code /metrics/}. */
    public static GroupingKey parse(String rawPath) {
        if (!rawPath.startsWith(PREFIX)) {
            throw invalid("path must start with /metrics/job/");
        }
        String[] segments = segments(rawPath, PREFIX.length());
        int n = segments.length;
        if (n % 2 == 1 && segments[n - 1].isEmpty()) {
            n--; // one trailing slash
        }
        if (n % 2 == 1) {
            throw invalid("label " + decodeName(segments[n - 1]) + " has no value");
        }
        String job = null;
        Map<String, String> labels = new LinkedHashMap<>();
        Temporality temporality = null;
        Aggregation aggregation = null;
        for (int i = 0; i < n; i += 2) {
            String rawName = percentDecode(segments[i]);
            boolean base64 = rawName.endsWith("@base64");
            String name = base64 ? rawName.substring(0, rawName.length() - "@base64".length()) : rawName;
            String value = base64 ? base64Decode(segments[i + 1], name) : percentDecode(segments[i + 1]);
            if (i == 0) {
                if (!name.equals("job")) {
                    throw invalid("path must start with /metrics/job/");
                }
                if (value.isEmpty()) {
                    throw invalid("job name is empty");
                }
                job = value;
                continue;
            }
            if (!MetricNames.isLabelName(name)) {
                throw invalid("invalid label name '" + name + "'");
            }
            if (value.isEmpty() && !base64) {
                throw invalid("label " + name + " has an empty value; encode an empty value as " + name + "@base64/=");
            }
            if (name.equals("job") || labels.containsKey(name)
                    || (name.equals(PushOptions.TEMPORALITY_LABEL) && temporality != null)
                    || (name.equals(PushOptions.AGGREGATION_LABEL) && aggregation != null)) {
                throw invalid("label " + name + " appears twice");
            }
            if (name.equals(PushOptions.TEMPORALITY_LABEL)) {
                temporality = PushOptions.parseTemporality(value, "label " + PushOptions.TEMPORALITY_LABEL);
            } else if (name.equals(PushOptions.AGGREGATION_LABEL)) {
                aggregation = PushOptions.parseAggregation(value);
            } else if (name.startsWith(MetricNames.RESERVED_PREFIX)) {
                throw PushRejected.badRequest(PushRejected.RESERVED_NAME, "grouping label " + name
                        + " is reserved: labels starting with " + MetricNames.RESERVED_PREFIX + " are Mayfly's own");
            } else {
                labels.put(name, value);
            }
        }
        if (job == null) {
            throw invalid("path must start with /metrics/job/");
        }
        return new GroupingKey(job, labels, temporality, aggregation);
    }

    /** {@code s.substring(from).split("/", -1)}, without the copy and the list. */
    private static String[] segments(String s, int from) {
        int count = 1;
        for (int i = s.indexOf('/', from); i >= 0; i = s.indexOf('/', i + 1)) {
            count++;
        }
        String[] segments = new String[count];
        int start = from;
        for (int k = 0; k < count - 1; k++) {
            int slash = s.indexOf('/', start);
            segments[k] = s.substring(start, slash);
            start = slash + 1;
        }
        segments[count - 1] = s.substring(start);
        return segments;
    }

    private static String decodeName(String segment) {
        try {
            return percentDecode(segment);
        } catch (PushRejected e) {
            return segment;
        }
    }

    private static String base64Decode(String segment, String name) {
        String s = percentDecode(segment);
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '=') {
            end--;
        }
        try {
            byte[] bytes = Base64.getUrlDecoder().decode(s.substring(0, end));
            return utf8(bytes, name);
        } catch (IllegalArgumentException e) {
            throw invalid("value of " + name + "@base64 is not base64url: " + e.getMessage());
        }
    }

    static String percentDecode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw invalid("bad percent-encoding in '" + s + "'");
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw invalid("bad percent-encoding in '" + s + "'");
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
            }
        }
        return utf8(out.toByteArray(), s);
    }

    private static String utf8(byte[] bytes, String what) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw invalid("'" + what + "' is not valid UTF-8");
        }
    }

    private static PushRejected invalid(String message) {
        return PushRejected.badRequest(PushRejected.INVALID_GROUPING_KEY, "invalid grouping key: " + message);
    }
}
