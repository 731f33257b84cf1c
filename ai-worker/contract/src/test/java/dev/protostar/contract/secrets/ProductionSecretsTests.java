package dev.protostar.contract.secrets;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.diagnostics.FailureAnalysis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatNoException;

class ProductionSecretsTests {

	private final ProductionSecrets secrets = new ProductionSecrets("POSTGRES_PASSWORD", "REDIS_PASSWORD",
			"JWT_SECRET");

	private final Map<String, String> environment = new HashMap<>(
			Map.of("POSTGRES_PASSWORD", "pg-secret", "REDIS_PASSWORD", "redis-secret", "JWT_SECRET", "jwt-secret"));

	@Test
	void allSetIsEnough() {
		assertThatNoException().isThrownBy(() -> this.secrets.check(this.environment::get));
	}

	@Test
	void anUnsetOrBlankSecretIsNamedAndNoValueIsShown() {
		this.environment.remove("POSTGRES_PASSWORD");
		this.environment.put("JWT_SECRET", " \t");
		assertThatExceptionOfType(MissingSecretsException.class)
			.isThrownBy(() -> this.secrets.check(this.environment::get))
			.withMessage("POSTGRES_PASSWORD must be set in the production profile;"
					+ " JWT_SECRET must be set in the production profile")
			.satisfies((ex) -> assertThat(ex.variables()).containsExactly("POSTGRES_PASSWORD", "JWT_SECRET"))
			.withMessageNotContaining("redis-secret");
	}

	@Test
	void aFailedStartSaysWhatToSet() {
		this.environment.put("REDIS_PASSWORD", "");
		MissingSecretsException missing = null;
		try {
			this.secrets.check(this.environment::get);
		}
		catch (MissingSecretsException ex) {
			missing = ex;
		}
		assertThat(missing).isNotNull();
		FailureAnalysis analysis = new MissingSecretsFailureAnalyzer()
			.analyze(new IllegalStateException("context failed", missing));
		assertThat(analysis.getDescription()).isEqualTo("REDIS_PASSWORD must be set in the production profile.");
		assertThat(analysis.getAction()).startsWith("Set REDIS_PASSWORD in the environment");
	}

}
