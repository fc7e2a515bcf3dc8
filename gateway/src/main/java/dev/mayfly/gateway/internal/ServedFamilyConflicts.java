package dev.mayfly.gateway.internal;

import dev.mayfly.gateway.ServedTypes;
import dev.mayfly.schemas.MetricNames;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Refuses a push whose metric the exporter would leave out because a family it already serves claims the metric's
 * name (what {@link ServedTypes} knows). Stateless; any thread.
 */
final class ServedFamilyConflicts {
    /** The types whose families expose samples under names other than their own, and the suffixes of those names. */
    private static final MetricType[] CLAIMANTS = {MetricType.COUNTER, MetricType.HISTOGRAM, MetricType.SUMMARY};
    private static final Map<MetricType, List<String>> SUFFIXES = Arrays.stream(CLAIMANTS)
            .collect(Collectors.toMap(t -> t, t -> MetricNames.exposedNames("", t).stream().filter(n -> !n.isEmpty()).toList()));

    private ServedFamilyConflicts() {
    }

    /**
     * 400 {@code type_conflict} when a metric of {@code batch} would be left out of /metrics because a family already
     * served claims its name: the same name as another type (a counter {@code latency} of one job, a gauge
     * {@code latency} of another), or a name among its samples (a gauge {@code x_created} beside a counter {@code x}).
     * The exporter serves one family per name; names {@code servedTypes} does not know are left to the engine.
     */
    static void refuse(ServedTypes servedTypes, MetricEventBatch batch) {
        if (servedTypes == ServedTypes.NONE) {
            return;
        }
        String checked = null;
        MetricType checkedType = null;
        for (MetricPoint p : batch.getPoints()) {
            if (p.getName().equals(checked) && p.getType() == checkedType) {
                continue; // points of one family come together
            }
            checked = p.getName();
            checkedType = p.getType();
            String family = MetricNames.storedName(checked, checkedType == MetricType.COUNTER);
            for (String exposed : MetricNames.exposedNames(family, checkedType)) {
                refuseClaimed(servedTypes, checked, checkedType, family, exposed, exposed);
                for (MetricType claimant : CLAIMANTS) {
                    for (String suffix : SUFFIXES.get(claimant)) {
                        if (exposed.endsWith(suffix) && exposed.length() > suffix.length()) {
                            String base = exposed.substring(0, exposed.length() - suffix.length());
                            if (servedTypes.servedType(base) == claimant) {
                                refuseClaimed(servedTypes, checked, checkedType, family, exposed, base);
                            }
                        }
                    }
                }
            }
        }
    }

    /** Refuses the pushed metric when the family served as {@code servedFamily} is not the pushed family itself and claims {@code exposed}. */
    private static void refuseClaimed(ServedTypes servedTypes, String pushed, MetricType pushedType, String family,
                                      String exposed, String servedFamily) {
        MetricType served = servedTypes.servedType(servedFamily);
        if (served == null || servedFamily.equals(family) && served == pushedType) {
            return;
        }
        if (servedFamily.equals(family)) {
            throw PushRejected.badRequest(PushRejected.TYPE_CONFLICT, "metric " + pushed + " is pushed as a " + typeName(pushedType)
                    + " but " + family + " is served as a " + typeName(served) + " (from other pushes); a metric name has"
                    + " one type across every push: push it as a " + typeName(served) + " or under another name");
        }
        throw PushRejected.badRequest(PushRejected.TYPE_CONFLICT, "metric " + pushed + " (" + typeName(pushedType)
                + ") would be served under the name " + exposed + ", which the " + typeName(served) + " " + servedFamily
                + " already serves (from other pushes); push it under another name");
    }

    private static String typeName(MetricType type) {
        return type.name().toLowerCase(Locale.ROOT);
    }
}
