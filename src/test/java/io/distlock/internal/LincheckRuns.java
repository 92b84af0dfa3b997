package io.distlock.internal;

import static org.jetbrains.lincheck.datastructures.ManagedStrategyGuaranteeKt.forClasses;

import java.util.ArrayList;
import java.util.List;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Options;
import org.jetbrains.lincheck.datastructures.StressOptions;

/**
 * The Lincheck runs the engine's linearizability tests share: written scenarios only (no
 * generated ones of Lincheck's own), under the model checker with the in-memory store taken as
 * atomic, or on real threads.
 */
final class LincheckRuns {

    private LincheckRuns() {
    }

    /**
     * Checks {@code scenarios} of {@code test} against {@code model} under Lincheck's model
     * checker: the store (every class whose name starts with {@code store}'s) is the server, one
     * atomic step per call; the token's random bytes and the events decide nothing and are not
     * explored.
     */
    static void modelChecking(Class<?> test, Class<?> model, Class<?> store, int invocations,
                              List<ExecutionScenario> scenarios) {
        check(test, model, new ModelCheckingOptions().invocationsPerIteration(invocations)
                .addGuarantee(forClasses(c -> c.startsWith(store.getName())).allMethods().treatAsAtomic())
                .addGuarantee(forClasses(LockEvents.class.getName(), "java.security.SecureRandom",
                        "java.util.HexFormat").allMethods().ignore()), scenarios);
    }

    /** Checks {@code scenarios} of {@code test} against {@code model} on real threads, {@code invocations} runs each. */
    static void stress(Class<?> test, Class<?> model, int invocations, List<ExecutionScenario> scenarios) {
        check(test, model, new StressOptions().invocationsPerIteration(invocations), scenarios);
    }

    private static void check(Class<?> test, Class<?> model, Options<?, ?> options, List<ExecutionScenario> scenarios) {
        options.iterations(0)   // only the scenarios given
                .sequentialSpecification(model);
        scenarios.forEach(options::addCustomScenario);
        options.check(test);
    }

    /**
     * A scenario of these threads' operations (methods of {@code test} taking the thread's number),
     * run in parallel.
     *
     * @throws IllegalArgumentException if a thread does not end with {@code unlockAll} (it could end
     *         holding the lock and block the others for ever), or names no such operation
     */
    static ExecutionScenario scenario(Class<?> test, List<List<String>> threads) {
        List<List<Actor>> parallel = new ArrayList<>();
        for (int t = 0; t < threads.size(); t++) {
            List<String> thread = threads.get(t);
            if (!thread.get(thread.size() - 1).equals("unlockAll")) {
                throw new IllegalArgumentException("a thread that may hold the lock at its end blocks the others");
            }
            List<Actor> actors = new ArrayList<>();
            for (String operation : thread) {
                try {
                    actors.add(new Actor(test.getMethod(operation, int.class), List.of(t)));
                } catch (NoSuchMethodException e) {
                    throw new IllegalArgumentException(operation, e);
                }
            }
            parallel.add(actors);
        }
        return new ExecutionScenario(List.of(), parallel, List.of(), null);
    }
}
