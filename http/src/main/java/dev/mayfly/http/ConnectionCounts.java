package dev.mayfly.http;

/**
 * What a server did with connections since it started, read from counters that only grow (but {@code open}), one
 * after the other: each is exact, their sum only about.
 *
 * @param open                 connections open now
 * @param refusedAtLimit       connections answered 503 because {@code http.max.connections} were open and none had
 *                             been idle long enough to give up its place
 * @param refusedAtClientShare connections answered 503 because their client address held its share
 *                             ({@code http.max.connections.per.client}) and none of its own was idle long enough
 * @param evicted              idle kept-alive connections closed to make room for a new one
 */
public record ConnectionCounts(long open, long refusedAtLimit, long refusedAtClientShare, long evicted) {
}
