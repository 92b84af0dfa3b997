package io.distlock.rewrite;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.openrewrite.Cursor;
import org.openrewrite.ExecutionContext;
import org.openrewrite.Option;
import org.openrewrite.ScanningRecipe;
import org.openrewrite.TreeVisitor;
import org.openrewrite.internal.lang.Nullable;
import org.openrewrite.java.JavaIsoVisitor;
import org.openrewrite.java.JavaParser;
import org.openrewrite.java.JavaTemplate;
import org.openrewrite.java.JavaVisitor;
import org.openrewrite.java.tree.Expression;
import org.openrewrite.java.tree.J;
import org.openrewrite.java.tree.JavaType;
import org.openrewrite.java.tree.TypeUtils;
import org.openrewrite.marker.SearchResult;

/**
 * Rewrites the initializers of {@code ReentrantLock} and {@code ReentrantReadWriteLock} fields
 * into distributed locks of a stable name ({@code io.distlock.DistributedLocks}), and reports,
 * without changing them, the locks it must not migrate blindly.
 *
 * <p>A field is migrated when its initializer is {@code new ReentrantLock()},
 * {@code new ReentrantLock(fair)}, {@code new ReentrantReadWriteLock()} or
 * {@code new ReentrantReadWriteLock(fair)}, its class is in scope and not {@code Serializable},
 * and every use of the field in the sources the recipe sees is a method call on it (or on its
 * {@code readLock()} / {@code writeLock()}) where each {@code newCondition()} call initializes a
 * {@code Condition} field, in that field's declaration or as a top-level statement of a
 * constructor. Those conditions are rewritten to named ones
 * ({@code DistributedLocks.condition(lock, "notEmpty")}, named by the condition field), so they
 * are the same conditions in every JVM however many objects share the lock and whatever order
 * they are created in. Any other use (a {@code newCondition()} in a method, loop or lambda; the
 * lock passed, returned, stored or reassigned, so that a {@code newCondition()} could happen out
 * of sight) leaves the lock as it is and reports why; so do locks in local variables, in
 * anonymous classes and created elsewhere than in a field initializer.
 */
public class MigrateReentrantLocks extends ScanningRecipe<MigrateReentrantLocks.Accumulator> {

    static final String REENTRANT_LOCK = "java.util.concurrent.locks.ReentrantLock";
    static final String READ_WRITE_LOCK = "java.util.concurrent.locks.ReentrantReadWriteLock";
    static final String DISTRIBUTED_LOCKS = "io.distlock.DistributedLocks";
    private static final Set<String> LOCK_TYPES = Set.of(REENTRANT_LOCK, READ_WRITE_LOCK,
            "java.util.concurrent.locks.Lock", "java.util.concurrent.locks.ReadWriteLock");

    /** The signatures of the library's entry point, for type-attributing the templates. */
    static final String[] LIBRARY_TYPES = {
        "package io.distlock; public abstract class DistributedReentrantLock extends java.util.concurrent.locks.ReentrantLock {}",
        "package io.distlock; public abstract class DistributedReentrantReadWriteLock"
                + " extends java.util.concurrent.locks.ReentrantReadWriteLock {}",
        "package io.distlock; import java.util.concurrent.locks.Condition; import java.util.concurrent.locks.Lock;"
                + " public final class DistributedLocks {"
                + " public static DistributedReentrantLock reentrantLock(String name) { return null; }"
                + " public static DistributedReentrantLock reentrantLock(String name, boolean fair) { return null; }"
                + " public static DistributedReentrantReadWriteLock readWriteLock(String name) { return null; }"
                + " public static DistributedReentrantReadWriteLock readWriteLock(String name, boolean fair) { return null; }"
                + " public static Condition condition(Lock lock, String conditionName) { return null; } }"
    };

    @Option(displayName = "Classes or packages",
            description = "Fully qualified names of the classes and packages (with their sub-packages and nested classes) "
                    + "whose locks are migrated; a trailing `.*` is allowed. Empty or absent: every class.",
            example = "com.acme.billing, com.acme.Inventory",
            required = false)
    @Nullable
    private final List<String> include;

    @Option(displayName = "Lock name prefix",
            description = "Prepended to every lock name (the declaring class's fully qualified name, a dot and the field's name).",
            example = "billing:",
            required = false)
    @Nullable
    private final String lockNamePrefix;

