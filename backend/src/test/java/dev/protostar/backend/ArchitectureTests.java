package dev.protostar.backend;

import java.util.function.BiPredicate;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.junit.jupiter.api.Test;

import org.springframework.context.annotation.Configuration;
import org.springframework.stereotype.Repository;
import org.springframework.web.bind.annotation.RestController;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * How the backend's packages may depend on each other. Each package is a
 * feature or a service to features:
 * <ul>
 * <li>features: {@code account}, {@code chat}, {@code document}, {@code event};
 * <li>what they use: {@code api} (the envelope and errors, at the bottom), {@code audit}
 * (the security event log),
 * {@code request} (request ids, body limits), {@code security}, {@code ratelimit},
 * {@code tier}, {@code queue};
 * <li>wired in by the container, used by no feature: {@code server} (Tomcat
 * tuning), {@code health} (/api/health, the identity header), {@code drill}
 * (fault drills), {@code web} (the browser app's page and files),
 * {@code reencryption} (stored conversation data brought to the active key).
 * </ul>
 * The compiler already keeps package-private types inside their package; these
 * rules cover what it cannot see. One blind spot: javac copies constants
 * ({@code static final} strings and numbers) into the classes that use them,
 * so a reference to a constant alone leaves no trace in the byte code read here.
 */
class ArchitectureTests {

	private static final String BACKEND = "dev.protostar.backend..";

	private static final String[] FEATURES = { "dev.protostar.backend.account..", "dev.protostar.backend.chat..",
			"dev.protostar.backend.document..", "dev.protostar.backend.event.." };

	private static final JavaClasses classes = new ClassFileImporter()
		.withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
		.importPackages("dev.protostar.backend");

	@Test
	void noCyclesBetweenPackages() {
		slices().matching("dev.protostar.backend.(*)..")
			.should()
			.beFreeOfCycles()
			.because("packages in a cycle can only be understood, tested and changed together; "
					+ "dependencies point from the features to what they use")
			.check(classes);
	}

	@Test
	void theEnvelopeDependsOnNoOtherPackage() {
		classes().that()
			.resideInAPackage("dev.protostar.backend.api..")
			.should()
			.onlyDependOnClassesThat(resideOutsideOfPackage(BACKEND).or(resideInAPackage("dev.protostar.backend.api..")))
			.because("every package answers in the envelope, so the envelope must need none of them")
			.check(classes);
	}

	@Test
	void sharedPackagesDoNotKnowTheFeatures() {
		noClasses().that()
			.resideOutsideOfPackages(FEATURES)
			.should()
			.dependOnClassesThat()
			.resideInAnyPackage(FEATURES)
			.because("security, rate limits, tiers, the queue and the envelope serve every feature; "
					+ "one that knew a feature would have to change with it")
			.check(classes);
	}

	@Test
	void nothingDependsOnTheTomcatTuning() {
		noClasses().that()
			.resideOutsideOfPackage("dev.protostar.backend.server..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("dev.protostar.backend.server..")
			.because("Tomcat's tuning is wired in by configuration alone, "
					+ "so it can be changed or dropped without touching anything else")
			.check(classes);
	}

	@Test
	void nothingDependsOnTheDrills() {
		noClasses().that()
			.resideOutsideOfPackage("dev.protostar.backend.drill..")
			.should()
			.dependOnClassesThat()
			.resideInAPackage("dev.protostar.backend.drill..")
			.because("fault drills are off in every real release, so nothing may come to rely on them")
			.check(classes);
	}

	@Test
	void nothingDependsOnAController() {
		classes().that()
			.areAnnotatedWith(RestController.class)
			.should(onlyHaveDependentsThat("are the class itself or nested in it", ArchitectureTests::sameTopLevelClass))
			.because("a controller is the HTTP edge of its feature: what it does belongs in a service others may call")
			.check(classes);
	}

	@Test
	void controllersLeaveStorageToServices() {
		noClasses().that()
			.areAnnotatedWith(RestController.class)
			.should()
			.dependOnClassesThat()
			.areAnnotatedWith(Repository.class)
			.because("controllers call services, services call repositories: "
					+ "the checks and transactions live in the service, where no endpoint can skip them")
			.check(classes);
	}

	@Test
	void repositoriesStayInTheirFeature() {
		classes().that()
			.areAnnotatedWith(Repository.class)
			.should(onlyHaveDependentsThat("reside in the same package", ArchitectureTests::samePackage))
			.because("a feature's tables are its own; another feature asks its service, "
					+ "so the rules about the data are kept in one place")
			.check(classes);
	}

	@Test
	void nothingDependsOnAConfigurationClass() {
		classes().that()
			.areMetaAnnotatedWith(Configuration.class)
			.should(onlyHaveDependentsThat("are the class itself or nested in it", ArchitectureTests::sameTopLevelClass))
			.because("configuration classes declare beans for the container; "
					+ "code takes the beans it needs, never the class that made them")
			.check(classes);
	}

	@Test
	void controllersAndConfigurationClassesArePackagePrivate() {
		classes().that()
			.areAnnotatedWith(RestController.class)
			.or()
			.areAnnotatedWith(Configuration.class)
			.should()
			.notBePublic()
			.because("nothing outside their package uses them (see the rules above), "
					+ "so public would only widen what a reader has to consider")
			.check(classes);
	}

	private static boolean samePackage(JavaClass origin, JavaClass target) {
		return origin.getPackageName().equals(target.getPackageName());
	}

	private static boolean sameTopLevelClass(JavaClass origin, JavaClass target) {
		return topLevel(origin).equals(topLevel(target));
	}

	private static JavaClass topLevel(JavaClass type) {
		JavaClass outer = type;
		while (outer.getEnclosingClass().isPresent()) {
			outer = outer.getEnclosingClass().get();
		}
		return outer;
	}

	/** Every class depending on the checked one must satisfy {@code allowed(dependent, checked)}. */
	private static ArchCondition<JavaClass> onlyHaveDependentsThat(String description,
			BiPredicate<JavaClass, JavaClass> allowed) {
		return new ArchCondition<>("only have dependents that " + description) {

			@Override
			public void check(JavaClass target, ConditionEvents events) {
				for (Dependency dependency : target.getDirectDependenciesToSelf()) {
					if (!allowed.test(dependency.getOriginClass(), target)) {
						events.add(SimpleConditionEvent.violated(dependency, dependency.getDescription()));
					}
				}
			}

		};
	}

}
