package dev.protostar.contract.access;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DocumentAccessTests {

	@Test
	void eachLevelSeesItselfAndTheLevelsBelow() {
		assertThat(DocumentAccess.PUBLIC.visible()).containsExactly(DocumentAccess.PUBLIC);
		assertThat(DocumentAccess.INTERNAL.visible()).containsExactly(DocumentAccess.PUBLIC, DocumentAccess.INTERNAL);
		assertThat(DocumentAccess.CONFIDENTIAL.visible()).containsExactly(DocumentAccess.PUBLIC,
				DocumentAccess.INTERNAL, DocumentAccess.CONFIDENTIAL);
	}

	@Test
	void levelsAreNamedExactly() {
		assertThat(DocumentAccess.named("INTERNAL")).contains(DocumentAccess.INTERNAL);
		assertThat(DocumentAccess.named("internal")).isEmpty();
		assertThat(DocumentAccess.named("SECRET")).isEmpty();
		assertThat(DocumentAccess.named(null)).isEmpty();
	}

	@Test
	void eachTierHasADefaultLevelAndNothingElseDoes() {
		assertThat(DocumentAccess.defaultForRole("GUEST")).contains(DocumentAccess.PUBLIC);
		assertThat(DocumentAccess.defaultForRole("STARGAZER")).contains(DocumentAccess.INTERNAL);
		assertThat(DocumentAccess.defaultForRole("PROTOSTAR")).contains(DocumentAccess.CONFIDENTIAL);
		assertThat(DocumentAccess.defaultForRole("ADMIN")).contains(DocumentAccess.CONFIDENTIAL);
		assertThat(DocumentAccess.defaultForRole("guest")).isEmpty();
		assertThat(DocumentAccess.defaultForRole("employee")).isEmpty();
		assertThat(DocumentAccess.defaultForRole(null)).isEmpty();
	}

}
