package dev.protostar.worker;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.simpleNameEndingWith;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * How the worker's packages may depend on each other, checked on the compiled classes:
 * a rule broken here fails the build. Read bottom-up, the worker is a queue that runs
 * job handlers ({@code chat}, {@code ingestion}), which use the services ({@code answer},
 * {@code retrieval}) and the infrastructure ({@code embedding}, {@code storage}); what it
 * shares with the backend is the contract ({@code dev.protostar.contract}).
 */
class ArchitectureTests {

	private static final String WORKER = "dev.protostar.worker";

	/** The worker's main classes and the contract's (from its jar or classes folder). */
	private static final JavaClasses MAIN = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.withImportOption((location) -> !location.contains("-tests.jar"))
		.importPackages(WORKER, "dev.protostar.contract");

	/** The worker's main and test classes: tests count as users of a type too. */
	private static final JavaClasses MAIN_AND_TESTS = new ClassFileImporter().importPackages(WORKER);

	@Test
	void noPackageCycles() {
		ArchRule rule = slices().matching(WORKER + ".(*)..")
			.should()
			.beFreeOfCycles()
			.because("packages that depend on each other can only be understood, changed and tested together");
		rule.check(MAIN);
	}

	@Test
	void layers() {
		ArchRule rule = layeredArchitecture().consideringOnlyDependenciesInLayers()
			.layer("job handlers")
			.definedBy(WORKER + ".chat..", WORKER + ".ingestion..")
			.layer("answers")
			.definedBy(WORKER + ".answer..")
			.layer("retrieval")
			.definedBy(WORKER + ".retrieval..")
			.layer("infrastructure")
			.definedBy(WORKER + ".embedding..", WORKER + ".storage..")
			.layer("queue")
			.definedBy(WORKER + ".queue..")
			.whereLayer("job handlers")
			.mayNotBeAccessedByAnyLayer()
			.whereLayer("answers")
			.mayOnlyBeAccessedByLayers("job handlers")
			.whereLayer("retrieval")
			.mayOnlyBeAccessedByLayers("job handlers", "answers")
			.whereLayer("infrastructure")
			.mayOnlyBeAccessedByLayers("job handlers", "retrieval")
			.whereLayer("queue")
			.mayOnlyBeAccessedByLayers("job handlers", "answers")
			.because("each layer builds on the ones below it: a handler turns a job into calls to services,"
					+ " which know nothing of jobs but the failure vocabulary of the queue");
		rule.check(MAIN);
	}

	@Test
	void theQueueKnowsNoFeature() {
		DescribedPredicate<JavaClass> anotherWorkerPackage = resideInAPackage(WORKER + "..")
			.and(not(resideInAPackage(WORKER + ".queue..")));
		ArchRule rule = noClasses().that()
			.resideInAPackage(WORKER + ".queue..")
			.should()
			.dependOnClassesThat(anotherWorkerPackage)
			.because("the queue runs any job type: handlers depend on it, never the reverse, so a new kind of job"
					+ " changes no line of it");
		rule.check(MAIN);
	}

	@Test
	void jobHandlersAreUsedByNothingElse() {
		for (String handlers : new String[] { ".chat..", ".ingestion.." }) {
			ArchRule rule = noClasses().that()
				.resideOutsideOfPackage(WORKER + handlers)
				.should()
				.dependOnClassesThat()
				.resideInAPackage(WORKER + handlers)
				.because("a job type's handler is the top of the worker: the queue finds it as a JobHandler bean,"
						+ " and no other job type or service may lean on it");
			rule.check(MAIN);
		}
	}

	@Test
	void nothingDependsOnAConfigurationClass() {
		ArchRule rule = noClasses().that()
			.haveSimpleNameNotEndingWith("Configuration")
			.should()
			.dependOnClassesThat(resideInAPackage(WORKER + "..").and(simpleNameEndingWith("Configuration")))
			.because("a @Configuration class only wires beans; code that calls into it would run outside Spring's"
					+ " wiring and tie the feature to how it is assembled");
		rule.check(MAIN);
	}

	@Test
	void theContractDependsOnNoApplication() {
		ArchRule rule = noClasses().that()
			.resideInAPackage("dev.protostar.contract..")
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage(WORKER + "..", "dev.protostar.backend..")
			.because("the contract is what backend and worker share; a dependency on either side would make it"
					+ " that side's, and the other would get the code of an application it does not run");
		rule.check(MAIN);
	}

	@Test
	void aPublicTypeIsUsedOutsideItsPackage() {
		DescribedPredicate<JavaClass> mainCode = DescribedPredicate.describe("in main code",
				(type) -> MAIN.contain(type.getName()));
		ArchRule rule = classes().that()
			.areTopLevelClasses()
			.and()
			.arePublic()
			.and(mainCode)
			.should(new ArchCondition<>("be used outside their package") {

				@Override
				public void check(JavaClass type, ConditionEvents events) {
					boolean usedElsewhere = type.getDirectDependenciesToSelf()
						.stream()
						.anyMatch((dependency) -> !dependency.getOriginClass()
							.getPackageName()
							.equals(type.getPackageName()));
					if (!usedElsewhere) {
						events.add(SimpleConditionEvent.violated(type,
								type.getName() + " is public, but no class outside its package uses it"));
					}
				}

			})
			.because("a type only its own package uses is package-private, so what a package exports is its API");
		rule.check(MAIN_AND_TESTS);
	}

}
