package io.distlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distlock.redis.RedisLockFactory;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public API never extends or exposes a type of the internal package: every public or
 * protected supertype, field, constructor, method parameter, result and declared exception of
 * every public type in the exported packages is checked, generics included.
 */
class PublicApiTest {

    static final List<String> EXPORTED = List.of("io.distlock", "io.distlock.redis", "io.distlock.etcd",
            "io.distlock.service", "io.distlock.spi", "io.distlock.micrometer",
            "io.distlock.spring");
    private static final String INTERNAL = "io.distlock.internal";

    @Test
    void noPublicTypeExtendsOrExposesAnInternalType() throws Exception {
        List<Class<?>> types = exportedPublicTypes();
        assertThat(types).extracting(Class::getName)
                .contains("io.distlock.redis.RedisLockFactory", "io.distlock.etcd.EtcdLockFactory",
                        "io.distlock.AbstractDistributedLockFactory", "io.distlock.spi.LockBackend");
        List<String> leaks = new ArrayList<>();
        for (Class<?> type : types) {
            check(leaks, type + " extends", type.getGenericSuperclass());
            for (Type i : type.getGenericInterfaces()) {
                check(leaks, type + " implements", i);
            }
            for (TypeVariable<?> v : type.getTypeParameters()) {
                for (Type b : v.getBounds()) {
                    check(leaks, type + " type parameter " + v, b);
                }
            }
            for (Field f : type.getDeclaredFields()) {
                if (visible(f.getModifiers())) {
                    check(leaks, f.toString(), f.getGenericType());
                }
            }
            for (Constructor<?> c : type.getDeclaredConstructors()) {
                if (visible(c.getModifiers())) {
                    checkExecutable(leaks, c);
                }
            }
            for (Method m : type.getDeclaredMethods()) {
                if (visible(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
                    checkExecutable(leaks, m);
                    check(leaks, m + " returns", m.getGenericReturnType());
                }
            }
        }
        assertThat(leaks).as("public API members naming io.distlock.internal").isEmpty();
    }

    @Test
    void aFactoryCannotBeMadeOutsideItsBuilder() {
        class Rogue extends AbstractDistributedLockFactory<DistributedReentrantLock,
                DistributedReentrantReadWriteLock> {
        }
        assertThatThrownBy(Rogue::new).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("made by their builders");
        // and the builders' failure to build leaves no binding behind for a later constructor
        assertThatThrownBy(() -> RedisLockFactory.builder().build()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(Rogue::new).isInstanceOf(IllegalStateException.class);
    }

    private static void checkExecutable(List<String> leaks, Executable e) {
        for (Type p : e.getGenericParameterTypes()) {
            check(leaks, e + " parameter", p);
        }
        for (Type x : e.getGenericExceptionTypes()) {
            check(leaks, e + " throws", x);
        }
        for (TypeVariable<?> v : e.getTypeParameters()) {
            for (Type b : v.getBounds()) {
                check(leaks, e + " type parameter " + v, b);
            }
        }
    }

    private static boolean visible(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void check(List<String> leaks, String where, Type type) {
        if (type == null) {
            return;
        }
        if (type instanceof Class<?> c) {
            while (c.isArray()) {
                c = c.getComponentType();
            }
            if (c.getPackageName().equals(INTERNAL)) {
                leaks.add(where + " " + c.getName());
            }
        } else if (type instanceof ParameterizedType p) {
            check(leaks, where, p.getRawType());
            for (Type a : p.getActualTypeArguments()) {
                check(leaks, where, a);
            }
        } else if (type instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) {
                check(leaks, where, b);
            }
            for (Type b : w.getLowerBounds()) {
                check(leaks, where, b);
            }
        } else if (type instanceof GenericArrayType g) {
            check(leaks, where, g.getGenericComponentType());
        }
        // type variables are checked where they are declared
    }

    /** Every public type, nested ones included, of the exported packages of the library's classes. */
    static List<Class<?>> exportedPublicTypes() throws IOException, URISyntaxException, ClassNotFoundException {
        Path root = Path.of(DistributedLock.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Class<?>> types = new ArrayList<>();
        for (String pkg : EXPORTED) {
            Path dir = root.resolve(pkg.replace('.', '/'));
            List<Path> files;
            try (Stream<Path> list = Files.list(dir)) {
                files = list.filter(f -> f.toString().endsWith(".class")).sorted().toList();
            }
            for (Path f : files) {
                String simple = f.getFileName().toString().replace(".class", "");
                if (simple.equals("package-info") || simple.equals("module-info")) {
                    continue;
                }
                Class<?> c = Class.forName(pkg + "." + simple.replace('/', '.'), false,
                        PublicApiTest.class.getClassLoader());
                if (isExported(c)) {
                    types.add(c);
                }
            }
        }
        return types;
    }

    private static boolean isExported(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            if (!Modifier.isPublic(k.getModifiers()) || k.isAnonymousClass() || k.isLocalClass()) {
                return false;
            }
        }
        return true;
    }
}