    private final transient LockMigrationReport report = new LockMigrationReport(this);

    /**
     * The recipe.
     *
     * @param include the classes and packages to migrate; {@code null} or empty for all
     * @param lockNamePrefix a prefix of every lock name, or {@code null}
     */
    @JsonCreator
    public MigrateReentrantLocks(@JsonProperty("include") @Nullable List<String> include,
                                 @JsonProperty("lockNamePrefix") @Nullable String lockNamePrefix) {
        this.include = include;
        this.lockNamePrefix = lockNamePrefix;
    }

    public @Nullable List<String> getInclude() {
        return include;
    }

    public @Nullable String getLockNamePrefix() {
        return lockNamePrefix;
    }

    @Override
    public String getDisplayName() {
        return "Migrate ReentrantLock fields to distributed locks";
    }

    @Override
    public String getDescription() {
        return "Rewrites `new ReentrantLock()` / `new ReentrantReadWriteLock()` field initializers into "
                + "`DistributedLocks` locks named after the class and field (fair stays fair, the declared type stays), "
                + "and names their conditions; reports locks in local variables, in Serializable classes, "
                + "whose newCondition() calls or uses could make conditions differ between JVMs, and leaves them as is.";
    }

    /** What the scan found: fields that may be migrated, and why others may not. */
    public static final class Accumulator {
        final Set<String> candidates = new HashSet<>();
        final Map<String, String> blocked = new HashMap<>();

        boolean migrates(String fieldKey) {
            return candidates.contains(fieldKey) && !blocked.containsKey(fieldKey);
        }
    }

    @Override
    public Accumulator getInitialValue(ExecutionContext ctx) {
        return new Accumulator();
    }

    @Override
    public TreeVisitor<?, ExecutionContext> getScanner(Accumulator acc) {
        return new JavaIsoVisitor<>() {
            @Override
            public J.VariableDeclarations.NamedVariable visitVariable(J.VariableDeclarations.NamedVariable variable,
                                                                     ExecutionContext ctx) {
                J.ClassDeclaration owner = fieldOwner(getCursor());
                if (owner != null && owner.getType() != null && isLockCreation(variable.getInitializer())
                        && inScope(owner.getType()) && !serializable(owner.getType())) {
                    acc.candidates.add(owner.getType().getFullyQualifiedName() + "#" + variable.getSimpleName());
                }
                return super.visitVariable(variable, ctx);
            }

            @Override
            public J.Identifier visitIdentifier(J.Identifier identifier, ExecutionContext ctx) {
                String key = lockFieldKey(identifier);
                if (key != null) {
                    Cursor parent = getCursor().getParentTreeCursor();
                    Cursor expr = getCursor();
                    if (parent.getValue() instanceof J.VariableDeclarations.NamedVariable
                            && ((J.VariableDeclarations.NamedVariable) parent.getValue()).getName() == identifier) {
                        return identifier; // the declaration itself
                    }
                    if (parent.getValue() instanceof J.FieldAccess
                            && ((J.FieldAccess) parent.getValue()).getName() == identifier) {
                        expr = parent;
                    }
                    String reason = useProblem(expr);
                    if (reason != null) {
                        acc.blocked.putIfAbsent(key, reason);
                    }
                }
                return identifier;
            }
        };
    }

