package dev.switchboard;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The layering the README promises, checked on the compiled classes. */
class ArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.switchboard");

    @Test
    void coreKnowsNoTransportNoDialectNoLibrary() {
        noClasses().that().resideInAPackage("dev.switchboard.core..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.netty..", "com.fasterxml..", "io.micrometer..", "io.lettuce..", "io.grpc..",
                        "dev.switchboard.transport..", "dev.switchboard.dialect..", "dev.switchboard.ops..",
                        "dev.switchboard.app..")
                .check(CLASSES);
    }

    @Test
    void dialectsKnowNoTransportAndNoBus() {
        noClasses().that().resideInAPackage("dev.switchboard.dialect..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "io.netty..", "dev.switchboard.transport..", "dev.switchboard.core.bus..", "dev.switchboard.app..")
                .check(CLASSES);
    }

    @Test
    void dialectsDoNotKnowEachOther() {
        noClasses().that().resideInAPackage("dev.switchboard.dialect.ywebrtc..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "dev.switchboard.dialect.namedpeer..", "dev.switchboard.dialect.rendezvous..",
                        "dev.switchboard.dialect.radix..")
                .check(CLASSES);
    }

    @Test
    void transportKnowsNoDialectImplementation() {
        noClasses().that().resideInAPackage("dev.switchboard.transport..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "dev.switchboard.dialect.ywebrtc..", "dev.switchboard.core.bus..", "dev.switchboard.app..")
                .check(CLASSES);
    }
}
