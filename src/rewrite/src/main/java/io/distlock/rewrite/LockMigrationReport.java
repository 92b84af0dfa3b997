package io.distlock.rewrite;

import org.openrewrite.Column;
import org.openrewrite.DataTable;
import org.openrewrite.Recipe;

/** One row per lock the recipe met: migrated (and to which name) or left as is (and why). */
public class LockMigrationReport extends DataTable<LockMigrationReport.Row> {

    /**
     * The table of {@code recipe}.
     *
     * @param recipe the recipe that fills it
     */
    public LockMigrationReport(Recipe recipe) {
        super(recipe, "Distributed lock migration",
                "Each ReentrantLock / ReentrantReadWriteLock met: migrated with its lock name, or left as is with the reason.");
    }

    /** A row of the table. */
    public static final class Row {
        @Column(displayName = "Source path", description = "The file.")
        private final String sourcePath;
        @Column(displayName = "Class", description = "The declaring class, fully qualified.")
        private final String declaringClass;
        @Column(displayName = "Variable", description = "The field or local variable.")
        private final String variable;
        @Column(displayName = "Migrated", description = "Whether the initializer was rewritten.")
        private final boolean migrated;
        @Column(displayName = "Detail", description = "The distributed lock's name, or why it was left as is.")
        private final String detail;

        /**
         * A row.
         *
         * @param sourcePath the file
         * @param declaringClass the class
         * @param variable the variable
         * @param migrated whether it was rewritten
         * @param detail the lock name or the reason
         */
        public Row(String sourcePath, String declaringClass, String variable, boolean migrated, String detail) {
            this.sourcePath = sourcePath;
            this.declaringClass = declaringClass;
            this.variable = variable;
            this.migrated = migrated;
            this.detail = detail;
        }

        public String getSourcePath() {
            return sourcePath;
        }

        public String getDeclaringClass() {
            return declaringClass;
        }

        public String getVariable() {
            return variable;
        }

        public boolean isMigrated() {
            return migrated;
        }

        public String getDetail() {
            return detail;
        }

        @Override
        public String toString() {
            return sourcePath + " " + declaringClass + "." + variable + " migrated=" + migrated + " " + detail;
        }
    }
}
