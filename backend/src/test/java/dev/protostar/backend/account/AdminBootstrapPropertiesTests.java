package dev.protostar.backend.account;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;

import dev.protostar.backend.BackendApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class AdminBootstrapPropertiesTests {

	@Test
	void neitherIsFine() {
		assertThat(new AdminBootstrapProperties("", "").configured()).isFalse();
		assertThat(new AdminBootstrapProperties(null, null).configured()).isFalse();
	}

	@Test
	void bothAreFineAndTheEmailIsNormalised() {
		AdminBootstrapProperties properties = new AdminBootstrapProperties(" Root@Example.ORG ", "0123456789");

		assertThat(properties.configured()).isTrue();
		assertThat(properties.email()).isEqualTo("root@example.org");
	}

	@Test
	void emailWithoutPasswordNamesThePassword() {
		assertThatIllegalArgumentException().isThrownBy(() -> new AdminBootstrapProperties("root@example.org", ""))
			.withMessageStartingWith("PROTOSTAR_ADMIN_PASSWORD must be set");
	}

	@Test
	void passwordWithoutEmailNamesTheEmail() {
		assertThatIllegalArgumentException().isThrownBy(() -> new AdminBootstrapProperties(" ", "0123456789"))
			.withMessageStartingWith("PROTOSTAR_ADMIN_EMAIL must be set");
	}

	@Test
	void shortPasswordIsRefused() {
		assertThatIllegalArgumentException().isThrownBy(() -> new AdminBootstrapProperties("root@example.org", "short"))
			.withMessageContaining("PROTOSTAR_ADMIN_PASSWORD must be 10 to 128 characters");
	}

	@Test
	void toStringHidesThePassword() {
		assertThat(new AdminBootstrapProperties("root@example.org", "0123456789").toString())
			.doesNotContain("0123456789");
	}

	@Test
	void applicationRefusesToStartWithOnlyTheEmail() {
		// The variables reach the properties through application.properties.
		assertThatException()
			.isThrownBy(() -> SpringApplication.run(BackendApplication.class, "--spring.main.web-application-type=none",
					"--spring.flyway.enabled=false", "--PROTOSTAR_ADMIN_EMAIL=root@example.org",
					"--PROTOSTAR_ADMIN_PASSWORD="))
			.havingRootCause()
			.withMessageContaining("PROTOSTAR_ADMIN_PASSWORD must be set");
	}

}
