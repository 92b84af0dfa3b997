package io.distlock.etcd;

import io.distlock.LockBackendException;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Tombstones of given-up tokens: keeps an acquire request that reaches etcd after the factory
 * cleaned up after it from writing anything: shared by the transaction back end and the read/write back end, whose acquisitions
 * write keys on the factory's session lease.
 *
 * <pre>
 * The problem: a request whose answer did not come (the connection went silent and was dropped,
 * the call ended) may still sit in the network or in the server's socket. The engine cleans up
 * after it by releasing its token on a new connection; if that release runs first it finds
 * nothing, and the late request then puts a key on the session lease, which is kept alive for
 * as long as the factory lives: the lock would stay taken for ever.
 *
 * The record: each write of an acquisition that goes out on a session lease notes the session
 * by token (sending); a known answer removes the note. A release of a token that still has a
 * note (the clean-up after an unknown outcome) and does not find that request applied (each back
 * end says how it tells: the lock key owned by the token; the reader's or writer's own key) also
 * puts the key prefix + "g/" + token on that same session, in the release's own transaction;
 * every acquire transaction requires that key to be absent (notGivenUp). A token has one request
 * under way at a time, so the one unanswered is the last. The record lives exactly as long as
 * the late request could still write: a request on that session fails once the session's lease
 * is gone, and with it the record. If the session is already gone on the server, the release is
 * sent again without the record (the late request cannot write either).
 *
 * An acquisition with a lease of its own (watchdog off) needs no record: its lease is revoked
 * after an unknown outcome, which deletes a late key or makes the late request fail.
 *
 * The records, and the notes of clean-ups the engine gave up, stay as long as the session: one
 * small key (and one map entry) per unknown outcome in the life of a factory.
 * </pre>
 */
final class TokenTombstones {

    private final String prefix;
    /** The session of each token's write whose answer has not come. */
    private final ConcurrentHashMap<String, EtcdSession> unanswered = new ConcurrentHashMap<>();

    /** @param keyPrefix the factory's key prefix */
    TokenTombstones(String keyPrefix) {
        this.prefix = keyPrefix + "g/";
    }

    private ByteSequence key(String token) {
        return EtcdCalls.bytes(prefix + token);
    }

    /** A comparison that holds unless {@code token} was given up: for every acquire transaction. */
    Cmp notGivenUp(String token) {
        return new Cmp(key(token), Cmp.Op.EQUAL, CmpTarget.createRevision(0));
    }

    /**
     * Runs {@code write}, a write of {@code token}'s acquisition attached to {@code session}: the
     * session stays noted for the token if no answer comes (an exception).
     */
    <T> T sending(String token, EtcdSession session, java.util.function.Supplier<T> write) {
        unanswered.put(token, session);
        T answer = write.get();
        unanswered.remove(token, session);
        return answer;
    }

    /**
     * Runs a release of {@code token}, given the extra operation that records the token as given
     * up (or {@code null} when no write of it went unanswered), which the release puts in its
     * branch for a token that owns nothing; if the recorded session is gone
     * on the server, runs it again without the record. The note is dropped once a release has
     * gone through.
     *
     * @param release the release transaction, with the extra operation to put in every branch
     * @return the release's result
     * @throws LockBackendException if the server could not be reached (the note is kept, for
     *         the retry)
     */
    <T> T releasing(String token, Function<Op, T> release) {
        EtcdSession s = unanswered.get(token);
        T result;
        if (s == null) {
            result = release.apply(null);
        } else {
            try {
                result = release.apply(Op.put(key(token), ByteSequence.EMPTY,
                        PutOption.builder().withLeaseId(s.id()).build()));
            } catch (LockBackendException e) {
                if (!EtcdSession.isLeaseNotFound(e)) {
                    throw e;
                }
                // the session is gone: a late request on it cannot write either
                result = release.apply(null);
            }
        }
        if (s != null) {
            unanswered.remove(token, s);
        }
        return result;
    }

    /** Tokens noted (for tests). */
    int noted() {
        return unanswered.size();
    }
}