    @Override
    public TreeVisitor<?, ExecutionContext> getVisitor(Accumulator acc) {
        return new JavaVisitor<>() {
            @Override
            public J visitNewClass(J.NewClass newClass, ExecutionContext ctx) {
                J visited = super.visitNewClass(newClass, ctx);
                if (!(visited instanceof J.NewClass) || !isLockCreation((J.NewClass) visited)) {
                    return visited;
                }
                J.NewClass nc = (J.NewClass) visited;
                J.ClassDeclaration enclosing = getCursor().firstEnclosing(J.ClassDeclaration.class);
                JavaType.FullyQualified enclosingType = enclosing == null ? null : enclosing.getType();
                if (enclosingType == null || !inScope(enclosingType)) {
                    return nc;
                }
                String className = enclosingType.getFullyQualifiedName();
                Cursor parent = getCursor().getParentTreeCursor();
                if (!(parent.getValue() instanceof J.VariableDeclarations.NamedVariable)
                        || ((J.VariableDeclarations.NamedVariable) parent.getValue()).getInitializer() != newClass) {
                    return reportOnly(ctx, nc, className, "-", "created outside a field initializer: "
                            + "migrate it by hand (docs/migration.md) or move it into the field's declaration");
                }
                J.VariableDeclarations.NamedVariable variable = parent.getValue();
                J.ClassDeclaration owner = fieldOwner(parent);
                if (owner == null) {
                    if (isAnonymousField(parent)) {
                        return reportOnly(ctx, nc, className, variable.getSimpleName(), "field of an anonymous class: "
                                + "no name that is the same in every JVM");
                    }
                    return reportOnly(ctx, nc, className, variable.getSimpleName(),
                            "local variable: a new lock per call, never shared across JVMs");
                }
                if (serializable(enclosingType)) {
                    return reportOnly(ctx, nc, className, variable.getSimpleName(), "field of a Serializable class: "
                            + "distributed locks refuse serialization; make it transient and migrate by hand");
                }
                String key = className + "#" + variable.getSimpleName();
                String blocked = acc.blocked.get(key);
                if (blocked != null) {
                    return reportOnly(ctx, nc, className, variable.getSimpleName(), blocked);
                }
                if (!acc.migrates(key)) {
                    return nc;
                }
                String name = (lockNamePrefix == null ? "" : lockNamePrefix) + className + "." + variable.getSimpleName();
                boolean readWrite = TypeUtils.isOfClassType(nc.getType(), READ_WRITE_LOCK);
                Expression fair = fairArgument(nc);
                String method = readWrite ? "readWriteLock" : "reentrantLock";
                String code = "DistributedLocks." + method + "(" + literal(name) + (fair == null ? ")" : ", #{any(boolean)})");
                JavaTemplate template = JavaTemplate.builder(code)
                        .imports(DISTRIBUTED_LOCKS)
                        .javaParser(JavaParser.fromJavaVersion().dependsOn(LIBRARY_TYPES))
                        .build();
                maybeAddImport(DISTRIBUTED_LOCKS);
                maybeRemoveImport(readWrite ? READ_WRITE_LOCK : REENTRANT_LOCK);
                report.insertRow(ctx, new LockMigrationReport.Row(sourcePath(), className, variable.getSimpleName(), true, name));
                return fair == null
                        ? template.apply(getCursor(), nc.getCoordinates().replace())
                        : template.apply(getCursor(), nc.getCoordinates().replace(), fair);
            }

            @Override
            public J visitMethodInvocation(J.MethodInvocation method, ExecutionContext ctx) {
                J visited = super.visitMethodInvocation(method, ctx);
                if (!(visited instanceof J.MethodInvocation)) {
                    return visited;
                }
                J.MethodInvocation m = (J.MethodInvocation) visited;
                if (!"newCondition".equals(m.getSimpleName()) || !noArguments(m.getArguments())) {
                    return m;
                }
                Expression lockExpr = m.getSelect();
                String key = lockKeyOfConditionSelect(lockExpr);
                if (key == null || !acc.migrates(key)) {
                    return m;
                }
                String conditionName = conditionName(getCursor(), key);
                if (conditionName == null) {
                    return m; // cannot happen: the scan blocked the lock then
                }
                JavaTemplate template = JavaTemplate.builder(
                                "DistributedLocks.condition(#{any(java.util.concurrent.locks.Lock)}, " + literal(conditionName) + ")")
                        .imports(DISTRIBUTED_LOCKS)
                        .javaParser(JavaParser.fromJavaVersion().dependsOn(LIBRARY_TYPES))
                        .build();
                maybeAddImport(DISTRIBUTED_LOCKS);
                return template.apply(getCursor(), m.getCoordinates().replace(), lockExpr);
            }

            private J.NewClass reportOnly(ExecutionContext ctx, J.NewClass nc, String className, String variable, String reason) {
                if (nc.getMarkers().findFirst(SearchResult.class).isPresent()) {
                    return nc; // reported in an earlier cycle
                }
                report.insertRow(ctx, new LockMigrationReport.Row(sourcePath(), className, variable, false, reason));
                return SearchResult.found(nc, "not migrated: " + reason);
            }

            private String sourcePath() {
                J.CompilationUnit cu = getCursor().firstEnclosing(J.CompilationUnit.class);
                return cu == null ? "?" : cu.getSourcePath().toString();
            }
        };
    }

    // ---- the rules, shared by the scan and the edit ----

