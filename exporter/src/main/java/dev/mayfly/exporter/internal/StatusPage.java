package dev.mayfly.exporter.internal;

import dev.mayfly.exporter.ProcessStatus;
import dev.mayfly.http.HttpRequest;
import dev.mayfly.http.HttpResponse;
import dev.mayfly.http.RequestHandler;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code GET /}: the status page, server-rendered HTML with no script and no external asset. It shows what
 * Prometheus is served (series by metric and job, each job's last push), the pipeline's health and lag, rejections
 * with their reasons and the newest dead letters, versions and the settings in force (secrets masked by the
 * process). Mounted for exactly the path {@code /}, GET and HEAD ({@link RequestHandler#getOnly}).
 */
public final class StatusPage implements RequestHandler {
    public static final String PATH = "/";
    /** Rows shown per table; the rest are counted. */
    static final int MAX_ROWS = 200;
    /** Engine lag shown as a problem past this (the README's alert example uses 30 s). */
    private static final double LAG_WARNING_SECONDS = 30;
    private static final String STYLE = "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}"
            + "table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}"
            + "th{background:#f3f3f3}td.n{text-align:right}.ok{color:#176b2c}.bad{color:#a31515;font-weight:bold}"
            + "h2{margin-top:1.2em;border-bottom:1px solid #ddd}code{font-size:90%}";

    private final Supplier<StatusReport> report;
    private final ProcessStatus process;

    public StatusPage(Supplier<StatusReport> report, ProcessStatus process) {
        this.report = report;
        this.process = process;
    }

    @Override
    public void handle(HttpRequest request, HttpResponse response) {
        byte[] body = render(report.get(), process.services(), process.settings(), process.refusedPushes()).getBytes(StandardCharsets.UTF_8);
        response.header("Cache-Control", "no-store");
        response.send(200, "text/html; charset=utf-8", request.isHead() ? new byte[0] : body);
    }

    /** The page for {@code r}, the process's services, settings and newest refused pushes. */
    static String render(StatusReport r, Map<String, String> services, Map<String, String> settings,
                         List<ProcessStatus.RefusedPush> refused) {
        Html h = new Html();
        h.raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Mayfly status</title><style>")
                .raw(STYLE).raw("</style></head><body>");
        boolean healthy = r.caughtUp() && services.values().stream().allMatch("ready"::equals);
        h.raw("<h1>Mayfly <span id=\"state\" class=\"").raw(healthy ? "ok\">ready" : "bad\">not ready").raw("</span></h1>");
        h.raw("<p>Generated ").text(r.generated().truncatedTo(ChronoUnit.SECONDS).toString()).raw(". Values are what Prometheus is served on <a href=\"/metrics\">/metrics</a>.</p>");

        h.raw("<h2>Pipeline</h2><table id=\"pipeline\">");
        services.forEach((name, state) -> h.row("service " + name, state, "ready".equals(state)));
        h.row("exporter", r.caughtUp() ? "caught up with the aggregates topic" : "catching up (not serving yet)", r.caughtUp());
        h.row("series served", String.valueOf(r.seriesServed()), null);
        h.row("newest update", r.newestUpdate() == null ? "none yet" : r.newestUpdate().truncatedTo(ChronoUnit.SECONDS)
                + " (" + ago(r.generated(), r.newestUpdate()) + ")", null);
        h.row("engine lag, events", Double.isNaN(r.engineLagEvents()) ? "not measured" : String.format("%.0f", r.engineLagEvents()), null);
        h.row("engine lag, seconds", Double.isNaN(r.engineLagSeconds()) ? "not measured" : String.format("%.1f", r.engineLagSeconds()),
                Double.isNaN(r.engineLagSeconds()) ? null : r.engineLagSeconds() <= LAG_WARNING_SECONDS);
        if (!Double.isNaN(r.conflictingSeries())) {
            h.row("series left out of the last scrape", r.conflictingSeries() == 0 ? "none"
                    : String.format("%.0f: another family of the same name or sample names is served (gateway/README.md, \"One name, one family\")",
                    r.conflictingSeries()), r.conflictingSeries() == 0);
        }
        if (r.webConfigReloadOk() != null) {
            h.row("web config file", r.webConfigReloadOk() ? "in force as last read"
                    : "the last reading failed; the last good one is in force (see the log)", r.webConfigReloadOk());
        }
        h.raw("</table>");

        h.raw("<h2>Jobs</h2>");
        if (r.jobs().isEmpty()) {
            h.raw("<p id=\"jobs\">No job has pushed yet.</p>");
        } else {
            h.raw("<table id=\"jobs\"><tr><th>job</th><th>last push</th><th>series</th></tr>");
            rows(h, r.jobs().entrySet().stream().toList(), e -> h.raw("<tr><td>").text(e.getKey()).raw("</td><td>")
                    .text(e.getValue().lastPush() == null ? "unknown" : e.getValue().lastPush().truncatedTo(ChronoUnit.SECONDS)
                            + " (" + ago(r.generated(), e.getValue().lastPush()) + ")")
                    .raw("</td><td class=\"n\">").text(String.valueOf(e.getValue().series())).raw("</td></tr>"), 3);
            h.raw("</table>");
        }

        h.raw("<h2>Series by metric</h2><table id=\"metrics\"><tr><th>metric</th><th>type</th><th>series</th></tr>");
        List<Map.Entry<String, StatusReport.Metric>> metrics = r.metrics().entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<String, StatusReport.Metric> e) -> -e.getValue().series()).thenComparing(Map.Entry::getKey))
                .toList();
        rows(h, metrics, e -> h.raw("<tr><td>").text(e.getKey()).raw("</td><td>").text(e.getValue().type().toString().toLowerCase())
                .raw("</td><td class=\"n\">").text(e.getValue().series() + (e.getValue().leftOut() == 0 ? ""
                        : " (" + e.getValue().leftOut() + " of another type left out)")).raw("</td></tr>"), 3);
        h.raw("</table>");

        h.raw("<h2>Rejections</h2>");
        h.raw("<p>Refused at push time (the client got a 4xx naming the problem):</p>");
        counts(h, "push-rejections", r.pushRejections(), "none in this process");
        if (!refused.isEmpty()) {
            h.raw("<table id=\"recent-push-rejections\"><tr><th>time</th><th>path</th><th>reason</th><th>status</th><th>message</th></tr>");
            for (ProcessStatus.RefusedPush p : refused) {
                h.raw("<tr><td>").text(p.time().truncatedTo(ChronoUnit.SECONDS).toString()).raw("</td><td><code>").text(p.path())
                        .raw("</code></td><td>").text(p.reason()).raw("</td><td class=\"n\">").text(String.valueOf(p.status()))
                        .raw("</td><td>").text(p.message()).raw("</td></tr>");
            }
            h.raw("</table>");
        }
        h.raw("<p>Dead-lettered by the pipeline (read them with <code>mayfly events --dead-letter</code>):</p>");
        counts(h, "dead-letters", r.deadLetters(), "none");
        if (!r.deadLettersByJob().isEmpty()) {
            h.raw("<table id=\"dead-letters-by-job\"><tr><th>job</th><th>reason</th><th>count</th></tr>");
            r.deadLettersByJob().forEach((job, reasons) -> reasons.forEach((reason, n) -> h.raw("<tr><td>").text(job)
                    .raw("</td><td>").text(reason).raw("</td><td class=\"n\">").text(count(n)).raw("</td></tr>")));
            h.raw("</table>");
        }
        h.raw("<p>Newest dead letters:</p>");
        if (r.recentDeadLetters().isEmpty()) {
            h.raw("<p id=\"recent-dead-letters\">none</p>");
        } else {
            h.raw("<table id=\"recent-dead-letters\"><tr><th>time</th><th>job</th><th>reason</th><th>detail</th><th>source</th></tr>");
            for (DeadLetterTail.Entry e : r.recentDeadLetters()) {
                h.raw("<tr><td>").text(e.timestamp().truncatedTo(ChronoUnit.SECONDS).toString()).raw("</td><td>")
                        .text(e.job() == null ? "" : e.job()).raw("</td><td>").text(e.reason()).raw("</td><td>")
                        .text(e.detail()).raw("</td><td><code>").text(e.source()).raw("</code></td></tr>");
            }
            h.raw("</table>");
        }

        h.raw("<h2>Versions</h2><table id=\"versions\">");
        String mayfly = StatusPage.class.getPackage().getImplementationVersion();
        h.row("Mayfly", mayfly == null ? "development build" : mayfly, null);
        h.row("Kafka clients", kafkaVersion(), null);
        h.row("Java", Runtime.version() + " (" + System.getProperty("java.vm.name") + ")", null);
        h.raw("</table>");

        h.raw("<h2>Settings in force</h2>");
        if (settings.isEmpty()) {
            h.raw("<p id=\"settings\">not shown by this process</p>");
        } else {
            h.raw("<table id=\"settings\"><tr><th>key</th><th>value</th></tr>");
            settings.forEach((k, v) -> h.raw("<tr><td><code>").text(k).raw("</code></td><td><code>").text(v).raw("</code></td></tr>"));
            h.raw("</table>");
        }
        return h.raw("</body></html>").toString();
    }

    /** The Kafka clients' version, from the properties file their jar carries. */
    private static String kafkaVersion() {
        try (var in = StatusPage.class.getResourceAsStream("/kafka/kafka-version.properties")) {
            java.util.Properties p = new java.util.Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    private static <T> void rows(Html h, List<T> items, java.util.function.Consumer<T> row, int columns) {
        items.stream().limit(MAX_ROWS).forEach(row);
        if (items.size() > MAX_ROWS) {
            h.raw("<tr><td colspan=\"" + columns + "\">and ").text(String.valueOf(items.size() - MAX_ROWS)).raw(" more</td></tr>");
        }
    }

    private static void counts(Html h, String id, Map<String, Double> byReason, String none) {
        if (byReason.isEmpty()) {
            h.raw("<p id=\"" + id + "\">" + none + "</p>");
            return;
        }
        h.raw("<table id=\"" + id + "\"><tr><th>reason</th><th>count</th></tr>");
        byReason.forEach((reason, n) -> h.raw("<tr><td>").text(reason).raw("</td><td class=\"n\">").text(count(n)).raw("</td></tr>"));
        h.raw("</table>");
    }

    private static String count(double n) {
        return n == Math.rint(n) ? String.valueOf((long) n) : String.valueOf(n);
    }

    private static String ago(Instant now, Instant then) {
        long s = Math.max(0, Duration.between(then, now).toSeconds());
        return s < 120 ? s + " s ago" : s < 7200 ? s / 60 + " min ago" : s / 3600 + " h ago";
    }

    /** An HTML builder: {@link #text} escapes, {@link #raw} does not. */
    private static final class Html {
        private final StringBuilder sb = new StringBuilder(16 * 1024);

        Html raw(String s) {
            sb.append(s);
            return this;
        }

        Html text(String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '<' -> sb.append("&lt;");
                    case '>' -> sb.append("&gt;");
                    case '&' -> sb.append("&amp;");
                    case '"' -> sb.append("&quot;");
                    case '\'' -> sb.append("&#39;");
                    default -> sb.append(c);
                }
            }
            return this;
        }

        /** A name and value row; {@code ok} colours the value (null: neutral). */
        void row(String name, String value, Boolean ok) {
            raw("<tr><th>").text(name).raw("</th><td").raw(ok == null ? "" : ok ? " class=\"ok\"" : " class=\"bad\"").raw(">").text(value).raw("</td></tr>");
        }

        @Override
        public String toString() {
            return sb.toString();
        }
    }
}
