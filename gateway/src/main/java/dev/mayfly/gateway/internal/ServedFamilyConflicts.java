package dev.mayfly.gateway.internal;

import dev.mayfly.gateway.ServedTypes;
import dev.mayfly.schemas.MetricNames;
import dev.mayfly.schemas.avro.MetricEventBatch;
import dev.mayfly.schemas.avro.MetricPoint;
import dev.mayfly.schemas.avro.MetricType;
import dev.mayfly.schemas.avro.Operation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Refuses a push with a metric /metrics could not serve beside another family: /metrics serves one family per name
 * (each with the names of its samples), so of two families claiming a name one is left out. Checks the push's own
 * families against each other, and against the families served now (what {@link ServedTypes} knows), remembering
 * which families passed while the served types stay as they were. A name this gateway accepted that /metrics does
 * not serve yet (about the engine's freshness) keeps the type it was accepted as, pending, until it is served or
 * {@link #PENDING_SECONDS} after its last push: of two pushes giving a new name two types, at once or moments apart,
 * the second gets the 400, not a 2xx and then a family left out. Gateways do not share pending types. Thread-safe.
 */
final class ServedFamilyConflicts {
    /** The types whose families expose samples under names other than their own, and the suffixes of those names. */
    private static final MetricType[] CLAIMANTS = {MetricType.COUNTER, MetricType.HISTOGRAM, MetricType.SUMMARY};
    private static final String[][] SUFFIXES = Arrays.stream(CLAIMANTS)
            .map(t -> MetricNames.exposedNames("", t).stream().filter(n -> !n.isEmpty()).toArray(String[]::new)).toArray(String[][]::new);
    /** Families remembered as passed, per type; forgotten all at once past this many. */
    private static final int MAX_PASSED = 10_000;
    /** Families of one push compared one by one; past this many they are looked up. */
    private static final int LOOKED_UP_AFTER = 16;

    /** How long a type accepted here for a name not served yet is kept after the last push of it (unless served before). */
    static final long PENDING_SECONDS = 60;
    /** Names with a pending type at once; past this many the expired ones are dropped, then all if need be. */
    private static final int MAX_PENDING = 10_000;

    private final ServedTypes servedTypes;
    private final LongSupplier nanoTime;
    /** Per type ordinal: pushed name to the versions (served types, pending types) at which it passed. */
    private final List<ConcurrentHashMap<String, Passed>> passed = new ArrayList<>();
    /** Stored names accepted here that /metrics did not serve then: the type they were accepted as. */
    private final ConcurrentHashMap<String, Pending> pending = new ConcurrentHashMap<>();
    /** Moves whenever a pending type is added or dropped, so that families that passed before are checked again. */
    private final AtomicLong pendingVersion = new AtomicLong();

    /** A family that passed: at which versions, and the pending type it holds (null when its name was served). */
    private record Passed(long served, long pending, Pending holds) {
    }

    /**
     * The type accepted for a name not served yet, kept until {@code untilNanos}; renewed by every push of it. Changed
     * only inside the map's atomic updates of its name. Adopted once a push other than its maker relied on it: the
     * maker, refused after all, then leaves it in place.
     */
    private static final class Pending {
        final MetricType type;
        volatile long untilNanos;
        volatile boolean adopted;

        Pending(MetricType type, long untilNanos) {
            this.type = type;
            this.untilNanos = untilNanos;
        }

        boolean isLive(long now) {
            return untilNanos - now > 0;
        }
    }

    ServedFamilyConflicts(ServedTypes servedTypes) {
        this(servedTypes, System::nanoTime);
    }

    ServedFamilyConflicts(ServedTypes servedTypes, LongSupplier nanoTime) {
        this.servedTypes = servedTypes;
        this.nanoTime = nanoTime;
        for (int i = 0; i < MetricType.values().length; i++) {
            passed.add(new ConcurrentHashMap<>());
        }
    }

    /** One family of the push: the name it was pushed under, its type, and the name it is stored and served under. */
    private record Family(String pushed, MetricType type, String stored) {
        static Family of(MetricPoint p) {
            return new Family(p.getName(), p.getType(), MetricNames.storedName(p.getName(), p.getType() == MetricType.COUNTER));
        }

        boolean sameAs(Family other) {
            return stored.equals(other.stored) && type == other.type;
        }

        boolean has(MetricPoint p) {
            return p.getName().equals(pushed) && p.getType() == type;
        }
    }

    /**
     * 400 {@code type_conflict} when a metric of {@code batch} could not be served beside another family: two of its
     * own families would expose one name (counter {@code x} and gauge {@code x_created} in one OTLP request), or a
     * family served now claims one of its names: the same name as another type (a counter {@code latency} of one job,
     * a gauge {@code latency} of another), or a name among its samples (a gauge {@code x_created} beside a counter
     * {@code x}). A name neither served nor pending is made pending as the type of this push (see the class comment).
     */
    void refuse(MetricEventBatch batch) {
        if (batch.getOperation() == Operation.DELETE_GROUP && !pending.isEmpty()) {
            pending.clear(); // the names it deletes may have been pending: whatever they were, they need not stay so
            pendingVersion.incrementAndGet();
            return;
        }
        Family[] families = distinctFamilies(batch.getPoints());
        if (families.length > 1) {
            refuseWithinPush(families);
        }
        if (servedTypes == ServedTypes.NONE) {
            return;
        }
        long version = servedTypes.version(); // read before the answers it vouches for
        long pendingAt = pendingVersion.get();
        List<Family> checked = null;
        for (Family f : families) {
            Passed at = passed.get(f.type().ordinal()).get(f.pushed());
            if (version >= 0 && at != null && at.served() == version && at.pending() == pendingAt
                    && (at.holds() == null || renew(f.stored(), at.holds()))) {
                continue;
            }
            refuseServed(f);
            if (checked == null) {
                checked = new ArrayList<>(families.length);
            }
            checked.add(f);
        }
        if (checked == null || version < 0) {
            return; // a view still loading answers nothing for sure: pending types only beside one that answers
        }
        Pending[] holds = holdPendingTypes(checked);
        for (int i = 0; i < holds.length; i++) {
            Family f = checked.get(i);
            ConcurrentHashMap<String, Passed> passedAt = passed.get(f.type().ordinal());
            if (passedAt.size() >= MAX_PASSED) {
                passedAt.clear();
            }
            passedAt.put(f.pushed(), new Passed(version, pendingAt, holds[i]));
        }
    }

    /**
     * For each family, once every family of the push passed the other checks: nothing when its name is served (the
     * served view answers), else the type it is pending as, made pending now when no push made it so. Refuses the push
     * when a push accepted before made a name pending as another type, dropping what this push made pending. Atomic per
     * name, so of two pushes giving a new name two types at once exactly one passes.
     */
    private Pending[] holdPendingTypes(List<Family> families) {
        long now = nanoTime.getAsLong();
        long until = now + TimeUnit.SECONDS.toNanos(PENDING_SECONDS);
        Pending[] holds = new Pending[families.size()];
        List<Map.Entry<String, Pending>> made = new ArrayList<>(0);
        for (int i = 0; i < holds.length; i++) {
            Family f = families.get(i);
            if (servedTypes.servedType(f.stored()) != null) {
                if (pending.remove(f.stored()) != null) {
                    pendingVersion.incrementAndGet();
                }
                continue;
            }
            if (pending.size() >= MAX_PENDING) {
                pending.values().removeIf(p -> !p.isLive(now));
                if (pending.size() >= MAX_PENDING) {
                    pending.clear();
                }
                pendingVersion.incrementAndGet();
            }
            Pending mine = new Pending(f.type(), until);
            Pending held = pending.compute(f.stored(), (name, p) -> {
                if (p == null || !p.isLive(now)) {
                    return mine;
                }
                if (p.type == f.type()) {
                    p.untilNanos = until;
                    p.adopted = true;
                }
                return p;
            });
            if (held.type != f.type()) {
                made.forEach(m -> pending.computeIfPresent(m.getKey(), (name, p) -> p == m.getValue() && !p.adopted ? null : p));
                if (!made.isEmpty()) {
                    pendingVersion.incrementAndGet();
                }
                throw typeConflict(f, f.stored(), f.stored(), held.type, false);
            }
            if (held == mine) {
                made.add(Map.entry(f.stored(), mine));
                pendingVersion.incrementAndGet();
            }
            holds[i] = held;
        }
        return holds;
    }

    /** Renews {@code held} if it is still the type pending for {@code storedName}; false when another took its place. */
    private boolean renew(String storedName, Pending held) {
        long until = nanoTime.getAsLong() + TimeUnit.SECONDS.toNanos(PENDING_SECONDS);
        return pending.computeIfPresent(storedName, (name, p) -> {
            if (p == held) {
                p.untilNanos = until;
                p.adopted = true;
            }
            return p;
        }) == held;
    }

    /** The type pending here for {@code storedName} (accepted, not served yet), or null. */
    private MetricType pendingType(String storedName) {
        Pending p = pending.get(storedName);
        return p == null || !p.isLive(nanoTime.getAsLong()) ? null : p.type;
    }

    /** The name the family of {@code p} is stored and served under. */
    static String storedName(MetricPoint p) {
        return Family.of(p).stored();
    }

    /**
     * The names the families kept so far of a push accepted in part expose: a family may be kept beside them when it
     * exposes none of them (or is one of them pushed under another name: a counter {@code x} and {@code x_total}).
     * Constant time per family. Not thread-safe.
     */
    static final class Claims {
        private final Map<String, Family> byName = new HashMap<>();

        /** Keeps the family of {@code p} and returns null, or returns the refusal of the family it clashes with. */
        PushRejected claim(MetricPoint p) {
            return claim(Family.of(p));
        }

        private PushRejected claim(Family f) {
            List<String> names = MetricNames.exposedNames(f.stored(), f.type());
            for (String name : names) {
                Family other = byName.get(name);
                if (other != null && !other.sameAs(f)) {
                    return bothServedUnder(other, f, name);
                }
            }
            names.forEach(name -> byName.putIfAbsent(name, f));
            return null;
        }
    }

    private static PushRejected bothServedUnder(Family a, Family b, String name) {
        return PushRejected.badRequest(PushRejected.TYPE_CONFLICT, "metrics " + a.pushed() + " (" + typeName(a.type())
                + ") and " + b.pushed() + " (" + typeName(b.type()) + ") of this push would both be served under the name "
                + name + ", and /metrics serves one family per name: push one of them under another name");
    }

    /**
     * The families of {@code points}, each once (points of one family mostly come together; past a few families they are
     * looked up by name and type, so a push of thousands of families costs no more per point).
     */
    private static Family[] distinctFamilies(List<MetricPoint> points) {
        List<Family> families = new ArrayList<>(4);
        Map<Family, Family> byIdentity = null;
        Family previous = null;
        next:
        for (MetricPoint p : points) {
            if (previous != null && previous.has(p)) {
                continue;
            }
            if (byIdentity == null) {
                for (Family known : families) {
                    if (known.has(p)) {
                        previous = known;
                        continue next;
                    }
                }
                previous = Family.of(p);
                families.add(previous);
                if (families.size() > LOOKED_UP_AFTER) {
                    byIdentity = new HashMap<>();
                    for (Family known : families) {
                        byIdentity.put(known, known);
                    }
                }
            } else {
                Family f = Family.of(p);
                Family known = byIdentity.putIfAbsent(f, f);
                if (known == null) {
                    families.add(f);
                }
                previous = known != null ? known : f;
            }
        }
        return families.toArray(new Family[0]);
    }

    /**
     * Refuses two families of one push that expose one name (the first such pair in stored name order). Every name a
     * family exposes starts with its stored name, so only a family whose stored name starts with another's can clash
     * with it: in stored name order, those follow it. A push of a few families compares those pairs only (no names
     * made); one of many claims every name in a map, so that no chain of prefixes costs a pair each.
     */
    private static void refuseWithinPush(Family[] families) {
        Arrays.sort(families, Comparator.comparing(Family::stored));
        if (families.length > LOOKED_UP_AFTER) {
            Claims claims = new Claims();
            for (Family f : families) {
                PushRejected clash = claims.claim(f);
                if (clash != null) {
                    throw clash;
                }
            }
            return;
        }
        for (int i = 0; i < families.length; i++) {
            Family a = families[i];
            for (int j = i + 1; j < families.length && families[j].stored().startsWith(a.stored()); j++) {
                Family b = families[j];
                if (a.sameAs(b)) {
                    continue; // one counter pushed as x and as x_total
                }
                List<String> exposedByB = MetricNames.exposedNames(b.stored(), b.type());
                for (String name : MetricNames.exposedNames(a.stored(), a.type())) {
                    if (exposedByB.contains(name)) {
                        throw bothServedUnder(a, b, name);
                    }
                }
            }
        }
    }

    private void refuseServed(Family f) {
        // a family of this name served as another type
        refuseClaimed(f, f.stored(), f.stored());
        // a family named as one of this family's samples (a gauge x_total beside a counter x)
        List<String> exposed = MetricNames.exposedNames(f.stored(), f.type());
        for (int i = 1; i < exposed.size(); i++) {
            refuseClaimed(f, exposed.get(i), exposed.get(i));
        }
        // a family whose samples are named as this family (a counter x beside a gauge x_created); the names of this
        // family's samples never end in another type's suffix, so only its own name is looked at
        for (int c = 0; c < CLAIMANTS.length; c++) {
            for (String suffix : SUFFIXES[c]) {
                if (f.stored().endsWith(suffix) && f.stored().length() > suffix.length()) {
                    String base = f.stored().substring(0, f.stored().length() - suffix.length());
                    MetricType claimant = servedTypes.servedType(base);
                    if ((claimant != null ? claimant : pendingType(base)) == CLAIMANTS[c]) {
                        refuseClaimed(f, f.stored(), base);
                    }
                }
            }
        }
    }

    /**
     * Refuses {@code f} when the family served as {@code servedFamily} (or pending so: accepted moments ago),
     * which exposes {@code name}, is not {@code f} itself.
     */
    private void refuseClaimed(Family f, String name, String servedFamily) {
        MetricType served = servedTypes.servedType(servedFamily);
        boolean pendingOnly = served == null;
        if (pendingOnly) {
            served = pendingType(servedFamily);
        }
        if (served == null || servedFamily.equals(f.stored()) && served == f.type()) {
            return;
        }
        throw typeConflict(f, name, servedFamily, served, !pendingOnly);
    }

    private static PushRejected typeConflict(Family f, String name, String family, MetricType type, boolean served) {
        boolean pushable = type == MetricType.COUNTER || type == MetricType.GAUGE || type == MetricType.HISTOGRAM;
        String already = served ? " is already served as a " : " was pushed as a ";
        String since = served ? "" : " moments ago (/metrics serves it shortly)";
        if (family.equals(f.stored()) && pushable) {
            return PushRejected.badRequest(PushRejected.TYPE_CONFLICT, "metric " + f.pushed() + " is pushed as a " + typeName(f.type())
                    + " but " + f.stored() + already + typeName(type) + since + "; a metric name has one type"
                    + " across every push: push it as a " + typeName(type) + " or under another name");
        }
        // a summary or info family is the exporter's own (pushes cannot make one)
        String owner = pushable ? "the " + typeName(type) + " " + family : "the exporter's own " + family;
        return PushRejected.badRequest(PushRejected.TYPE_CONFLICT, "metric " + f.pushed() + " (" + typeName(f.type())
                + ") would be served under the name " + name + ", which " + owner
                + (served ? " already serves" : " pushed moments ago will serve")
                + ", and /metrics serves one family per name: push it under another name");
    }

    private static String typeName(MetricType type) {
        return type.name().toLowerCase(Locale.ROOT);
    }
}
