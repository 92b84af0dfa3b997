package io.distlock.rewrite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openrewrite.java.Assertions.java;

import io.distlock.DistributedLocks;
import io.distlock.DistributedReentrantLock;
import io.distlock.DistributedReentrantReadWriteLock;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.Test;
import org.openrewrite.test.RecipeSpec;
import org.openrewrite.test.RewriteTest;

/** The recipe on sources before and after: what it migrates, and what it reports and leaves alone. */
class MigrateReentrantLocksTest implements RewriteTest {

    @Override
    public void defaults(RecipeSpec spec) {
        spec.recipe(new MigrateReentrantLocks(null, null));
    }

    @Test
    void aCounterFieldGetsALockNamedAfterItsClassAndFieldAndKeepsItsType() {
        rewriteRun(
          spec -> spec.dataTable(LockMigrationReport.Row.class, rows -> {
              assertThat(rows).hasSize(1);
              assertThat(rows.get(0).isMigrated()).isTrue();
              assertThat(rows.get(0).getDetail()).isEqualTo("com.acme.Counter.lock");
          }),
          java(
            """
              package com.acme;

              import java.util.concurrent.locks.Lock;
              import java.util.concurrent.locks.ReentrantLock;

              class Counter {
                  private final Lock lock = new ReentrantLock();
                  private long count;

                  void increment() {
                      lock.lock();
                      try {
                          count++;
                      } finally {
                          lock.unlock();
                      }
                  }
              }
              """,
            """
              package com.acme;

              import io.distlock.DistributedLocks;

              import java.util.concurrent.locks.Lock;

              class Counter {
                  private final Lock lock = DistributedLocks.reentrantLock("com.acme.Counter.lock");
                  private long count;

                  void increment() {
                      lock.lock();
                      try {
                          count++;
                      } finally {
                          lock.unlock();
                      }
                  }
              }
              """
          )
        );
    }

    @Test
    void fairLocksStayFairReadWriteLocksAndStaticFieldsToo() {
        rewriteRun(
          java(
            """
              package com.acme;

              import java.util.concurrent.locks.ReadWriteLock;
              import java.util.concurrent.locks.ReentrantLock;
              import java.util.concurrent.locks.ReentrantReadWriteLock;

              class Registry {
                  static final boolean FAIR = Boolean.getBoolean("fair");
                  private static final ReentrantLock GLOBAL = new ReentrantLock(true);
                  private final ReentrantLock plain = new ReentrantLock(false);
                  private final ReentrantLock configured = new ReentrantLock(FAIR);
                  private final ReadWriteLock table = new ReentrantReadWriteLock();
                  private final ReentrantReadWriteLock fairTable = new ReentrantReadWriteLock(true);

                  int size() {
                      table.readLock().lock();
                      try {
                          return GLOBAL.getHoldCount() + plain.getHoldCount() + configured.getHoldCount()
                                  + fairTable.getReadLockCount();
                      } finally {
                          table.readLock().unlock();
                      }
                  }
              }
              """,
            """
              package com.acme;

              import io.distlock.DistributedLocks;

              import java.util.concurrent.locks.ReadWriteLock;
              import java.util.concurrent.locks.ReentrantLock;
              import java.util.concurrent.locks.ReentrantReadWriteLock;

              class Registry {
                  static final boolean FAIR = Boolean.getBoolean("fair");
                  private static final ReentrantLock GLOBAL = DistributedLocks.reentrantLock("com.acme.Registry.GLOBAL", true);
                  private final ReentrantLock plain = DistributedLocks.reentrantLock("com.acme.Registry.plain");
                  private final ReentrantLock configured = DistributedLocks.reentrantLock("com.acme.Registry.configured", FAIR);
                  private final ReadWriteLock table = DistributedLocks.readWriteLock("com.acme.Registry.table");
                  private final ReentrantReadWriteLock fairTable = DistributedLocks.readWriteLock("com.acme.Registry.fairTable", true);

                  int size() {
                      table.readLock().lock();
                      try {
                          return GLOBAL.getHoldCount() + plain.getHoldCount() + configured.getHoldCount()
                                  + fairTable.getReadLockCount();
                      } finally {
                          table.readLock().unlock();
                      }
                  }
              }
              """
          )
        );
    }

