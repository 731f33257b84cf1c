package dev.protostar.contract;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The contract's packages are separate concerns: a change to one (a new payload field,
 * a new file type) touches no other. That it depends on neither application is checked
 * in the worker's ArchitectureTests, where both are on the class path.
 */
class ArchitectureTests {

	private static final String CONTRACT = "dev.protostar.contract";

	private static final JavaClasses MAIN = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages(CONTRACT);

	@Test
	void noPackageCycles() {
		ArchRule rule = slices().matching(CONTRACT + ".(*)..")
			.should()
			.beFreeOfCycles()
			.because("packages that depend on each other can only be understood, changed and tested together");
		rule.check(MAIN);
	}

	@Test
	void eachConcernStandsAlone() {
		ArchRule rule = slices().matching(CONTRACT + ".(*)..")
			.that(DescribedPredicate.describe("are not the queue's", (slice) -> !slice.getNamePart(1).equals("queue")))
			.should()
			.notDependOnEachOther()
			.because("access levels, file types, secrets, storage settings and the cipher are unrelated; only the queue's"
					+ " payloads build on another (the document access a chat job carries)");
		rule.check(MAIN);
		ArchRule queue = noClasses().that()
			.resideOutsideOfPackage(CONTRACT + ".queue..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage(CONTRACT + ".queue..")
			.because("the queue protocol is the top of the contract: nothing else in it needs jobs");
		queue.check(MAIN);
	}

}
