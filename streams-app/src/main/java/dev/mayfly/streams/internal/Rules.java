package dev.mayfly.streams.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.mayfly.schemas.MetricNames;
import dev.mayfly.schemas.avro.Aggregation;
import dev.mayfly.schemas.config.ConfigException;
import dev.mayfly.schemas.config.ConfigFiles;
import dev.mayfly.schemas.config.Setting;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The aggregation rules: an ordered list, the first rule whose pattern matches a metric name applies, else
 * {@link Rule#DEFAULT}. Loaded from YAML:
 * <pre>
 * rules:
 *   - match: "http_request_duration_*"   # glob (* and ?), or: regex: "^cache_.*_ratio$" (whole name)
 *     aggregation: max                   # gauges: last (default), max, min, sum
 *     allow: [min, max]                  # per-point aggregations a pusher may ask for
 *     by: [route]                        # or without: [pod]; job is always kept
 *     ttl: 10m                           # idle expiry of these series
 *     window: 1m                         # tumbling window: publishes name:stat_1m gauges
 *     window_stats: [sum, max, min, avg] # default: all four
 * </pre>
 * Unknown keys and bad values are rejected with a {@link ConfigException} naming the key. Thread-safe.
 */
public final class Rules {
    private static final Set<String> RULE_KEYS = Set.of("match", "regex", "aggregation", "allow", "by", "without", "ttl",
            "window", "window_stats");
    private static final int CACHE_LIMIT = 100_000;

    private final List<Rule> rules;
    private final Map<String, Rule> byName = new ConcurrentHashMap<>();

    public Rules(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    public static Rules none() {
        return new Rules(List.of());
    }

    public static Rules load(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw ConfigFiles.unreadable("rules file", file, e);
        }
    }

    public static Rules parse(String yaml, String origin) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (IOException e) {
            throw ConfigFiles.invalidYaml(origin, e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return none();
        }
        if (!root.isObject()) {
            throw new ConfigException(origin + ": expected a mapping with key 'rules'");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!key.equals("rules")) {
                throw new ConfigException(origin + ": unknown key '" + key + "'; known keys: rules");
            }
        }
        JsonNode list = root.path("rules");
        if (list.isMissingNode() || list.isNull()) {
            return none();
        }
        if (!list.isArray()) {
            throw new ConfigException(origin + ": 'rules' must be a list");
        }
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            rules.add(parseRule(list.get(i), origin + ": rules[" + i + "]"));
        }
        return new Rules(rules);
    }

    /** The rule for a stored metric name; Mayfly's own series ({@code mayfly_*}) follow no rule. */
    public Rule forName(String name) {
        if (MetricNames.isReserved(name)) {
            return Rule.DEFAULT;
        }
        Rule cached = byName.get(name);
        if (cached != null) {
            return cached;
        }
        Rule rule = Rule.DEFAULT;
        for (Rule r : rules) {
            if (r.pattern().matcher(name).matches()) {
                rule = r;
                break;
            }
        }
        if (byName.size() >= CACHE_LIMIT) {
            byName.clear();
        }
        byName.put(name, rule);
        return rule;
    }

    public List<Rule> rules() {
        return rules;
    }

    private static Rule parseRule(JsonNode node, String where) {
        if (!node.isObject()) {
            throw new ConfigException(where + ": must be a mapping");
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!RULE_KEYS.contains(key)) {
                throw new ConfigException(where + ": unknown key '" + key + "'; known keys: " + String.join(", ", new java.util.TreeSet<>(RULE_KEYS)));
            }
        }
        boolean hasGlob = node.has("match");
        boolean hasRegex = node.has("regex");
        if (hasGlob == hasRegex) {
            throw new ConfigException(where + ": needs exactly one of 'match' (glob) or 'regex'");
        }
        Pattern pattern;
        String source;
        if (hasGlob) {
            source = text(node, "match", where);
            pattern = MetricNames.glob(source);
        } else {
            source = text(node, "regex", where);
            try {
                pattern = Pattern.compile(source);
            } catch (PatternSyntaxException e) {
                throw new ConfigException(where + ": key 'regex' is not a valid regular expression: " + e.getDescription());
            }
        }
        Aggregation aggregation = node.has("aggregation") ? aggregation(text(node, "aggregation", where), where + ".aggregation") : null;
        Set<Aggregation> allow = EnumSet.noneOf(Aggregation.class);
        for (String a : strings(node, "allow", where)) {
            allow.add(aggregation(a, where + ".allow"));
        }
        List<String> by = node.has("by") ? strings(node, "by", where) : null;
        List<String> without = node.has("without") ? strings(node, "without", where) : null;
        if (by != null && without != null) {
            throw new ConfigException(where + ": use 'by' or 'without', not both");
        }
        Duration ttl = node.has("ttl") ? duration(node, "ttl", where) : null;
        Duration window = node.has("window") ? duration(node, "window", where) : null;
        String windowText = window == null ? null : text(node, "window", where).trim();
        Set<Rule.WindowStat> stats = EnumSet.allOf(Rule.WindowStat.class);
        if (node.has("window_stats")) {
            if (window == null) {
                throw new ConfigException(where + ": key 'window_stats' needs 'window'");
            }
            stats = EnumSet.noneOf(Rule.WindowStat.class);
            for (String s : strings(node, "window_stats", where)) {
                try {
                    stats.add(Rule.WindowStat.valueOf(s.trim().toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(where + ": key 'window_stats' has '" + s + "'; expected sum, max, min, avg");
                }
            }
        }
        if (window == null) {
            stats = EnumSet.noneOf(Rule.WindowStat.class);
        }
        return new Rule(source, pattern, aggregation, allow, by, without, ttl, window, windowText, stats);
    }

    private static String text(JsonNode node, String key, String where) {
        JsonNode v = node.get(key);
        if (v == null || !v.isValueNode() || v.isNull() || v.asText().isBlank()) {
            throw new ConfigException(where + ": key '" + key + "' must be a non-empty string");
        }
        return v.asText();
    }

    private static List<String> strings(JsonNode node, String key, String where) {
        JsonNode v = node.get(key);
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (!v.isArray()) {
            throw new ConfigException(where + ": key '" + key + "' must be a list");
        }
        for (JsonNode e : v) {
            if (!e.isValueNode() || e.asText().isBlank()) {
                throw new ConfigException(where + ": key '" + key + "' must be a list of strings");
            }
            out.add(e.asText());
        }
        return out;
    }

    private static Duration duration(JsonNode node, String key, String where) {
        String t = text(node, key, where);
        try {
            Duration d = Setting.parseDuration(t);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException();
            }
            return d;
        } catch (RuntimeException e) {
            throw new ConfigException(where + ": key '" + key + "' must be a positive duration such as 30s, 1m, 1h; got '" + t + "'");
        }
    }

    private static Aggregation aggregation(String text, String where) {
        try {
            return Aggregation.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ": '" + text + "' is not an aggregation; expected last, max, min, sum");
        }
    }
}