    @Test
    void conditionsMadeInFieldInitializersAndConstructorsAreNamedAfterTheirFields() {
        rewriteRun(
          java(
            """
              package com.acme;

              import java.util.concurrent.locks.Condition;
              import java.util.concurrent.locks.ReentrantLock;
              import java.util.concurrent.locks.ReentrantReadWriteLock;

              class Buffer {
                  private final ReentrantLock lock = new ReentrantLock();
                  private final Condition notEmpty = lock.newCondition();
                  private final Condition notFull;
                  private final ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
                  private final Condition changed = rw.writeLock().newCondition();

                  Buffer() {
                      this.notFull = lock.newCondition();
                  }

                  void put() throws InterruptedException {
                      lock.lock();
                      try {
                          notFull.await();
                          notEmpty.signal();
                      } finally {
                          lock.unlock();
                      }
                  }
              }
              """,
            """
              package com.acme;

              import io.distlock.DistributedLocks;

              import java.util.concurrent.locks.Condition;
              import java.util.concurrent.locks.ReentrantLock;
              import java.util.concurrent.locks.ReentrantReadWriteLock;

              class Buffer {
                  private final ReentrantLock lock = DistributedLocks.reentrantLock("com.acme.Buffer.lock");
                  private final Condition notEmpty = DistributedLocks.condition(lock, "notEmpty");
                  private final Condition notFull;
                  private final ReentrantReadWriteLock rw = DistributedLocks.readWriteLock("com.acme.Buffer.rw");
                  private final Condition changed = DistributedLocks.condition(rw.writeLock(), "changed");

                  Buffer() {
                      this.notFull = DistributedLocks.condition(lock, "notFull");
                  }

                  void put() throws InterruptedException {
                      lock.lock();
                      try {
                          notFull.await();
                          notEmpty.signal();
                      } finally {
                          lock.unlock();
                      }
                  }
              }
              """
          )
        );
    }

    @Test
    void localVariablesAreReportedAndLeftAlone() {
        rewriteRun(
          spec -> spec.dataTable(LockMigrationReport.Row.class, rows -> {
              assertThat(rows).singleElement().satisfies(r -> {
                  assertThat(r.isMigrated()).isFalse();
                  assertThat(r.getVariable()).isEqualTo("local");
                  assertThat(r.getDetail()).startsWith("local variable");
              });
          }),
          java(
            """
              import java.util.concurrent.locks.ReentrantLock;

              class Job {
                  void run() {
                      ReentrantLock local = new ReentrantLock();
                      local.lock();
                      local.unlock();
                  }
              }
              """,
            """
              import java.util.concurrent.locks.ReentrantLock;

              class Job {
                  void run() {
                      ReentrantLock local = /*~~(not migrated: local variable: a new lock per call, never shared across JVMs)~~>*/new ReentrantLock();
                      local.lock();
                      local.unlock();
                  }
              }
              """
          )
        );
    }

    @Test
    void fieldsOfSerializableClassesAreReportedAndLeftAlone() {
        rewriteRun(
          java(
            """
              import java.io.Serializable;
              import java.util.concurrent.locks.ReentrantLock;

              class Session implements Serializable {
                  private final ReentrantLock lock = new ReentrantLock();
              }
              """,
            """
              import java.io.Serializable;
              import java.util.concurrent.locks.ReentrantLock;

              class Session implements Serializable {
                  private final ReentrantLock lock = /*~~(not migrated: field of a Serializable class: distributed locks refuse serialization; make it transient and migrate by hand)~~>*/new ReentrantLock();
              }
              """
          )
        );
    }