    boolean inScope(JavaType.FullyQualified type) {
        if (include == null || include.isEmpty()) {
            return true;
        }
        String fqn = type.getFullyQualifiedName();
        for (String entry : include) {
            String e = entry.trim();
            if (e.endsWith(".**")) {
                e = e.substring(0, e.length() - 3);
            } else if (e.endsWith(".*")) {
                e = e.substring(0, e.length() - 2);
            }
            if (!e.isEmpty() && (fqn.equals(e) || fqn.startsWith(e + ".") || fqn.startsWith(e + "$"))) {
                return true;
            }
        }
        return false;
    }

    static boolean serializable(JavaType.FullyQualified type) {
        return TypeUtils.isAssignableTo("java.io.Serializable", type);
    }

    static boolean isLockCreation(@Nullable Expression e) {
        if (!(e instanceof J.NewClass)) {
            return false;
        }
        J.NewClass nc = (J.NewClass) e;
        return nc.getBody() == null && (TypeUtils.isOfClassType(nc.getType(), REENTRANT_LOCK)
                || TypeUtils.isOfClassType(nc.getType(), READ_WRITE_LOCK));
    }

    private static boolean noArguments(List<Expression> args) {
        return args.isEmpty() || args.size() == 1 && args.get(0) instanceof J.Empty;
    }

    /** The fairness argument, or {@code null} when there is none or it is the literal {@code false}. */
    private static @Nullable Expression fairArgument(J.NewClass nc) {
        List<Expression> args = nc.getArguments();
        if (noArguments(args)) {
            return null;
        }
        Expression a = args.get(0);
        if (a instanceof J.Literal && Boolean.FALSE.equals(((J.Literal) a).getValue())) {
            return null;
        }
        return a;
    }

