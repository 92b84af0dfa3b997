package io.distlock.spring.boot;

/** Finds the exception a context's start-up failure wraps (Spring wraps it in bean-creation exceptions). */
final class Failures {

    private Failures() {
    }

    /** The outermost exception of {@code type} in the chain of causes of {@code failure}. */
    static <T extends Throwable> T outermost(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        throw new AssertionError("no " + type.getName() + " among the causes of " + failure, failure);
    }
}