    @Test
    void conditionsMadeInALoopOrAMethodBlockTheLockAndAreReported() {
        rewriteRun(
          java(
            """
              import java.util.ArrayList;
              import java.util.List;
              import java.util.concurrent.locks.Condition;
              import java.util.concurrent.locks.ReentrantLock;

              class Slots {
                  private final ReentrantLock lock = new ReentrantLock();
                  private final List<Condition> slots = new ArrayList<>();

                  Slots(int n) {
                      for (int i = 0; i < n; i++) {
                          slots.add(lock.newCondition());
                      }
                  }
              }
              """,
            """
              import java.util.ArrayList;
              import java.util.List;
              import java.util.concurrent.locks.Condition;
              import java.util.concurrent.locks.ReentrantLock;

              class Slots {
                  private final ReentrantLock lock = /*~~(not migrated: newCondition() called in a constructor, nested, not as the initializer of a Condition field or a top-level assignment to one in a constructor: which conditions exist, and in which order, could differ between JVMs)~~>*/new ReentrantLock();
                  private final List<Condition> slots = new ArrayList<>();

                  Slots(int n) {
                      for (int i = 0; i < n; i++) {
                          slots.add(lock.newCondition());
                      }
                  }
              }
              """
          ),
          java(
            """
              import java.util.concurrent.locks.Condition;
              import java.util.concurrent.locks.Lock;
              import java.util.concurrent.locks.ReentrantLock;

              class Waiters {
                  private final Lock lock = new ReentrantLock();

                  Condition forKey(String key) {
                      return lock.newCondition();
                  }
              }
              """,
            """
              import java.util.concurrent.locks.Condition;
              import java.util.concurrent.locks.Lock;
              import java.util.concurrent.locks.ReentrantLock;

              class Waiters {
                  private final Lock lock = /*~~(not migrated: newCondition() called in method forKey(), not as the initializer of a Condition field or a top-level assignment to one in a constructor: which conditions exist, and in which order, could differ between JVMs)~~>*/new ReentrantLock();

                  Condition forKey(String key) {
                      return lock.newCondition();
                  }
              }
              """
          )
        );
    }

    @Test
    void aLockThatEscapesIsReportedAndLeftAloneEvenWhenUsedFromAnotherFile() {
        rewriteRun(
          java(
            """
              package com.acme;

              import java.util.concurrent.locks.ReentrantLock;

              public class Shared {
                  public final ReentrantLock lock = new ReentrantLock();
              }
              """,
            """
              package com.acme;

              import java.util.concurrent.locks.ReentrantLock;

              public class Shared {
                  public final ReentrantLock lock = /*~~(not migrated: used other than by calling its methods (MethodInvocation): passed, returned or stored, so a newCondition() on it could not be checked)~~>*/new ReentrantLock();
              }
              """
          ),
          java(
            """
              package com.acme;

              import java.util.concurrent.locks.Lock;

              class User {
                  static void hold(Lock lock) {
                      lock.lock();
                  }

                  void use(Shared shared) {
                      hold(shared.lock);
                  }
              }
              """
          )
        );
    }