    static String literal(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** The class declaring the variable at {@code variableCursor} if it is a field of a named class. */
    static J.@Nullable ClassDeclaration fieldOwner(Cursor variableCursor) {
        Cursor decls = variableCursor.getParentTreeCursor();
        if (!(decls.getValue() instanceof J.VariableDeclarations)) {
            return null;
        }
        Cursor block = decls.getParentTreeCursor();
        if (!(block.getValue() instanceof J.Block)) {
            return null;
        }
        Object owner = block.getParentTreeCursor().getValue();
        return owner instanceof J.ClassDeclaration ? (J.ClassDeclaration) owner : null;
    }

    private static boolean isAnonymousField(Cursor variableCursor) {
        Cursor decls = variableCursor.getParentTreeCursor();
        Cursor block = decls.getParentTreeCursor();
        return block.getValue() instanceof J.Block && block.getParentTreeCursor().getValue() instanceof J.NewClass;
    }

    /** {@code owner#name} if {@code identifier} names a field declared with a lock type, else {@code null}. */
    static @Nullable String lockFieldKey(J.Identifier identifier) {
        JavaType.Variable field = identifier.getFieldType();
        if (field == null || !(field.getOwner() instanceof JavaType.FullyQualified)) {
            return null;
        }
        JavaType.FullyQualified declared = TypeUtils.asFullyQualified(field.getType());
        if (declared == null || !LOCK_TYPES.contains(declared.getFullyQualifiedName())) {
            return null;
        }
        return ((JavaType.FullyQualified) field.getOwner()).getFullyQualifiedName() + "#" + field.getName();
    }

    private static @Nullable String lockFieldKey(@Nullable Expression e) {
        if (e instanceof J.Identifier) {
            return lockFieldKey((J.Identifier) e);
        }
        if (e instanceof J.FieldAccess) {
            return lockFieldKey(((J.FieldAccess) e).getName());
        }
        return null;
    }

    /** The lock field of {@code lock.newCondition()} or {@code rw.writeLock().newCondition()}. */
    static @Nullable String lockKeyOfConditionSelect(@Nullable Expression select) {
        if (select instanceof J.MethodInvocation && "writeLock".equals(((J.MethodInvocation) select).getSimpleName())) {
            return lockFieldKey(((J.MethodInvocation) select).getSelect());
        }
        return lockFieldKey(select);
    }

    /**
     * Why the use of a lock field at {@code expr} forbids migrating it, or {@code null} if it does
     * not: method calls on it are fine, a {@code newCondition()} only where
     * {@link #conditionName} names it.
     */
    static @Nullable String useProblem(Cursor expr) {
        Cursor parent = expr.getParentTreeCursor();
        Object p = parent.getValue();
        if (p instanceof J.MethodInvocation && ((J.MethodInvocation) p).getSelect() == expr.getValue()) {
            J.MethodInvocation call = (J.MethodInvocation) p;
            String name = call.getSimpleName();
            if ("readLock".equals(name) || "writeLock".equals(name)) {
                Object pp = parent.getParentTreeCursor().getValue();
                if (!(pp instanceof J.MethodInvocation) || ((J.MethodInvocation) pp).getSelect() != call) {
                    return "its " + name + "() is stored or passed on, so a newCondition() on it could not be checked";
                }
                if ("newCondition".equals(((J.MethodInvocation) pp).getSimpleName())) {
                    return conditionProblem(parent.getParentTreeCursor());
                }
                return null;
            }
            if ("newCondition".equals(name)) {
                return conditionProblem(parent);
            }
            return null;
        }
        if (p instanceof J.Assignment && ((J.Assignment) p).getVariable() == expr.getValue()) {
            return "assigned outside its declaration";
        }
        return "used other than by calling its methods (" + p.getClass().getSimpleName()
                + "): passed, returned or stored, so a newCondition() on it could not be checked";
    }

    private static @Nullable String conditionProblem(Cursor invocation) {
        if (!noArguments(((J.MethodInvocation) invocation.getValue()).getArguments())) {
            return null;
        }
        if (conditionName(invocation, null) != null) {
            return null;
        }
        J.MethodDeclaration method = invocation.firstEnclosing(J.MethodDeclaration.class);
        String where = method == null ? "an initializer block or expression" : (method.isConstructor() ? "a constructor, nested" : "method " + method.getSimpleName() + "()");
        return "newCondition() called in " + where + ", not as the initializer of a Condition field or a top-level "
                + "assignment to one in a constructor: which conditions exist, and in which order, could differ between JVMs";
    }

    /**
     * The name of the condition made by the {@code newCondition()} at {@code invocation}, or
     * {@code null} if it is not in an allowed place: the initializer of a field, or the value of a
     * top-level assignment to a field in a constructor. The name is the field's; if the field is
     * declared in another class than the lock ({@code lockKey}), it is qualified by that class.
     */
    static @Nullable String conditionName(Cursor invocation, @Nullable String lockKey) {
        Cursor parent = invocation.getParentTreeCursor();
        Object p = parent.getValue();
        String owner;
        String field;
        if (p instanceof J.VariableDeclarations.NamedVariable
                && ((J.VariableDeclarations.NamedVariable) p).getInitializer() == invocation.getValue()) {
            J.ClassDeclaration cd = fieldOwner(parent);
            if (cd == null || cd.getType() == null) {
                return null;
            }
            owner = cd.getType().getFullyQualifiedName();
            field = ((J.VariableDeclarations.NamedVariable) p).getSimpleName();
        } else if (p instanceof J.Assignment && ((J.Assignment) p).getAssignment() == invocation.getValue()) {
            Expression target = ((J.Assignment) p).getVariable();
            J.Identifier id = target instanceof J.FieldAccess ? ((J.FieldAccess) target).getName()
                    : target instanceof J.Identifier ? (J.Identifier) target : null;
            if (id == null || id.getFieldType() == null || !(id.getFieldType().getOwner() instanceof JavaType.FullyQualified)) {
                return null;
            }
            Cursor block = parent.getParentTreeCursor();
            Object method = block.getParentTreeCursor().getValue();
            if (!(block.getValue() instanceof J.Block) || !(method instanceof J.MethodDeclaration)
                    || !((J.MethodDeclaration) method).isConstructor()) {
                return null;
            }
            owner = ((JavaType.FullyQualified) id.getFieldType().getOwner()).getFullyQualifiedName();
            field = id.getSimpleName();
        } else {
            return null;
        }
        if (lockKey == null || lockKey.startsWith(owner + "#")) {
            return field;
        }
        return owner + "." + field;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof MigrateReentrantLocks)) {
            return false;
        }
        MigrateReentrantLocks other = (MigrateReentrantLocks) o;
        return Objects.equals(include, other.include) && Objects.equals(lockNamePrefix, other.lockNamePrefix);
    }

    @Override
    public int hashCode() {
        return Objects.hash(include, lockNamePrefix);
    }
}
