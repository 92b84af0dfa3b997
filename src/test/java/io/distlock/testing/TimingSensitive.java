package io.distlock.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * A test (or class) whose assertions measure CPU scheduling closely: tens of milliseconds
 * (answers scripted 20 ms past a 100 ms deadline, a 10 ms hand-over window, the shares of two
 * threads racing for a lock). The build runs it in a JVM of its own after the others (pom.xml,
 * surefire execution "timing"), not beside a second test JVM on a 2-core machine, where it
 * failed now and then.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag(TimingSensitive.TAG)
public @interface TimingSensitive {

    /** The JUnit tag. */
    String TAG = "timing";
}
