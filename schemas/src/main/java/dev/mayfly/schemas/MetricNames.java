package dev.mayfly.schemas;

/**
 * The naming rules every Mayfly component applies: Prometheus metric names ({@code [a-zA-Z_:][a-zA-Z0-9_:]*}),
 * label names ({@code [a-zA-Z_][a-zA-Z0-9_]*}, with {@code __} reserved), and the {@code mayfly_} prefix reserved for
 * Mayfly's own metrics. Checked character by character: these run for every sample.
 */
public final class MetricNames {
    /** Names starting with this are Mayfly's self-metrics; pushed metrics may not use it. */
    public static final String RESERVED_PREFIX = "mayfly_";
    /** The longest metric or label name accepted, in characters (every scrape repeats a name on each of its samples). */
    public static final int MAX_NAME_LENGTH = 1024;
    /** The suffix a counter is served with (OpenMetrics); the engine stores a counter's name without it. */
    public static final String COUNTER_SUFFIX = "_total";
    /** Gauge per job: the record timestamp, in seconds, of the newest batch of the job the pipeline took. */
    public static final String JOB_LAST_PUSH = "mayfly_job_last_push_timestamp_seconds";
    /** Gauge per group (job and grouping labels, for batches that have grouping labels): as {@link #JOB_LAST_PUSH}. */
    public static final String GROUP_LAST_PUSH = "mayfly_group_last_push_timestamp_seconds";

    private MetricNames() {
    }

    public static boolean isMetricName(String s) {
        return isName(s, true);
    }

    /** A valid label name that is not reserved ({@code __} prefix). */
    public static boolean isLabelName(String s) {
        return isName(s, false) && !s.startsWith("__");
    }

    public static boolean isReserved(String metricName) {
        return metricName.startsWith(RESERVED_PREFIX);
    }

    /**
     * The name a pushed metric is stored (and served) under: a counter loses one {@link #COUNTER_SUFFIX}, so that
     * {@code x_total} and {@code x} are one counter; any other name is kept.
     */
    public static String storedName(String name, boolean counter) {
        return counter && name.endsWith(COUNTER_SUFFIX) ? name.substring(0, name.length() - COUNTER_SUFFIX.length()) : name;
    }

    /**
     * Every name a family of {@code type} named {@code familyName} can expose, in either text format: its family name
     * (first) and the names of its samples ({@code _total}, {@code _created}, {@code _bucket}, ...). Two families may not share
     * any of these, or the exposition would have two samples of one name.
     */
    public static java.util.List<String> exposedNames(String familyName, dev.mayfly.schemas.avro.MetricType type) {
        String n = familyName;
        return switch (type) {
            case COUNTER -> java.util.List.of(n, n + "_total", n + "_created");
            case HISTOGRAM -> java.util.List.of(n, n + "_bucket", n + "_count", n + "_sum", n + "_created", n + "_gcount", n + "_gsum");
            case SUMMARY -> java.util.List.of(n, n + "_count", n + "_sum", n + "_created");
            case GAUGE, UNKNOWN -> java.util.List.of(n);
        };
    }

    /**
     * Why a counter cannot be called {@code name}, or null when it can. A counter is stored without one {@code _total}
     * suffix and served with one, so {@code x_total} and {@code x} are the same counter, and a counter whose name
     * still ends in {@code _total} after that ({@code x_total_total}) or is nothing but the suffix could not be served
     * under the name it was pushed with.
     */
    public static String counterNameProblem(String name) {
        if (name.equals(COUNTER_SUFFIX)) {
            return "counter name '" + COUNTER_SUFFIX + "' is empty without its " + COUNTER_SUFFIX + " suffix";
        }
        if (name.endsWith(COUNTER_SUFFIX + COUNTER_SUFFIX)) {
            String served = name.substring(0, name.length() - COUNTER_SUFFIX.length());
            return "counter name '" + name + "' ends in " + COUNTER_SUFFIX + " twice: a counter is served as its name without"
                    + " one " + COUNTER_SUFFIX + " suffix, plus " + COUNTER_SUFFIX + ", so it would be served as " + served
                    + "; push it as " + served;
        }
        return null;
    }

    /**
     * The whole-name pattern of a metric name glob: {@code *} matches any run of characters (none too), {@code ?}
     * exactly one, every other character itself. The one glob syntax of Mayfly (rules files, {@code mayfly events --metric}).
     */
    public static java.util.regex.Pattern glob(String glob) {
        StringBuilder sb = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> sb.append(".*");
                case '?' -> sb.append('.');
                default -> sb.append(java.util.regex.Pattern.quote(String.valueOf(c)));
            }
        }
        return java.util.regex.Pattern.compile(sb.toString(), java.util.regex.Pattern.DOTALL);
    }

    private static boolean isName(String s, boolean metric) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (metric && c == ':')
                    || (i > 0 && c >= '0' && c <= '9');
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