    @Test
    void onlyTheIncludedClassesAndPackagesAreMigrated() {
        rewriteRun(
          spec -> spec.recipe(new MigrateReentrantLocks(List.of("com.acme.billing.*", "com.acme.Inventory"), "app:")),
          java(
            """
              package com.acme.billing.core;

              import java.util.concurrent.locks.ReentrantLock;

              class Invoices {
                  private final ReentrantLock lock = new ReentrantLock();
              }
              """,
            """
              package com.acme.billing.core;

              import io.distlock.DistributedLocks;

              import java.util.concurrent.locks.ReentrantLock;

              class Invoices {
                  private final ReentrantLock lock = DistributedLocks.reentrantLock("app:com.acme.billing.core.Invoices.lock");
              }
              """
          ),
          java(
            """
              package com.acme;

              import java.util.concurrent.locks.ReentrantLock;

              class Inventory {
                  private final ReentrantLock lock = new ReentrantLock();
              }
              """,
            """
              package com.acme;

              import io.distlock.DistributedLocks;

              import java.util.concurrent.locks.ReentrantLock;

              class Inventory {
                  private final ReentrantLock lock = DistributedLocks.reentrantLock("app:com.acme.Inventory.lock");
              }
              """
          ),
          java(
            """
              package com.acme.reports;

              import java.util.concurrent.locks.ReentrantLock;

              class Reports {
                  private final ReentrantLock lock = new ReentrantLock();
                  void run() {
                      ReentrantLock local = new ReentrantLock();
                  }
              }
              """
          )
        );
    }

    @Test
    void locksCreatedOutsideAFieldInitializerOrInAnAnonymousClassAreReported() {
        rewriteRun(
          java(
            """
              import java.util.concurrent.locks.Lock;
              import java.util.concurrent.locks.ReentrantLock;

              class Late {
                  private final Lock lock;
                  private final Runnable task = new Runnable() {
                      private final Lock inner = new ReentrantLock();
                      public void run() {
                          inner.lock();
                          inner.unlock();
                      }
                  };

                  Late() {
                      lock = new ReentrantLock();
                  }
              }
              """,
            """
              import java.util.concurrent.locks.Lock;
              import java.util.concurrent.locks.ReentrantLock;

              class Late {
                  private final Lock lock;
                  private final Runnable task = new Runnable() {
                      private final Lock inner = /*~~(not migrated: field of an anonymous class: no name that is the same in every JVM)~~>*/new ReentrantLock();
                      public void run() {
                          inner.lock();
                          inner.unlock();
                      }
                  };

                  Late() {
                      lock = /*~~(not migrated: created outside a field initializer: migrate it by hand (docs/migration.md) or move it into the field's declaration)~~>*/new ReentrantLock();
                  }
              }
              """
          )
        );
    }

    @Test
    void theSignaturesTheTemplatesAreAttributedWithAreTheLibrarys() throws Exception {
        // MigrateReentrantLocks.LIBRARY_TYPES declares these; the library must have them, public and static
        Object[][] expected = {
            {"reentrantLock", DistributedReentrantLock.class, new Class<?>[] {String.class}},
            {"reentrantLock", DistributedReentrantLock.class, new Class<?>[] {String.class, boolean.class}},
            {"readWriteLock", DistributedReentrantReadWriteLock.class, new Class<?>[] {String.class}},
            {"readWriteLock", DistributedReentrantReadWriteLock.class, new Class<?>[] {String.class, boolean.class}},
            {"condition", Condition.class, new Class<?>[] {Lock.class, String.class}},
        };
        for (Object[] e : expected) {
            Method m = DistributedLocks.class.getMethod((String) e[0], (Class<?>[]) e[2]);
            assertThat(Modifier.isStatic(m.getModifiers())).isTrue();
            assertThat(m.getReturnType()).isEqualTo(e[1]);
            String declared = m.getName() + "(" + String.join(", ", java.util.Arrays.stream(m.getParameterTypes())
                    .map(Class::getName).toList()) + ")";
            assertThat(String.join("", MigrateReentrantLocks.LIBRARY_TYPES).replaceAll("\\s+", " "))
                    .as(declared).contains(" " + m.getReturnType().getSimpleName() + " " + m.getName() + "(");
        }
        assertThat(DistributedReentrantLock.class.getSuperclass()).isEqualTo(java.util.concurrent.locks.ReentrantLock.class);
        assertThat(DistributedReentrantReadWriteLock.class.getSuperclass())
                .isEqualTo(java.util.concurrent.locks.ReentrantReadWriteLock.class);
    }
}
